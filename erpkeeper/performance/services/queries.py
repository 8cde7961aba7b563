"""Query insight: the queries a check run saw, normalised, mapped to the ERP's models, and the
indexes that would serve the slow ones."""

from __future__ import annotations

import logging

from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.performance.advisor import IndexAdvice, advise
from erpkeeper.performance.checks import BoundedConnection, ConnectionFailed, QuerySeen, for_engine
from erpkeeper.performance.models import IndexSuggestion, QueryStat
from erpkeeper.performance.sqlparse import QueryShape, UnreadableQuery, read_query
from erpkeeper.targets.adapters import open_adapter
from erpkeeper.targets.adapters.base import AdapterError

logger = logging.getLogger(__name__)

KEEP_QUERIES = 50
ADVISE_MEAN_MS = 20  # PgHero's slow query (its 100 calls apply to pg_stat_statements only)
ADVISE_CALLS = 100
# Also advised: a query that takes a large share of the database's time however fast each
# call is (a 6 ms report run all day), and one that activity samples catch again and again.
ADVISE_TOTAL_SHARE = 0.1
ADVISE_SAMPLED_CALLS = 5


class AdviceRefused(ValueError):
    """The query cannot be advised on (not SQL, not a read, no database); the message says why."""


def record_queries(run, target, db, engine, seen: list[QuerySeen]) -> list[QueryStat]:
    models = model_tables(target)
    merged = _merge(seen, engine.dialect)
    top = sorted(merged.values(), key=lambda item: -item[1].total_ms)[:KEEP_QUERIES]
    stats = []
    busy_ms = sum(query.total_ms for _shape, query in top) or 1.0
    for shape, query in top:
        stat = QueryStat.objects.create(
            run=run,
            target=target,
            fingerprint=shape.fingerprint,
            text=shape.text,
            sample=query.text if query.text != shape.text else "",
            source=query.source,
            calls=query.calls,
            total_ms=query.total_ms,
            mean_ms=query.mean_ms,
            rows=query.rows,
            cache_hit_ratio=query.cache_hit_ratio,
            tables=shape.tables,
            models_used=[_model_of(table, models) for table in shape.tables],
        )
        stats.append(stat)
        if _worth_advice(query, query.total_ms / busy_ms) and shape.is_read:
            _suggest(db, engine, target, shape, query.text, models)
    return stats


def _merge(seen: list[QuerySeen], dialect: str) -> dict[str, tuple[QueryShape, QuerySeen]]:
    """Queries with the same normalised text counted once (activity samples see each call)."""
    merged: dict[str, tuple[QueryShape, QuerySeen]] = {}
    for query in seen:
        try:
            shape = read_query(query.text, dialect)
        except UnreadableQuery:
            continue  # a statement the parser does not know (a utility command): no insight
        if shape.housekeeping:
            continue  # SET NAMES, SHOW, a read of the catalogue (the advisor's own): no ERP load
        if shape.fingerprint not in merged:
            merged[shape.fingerprint] = (shape, query)
            continue
        kept = merged[shape.fingerprint][1]
        kept.calls += query.calls
        kept.total_ms += query.total_ms
        kept.rows += query.rows
        kept.mean_ms = kept.total_ms / max(kept.calls, 1)
    return merged


def _worth_advice(query: QuerySeen, share: float) -> bool:
    if query.source == "erp_catalogue":
        return True  # its plan scans a large table
    if query.source == "pg_stat_activity" and query.calls >= ADVISE_SAMPLED_CALLS:
        return True
    if query.source in ("pg_stat_statements", "performance_schema") and query.calls < ADVISE_CALLS:
        return False
    return query.mean_ms >= ADVISE_MEAN_MS or share >= ADVISE_TOTAL_SHARE


def _suggest(db, engine, target, shape: QueryShape, sample: str, models) -> list[IndexSuggestion]:
    try:
        advice = advise(db, engine, shape)
    except ConnectionFailed as exc:
        logger.info("no advice for %s: %s", shape.fingerprint, exc)
        return []
    return [_save_suggestion(target, shape, sample, item, models) for item in advice]


def _save_suggestion(target, shape, sample, item: IndexAdvice, models) -> IndexSuggestion:
    suggestion, created = IndexSuggestion.objects.get_or_create(
        target=target,
        key=item.key,
        defaults={
            "fingerprint": shape.fingerprint,
            "query_text": shape.text,
            "sample": sample,
            "table": item.table,
            "columns": item.columns,
            "model": _model_of(item.table, models)["model"],
            "ddl": item.ddl,
            "reason": item.reason,
        },
    )
    if not created:
        suggestion.reason = item.reason
        suggestion.updated = timezone.now()
        suggestion.save(update_fields=["reason", "updated"])
    return suggestion


def advise_query(target, sql: str) -> list[IndexSuggestion]:
    """Index suggestions for a query the DBA gives (a report that is slow); read-only on the
    target. AdviceRefused when the text is not one read-only SQL statement."""
    with _open(target) as db:
        engine = for_engine(db.engine)
        try:
            shape = read_query(sql, engine.dialect)
        except UnreadableQuery as exc:
            raise AdviceRefused(str(exc)) from None
        if not shape.is_read:
            raise AdviceRefused(_("only a SELECT can be advised on (nothing that writes)"))
        return _suggest(db, engine, target, shape, sql, model_tables(target))


def _open(target) -> BoundedConnection:
    try:
        return BoundedConnection(target.database_url)
    except ConnectionFailed as exc:
        raise AdviceRefused(str(exc)) from None


def model_tables(target) -> dict[str, tuple[str, str]]:
    """The ERP's models by table, through the adapter (empty when it cannot say)."""
    try:
        with open_adapter(target.kind, target.database_url) as adapter:
            return adapter.model_tables()
    except AdapterError as exc:
        logger.info("no model names for %s: %s", target.name, exc)
        return {}


def _model_of(table: str, models: dict) -> dict:
    model, label = models.get(table, ("", ""))
    return {"table": table, "model": model, "name": label}
