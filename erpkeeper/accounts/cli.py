def register(sub) -> None:
    """Account subcommands (filled in by the accounts work)."""
