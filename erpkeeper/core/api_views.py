def register(router) -> None:
    """Job and audit API (filled in by the jobs and audit work)."""
