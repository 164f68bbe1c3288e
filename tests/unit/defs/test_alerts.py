"""Alerts and the automation that is on by default: a failing run writes an alert record (and
posts it to the webhook when one is set); the schedule and sensors are registered and
running without anyone switching them on."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from dagster import (
    DagsterInstance,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    Failure,
    build_run_status_sensor_context,
    job,
    op,
)

from orchestration.defs.alerts import run_failure_alert_sensor
from orchestration.settings import Settings


@op
def load_release() -> None:
    raise Failure(description="catalog host unreachable: connection refused")


@job(tags={"dagster/partition": "asif-2009-r1"})
def failing_ingest() -> None:
    load_release()


def _fail_and_alert(instance: DagsterInstance) -> str:
    """Run the failing job in process and evaluate the run-failure sensor on its failure."""
    result = failing_ingest.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    context = build_run_status_sensor_context(
        sensor_name=run_failure_alert_sensor.name,
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    ).for_run_failure()
    run_failure_alert_sensor(context)
    return result.run_id


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("CITYGVC_DATA_DIR", str(data))
    monkeypatch.delenv("CITYGVC_ALERT_WEBHOOK", raising=False)
    return data


def _alerts(data: Path) -> list[dict]:
    path = Settings.from_env({"CITYGVC_DATA_DIR": str(data)}).alerts_dir / "alerts.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_failing_run_writes_an_alert_record(data_dir: Path) -> None:
    instance = DagsterInstance.ephemeral()
    first = _fail_and_alert(instance)
    second = _fail_and_alert(instance)
    records = _alerts(data_dir)
    assert [r["run_id"] for r in records] == [first, second]
    record = records[0]
    assert record["job"] == "failing_ingest"
    assert record["partition"] == "asif-2009-r1"
    assert "load_release" in record["message"]
    assert record["at"].endswith("+00:00")


def test_the_alert_is_posted_to_the_webhook(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    received: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("CITYGVC_ALERT_WEBHOOK", f"http://127.0.0.1:{server.server_port}/")
        run_id = _fail_and_alert(DagsterInstance.ephemeral())
    finally:
        server.shutdown()
        server.server_close()
    assert len(received) == 1
    assert run_id in received[0]["text"]
    # the file record is written whether or not a webhook is set
    assert [r["run_id"] for r in _alerts(data_dir)] == [run_id]


def test_schedule_and_sensors_are_registered_and_on_by_default(data_dir: Path) -> None:
    from orchestration.definitions import build_definitions

    defs = build_definitions(Settings.from_env({"CITYGVC_DATA_DIR": str(data_dir)}))
    schedule = defs.resolve_schedule_def("daily_refresh")
    assert schedule.default_status == DefaultScheduleStatus.RUNNING
    assert schedule.job_name == "refresh_job"
    for name in ("release_catalog_sensor", "run_failure_alert_sensor"):
        assert defs.resolve_sensor_def(name).default_status == DefaultSensorStatus.RUNNING
