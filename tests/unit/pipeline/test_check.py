"""`citygvc check`: the dry run of the release checks on hand-made vendor-style files. It prints
what would load (rows and the raw header behind each column) and what would be quarantined
and why, compares with the previous release as the writer recorded it in state.json, exits as
a refresh would, and changes nothing under the data directory."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from orchestration.cli import main
from orchestration.ingest.catalog import Release, ReleaseFile
from orchestration.pipeline.check import previous_from_record
from orchestration.pipeline.plan import RecordedRelease
from tests.helpers import HAND_FIRMS, write_xls

# A vendor's 2005 file: Chinese headers as the public cleaning code spells them, one column
# the column map does not know, GB18030 as Chinese Windows writes CSV.
HEADER = "法人代码,行政区划代码,行业代码,登记注册类型,工业总产值,备注\n"
# The same with output in 10-thousand yuan, the unit in the header as vendors print it.
WAN_HEADER = "法人代码,行政区划代码,行业代码,登记注册类型,工业总产值(万元),备注\n"
NO_INDUSTRY_HEADER = "法人代码,行政区划代码,登记注册类型,工业总产值\n"


def _rows(year: int, firms: list[tuple] = HAND_FIRMS, industry: bool = True, per: int = 1) -> str:
    """The firms' rows; output in thousand yuan, or in 10-thousand yuan with `per=10`."""
    lines = []
    for fid, _name, loc, cic, reg, out in firms:
        middle = f"{cic}," if industry else ""
        tail = ",无" if industry else ""
        lines.append(f"{fid},{loc},{middle}{reg},{out[year] / per:g}{tail}\n")
    return "".join(lines)


def _entry(root: Path, rid: str, period: int, revision: int, rel: str, data: bytes) -> dict:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_bytes(data)
    file = {"path": rel, "format": "csv", "sha256": hashlib.sha256(data).hexdigest()}
    return {
        "release_id": rid,
        "dataset": "asif",
        "period": period,
        "revision": revision,
        "files": [{**file, "bytes": len(data)}],
    }


def _catalog(root: Path, *entries: dict[str, Any]) -> Path:
    (root / "catalog.json").write_text(json.dumps({"catalog_version": 1, "releases": entries}))
    return root


def _state(data: Path, *records: RecordedRelease) -> None:
    state = {r.release_id: r.__dict__ for r in records}
    (data / "state.json").write_text(json.dumps({"releases": state}))


def _tree(folder: Path) -> dict[str, str]:
    """Every path under `folder` with the sha256 of its bytes ("dir" for folders)."""
    return {
        str(p.relative_to(folder)): "dir"
        if p.is_dir()
        else hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture
def data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A data folder a refresh has used: its record, a landed file, a (junk) warehouse."""
    data = tmp_path / "data"
    (data / "landing" / "asif" / "2004" / "asif-2004-r1").mkdir(parents=True)
    (data / "landing" / "asif" / "2004" / "asif-2004-r1" / "a.csv").write_bytes(b"landed")
    (data / "warehouse.duckdb").write_bytes(b"not a duckdb file: check must not open it")
    monkeypatch.setenv("CITYGVC_DATA_DIR", str(data))
    monkeypatch.delenv("CITYGVC_RELEASES", raising=False)
    return data


def _loaded_2004(rows: int) -> RecordedRelease:
    return RecordedRelease(
        "asif-2004-r1", "asif", "0" * 64, "loaded", "code", 2004, 1, rows, 2000.0
    )


def test_would_load_prints_the_mapping_and_writes_nothing(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _catalog(
        tmp_path / "releases",
        _entry(
            tmp_path / "releases",
            "asif-2005-r1",
            2005,
            1,
            "asif/2005/工业企业2005.csv",
            (WAN_HEADER + _rows(2005, per=10)).encode("gb18030"),
        ),
    )
    _state(data, _loaded_2004(rows=5))
    before = _tree(data)
    assert main(["check", str(root)]) == 0
    out = capsys.readouterr().out
    assert _tree(data) == before  # no gx/, no landing copy, no quarantine, state untouched
    assert "asif-2005-r1 (asif 2005, revision 1): would load 6 rows" in out
    # 6 rows against 5 of 2004 is 1.2×, inside the 0.4–2.5 year band
    assert "compared with: asif-2004-r1 (year), 5 rows, median gross output 2,000.0" in out
    for canonical, raw in [
        ("firm_id", "法人代码"),
        ("location_code", "行政区划代码"),
        ("industry_code", "行业代码"),
        ("registration_type", "登记注册类型"),
        # 900 万元 is 9,000 thousand yuan: unconverted, the median (250) would fail the unit
        # check's 500 thousand yuan floor
        ("gross_output", "工业总产值(万元) [万元 → ×10]"),
    ]:
        assert f"    {canonical:<17} ← {raw}\n" in out
    assert "not mapped (kept as extra columns): 备注" in out
    assert "would load 1, would quarantine 0, catalog entries rejected 0" in out


def test_a_workbook_lists_its_sheets_of_firms_and_the_sheets_not_read(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A year saved as .xls: its firms on two sheets behind a sheet of notes."""
    header = HEADER.strip().split(",")
    rows = [line.split(",") for line in _rows(2005).splitlines()]
    sheets = [
        ("说明", [["变量", "含义"], ["备注", "调查员备注"]]),
        ("2005年1", [header, *rows[:4]]),
        ("2005年2", [header, *rows[4:]]),
    ]
    root = tmp_path / "releases"
    path = write_xls(tmp_path / "asif_2005.xls", sheets)
    entry = _entry(root, "asif-2005-r1", 2005, 1, "asif/2005/asif_2005.xls", path.read_bytes())
    entry["files"][0]["format"] = "xls"
    _catalog(root, entry)

    assert main(["check", str(root)]) == 0
    out = capsys.readouterr().out
    assert "asif-2005-r1 (asif 2005, revision 1): would load 6 rows" in out
    assert "  asif/2005/asif_2005.xls (sheet 2005年1): 4 rows\n" in out
    assert "  asif/2005/asif_2005.xls (sheet 2005年2): 2 rows\n" in out
    assert "sheets not read (their header names no firm columns): 说明 (1 row)" in out


def test_would_be_quarantined_says_why_and_where(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "releases"
    no_industry = _entry(
        root,
        "asif-2007-r1",
        2007,
        1,
        "asif/2007/a.csv",
        (NO_INDUSTRY_HEADER + "K1,320583100001,330,9000\n").encode(),
    )
    bad_sha = _entry(root, "asif-2008-r1", 2008, 1, "asif/2008/b.csv", b"x")
    bad_sha["files"][0]["sha256"] = "f" * 64
    # 6 firms in 2005 against 100 loaded rows of 2004: 0.06×, below the 0.4× year band
    small = _entry(
        root, "asif-2005-r1", 2005, 1, "asif/2005/c.csv", (HEADER + _rows(2005)).encode()
    )
    header_only = _entry(root, "asif-2009-r1", 2009, 1, "asif/2009/d.csv", HEADER.encode())
    _catalog(root, no_industry, bad_sha, small, header_only)
    _state(data, _loaded_2004(rows=100))
    before = _tree(data)
    assert main(["check", str(root)]) == 3
    out = capsys.readouterr().out
    assert _tree(data) == before
    assert (
        "asif-2007-r1 (asif 2007, revision 1): would be QUARANTINED (missing_required_column)"
        in out
    )
    assert (
        "missing_required_column: release asif-2007-r1, file asif/2007/a.csv, column "
        "industry_code: required column industry_code not found" in out
    )
    assert "asif-2008-r1 (asif 2008, revision 1): would be QUARANTINED (sha256_mismatch)" in out
    assert "6 rows is 0.06× the 100 rows of 2004 (asif-2004-r1)" in out
    assert "  empty_file: release asif-2009-r1: asif/2009/d.csv: header only, no data rows" in out
    assert (
        "would load 0, would quarantine 4 (asif-2005-r1, asif-2007-r1, asif-2008-r1, "
        "asif-2009-r1)" in out
    )


def test_a_release_over_the_size_caps_would_be_quarantined_undownloaded(
    data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = tmp_path / "releases"
    body = (HEADER + _rows(2005)).encode()
    entry = _entry(root, "asif-2005-r1", 2005, 1, "asif/2005/c.csv", body)
    _catalog(root, entry)
    (root / "asif/2005/c.csv").unlink()  # never fetched: a download would fail differently
    monkeypatch.setenv("CITYGVC_MAX_FILE_BYTES", str(len(body) - 1))
    assert main(["check", str(root)]) == 3
    out = capsys.readouterr().out
    assert "asif-2005-r1 (asif 2005, revision 1): would be QUARANTINED (file_too_large)" in out
    assert f"over the cap of {len(body) - 1:,} bytes per file (CITYGVC_MAX_FILE_BYTES)" in out


def test_a_revision_is_compared_with_the_one_it_follows_even_if_not_loaded_yet(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "releases"
    r1 = _entry(root, "asif-2005-r1", 2005, 1, "asif/2005/r1.csv", (HEADER + _rows(2005)).encode())
    # two of the six firms: 2/6 = 0.33× the rows of r1, below the 0.5× revision band
    r2 = _entry(
        root,
        "asif-2005-r2",
        2005,
        2,
        "asif/2005/r2.csv",
        (HEADER + _rows(2005, HAND_FIRMS[:2])).encode(),
    )
    _catalog(root, r2, r1)
    assert main(["check", str(root)]) == 3
    out = capsys.readouterr().out
    assert "asif-2005-r1 (asif 2005, revision 1): would load 6 rows" in out
    assert "2 rows is 0.33× the 6 rows of revision 1 (asif-2005-r1)" in out


def test_invalid_catalog_exits_2(data: Path, tmp_path: Path) -> None:
    (tmp_path / "catalog.json").write_text('{"catalog_version": 2, "releases": []}')
    assert main(["check", str(tmp_path)]) == 2


def test_previous_release_from_the_record_follows_the_ingest_rule() -> None:
    def rec(rid: str, period: int, revision: int, status: str = "loaded") -> RecordedRelease:
        return RecordedRelease(rid, "asif", "0" * 64, status, "c", period, revision, 10, 1.0)

    file = ReleaseFile("a.csv", "csv", "0" * 64, 1)
    new = Release("asif-2006-r2", "asif", 2006, 2, None, False, (file,))
    recorded = {
        r.release_id: r
        for r in (
            rec("asif-2003-r1", 2003, 1),  # outside the two-year window
            rec("asif-2005-r1", 2005, 1),
            rec("asif-2006-r1", 2006, 1, "quarantined"),
        )
    }
    assert previous_from_record(recorded, new).release_id == "asif-2005-r1"
    recorded["asif-2006-r1"] = rec("asif-2006-r1", 2006, 1)
    previous = previous_from_record(recorded, new)
    assert (previous.release_id, previous.kind) == ("asif-2006-r1", "revision")
    # a state.json written before the comparison fields existed: no comparison
    old = RecordedRelease("asif-2005-r1", "asif", "0" * 64, "loaded", "c")
    assert previous_from_record({"asif-2005-r1": old}, new) is None
