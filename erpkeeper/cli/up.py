"""``erpkeeper up``: prepare everything on first start, then run console, worker and scheduler.

The first start migrates, builds the demo Tryton ERP when no target exists, registers it and
creates an administrator whose one-time password is printed once. Later starts reuse all of it.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.utils.translation import gettext as _
from waitress import create_server

from erpkeeper.accounts import services as accounts
from erpkeeper.accounts.roles import Role
from erpkeeper.backups.services.requests import request_backup, request_offpeak
from erpkeeper.demo import build_demo
from erpkeeper.demo import training as demo_training
from erpkeeper.demo.assets import ensure_demo_assets
from erpkeeper.demo.changes import ensure_demo_changes
from erpkeeper.demo.teams import ensure_demo_teams
from erpkeeper.demo.tickets import DAYS as DEMO_TICKET_DAYS
from erpkeeper.demo.tickets import ensure_demo_tickets
from erpkeeper.governance.compliance import services as compliance
from erpkeeper.governance.compliance.models import Assessment
from erpkeeper.lib.cli import EXIT_FAILED, EXIT_USAGE, CommandError
from erpkeeper.lib.progress import Progress
from erpkeeper.targets import services as targets
from erpkeeper.targets.models import Target

logger = logging.getLogger("erpkeeper.up")

DEMO_TARGET_NAME = "demo-tryton"
ADMIN_USERNAME = "admin"


def register(sub) -> None:
    up = sub.add_parser(
        "up", help="set up on first start, then run the console, worker and scheduler"
    )
    up.add_argument("--host", default=settings.LISTEN_HOST, help="default: $ERPKEEPER_HOST")
    up.add_argument(
        "--port", type=int, default=settings.LISTEN_PORT, help="default: $ERPKEEPER_PORT or 8000"
    )
    up.add_argument("--no-demo", action="store_true", help="do not build the demo Tryton ERP")
    up.add_argument("--no-worker", action="store_true", help="run the console only")
    up.add_argument("--threads", type=int, default=8, help="web server threads")
    up.set_defaults(handler=handle_up)


def handle_up(args) -> int:
    say(f"ERPKeeper · home {settings.HOME}")
    ensure_port_free(args.host, args.port)
    migrate()
    if not args.no_demo:
        ensure_demo_target()
        ensure_demo_desk()
        ensure_demo_assets_said()
        if ensure_demo_teams():
            say("✓ demo teams: ERP operations (weekly on-call rota) and Service desk, RACI")
        ensure_demo_training()
        ensure_demo_changes_said()
        ensure_compliance_library()
    ensure_administrator()
    worker = None if args.no_worker else start_worker()
    try:
        serve(args.host, args.port, args.threads, worker)
    finally:
        stop(worker)
    return 0


def say(message: str) -> None:
    print(message, flush=True)


def ensure_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CommandError(
                f"cannot listen on {host}:{port} ({exc.strerror}); is ERPKeeper already running? "
                "Choose another port with ERPKEEPER_PORT=8001 make up",
                EXIT_USAGE,
                "port_in_use",
            ) from None


def migrate() -> None:
    call_command("migrate", interactive=False, verbosity=0)
    say("✓ platform database ready")


def ensure_demo_target() -> None:
    if Target.objects.exists():
        say(f"✓ {Target.objects.count()} target(s) under care")
        return
    path = Path(settings.HOME) / "demo-erp" / "demo.sqlite"
    url = f"sqlite://{path}"
    if not path.exists():
        build_demo_with_progress(url)
    target = targets.add_target(
        name=DEMO_TARGET_NAME,
        database_url=url,
        environment="test",
        host_name=socket.gethostname(),
        description="Demo Tryton ERP built by ERPKeeper on first start.",
        windows=["sun 02:00 4h " + settings.TIME_ZONE],
    )
    say(f"✓ demo Tryton ERP registered as target {target.name!r} ({path})")
    password_file = path.parent / "admin-password"
    if password_file.exists():
        say(f"  its Tryton 'admin' password is in {password_file}")
    queue_first_protection(target)


def ensure_demo_desk() -> None:
    """A service desk with a history, so that its pages and reports show something."""
    made = ensure_demo_tickets()
    if made:
        say(f"✓ demo service desk: {made} tickets of the past {DEMO_TICKET_DAYS} days")


def ensure_demo_assets_said() -> None:
    """The demo ERP's host and a few other assets, some with warranties ending soon."""
    made = ensure_demo_assets()
    if made:
        say(f"✓ demo assets: {made}, with warranty notices and a replacement proposal")


def ensure_demo_training() -> None:
    """Two courses from demo articles, one assigned to the demo ERP's Accounting group."""
    made = demo_training.ensure_demo_training()
    if made.get("courses") or made.get("learners"):
        say(
            f"✓ demo training: {made.get('courses', 0)} courses, {made.get('learners', 0)} "
            f"learners from the ERP's Accounting group ({made.get('not_mapped', 0)} not mapped)"
        )


def ensure_demo_changes_said() -> None:
    """Past and upcoming changes and blackout windows, for the calendar and the metrics."""
    made = ensure_demo_changes()
    if made:
        say(f"✓ demo changes: {made} change requests, the Spring Festival and month-end freezes")


def ensure_compliance_library() -> None:
    """The shipped framework libraries and builtin controls (new versions applied), and a
    first assessment when there is none, so the compliance pages show readiness at once."""
    loaded = [r for r in compliance.load_builtin() if r.outcome != compliance.Outcome.UNCHANGED]
    compliance.load_builtin_controls()
    if loaded:
        say(f"✓ compliance: {len(loaded)} framework libraries loaded or updated")
    if not Assessment.objects.exists():
        compliance.request_assessment()
        say("✓ first compliance assessment queued")


def queue_first_protection(target) -> None:
    """A new install shows a protected ERP at once: its off-peak hour, a first backup and,
    after it, a first recovery drill (the worker runs them in the background)."""
    request_offpeak(target, note="first start")
    request_backup(target, then_drill=True, note="first start")
    say("✓ first backup and recovery drill queued (see Jobs in the console)")


def build_demo_with_progress(url: str) -> None:
    say("Building the demo Tryton ERP (first start only, about a minute)…")
    bar = Progress()
    try:
        folder = Path(url.removeprefix("sqlite://")).parent
        build_demo(
            url,
            size="small",
            seed=1,
            progress=bar.update,
            # Kept (mode 0600) so the operator can sign in to the demo Tryton itself.
            password_file=folder / "admin-password",
        )
    except Exception as exc:  # the builder reports one line; keep start-up free of tracebacks
        raise CommandError(f"could not build the demo ERP: {exc}", EXIT_FAILED) from None
    finally:
        bar.close()


def ensure_administrator() -> None:
    users = get_user_model().objects
    if (
        users.filter(is_superuser=True).exists()
        or users.filter(groups__name=Role.ADMINISTRATOR).exists()
    ):
        return
    user, password = accounts.create_user(ADMIN_USERNAME, email="", role=Role.ADMINISTRATOR)
    say("")
    say("  Administrator account created (this password is shown once; store it now):")
    say(f"    user:     {user.get_username()}")
    say(f"    password: {password}")
    say("  At the first sign-in, choose your own password, then set up two-factor")
    say("  authentication with an authenticator app on your phone.")
    say("")


def start_worker() -> WorkerSupervisor:
    supervisor = WorkerSupervisor()
    supervisor.start()
    return supervisor


class WorkerSupervisor:
    """Keeps ``erpkeeper worker`` running: a worker that dies (killed, out of memory, a crash)
    is started again after 1 s, then 2, 4 … up to 60 s while it keeps dying; a worker that ran
    for a minute starts the count again. Without it the console went on, green, while nothing
    was backed up, collected, evaluated or sent.

    A child process, not a thread: a job that crashes or hangs never takes the console down.
    """

    FIRST_DELAY = 1.0
    MAX_DELAY = 60.0
    STABLE_SECONDS = 60.0

    def __init__(self, command: list[str] | None = None):
        self.command = command or [sys.executable, "-m", "erpkeeper", "worker"]
        self.process: subprocess.Popen | None = None
        self.stopping = threading.Event()
        self.lock = threading.Lock()  # stop() and a restart never cross
        self.restarts = 0
        self.thread = threading.Thread(target=self.watch, daemon=True, name="worker-watch")

    def start(self) -> None:
        self.spawn()
        self.thread.start()

    def spawn(self) -> None:
        with self.lock:
            if not self.stopping.is_set():
                self.process = subprocess.Popen(self.command, start_new_session=True)

    def watch(self) -> None:
        delay = self.FIRST_DELAY
        while not self.stopping.is_set():
            started = time.monotonic()
            code = self.process.wait()
            if self.stopping.is_set():
                return
            if time.monotonic() - started >= self.STABLE_SECONDS:
                delay = self.FIRST_DELAY
            message = _(
                "the job worker stopped unexpectedly (exit %(code)s); restarting it in %(delay)d s"
            )
            warn(message % {"code": code, "delay": delay})
            if self.stopping.wait(delay):
                return
            self.spawn()
            self.restarts += 1
            warn(_("job worker restarted (pid %(pid)s)") % {"pid": self.process.pid})
            delay = min(delay * 2, self.MAX_DELAY)

    def poll(self):
        return None if self.process is None else self.process.poll()

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM to the worker's process group, SIGKILL after ``timeout``."""
        with self.lock:
            self.stopping.set()
            process = self.process
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        say("✓ stopped")


def warn(message: str) -> None:
    """A warning in the log (stderr, with a timestamp): someone should look at why it died."""
    logger.warning("%s", message)


def serve(host: str, port: int, threads: int, worker) -> None:
    server = create_server(
        get_wsgi_application(), host=host, port=port, threads=threads, ident="ERPKeeper"
    )
    say(f"✓ console on http://{host}:{port}/  ·  API http://{host}:{port}/api/v1/  ·  Ctrl-C stops")

    def shutdown(signum, frame):
        raise KeyboardInterrupt

    # Installed explicitly: a shell that starts us in the background may have ignored SIGINT.
    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    try:
        server.run()
    except KeyboardInterrupt:
        say("\nstopping…")
    finally:
        server.close()


def stop(worker: WorkerSupervisor | None) -> None:
    if worker is not None:
        worker.stop()
