"""/api/v1 for notification channels (filled in by the channels work)."""


def register(router) -> None:
    return None
