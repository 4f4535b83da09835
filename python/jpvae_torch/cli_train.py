"""`train`: continue a jpvae model's training for E more epochs on N processes (torch.distributed: gloo on
CPUs, NCCL on GPUs), then write a jpvae model directory: the weights, Adam's moments, model.json with the
run's history and the latent fit (from sufficient statistics summed across processes). Launched by
torchrun (RANK and WORLD_SIZE set), each process is one of torchrun's; else --nproc N spawns N here."""

import copy
import os
import socket
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from . import data, flags, latent_fit, model_dir
from .errors import InputError
from .schedule import parse_beta
from .train import flat_moments, load_moments, train_epochs

SPEC = {
    "init": "one", "view1": "one", "view2": "one", "view": "many", "epochs": "one", "out": "one",
    "nproc": "one", "threads": "one", "lr": "one", "force": "switch",
}


def settings(argv):
    """The run's checked settings; every bad flag or file is an InputError here, before any process starts."""
    f = flags.parse(argv, SPEC, "train")
    init = flags.required(f, "init", "train")
    model, j = model_dir.load(init, "--init")
    views = [p for p in (f["view1"], f["view2"]) if p] + f["view"]
    m = len(model.views)
    if len(views) != m:
        raise InputError(
            f"--view: the model has {m} views, got {len(views)} files (--view1 F --view2 F, or --view F per view)"
        )
    if "training" not in j:
        raise InputError(f"--init {init}: model.json has no training state to continue")
    if j["training"]["state"].get("partial"):
        raise InputError(
            f"--init {init}: an epoch was stopped part way; finish it first (jpvae train --resume {init} --epochs N)"
        )
    lr = j["training"]["options"]["lr"]
    if f["lr"] is not None:
        try:
            lr = float(f["lr"])
        except ValueError:
            lr = -1
        if not lr > 0:
            raise InputError(f"--lr {f['lr']}: expected a learning rate > 0")
    out = flags.required(f, "out", "train")
    if os.path.exists(out) and not f["force"]:
        raise InputError(f"--out {out}: exists; pass --force to replace it")
    if not os.path.isdir(os.path.dirname(os.path.abspath(out))):
        raise InputError(f"--out {out}: its parent directory does not exist")
    if os.path.abspath(out) == os.path.abspath(init):
        raise InputError(f"--out {out}: is --init's directory; write the continued model to a new one")
    labels = lambda i: f"--view{i + 1}" if i < 2 and (f["view1"] or f["view2"]) else "--view"
    data.training_views(j, views, labels)  # every file checked here, once
    return {
        "init": init, "views": [os.path.abspath(p) for p in views], "out": out, "force": f["force"],
        "epochs": flags.positive_int(f, "epochs", least=0), "nproc": flags.positive_int(f, "nproc", 1),
        "threads": flags.positive_int(f, "threads", 1), "lr": lr,
        "beta": parse_beta(j["training"]["options"]["beta"]),
    }


def worker(rank, world, s):
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo", rank=rank, world_size=world)
    local = int(os.environ.get("LOCAL_RANK", rank))
    device = torch.device(f"cuda:{local}" if torch.cuda.is_available() else "cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    torch.set_num_threads(s["threads"])
    model, j = model_dir.load(s["init"], "--init")
    train, test = data.training_views(j, s["views"], lambda i: "--view")
    model.to(device)
    opt = torch.optim.Adam([p for _, p, _ in model.layout()], lr=s["lr"], betas=(0.9, 0.999), eps=1e-8)
    offsets, size = model_dir.offsets(j["layout"])
    st = j["training"]["state"]
    load_moments(opt, model, offsets, model_dir.load_moments(s["init"], j), st["step"], device)
    options = j["training"]["options"]
    records = train_epochs(model, opt, train, test, options, st["epoch"], s["epochs"], rank, world, device, s["beta"])
    xs, present = train
    shard = slice(rank, None, world)
    model.eval()
    stats = latent_fit.statistics(model, [x[shard] for x in xs], present[shard], device).to(device)
    if world > 1:
        dist.all_reduce(stats)
    if rank == 0:
        n = present.shape[0]
        steps = -(-n // j["training"]["options"]["batch"])
        out = copy.deepcopy(j)
        out.pop("files", None)
        out["package"] = f"jpvae_torch (torch {torch.__version__})"
        out["training"]["options"]["backend"] = f"torch {device.type}, {world} process{'es' if world > 1 else ''}"
        out["training"]["options"]["lr"] = s["lr"]
        out["training"]["state"].update(
            epoch=st["epoch"] + s["epochs"], step=st["step"] + s["epochs"] * steps, history=st["history"] + records
        )
        out["latent_fit"] = latent_fit.fit(stats.cpu(), [v.latent for v in model.views], n)
        if out["data"]["dataset"] == "files":
            out["data"]["views"] = s["views"]
        model_dir.save(s["out"], out, model.get_flat(), flat_moments(opt, model, offsets, size), s["force"])
        state = out["training"]["state"]
        print(f"wrote {s['out']}: epoch {state['epoch']}, step {state['step']}", flush=True)
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()


def spawned(rank, world, s):
    try:
        worker(rank, world, s)
    except (InputError, FloatingPointError) as e:
        print(f"jpvae_torch train: {e}", file=sys.stderr)
        sys.exit(2 if isinstance(e, InputError) else 1)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(argv):
    s = settings(argv)
    if "WORLD_SIZE" in os.environ:  # one of torchrun's processes
        world = int(os.environ["WORLD_SIZE"])
        return spawned(int(os.environ["RANK"]), world, s)
    if torch.cuda.is_available() and s["nproc"] > torch.cuda.device_count():
        raise InputError(f"--nproc {s['nproc']}: one process per GPU, and this machine has {torch.cuda.device_count()}")
    if s["nproc"] == 1:
        return spawned(0, 1, s)
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ["MASTER_PORT"] = str(free_port())
    try:
        mp.spawn(spawned, args=(s["nproc"], s), nprocs=s["nproc"])
    except mp.ProcessExitedException as e:
        sys.exit(e.exit_code if e.exit_code in (1, 2) else 1)
