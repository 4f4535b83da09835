"""`impute`: the mean imputation of the target views from the given ones, as `jpvae impute` (CSV or NPY in,
CSV or NPY out; a CSV output keeps a header line, the target view's training column names or x1, x2, …,
when the input had one). Outputs are written to a temporary name and renamed: never half-written."""

import os
import tempfile

import numpy as np

from . import data, flags, model_dir
from .errors import InputError
from .impute import impute


def run(argv):
    cmd = "impute"
    f = flags.parse(
        argv, {"model": "one", "given": "one", "target": "one", "input": "many", "out": "many", "force": "switch"}, cmd
    )
    model, j = model_dir.load(flags.required(f, "model", cmd), "--model")
    m = len(model.views)
    given = flags.view_list(flags.required(f, "given", cmd), m, "--given")
    target = flags.view_list(f["target"], m, "--target") if f["target"] else [v for v in range(m) if v not in given]
    if not target or set(target) & set(given):
        raise InputError(f"--target {f['target']}: expected views that are not given")
    if "latent_fit" not in j:
        raise InputError(f"--model {f['model']}: model.json has no latent_fit (train it for an epoch first)")
    inputs, outs = flags.required(f, "input", cmd), flags.required(f, "out", cmd)
    if len(inputs) != len(given):
        raise InputError(f"--input: expected one per --given view ({len(given)}), got {len(inputs)}")
    if len(outs) != len(target):
        raise InputError(f"--out: expected one per target view ({len(target)}), got {len(outs)}")
    for o in outs:
        if os.path.splitext(o)[1].lower() not in (".csv", ".npy"):
            raise InputError(f"--out {o}: expected a .csv or .npy file")
        if os.path.exists(o) and not f["force"]:
            raise InputError(f"--out {o}: exists; pass --force to replace it")
    liks = data.likelihoods_of(j)
    xs, header = [], False
    for g, path in zip(given, inputs):
        x, names = data.read_matrix(path, "--input")
        header = header or names is not None
        if x.shape[1] != model.views[g].dim:
            raise InputError(f"--input {path}: {x.shape[1]} columns, the model's view {g + 1} has {model.views[g].dim}")
        if (~data.present_rows(x, liks[g], f"--input {path}")).any():
            raise InputError(f"--input {path}: a row is empty; a given view must be complete and finite")
        xs.append(x)
    if len({x.shape[0] for x in xs}) > 1:
        raise InputError(f"--input: the files have {', '.join(str(x.shape[0]) for x in xs)} rows; they pair by row")
    ys = impute(model, j, given, target, xs)
    columns = j["data"].get("columns") or [None] * m
    for t, y, path in zip(target, ys, outs):
        names = columns[t] or [f"x{k + 1}" for k in range(y.shape[1])]
        write(path, y, names if header else None)


def write(path, y, header):
    d = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", dir=d)
    except OSError as e:
        raise InputError(f"--out {path}: cannot be written ({e.strerror})")
    try:
        with os.fdopen(fd, "wb") as f:
            if path.lower().endswith(".npy"):
                np.save(f, y.astype(np.float32))
            else:
                if header:
                    f.write((",".join(header) + "\n").encode())
                f.write("".join(",".join(f"{v:.9g}" for v in row) + "\n" for row in y).encode())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
