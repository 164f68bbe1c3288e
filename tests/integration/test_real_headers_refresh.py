"""Two ASIF releases spelled as researchers' copies are, through a real refresh: a 2003 GBK CSV
with the pre-2004 Chinese names (行业类别, 注册类型, 省地县码, 6-digit locations) and a 2006
UTF-8 CSV exported by Excel with full-width headers and money in 万元. Both load, and the ICT
share of manufacturing output equals the hand calculation below."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import refresh
from orchestration.pipeline.refresh import EXIT_OK
from tests.helpers import hide_location_env, make_settings

# firm, location (6 digits in 2003), CIC 2002 class, registration type,
# output 2003 (thousand yuan), output 2006 (万元, as the 2006 file prints it)
FIRMS = [
    ("K00000001", "320583", "4041", "330", 9000, 1200),
    ("K00000002", "320583", "3411", "170", 3000, 300),
    ("D00000001", "441900", "4043", "230", 2000, 100),
    ("D00000002", "441900", "1810", "170", 6000, 700),
]
# ICT (division 40) share of manufacturing output, by hand:
#   Kunshan 2003: 9000 / (9000 + 3000) = 0.75
#   Kunshan 2006: 12000 / (12000 + 3000) = 0.8  (万元 × 10)
#   Dongguan 2003: 2000 / (2000 + 6000) = 0.25
#   Dongguan 2006: 1000 / (1000 + 7000) = 0.125
EXPECTED = [
    ("320583", 2003, 0.75),
    ("320583", 2006, 0.8),
    ("441900", 2003, 0.25),
    ("441900", 2006, 0.125),
]
# Manufacturing output, thousand yuan (the share above would not see a missed 万元 × 10):
#   Kunshan 2003: 9000 + 3000; 2006: (1200 + 300) × 10. Dongguan 2003: 2000 + 6000;
#   2006: (100 + 700) × 10.
EXPECTED_MFG = [
    ("320583", 2003, 12000.0),
    ("320583", 2006, 15000.0),
    ("441900", 2003, 8000.0),
    ("441900", 2006, 8000.0),
]


def _file_2003() -> bytes:
    header = "法人代码,法人单位,省地县码,行业类别,注册类型,工业总产值（现价）,从业人数\n"
    rows = [
        f"{f},企业{i},{loc},{cic},{reg},{out},100\n"
        for i, (f, loc, cic, reg, out, _) in enumerate(FIRMS)
    ]
    return (header + "".join(rows)).encode("gbk")


def _file_2006() -> bytes:
    header = (
        "法人代码,法人单位,行政区码,国民经济行业代码,登记注册类型,"
        "工业总产值（现价）（万元）,从业人员（人）\n"
    )
    rows = [
        f"{f},企业{i},{loc}100{i:03d},{cic},{reg},{out},100\n"
        for i, (f, loc, cic, reg, _, out) in enumerate(FIRMS)
    ]
    return ("\ufeff" + header + "".join(rows)).encode("utf-8")


def _catalog(root: Path) -> Path:
    releases = []
    for year, data in ((2003, _file_2003()), (2006, _file_2006())):
        rel = f"asif/{year}/asif_{year}.csv"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
        entry = {"path": rel, "format": "csv", "sha256": hashlib.sha256(data).hexdigest()}
        releases.append(
            {
                "release_id": f"asif-{year}-r1",
                "dataset": "asif",
                "period": year,
                "revision": 1,
                "published_at": f"{year + 2}-03-01",
                "provisional": False,
                "files": [{**entry, "bytes": len(data)}],
            }
        )
    (root / "catalog.json").write_text(json.dumps({"catalog_version": 1, "releases": releases}))
    return root


@pytest.mark.slow
def test_real_headers_load_and_match_hand_calculation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path, _catalog(tmp_path / "catalog"), CITYGVC_DISCLOSURE="off")
    hide_location_env(monkeypatch)

    assert refresh(settings, echo=lambda _: None) == EXIT_OK

    query = (
        "select city_code, year, value from marts.fct_city_indicators "
        "where indicator_id = ? and breakdown = 'total' "
        "and source = 'asif' and city_code in ('320583', '441900') "
        "order by city_code, year"
    )
    with duckdb.connect(str(settings.serve_dir / "citygvc.duckdb"), read_only=True) as con:
        shares = con.execute(query, ["ict_share_mfg_output"]).fetchall()
        mfg = con.execute(query, ["mfg_output"]).fetchall()
        units = con.execute(
            "select release_id, detail, value from marts.fct_data_quality "
            "where metric = 'column_unit' order by release_id, detail"
        ).fetchall()
    assert [(c, y) for c, y, _ in shares] == [(c, y) for c, y, _ in EXPECTED]
    for (_, _, got), (_, _, want) in zip(shares, EXPECTED, strict=True):
        assert got == pytest.approx(want, abs=1e-12)
    assert [(c, y, float(v)) for c, y, v in mfg] == EXPECTED_MFG
    assert units == [("asif-2006-r1", "gross_output:万元", 10.0)]
