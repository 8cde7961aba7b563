"""Two agents reporting under one host name both get their samples stored.

Batch numbers start from the clock, and the server used to drop every batch at or below the
highest number it had seen for the host, answering 202 "duplicates": an agent started after
another one under the same name silenced the first for months, and the first never said so.
Now numbers are kept per agent instance (a random id in the agent's state directory), and a
replay answer tells the agent the last number taken so that it renumbers, with a warning.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
from django.utils import timezone

from erpkeeper.monitoring.models import AgentInstance, Sample
from erpkeeper.monitoring.services import create_host
from erpkeeper.monitoring.tsdb.ingest import forget_series_ids

URL = "/api/v1/metrics/ingest/"


@pytest.fixture(autouse=True)
def _fresh_series_cache():
    forget_series_ids()
    yield
    forget_series_ids()


def push(client, token, seq: int, instance: str | None, value: float, seconds_ago: float = 10):
    body = {
        "host": "db1",
        "seq": seq,
        "agent_version": "0.1",
        "samples": [
            {
                "metric": "host.cpu.percent",
                "value": value,
                "time": timezone.now().timestamp() - seconds_ago,
            }
        ],
    }
    if instance is not None:
        body["instance"] = instance
    return client.post(
        URL, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


@pytest.mark.django_db
def test_a_second_agent_with_higher_numbers_does_not_silence_the_first(client):
    _host, token = create_host("db1")
    first_start, second_start = 1_700_000_000_000, 1_730_000_000_000  # a year apart

    assert push(client, token, first_start + 1, "aaaa", 1, 30).json()["accepted"] == 1
    assert push(client, token, second_start + 1, "bbbb", 2, 20).json()["accepted"] == 1
    answer = push(client, token, first_start + 2, "aaaa", 3, 10)

    assert answer.status_code == 202
    assert answer.json() == {"accepted": 1, "duplicates": 0, "seq": first_start + 2}
    assert sorted(Sample.objects.values_list("value", flat=True)) == [1, 2, 3]
    numbers = dict(AgentInstance.objects.values_list("instance", "last_batch_seq"))
    assert numbers == {"aaaa": first_start + 2, "bbbb": second_start + 1}


@pytest.mark.django_db
def test_a_replay_of_one_instance_says_so_with_its_last_number(client):
    _host, token = create_host("db1")
    push(client, token, 50, "aaaa", 1, 30)
    push(client, token, 51, "aaaa", 2, 20)

    answer = push(client, token, 50, "aaaa", 9, 10)

    assert answer.status_code == 202
    assert answer.json() == {
        "accepted": 0, "duplicates": 1, "seq": 50, "replay": True, "last_seq": 51
    }  # fmt: skip
    assert sorted(Sample.objects.values_list("value", flat=True)) == [1, 2]


@pytest.mark.django_db
def test_an_instance_id_that_is_not_text_is_400(client):
    _host, token = create_host("db1")
    assert push(client, token, 1, "x" * 65, 1).status_code == 400


# ---------------------------------------------------------------- real agents, real endpoint


def start_agent(live_server, token: str, buffer_dir) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "erpkeeper.monitoring.agent", "--server", live_server.url,
        "--token", token, "--name", "db1", "--interval", "0.3", "--buffer-dir", str(buffer_dir),
    ]  # fmt: skip
    return subprocess.Popen(command, stderr=subprocess.PIPE, text=True)


def stop(agent: subprocess.Popen) -> str:
    agent.send_signal(signal.SIGTERM)
    _out, err = agent.communicate(timeout=15)
    return err


def test_two_real_agents_under_one_name_are_both_stored(live_server, tmp_path):
    _host, token = create_host("db1")
    # The first agent's buffer directory says it started numbering a year ago.
    (tmp_path / "first").mkdir()
    (tmp_path / "first" / "seq").write_text(str(int(time.time() * 1000) - 365 * 86400 * 1000))
    first = start_agent(live_server, token, tmp_path / "first")
    second = start_agent(live_server, token, tmp_path / "second")
    try:
        seen = wait_for_numbers(lambda numbers: len(numbers) == 2)
        # Both go on being taken: each instance's number moves on by two batches at least.
        wait_for_numbers(lambda numbers: all(numbers[i] >= seen[i] + 2 for i in seen))
    finally:
        logs = stop(first) + stop(second)
    instances = {(tmp_path / name / "instance").read_text() for name in ("first", "second")}
    assert set(seen) == instances
    assert "refused" not in logs


def wait_for_numbers(predicate, timeout: float = 30) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while True:
        numbers = dict(AgentInstance.objects.values_list("instance", "last_batch_seq"))
        if predicate(numbers):
            return numbers
        assert time.monotonic() < deadline, numbers
        time.sleep(0.2)


def test_an_agent_whose_numbers_went_back_renumbers_and_says_so(live_server, tmp_path):
    host, token = create_host("db1")
    (tmp_path / "buffer").mkdir()
    (tmp_path / "buffer" / "instance").write_text("restored")
    AgentInstance.objects.create(
        host=host, instance="restored", last_batch_seq=int(time.time() * 1000) + 10**9
    )  # the buffer directory was restored from an old copy: its numbers are behind
    agent = start_agent(live_server, token, tmp_path / "buffer")
    cpu = Sample.objects.filter(series__metric="host.cpu.percent")
    try:
        deadline = time.monotonic() + 30
        while cpu.count() < 3:
            assert time.monotonic() < deadline and agent.poll() is None, "nothing stored"
            time.sleep(0.1)
    finally:
        log = stop(agent)
    assert log.count("the server refused batch") == 1  # a warning once, not every batch
    assert "sent again as batch" in log
