"""Validation of a destination's options (a dict from the database or the CLI).

Messages name the option, never its value: a value may be a secret.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from erpkeeper.backups.destinations.base import StorageError
from erpkeeper.lib.i18n import gettext as _


def read_options(
    kind: str,
    options: Mapping[str, object],
    required: Collection[str],
    optional: Collection[str] = (),
) -> dict[str, str]:
    """The options as non-empty strings; empty optional ones are left out."""
    if not isinstance(options, Mapping):
        raise StorageError(
            _("options of a %(kind)s destination must be a mapping") % {"kind": kind}
        )
    _reject_unknown(kind, options, set(required) | set(optional))
    values = {}
    for name, value in options.items():
        if value is None or value == "":
            if name in required:
                raise _missing(kind, name)
            continue
        if not isinstance(value, str):
            raise StorageError(
                _("option %(name)s of a %(kind)s destination must be text")
                % {"name": name, "kind": kind}
            )
        values[name] = value
    for name in required:
        if name not in values:
            raise _missing(kind, name)
    return values


def _reject_unknown(kind: str, options: Mapping[str, object], known: set[str]) -> None:
    unknown = sorted(str(name) for name in options if name not in known)
    if unknown:
        raise StorageError(
            _("unknown option %(name)s for a %(kind)s destination (known: %(known)s)")
            % {"name": unknown[0], "kind": kind, "known": ", ".join(sorted(known))}
        )


def _missing(kind: str, name: str) -> StorageError:
    return StorageError(
        _("option %(name)s is required for a %(kind)s destination") % {"name": name, "kind": kind}
    )
