"""A first-time user's folder of files, end to end.

- Every release quarantined: the refresh ends with exit 3 and "nothing loaded" with each
  reason; the transform does not run, so no gate judges the empty warehouse and nothing is
  published; the sensor asks for no transform either.
- `citygvc catalog scan` on a folder of hand-made vendor files, then the refresh `make run`
  runs: both years load and the indicators equal the hand calculation."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, RunsFilter, SkipReason

from orchestration.cli import main, refresh
from orchestration.defs.ingest.sensor import plan_run_requests
from orchestration.pipeline.refresh import EXIT_QUARANTINED, TRANSFORM_JOB_NAME
from tests.helpers import HAND_FIRMS, hide_location_env, make_settings, run_refresh

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


@pytest.mark.slow
def test_a_scanned_folder_of_vendor_files_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "files"
    _vendor_file(folder / "ASIF_2005.csv", 2005)
    _vendor_file(folder / "工业企业数据库" / "2006年.csv", 2006)
    data = tmp_path / "data"
    monkeypatch.setenv("CITYGVC_DATA_DIR", str(data))
    assert main(["catalog", "scan", str(folder)]) == 0

    run_refresh(data, folder, CITYGVC_DISCLOSURE="off")  # asserts exit 0: both loaded
    with duckdb.connect(str(data / "serve" / "citygvc.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select city_code, year, value from marts.fct_city_indicators "
            "where indicator_id = 'ict_share_mfg_output' and breakdown = 'total' "
            "and source = 'asif' and city_code in ('320583', '441900') order by city_code, year"
        ).fetchall()
    # ICT (classes 4041, 4043, 4061) over all manufacturing output of each city's firms:
    # Kunshan 2005 (9000 + 1000) / (9000 + 3000 + 1000), 2006 (12000 + 2000) / 17000;
    # Dongguan 2005 2000 / (2000 + 6000 + 2000), 2006 1000 / (1000 + 7000 + 2000).
    expected = [
        ("320583", 2005, 10000 / 13000),
        ("320583", 2006, 14000 / 17000),
        ("441900", 2005, 2000 / 10000),
        ("441900", 2006, 1000 / 10000),
    ]
    assert [(c, y) for c, y, _ in rows] == [(c, y) for c, y, _ in expected]
    for (_, _, got), (_, _, want) in zip(rows, expected, strict=True):
        assert got == pytest.approx(want, abs=1e-12)
