"""CLI of governance.privacy."""


def register(subparsers) -> None:
    pass
