"""Progress off a terminal: a few plain lines, never one per redraw."""

import io

from erpkeeper.lib.progress import Progress


def test_progress_in_a_log_prints_a_line_per_ten_percent_not_per_update():
    log = io.StringIO()
    with Progress(stream=log) as bar:
        for done in range(101):
            bar.update(done, 100, "core: sale pick")
    lines = log.getvalue().splitlines()
    assert lines == [f"{p:3d}% core: sale pick" for p in range(0, 101, 10)]
    assert "\r" not in log.getvalue()


def test_progress_in_a_log_prints_each_new_stage_once():
    log = io.StringIO()
    bar = Progress(stream=log)
    bar.update(1, 100, "activating Tryton modules")
    bar.update(2, 100, "activating Tryton modules")
    bar.update(3, 100, "core: sale create")
    bar.update(4, 100, "core: sale quote")
    assert log.getvalue().splitlines() == [
        "  1% activating Tryton modules",
        "  3% core: sale create",
    ]
