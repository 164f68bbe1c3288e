"""Shared fixtures: isolated data directories and a generated sample catalog."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.settings import Settings

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")


def make_settings(tmp: Path, releases: str | Path, **env: str) -> Settings:
    """Settings for an isolated data dir (and DAGSTER_HOME inside it)."""
    values = {"CITYGVC_DATA_DIR": str(tmp / "data"), "CITYGVC_RELEASES": str(releases), **env}
    return Settings.from_env(values)


def generate_catalog(out: Path, *args: str) -> Path:
    subprocess.run(
        [sys.executable, "-m", "tools.sample_releases", "--out", str(out), *args],
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Point every setting at tmp_path so nothing touches ./data."""
    data = tmp_path / "data"
    monkeypatch.setenv("CITYGVC_DATA_DIR", str(data))
    monkeypatch.setenv("DAGSTER_HOME", str(data / "dagster"))
    return tmp_path


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One fresh `make run` on the demo catalog (defaults: disclosure on), shared read-only by
    every test that needs a real publish. Returns its CITYGVC_DATA_DIR."""
    data = tmp_path_factory.mktemp("demo") / "data"
    env = {**os.environ, "CITYGVC_DATA_DIR": str(data), "DAGSTER_HOME": str(data / "dagster")}
    env.pop("CITYGVC_RELEASES", None)
    env.pop("CITYGVC_DISCLOSURE", None)
    run = subprocess.run(
        [sys.executable, "-m", "orchestration.refresh"],
        cwd=data.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return data
