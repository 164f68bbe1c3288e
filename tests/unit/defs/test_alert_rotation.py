"""alerts.jsonl is rotated at ROTATE_BYTES, keeping ROTATED_FILES older files: the oldest is
the one dropped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestration.defs.alerts import ROTATE_BYTES, ROTATED_FILES, rotation_renames, write_alert
from orchestration.settings import Settings


def test_rotation_shifts_every_file_by_one_and_the_oldest_falls_off() -> None:
    log = Path("alerts/alerts.jsonl")
    assert rotation_renames(log, 3) == [
        (Path("alerts/alerts.jsonl.2"), Path("alerts/alerts.jsonl.3")),
        (Path("alerts/alerts.jsonl.1"), Path("alerts/alerts.jsonl.2")),
        (log, Path("alerts/alerts.jsonl.1")),
    ]
    assert rotation_renames(log, 1) == [(log, Path("alerts/alerts.jsonl.1"))]


def _record(n: int) -> dict:
    return {"run_id": f"run-{n}", "job": "refresh_job", "message": "failed"}


def test_a_full_alerts_file_is_rotated_on_the_next_alert(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CITYGVC_ALERT_WEBHOOK", raising=False)
    settings = Settings.from_env({"CITYGVC_DATA_DIR": str(tmp_path)})
    log = settings.alerts_dir / "alerts.jsonl"
    write_alert(settings, _record(0))
    assert log.stat().st_size < ROTATE_BYTES
    for n in range(1, ROTATED_FILES + 1):  # the older files, oldest highest
        log.with_name(f"alerts.jsonl.{n}").write_text(f"generation {n}\n")

    write_alert(settings, _record(1))  # not full yet: appended
    assert [json.loads(line)["run_id"] for line in log.read_text().splitlines()] == [
        "run-0",
        "run-1",
    ]
    with log.open("a") as fh:
        fh.write("x" * ROTATE_BYTES + "\n")
    full = log.read_text()

    write_alert(settings, _record(2))
    assert [json.loads(line)["run_id"] for line in log.read_text().splitlines()] == ["run-2"]
    assert log.with_name("alerts.jsonl.1").read_text() == full
    assert log.with_name("alerts.jsonl.2").read_text() == "generation 1\n"
    assert log.with_name("alerts.jsonl.3").read_text() == "generation 2\n"
    assert sorted(p.name for p in settings.alerts_dir.iterdir()) == [
        "alerts.jsonl",
        "alerts.jsonl.1",
        "alerts.jsonl.2",
        "alerts.jsonl.3",
    ]
