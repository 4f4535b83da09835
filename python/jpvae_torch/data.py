"""View files as jpvae reads them (CSV, NPY): one row per sample, a row
that is empty or all NaN marks the view missing there, anything else must
be finite and fit the view's likelihood. A CSV's first line is a header
when it holds names only. Views pair by row position. A model's training
rows are split again as jpvae split them (data.held_out_rows, the last
rows or per pairing), and preprocessed as model.json records: Gaussian
views standardised, count views read as log1p(x) by the encoder with each
row's size factor."""

import math
import os

import numpy as np
import torch

from .errors import InputError


def _number(cell):
    try:
        float(cell)
        return True
    except ValueError:
        return False


def read_csv(path, label):
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{label} {path}: cannot be read ({getattr(e, 'strerror', None) or e})")
    header = None
    if lines and lines[0].strip() and not any(_number(c) for c in lines[0].split(",") if c.strip()):
        header, lines = [c.strip() for c in lines[0].split(",")], lines[1:]
    width = len(header) if header else next((len(l.split(",")) for l in lines if l.strip()), 0)
    if not width:
        raise InputError(f"{label} {path}: no rows")
    out = np.full((len(lines), width), np.nan, dtype=np.float32)
    for r, line in enumerate(lines):
        if not line.strip():
            continue
        cells = line.split(",")
        if len(cells) != width:
            raise InputError(f"{label} {path}:{r + 1 + (header is not None)}: {len(cells)} cells, expected {width}")
        for c, cell in enumerate(cells):
            cell = cell.strip()
            if not cell:
                continue
            try:
                out[r, c] = float(cell)
            except ValueError:
                raise InputError(f"{label} {path}:{r + 1 + (header is not None)}: column {c + 1} is not a number")
    return out, header


def read_matrix(path, label):
    """(n×width float32 matrix, header names or None) of a CSV or NPY file."""
    ext = os.path.splitext(path)[1].lower()
    if ext == ".csv":
        return read_csv(path, label)
    if ext == ".npy":
        try:
            a = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as e:
            raise InputError(f"{label} {path}: not a readable NPY file ({e})")
        if a.ndim not in (1, 2) or a.dtype.kind not in "fiub":
            raise InputError(f"{label} {path}: expected a 1-D or 2-D numeric array, got {a.ndim}-D {a.dtype}")
        return a.reshape(a.shape[0], -1).astype(np.float32), None
    raise InputError(f"{label} {path}: expected a .csv or .npy file (the twin reads these; jpvae reads more)")


def present_rows(x, lik, label):
    """Which rows have the view; one line for a partly missing row, a value that is not finite, or one outside
    what the likelihood takes."""
    nan = np.isnan(x)
    whole = nan.all(1)
    part = nan.any(1) & ~whole
    if part.any():
        r = int(np.argmax(part))
        raise InputError(f"{label}: row {r + 1} is partly empty; a missing view must be missing whole")
    vals = x[~whole]
    if not np.isfinite(vals).all():
        raise InputError(f"{label}: a value is not finite; expected finite numbers")
    if lik["kind"] == "bernoulli" and ((vals < 0) | (vals > 1)).any():
        raise InputError(f"{label}: a value is outside [0, 1] as a Bernoulli view needs")
    if lik["kind"] in ("poisson", "nb") and ((vals < 0) | (vals != np.round(vals))).any():
        raise InputError(f"{label}: a value is not a count (a non-negative integer)")
    return ~whole


def per_pairing_held(present, held):
    """jpvae's 'per-pairing' hold-out: per kind of row (its present views; every view first, then by mask),
    its share of `held` by largest remainder, the kind's last rows."""
    n, full = present.shape[0], (1 << present.shape[1]) - 1
    codes = (present.astype(np.int64) << np.arange(present.shape[1])).sum(1)
    kinds = sorted(set(codes.tolist()), key=lambda m: (m != full, m))
    counts = [int((codes == k).sum()) for k in kinds]
    exact = [held * c / n for c in counts]
    quota = [math.floor(e) for e in exact]
    order = sorted(range(len(kinds)), key=lambda k: (-(exact[k] - quota[k]), k))
    for i in range(held - sum(quota)):
        quota[order[i]] += 1
    left = dict(zip(kinds, quota))
    is_held = np.zeros(n, dtype=bool)
    for r in range(n - 1, -1, -1):
        if left[codes[r]] > 0:
            left[codes[r]] -= 1
            is_held[r] = True
    return is_held


def read_views(paths, dims, liks, label_of):
    """Each view's rows (NaN where missing) and which rows have it (n×M), the files paired by row position."""
    xs, present = [], []
    for i, p in enumerate(paths):
        x, _ = read_matrix(p, label_of(i))
        if x.shape[1] != dims[i]:
            raise InputError(f"{label_of(i)} {p}: {x.shape[1]} columns, the model's view {i + 1} has {dims[i]}")
        present.append(present_rows(x, liks[i], f"{label_of(i)} {p}"))
        xs.append(x)
    if len({x.shape[0] for x in xs}) > 1:
        rows = ", ".join(str(x.shape[0]) for x in xs)
        raise InputError(f"{label_of(0)}: the view files have {rows} rows; views pair by row position, one row per sample")
    return xs, np.stack(present, 1)


def split_rows(present, held, how):
    """Which rows a hold-out of `held` rows takes: the last rows, or per pairing."""
    is_held = np.zeros(present.shape[0], bool)
    if held and how == "per-pairing":
        is_held = per_pairing_held(present, held)
    elif held:
        is_held[present.shape[0] - held :] = True
    return is_held


def training_views(j, paths, label_of):
    """The model's training and held-out rows from the view files `paths`: (xs, present) each, in jpvae's
    units (standardised where model.json says), split as jpvae split them."""
    d = j["data"]
    if d.get("id_column") or d.get("mask") or (d.get("pairing") or {}).get("by") == "id":
        raise InputError(
            "--init: the model paired its views by sample ID or a mask file; the twin pairs by row position only"
        )
    xs, present = read_views(paths, j["config"]["dims"], likelihoods_of(j), label_of)
    n = present.shape[0]
    # hvdMNIST: the files hold its training rows (its held-out rows are the test set).
    held = 0 if d["dataset"] == "hvdmnist" else d["held_out_rows"]
    if n != d["train_rows"] + held:
        raise InputError(f"{label_of(0)}: the view files have {n} rows, the model was trained on {d['train_rows'] + held}")
    xs = [standardize(x, s) for x, s in zip(xs, d["standardize"])]
    is_held = split_rows(present, held, d.get("holdout_split", "last-rows"))
    split = lambda keep: ([np.nan_to_num(x[keep]) for x in xs], present[keep])
    return split(~is_held), split(is_held) if held else None


def standardize(x, s, inverse=False):
    """(x − mean)/sd per feature, or back, in f64 and stored f32 as jpvae does (a view far from 0 with a small
    sd loses its digits when the mean is rounded to f32 first); x as it is for a view without standardisation."""
    if not s:
        return x
    mean, sd = np.asarray(s["mean"]), np.asarray(s["sd"])
    y = x.astype(np.float64) * sd + mean if inverse else (x.astype(np.float64) - mean) / sd
    return y.astype(np.float32)


def likelihoods_of(j):
    c = j["config"]
    return c.get("likelihood") or [{"kind": "bernoulli"}] * len(c["dims"])


def view_batch(view, x, present):
    """One view's rows as the model reads them: (encoder input, target, log size factor or None, present)."""
    x = torch.as_tensor(x)
    lik = view.lik
    if lik["kind"] not in ("poisson", "nb"):
        return x, x, None, torch.as_tensor(present)
    log_size = None
    if lik.get("size_factor", "total") == "total":
        log_size = torch.log(torch.clamp(x.double().sum(1), min=1) / lik["median_total"])
    return torch.log1p(x), x, log_size, torch.as_tensor(present)


def batch_of(model, xs, present, rows):
    return [view_batch(v, x[rows], present[rows, i]) for i, (v, x) in enumerate(zip(model.views, xs))]
