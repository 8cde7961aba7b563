"""The event disabler rewrites only the event lines of a dump, wherever the blocks split it."""

from __future__ import annotations

import random

from erpkeeper.backups.engines.mysql_events import EventDisabler

EVENT = (
    b"/*!50106 CREATE*/ /*!50117 DEFINER=`root`@`localhost`*/ /*!50106 EVENT `e1` ON SCHEDULE "
    b"EVERY 1 HOUR STARTS '2026-11-24 18:24:54' ON COMPLETION NOT PRESERVE ENABLE DO "
    b"INSERT INTO t VALUES (1) */ ;;\n"
)
# Table data quoting an event statement is data, not an event: left alone.
DATA = b"INSERT INTO t VALUES ('/*!50106 EVENT `z` ON COMPLETION PRESERVE ENABLE DO x');\n"


def run(dump: bytes, sizes) -> tuple[bytes, list[str]]:
    disabler, out, pos = EventDisabler(), [], 0
    while pos < len(dump):
        size = next(sizes)
        out.append(disabler.feed(dump[pos : pos + size]))
        pos += size
    out.append(disabler.finish())
    return b"".join(out), disabler.disabled


def test_only_event_lines_are_disabled_however_the_stream_is_cut():
    dump = DATA * 20_000 + b"DELIMITER ;;\n" + EVENT + DATA * 20_000 + EVENT.replace(b"e1", b"e2")
    expected = dump.replace(b"NOT PRESERVE ENABLE DO", b"NOT PRESERVE DISABLE DO")
    randomly = random.Random(7)
    for _ in range(50):
        sizes = iter(lambda: randomly.choice([1, 9, 100, 4096, 4200, 65536, 1 << 20]), None)
        assert run(dump, sizes) == (expected, ["e1", "e2"])


def test_a_dump_without_events_passes_unchanged():
    dump = DATA * 1000
    assert run(dump, iter(lambda: 1000, None)) == (dump, [])
