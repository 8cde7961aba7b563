"""``erpkeeper alert …`` (filled in by the alerting work)."""


def register(sub) -> None:
    return None
