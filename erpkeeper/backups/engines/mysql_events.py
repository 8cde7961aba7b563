"""Restoring a MariaDB/MySQL dump's scheduled events disabled.

A copy restored next to the original (a drill's scratch database, a restore to a new name) must
not run the original's events: with the server's event scheduler on they would fire at once,
and an event may write to other databases, the original's included. mariadb-dump/mysqldump
writes each event on a line of its own::

    /*!50106 CREATE*/ /*!50117 DEFINER=`root`@`localhost`*/ /*!50106 EVENT `purge` ON SCHEDULE
    EVERY 1 HOUR STARTS '…' ON COMPLETION NOT PRESERVE ENABLE DO DELETE FROM …

``EventDisabler`` rewrites ``ENABLE DO`` to ``DISABLE DO`` in those lines only, as the dump
streams past: it looks for the line's marker with bytes.find and holds back the last few KB of
each block, so a marker split between two blocks is still seen. Table data is never touched:
an INSERT line cannot start with the marker.
"""

from __future__ import annotations

import re

MARKER = b"\n/*!50106 CREATE*/ "
# Everything up to the status keyword fits in this much of the line (name, definer, schedule).
HEAD_LIMIT = 4096
HOLD = len(MARKER) + HEAD_LIMIT
ENABLED_EVENT = re.compile(
    rb"(/\*!50106 CREATE\*/ (?:/\*!50117 DEFINER=[^\n]*?\*/ )?/\*!50106 EVENT "
    rb"[^\n]*? ON COMPLETION (?:NOT )?PRESERVE )ENABLE( DO )"
)
EVENT_NAME = re.compile(rb"/\*!50106 EVENT (`(?:[^`]|``)+`)")


class EventDisabler:
    """``feed(block)`` returns the bytes ready to pass on; ``finish()`` the rest.
    ``disabled`` lists the names of the events it disabled."""

    def __init__(self) -> None:
        self._held = b""
        self.disabled: list[str] = []

    def feed(self, block: bytes) -> bytes:
        data = self._held + block
        cut = max(0, len(data) - HOLD)
        # A marker whose line head may reach past the cut waits, whole, for the next block.
        near = data.find(MARKER, max(0, cut - HOLD))
        if 0 <= near < cut:
            cut = near
        ready, self._held = data[:cut], data[cut:]
        return self._rewrite(ready)

    def finish(self) -> bytes:
        rest, self._held = self._held, b""
        return self._rewrite(rest)

    def _rewrite(self, data: bytes) -> bytes:
        if MARKER not in data:
            return data
        parts = data.split(MARKER)
        for index in range(1, len(parts)):
            line = MARKER[1:] + parts[index]
            head, tail = line[:HEAD_LIMIT], line[HEAD_LIMIT:]
            changed, count = ENABLED_EVENT.subn(rb"\1DISABLE\2", head, count=1)
            if count:
                self.disabled.append(event_name(changed))
            parts[index] = (changed + tail)[len(MARKER) - 1 :]
        return MARKER.join(parts)


def event_name(line: bytes) -> str:
    found = EVENT_NAME.search(line)
    if found is None:
        return "?"
    return found.group(1)[1:-1].replace(b"``", b"`").decode("utf-8", "replace")
