"""The embedded local Doccano server: installed once per user, run per workspace on 127.0.0.1.

Doccano lives in its own virtual environment, since its dependencies clash with ours: one for all
workspaces, outside the package (which may sit read-only in site-packages): ``$NEWSCORPUS_DOCCANO_VENV``,
else a folder named after the server's requirements in the user's data folder
(``~/.local/share/newscorpus/`` on Linux). Each workspace keeps its own database, media, logs, pid
files and admin credentials in ``annotations/doccano/``. We run Doccano's gunicorn and celery worker
ourselves rather than ``doccano webserver``, which would listen on every interface. The task queue's
broker is a SQLite file beside the database (kombu's SQLAlchemy transport), so neither Redis nor
RabbitMQ is needed.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs
import requests

from pipeline.errors import DoccanoInstallError, DoccanoServerError, PortInUseError
from pipeline.review.doccano.credentials import (
    CREDENTIALS_FILENAME,
    ServerCredentials,
    read_credentials,
    state_dir,
    write_credentials,
)
from pipeline.util.fs import write_text_atomic
from pipeline.util.progress import progress_bar
from pipeline.workspace import Workspace

logger = logging.getLogger(__name__)

SERVER_SPEC = ("doccano==1.8.4", "marshmallow<4", "numpy<2")
VENV_ENV = "NEWSCORPUS_DOCCANO_VENV"  # where the server's virtual environment goes, instead of the default
ADMIN_USERNAME = "admin"
HOST = "127.0.0.1"
PROCESSES = ("web", "worker")
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0
WEB_WORKERS = 2

_STAMP = ".newscorpus-installed"
_BOOTSTRAP = Path(__file__).with_name("_bootstrap.py")
_BROKER = Path(__file__).with_name("_broker.py")
_WORKER_RACE = "UNIQUE constraint failed: kombu_queue"
_HEALTH_PATH = "/v1/health/"  # Doccano's django-health-check: database, storage, migrations, a celery round trip
_ME_PATH = "/v1/me"
_LOG_NAMES = {"web": "server.log", "worker": "worker.log"}
_NOT_PASSED_ON = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV")

# The processes this Python process started, so that a later server_down here can reap them.
_children: dict[int, subprocess.Popen] = {}


@dataclass(frozen=True)
class ServerInfo:
    url: str
    username: str
    credentials_file: Path
    pids: dict[str, int]
    state_dir: Path
    already_running: bool = False


@dataclass(frozen=True)
class ProcessStatus:
    name: str
    pid: int | None  # as recorded in its pid file, even if that process is gone
    running: bool


@dataclass(frozen=True)
class ServerStatus:
    url: str | None
    credentials_file: Path
    state_dir: Path
    processes: dict[str, ProcessStatus] = field(default_factory=dict)

    @property
    def running(self) -> bool:
        return all(process.running for process in self.processes.values())

    @property
    def pids(self) -> dict[str, int | None]:
        return {name: process.pid if process.running else None for name, process in self.processes.items()}


@dataclass(frozen=True)
class _Paths:
    """The files of one workspace's server, all in annotations/doccano/."""

    dir: Path

    @property
    def credentials(self) -> Path:
        return self.dir / CREDENTIALS_FILENAME

    @property
    def db(self) -> Path:
        return self.dir / "db.sqlite3"

    @property
    def broker(self) -> Path:
        return self.dir / "broker.sqlite3"

    @property
    def media(self) -> Path:
        return self.dir / "media"

    @property
    def secret_key(self) -> Path:
        return self.dir / "secret.key"

    @property
    def lock(self) -> Path:
        return self.dir / "server.lock"

    @property
    def initialised(self) -> Path:
        return self.dir / "initialised"

    def log(self, process: str) -> Path:
        return self.dir / _LOG_NAMES[process]

    def pidfile(self, process: str) -> Path:
        return self.dir / f"{process}.pid"


# -- the server's virtual environment ---------------------------------------------------------


def server_venv() -> Path:
    """$NEWSCORPUS_DOCCANO_VENV, else ``doccano-VERSION-HASH`` in the user's data folder.

    The name changes with SERVER_SPEC, so a newscorpus that wants other requirements installs them
    beside an older environment rather than into it (that one can be deleted).
    """
    chosen = os.environ.get(VENV_ENV)
    if chosen:
        return Path(chosen).expanduser().resolve()
    return platformdirs.user_data_path("newscorpus") / _venv_name()


def _venv_name() -> str:
    version = SERVER_SPEC[0].partition("==")[2]
    digest = hashlib.sha256("\n".join(SERVER_SPEC).encode()).hexdigest()[:8]
    return f"doccano-{version}-{digest}"


def ensure_server_venv(*, progress: bool = True) -> Path:
    """Create the server's virtual environment with Doccano in it, once; later calls only check its stamp."""
    venv = server_venv()
    if _installed(venv):
        return venv
    venv.mkdir(parents=True, exist_ok=True)
    with _locked(venv / ".newscorpus.lock"):
        if _installed(venv):  # another newscorpus installed it while we waited
            return venv
        log = venv / "newscorpus-install.log"
        with progress_bar(progress) as bar:
            task = bar.add_task(f"Creating {venv} (first run only)", total=None)
            _run_logged([sys.executable, "-m", "venv", str(venv)], log, venv)
            bar.update(task, description="Installing the Doccano server (first run only, a few minutes)")
            pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check", *SERVER_SPEC]

            def count_packages(line: str) -> None:
                if line.startswith("Collecting"):
                    bar.advance(task)

            _run_logged(pip, log, venv, on_line=count_packages)
        write_text_atomic(venv / _STAMP, "\n".join(SERVER_SPEC) + "\n")
    return venv


def _installed(venv: Path) -> bool:
    try:
        stamped = (venv / _STAMP).read_text(encoding="utf-8").split()
    except OSError:
        return False
    return stamped == list(SERVER_SPEC) and (venv / "bin" / "python").exists()  # the base Python may be gone


def _run_logged(argv: list[str], log: Path, venv: Path, on_line: Callable[[str], None] | None = None) -> None:
    """Run an install step, its output appended to ``log``; on failure, pip's last ERROR line (or last line)."""
    logger.debug("running %s", " ".join(argv))
    last = ""
    with open(log, "a", encoding="utf-8") as handle:
        process = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
        )
        for line in process.stdout:
            handle.write(line)
            line = line.strip()
            if line and (line.startswith("ERROR") or not last.startswith("ERROR")):
                last = line
            if on_line is not None:
                on_line(line)
        code = process.wait()
    if code != 0:
        raise DoccanoInstallError(
            f"installing the Doccano server into {venv} failed: {last or f'exit code {code}'} (full output: {log})"
        )


def _backend_dir(venv: Path) -> Path:
    """Doccano's Django project folder (it holds ``config``, the settings and the WSGI module)."""
    found = sorted(venv.glob("lib/python*/site-packages/backend/config/wsgi.py"))
    if not found:
        raise DoccanoServerError(
            f"{venv}: Doccano's backend is missing; delete {venv} and run 'newscorpus doccano up' again"
        )
    return found[-1].parent.parent


# -- up, down, status ------------------------------------------------------------------------


def server_up(workspace: Workspace, *, port: int | None = None, progress: bool = True) -> ServerInfo:
    """Start the workspace's Doccano (web server and task worker) on 127.0.0.1, or find it running."""
    paths = _Paths(state_dir(workspace))
    paths.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _locked(paths.lock):
        running = _running_server(paths, port)
        if running is not None:
            return running
        if _live_records(paths):
            logger.info("stopping what is left of a half-started Doccano server")
            _stop(paths)
        creds, fresh = _admin_credentials(paths)
        port = _choose_port(port, previous=_port_of(creds.url) if creds.url else None)
        url = f"http://{HOST}:{port}"
        venv = ensure_server_venv(progress=progress)
        backend = _backend_dir(venv)
        if fresh or creds.url != url:
            creds = replace(creds, url=url)
            write_credentials(paths.credentials, creds)
        env = _server_env(paths)
        with progress_bar(progress) as bar:
            task = bar.add_task("Starting Doccano", total=3)
            if fresh or not _initialised(paths):
                bar.update(task, description="Setting up Doccano's database")
                _initialise(venv, backend, env, paths, creds)
            bar.update(task, advance=1, description=f"Starting Doccano at {url}")
            _create_broker_queue(venv, backend, env, paths)
            try:
                pids = _start(venv, backend, env, paths, port)
                bar.advance(task)
                _wait_until_ready(url, paths)
            except DoccanoServerError:
                if not _worker_lost_the_race(paths):
                    _stop(paths)
                    raise
                logger.info("the Doccano task worker stopped on a broker race while starting; starting it again")
                try:
                    pids.update(_start(venv, backend, env, paths, port, only=("worker",)))
                    _wait_until_ready(url, paths)
                except BaseException:
                    _stop(paths)
                    raise
            except BaseException:
                _stop(paths)
                raise
            bar.advance(task)
    return ServerInfo(url, creds.username, paths.credentials, pids, paths.dir)


def server_down(workspace: Workspace) -> list[int]:
    """Stop the processes ``server_up`` started for this workspace; return their pids (none: nothing ran)."""
    paths = _Paths(state_dir(workspace))
    if not paths.dir.is_dir():
        return []
    with _locked(paths.lock):
        return _stop(paths)


def server_status(workspace: Workspace) -> ServerStatus:
    paths = _Paths(state_dir(workspace))
    processes = {}
    for name in PROCESSES:
        record = _read_pidfile(paths.pidfile(name))
        processes[name] = ProcessStatus(name, record["pid"] if record else None, bool(record and _is_ours(record)))
    creds = _local_credentials(paths)
    return ServerStatus(creds.url if creds else None, paths.credentials, paths.dir, processes)


def _running_server(paths: _Paths, port: int | None) -> ServerInfo | None:
    records = _live_records(paths)
    creds = _local_credentials(paths)
    if set(records) != set(PROCESSES) or creds is None or not _web_answers(creds.url):
        return None
    if port is not None and port != _port_of(creds.url):
        raise DoccanoServerError(
            f"Doccano is already running at {creds.url}; stop it with 'newscorpus doccano down' "
            f"to move it to port {port}"
        )
    pids = {name: record["pid"] for name, record in records.items()}
    return ServerInfo(creds.url, creds.username, paths.credentials, pids, paths.dir, already_running=True)


def _local_credentials(paths: _Paths) -> ServerCredentials | None:
    """The workspace's credentials file, or None if there is none (a bad one is still an error)."""
    if not paths.credentials.exists():
        return None
    return read_credentials(paths.credentials)


def _admin_credentials(paths: _Paths) -> tuple[ServerCredentials, bool]:
    existing = _local_credentials(paths)
    if existing is not None:
        return existing, False
    return ServerCredentials("", ADMIN_USERNAME, secrets.token_urlsafe(24)), True


def _choose_port(requested: int | None, *, previous: int | None) -> int:
    if requested is not None:
        if not _port_free(requested):
            raise PortInUseError(
                f"port {requested} on {HOST} is in use; choose another --port, or leave it out to get a free one"
            )
        return requested
    if previous is not None and _port_free(previous):
        return previous
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds: TIME_WAIT is no obstacle
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def _port_of(url: str) -> int | None:
    return urlsplit(url).port


# -- running Doccano ---------------------------------------------------------------------------


def _server_env(paths: _Paths) -> dict[str, str]:
    """The environment Doccano's settings read (config/settings/base.py); secrets go here, never in argv."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _NOT_PASSED_ON and not key.startswith(("DOCCANO_", "DJANGO_", "CELERY_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        STANDALONE="True",  # Doccano then serves its media files itself, as `doccano webserver` does
        DEBUG="False",
        SECRET_KEY=_secret_key(paths),
        DATABASE_URL=f"sqlite:///{paths.db}",
        CELERY_BROKER_URL=f"sqla+sqlite:///{paths.broker}",
        MEDIA_ROOT=str(paths.media),
        PYTHONUNBUFFERED="1",
    )
    return env


def _secret_key(paths: _Paths) -> str:
    if not paths.secret_key.exists():
        write_text_atomic(paths.secret_key, secrets.token_urlsafe(50), mode=0o600)
    return paths.secret_key.read_text(encoding="utf-8").strip()


def _initialised(paths: _Paths) -> bool:
    try:
        return paths.db.exists() and paths.initialised.read_text(encoding="utf-8") == _initialised_stamp()
    except OSError:
        return False


def _initialised_stamp() -> str:
    return "\n".join(SERVER_SPEC) + "\n"


def _initialise(venv: Path, backend: Path, env: dict[str, str], paths: _Paths, creds: ServerCredentials) -> None:
    """Migrations, roles and the admin account, in one process; the password goes in on stdin."""
    log = paths.log("web")
    with open(log, "ab") as handle:
        result = subprocess.run(
            [str(venv / "bin" / "python"), "-I", str(_BOOTSTRAP), creds.username],
            input=(creds.password + "\n").encode(),
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=backend,
            timeout=600,
        )
    if result.returncode != 0:
        raise DoccanoServerError(f"setting up Doccano's database {paths.db} failed; see {log}")
    write_text_atomic(paths.initialised, _initialised_stamp())


def _create_broker_queue(venv: Path, backend: Path, env: dict[str, str], paths: _Paths) -> None:
    """The broker's tables and queue, made once before either process can race to make them."""
    with open(paths.log("worker"), "ab") as handle:
        result = subprocess.run(
            [str(venv / "bin" / "python"), "-I", str(_BROKER)],
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=backend,
            timeout=120,
        )
    if result.returncode != 0:
        raise DoccanoServerError(f"setting up Doccano's task broker {paths.broker} failed; see {paths.log('worker')}")


def _worker_lost_the_race(paths: _Paths) -> bool:
    """Whether the worker is gone and its log ends in the broker's queue race."""
    record = _read_pidfile(paths.pidfile("worker"))
    if record is not None and _is_ours(record):
        return False
    try:
        with open(paths.log("worker"), "rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - 20_000))
            return _WORKER_RACE in log.read().decode("utf-8", "replace")
    except OSError:
        return False


def _start(
    venv: Path, backend: Path, env: dict[str, str], paths: _Paths, port: int, only: tuple[str, ...] = PROCESSES
) -> dict[str, int]:
    bin_dir = venv / "bin"
    commands = {
        "web": [
            str(bin_dir / "gunicorn"),
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(WEB_WORKERS),
            "--preload",
            "--timeout",
            "300",
            "--graceful-timeout",
            "10",
            "--chdir",
            str(backend),
            "config.wsgi",
        ],
        "worker": [
            str(bin_dir / "celery"),
            "--app=config",
            f"--workdir={backend}",
            "worker",
            "--loglevel=info",
            # One process, and no broadcast traffic, which the SQLite broker cannot carry anyway.
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
    }
    pids = {}
    for name, argv in commands.items():
        if name not in only:
            continue
        logger.debug("starting the Doccano %s: %s", name, " ".join(argv))
        with open(paths.log(name), "ab") as log:
            child = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=backend,
                start_new_session=True,
            )
        _children[child.pid] = child
        identity = _identity(child.pid)
        start_time = identity[0] if identity else None
        record = {"pid": child.pid, "start_time": start_time, "program": Path(argv[0]).name, "port": port}
        write_text_atomic(paths.pidfile(name), json.dumps(record) + "\n")
        pids[name] = child.pid
    return pids


def _wait_until_ready(url: str, paths: _Paths, timeout: float = READY_TIMEOUT) -> None:
    """Until the health check passes: the web server answers and the worker ran a task."""
    deadline = time.monotonic() + timeout
    answered = False
    while time.monotonic() < deadline:
        for name in PROCESSES:
            record = _read_pidfile(paths.pidfile(name))
            if record is None or not _is_ours(record):
                raise DoccanoServerError(
                    f"the Doccano {name} process stopped while starting at {url}; see {paths.log(name)}"
                )
        try:
            response = requests.get(url + _HEALTH_PATH, headers={"Accept": "application/json"}, timeout=10)
        except requests.RequestException:
            time.sleep(0.25)
            continue
        answered = True
        if response.status_code == 200:
            return
        time.sleep(0.5)
    log = paths.log("worker" if answered else "web")
    what = "its task worker is not ready" if answered else "it does not answer"
    raise DoccanoServerError(f"Doccano did not come up at {url} within {timeout:g} s ({what}); see {log}")


def _web_answers(url: str) -> bool:
    """Doccano answers an anonymous /v1/me with 401 or 403 (quick, and the worker need not be idle)."""
    try:
        return requests.get(url + _ME_PATH, timeout=5).status_code in (401, 403)
    except requests.RequestException:
        return False


# -- our processes, by pid file ----------------------------------------------------------------


def _read_pidfile(path: Path) -> dict | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        return record if isinstance(record, dict) and isinstance(record.get("pid"), int) else None
    except (OSError, ValueError):
        return None


def _identity(pid: int) -> tuple[int, list[str]] | None:
    """(start time in clock ticks since boot, argv) of a live process; None if gone or a zombie."""
    _reap(pid)
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()  # the command name in parentheses may hold spaces
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[19]), [arg.decode(errors="replace") for arg in cmdline.split(b"\0") if arg]


def _is_ours(record: dict) -> bool:
    """The pid is still the process we started: same start time, same program (pids get reused)."""
    identity = _identity(record["pid"])
    if identity is None or identity[0] != record.get("start_time"):
        return False
    return str(record.get("program")) in " ".join(identity[1])


def _live_records(paths: _Paths) -> dict[str, dict]:
    records = {name: _read_pidfile(paths.pidfile(name)) for name in PROCESSES}
    return {name: record for name, record in records.items() if record is not None and _is_ours(record)}


def _stop(paths: _Paths) -> list[int]:
    """SIGTERM each of our process groups, SIGKILL what is left after STOP_TIMEOUT; remove the pid files."""
    pids = [record["pid"] for record in _live_records(paths).values()]
    for pid in pids:
        _signal_group(pid, signal.SIGTERM)
    left = _wait_gone(pids, STOP_TIMEOUT)
    for pid in left:
        logger.warning("Doccano process group %d did not stop within %g s; killing it", pid, STOP_TIMEOUT)
        _signal_group(pid, signal.SIGKILL)
    _wait_gone(left, 5.0)
    for name in PROCESSES:
        paths.pidfile(name).unlink(missing_ok=True)
    return pids


def _signal_group(pid: int, signum: int) -> None:
    # Started with start_new_session, so each process leads its own group (gunicorn's workers are in it).
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signum)


def _wait_gone(pgids: list[int], timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    while True:
        alive = [pgid for pgid in pgids if _group_alive(pgid)]
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.1)


def _group_alive(pgid: int) -> bool:
    _reap(pgid)
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _reap(pid: int) -> None:
    child = _children.get(pid)
    if child is not None and child.poll() is not None:
        del _children[pid]


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One ``up`` or ``down`` at a time per workspace (and one install per server environment)."""
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
