"""β of Eq. 2 at a fractional epoch, as jpvae's schedules (training.options.beta): constant[:B], linear:E
(0 → 1 over E epochs), cyclical:E (0 → 1 over each cycle's first half, then 1)."""

from .errors import InputError


def parse_beta(text):
    kind, _, arg = text.partition(":")
    try:
        num = float(arg) if arg else None
    except ValueError:
        num = None
    if kind == "constant" and not arg:
        return ("constant", 1.0)
    if kind == "constant" and num is not None and num >= 0:
        return ("constant", num)
    if kind in ("linear", "cyclical") and num is not None and num > 0:
        return (kind, num)
    raise InputError(f"training.options.beta '{text}': expected constant[:B], linear:E or cyclical:E")


def beta_at(schedule, epoch):
    kind, v = schedule
    if kind == "constant":
        return v
    if kind == "linear":
        return min(1.0, epoch / v)
    return min(1.0, 2 * ((epoch % v) / v))
