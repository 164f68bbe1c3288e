"""deploy/systemd/: the units start the binaries of this repository's .venv on this code
location, with the settings and hardening docs/operations.md describes, and systemd accepts
them."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest

from orchestration.settings import REPO_ROOT

UNITS = REPO_ROOT / "deploy" / "systemd"
# Where the units expect the checkout (docs/operations.md#running-as-a-service).
INSTALL_ROOT = "/opt/citygvc"
DATA_DIR = "/var/lib/citygvc"


def _directives(unit: Path) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in unit.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            values.setdefault(key.strip(), []).append(value.strip())
    return values


def _in_repo(path: str) -> Path:
    assert path.startswith(INSTALL_ROOT + "/"), path
    return REPO_ROOT / path.removeprefix(INSTALL_ROOT + "/")


def _module_file(module: str) -> Path:
    base = REPO_ROOT.joinpath(*module.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


@pytest.mark.parametrize(
    ("unit", "binary"),
    [
        ("citygvc-daemon.service", "dagster-daemon"),
        ("citygvc-webserver.service", "dagster-webserver"),
    ],
)
def test_a_unit_runs_this_repositorys_binaries_on_its_code_location(unit: str, binary: str) -> None:
    directives = _directives(UNITS / unit)
    lines = directives["ExecStart"] + directives.get("ExecStartPre", [])
    commands = [shlex.split(line) for line in lines]
    for command in commands:
        assert _in_repo(command[0]).exists(), command[0]
        if "-m" in command:
            assert _module_file(command[command.index("-m") + 1]).exists(), command
    start = commands[0]
    assert Path(start[0]).name == binary
    assert start[start.index("-m") + 1] == "orchestration.definitions"
    assert directives["WorkingDirectory"] == [INSTALL_ROOT]
    environment = dict(e.split("=", 1) for e in directives["Environment"])
    assert environment["CITYGVC_DATA_DIR"] == DATA_DIR
    assert environment["DAGSTER_HOME"] == f"{DATA_DIR}/dagster"
    assert directives["Restart"] == ["on-failure"]
    assert directives["User"] == ["citygvc"]
    for option in ("NoNewPrivileges", "PrivateTmp"):
        assert directives[option] == ["yes"]
    assert directives["ProtectSystem"] == ["strict"]
    assert DATA_DIR in directives["ReadWritePaths"]


def test_the_web_server_listens_on_loopback_only() -> None:
    (start,) = _directives(UNITS / "citygvc-webserver.service")["ExecStart"]
    command = shlex.split(start)
    assert command[command.index("-h") + 1] == "127.0.0.1"
    assert command[command.index("-p") + 1] == "3000"


def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    # systemd-analyze checks every directive and that each command is executable; the
    # checkout stands in for /opt/citygvc.
    for unit in UNITS.glob("*.service"):
        (tmp_path / unit.name).write_text(unit.read_text().replace(INSTALL_ROOT, str(REPO_ROOT)))
    result = subprocess.run(
        ["systemd-analyze", "verify", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
