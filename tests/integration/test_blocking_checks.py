"""A failing staging or mart gate fails the run (exit 1) and leaves serve/ exactly as the last
good publish left it (docs/architecture.md, docs/quality-gates.md)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from orchestration.cli import refresh
from orchestration.pipeline.refresh import EXIT_FAILURE
from tests.helpers import copy_data_dir, force_failing_suite, hide_location_env, make_settings


def _serve_snapshot(serve: Path) -> dict[str, str]:
    files = [p for p in sorted(serve.rglob("*")) if p.is_file() and not p.is_symlink()]
    snapshot = {
        str(p.relative_to(serve)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files
    }
    snapshot["parquet ->"] = str((serve / "parquet").readlink())
    return snapshot


@pytest.mark.slow
@pytest.mark.parametrize("suite", ["staging_asif_profile", "mart_fct_city_indicators"])
def test_failing_gate_fails_the_run_and_keeps_the_last_publish(
    suite: str, hand_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # hand_run: one good publish of the hand-made catalog (tests/conftest.py); refresh a copy
    copy_data_dir(hand_run, tmp_path / "copy")
    settings = make_settings(
        tmp_path / "copy", tmp_path / "copy" / "catalog", CITYGVC_DISCLOSURE="off"
    )
    hide_location_env(monkeypatch, "restored-after-test")
    before = _serve_snapshot(settings.serve_dir)

    # A reviewed suite gains a critical expectation the data cannot meet. The suite is part
    # of the code fingerprint, so the next refresh rebuilds and re-checks the marts.
    force_failing_suite(monkeypatch, tmp_path, suite)

    lines: list[str] = []
    assert refresh(settings, echo=lines.append) == EXIT_FAILURE
    assert _serve_snapshot(settings.serve_dir) == before
    summary = "\n".join(lines)
    assert "nothing published" in summary
    assert f"check gx_{suite} on" in summary  # a failed GX evaluation, not a crash
