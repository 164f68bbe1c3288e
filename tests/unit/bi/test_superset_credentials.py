"""Superset never starts with a known password: bi/superset/credentials.sh (run by setup.sh
before Superset) makes a random admin password and secret key, owner-only, prints the password
the first time only and reuses both afterwards. Needs no Superset install."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

from orchestration.settings import REPO_ROOT

CREDENTIALS = REPO_ROOT / "bi" / "superset" / "credentials.sh"
# How the old default (user admin, password admin) was written in bi/ and docs/: a shell or
# Python default for the variable, "admin / admin", "password admin", "password": "admin".
OLD_DEFAULT = re.compile(
    r"admin\W{1,6}admin\b|password\W{1,6}admin\b|SUPERSET_ADMIN_PASSWORD\W{1,6}admin\b", re.I
)


def _run(home: Path, umask: int = 0o022, **env: str) -> str:
    """credentials.sh for the Superset home `home`, under `umask`; returns what it printed."""
    base = {k: v for k, v in os.environ.items() if k != "SUPERSET_ADMIN_PASSWORD"}
    result = subprocess.run(
        ["bash", "-c", f'umask {umask:03o} && bash "$0"', str(CREDENTIALS)],
        env={**base, "SUPERSET_HOME": str(home), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stderr == ""
    return result.stdout


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _secrets(home: Path) -> tuple[str, str]:
    return (home / "admin_password").read_text(), (home / "secret_key").read_text()


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077], ids=lambda u: f"umask{u:03o}")
def test_first_run_prints_a_random_password_kept_owner_only(tmp_path: Path, umask: int) -> None:
    home = tmp_path / "superset"

    printed = _run(home, umask)

    password, secret_key = (s.rstrip("\n") for s in _secrets(home))
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", password)  # 24 random bytes
    assert re.fullmatch(r"[A-Za-z0-9_-]{64}", secret_key)  # 48 random bytes
    assert password in printed and secret_key not in printed
    # owner-only whatever the umask
    assert _mode(home) == 0o700
    assert _mode(home / "admin_password") == _mode(home / "secret_key") == 0o600
    assert sorted(p.name for p in home.iterdir()) == ["admin_password", "secret_key"]


def test_later_runs_reuse_the_password_without_printing_it(tmp_path: Path) -> None:
    home = tmp_path / "superset"
    _run(home)
    first = _secrets(home)

    printed = _run(home)

    assert _secrets(home) == first
    assert first[0].strip() not in printed
    assert str(home / "admin_password") in printed


def test_each_install_gets_its_own_secrets(tmp_path: Path) -> None:
    _run(tmp_path / "one")
    _run(tmp_path / "two")

    one, two = _secrets(tmp_path / "one"), _secrets(tmp_path / "two")
    assert one[0] != two[0] and one[1] != two[1]


def test_deleting_the_password_file_makes_a_new_one(tmp_path: Path) -> None:
    home = tmp_path / "superset"
    _run(home)
    old_password, secret_key = _secrets(home)
    (home / "admin_password").unlink()

    printed = _run(home)

    new_password = (home / "admin_password").read_text()
    assert new_password != old_password and new_password.strip() in printed
    assert (home / "secret_key").read_text() == secret_key


def test_a_password_from_the_environment_replaces_the_stored_one(tmp_path: Path) -> None:
    home = tmp_path / "superset"
    _run(home)
    chosen = "chosen by the user, with spaces & $igns"

    printed = _run(home, SUPERSET_ADMIN_PASSWORD=chosen)

    assert (home / "admin_password").read_text() == chosen + "\n"
    assert chosen not in printed and "SUPERSET_ADMIN_PASSWORD" in printed
    assert _mode(home / "admin_password") == 0o600
    # unset again: the stored password stays, it is not replaced by a generated one
    _run(home)
    assert (home / "admin_password").read_text() == chosen + "\n"


def test_no_default_password_is_left_in_bi_or_docs() -> None:
    found = [
        f"{path.relative_to(REPO_ROOT)}: {match.group(0)!r}"
        for folder in (REPO_ROOT / "bi", REPO_ROOT / "docs")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        for match in OLD_DEFAULT.finditer(path.read_text(errors="ignore"))
    ]
    assert found == []
