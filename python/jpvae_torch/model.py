"""jpvae's networks from a model.json config: per view an encoder trunk
(dense + ReLU), mean and log-variance heads, a decoder mirroring the trunk
(ReLU between layers, none after the last), and the view's likelihood;
the joint prior over the latent blocks (priors.py). The parameters carry
jpvae's layout names. jpvae stores a dense layer's weight as [in, out]
(x·W + b); a torch Linear holds [out, in], so weights are transposed on
the way in and out."""

import numpy as np
import torch
from torch import nn

from . import likelihoods
from .priors import gaussian_kl, make_prior


class View(nn.Module):
    def __init__(self, dim, hidden, latent, lik):
        super().__init__()
        self.dim, self.latent, self.lik = dim, latent, lik
        widths = [dim, *hidden]
        self.encoder = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths, widths[1:]))
        self.mu = nn.Linear(hidden[-1], latent)
        self.logvar = nn.Linear(hidden[-1], latent)
        widths = [latent, *reversed(hidden), dim]
        self.decoder = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths, widths[1:]))
        kind = lik["kind"]
        if kind == "gaussian" and lik["variance"] == "learnt":
            self.dec_logvar = nn.Parameter(torch.zeros(dim))
        elif kind == "gaussian":  # fixed: log(variance) as jpvae stores it, in f32
            self.register_buffer("dec_logvar", torch.full((dim,), float(np.float32(np.log(lik["variance"])))))
        if kind == "nb":
            self.dec_logtheta = nn.Parameter(torch.zeros(dim))

    def layout(self, tag):
        """(jpvae's layout name, this view's tensor, is a Linear weight) in jpvae's order."""
        dense = [(f"encoder.{i}", l) for i, l in enumerate(self.encoder)]
        dense += [("encoder.mu", self.mu), ("encoder.logvar", self.logvar)]
        dense += [(f"decoder.{i}", l) for i, l in enumerate(self.decoder)]
        out = []
        for name, l in dense:
            out += [(f"{tag}.{name}.weight", l.weight, True), (f"{tag}.{name}.bias", l.bias, False)]
        if isinstance(getattr(self, "dec_logvar", None), nn.Parameter):
            out.append((f"{tag}.decoder.logvar", self.dec_logvar, False))
        if self.lik["kind"] == "nb":
            out.append((f"{tag}.decoder.logtheta", self.dec_logtheta, False))
        return out

    def encode(self, x):
        """x as the encoder reads it (standardised, or log1p of counts) → (μ, log σ²)."""
        h = x
        for l in self.encoder:
            h = torch.relu(l(h))
        return self.mu(h), self.logvar(h)

    def decode(self, z):
        h = z
        for i, l in enumerate(self.decoder):
            h = l(h)
            if i < len(self.decoder) - 1:
                h = torch.relu(h)
        return h

    def nll(self, out, x, log_size):
        return likelihoods.nll(
            self.lik, out, x, log_size, getattr(self, "dec_logvar", None), getattr(self, "dec_logtheta", None)
        )


class Jpvae(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        liks = config.get("likelihood") or [{"kind": "bernoulli"}] * len(config["dims"])
        self.views = nn.ModuleList(
            View(d, config["hidden"], n, lik) for d, n, lik in zip(config["dims"], config["latent"], liks)
        )
        self.prior = make_prior(config["prior"], config["latent"])

    def layout(self):
        """Every tensor with its jpvae layout name, in jpvae's order (views, then the prior)."""
        out = []
        for i, v in enumerate(self.views):
            out += v.layout(f"view{i + 1}")
        return out + [(f"prior.{name}", p, False) for name, p in self.prior.named_params()]

    def lecun_init(self, generator):
        """A new model as jpvae starts one: LeCun-normal weights (variance 1/fan-in), every other tensor 0."""
        with torch.no_grad():
            for _, p, linear in self.layout():
                if linear:
                    p.copy_(torch.randn(p.shape, generator=generator) / p.shape[1] ** 0.5)
                else:
                    p.zero_()

    def terms(self, batch, beta, eps=True, generator=None):
        """Sums over the batch's rows of each view's reconstruction (over the rows that have it) and of
        the KL against the marginal prior of the views each row has (Eq. 9); z = μ + σ·ε, or μ without ε.
        batch: per view (enc_input, target, log_size or None, present bool mask)."""
        m = len(self.views)
        recon, mus, lvs = [], [], []
        rows = batch[0][3].shape[0]
        for v, (inp, x, ls, present) in zip(self.views, batch):
            mu, lv = v.encode(inp[present])
            z = mu
            if eps:
                z = mu + torch.exp(0.5 * lv) * torch.randn(mu.shape, generator=generator, device=mu.device)
            recon.append(v.nll(v.decode(z), x[present], None if ls is None else ls[present]).sum())
            full_mu = mu.new_zeros(rows, v.latent).index_put((present,), mu)
            full_lv = lv.new_zeros(rows, v.latent).index_put((present,), lv)
            mus.append(full_mu)
            lvs.append(full_lv)
        sigma = self.prior.covariance()
        dev = sigma.device
        starts = np.cumsum([0] + [v.latent for v in self.views])
        masks = torch.stack([b[3] for b in batch], 1)
        codes = (masks.long() * (2 ** torch.arange(m, device=dev))).sum(1)
        kl = torch.zeros((), dtype=torch.float64, device=dev)
        for code in torch.unique(codes).tolist():
            if code == 0:
                continue
            rows_of = codes == code
            present = [i for i in range(m) if code >> i & 1]
            cols = np.concatenate([np.arange(starts[i], starts[i + 1]) for i in present])
            idx = torch.as_tensor(cols, device=dev)
            mu = torch.cat([mus[i][rows_of] for i in present], 1)
            lv = torch.cat([lvs[i][rows_of] for i in present], 1)
            kl = kl + gaussian_kl(mu, lv, sigma[idx][:, idx]).sum()
        return recon, kl

    def set_flat(self, tensors):
        """Load jpvae's tensors ({layout name: array of the stored shape})."""
        with torch.no_grad():
            for name, p, linear in self.layout():
                a = torch.from_numpy(np.asarray(tensors[name], dtype=np.float32))
                p.copy_(a.T if linear else a.reshape(p.shape))

    def get_flat(self):
        """{layout name: float32 array of jpvae's stored shape}."""
        out = {}
        for name, p, linear in self.layout():
            out[name] = (p.detach().T if linear else p.detach()).cpu().numpy().astype(np.float32)
        return out
