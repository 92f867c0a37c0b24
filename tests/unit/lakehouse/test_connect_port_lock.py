"""Two pipeline runs on one machine take turns for the Spark Connect port instead of crashing on BindException."""

from __future__ import annotations

import multiprocessing
import socket
import time

import pytest

from callaudit.errors import UserError
from callaudit.lakehouse import runner
from callaudit.lakehouse.runner import ConnectPortLock


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _hold(port: int, seconds: float, ready) -> None:
    lock = ConnectPortLock(port)
    lock.acquire()
    ready.set()
    time.sleep(seconds)
    lock.release()


def test_a_second_run_waits_for_the_first_and_says_so():
    port = _free_port()
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    holder = ctx.Process(target=_hold, args=(port, 2.0, ready))
    holder.start()
    assert ready.wait(30), "the holder process never took the lock"
    said: list[str] = []
    t0 = time.monotonic()
    lock = ConnectPortLock(port)
    lock.acquire(say=said.append)
    waited = time.monotonic() - t0
    lock.release()
    holder.join(10)
    assert said and "waiting" in said[0] and str(port) in said[0]
    assert waited > 0.5  # it really waited for the holder's release


def test_the_lock_is_free_again_after_release():
    port = _free_port()
    first, second = ConnectPortLock(port), ConnectPortLock(port)
    first.acquire(say=pytest.fail)
    first.release()
    second.acquire(say=pytest.fail)  # no waiting message: nobody holds it
    second.release()


def test_a_foreign_server_on_the_port_is_a_readable_error(monkeypatch):
    monkeypatch.setattr(runner, "PORT_FREE_TIMEOUT_S", 1.0)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        lock = ConnectPortLock(port)
        with pytest.raises(UserError) as exc:
            lock.acquire(say=pytest.fail)
    assert f"port {port} is in use" in str(exc.value) and "ss -ltnp" in str(exc.value)
    again = ConnectPortLock(port)
    again.acquire(say=pytest.fail)  # the failed attempt released its turn
    again.release()
