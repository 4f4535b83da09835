"""jpvae_torch: a PyTorch twin of jpvae's model (the JPVAE paper's M-view VAE
tied only through a joint Gaussian prior, Eq. 6), reading and writing
jpvae's model directories, so that a model can be trained on GPUs and
clusters (torch.distributed) and deployed back through jpvae.

Run as `PYTHONPATH=python python3 -m jpvae_torch impute|train|terms …`.
"""
