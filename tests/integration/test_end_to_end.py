"""The thin slice end to end, through real Dagster runs, real dbt and real GX: a hand-made
catalog of six firms in Kunshan and Dongguan over two years (tests/helpers.HAND_FIRMS) →
landing → raw.asif → dbt → published marts, checked against a hand calculation."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import refresh
from orchestration.pipeline.refresh import EXIT_OK
from tests.helpers import (
    hand_share,
    hide_location_env,
    make_settings,
    served_hashes,
    write_hand_catalog,
)


@pytest.mark.slow
def test_thin_slice_matches_hand_calculation_and_second_run_is_noop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = write_hand_catalog(tmp_path / "catalog")
    settings = make_settings(tmp_path, catalog, CITYGVC_DISCLOSURE="off")
    hide_location_env(monkeypatch)
    assert refresh(settings, echo=lambda _: None) == EXIT_OK

    served = settings.serve_dir / "citygvc.duckdb"
    with duckdb.connect(str(served), read_only=True) as con:
        rows = con.execute(
            "select city_code, year, value, unit from marts.fct_city_indicators "
            "where indicator_id = 'ict_share_mfg_output' and breakdown = 'total' "
            "and source = 'asif' and city_code in ('320583', '441900', '320500') "
            "order by city_code, year"
        ).fetchall()
    expected = [
        ("320500", 2005, hand_share("320583", 2005), "share"),  # Suzhou includes Kunshan
        ("320500", 2006, hand_share("320583", 2006), "share"),
        ("320583", 2005, 10000 / 13000, "share"),
        ("320583", 2006, 14000 / 17000, "share"),
        ("441900", 2005, 2000 / 10000, "share"),
        ("441900", 2006, 1000 / 10000, "share"),
    ]
    assert [(c, y, u) for c, y, _, u in rows] == [(c, y, u) for c, y, _, u in expected]
    for (_, _, got, _), (_, _, want, _) in zip(rows, expected, strict=True):
        assert got == pytest.approx(want, abs=1e-12)
    parquet = settings.serve_dir / "parquet" / "fct_city_indicators.parquet"
    assert duckdb.sql(f"select count(*) from read_parquet('{parquet}')").fetchall()[0][0] > 0
    # dbt parses the project once per refresh, in the dbt worker, and builds three times on
    # that manifest: staging; intermediate models and marts; what reads the steps' values
    events = [json.loads(line) for line in (settings.dbt_target_dir / "dbt.log").open()]
    commands = [e["data"]["command"] for e in events if e["info"]["name"] == "CommandCompleted"]
    assert commands == ["cli parse", "cli build", "cli build", "cli build"]
    assert (settings.dbt_target_dir / "partial_parse.msgpack").is_file()

    before = served_hashes(settings.serve_dir)
    assert refresh(settings, echo=lambda _: None) == EXIT_OK
    assert served_hashes(settings.serve_dir) == before
