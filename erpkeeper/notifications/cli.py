"""``erpkeeper channel …`` (filled in by the channels work)."""


def register(sub) -> None:
    return None
