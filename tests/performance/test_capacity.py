"""Resource advice from monitoring's history: each machine's CPU, memory and ERP processes
against its cores and RAM, database connections against their limit, and the days until full;
in the console (with charts, in both languages), as a PDF, in the API and in the CLI."""

import json

import pytest
from django.utils import timezone

from erpkeeper.cli import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, main
from erpkeeper.monitoring.models import Host, HostKind, Rollup
from erpkeeper.performance.services.capacity import (
    Verdict,
    capacity_report,
    capacity_summary,
    percentile,
)
from tests.fixtures.alerts import feed
from tests.fixtures.monitoring import add_hourly

pytestmark = pytest.mark.django_db

HOURS = 30 * 24


def machine(target, name="erp1", cores=4, ram=16e9, workers=None):
    """A monitored machine running ``target``, with its cores, RAM and ERP processes now."""
    host = Host.objects.create(name=name, kind=HostKind.AGENT)
    host.targets.add(target)
    now = timezone.now()
    feed(host, "host.cpu.cores", cores, now)
    feed(host, "host.memory.total_bytes", ram, now)
    if workers:
        feed(host, "erp.processes", workers, now)
    return host


def history(host, metric, value_at, target=None):
    """30 days of hourly averages: ``value_at(hours ago)``."""
    feed(host, metric, value_at(1), timezone.now(), target=target)
    series = host.series.get(metric=metric)
    add_hourly(series, {ago: value_at(ago) for ago in range(1, HOURS + 1)})
    return series


def busy_in_working_hours(busy: float, quiet: float):
    """``busy`` for 10 hours a day, ``quiet`` the rest: busy is well over 5 % of the hours."""
    return lambda ago: busy if ago % 24 < 10 else quiet


def advice_of(report, topic):
    return [item for item in report.advice if item.topic == topic]


def test_percentile_is_one_of_the_values_by_nearest_rank():
    values = sorted(float(v) for v in range(1, 101))
    assert percentile(values, 95) == 95.0
    assert percentile([3.0], 95) == 3.0
    assert percentile([1.0, 2.0], 50) == 1.0


def test_a_cpu_busy_in_working_hours_is_too_small(shop):
    host = machine(shop, cores=4)
    history(host, "host.cpu.percent", busy_in_working_hours(92.0, 20.0))
    history(host, "host.memory.percent", lambda ago: 50.0)

    report = capacity_report(shop)

    (cpu,) = advice_of(report, "cpu")
    assert cpu.verdict == Verdict.SHORT and "erp1" in cpu.text and "4 cores" in cpu.text
    assert "92 %" in cpu.text
    (memory,) = advice_of(report, "memory")
    assert memory.verdict == Verdict.OK and "16.0 GB" in memory.text
    assert report.verdict == Verdict.SHORT
    assert report.hosts[0].cpu.p95 == 92.0 and len(report.hosts[0].cpu.points) >= HOURS - 1


def test_a_short_nightly_peak_does_not_make_a_machine_look_small(shop):
    host = machine(shop, cores=2)
    history(host, "host.cpu.percent", lambda ago: 99.0 if ago % 24 == 3 else 30.0)

    (cpu,) = advice_of(capacity_report(shop), "cpu")

    assert cpu.verdict == Verdict.OK and "peak 99 %" in cpu.text


def test_an_idle_machine_with_many_cores_is_larger_than_needed(shop):
    host = machine(shop, cores=16)
    history(host, "host.cpu.percent", lambda ago: 4.0)

    (cpu,) = advice_of(capacity_report(shop), "cpu")

    assert cpu.verdict == Verdict.OVERSIZED


def test_swapping_means_memory_is_short_even_below_ninety_percent(shop):
    host = machine(shop)
    history(host, "host.memory.percent", lambda ago: 70.0)
    history(host, "host.swap.percent", lambda ago: 25.0)

    (memory,) = advice_of(capacity_report(shop), "memory")

    assert memory.verdict == Verdict.SHORT and "swap up to 25 %" in memory.text


def test_erp_processes_are_weighed_against_the_cores(shop):
    crowded = machine(shop, name="crowded", cores=2, workers=12)
    history(crowded, "host.cpu.percent", lambda ago: 40.0)
    single = machine(shop, name="single", cores=8, workers=1)
    history(single, "host.cpu.percent", lambda ago: 20.0)

    workers = {item.subject: item for item in advice_of(capacity_report(shop), "workers")}

    assert (
        workers["crowded"].verdict == Verdict.TIGHT
        and "12 ERP processes" in workers["crowded"].text
    )
    assert (
        workers["single"].verdict == Verdict.TIGHT and "8 to 17 workers" in workers["single"].text
    )


def test_database_connections_near_their_limit(shop):
    host = machine(shop)
    history(host, "db.connections.percent", lambda ago: 85.0, target=shop.name)

    (connections,) = advice_of(capacity_report(shop), "connections")

    assert connections.verdict == Verdict.SHORT and "pooler" in connections.text


def test_a_growing_database_on_an_unmonitored_disk_is_not_called_steady(shop):
    host = machine(shop)
    history(host, "db.size_bytes", lambda ago: 4e9 + (HOURS - ago) * 2e6, target=shop.name)

    report = capacity_report(shop)

    (database,) = advice_of(report, "disk")
    assert database.verdict == Verdict.UNKNOWN and "48.0 MB a day" in database.text
    assert round(report.database_growth_per_day / 1e6) == 48


def test_a_target_without_monitoring_says_so(shop):
    report = capacity_report(shop)

    assert report.verdict == Verdict.UNKNOWN
    assert "install the agent" in report.advice[0].text


def test_a_new_machine_has_no_advice_until_twelve_hours_of_history(shop):
    host = machine(shop)
    feed(host, "host.cpu.percent", 99.0, timezone.now())
    add_hourly(host.series.get(metric="host.cpu.percent"), dict.fromkeys(range(1, 6), 99.0))

    report = capacity_report(shop)

    assert report.verdict == Verdict.UNKNOWN and "no advice yet" in report.advice[0].text


def test_the_period_is_one_to_365_days(shop):
    with pytest.raises(ValueError, match="1 to 365"):
        capacity_report(shop, days=0)


def test_the_console_refuses_a_period_out_of_range_as_the_api_does(
    shop, victor, console_client_for
):
    client = console_client_for(victor)
    response = client.get(f"/performance/capacity/{shop.pk}/?days=9999", follow=True)
    assert response.redirect_chain[-1][0] == f"/performance/capacity/{shop.pk}/"
    assert "The period is 1 to 365 days." in response.content.decode()


def test_the_target_page_verdict_is_not_recomputed_on_every_load(busy_shop, victor):
    first = capacity_summary(busy_shop)
    Rollup.objects.all().delete()  # the history is gone...
    assert capacity_summary(busy_shop) == first  # ...the summary holds for a few minutes
    assert capacity_report(busy_shop).verdict != first.verdict  # the full report reads afresh


# --- the console, the PDF, the API, the CLI ---------------------------------------------------


@pytest.fixture
def busy_shop(shop):
    host = machine(shop, cores=4, workers=4)
    history(host, "host.cpu.percent", busy_in_working_hours(92.0, 20.0))
    history(host, "host.memory.percent", lambda ago: 60.0)
    return shop


def test_the_console_page_shows_the_advice_and_the_charts(busy_shop, victor, console_client_for):
    client = console_client_for(victor)
    index = client.get("/performance/capacity/").content.decode()
    assert "shop" in index and "Too small" in index
    page = client.get(f"/performance/capacity/{busy_shop.pk}/?days=30").content.decode()
    assert 'data-testid="capacity-advice"' in page and "CPU of erp1" in page
    assert page.count("<svg") >= 2 and "<polyline" in page


def test_the_target_page_shows_the_capacity_verdict(busy_shop, victor, console_client_for):
    page = console_client_for(victor).get(f"/targets/target/{busy_shop.pk}/change/")
    html = page.content.decode()
    assert 'data-testid="capacity-panel"' in html and "CPU of erp1" in html
    assert f"/performance/capacity/{busy_shop.pk}/" in html


def test_the_console_page_in_chinese(busy_shop, victor, console_client_for):
    client = console_client_for(victor)
    victor.profile.language = "zh-hans"
    victor.profile.save()
    page = client.get(f"/performance/capacity/{busy_shop.pk}/").content.decode()
    assert "容量" in page and "<svg" in page


def test_the_capacity_report_downloads_as_a_pdf(busy_shop, victor, console_client_for):
    response = console_client_for(victor).get(f"/performance/capacity/{busy_shop.pk}/pdf/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert "capacity-shop-" in response["Content-Disposition"]


def test_api_capacity_json_pdf_and_bad_input(busy_shop, victor, api_client_for):
    api = api_client_for(victor)
    listing = api.get("/api/v1/performance/capacity/").json()
    assert listing == [{"target": "shop", "verdict": "short", "advice": [listing[0]["advice"][0]]}]
    report = api.get("/api/v1/performance/capacity/shop/?days=7").json()
    assert report["days"] == 7 and report["hosts"][0]["cores"] == 4
    assert report["hosts"][0]["cpu_percent"]["p95"] == 92.0
    pdf = api.get(f"/api/v1/performance/capacity/{busy_shop.pk}/?as=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    bad = api.get("/api/v1/performance/capacity/shop/?days=0")
    assert bad.status_code == 400 and "days" in bad.json()
    assert api.get("/api/v1/performance/capacity/shop/?as=doc").status_code == 400
    assert api.get("/api/v1/performance/capacity/nowhere/").status_code == 404


def test_cli_capacity(busy_shop, capsys, tmp_path):
    assert main(["perf", "capacity"]) == EXIT_OK
    assert "shop" in capsys.readouterr().out
    assert main(["--json", "perf", "capacity", "shop", "--days", "14"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["verdict"] == "short"
    out = tmp_path / "capacity.pdf"
    assert main(["perf", "capacity", "shop", "--pdf", str(out), "--language", "zh-hans"]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    assert main(["perf", "capacity", "shop", "--days", "400"]) == EXIT_USAGE
    assert main(["perf", "capacity", "nowhere"]) == EXIT_NOT_FOUND
    assert main(["perf", "capacity", "--pdf", str(out)]) == EXIT_USAGE
