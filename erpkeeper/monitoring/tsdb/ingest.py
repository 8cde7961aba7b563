"""Storing samples: validate a whole batch, then one INSERT for all of it.

    from erpkeeper.monitoring.tsdb.ingest import MetricSample, ingest, embedded_host

    ingest(host, [MetricSample("host.cpu.percent", 12.5, now)], batch_seq=42)

A batch is all or nothing: one invalid sample raises ``IngestError`` and stores nothing. The
agent numbers its batches; a batch whose number is not above the last one of that agent instance
(the random id it keeps in its state directory; the host's, for agents that send none) is a
replay (the agent resends what it buffered when it cannot tell whether the server stored it) and
is answered as all duplicates, with ``replay`` and the last number, storing nothing: an agent
whose numbers fell behind renumbers above it instead of being ignored for good. Samples are
unique per (series, time), so a sample sent twice is stored once.

Speed matters (an agent pushes 5,000 samples in one request): series ids are cached per process,
and the samples go in with one statement (PostgreSQL: ``unnest`` of three arrays; SQLite: one
prepared statement run for every row), never one query per sample.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import DateTimeField, F, Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.monitoring.models import AgentInstance, Host, HostKind, Sample, Series
from erpkeeper.targets.models import Target

METRIC_NAME = re.compile(r"^[a-z][a-z0-9_.]{0,127}$")
MAX_LABELS = 16
MAX_FUTURE = dt.timedelta(minutes=5)
MAX_AGE = dt.timedelta(hours=25)  # the agent buffers up to 24 hours while the server is away
UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = dt.timedelta(microseconds=1)


@dataclass(slots=True)
class MetricSample:
    metric: str
    value: float
    time: dt.datetime  # aware
    labels: dict[str, str] = field(default_factory=dict)
    target: str | None = None  # a target's name, when the sample is about one
    unit: str = ""


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    duplicates: int
    replay: bool = False  # refused as already taken: nothing stored
    last_seq: int | None = None  # with ``replay``: the last batch number taken from that agent


@dataclass(frozen=True)
class Batch:
    """Who sent a batch and its number: ``instance`` is the agent's id ("" for older agents)."""

    seq: int | None = None
    agent_version: str = ""
    instance: str = ""


class IngestError(Exception):
    """A batch refused as a whole; ``status`` is the HTTP status the API answers with."""

    def __init__(self, message: str, status: int = 422, unknown_targets: list[str] = ()):
        super().__init__(message)
        self.message = message
        self.status = status
        # Named in the answer, so that an agent can stop collecting for them and send the rest.
        self.unknown_targets = list(unknown_targets)


# (host id, target id, metric, sorted label items) -> series id, for this process. Entries are
# only added after their transaction committed; a series deleted elsewhere is noticed by the
# foreign key at commit, and the batch is retried once with an empty cache.
_series_ids: dict[tuple, int] = {}


def forget_series_ids() -> None:
    _series_ids.clear()


def ingest(
    host: Host,
    samples: Iterable[MetricSample],
    *,
    batch_seq: int | None = None,
    agent_version: str = "",
    instance: str = "",
) -> IngestResult:
    samples = list(samples)
    batch = Batch(batch_seq, agent_version, instance[:64])
    if batch_seq is not None and not instance and batch_seq <= host.last_batch_seq:
        return IngestResult(0, len(samples), replay=True, last_seq=host.last_batch_seq)
    rows = validated_rows(samples, timezone.now())
    target_ids = target_ids_by_name({s.target for s in samples if s.target is not None})
    try:
        return _store(host, samples, rows, target_ids, batch)
    except IntegrityError:
        forget_series_ids()  # a cached series was deleted by another process
        return _store(host, samples, rows, target_ids, batch)


def embedded_host() -> Host:
    """The Host standing for this machine (the embedded collector reports as it)."""
    host, _created = Host.objects.get_or_create(
        name=socket.gethostname(), defaults={"kind": HostKind.EMBEDDED}
    )
    return host


# -- validation -------------------------------------------------------------------------------


def validated_rows(samples: list[MetricSample], now: dt.datetime) -> list[tuple]:
    """``(time in UTC, value)`` per sample, or IngestError naming the first bad sample."""
    earliest, latest = now - MAX_AGE, now + MAX_FUTURE
    rows = []
    for index, sample in enumerate(samples):
        problem = _sample_problem(sample, earliest, latest)
        if problem:
            raise IngestError(
                _("sample %(index)d: %(problem)s") % {"index": index, "problem": problem}
            )
        rows.append((sample.time.astimezone(UTC), float(sample.value)))
    return rows


def _sample_problem(sample: MetricSample, earliest, latest) -> str:
    metric, value, moment = sample.metric, sample.value, sample.time
    if type(metric) is not str or not METRIC_NAME.match(metric):
        return _(
            "invalid metric name %(name)r (a-z, 0-9, '_' and '.', starting with a letter, "
            "at most 128 characters)"
        ) % {"name": metric}
    if type(value) not in (float, int) or not math.isfinite(value):
        return _("value of %(name)s is not a finite number") % {"name": metric}
    if not isinstance(moment, dt.datetime) or moment.tzinfo is None:
        return _("time of %(name)s has no time zone") % {"name": metric}
    if moment > latest:
        return _("time of %(name)s is more than 5 minutes in the future") % {"name": metric}
    if moment < earliest:
        return _("time of %(name)s is older than 25 hours") % {"name": metric}
    labels = sample.labels
    if type(labels) is not dict or len(labels) > MAX_LABELS:
        return _("labels of %(name)s must be an object of at most 16 entries") % {"name": metric}
    if not all(type(k) is str and type(v) is str for k, v in labels.items()):
        return _("labels of %(name)s must map text to text") % {"name": metric}
    if sample.target is not None and type(sample.target) is not str:
        return _("target of %(name)s must be a target's name or null") % {"name": metric}
    return ""


def target_ids_by_name(names: set[str]) -> dict[str, int]:
    if not names:
        return {}
    found = dict(Target.objects.filter(name__in=names).values_list("name", "id"))
    unknown = sorted(names - found.keys())
    if unknown:
        raise IngestError(
            _("unknown target %(name)r") % {"name": unknown[0]}, unknown_targets=unknown
        )
    return found


# -- storing ----------------------------------------------------------------------------------


def _store(host, samples, rows, target_ids, batch: Batch) -> IngestResult:
    created: dict[tuple, int] = {}
    with transaction.atomic():
        relax_commit()
        last_seq = _claim_batch(host, batch, rows)
        if last_seq is not None:
            transaction.set_rollback(True)  # nothing of a replay is kept, not even last_seen
            return IngestResult(0, len(samples), replay=True, last_seq=last_seq)
        series_ids = _series_ids_for(host, samples, target_ids, created)
        accepted = insert_samples(
            [(sid, moment, value) for sid, (moment, value) in zip(series_ids, rows, strict=True)]
        )
    _series_ids.update(created)
    if batch.seq is not None and not batch.instance:
        host.last_batch_seq = batch.seq
    return IngestResult(accepted, len(samples) - accepted)


def relax_commit() -> None:
    """On PostgreSQL, do not wait for this transaction's WAL flush (a third of a batch's time).
    A crash of PostgreSQL itself may then lose the batches of its last moment (at most about
    0.6 s), never corrupt anything: acceptable for measurements, and what lets one server take
    50,000 samples a second."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _claim_batch(host, batch: Batch, rows) -> int | None:
    """Record the batch on the host row (which also serialises a host's batches and the
    rollup job) and on its agent instance; the last batch number taken from that agent when
    this one is not above it (a replay), else None."""
    now = timezone.now()
    changes = {"last_seen": now}
    if batch.seq is not None:
        # Without an instance the host's number decides; with one, it is only the newest seen.
        changes["last_batch_seq"] = (
            batch.seq if not batch.instance else Greatest(F("last_batch_seq"), Value(batch.seq))
        )
    if batch.agent_version:
        changes["agent_version"] = batch.agent_version[:64]
    if rows:
        earliest = Value(min(moment for moment, _value in rows), output_field=DateTimeField())
        changes["minutes_dirty_from"] = Least(Coalesce(F("minutes_dirty_from"), earliest), earliest)
    hosts = Host.objects.filter(pk=host.pk)
    if batch.seq is not None and not batch.instance:
        hosts = hosts.filter(last_batch_seq__lt=batch.seq)
    if not hosts.update(**changes):
        return Host.objects.filter(pk=host.pk).values_list("last_batch_seq", flat=True).get()
    host.last_seen = now
    return _claim_for_instance(host, batch, now) if batch.instance else None


def _claim_for_instance(host, batch: Batch, now) -> int | None:
    """The instance's number check; the host row, updated just before, is locked by this
    transaction, so two requests of one instance never both create its row."""
    found = AgentInstance.objects.filter(host=host, instance=batch.instance)
    fields = {"last_seen": now, "agent_version": batch.agent_version[:64]}
    if batch.seq is None:
        if not found.update(**fields):
            AgentInstance.objects.create(host=host, instance=batch.instance, **fields)
        return None
    if found.filter(last_batch_seq__lt=batch.seq).update(last_batch_seq=batch.seq, **fields):
        return None
    last = found.values_list("last_batch_seq", flat=True).first()
    if last is not None:
        return last
    AgentInstance.objects.create(
        host=host, instance=batch.instance, last_batch_seq=batch.seq, **fields
    )
    return None


def _series_ids_for(host, samples, target_ids, created) -> list[int]:
    """The series id of every sample, creating (in one query) the series not seen before."""
    # Looked up by the labels in the order they came (sorting 5,000 label sets per batch is
    # measurable); only new series pay for the sorted identity.
    identities = [
        (host.pk, target_ids.get(s.target), s.metric, tuple(s.labels.items())) for s in samples
    ]
    unknown = {identity for identity in identities if identity not in _series_ids}
    if unknown:
        units = {s.metric: s.unit for s in samples}
        created.update(_find_or_create_series(list(unknown), units))
    # Ids are positive, so ``or`` falls through to the new ones only.
    return [_series_ids.get(identity) or created[identity] for identity in identities]


def _find_or_create_series(identities: list[tuple], units: dict[str, str]) -> dict[tuple, int]:
    by_key: dict[str, list[tuple]] = {}
    for host_id, target_id, metric, labels in identities:
        key = series_key(host_id, target_id, metric, tuple(sorted(labels)))
        by_key.setdefault(key, []).append((host_id, target_id, metric, labels))
    keys = {key: found[0] for key, found in by_key.items()}
    found = dict(Series.objects.filter(key__in=keys).values_list("key", "id"))
    new = [
        Series(
            host_id=host_id,
            target_id=target_id,
            metric=metric,
            labels=dict(labels),
            key=key,
            unit=units.get(metric, "")[:32],
        )
        for key, (host_id, target_id, metric, labels) in keys.items()
        if key not in found
    ]
    if new:
        Series.objects.bulk_create(new, ignore_conflicts=True)
        found = dict(Series.objects.filter(key__in=keys).values_list("key", "id"))
    return {identity: found[key] for key, same in by_key.items() for identity in same}


def series_key(host_id: int, target_id: int | None, metric: str, labels: tuple) -> str:
    """sha256 of host, target, metric and the sorted labels: a series' identity."""
    text = json.dumps([host_id, target_id, metric, [list(item) for item in labels]])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def insert_samples(rows: list[tuple[int, dt.datetime, float]]) -> int:
    """Insert ``(series id, UTC time, value)`` rows, skipping existing (series, time) pairs.
    Returns how many were new."""
    if not rows:
        return 0
    table = Sample._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Three array literals built with str.join: adapting 15,000 Python objects one by
            # one took longer than the INSERT itself. Times travel as exact microseconds.
            cursor.execute(
                f'INSERT INTO "{table}" (series_id, time, value) '
                "SELECT s, TIMESTAMPTZ 'epoch' + t * INTERVAL '1 microsecond', v "
                "FROM unnest(%s::bigint[], %s::bigint[], %s::double precision[]) AS u(s, t, v) "
                "ON CONFLICT (series_id, time) DO NOTHING",
                [
                    "{" + ",".join([str(sid) for sid, _m, _v in rows]) + "}",
                    "{" + ",".join([str((m - EPOCH) // MICROSECOND) for _s, m, _v in rows]) + "}",
                    "{" + ",".join([repr(v) for _s, _m, v in rows]) + "}",
                ],
            )
        else:
            # Django keeps SQLite datetimes as naive UTC text in str(datetime) form.
            cursor.executemany(
                f'INSERT INTO "{table}" (series_id, time, value) VALUES (%s, %s, %s) '
                "ON CONFLICT (series_id, time) DO NOTHING",
                [(sid, str(moment.replace(tzinfo=None)), value) for sid, moment, value in rows],
            )
        return cursor.rowcount
