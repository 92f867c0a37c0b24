"""One Spark for a command's several Spark steps (callaudit/lakehouse/connect_host.py): the demo's pipeline update,
KPIs and report run on one local Spark Connect server instead of starting a JVM each."""

from __future__ import annotations

import os

import psutil
import pytest

from callaudit.config import PROJECT_ROOT, Settings
from callaudit.lakehouse.connect_host import CONNECT_MODE_ENV, SharedSpark
from callaudit.lakehouse.runner import ConnectPortLock
from callaudit.lakehouse.runtime import metastore_ready

pytestmark = pytest.mark.pipeline


def test_started_on_first_use_creates_the_database_and_gives_everything_back(tmp_path):
    settings = Settings(home=tmp_path / "home", cache=PROJECT_ROOT / ".cache")
    marked_before = CONNECT_MODE_ENV in os.environ
    host = SharedSpark(settings)
    assert not host.started  # nothing asked for Spark yet: nothing started
    with host:
        spark = host.session()
        assert host.started and host.remote == "sc://localhost:15002"
        assert spark.range(7).selectExpr("sum(id) AS s").first()["s"] == 21
        # a new lakehouse gets its database from this server, not from a JVM of its own
        assert metastore_ready(settings)
        assert "callaudit" in [r[0] for r in spark.sql("SHOW DATABASES").collect()]
        child = psutil.Process(host._proc.pid)
        family = [child, *child.children(recursive=True)]
        token = host.client_env()["SPARK_CONNECT_AUTHENTICATE_TOKEN"]
        # the bearer token is never on a command line (read while they run; a launcher that already exited is a
        # zombie without one) or in the server's log
        lines = [line for p in family if (line := _cmdline(p))]
        assert any("connect_host" in line for line in lines) and any("java" in line for line in lines)
        assert all(token not in line for line in lines)
    for log in settings.logs.glob("spark-connect-*.log"):
        assert token not in log.read_text(errors="replace")
    assert not host.started
    psutil.wait_procs(family, timeout=60)
    assert not any(_alive(p) for p in family), "server left running"
    assert (CONNECT_MODE_ENV in os.environ) == marked_before  # classic sessions of this process work again
    lock = ConnectPortLock()  # the port and its lock are free for the next run
    lock.acquire()
    lock.release()


def _alive(p: psutil.Process) -> bool:
    """Still running (an exited process whose parent has not reaped it yet is a zombie, not alive)."""
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _cmdline(p: psutil.Process) -> str:
    try:
        return " ".join(p.cmdline())
    except psutil.Error:  # exited meanwhile, or a zombie
        return ""
