"""A yearbook table as a BIFF .xls (written by xlwt, laid out by hand as Dongguan's bureau
prints it: merged title, 单位：万元, a two-row merged header, footnotes) goes through a real
refresh beside the hand-made ASIF catalog, and its indicators equal a hand calculation in
thousand yuan (1 万元 = 10 thousand yuan)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pytest
import xlwt

from orchestration.cli import refresh
from orchestration.pipeline.refresh import EXIT_OK
from tests.helpers import DONGGUAN, hide_location_env, make_settings, write_hand_catalog

ICT = "计算机、通信和其他电子设备制造业"


def _write_xls(path: Path) -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("3-12")
    sheet.write_merge(0, 0, 0, 4, "2012年东莞市规模以上工业企业工业总产值（按行业分）")
    sheet.write(1, 4, "单位：万元")
    sheet.write_merge(2, 3, 0, 0, "行  业")
    sheet.write_merge(2, 3, 1, 1, "合  计")
    sheet.write_merge(2, 2, 2, 4, "按登记注册类型分")
    for col, label in enumerate(["内资企业", "港澳台商投资企业", "外商投资企业"], start=2):
        sheet.write(3, col, label)
    for col, value in enumerate(["制造业", "2,000.5", 800, 700.25, 500.25]):
        sheet.write(4, col, value)
    for col, value in enumerate([ICT, "1,200", "—", 450, 700]):
        sheet.write(5, col, value)
    sheet.write_merge(6, 6, 0, 4, "注：本表为年主营业务收入2000万元及以上工业法人企业数据。")
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(str(path))
    return path.read_bytes()


def _add_yearbook_release(root: Path) -> None:
    rel = "fdi_city/2012/dongguan_2012.xls"
    data = _write_xls(root / rel)
    catalog = json.loads((root / "catalog.json").read_text())
    catalog["releases"].append(
        {
            "release_id": "fdi-2012-r1",
            "dataset": "fdi_city",
            "period": 2012,
            "revision": 1,
            "published_at": "2013-10-01",
            "files": [
                {
                    "path": rel,
                    "format": "xls",
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "bytes": len(data),
                    "city_code": DONGGUAN,
                }
            ],
        }
    )
    (root / "catalog.json").write_text(json.dumps(catalog, ensure_ascii=False))


@pytest.mark.slow
def test_xls_yearbook_table_loads_and_gives_hand_indicators(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = write_hand_catalog(tmp_path / "catalog")
    _add_yearbook_release(catalog)
    settings = make_settings(tmp_path, catalog, CITYGVC_DISCLOSURE="off")
    hide_location_env(monkeypatch)

    assert refresh(settings, echo=lambda _: None) == EXIT_OK

    served = settings.serve_dir / "citygvc.duckdb"
    with duckdb.connect(str(served), read_only=True) as con:
        rows = con.execute(
            "select indicator_id, breakdown, value from marts.fct_city_indicators "
            "where source = 'fdi_city' and city_code = ? and year = 2012 "
            "and indicator_id in ('mfg_output', 'ict_output', 'ict_share_mfg_output', "
            "'fdi_dependency_ict_output') order by indicator_id, breakdown",
            [DONGGUAN],
        ).fetchall()
    got = {(indicator, breakdown): value for indicator, breakdown, value in rows}
    # Printed in 万元: manufacturing 2,000.5; ICT total 1,200, HMT 450, foreign 700, domestic —.
    expected = {
        ("fdi_dependency_ict_output", "foreign"): 700 / 1200,
        ("fdi_dependency_ict_output", "hmt"): 450 / 1200,
        ("fdi_dependency_ict_output", "total"): (450 + 700) / 1200,
        ("ict_output", "total"): 1200 * 10,
        ("ict_share_mfg_output", "total"): 1200 / 2000.5,
        ("mfg_output", "total"): 2000.5 * 10,
    }
    assert sorted(got) == sorted(expected)
    for key, want in expected.items():
        assert float(got[key]) == pytest.approx(want, rel=1e-12), key
