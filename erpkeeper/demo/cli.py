def register(sub) -> None:
    """demo-erp subcommand (filled in by the demo work)."""
