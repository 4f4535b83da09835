"""`init`: a new model from a jpvae config, started in PyTorch: LeCun-normal weights (variance 1/fan-in),
the rest zero, as jpvae starts one; the held-out rows split off (the last --holdout of the rows), each
Gaussian view's standardisation and each count view's median total fitted on the training rows. Writes a
jpvae model directory at epoch 0, which `train --init` (or jpvae train --resume) trains."""

import json
import os

import numpy as np
import torch

from . import config as configs
from . import data, flags, model_dir
from .errors import InputError
from .model import Jpvae
from .schedule import parse_beta

SPEC = {
    "config": "one", "view1": "one", "view2": "one", "view": "many", "out": "one", "holdout": "one",
    "batch": "one", "beta": "one", "seed": "one", "lr": "one", "force": "switch",
}


def new_stream(seed):
    """jpvae's Rng(seed).state() (xoshiro128** seeded through splitmix32), with no spare normal."""
    x, s = seed & 0xFFFFFFFF, []
    for _ in range(4):
        x = (x + 0x9E3779B9) & 0xFFFFFFFF
        z = x
        z = ((z ^ (z >> 16)) * 0x85EBCA6B) & 0xFFFFFFFF
        z = ((z ^ (z >> 13)) * 0xC2B2AE35) & 0xFFFFFFFF
        s.append((z ^ (z >> 16)) & 0xFFFFFFFF)
    return s + [None]


def fit_standardize(x):
    """Mean and sd (dividing by n; 0 becomes 1) of each feature over the rows x, in f64."""
    x = x.astype(np.float64)
    mean = x.mean(0)
    sd = np.sqrt(((x - mean) ** 2).mean(0))
    return {"mean": mean.tolist(), "sd": np.where(sd > 0, sd, 1).tolist()}


def median_total(x):
    """The median of the rows' totals (at least 1)."""
    return max(float(np.median(x.astype(np.float64).sum(1))) if len(x) else 1.0, 1.0)


def number(f, name, default, ok, what):
    if f[name] is None:
        return default
    try:
        v = float(f[name])
    except ValueError:
        v = None
    if v is None or not ok(v):
        raise InputError(f"--{name} {f[name]}: expected {what}")
    return v


def run(argv):
    f = flags.parse(argv, SPEC, "init")
    path = flags.required(f, "config", "init")
    try:
        with open(path, encoding="utf-8") as fh:
            raw = json.load(fh)
    except (OSError, ValueError) as e:
        raise InputError(f"--config {path}: cannot be read as JSON ({getattr(e, 'strerror', None) or e})")
    c = configs.check(raw.get("config", raw) if isinstance(raw, dict) else raw, f"--config {path}")
    views = [p for p in (f["view1"], f["view2"]) if p] + f["view"]
    m = len(c["dims"])
    if len(views) != m:
        raise InputError(f"--view: the config has {m} views, got {len(views)} files")
    out = flags.required(f, "out", "init")
    if os.path.exists(out) and not f["force"]:
        raise InputError(f"--out {out}: exists; pass --force to replace it")
    holdout = number(f, "holdout", 0.1, lambda v: 0 <= v < 1, "a fraction from 0 to below 1")
    batch = int(number(f, "batch", 32, lambda v: v >= 1 and v == int(v), "a positive integer"))
    seed = int(number(f, "seed", 1, lambda v: v >= 0 and v == int(v), "an integer ≥ 0"))
    lr = number(f, "lr", 1e-3, lambda v: v > 0, "a learning rate > 0")
    beta = f["beta"] or "constant:1"
    try:
        parse_beta(beta)
    except InputError:
        raise InputError(f"--beta {beta}: expected constant[:B], linear:E or cyclical:E (E > 0)")
    labels = lambda i: f"--view{i + 1}" if f["view1"] or f["view2"] else "--view"
    xs, present = data.read_views(views, c["dims"], c["likelihood"], labels)
    n = present.shape[0]
    held = int(np.ceil(holdout * n))
    if held >= n:
        raise InputError(f"--holdout {f['holdout']}: leaves no training rows of {n}")
    train = ~data.split_rows(present, held, "last-rows")
    standardize = []
    for i, lik in enumerate(c["likelihood"]):
        rows = xs[i][train & present[:, i]]
        if lik["kind"] in ("poisson", "nb"):
            lik["median_total"] = median_total(rows)
        standardize.append(fit_standardize(rows) if lik["kind"] == "gaussian" else None)
    model = Jpvae(c)
    model.lecun_init(torch.Generator().manual_seed(seed))
    j = {
        "format": model_dir.FORMAT,
        "format_version": model_dir.FORMAT_VERSION,
        "package": f"jpvae_torch (torch {torch.__version__})",
        "config": c,
        "layout": [{"name": n_, "shape": list(p.T.shape if lin else p.shape)} for n_, p, lin in model.layout()],
        "data": {
            "dataset": "files",
            "views": [os.path.abspath(v) for v in views],
            "pairing": {"by": "position", "complete": int(present.all(1).sum()), "per_view": present.sum(0).tolist()},
            "holdout": holdout,
            "likelihood": c["likelihood"],
            "standardize": standardize,
            "train_rows": int(train.sum()),
            "held_out_rows": held,
        },
        "training": {
            "options": {"batch": batch, "beta": beta, "seed": seed, "lr": lr, "backend": "torch"},
            "state": {"epoch": 0, "step": 0, "rng": new_stream(seed + 0x9E3779B9), "history": []},
        },
    }
    _, size = model_dir.offsets(j["layout"])
    zeros = np.zeros(size, np.float32)  # a new Adam's moments, so that jpvae train --resume takes the directory too
    model_dir.save(out, j, model.get_flat(), (zeros, zeros), f["force"])
    print(f"wrote {out}: a new model of {m} views, {int(train.sum())} training rows and {held} held out")
