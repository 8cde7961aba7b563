"""(stub: filled in by its owner)."""


def register(router) -> None:
    pass
