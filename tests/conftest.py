"""Shared fixtures: isolated data directories and the session's one demo refresh.

Helpers (settings, catalogs, dbt, refresh subprocesses) live in tests/helpers.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import run_refresh, served_hashes, write_hand_catalog

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses a shared refresh is `slow` (and `demo` for the demo refresh), whatever
    its file says: `-m "not slow"` (make test-fast) can never start a refresh."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "demo_run" in fixtures:
            item.add_marker(pytest.mark.demo)
        if "demo_run" in fixtures or "hand_run" in fixtures:
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Point every setting at tmp_path so nothing touches ./data."""
    data = tmp_path / "data"
    monkeypatch.setenv("CITYGVC_DATA_DIR", str(data))
    monkeypatch.setenv("DAGSTER_HOME", str(data / "dagster"))
    return tmp_path


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One fresh `make run` of the whole session: `python -m orchestration.refresh` with the
    product defaults (the demo catalog generated into data/releases, disclosure on, the
    default SDC rule). Returns its CITYGVC_DATA_DIR.

    Every test that needs a real publish of the demo catalog reads this one, READ ONLY: the
    disclosure audit, the report, the BI clients (SQL, Superset, MetricFlow, DuckDB 1.x) and the
    dbt ground truth (which rebuilds the marts with disclosure off in its own copy of the
    warehouse). A test that writes copies what it needs into its own tmp_path first
    (helpers.copy_data_dir); at the end of the session the publish must be unchanged."""
    data = tmp_path_factory.mktemp("demo") / "data"
    run_refresh(data)
    published = served_hashes(data / "serve")
    yield data
    assert served_hashes(data / "serve") == published, "a test wrote into the shared demo publish"


@pytest.fixture(scope="session")
def hand_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The hand-made catalog (helpers.HAND_FIRMS) in ROOT/catalog and one uninterrupted
    `python -m orchestration.refresh` of it with disclosure off in ROOT/data; returns ROOT.
    Shared read only: the crash-recovery test compares its reruns with this publish, the
    blocking-gate test refreshes a copy (helpers.copy_data_dir)."""
    root = tmp_path_factory.mktemp("hand")
    run_refresh(root / "data", write_hand_catalog(root / "catalog"), CITYGVC_DISCLOSURE="off")
    published = served_hashes(root / "data" / "serve")
    yield root
    assert served_hashes(root / "data" / "serve") == published, "a test wrote into hand_run"
