"""A timeout says which one it was: a connection never accepted (host down, packets dropped)
is not a server that accepted and then stayed silent. Real sockets, no mock."""

from __future__ import annotations

import contextlib
import socket

import pytest

from erpkeeper.targets.adapters import sql
from erpkeeper.targets.adapters.base import AdapterError, ServerUnreachable
from erpkeeper.targets.adapters.tryton import TrytonAdapter


@pytest.fixture(autouse=True)
def short_timeout(monkeypatch):
    monkeypatch.setattr(sql, "CONNECT_TIMEOUT_S", 2)  # libpq's smallest


def fail(url: str) -> AdapterError:
    with pytest.raises(AdapterError) as caught, TrytonAdapter(url) as adapter:
        adapter.describe()
    return caught.value


@contextlib.contextmanager
def listener(backlog: int):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(backlog)
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


def test_a_silent_peer_accepted_the_connection_but_did_not_answer():
    with listener(backlog=5) as port:  # the kernel accepts; nobody ever speaks
        error = fail(f"postgresql://erp@127.0.0.1:{port}/erp")
    assert isinstance(error, ServerUnreachable)
    assert "accepted the connection but sent no answer within 2 s" in str(error)
    assert "firewall" not in str(error)


def test_a_connection_never_accepted_is_told_apart():
    with listener(backlog=0) as port, contextlib.ExitStack() as held:
        # Fill the accept queue: Linux then drops further connection requests unanswered, as
        # a firewall or a host that is down does.
        for _ in range(4):
            client = held.enter_context(socket.socket())
            client.settimeout(0.2)
            with contextlib.suppress(OSError):
                client.connect(("127.0.0.1", port))
        error = fail(f"postgresql://erp@127.0.0.1:{port}/erp")
    assert isinstance(error, ServerUnreachable)
    assert "the connection was not accepted within 2 s" in str(error)
