"""python3 -m jpvae_torch init | train | impute | terms …: jpvae's commands on PyTorch.
Exit 0 ok, 2 bad input (one line naming the flag or file), 1 anything else."""

import sys

from .errors import InputError

USAGE = """usage: python3 -m jpvae_torch <command> [flags]

  init   --config C.json --view1 F --view2 F [--view F …] --out DIR [--holdout F] [--batch B] [--beta S]
         [--seed N] [--lr LR] [--force]
         a new model from a jpvae config (model.json's config section), started here: a model directory
         at epoch 0 that train --init trains
  impute --model DIR --given G --input F [--input F …] --out F [--out F …] [--target T] [--force]
         the mean imputation of the views not given, as jpvae impute (CSV or NPY in and out)
  train  --init DIR --view1 F --view2 F [--view F …] --epochs E --out DIR2 [--nproc N] [--threads T]
         [--lr LR] [--seed S] [--force]
         continue DIR's training for E more epochs on N processes (torch.distributed; torchrun too),
         writing a jpvae model directory DIR2 (E = 0: DIR written back, its latent fit computed here)
  terms  --model DIR [--model DIR …] [--rows N] [--view F …]
         the loss terms of each DIR's first N training rows with z at the posterior mean (ε = 0), as JSON
"""


def main(argv):
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE, end="")
        return 0
    command, rest = argv[0], argv[1:]
    try:
        if command == "impute":
            from .cli_impute import run
        elif command == "train":
            from .cli_train import run
        elif command == "init":
            from .cli_init import run
        elif command == "terms":
            from .cli_terms import run
        else:
            raise InputError(f"unknown command '{command}' (expected init, train, impute or terms)")
        run(rest)
        return 0
    except InputError as e:
        print(f"jpvae_torch {command}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
