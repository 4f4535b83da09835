"""Flags in jpvae's style: `--name value`, some repeated; one line naming the flag on misuse."""

from .errors import InputError


def parse(argv, spec, command):
    """{name: value or list} from argv; spec: {name: 'one' | 'many' | 'switch'}."""
    out = {k: ([] if kind == "many" else False if kind == "switch" else None) for k, kind in spec.items()}
    i = 0
    while i < len(argv):
        a = argv[i]
        name = a[2:] if a.startswith("--") else None
        if name not in spec:
            raise InputError(f"{command}: unknown flag {a} (expected {', '.join('--' + k for k in spec)})")
        if spec[name] == "switch":
            out[name] = True
            i += 1
            continue
        if i + 1 >= len(argv):
            raise InputError(f"{command}: --{name} needs a value")
        if spec[name] == "many":
            out[name].append(argv[i + 1])
        elif out[name] is not None:
            raise InputError(f"{command}: --{name} given twice")
        else:
            out[name] = argv[i + 1]
        i += 2
    return out


def required(flags, name, command):
    if flags[name] in (None, []):
        raise InputError(f"{command}: --{name} is required")
    return flags[name]


def positive_int(flags, name, default=None, least=1):
    """The flag's integer ≥ least (default 1), or `default` when not given."""
    v = flags[name]
    if v is None:
        if default is None:
            raise InputError(f"--{name} is required")
        return default
    try:
        n = int(v)
    except ValueError:
        n = 0
    if n < least or str(n) != v.strip():
        raise InputError(f"--{name} {v}: expected " + ("a positive integer" if least == 1 else f"an integer ≥ {least}"))
    return n


def view_list(text, m, flag):
    """'1,3' → [0, 2] (views numbered from 1 for users, from 0 inside)."""
    try:
        views = [int(s) for s in text.split(",")]
    except ValueError:
        views = []
    if not views or any(v < 1 or v > m for v in views) or len(set(views)) != len(views):
        raise InputError(f"{flag} {text}: expected distinct view numbers from 1 to {m}, like 1 or 1,3")
    return [v - 1 for v in views]
