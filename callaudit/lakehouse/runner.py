"""Run the project's pipeline with the real ``spark-pipelines`` CLI on local Spark + Delta.

``callaudit pipeline run`` = render ``spark-pipeline.yml`` (paths resolved under CALLAUDIT_HOME), make sure the
conf dir, jars and metastore exist, start ``spark-pipelines --remote local[N] run``, follow its flow events for a
progress display, keep the full log under ``lakehouse/logs/``, and summarise what every flow did.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from callaudit.config import PROJECT_ROOT, Settings, load_settings
from callaudit.contracts import LANDING_DIRS
from callaudit.errors import UserError
from callaudit.lakehouse.runtime import bootstrap_metastore, prepare_conf_dir, spark_env

SPEC_TEMPLATE = PROJECT_ROOT / "spark-pipeline.yml"
UP_TO_DATE = "UP_TO_DATE"  # no update ran: nothing it reads changed since the last completed one

_FLOW_RE = re.compile(r"^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d): Flow (?P<flow>\S+) (?:is|has) (?P<state>[A-Z_]+)\.?")
_RUN_RE = re.compile(r"^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d): Run is (?P<state>[A-Z_]+)\.?")
_START_RE = re.compile(r"^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d): Starting run")
_ERROR_RE = re.compile(r"(\w+(?:Exception|Error)): (?P<msg>.+)$")


@dataclass
class FlowStatus:
    name: str
    state: str = "QUEUED"
    started: float | None = None
    finished: float | None = None

    @property
    def seconds(self) -> float | None:
        if self.started is None or self.finished is None:
            return None
        return self.finished - self.started


@dataclass
class PipelineRun:
    returncode: int | None = None
    state: str | None = None  # COMPLETED / FAILED / CANCELED as reported by the run
    started_at: float = field(default_factory=time.time)
    run_started_at: float | None = None  # "Starting run": the definitions are registered, the update begins
    flows_started_at: float | None = None  # the first flow event: the graph is resolved and every table set up
    finished_at: float | None = None
    flows: dict[str, FlowStatus] = field(default_factory=dict)
    log_path: Path | None = None
    errors: list[str] = field(default_factory=list)
    note: str = ""
    refreshed: list[str] | None = None  # the datasets an update refreshed when not all (``--refresh``, new files)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.state in ("COMPLETED", UP_TO_DATE) and not self.failed_flows

    @property
    def skipped(self) -> bool:
        """True when no update ran because gold was already current (see :mod:`callaudit.lakehouse.freshness`)."""
        return self.state == UP_TO_DATE

    @property
    def failed_flows(self) -> list[str]:
        return [f.name for f in self.flows.values() if f.state in ("FAILED", "SKIPPED", "CANCELED")]

    @property
    def seconds(self) -> float | None:
        return None if self.finished_at is None else self.finished_at - self.started_at

    @property
    def startup_seconds(self) -> float | None:
        """JVMs, Connect server, reading the pipeline's definitions: everything before spark-pipelines says
        "Starting run"."""
        return None if self.run_started_at is None else self.run_started_at - self.started_at

    @property
    def setup_seconds(self) -> float | None:
        """From "Starting run" to the first flow: spark-pipelines resolves the graph and sets up every table it will
        refresh (one catalog load and a metadata commit per table, a TRUNCATE per materialized view) — a cost per
        table, whatever the data."""
        if self.run_started_at is None or self.flows_started_at is None:
            return None
        return self.flows_started_at - self.run_started_at

    @property
    def flow_seconds(self) -> float | None:
        """From the first flow event to the end of the run: the flows themselves."""
        if self.flows_started_at is None or self.finished_at is None:
            return None
        return self.finished_at - self.flows_started_at

    def phases(self) -> str:
        """"start-up 15.9s, graph and table set-up 31.0s (33 tables), flows 51.0s" (the phases known so far)."""
        parts = []
        if self.startup_seconds is not None:
            parts.append(f"start-up {self.startup_seconds:.1f}s")
        if self.setup_seconds is not None:
            parts.append(f"graph and table set-up {self.setup_seconds:.1f}s ({len(self.flows)} tables)")
        if self.flow_seconds is not None:
            parts.append(f"flows {self.flow_seconds:.1f}s")
        return ", ".join(parts)

    def observe(self, line: str, now: float) -> tuple[str, str] | None:
        """Read one line of spark-pipelines' output (seen at ``now``): update the run, return the event it is
        (("setup", "") when the update begins setting up its tables, ("flow", name), ("run", state)) or None."""
        if m := _FLOW_RE.match(line):
            name, state = short_name(m["flow"]), m["state"]
            flow = self.flows.setdefault(name, FlowStatus(name))
            flow.state = state
            if state in ("STARTING", "RUNNING") and flow.started is None:
                flow.started = now
            if state in ("COMPLETED", "FAILED", "SKIPPED", "CANCELED", "EXCLUDED"):
                flow.finished = now
                flow.started = flow.started or now
            if self.run_started_at is None:
                self.run_started_at = now
            if self.flows_started_at is None:
                self.flows_started_at = now
            return "flow", name
        if m := _RUN_RE.match(line):
            self.state = m["state"]
            return "run", m["state"]
        if _START_RE.match(line):
            self.run_started_at = self.run_started_at or now
            return "setup", ""
        if ((m := _ERROR_RE.search(line)) and "INVALID_HANDLE.SESSION_CLOSED" not in line
              and len(self.errors) < 20):
            self.errors.append(m.group(0)[:500])
        return None

    def summary(self) -> str:
        if self.skipped:
            return f"pipeline {UP_TO_DATE}: {self.note} — nothing to do (--force runs it anyway)"
        lines = [f"pipeline {self.state or 'UNKNOWN'} in {self.seconds or 0:.1f}s "
                 f"({self.phases() or 'start-up 0.0s'}), log: {self.log_path}"]
        if self.refreshed:
            lines.append(f"  refreshed {len(self.refreshed)} tables only" + (f": {self.note}" if self.note else ""))
        for flow in self.flows.values():
            secs = f"{flow.seconds:.1f}s" if flow.seconds is not None else "-"
            lines.append(f"  {flow.name:<40} {flow.state:<10} {secs}")
        lines.extend(f"  error: {e}" for e in self.errors[:5])
        return "\n".join(lines)


def short_name(flow: str) -> str:
    return flow.rsplit(".", 1)[-1]


def render_spec(settings: Settings) -> Path:
    """The checked-in spec with paths resolved for this machine, written next to the generated Spark conf."""
    spec = yaml.safe_load(SPEC_TEMPLATE.read_text())
    conf_dir = settings.spark_conf_dir
    conf_dir.mkdir(parents=True, exist_ok=True)
    # Globs are resolved relative to the spec file and must be relative (pyspark rejects absolute patterns).
    rel = os.path.relpath(PROJECT_ROOT / "pipelines", conf_dir)
    spec["libraries"] = [{"glob": {"include": f"{rel}/**"}}]
    spec["storage"] = settings.pipeline_storage.resolve().as_uri()
    configuration = dict(spec.get("configuration") or {})
    configuration.update(pipeline_configuration(settings))
    spec["configuration"] = configuration
    path = conf_dir / "spark-pipeline.yml"
    path.write_text("# Generated by `callaudit pipeline run` from spark-pipeline.yml\n" + yaml.safe_dump(spec, sort_keys=False))
    return path


def pipeline_configuration(settings: Settings) -> dict[str, str]:
    """The ``callaudit.*`` keys the dataset code reads with ``spark.conf.get`` (docs/CONTRACTS.md section 4)."""
    extra = {}
    if os.environ.get("CALLAUDIT_REFERENCE_DIR"):  # the evaluation harness's perfect recogniser (engine=reference)
        extra["callaudit.transcription.reference_dir"] = os.environ["CALLAUDIT_REFERENCE_DIR"]
    return {
        **extra,
        "callaudit.platform": "local",
        "callaudit.landing_path": str(settings.landing.resolve()),
        "callaudit.transcription.engine": settings.transcription_engine,
        "callaudit.transcription.model_dir": os.environ.get("CALLAUDIT_WHISPER_MODEL_DIR", ""),
        "callaudit.transcription.hotwords": os.environ.get("CALLAUDIT_HOTWORDS", "scorecard"),
        "callaudit.agent_channel": str(settings.agent_channel or ""),
        "callaudit.scorecard_path": str(settings.scorecard_path),
    }


def ensure_landing_layout(settings: Settings) -> None:
    """Streaming file sources need their folders to exist before the first file arrives."""
    for sub in LANDING_DIRS:
        (settings.landing / sub).mkdir(parents=True, exist_ok=True)


# ``spark-pipelines --remote local[N]`` starts a Spark Connect server on the fixed port 15002 and its client connects
# to exactly that port (pyspark only picks an ephemeral port under SPARK_TESTING, which also changes JVM behaviour).
# Two runs on one machine — even for different lakehouses — would collide with a BindException, so runs take turns
# through a machine-wide lock: a second run waits and says so instead of failing.
CONNECT_PORT = 15002
PORT_FREE_TIMEOUT_S = 60.0


def _port_listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


class ConnectPortLock:
    """Machine-wide turn for the Spark Connect port (an ``flock``; released by the OS if we die)."""

    def __init__(self, port: int = CONNECT_PORT):
        self.port = port
        self.path = Path(tempfile.gettempdir()) / f"callaudit-spark-connect-{port}.lock"
        self._fh = None

    def acquire(self, say=lambda msg: print(msg, file=sys.stderr)) -> None:
        self._fh = self.path.open("a+")
        try:
            fcntl.flock(self._fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"another pipeline run on this machine is using the Spark Connect port {self.port}; "
                "waiting for it to finish...")
            fcntl.flock(self._fh, fcntl.LOCK_EX)
        deadline = time.monotonic() + PORT_FREE_TIMEOUT_S
        while _port_listening(self.port):  # a run that just ended may still be closing its server
            if time.monotonic() > deadline:
                self.release()
                raise UserError(
                    f"port {self.port} is in use by another program (a Spark Connect server not started by "
                    "callaudit?)",
                    hint=f"spark-pipelines needs port {self.port}: stop that server (e.g. `ss -ltnp | grep "
                         f"{self.port}` shows who holds it) and run again",
                )
            time.sleep(0.5)

    def release(self) -> None:
        if self._fh is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None


def pipeline_cores(cores: int | None = None) -> int:
    """Local task slots for a pipeline's Spark: ``cores``, else CALLAUDIT_PIPELINE_CORES, else 2."""
    return cores or int(os.environ.get("CALLAUDIT_PIPELINE_CORES", "2"))


class _Held:
    """The port lock of a run on a shared server: its server holds the real one."""

    def acquire(self) -> None:
        pass

    def release(self) -> None:
        pass


def clear_interrupted_checkpoint_writes(settings: Settings) -> list[Path]:
    """Remove what a killed run left half-written in the streaming checkpoints, before the next run starts.

    Spark writes a checkpoint file (an offsets or commits log entry) as ``.<name>.<uuid>.tmp`` and renames it
    when complete, so such a file is never data. A process killed between the two leaves it behind, and on the
    rerun a stream that had committed nothing refuses to start (``STATE_STORE_CHECKPOINT_LOCATION_NOT_EMPTY``:
    the offsets folder "should be empty on batch 0") — the crash-and-rerun test hit it when the kill landed during
    the first offset write. Runs take turns (the port lock), so nothing else is writing these files now.
    """
    removed = []
    root = settings.pipeline_storage
    if root.is_dir():
        for path in root.rglob(".*.tmp*"):
            if path.is_file() and (path.name.endswith(".tmp") or path.name.endswith(".tmp.crc")):
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


class PipelineProcess:
    """A running ``spark-pipelines`` process whose events can be followed (and which tests can kill)."""

    def __init__(self, settings: Settings | None = None, *, full_refresh: bool | list[str] = False,
                 refresh: list[str] | None = None, dry_run: bool = False, cores: int | None = None,
                 extra_env: dict[str, str] | None = None, host=None):
        """``host``: a :class:`~callaudit.lakehouse.connect_host.SharedSpark` whose server runs the update
        (started if it is not yet) instead of a server of spark-pipelines' own."""
        self.settings = settings or load_settings()
        cores = pipeline_cores(cores)
        # a shared server is started first: it creates the metastore itself, without a JVM of its own for that
        remote = host.remote if host is not None else f"local[{cores}]"
        prepare_conf_dir(self.settings)
        bootstrap_metastore(self.settings)
        ensure_landing_layout(self.settings)
        spec = render_spec(self.settings)
        cmd = ["spark-pipelines", "--remote", remote, "dry-run" if dry_run else "run", "--spec", str(spec)]
        if full_refresh is True:
            cmd.append("--full-refresh-all")
        elif full_refresh:
            cmd += ["--full-refresh", ",".join(full_refresh)]
        if refresh:
            cmd += ["--refresh", ",".join(refresh)]
        env = spark_env(self.settings)
        env.update(extra_env or {})
        if host is not None:
            env.update(host.client_env())
        self.settings.logs.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S")
        self.result = PipelineRun(log_path=self.settings.logs / f"pipeline-{stamp}-{os.getpid()}.log")
        self._log = self.result.log_path.open("w")
        self._log.write("$ " + " ".join(cmd) + "\n")
        # a shared server holds the port (and its lock) already; otherwise spark-pipelines will start one on it
        self._port_lock = ConnectPortLock() if host is None else _Held()
        self._port_lock.acquire()
        leftovers = clear_interrupted_checkpoint_writes(self.settings)  # under the lock: no run is writing them
        if leftovers:
            self._log.write(f"removed {len(leftovers)} half-written checkpoint file(s) left by an interrupted run: "
                            + ", ".join(str(p.relative_to(self.settings.pipeline_storage)) for p in leftovers) + "\n")
        try:
            self.proc = subprocess.Popen(cmd, env=env, cwd=self.settings.home, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, text=True, bufsize=1, start_new_session=True)
        except BaseException:
            self._port_lock.release()
            raise

    def events(self) -> Iterator[tuple[str, str]]:
        """Yield ("setup", "") / ("flow", name) / ("run", state) as they happen; log every line."""
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._log.write(line)
            event = self.result.observe(line.rstrip("\n"), time.time())
            if event is not None:
                yield event

    def wait(self, timeout: float | None = None) -> PipelineRun:
        for _ in self.events():
            pass
        self.result.returncode = self.proc.wait(timeout=timeout)
        self._port_lock.release()
        self.result.finished_at = time.time()
        self._log.close()
        if self.result.state is None and self.result.returncode == 0 and self.result.flows:
            self.result.state = "COMPLETED"
        return self.result

    def kill(self) -> None:
        """Kill the whole process group (both JVMs and the Python driver) — used by crash tests."""
        import signal

        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self._port_lock.release()
        self.result.returncode = self.proc.returncode
        self.result.finished_at = time.time()
        self.result.state = "KILLED"
        if not self._log.closed:
            self._log.close()


def run_pipeline(settings: Settings | None = None, *, full_refresh: bool | list[str] = False,
                 refresh: list[str] | None = None, dry_run: bool = False, progress: bool = True,
                 cores: int | None = None, skip_if_current: bool = False, host=None) -> PipelineRun:
    """Run the pipeline to completion and return what happened (never raises for a failed run).

    ``host``: a :class:`~callaudit.lakehouse.connect_host.SharedSpark` to run the update on (its server is only
    started when the update really runs), so that the command's later Spark steps reuse the same warm JVM.

    ``skip_if_current``: when nothing the pipeline reads changed since the last completed update (landing files,
    code and rules, settings, tables — :mod:`callaudit.lakehouse.freshness`), return an ``UP_TO_DATE`` result
    without starting Spark; when only files in some landing folders are new, refresh only the datasets that read
    them (and record the update as complete: the others would recompute the same rows). Full refreshes,
    ``refresh`` of chosen tables and dry runs always run.
    """
    from callaudit.lakehouse import freshness

    settings = settings or load_settings()
    whole_update = not (full_refresh or refresh or dry_run)
    recorded = not (dry_run or refresh)  # an update whose completion brings all of gold up to date
    configuration = pipeline_configuration(settings)
    why = ""
    started = None  # what this update will read
    if skip_if_current and whole_update:
        state = freshness.check(settings, configuration)
        if state.current:
            now = time.time()
            return PipelineRun(returncode=0, state=UP_TO_DATE, started_at=now, finished_at=time.time(),
                               note=state.reason)
        why, started = state.reason, state.inputs
        if state.refresh:
            refresh = state.refresh  # everything that can change: recorded like a whole update
    if not dry_run:
        freshness.forget(settings)  # until this update completes, gold is not known to be current
    if started is None and recorded:  # only an update that will be recorded needs it
        started = freshness.fingerprint(settings, configuration)
    proc = PipelineProcess(settings, full_refresh=full_refresh, refresh=refresh, dry_run=dry_run, cores=cores,
                           host=host)
    result = _follow(proc, progress)
    result.note = why
    result.refreshed = list(refresh) if refresh else None
    if result.ok and recorded:
        freshness.record(settings, configuration, started)
    return result


def _follow(proc: PipelineProcess, progress: bool) -> PipelineRun:
    if not progress:
        return proc.wait()
    from rich.console import Console

    console = Console(stderr=True)
    with console.status("spark-pipelines: starting Spark (JVM + Connect server)...") as status:
        for kind, value in proc.events():
            if kind == "setup":  # tens of seconds with no flow yet: say what is happening
                status.update("spark-pipelines: setting up the tables to refresh, one after another "
                              "(each materialized view is truncated before its flow rewrites it)...")
            if kind == "flow":
                flows = proc.result.flows.values()
                done = sum(f.state in ("COMPLETED", "FAILED", "SKIPPED", "EXCLUDED") for f in flows)
                running = [f.name for f in flows if f.state in ("STARTING", "RUNNING", "PLANNING")]
                status.update(f"spark-pipelines: {done}/{len(proc.result.flows)} flows done"
                              + (f" — running {', '.join(running)}" if running else ""))
                flow = proc.result.flows[value]
                if flow.state in ("COMPLETED", "FAILED", "SKIPPED"):
                    mark = {"COMPLETED": "[green]✓[/]", "FAILED": "[red]✗[/]", "SKIPPED": "[yellow]-[/]"}[flow.state]
                    secs = f"{flow.seconds:.1f}s" if flow.seconds is not None else ""
                    console.print(f"  {mark} {flow.name} {secs}")
    return proc.wait()


# ---- watch: a near-real-time loop over triggered updates --------------------------------------------------------
WATCH_JOURNAL = "watch.jsonl"


def watch_pipeline(settings: Settings | None = None, *, interval: float = 10.0, cores: int | None = None,
                   progress: bool = True, max_updates: int | None = None, stop: threading.Event | None = None,
                   on_update: Callable[[PipelineRun], None] | None = None,
                   failure_backoff: float = 60.0, maintain_every: float | None = None,
                   maintain: Callable[[], None] | None = None) -> list[PipelineRun]:
    """Run an update whenever what the pipeline reads changes (checked every ``interval`` seconds), until
    ``stop`` is set or ``max_updates`` updates ran.

    Open-source ``spark-pipelines`` has no continuous mode (its CLI runs one triggered update: ``run`` or
    ``dry-run``), so this is the local stand-in for a workspace's ``continuous: true`` pipeline: each update is a
    triggered one that processes everything landed when it started (~20 s of start-up each); files that land
    meanwhile make the next check run the next update. A failed update is retried after ``failure_backoff``
    seconds. Every update is a line in ``logs/watch.jsonl`` (start, end, state, the tables it refreshed when not all).

    Every ``maintain_every`` seconds (None or 0: never), after an update that completed, ``maintain()`` runs
    (``callaudit pipeline run --watch`` passes table maintenance, daily: what a workspace does for its pipeline
    tables, so a long watch does not leave thousands of small and unread files). It must not raise: the loop
    keeps auditing calls whatever it does.
    """
    import json

    settings = settings or load_settings()
    stop = stop or threading.Event()
    journal = settings.logs / WATCH_JOURNAL
    journal.parent.mkdir(parents=True, exist_ok=True)
    runs: list[PipelineRun] = []
    clock = Every(maintain_every if maintain is not None else None)
    while not stop.is_set():
        result = run_pipeline(settings, skip_if_current=True, cores=cores, progress=progress)
        wait_for = interval
        if not result.skipped:
            runs.append(result)
            with open(journal, "a", encoding="utf-8") as out:
                out.write(json.dumps({"started_at": result.started_at, "run_started_at": result.run_started_at,
                                      "flows_started_at": result.flows_started_at,
                                      "finished_at": result.finished_at, "state": result.state, "ok": result.ok,
                                      "note": result.note, "refreshed": result.refreshed,
                                      "log": str(result.log_path or "")}) + "\n")
            if on_update is not None:
                on_update(result)
            if not result.ok:
                wait_for = max(interval, failure_backoff)
            if max_updates is not None and len(runs) >= max_updates:
                break
        if result.ok and clock.due():
            maintain()
            clock.done()
        stop.wait(wait_for)
    return runs


class Every:
    """A period in a long-running loop: due every ``seconds`` after the loop's start, never when None or 0."""

    def __init__(self, seconds: float | None, now: Callable[[], float] = time.monotonic):
        self.seconds, self._now = seconds, now
        self._last = now()

    def due(self) -> bool:
        return bool(self.seconds) and self._now() - self._last >= self.seconds

    def done(self) -> None:
        self._last = self._now()


def read_watch_journal(settings: Settings) -> list[dict]:
    import json

    path = settings.logs / WATCH_JOURNAL
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
