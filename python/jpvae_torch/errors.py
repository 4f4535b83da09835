"""Bad input: one line naming the flag or file and what was expected (exit 2)."""


class InputError(Exception):
    pass
