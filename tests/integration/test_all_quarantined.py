"""A first-time user's folder of files, end to end.

- Every release quarantined: the refresh ends with exit 3 and "nothing loaded" with each
  reason; the transform does not run, so no gate judges the empty warehouse and nothing is
  published; the sensor asks for no transform either.
The folder that loads is in test_real_releases.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import DagsterInstance, RunsFilter, SkipReason

from orchestration.cli import main, refresh
from orchestration.defs.ingest.sensor import plan_run_requests
from orchestration.pipeline.refresh import EXIT_QUARANTINED, TRANSFORM_JOB_NAME
from tests.helpers import HAND_FIRMS, hide_location_env, make_settings

# Vendor spelling: Chinese headers from the public cleaning code, GB18030 bytes.
HEADER = "法人代码,行政区划代码,行业代码,登记注册类型,工业总产值\n"
# A file without any industry column: the required industry_code is missing.
NO_INDUSTRY = "法人代码,行政区划代码,登记注册类型,工业总产值\n"


def _vendor_file(path: Path, year: int, industry: bool = True) -> None:
    lines = [HEADER if industry else NO_INDUSTRY]
    for fid, _name, loc, cic, reg, out in HAND_FIRMS:
        code = f"{cic}," if industry else ""
        lines.append(f"{fid},{loc},{code}{reg},{out[year]}\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("".join(lines).encode("gb18030"))


@pytest.mark.slow
def test_all_quarantined_ends_with_exit_3_and_the_reasons_without_a_transform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "files"
    _vendor_file(folder / "asif" / "2005" / "工业企业2005.csv", 2005, industry=False)
    _vendor_file(folder / "asif" / "2006" / "工业企业2006.csv", 2006, industry=False)
    settings = make_settings(tmp_path, folder)
    monkeypatch.setenv("CITYGVC_DATA_DIR", str(settings.data_dir))
    assert main(["catalog", "scan", str(folder)]) == 0
    hide_location_env(monkeypatch)

    lines: list[str] = []
    assert refresh(settings, echo=lines.append) == EXIT_QUARANTINED
    out = "\n".join(lines)
    assert "nothing loaded: 2 release(s) quarantined, 0 catalog entries rejected" in out
    for year in (2005, 2006):
        assert (
            f"quarantined asif-{year}-r1: missing_required_column: release asif-{year}-r1, "
            f"file asif/{year}/工业企业{year}.csv, column industry_code" in out
        )
    assert "FAILED" not in out
    assert not (settings.serve_dir / "manifest.json").exists()
    with DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        assert instance.get_runs(RunsFilter(job_name=TRANSFORM_JOB_NAME)) == []
    tick = plan_run_requests(settings)
    assert isinstance(tick, SkipReason) and "nothing loaded" in str(tick.skip_message)
