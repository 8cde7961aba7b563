"""The Tryton ERP: its own tables (read-only SQL on the target's database) and its RPC server.

TrytonCollector (SQL, SQLite or PostgreSQL), metrics with the target:
  erp.cron.failed      scheduled actions that failed in the last hour. Tryton 8.2 writes
                       ir_cron_log only for successful runs; a failure is an ir_error row whose
                       origin is the cron ("ir.cron,<id>").
  erp.queue.backlog    ir_queue tasks not finished (waiting or running)
  erp.logins.failed    failed login attempts in the last hour (res_user_login_attempt: Tryton
                       records failures there and forgets them after a successful login)
  erp.sessions.active  sessions used within Tryton's session timeout (5 minutes by default)
A table that the installed modules do not have gives no metric.

TrytonRpcCollector, only for targets with an ERP server URL: the JSON-RPC call
``common.server.version`` on ``<url>/rpc/`` (no database, no login) gives
  erp.rpc.up               1 when the server answers it, else 0
  erp.rpc.latency_seconds  time to answer (only when up)
"""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.error
import urllib.request

from erpkeeper.monitoring.collectors.base import Collector, Sample, logger, one_line
from erpkeeper.monitoring.collectors.dbconn import ReadOnlyDb

RECENT = dt.timedelta(hours=1)
SESSION_TIMEOUT = dt.timedelta(minutes=5)  # trytond's [session] timeout default
RPC_TIMEOUT_S = 5.0

# metric, table, SQL (``%s`` is the start of the window, as Tryton stores times: naive UTC)
QUERIES = (
    (
        "erp.cron.failed",
        "ir_error",
        "SELECT count(*) FROM ir_error WHERE origin LIKE %s AND create_date >= %s",
    ),
    ("erp.queue.backlog", "ir_queue", "SELECT count(*) FROM ir_queue WHERE finished_at IS NULL"),
    (
        "erp.logins.failed",
        "res_user_login_attempt",
        "SELECT count(*) FROM res_user_login_attempt WHERE create_date >= %s",
    ),
    (
        "erp.sessions.active",
        "ir_session",
        "SELECT count(*) FROM ir_session WHERE COALESCE(write_date, create_date) >= %s",
    ),
)


class TrytonCollector(Collector):
    name = "tryton"

    def __init__(self, target: str, database_url: str):
        super().__init__(target)
        self.db = ReadOnlyDb(database_url)
        self._tables: set[str] | None = None  # the installed modules' tables, read once

    def collect(self, now: dt.datetime) -> list[Sample]:
        if self._tables is None:
            self._tables = {table for _, table, _ in QUERIES if self.db.has_table(table)}
        params = self._params(now)
        return [
            self.sample(metric, self.db.scalar(sql, params[metric]), now)
            for metric, table, sql in QUERIES
            if table in self._tables
        ]

    def _params(self, now: dt.datetime) -> dict[str, tuple]:
        naive = now.astimezone(dt.UTC).replace(tzinfo=None)
        recent, session = naive - RECENT, naive - SESSION_TIMEOUT
        if self.db.engine == "sqlite":  # Tryton keeps SQLite timestamps as ISO text
            recent, session = recent.isoformat(" "), session.isoformat(" ")
        return {
            "erp.cron.failed": ("ir.cron,%", recent),
            "erp.queue.backlog": (),
            "erp.logins.failed": (recent,),
            "erp.sessions.active": (session,),
        }

    def close(self):
        self.db.close()


class TrytonRpcCollector(Collector):
    name = "tryton_rpc"

    def __init__(self, target: str, server_url: str):
        super().__init__(target)
        self.url = rpc_url(server_url)
        self.body = json.dumps({"id": 1, "method": "common.server.version", "params": []}).encode()

    def collect(self, now: dt.datetime) -> list[Sample]:
        started = time.monotonic()
        try:
            self._call()
        except (OSError, ValueError, urllib.error.URLError) as exc:
            # The server being down is what this metric reports, not a collector failure.
            logger.info("ERP server of %s does not answer: %s", self.target, one_line(exc))
            return [self.sample("erp.rpc.up", 0, now)]
        latency = time.monotonic() - started
        return [
            self.sample("erp.rpc.up", 1, now),
            self.sample("erp.rpc.latency_seconds", latency, now, "s"),
        ]

    def _call(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ValueError(f"not an HTTP URL: {self.url}")
        request = urllib.request.Request(  # noqa: S310  (HTTP(S) only, checked above)
            self.url, data=self.body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=RPC_TIMEOUT_S) as response:  # noqa: S310
            answer = json.loads(response.read(65536))
        if not isinstance(answer, dict) or "result" not in answer:
            raise ValueError(f"unexpected answer: {str(answer)[:200]}")


def rpc_url(server_url: str) -> str:
    """Tryton's database-less JSON-RPC endpoint: ``/rpc/`` under the server's URL."""
    base = server_url.strip().rstrip("/")
    return base + "/" if base.endswith("/rpc") else base + "/rpc/"
