"""Asking for performance work that runs as a job (console, API and CLI alike): the checks of
a target, and the proof of an index suggestion on a restored copy."""

from __future__ import annotations

from erpkeeper.core.jobs.services import JobRequest, enqueue_once

PERFORMANCE_CHECK = "performance.check"
PERFORMANCE_PROOF = "performance.proof"


def request_check(target, requested_by=None, *, note="") -> JobRequest:
    """The database checks of ``target`` now, reusing a run already queued or running."""
    job, reused = enqueue_once(
        PERFORMANCE_CHECK, target=target, requested_by=requested_by, note=note
    )
    return JobRequest(job, reused)


def request_proof(suggestion, requested_by=None) -> JobRequest:
    """Prove ``suggestion`` on a copy restored from the target's newest good backup; one proof
    per target at a time (each restores a whole database)."""
    job, reused = enqueue_once(
        PERFORMANCE_PROOF,
        target=suggestion.target,
        params={"suggestion_id": suggestion.pk},
        requested_by=requested_by,
        note=f"suggestion {suggestion.pk}",
    )
    return JobRequest(job, reused)
