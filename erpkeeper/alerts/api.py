"""/api/v1 for alerts, rules and silences (filled in by the alerting work)."""


def register(router) -> None:
    return None
