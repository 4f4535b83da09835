"""safetensors files as jpvae writes them: an 8-byte little-endian header
length, a JSON header {name: {dtype: F32, shape, data_offsets}} (with
__metadata__), the raw little-endian float32 payload. Read and written by
hand (the safetensors package is not in Debian); both ways checked."""

import json
import struct
import zlib

import numpy as np

from .errors import InputError


def read(path, expect_crc=None, expect_bytes=None):
    """(tensors: {name: float32 array of its shape}, metadata) of the file at path, checked."""
    try:
        with open(path, "rb") as f:
            buf = f.read()
    except OSError as e:
        raise InputError(f"{path}: cannot be read ({e.strerror})")
    if expect_bytes is not None and len(buf) != expect_bytes:
        raise InputError(f"{path}: {len(buf)} bytes, but model.json says {expect_bytes}")
    if expect_crc is not None and f"{zlib.crc32(buf):08x}" != expect_crc:
        raise InputError(f"{path}: checksum {zlib.crc32(buf):08x}, but model.json says {expect_crc} (the file is corrupt)")
    if len(buf) < 8:
        raise InputError(f"{path}: shorter than its 8-byte header length")
    (n,) = struct.unpack("<Q", buf[:8])
    if n > len(buf) - 8:
        raise InputError(f"{path}: header length {n} runs past the end of the file")
    try:
        header = json.loads(buf[8 : 8 + n].decode("utf-8"))
    except ValueError:
        raise InputError(f"{path}: the header is not JSON")
    payload = memoryview(buf)[8 + n :]
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        lo, hi = info.get("data_offsets", [0, -1])
        shape = info.get("shape", [])
        if info.get("dtype") != "F32" or not 0 <= lo <= hi <= len(payload) or hi - lo != 4 * int(np.prod(shape)):
            raise InputError(f"{path}: tensor '{name}' is not an F32 tensor of its shape inside the file")
        a = np.frombuffer(payload[lo:hi], dtype="<f4").reshape(shape).copy()
        if not np.isfinite(a).all():
            raise InputError(f"{path}: tensor '{name}' holds a value that is not finite")
        tensors[name] = a
    return tensors, meta


def encode(tensors, metadata):
    """The bytes of a safetensors file of `tensors` (an ordered {name: array}), payload 8-aligned as jpvae's."""
    header = {"__metadata__": metadata}
    offset = 0
    for name, a in tensors.items():
        size = 4 * a.size
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header, separators=(",", ":"))
    text += " " * ((8 - len(text) % 8) % 8)
    head = text.encode("utf-8")
    parts = [struct.pack("<Q", len(head)), head]
    parts += [np.ascontiguousarray(a, dtype="<f4").tobytes() for a in tensors.values()]
    return b"".join(parts)
