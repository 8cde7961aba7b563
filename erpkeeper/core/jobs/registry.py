"""The job-kind registry: which handler runs a job of a given kind.

Apps register kinds with ``@job_kind("backup.run")`` in their ``<app>/jobs.py`` module, which is
imported in every process (web, CLI, worker) the first time a kind is looked up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.module_loading import autodiscover_modules

Handler = Callable[["JobContext"], object]  # noqa: F821  (JobContext lives in .context)


@dataclass(frozen=True)
class JobKind:
    """A registered kind of job: its handler and how the platform treats it."""

    name: str
    handler: Handler
    label: str = ""
    needs_target: bool = False
    # Exceptions that are an ordinary outcome (an unreachable ERP, a full disk): the job fails
    # with their one-line message and no traceback.
    expected_errors: tuple[type[BaseException], ...] = field(default_factory=tuple)

    @property
    def display_name(self) -> str:
        return str(self.label) if self.label else self.name


_kinds: dict[str, JobKind] = {}
_loaded = False
_load_lock = threading.Lock()


def job_kind(
    name: str,
    *,
    label: str = "",
    needs_target: bool = False,
    expected_errors: tuple[type[BaseException], ...] = (),
) -> Callable[[Handler], Handler]:
    """Register ``fn(ctx)`` as the handler of jobs of kind ``name`` (e.g. ``"target.check"``)."""
    if not name or " " in name:
        raise ValueError(f"invalid job kind name {name!r}")

    def decorator(fn: Handler) -> Handler:
        existing = _kinds.get(name)
        if existing is not None and _qualname(existing.handler) != _qualname(fn):
            raise ValueError(
                f"job kind {name!r} is already registered by {_qualname(existing.handler)}"
            )
        _kinds[name] = JobKind(name, fn, label, needs_target, tuple(expected_errors))
        return fn

    return decorator


def _qualname(fn) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def load_kinds() -> None:
    """Import every app's ``jobs`` module once, so its kinds and schedules are registered."""
    global _loaded
    if _loaded:
        return
    with _load_lock:
        if not _loaded:
            autodiscover_modules("jobs")
            # builtin registers kinds with this module: imported here, not at the top (a cycle)
            from erpkeeper.core.jobs import builtin  # noqa: F401, PLC0415

            _loaded = True


def get_kind(name: str) -> JobKind:
    """The registered kind ``name``; ``ValueError`` naming the known kinds otherwise."""
    load_kinds()
    try:
        return _kinds[name]
    except KeyError:
        known = ", ".join(sorted(_kinds)) or "none"
        raise ValueError(f"unknown job kind {name!r} (known kinds: {known})") from None


def kind_label(name: str) -> str:
    """A job kind as people read it ("Backup", not "backup.run"), in the active language; the
    name itself for a kind no longer registered (its app was removed)."""
    try:
        return get_kind(name).display_name
    except ValueError:
        return name


def kinds() -> list[JobKind]:
    load_kinds()
    return [_kinds[name] for name in sorted(_kinds)]


def unregister(name: str) -> None:
    """Remove a kind (for tests that register throwaway kinds)."""
    _kinds.pop(name, None)
