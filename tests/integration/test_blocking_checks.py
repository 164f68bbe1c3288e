"""A failing staging or mart gate fails the run (exit 1) and leaves serve/ exactly as the last
good publish left it (docs/architecture.md, docs/quality-gates.md)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from orchestration.cli import refresh
from orchestration.ingest import gx as gx_validation
from orchestration.pipeline.refresh import EXIT_FAILURE
from orchestration.settings import EXPECTATIONS_DIR
from orchestration.warehouse import dbt as dbt_manifest
from tests.helpers import copy_data_dir, hide_location_env, make_settings


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
    suites = tmp_path / "expectations"
    shutil.copytree(EXPECTATIONS_DIR, suites)
    spec = json.loads((suites / f"{suite}.json").read_text())
    spec["expectations"].append(
        {
            "type": "expect_table_row_count_to_be_between",
            "kwargs": {"min_value": 0, "max_value": 0},
            "meta": {"severity": "critical", "description": "forced failure (test)"},
        }
    )
    (suites / f"{suite}.json").write_text(json.dumps(spec))
    monkeypatch.setattr(gx_validation, "EXPECTATIONS_DIR", suites)
    monkeypatch.setattr(dbt_manifest, "EXPECTATIONS_DIR", suites)

    lines: list[str] = []
    assert refresh(settings, echo=lines.append) == EXIT_FAILURE
    assert _serve_snapshot(settings.serve_dir) == before
    summary = "\n".join(lines)
    assert "nothing published" in summary
    assert f"check gx_{suite} on" in summary  # a failed GX evaluation, not a crash
