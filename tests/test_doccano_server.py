"""Fast tests of the server's bookkeeping; the real server is in tests/integration."""

import json
import os
import socket
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.errors import PortInUseError
from pipeline.review.doccano.credentials import state_dir
from pipeline.review.doccano.server import server_down, server_status, server_up


def _invoke(workspace, *args):
    result = CliRunner().invoke(app, ["--workspace", str(workspace.root), "doccano", *args], catch_exceptions=False)
    assert "Traceback" not in result.stderr
    return result


def test_status_and_down_when_nothing_ever_ran(workspace):
    status = server_status(workspace)
    assert not status.running and status.url is None and status.pids == {"web": None, "worker": None}
    assert server_down(workspace) == []
    result = _invoke(workspace, "status", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "url": None,
        "credentials_file": str(state_dir(workspace) / "admin.credentials.json"),
        "pids": {"web": None, "worker": None},
        "running": False,
    }
    assert "not running" in _invoke(workspace, "down").stdout


def test_a_pid_file_of_a_process_that_is_not_ours_is_left_alone(workspace):
    folder = state_dir(workspace)
    folder.mkdir(parents=True)
    # This very process, as if a pid had been reused: wrong start time, or not the program we started.
    (folder / "web.pid").write_text(json.dumps({"pid": os.getpid(), "start_time": 1, "program": "python"}))
    (folder / "worker.pid").write_text(
        json.dumps({"pid": os.getpid(), "start_time": _start_time(os.getpid()), "program": "celery"})
    )
    assert not server_status(workspace).processes["web"].running
    assert not server_status(workspace).processes["worker"].running
    assert server_down(workspace) == []
    assert not (folder / "web.pid").exists() and not (folder / "worker.pid").exists()


def test_a_port_in_use_is_refused_before_anything_is_installed(workspace):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(PortInUseError, match=f"port {port} on 127.0.0.1 is in use"):
            server_up(workspace, port=port, progress=False)
        result = _invoke(workspace, "up", "--port", str(port))
    assert result.exit_code == 1 and "[E052]" in result.stderr


def test_every_doccano_command_has_help_text():
    for command in ("up", "down", "status"):
        result = CliRunner().invoke(app, ["doccano", command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.stdout, command
    assert "127.0.0.1" in CliRunner().invoke(app, ["doccano", "--help"]).stdout


def _start_time(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as handle:
        return int(handle.read().rpartition(")")[2].split()[19])


def test_a_failed_install_names_pips_last_error_line(tmp_path):
    from pipeline.errors import DoccanoInstallError
    from pipeline.review.doccano.server import _run_logged

    script = (
        "print('Collecting doccano'); print('ERROR: No matching distribution found for doccano'); "
        "print('WARNING: noise'); raise SystemExit(1)"
    )
    with pytest.raises(DoccanoInstallError) as caught:
        _run_logged([sys.executable, "-c", script], tmp_path / "install.log", tmp_path / "doccano-env")
    message = str(caught.value)
    assert message.startswith("[E051]") and "ERROR: No matching distribution found for doccano" in message
    assert str(tmp_path / "install.log") in message and "Collecting doccano" in (tmp_path / "install.log").read_text()


@pytest.mark.faults
def test_a_worker_that_lost_the_broker_race_while_starting_is_started_again(workspace, monkeypatch, tmp_path):
    """Both processes creating the broker's queue at once killed the worker now and then (E050): the
    queue is made before they start, and a worker that still died of it is started once more."""
    from pipeline.errors import DoccanoServerError
    from pipeline.review.doccano import server

    calls = []
    monkeypatch.setattr(server, "ensure_server_venv", lambda progress: tmp_path)
    monkeypatch.setattr(server, "_backend_dir", lambda venv: tmp_path)
    monkeypatch.setattr(server, "_initialise", lambda *args: calls.append("initialise"))
    monkeypatch.setattr(server, "_create_broker_queue", lambda *args: calls.append("broker"))

    def start(venv, backend, env, paths, port, only=server.PROCESSES):
        calls.append(("start",) + tuple(only))
        for name in only:
            alive = len([c for c in calls if c[0] == "start"]) > 1 or name == "web"
            pid = os.getpid() if alive else 2**22 + 1  # a pid that is not running
            record = {"pid": pid, "start_time": _start_time(pid) if alive else 1, "program": "python"}
            paths.pidfile(name).write_text(json.dumps(record))
            if not alive:
                paths.log(name).write_text("sqlite3.IntegrityError: UNIQUE constraint failed: kombu_queue.name\n")
        return {name: os.getpid() for name in only}

    def wait(url, paths):
        if not server._is_ours(json.loads(paths.pidfile("worker").read_text())):
            raise DoccanoServerError("the Doccano worker process stopped while starting")

    monkeypatch.setattr(server, "_start", start)
    monkeypatch.setattr(server, "_wait_until_ready", wait)
    info = server_up(workspace, progress=False)
    assert calls == ["initialise", "broker", ("start", "web", "worker"), ("start", "worker")]
    assert info.url.startswith("http://127.0.0.1:")


def test_a_worker_that_died_of_something_else_is_not_restarted(workspace, monkeypatch, tmp_path):
    from pipeline.errors import DoccanoServerError
    from pipeline.review.doccano import server

    starts = []
    monkeypatch.setattr(server, "ensure_server_venv", lambda progress: tmp_path)
    monkeypatch.setattr(server, "_backend_dir", lambda venv: tmp_path)
    monkeypatch.setattr(server, "_initialise", lambda *args: None)
    monkeypatch.setattr(server, "_create_broker_queue", lambda *args: None)

    def start(venv, backend, env, paths, port, only=server.PROCESSES):
        starts.append(only)
        paths.log("worker").write_text("ImportError: no module named celery\n")
        return {}

    def wait(url, paths):
        raise DoccanoServerError("the Doccano worker process stopped while starting")

    monkeypatch.setattr(server, "_start", start)
    monkeypatch.setattr(server, "_wait_until_ready", wait)
    with pytest.raises(DoccanoServerError, match="stopped while starting"):
        server_up(workspace, progress=False)
    assert starts == [server.PROCESSES]


def test_the_server_venv_is_in_the_users_data_folder_never_in_the_package(monkeypatch, tmp_path):
    import platformdirs

    import pipeline
    from pipeline.review.doccano import server

    monkeypatch.delenv(server.VENV_ENV, raising=False)
    default = server.server_venv()
    assert default.parent == platformdirs.user_data_path("newscorpus")
    assert default.name.startswith("doccano-1.8.4-")
    package = Path(pipeline.__file__).resolve().parent
    for outside in (package, package.parent):  # the package, and site-packages or the checkout above it
        assert not default.is_relative_to(outside)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # platformdirs follows it on Linux
    assert server.server_venv() == tmp_path / "data" / "newscorpus" / default.name


def test_another_server_spec_gets_another_folder(monkeypatch):
    from pipeline.review.doccano import server

    monkeypatch.delenv(server.VENV_ENV, raising=False)
    before = server.server_venv()
    monkeypatch.setattr(server, "SERVER_SPEC", ("doccano==1.8.4", "marshmallow<4", "numpy<2", "setuptools<81"))
    after = server.server_venv()
    assert after.parent == before.parent and after.name.startswith("doccano-1.8.4-") and after != before
    monkeypatch.setattr(server, "SERVER_SPEC", ("doccano==1.9.0", "marshmallow<4", "numpy<2"))
    assert server.server_venv().name.startswith("doccano-1.9.0-")


def test_the_environment_variable_chooses_the_server_venv(monkeypatch, tmp_path):
    from pipeline.review.doccano import server

    monkeypatch.setenv(server.VENV_ENV, str(tmp_path / "doccano-env"))
    assert server.server_venv() == tmp_path / "doccano-env"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(server.VENV_ENV, "relative")
    assert server.server_venv() == tmp_path / "relative"  # made absolute: the server runs with another cwd
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv(server.VENV_ENV, "~/venvs/doccano")
    assert server.server_venv() == tmp_path / "venvs" / "doccano"
    monkeypatch.setenv(server.VENV_ENV, "")  # set but empty: the default
    assert server.server_venv().name.startswith("doccano-1.8.4-")


def test_a_stamped_server_venv_is_used_as_it_is(monkeypatch, tmp_path):
    """Installed once: a later up only reads the stamp (and checks the environment's Python is there)."""
    from pipeline.review.doccano import server

    venv = tmp_path / "doccano-env"
    monkeypatch.setenv(server.VENV_ENV, str(venv))
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    (venv / server._STAMP).write_text("\n".join(server.SERVER_SPEC) + "\n")
    monkeypatch.setattr(server, "_run_logged", lambda *args, **kwargs: pytest.fail("installed again"))
    assert server.ensure_server_venv(progress=False) == venv
    (venv / server._STAMP).write_text("doccano==1.8.3\n")  # another spec's stamp: installed again
    with pytest.raises(pytest.fail.Exception, match="installed again"):
        server.ensure_server_venv(progress=False)
