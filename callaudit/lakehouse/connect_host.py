"""One Spark for a command's several Spark steps: a local Spark Connect server shared by the pipeline and the readers.

``spark-pipelines --remote local[N]`` starts a Spark Connect server inside its own process and stops it when the
update ends. A command that then reads gold (the demo prints the KPIs and writes the report) used to start a
second JVM for that, and paid its start-up and its cold first queries again (docs/BENCHMARKS.md, the demo).

:class:`SharedSpark` starts one local Connect server, the first time a step needs Spark, in a child process
(``python -m callaudit.lakehouse.connect_host``; pyspark's own way of starting a local server, with the
lakehouse's ``SPARK_CONF_DIR`` and environment, exactly as ``spark-pipelines --remote local[N]`` would). The
pipeline's client connects to it (``spark-pipelines --remote sc://localhost:15002``) and the later steps get a
Spark Connect session to the same warm JVM. A command that needs no Spark (nothing new: the pipeline is skipped)
starts nothing until a reader asks.

The server holds the machine-wide Connect port lock (:class:`~callaudit.lakehouse.runner.ConnectPortLock`) for its
whole life and is reached with a random bearer token, passed in the environment, never on a command line. The
child exits when its standard input closes — when we close it, or when this process dies — and its JVM with it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
import time

from callaudit.config import Settings
from callaudit.errors import UserError

TOKEN_ENV = "SPARK_CONNECT_AUTHENTICATE_TOKEN"
CONNECT_MODE_ENV = "SPARK_CONNECT_MODE_ENABLED"  # pyspark's process-wide "this process speaks Spark Connect"
READY = "callaudit-connect-ready"
START_TIMEOUT_S = 180.0


class SharedSpark:
    """A local Spark Connect server started on first use and stopped on :meth:`close` (a context manager)."""

    def __init__(self, settings: Settings, cores: int | None = None):
        self.settings = settings
        from callaudit.lakehouse.runner import pipeline_cores

        self.cores = pipeline_cores(cores)
        self._token = secrets.token_hex(16)
        self._proc: subprocess.Popen | None = None
        self._lock = None
        self._session = None
        self._marked = False

    # ---- what clients use ---------------------------------------------------------------------------------
    @property
    def started(self) -> bool:
        return self._proc is not None

    @property
    def remote(self) -> str:
        """The server's address for ``spark-pipelines --remote`` (the server is started if it is not yet)."""
        from callaudit.lakehouse.runner import CONNECT_PORT

        self.start()
        return f"sc://localhost:{CONNECT_PORT}"

    def client_env(self) -> dict[str, str]:
        """What a client process needs in its environment to be let in."""
        return {TOKEN_ENV: self._token}

    def session(self):
        """A Spark Connect session to the shared server (one per SharedSpark)."""
        remote = self.remote  # starting the server may already open the session (a new lakehouse's database)
        if self._session is None:
            # the Connect builder itself: pyspark's front door refuses a Connect session in a process that has a
            # classic one (a test run, a notebook). It marks the process as Spark Connect (functions then build
            # Connect columns) while the session lives; close() takes the mark back so that the classic session
            # works again afterwards — do not use both at once
            from pyspark.sql.connect.session import SparkSession as ConnectSession

            self._marked = CONNECT_MODE_ENV not in os.environ
            os.environ[CONNECT_MODE_ENV] = "1"
            # the token goes in the connection string of this in-process client (never printed); local channel
            # credentials: the server only listens on this machine
            self._session = ConnectSession.builder.remote(f"{remote}/;token={self._token}").getOrCreate()
        return self._session

    # ---- life ---------------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._proc is not None:
            return
        from callaudit.lakehouse.runner import ConnectPortLock, ensure_landing_layout
        from callaudit.lakehouse.runtime import prepare_conf_dir, spark_env

        prepare_conf_dir(self.settings)
        ensure_landing_layout(self.settings)
        lock = ConnectPortLock()
        lock.acquire()
        env = spark_env(self.settings)
        env[TOKEN_ENV] = self._token
        self.settings.logs.mkdir(parents=True, exist_ok=True)
        log_path = self.settings.logs / f"spark-connect-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}.log"
        try:
            with open(log_path, "w") as log:
                proc = subprocess.Popen([sys.executable, "-m", "callaudit.lakehouse.connect_host", str(self.cores)],
                                        env=env, cwd=self.settings.home, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True)
            line = _read_line(proc, START_TIMEOUT_S)
        except BaseException:
            lock.release()
            raise
        if line.strip() != READY:
            _stop(proc)
            lock.release()
            raise UserError("the local Spark Connect server did not start",
                            hint=f"see {log_path} (Java 17 and `make setup` are needed)")
        self._proc, self._lock = proc, lock
        self._bootstrap()

    def _bootstrap(self) -> None:
        """Create the ``callaudit`` database on a new lakehouse through this server (what
        :func:`~callaudit.lakehouse.runtime.bootstrap_metastore` does in a JVM of its own)."""
        from callaudit.config import DATABASE
        from callaudit.lakehouse.runtime import mark_bootstrapped, metastore_ready

        if metastore_ready(self.settings):
            return
        spark = self.session()
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {DATABASE}")
        if DATABASE not in [r[0] for r in spark.sql("SHOW DATABASES").collect()]:
            raise UserError(f"the local metastore did not create the {DATABASE} database",
                            hint="run `make clean` to start over")
        mark_bootstrapped(self.settings)

    def close(self) -> None:
        if self._session is not None:
            with contextlib.suppress(Exception):
                self._session.stop()
            self._session = None
            if self._marked:
                os.environ.pop(CONNECT_MODE_ENV, None)
        if self._proc is not None:
            _stop(self._proc)
            self._proc = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> SharedSpark:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _read_line(proc: subprocess.Popen, timeout: float) -> str:
    """The child's first line of output, or "" when it exits or stays silent for ``timeout`` seconds."""
    import selectors

    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout):
            return ""
    return proc.stdout.readline()


def _stop(proc: subprocess.Popen, grace: float = 30.0) -> None:
    """Close the child's stdin (it stops its session and exits, its JVM with it); kill its group if it lingers."""
    import signal

    with contextlib.suppress(OSError):
        if proc.stdin is not None:
            proc.stdin.close()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


def _serve(cores: int) -> None:
    """The child: start the local server the way ``spark-pipelines --remote local[N]`` does, say so, and wait."""
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.remote(f"local[{cores}]").getOrCreate()
    spark.range(1).collect()  # the server answers
    print(READY, flush=True)
    sys.stdin.read()  # until the parent closes it, or dies
    with contextlib.suppress(Exception):
        spark.stop()


if __name__ == "__main__":
    _serve(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
