"""Every operation of governance.compliance; the console, the API, the CLI and jobs call these."""

from erpkeeper.governance.compliance.services.library import (
    LoadResult,
    Outcome,
    builtin_files,
    load_builtin,
    load_library,
    validate_library,
)

__all__ = [
    "LoadResult",
    "Outcome",
    "builtin_files",
    "load_builtin",
    "load_library",
    "validate_library",
]
