"""jpvae's model directory (format jpvae-model, version 4), read and written:
model.json (snake_case fields), weights-<step>-<crc32>.safetensors (one F32
tensor per layout name, jpvae's [in, out] weights) and
train-state-<step>-<crc32>.safetensors (Adam's moments over jpvae's flat
parameter array: the layout's tensors in order, each padded to a multiple
of 4 elements). A directory is written whole into a temporary directory
beside the target, then renamed into place: never half-written."""

import json
import os
import shutil
import tempfile
import zlib

import numpy as np

from . import safetensors
from .errors import InputError
from .model import Jpvae

FORMAT, FORMAT_VERSION = "jpvae-model", 4


def read_json(directory, label):
    path = os.path.join(directory, "model.json")
    try:
        with open(path, encoding="utf-8") as f:
            j = json.load(f)
    except FileNotFoundError:
        raise InputError(f"{label} {directory}: no model.json (not a jpvae model directory)")
    except (OSError, ValueError) as e:
        raise InputError(f"{label} {directory}: model.json cannot be read as JSON ({e})")
    if not isinstance(j, dict) or j.get("format") != FORMAT:
        raise InputError(f"{label} {directory}: model.json is not a {FORMAT} file")
    if j.get("format_version") != FORMAT_VERSION:
        raise InputError(
            f"{label} {directory}: model.json is format_version {j.get('format_version')}; the twin reads version "
            f"{FORMAT_VERSION} (a jpvae save writes it: jpvae train --resume {directory} --epochs N)"
        )
    return j


def offsets(layout):
    """Each layout entry's offset in jpvae's flat array (sizes padded to 4) and the array's size."""
    at, out = 0, []
    for e in layout:
        out.append(at)
        at += -(-int(np.prod(e["shape"])) // 4) * 4
    return out, at


def check_layout(model, layout, label):
    mine = [(n, list(p.T.shape) if lin else list(p.shape)) for n, p, lin in model.layout()]
    theirs = [(e["name"], list(e["shape"])) for e in layout]
    if mine != theirs:
        bad = next((i for i, (a, b) in enumerate(zip(mine, theirs)) if a != b), min(len(mine), len(theirs)))
        raise InputError(f"{label}: model.json's layout differs from its config's at entry {bad + 1}")


def load(directory, label="--model"):
    """(model with its weights, model.json) of a jpvae model directory."""
    j = read_json(directory, label)
    where = f"{label} {directory}"
    if j["config"].get("covariates"):
        raise InputError(f"{where}: covariates: the PyTorch twin does not take a model with covariates yet")
    model = Jpvae(j["config"])
    check_layout(model, j["layout"], where)
    ref = j["files"]["weights"]
    tensors, meta = safetensors.read(os.path.join(directory, ref["name"]), ref.get("crc32"), ref.get("bytes"))
    step = str(j.get("training", {}).get("state", {}).get("step", 0))
    if meta.get("step") != step:
        raise InputError(f"{where}: weights from step {meta.get('step')} but model.json from step {step}")
    for e in j["layout"]:
        if e["name"] not in tensors or list(tensors[e["name"]].shape) != list(e["shape"]):
            raise InputError(f"{where}: {ref['name']} lacks tensor {e['name']} of shape {e['shape']}")
    model.set_flat(tensors)
    return model, j


def load_moments(directory, j, label="--init"):
    """Adam's (m, v) as flat float32 arrays, or None when the model was saved without them."""
    ref = j.get("files", {}).get("train_state")
    if not ref:
        return None
    tensors, meta = safetensors.read(os.path.join(directory, ref["name"]), ref.get("crc32"), ref.get("bytes"))
    _, size = offsets(j["layout"])
    if meta.get("step") != str(j["training"]["state"]["step"]) or any(
        tensors.get(k, np.empty(0)).size != size for k in ("adam.m", "adam.v")
    ):
        raise InputError(f"{label} {directory}: {ref['name']} does not hold the moments of model.json's step")
    return tensors["adam.m"].ravel(), tensors["adam.v"].ravel()


def _file(kind, step, data):
    crc = f"{zlib.crc32(data):08x}"
    return {"name": f"{kind}-{step}-{crc}.safetensors", "bytes": len(data), "crc32": crc}, data


def save(directory, j, weights, moments=None, force=False, label="--out"):
    """Write the model directory `directory` (model.json j, its files named here) atomically."""
    step = str(j.get("training", {}).get("state", {}).get("step", 0))
    in_order = {e["name"]: weights[e["name"]] for e in j["layout"]}
    w_ref, w = _file("weights", step, safetensors.encode(in_order, {"format": FORMAT, "step": step}))
    files = {w_ref["name"]: w}
    j = dict(j, files={"weights": w_ref})
    if moments is not None:
        adam = {"adam.m": moments[0], "adam.v": moments[1]}
        s_ref, s = _file("train-state", step, safetensors.encode(adam, {"step": step}))
        files[s_ref["name"]] = s
        j["files"]["train_state"] = s_ref
    files["model.json"] = (json.dumps(j, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
    target = os.path.abspath(directory)
    parent = os.path.dirname(target)
    if os.path.exists(target) and not force:
        raise InputError(f"{label} {directory}: exists; pass --force to replace it")
    if not os.path.isdir(parent):
        raise InputError(f"{label} {directory}: its parent directory does not exist")
    try:
        tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(target)}.", dir=parent)
    except OSError as e:
        raise InputError(f"{label} {directory}: cannot write beside it ({e.strerror})")
    try:
        for name, data in files.items():
            with open(os.path.join(tmp, name), "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        os.chmod(tmp, 0o755)
        if os.path.exists(target):  # --force: the old directory moves aside, and comes back if the switch fails
            old = tempfile.mkdtemp(prefix=f".{os.path.basename(target)}.old.", dir=parent)
            os.rename(target, os.path.join(old, "model"))
            try:
                os.rename(tmp, target)
            except OSError:
                os.rename(os.path.join(old, "model"), target)
                raise
            shutil.rmtree(old)
        else:
            os.rename(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
