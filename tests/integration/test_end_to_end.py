"""The thin slice end to end, through real Dagster runs, real dbt and real GX: a hand-made
catalog of six firms in Kunshan and Dongguan over two years → landing → raw.asif → dbt →
published marts, checked against a hand calculation."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import refresh
from orchestration.pipeline.refresh import EXIT_OK
from tests.conftest import make_settings

HEADER = (
    "firm_id,firm_name,location_code,industry_code,registration_type,gross_output,"
    "value_added,sales,export_value,employment\n"
)
# firm, name, 12-digit location (2004+), CIC 2002 class, registration type, output by year.
FIRMS = [
    ("K00000001", "Kunshan Computer", "320583100001", "4041", "330", {2005: 9000, 2006: 12000}),
    ("K00000002", "Kunshan Metal", "320583100002", "3411", "170", {2005: 3000, 2006: 3000}),
    ("K00000003", "Kunshan Parts", "320583100003", "4061", "230", {2005: 1000, 2006: 2000}),
    ("D00000001", "Dongguan Peripherals", "441900100001", "4043", "230", {2005: 2000, 2006: 1000}),
    ("D00000002", "Dongguan Garments", "441900100002", "1810", "170", {2005: 6000, 2006: 7000}),
    ("D00000003", "Dongguan Shoes", "441900100003", "1820", "110", {2005: 2000, 2006: 2000}),
]
ICT = {"4041", "4043", "4061"}  # division 40 of GB/T 4754-2002


def _write_catalog(root: Path) -> None:
    releases = []
    for year in (2005, 2006):
        rel = f"asif/{year}/asif_{year}_r1.csv"
        lines = [
            f"{fid},{name},{loc},{cic},{reg},{out[year]},{out[year] // 4},{out[year]},0,100\n"
            for fid, name, loc, cic, reg, out in FIRMS
        ]
        data = (HEADER + "".join(lines)).encode()
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
        releases.append(
            {
                "release_id": f"asif-{year}-r1",
                "dataset": "asif",
                "period": year,
                "revision": 1,
                "published_at": f"{year + 2}-03-01",
                "provisional": False,
                "files": [
                    {
                        "path": rel,
                        "format": "csv",
                        "sha256": hashlib.sha256(data).hexdigest(),
                        "bytes": len(data),
                    }
                ],
            }
        )
    (root / "catalog.json").write_text(json.dumps({"catalog_version": 1, "releases": releases}))


def _hand_share(prefix: str, year: int) -> float:
    firms = [f for f in FIRMS if f[2].startswith(prefix)]
    ict = sum(f[5][year] for f in firms if f[3] in ICT)
    return ict / sum(f[5][year] for f in firms)


def _served_hashes(serve: Path) -> dict[str, str]:
    files = [
        serve / "citygvc.duckdb",
        serve / "manifest.json",
        *sorted((serve / "parquet").glob("*.parquet")),
    ]
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.mark.slow
def test_thin_slice_matches_hand_calculation_and_second_run_is_noop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = tmp_path / "catalog"
    _write_catalog(catalog)
    settings = make_settings(tmp_path, catalog, CITYGVC_DISCLOSURE="off")
    for key in ("CITYGVC_DATA_DIR", "CITYGVC_RELEASES", "DAGSTER_HOME"):
        monkeypatch.setenv(key, "unset-by-test")
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
        ("320500", 2005, _hand_share("320583", 2005), "share"),  # Suzhou includes Kunshan
        ("320500", 2006, _hand_share("320583", 2006), "share"),
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

    before = _served_hashes(settings.serve_dir)
    assert refresh(settings, echo=lambda _: None) == EXIT_OK
    assert _served_hashes(settings.serve_dir) == before
