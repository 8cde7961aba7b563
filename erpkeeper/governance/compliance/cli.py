"""CLI of governance.compliance."""


def register(subparsers) -> None:
    pass
