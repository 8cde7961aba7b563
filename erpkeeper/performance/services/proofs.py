"""Proof on a copy: restore the newest good backup into a scratch database, time the query
before and after creating the suggested index there, compare the plans, measure the index, drop
the scratch copy. Production is never written to: the DDL is only shown to the DBA.
"""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Callable

from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.backups import services as backups
from erpkeeper.core.runs import RunStatus
from erpkeeper.performance.advisor import with_values
from erpkeeper.performance.checks import BoundedConnection, ConnectionFailed, for_engine
from erpkeeper.performance.models import IndexProof, IndexSuggestion, SuggestionState
from erpkeeper.performance.sqlparse import UnreadableQuery, read_query

RUNS = 5
PROOF_TIMEOUT_MS = 120_000  # the scratch copy is ours: a slow report may take its time
# Dexter's rule for "the index helps": the new cost below half of the old one; the same
# measured on the clock.
HELPS_SHARE = 0.5


class ProofFailed(Exception):
    """The proof could not be made (no backup, a restore that failed); the message says why."""


def run_proof(
    suggestion: IndexSuggestion,
    *,
    job=None,
    runs: int = RUNS,
    progress: Callable[[float, str], None] | None = None,
) -> IndexProof:
    progress = progress or (lambda percent, message: None)
    target = suggestion.target
    backup = backups.newest_good_backup(target)
    proof = IndexProof.objects.create(
        suggestion=suggestion, target_name=target.name, job=job, backup=backup
    )
    scratch = None
    try:
        if backup is None:
            raise ProofFailed(
                _("there is no succeeded backup to restore: back the target up first")
            )
        # A random part too: several ERPKeeper installations may share one database server.
        scratch = backups.Scratch.for_backup(
            backup, target, f"proof-{proof.pk}", f"ekproof_{proof.pk}_{uuid.uuid4().hex[:6]}"
        )
        progress(5, _("restoring backup %(id)s into a scratch database") % {"id": backup.pk})
        component = backups.database_component(backup)
        backups.restore_into(
            backup, component, scratch.database_url, lambda done, msg: None, replace=False
        )
        progress(50, _("timing the query before and after the index"))
        with BoundedConnection(
            scratch.database_url, writable=True, timeout_ms=PROOF_TIMEOUT_MS
        ) as db:
            _measure(proof, suggestion, db, runs)
    except (ProofFailed, ConnectionFailed, UnreadableQuery, *backups.RESTORE_ERRORS) as exc:
        proof.error = " ".join(str(exc).split())
    finally:
        if scratch is not None:
            scratch.drop()
    return _conclude(proof, suggestion)


def _measure(proof: IndexProof, suggestion: IndexSuggestion, db, runs: int) -> None:
    engine = for_engine(db.engine)
    sql = with_values(suggestion.sample or suggestion.query_text, engine.dialect, db, engine)
    if not read_query(sql, engine.dialect).is_read:
        raise ProofFailed(_("only a SELECT is timed (nothing that writes)"))
    proof.query_run = sql
    _analyze(db, suggestion.table)
    proof.plan_before, proof.cost_before = engine.explain(db, sql)
    proof.before_ms = _times(db, sql, runs)
    name = _index_name(suggestion)
    db.rows(engine.create_index_sql(name, suggestion.table, suggestion.columns, online=False))
    _analyze(db, suggestion.table)
    proof.plan_after, proof.cost_after = engine.explain(db, sql)
    proof.after_ms = _times(db, sql, runs)
    proof.index_bytes = engine.index_bytes(db, _size_name(engine, suggestion, name))


def _index_name(suggestion: IndexSuggestion) -> str:
    return f"ekproof_{suggestion.table}_{'_'.join(suggestion.columns)}"[:63]


def _size_name(engine, suggestion, name: str) -> str:
    return f"{suggestion.table}.{name}" if engine.engine == "mysql" else name


def _analyze(db, table: str) -> None:
    # Fresh statistics on both sides: a restored copy starts with none.
    quote = "`" if db.engine == "mysql" else '"'
    db.rows(f"ANALYZE {'TABLE ' if db.engine == 'mysql' else ''}{quote}{table}{quote}")


def _times(db, sql: str, runs: int) -> list[float]:
    db.timed(sql)  # warm the cache: both sides are measured warm
    return [round(db.timed(sql), 3) for _run in range(max(runs, 1))]


def _conclude(proof: IndexProof, suggestion: IndexSuggestion) -> IndexProof:
    if not proof.error:
        proof.before_median_ms = statistics.median(proof.before_ms)
        proof.after_median_ms = statistics.median(proof.after_ms)
        proof.speedup = round(proof.before_median_ms / max(proof.after_median_ms, 1e-3), 2)
        proof.helps = proof.after_median_ms < HELPS_SHARE * proof.before_median_ms
    status = RunStatus.FAILED if proof.error else RunStatus.SUCCEEDED
    fields = {
        name: getattr(proof, name)
        for name in (
            "error",
            "before_ms",
            "after_ms",
            "before_median_ms",
            "after_median_ms",
            "speedup",
            "plan_before",
            "plan_after",
            "cost_before",
            "cost_after",
            "index_bytes",
            "query_run",
            "helps",
        )
    }
    IndexProof.settle_if_running(proof.pk, status, finished=timezone.now(), **fields)
    proof.refresh_from_db()
    if proof.status == RunStatus.SUCCEEDED:
        suggestion.state = SuggestionState.PROVEN if proof.helps else SuggestionState.NOT_HELPFUL
        suggestion.updated = timezone.now()
        suggestion.save(update_fields=["state", "updated"])
    return proof
