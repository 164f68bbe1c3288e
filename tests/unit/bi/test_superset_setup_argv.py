"""The Superset admin password never travels on a command line, where any local user can read it
(`ps`, /proc/<pid>/cmdline): bi/superset/setup.sh hands it to no command as an argument,
admin_user.py reads it from its owner-only file.

setup.sh runs here for real, except for the programs of .venv-superset (not installed here):
SUPERSET_VENV points at a folder whose `superset`, `python` and `gunicorn` only record their
arguments. Every other command setup.sh and credentials.sh find on PATH is recorded too, by a
wrapper that then runs the real one. (The integration test tests/integration/bi/test_superset.py
runs it all with the real Superset and logs in with the stored password.)"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from orchestration.settings import REPO_ROOT

SUPERSET_DIR = REPO_ROOT / "bi" / "superset"
BASH = shutil.which("bash") or "/bin/bash"
FLOCK = shutil.which("flock") or "/usr/bin/flock"
Argv = tuple[str, ...]


def _recorder(log: Path, run: str | None, then: str = "exit 0") -> str:
    """A bash script that appends its argv (the program first: `run`, or the stub itself) to
    `log`, NUL-separated, a record ending in NUL + newline, under a lock on the log: the
    recorders of a pipeline's two sides (`sha256sum … | cut …`) run at once, and their
    printfs interleaved without it (a CI run lost the sha256sum record); then execs `run` if
    given, else does `then`."""
    program = shlex.quote(run) if run else '"$0"'
    record = (
        f"{{ {FLOCK} 9; printf '%s\\0' {program} \"$@\"; printf '\\n'; }}"
        f" 9>>{shlex.quote(str(log))} >&9"
    )
    return f"#!{BASH}\n{record}\n" + (f'exec {program} "$@"\n' if run else f"{then}\n")


def _install(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


def _wrap_path(folder: Path, log: Path) -> str:
    """`folder` with a recording wrapper for every program on PATH (the first of each name, as
    PATH lookup finds it); returned as the PATH that finds only them."""
    folder.mkdir()
    for directory in os.environ["PATH"].split(os.pathsep):
        if not os.path.isabs(directory) or not os.path.isdir(directory):
            continue
        for name in sorted(os.listdir(directory)):
            real = os.path.join(directory, name)
            wrapper = folder / name
            if not wrapper.exists() and os.path.isfile(real) and os.access(real, os.X_OK):
                _install(wrapper, _recorder(log, real))
    return str(folder)


def _fake_venv(venv: Path, log: Path) -> None:
    """A .venv-superset that setup.sh takes as installed: its programs record and exit 0, but
    for the server, which runs until stopped."""
    (venv / "bin").mkdir(parents=True)
    for name in ("superset", "python"):
        _install(venv / "bin" / name, _recorder(log, None))
    _install(venv / "bin" / "gunicorn", _recorder(log, None, "exec sleep 120"))
    lock = (SUPERSET_DIR / "requirements.lock").read_bytes()
    (venv / ".citygvc-installed").write_text(hashlib.sha256(lock).hexdigest() + "\n")


def _records(log: Path) -> list[Argv]:
    text = log.read_bytes().decode() if log.exists() else ""
    return [tuple(r.split("\0")) for r in text.split("\0\n") if r]


class Setup:
    """setup.sh over a data folder with an (empty) published file, every command recorded."""

    def __init__(self, tmp_path: Path) -> None:
        self.log = tmp_path / "argv.log"
        self.venv = tmp_path / "venv"
        self.data = tmp_path / "data"
        self.home = self.data / "superset"
        _fake_venv(self.venv, self.log)
        (self.data / "serve").mkdir(parents=True)
        (self.data / "serve" / "citygvc.duckdb").touch()
        self.path = _wrap_path(tmp_path / "path", self.log)

    def run(self, **env: str) -> tuple[str, list[Argv]]:
        """`make superset` until it is ready, then stopped as by Ctrl-C (its process group, as
        tests/integration/bi/test_superset.py does); what it printed, the argvs it ran."""
        self.log.unlink(missing_ok=True)
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SUPERSET_", "CITYGVC_", "FLASK_"))
        }
        process = subprocess.Popen(
            [BASH, str(SUPERSET_DIR / "setup.sh")],
            env={
                **base,
                "PATH": self.path,
                "CITYGVC_DATA_DIR": str(self.data),
                "SUPERSET_VENV": str(self.venv),
                **env,
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        printed = ""
        try:
            assert process.stdout is not None
            for line in process.stdout:  # ends early only if setup.sh ends early
                printed += line
                if line.startswith("[superset] ready:"):
                    break
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        assert "[superset] ready:" in printed, printed + (self.home / "setup.log").read_text()
        return printed, _records(self.log)

    def password(self) -> str:
        return (self.home / "admin_password").read_text().rstrip("\n")


def _ran(records: list[Argv], *tail: str) -> bool:
    """Whether some recorded argv ends with `tail`, paths compared by their last part."""
    names = [Path(arg).name for arg in tail]
    return any([Path(arg).name for arg in r[-len(tail) :]] == names for r in records)


def _carrying(records: list[Argv], password: str) -> list[Argv]:
    return [r for r in records if any(password in arg for arg in r)]


def test_the_admin_password_is_on_no_command_line(tmp_path: Path) -> None:
    setup = Setup(tmp_path)

    # first run: the password is generated, the admin user created and its password set
    printed, records = setup.run()

    password = setup.password()
    assert printed.count(password) == 1  # printed once, on the terminal only
    assert _carrying(records, password) == []
    # the recording saw the steps that used to carry the password, and ordinary commands
    superset = str(setup.venv / "bin" / "superset")
    python = str(setup.venv / "bin" / "python")
    assert _ran(records, superset, "db", "upgrade") and _ran(records, superset, "init")
    assert _ran(records, python, "admin_user.py", "create")
    assert _ran(records, python, "admin_user.py", "reset")
    assert _ran(records, python, "provision.py")
    assert _ran(records, "sha256sum", str(setup.home / "admin_password"))
    assert not any("fab" in r for r in records)

    # SUPERSET_ADMIN_PASSWORD replaces it: the admin user's password is reset, again off argv
    chosen = "chosen by the user, with spaces & $igns"
    printed, records = setup.run(SUPERSET_ADMIN_PASSWORD=chosen)

    assert setup.password() == chosen and chosen not in printed
    assert _ran(records, python, "admin_user.py", "reset")
    assert not _ran(records, python, "admin_user.py", "create")  # initialised already
    assert _carrying(records, chosen) == []

    # later runs reuse the stored password and leave the admin user alone
    printed, records = setup.run()

    assert setup.password() == chosen and chosen not in printed
    assert not _ran(records, python, "admin_user.py", "reset")
    assert _carrying(records, chosen) == []


def test_the_admin_script_takes_no_password_argument() -> None:
    """admin_user.py refuses anything but create|reset before it reads a password or imports
    Superset (so a password given to it as an argument is an error, never used)."""
    for argv in ([], ["create", "--password", "secret"], ["--password=secret"], ["delete"]):
        result = subprocess.run(
            [sys.executable, str(SUPERSET_DIR / "admin_user.py"), *argv],
            env={k: v for k, v in os.environ.items() if not k.startswith("SUPERSET_")},
            capture_output=True,
            text=True,
        )
        assert result.returncode == 2 and "usage:" in result.stderr, argv
