"""A target's SQLite file. Metrics: db.size_bytes (the database, as for the other engines),
db.file_bytes, db.wal_bytes (0 when there is no WAL file)."""

from __future__ import annotations

import datetime as dt
import os

from erpkeeper.lib import dburl
from erpkeeper.monitoring.collectors.base import Collector, CollectorError, Sample, _, one_line


class SqliteCollector(Collector):
    name = "sqlite"

    def __init__(self, target: str, database_url: str):
        super().__init__(target)
        try:
            self.path = dburl.parse(database_url).path
        except dburl.DatabaseUrlError as exc:
            raise CollectorError(one_line(exc)) from None

    def collect(self, now: dt.datetime) -> list[Sample]:
        try:
            size = os.path.getsize(self.path)
        except OSError as exc:
            raise CollectorError(
                _("cannot read SQLite file %(path)s: %(error)s")
                % {"path": self.path, "error": exc.strerror}
            ) from None
        try:
            wal = os.path.getsize(self.path + "-wal")
        except FileNotFoundError:
            wal = 0  # not in WAL mode, or checkpointed and closed: no WAL data at all
        return [
            self.sample("db.size_bytes", size + wal, now, "B"),
            self.sample("db.file_bytes", size, now, "B"),
            self.sample("db.wal_bytes", wal, now, "B"),
        ]
