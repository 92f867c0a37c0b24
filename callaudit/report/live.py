"""``callaudit report --serve``: the report as a live view for supervisors.

One Spark session for the life of the server (the ~20 s start-up is paid once). A background loop rebuilds the
report whenever the gold audits table changed (its Delta log gained a commit) and at least every ``refresh``
seconds for the "last hour" window to move on; the page carries ``<meta http-equiv="refresh">`` so an open
browser tab reloads itself. The server answers ``GET /`` with the latest complete file (written atomically), with
the report's own Content-Security-Policy; nothing else is served.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from callaudit.config import Settings

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def gold_version(settings: Settings) -> str:
    """A cheap token that changes when the audits table gets a new commit (no Spark needed)."""
    log = settings.table_path("twilio_call_audits") / "_delta_log"
    try:
        commits = sorted(p.name for p in log.glob("*.json"))
    except OSError:
        return ""
    return commits[-1] if commits else ""


class LiveReport:
    def __init__(self, settings: Settings, target: Path, *, refresh: int, days: int, spark=None,
                 echo: Callable[[str], None] = print):
        self.settings, self.target, self.refresh, self.days = settings, Path(target), refresh, days
        self.spark = spark
        self.echo = echo
        self.version = None
        self.built_at = 0.0
        self.builds = 0
        self.stop = threading.Event()
        self.ready = threading.Event()

    def build_if_due(self) -> bool:
        from callaudit.report import build_report

        version = gold_version(self.settings)
        due = version != self.version or time.time() - self.built_at >= self.refresh
        if not due:
            return False
        if self.spark is None:
            from callaudit.lakehouse.runtime import local_session

            self.spark = local_session(self.settings, app_name="callaudit-report-live")
        build_report(self.settings, self.target, days=self.days, spark=self.spark, live_refresh=self.refresh)
        self.version, self.built_at = version, time.time()
        self.builds += 1
        self.ready.set()
        self.echo(f"{time.strftime('%H:%M:%S')} report rebuilt ({'new audits' if self.builds > 1 else 'first build'})")
        return True

    def loop(self) -> None:
        while not self.stop.is_set():
            try:
                self.build_if_due()
            except Exception as exc:  # a failed rebuild keeps serving the last good page
                self.echo(f"report rebuild failed: {exc}")
            self.stop.wait(min(5.0, self.refresh))


class _Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - base-class signature
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        live: LiveReport = self.server.live  # type: ignore[attr-defined]
        if self.path.split("?", 1)[0] not in ("/", "/index.html"):
            self.send_error(404, "only / is served")
            return
        if not live.ready.wait(timeout=120) or not live.target.is_file():
            self.send_error(503, "the report is being built; reload in a few seconds")
            return
        body = live.target.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        self.wfile.write(body)


def start_live_report(settings: Settings, target: Path, *, host: str = "127.0.0.1", port: int = 8790,
                      refresh: int = 60, days: int = 30, spark=None,
                      echo: Callable[[str], None] = print) -> tuple[ThreadingHTTPServer, LiveReport]:
    live = LiveReport(settings, target, refresh=refresh, days=days, spark=spark, echo=echo)
    server = ThreadingHTTPServer((host, port), _Handler)
    server.daemon_threads = True
    server.live = live  # type: ignore[attr-defined]
    threading.Thread(target=live.loop, name="report-rebuild", daemon=True).start()
    threading.Thread(target=server.serve_forever, name="report-http", daemon=True).start()
    return server, live


def serve_report(settings: Settings, target: Path, *, host: str, port: int, refresh: int, days: int,
                 echo: Callable[[str], None] = print) -> None:
    server, live = start_live_report(settings, target, host=host, port=port, refresh=refresh, days=days, echo=echo)
    echo(f"live report on http://{host}:{server.server_address[1]}/ (rebuilt when gold changes, reloads every "
         f"{refresh} s; Ctrl-C stops)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        echo("stopping")
    finally:
        live.stop.set()
        server.shutdown()
        server.server_close()
