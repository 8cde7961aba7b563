"""Resource advice: is each machine a target runs on sized for its load? From monitoring's
hourly history (no connection to the ERP or its database), per host: CPU, memory and swap
against the cores and RAM, the ERP's worker processes against the cores; per target: database
connections against their limit, disks and the database with their days until full (monitoring's
forecast). Each gets a verdict and advice; ``capacity_report`` is what the console page, the PDF,
the API and the CLI show.

Busy means the 95th percentile of hourly averages: a monthly report or a nightly batch shows as a
peak without making a machine look undersized; 95 % of hours were at or under it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from erpkeeper.lib.units import bytes_human
from erpkeeper.monitoring import forecast
from erpkeeper.monitoring.models import Host, Resolution, Rollup, Series
from erpkeeper.monitoring.placement import hosts_running
from erpkeeper.monitoring.tsdb.query import latest

DEFAULT_DAYS = 30
MAX_DAYS = 365
MIN_HOURS = 12  # fewer hours of history say more about the time of day than about the load
# Thresholds (95th percentile of hourly averages, in %).
CPU_BUSY, CPU_TIGHT, CPU_IDLE = 80.0, 60.0, 15.0
MEMORY_BUSY, MEMORY_TIGHT = 90.0, 80.0
SWAP_BUSY = 10.0
CONNECTIONS_BUSY, CONNECTIONS_TIGHT = 80.0, 60.0
IDLE_CORES = 4  # a mostly idle machine with fewer cores is not worth shrinking
# The target page and the capacity index show every target's verdict on each load; a report
# reads a month of hourly rollups, and the verdict moves by the hour, not by the second.
SUMMARY_SECONDS = 300


class Verdict(models.TextChoices):
    OK = "ok", gettext_lazy("enough headroom")
    TIGHT = "tight", gettext_lazy("little headroom")
    SHORT = "short", gettext_lazy("too small")
    OVERSIZED = "oversized", gettext_lazy("larger than needed")
    UNKNOWN = "unknown", gettext_lazy("no data")


SEVERITY = {Verdict.SHORT: 0, Verdict.TIGHT: 1, Verdict.OVERSIZED: 2, Verdict.UNKNOWN: 3}


@dataclass
class Usage:
    """One measure over the period: the 95th percentile of its hourly averages, its highest
    hourly maximum, and the hourly averages for the chart."""

    p95: float
    peak: float
    points: list[tuple[dt.datetime, float]]

    def as_dict(self) -> dict:
        return {"p95": round(self.p95, 2), "peak": round(self.peak, 2), "hours": len(self.points)}


@dataclass
class Advice:
    topic: str  # cpu, memory, workers, connections, disk
    verdict: Verdict
    text: str
    subject: str = ""  # the host or the disk it is about

    def as_dict(self) -> dict:
        return {
            "topic": self.topic,
            "subject": self.subject,
            "verdict": self.verdict.value,
            "text": self.text,
        }


@dataclass
class HostCapacity:
    host: Host
    cores: int | None
    ram_bytes: int | None
    cpu: Usage | None
    memory: Usage | None
    swap: Usage | None
    erp_workers: int | None

    def as_dict(self) -> dict:
        def usage(value):
            return value.as_dict() if value else None

        return {
            "host": self.host.name,
            "cores": self.cores,
            "ram_bytes": self.ram_bytes,
            "cpu_percent": usage(self.cpu),
            "memory_percent": usage(self.memory),
            "swap_percent": usage(self.swap),
            "erp_workers": self.erp_workers,
        }


@dataclass
class CapacityReport:
    target: object
    days: int
    generated: dt.datetime
    hosts: list[HostCapacity]
    connections: Usage | None
    database_bytes: float | None
    database_growth_per_day: float | None
    forecasts: list[forecast.DiskForecast]
    advice: list[Advice] = field(default_factory=list)

    @property
    def verdict(self) -> Verdict:
        """The worst verdict of the advice (OK when every measure has headroom)."""
        worst = sorted(
            (a.verdict for a in self.advice if a.verdict != Verdict.OK), key=SEVERITY.get
        )
        return worst[0] if worst else Verdict.OK

    def as_dict(self) -> dict:
        return {
            "target": self.target.name,
            "days": self.days,
            "generated": self.generated.isoformat(timespec="seconds"),
            "verdict": self.verdict.value,
            "hosts": [host.as_dict() for host in self.hosts],
            "connections_percent": self.connections.as_dict() if self.connections else None,
            "database_bytes": self.database_bytes,
            "database_growth_bytes_per_day": self.database_growth_per_day,
            "disks": [_forecast_dict(line) for line in self.forecasts],
            "advice": [item.as_dict() for item in self.advice],
        }


@dataclass(frozen=True)
class CapacitySummary:
    """The verdict of the default period and its concerns (advice that is not OK), worst
    first as the report orders them."""

    verdict: Verdict
    concerns: tuple[str, ...]


def period_days(value) -> int:
    """The period a caller asked for (text or number), or ValueError with the rule: the
    console, the API and the CLI refuse the same values with the same message."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(_("The period is 1 to %(max)d days.") % {"max": MAX_DAYS})
    return days


def capacity_summary(target) -> CapacitySummary:
    """The target's verdict and concerns over the default period, computed at most once per
    SUMMARY_SECONDS per target and language (the texts are translated)."""
    key = f"performance:capacity-summary:{target.pk}:{translation.get_language()}"
    summary = cache.get(key)
    if summary is None:
        report = capacity_report(target)
        concerns = tuple(item.text for item in report.advice if item.verdict != Verdict.OK)
        summary = CapacitySummary(report.verdict, concerns)
        cache.set(key, summary, SUMMARY_SECONDS)
    return summary


def capacity_report(target, days: int = DEFAULT_DAYS, now: dt.datetime | None = None):
    """The target's capacity over the last ``days`` days (1 to 365)."""
    days = period_days(days)
    now = now or timezone.now()
    start = now - dt.timedelta(days=int(days))
    hosts = Host.objects.filter(pk__in=hosts_running(target.pk)).order_by("name")
    report = CapacityReport(
        target=target,
        days=int(days),
        generated=now,
        hosts=[_host_capacity(host, start, now) for host in hosts],
        connections=_usage(_series(target=target, metric="db.connections.percent"), start, now),
        database_bytes=_newest(_series(target=target, metric="db.size_bytes")),
        database_growth_per_day=_growth_per_day(target, start, now),
        forecasts=forecast.target_forecasts(target, now),
    )
    report.advice = _advice(report)
    return report


# -- reading the history ---------------------------------------------------------------------


def _series(**lookup) -> list[int]:
    return list(Series.objects.filter(**lookup).values_list("pk", flat=True))


def _hourly(series_ids: list[int], start, end) -> dict[dt.datetime, tuple[float, float]]:
    """{hour: (average, maximum)}, summed over the series when there are several (the same
    measure split by a label)."""
    hours: dict[dt.datetime, tuple[float, float]] = {}
    rows = Rollup.objects.filter(
        series_id__in=series_ids, resolution=Resolution.HOUR, time__gte=start, time__lt=end
    ).values_list("time", "avg", "max")
    for moment, mean, high in rows:
        total_mean, total_high = hours.get(moment, (0.0, 0.0))
        hours[moment] = (total_mean + mean, total_high + high)
    return dict(sorted(hours.items()))


def _usage(series_ids: list[int], start, end) -> Usage | None:
    hours = _hourly(series_ids, start, end) if series_ids else {}
    if len(hours) < MIN_HOURS:
        return None
    means = sorted(mean for mean, _high in hours.values())
    return Usage(
        p95=percentile(means, 95),
        peak=max(high for _mean, high in hours.values()),
        points=[(moment, mean) for moment, (mean, _high) in hours.items()],
    )


def percentile(ordered: list[float], wanted: float) -> float:
    """The nearest-rank percentile of an ordered list (one of its values, never interpolated)."""
    rank = max(1, math.ceil(wanted / 100 * len(ordered)))
    return ordered[rank - 1]


def _newest(series_ids: list[int]) -> float | None:
    values = latest(series_ids)
    return sum(value for _moment, value in values.values()) if values else None


def _host_capacity(host: Host, start, end) -> HostCapacity:
    def usage(metric):
        return _usage(_series(host=host, metric=metric, target__isnull=True), start, end)

    cores = _newest(_series(host=host, metric="host.cpu.cores"))
    ram = _newest(_series(host=host, metric="host.memory.total_bytes"))
    workers = _newest(_series(host=host, metric="erp.processes"))
    return HostCapacity(
        host=host,
        cores=int(cores) if cores else None,
        ram_bytes=int(ram) if ram else None,
        cpu=usage("host.cpu.percent"),
        memory=usage("host.memory.percent"),
        swap=usage("host.swap.percent"),
        erp_workers=int(workers) if workers else None,
    )


def _growth_per_day(target, start, end) -> float | None:
    hours = _hourly(_series(target=target, metric="db.size_bytes"), start, end)
    points = [(moment.timestamp(), mean) for moment, (mean, _high) in hours.items()]
    if len(points) < MIN_HOURS:
        return None
    trend = forecast.linear_trend(points)
    return None if trend is None else trend[0] * forecast.DAY_SECONDS


def _forecast_dict(line: forecast.DiskForecast) -> dict:
    return {
        "host": line.series.host.name if line.series.host_id else None,
        "what": disk_name(line),
        "days_until_full": None if line.days is None else round(line.days, 1),
        "state": line.state,
    }


# -- the advice ------------------------------------------------------------------------------


def _advice(report: CapacityReport) -> list[Advice]:
    advice: list[Advice] = []
    if not report.hosts:
        advice.append(
            Advice(
                "hosts",
                Verdict.UNKNOWN,
                _(
                    "No monitored machine runs this target: install the agent on the ERP's "
                    "machine (or link a host to the target) to get resource advice."
                ),
            )
        )
    for host in report.hosts:
        advice += _host_advice(host)
    advice += _connection_advice(report.connections)
    advice += _disk_advice(report.forecasts, report.database_growth_per_day)
    return advice


def _host_advice(host: HostCapacity) -> list[Advice]:
    name = host.host.name
    if host.cpu is None and host.memory is None:
        text = _("Less than %(hours)d hours of history from %(host)s: no advice yet.") % {
            "hours": MIN_HOURS,
            "host": name,
        }
        return [Advice("hosts", Verdict.UNKNOWN, text, name)]
    return [
        *([_cpu_advice(host)] if host.cpu else []),
        *([_memory_advice(host)] if host.memory else []),
        *_worker_advice(host),
    ]


def _cpu_advice(host: HostCapacity) -> Advice:
    values = {"host": host.host.name, "p95": host.cpu.p95, "peak": host.cpu.peak}
    values["cores"] = host.cores or "?"
    if host.cpu.p95 >= CPU_BUSY:
        text = _(
            "CPU of %(host)s (%(cores)s cores) is busy: 95 %% of hours averaged up to "
            "%(p95).0f %% (peak %(peak).0f %%). Add cores, or move work (reports, batch jobs) "
            "to quieter hours or another machine."
        )
        return Advice("cpu", Verdict.SHORT, text % values, host.host.name)
    if host.cpu.p95 >= CPU_TIGHT:
        text = _(
            "CPU of %(host)s (%(cores)s cores) has little headroom: 95 %% of hours averaged up "
            "to %(p95).0f %% (peak %(peak).0f %%). Plan more cores before the load grows."
        )
        return Advice("cpu", Verdict.TIGHT, text % values, host.host.name)
    if host.cpu.p95 < CPU_IDLE and (host.cores or 0) >= IDLE_CORES:
        text = _(
            "CPU of %(host)s (%(cores)s cores) is mostly idle: 95 %% of hours averaged up to "
            "%(p95).0f %% (peak %(peak).0f %%). Fewer cores would do, if the peaks allow."
        )
        return Advice("cpu", Verdict.OVERSIZED, text % values, host.host.name)
    text = _("CPU of %(host)s: 95 %% of hours averaged up to %(p95).0f %% (peak %(peak).0f %%).")
    return Advice("cpu", Verdict.OK, text % values, host.host.name)


def _memory_advice(host: HostCapacity) -> Advice:
    swap = host.swap.p95 if host.swap else 0.0
    values = {"host": host.host.name, "p95": host.memory.p95, "peak": host.memory.peak}
    values["ram"] = bytes_human(host.ram_bytes) if host.ram_bytes else "?"
    values["swap"] = swap
    if host.memory.p95 >= MEMORY_BUSY or swap >= SWAP_BUSY:
        text = _(
            "Memory of %(host)s (%(ram)s) is short: 95 %% of hours used up to %(p95).0f %% "
            "(peak %(peak).0f %%), swap up to %(swap).0f %%. Add RAM, or lower the database's "
            "and the ERP's memory settings."
        )
        return Advice("memory", Verdict.SHORT, text % values, host.host.name)
    if host.memory.p95 >= MEMORY_TIGHT:
        text = _(
            "Memory of %(host)s (%(ram)s) has little headroom: 95 %% of hours used up to "
            "%(p95).0f %% (peak %(peak).0f %%)."
        )
        return Advice("memory", Verdict.TIGHT, text % values, host.host.name)
    text = _(
        "Memory of %(host)s (%(ram)s): 95 %% of hours used up to %(p95).0f %% (peak %(peak).0f %%)."
    )
    return Advice("memory", Verdict.OK, text % values, host.host.name)


def _worker_advice(host: HostCapacity) -> list[Advice]:
    """The ERP's processes against the cores: a WSGI server's usual rule is one to two workers
    per core (gunicorn: 2 × cores + 1)."""
    if not host.erp_workers or not host.cores:
        return []
    values = {"host": host.host.name, "workers": host.erp_workers, "cores": host.cores}
    values["most"] = 2 * host.cores + 1
    if host.erp_workers > values["most"]:
        text = _(
            "%(host)s runs %(workers)d ERP processes on %(cores)d cores: more than %(most)d "
            "compete for the CPU and memory. Run fewer workers or add cores."
        )
        return [Advice("workers", Verdict.TIGHT, text % values, host.host.name)]
    if host.erp_workers == 1 and host.cores >= 2:
        text = _(
            "%(host)s runs one ERP process on %(cores)d cores: one process serves one request "
            "at a time on one core. Run the ERP under a WSGI server with %(cores)d to %(most)d "
            "workers."
        )
        return [Advice("workers", Verdict.TIGHT, text % values, host.host.name)]
    text = ngettext(
        "%(host)s runs %(workers)d ERP process on %(cores)d cores.",
        "%(host)s runs %(workers)d ERP processes on %(cores)d cores.",
        host.erp_workers,
    )
    return [Advice("workers", Verdict.OK, text % values, host.host.name)]


def _connection_advice(connections: Usage | None) -> list[Advice]:
    if connections is None:
        return []
    values = {"p95": connections.p95, "peak": connections.peak}
    if connections.p95 >= CONNECTIONS_BUSY:
        text = _(
            "Database connections reach their limit: 95 %% of hours up to %(p95).0f %% of "
            "max_connections (peak %(peak).0f %%). Raise the limit with the memory to match, "
            "or put a connection pooler (PgBouncer, ProxySQL) in front."
        )
        return [Advice("connections", Verdict.SHORT, text % values)]
    if connections.p95 >= CONNECTIONS_TIGHT:
        text = _(
            "Database connections have little headroom: 95 %% of hours up to %(p95).0f %% of "
            "max_connections (peak %(peak).0f %%)."
        )
        return [Advice("connections", Verdict.TIGHT, text % values)]
    text = _(
        "Database connections: 95 %% of hours up to %(p95).0f %% of max_connections "
        "(peak %(peak).0f %%)."
    )
    return [Advice("connections", Verdict.OK, text % values)]


def _disk_advice(forecasts: list[forecast.DiskForecast], growth: float | None) -> list[Advice]:
    advice = []
    for line in forecasts:
        values = {"what": disk_name(line), "days": line.days or 0}
        is_database = line.series.metric == forecast.DB_SIZE_METRIC
        if line.days is None and is_database and not line.limit_known and growth and growth > 0:
            # Growing, but towards an unknown limit: the disk it lives on is not monitored.
            values["growth"] = bytes_human(growth)
            text = _(
                "The database grows by %(growth)s a day; the free space of its disk is not "
                "monitored, so the day it is full is not known."
            )
            advice.append(Advice("disk", Verdict.UNKNOWN, text % values, values["what"]))
            continue
        if line.days is None and not line.enough_history:
            text, verdict = (
                _("%(what)s: too little history for a forecast.") % values,
                Verdict.UNKNOWN,
            )
        elif line.days is None:
            text, verdict = _("%(what)s is not filling up.") % values, Verdict.OK
        elif line.state == "ok":
            text, verdict = _("%(what)s is full in about %(days).0f days.") % values, Verdict.OK
        else:
            text = _(
                "%(what)s is full in about %(days).0f days: free space, move data or add disk now."
            )
            text %= values
            verdict = Verdict.SHORT if line.state == "critical" else Verdict.TIGHT
        advice.append(Advice("disk", verdict, text, values["what"]))
    return advice


def disk_name(line: forecast.DiskForecast) -> str:
    if line.series.metric == forecast.DB_SIZE_METRIC:
        return _("The database")
    host = line.series.host.name if line.series.host_id else ""
    return _("Disk %(mount)s of %(host)s") % {"mount": line.what or "/", "host": host}
