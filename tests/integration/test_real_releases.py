"""A researcher's folder of real-looking files, end to end, in one refresh:

- `citygvc catalog scan` describes the folder (dataset, year and city read from folder and
  file names), then `python -m orchestration.refresh` (what `make run` runs) loads it all;
- a 2003 GBK CSV with the pre-2004 Chinese names (行业类别, 注册类型, 省地县码, 6-digit
  locations) and a 2006 Excel-exported CSV with full-width headers and money in 万元;
- a 2005 vendor file in GB18030 with the short Chinese names of public cleaning code;
- a 1998 GBK CSV coded in GB/T 4754-1994, whose four-digit codes count by their official
  three-digit group (418, repair of electronic equipment, is ICT; 133 is sugar);
- a 2001 Stata 12 file (format 115) as Chinese Stata saved it: labels and firm names in GBK,
  variables named var1, var2, … so that only the labels say what a column is;
- a 2000 Stata 7 file (format 110: letters for the numeric types) with pinyin names and GBK
  labels and firm names;
- a 2002 file as Stata's `outsheet` writes it without `comma`: tab-separated, text in quotes,
  GBK, in a file named .csv;
- a 2004 year as Excel 97–2003 saves it (.xls, whose sheets hold 65,536 rows each): its firms
  on two sheets under the same header, behind a sheet of notes, locations as numbers;
- a Dongguan 2012 yearbook table as BIFF .xls (written by xlwt, laid out as the bureau prints
  it: merged title, 单位：万元, a two-row merged header, the all-industry total, the mining and
  utilities sections and a mining division beside manufacturing, a footnote).

Every indicator checked below is computed by hand from the rows written here. One refresh
serves all three cases because each case's indicators depend only on its own year."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import xlwt

from orchestration.cli import main
from tests.helpers import DONGGUAN, HAND_FIRMS, run_refresh
from tests.stata_files import DOUBLE, FLOAT, INT, LONG, write_stata

KUNSHAN = "320583"

# firm, location (6 digits in 2003), CIC 2002 class, registration type,
# output 2003 (thousand yuan), output 2006 (万元, as the 2006 file prints it)
FIRMS = [
    ("K00000001", KUNSHAN, "4041", "330", 9000, 1200),
    ("K00000002", KUNSHAN, "3411", "170", 3000, 300),
    ("D00000001", DONGGUAN, "4043", "230", 2000, 100),
    ("D00000002", DONGGUAN, "1810", "170", 6000, 700),
]


def _file_2003(path: Path) -> None:
    header = "法人代码,法人单位,省地县码,行业类别,注册类型,工业总产值（现价）,从业人数\n"
    rows = [
        f"{f},企业{i},{loc},{cic},{reg},{out},100\n"
        for i, (f, loc, cic, reg, out, _) in enumerate(FIRMS)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((header + "".join(rows)).encode("gbk"))


def _file_2006(path: Path) -> None:
    header = (
        "法人代码,法人单位,行政区码,国民经济行业代码,登记注册类型,"
        "工业总产值（现价）（万元）,从业人员（人）\n"
    )
    rows = [
        f"{f},企业{i},{loc}100{i:03d},{cic},{reg},{out},100\n"
        for i, (f, loc, cic, reg, _, out) in enumerate(FIRMS)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\ufeff" + header + "".join(rows)).encode("utf-8"))


def _vendor_file_2005(path: Path) -> None:
    lines = ["法人代码,行政区划代码,行业代码,登记注册类型,工业总产值\n"]
    lines += [f"{fid},{loc},{cic},{reg},{out[2005]}\n" for fid, _, loc, cic, reg, out in HAND_FIRMS]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("".join(lines).encode("gb18030"))


# 1998, GB/T 4754-1994 codes (official groups 411 communication equipment, 418 repair of
# electronic and communication equipment, 133 sugar, 061 coal mining, 415 electronic devices,
# 172 cotton textiles, 441 electricity): firm, location, code, registration type, output.
FIRMS_1998 = [
    ("K98000001", KUNSHAN, "4112", "330", 5000),
    ("K98000002", KUNSHAN, "4183", "170", 1000),
    ("K98000003", KUNSHAN, "1330", "110", 4000),
    ("K98000004", KUNSHAN, "0610", "110", 7000),
    ("D98000001", DONGGUAN, "4150", "230", 3000),
    ("D98000002", DONGGUAN, "1720", "170", 6000),
    ("D98000003", DONGGUAN, "4410", "110", 2000),
]


def _file_1998(path: Path) -> None:
    header = "法人代码,法人单位,省地县码,行业类别,注册类型,工业总产值（现价）,从业人数\n"
    rows = [f"{f},企业{i},{loc},{cic},{reg},{out},80\n" for i, (f, loc, cic, reg, out) in
            enumerate(FIRMS_1998)]  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((header + "".join(rows)).encode("gbk"))


# 2001, GB/T 4754-1994 codes (411 communication equipment and 415 electronic devices: ICT;
# 133 sugar, 172 cotton textiles): firm, name, location, code, registration type, output.
FIRMS_2001 = [
    ("K01000001", "昆山某通信设备有限公司", 320583, 4112, 330, 8000.0),
    ("K01000002", "昆山某糖厂", 320583, 1330, 110, 2000.0),
    ("D01000001", "东莞某电子厂", 441900, 4150, 230, 1000.0),
    ("D01000002", "东莞某纺织有限公司", 441900, 1720, 170, 3000.0),
]
LABELS_2001 = [
    "法人代码",
    "企业名称",
    "行政区划代码",
    "行业代码",
    "登记注册类型",
    "工业总产值_当年价格(千元)",
]


def _stata12_file_2001(path: Path) -> None:
    kinds = [9, 30, DOUBLE, INT, INT, FLOAT]
    values = [
        [firm.encode() for firm, *_ in FIRMS_2001],
        [name.encode("gbk") for _, name, *_ in FIRMS_2001],
        *([row[k] for row in FIRMS_2001] for k in range(2, 6)),
    ]
    columns = [
        (f"var{i + 1}", kind, v) for i, (kind, v) in enumerate(zip(kinds, values, strict=True))
    ]
    labels = {f"var{i + 1}": label for i, label in enumerate(LABELS_2001)}
    path.parent.mkdir(parents=True, exist_ok=True)
    write_stata(path, columns, labels, release=115, encoding="gbk")


# 2000, Stata 7, 1994 codes: firm, name, location, code, registration type, output.
FIRMS_2000 = [
    ("K00000101", "昆山某电子有限公司", 320583, 4112, 330, 6000.0),
    ("K00000102", "昆山某纺织厂", 320583, 1720, 170, 4000.0),
    ("D00000101", "东莞某通信设备厂", 441900, 4150, 230, 3000.0),
    ("D00000102", "东莞某糖厂", 441900, 1330, 110, 1000.0),
]


def _stata7_file_2000(path: Path) -> None:
    names = ["frdm", "qymc", "sdxm", "hydm", "djzclx", "gyzcz"]
    kinds = [9, 30, LONG, INT, INT, DOUBLE]
    values = [
        [firm.encode() for firm, *_ in FIRMS_2000],
        [name.encode("gbk") for _, name, *_ in FIRMS_2000],
        *([row[k] for row in FIRMS_2000] for k in range(2, 6)),
    ]
    columns = list(zip(names, kinds, values, strict=True))
    labels = dict(zip(names, LABELS_2001, strict=True))
    path.parent.mkdir(parents=True, exist_ok=True)
    write_stata(path, columns, labels, release=110, encoding="gbk")


# 2002, 1994 codes: firm (a check letter in lower case), location, code, registration type,
# output.
FIRMS_2002 = [
    ("k02000001", KUNSHAN, "4112", "330", "7000"),
    ("K02000002", KUNSHAN, "1720", "170", "3000"),
    ("D02000001", DONGGUAN, "4150", "230", "2000"),
    ("D02000002", DONGGUAN, "1330", "110", "2000"),
]


def _outsheet_file_2002(path: Path) -> None:
    lines = ["frdm\tqymc\tsdxm\thydm\tdjzclx\tgyzcz\tcyrs\n"]
    lines += [f'"{f}"\t"企业,{i}"\t{loc}\t{cic}\t{reg}\t{out}\t50\n'
              for i, (f, loc, cic, reg, out) in enumerate(FIRMS_2002)]  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("".join(lines).encode("gbk"))


# 2004, as .xls: sheet, firm, location (a number), CIC 2002 class, registration type, output
FIRMS_2004 = [
    ("2004年1", "K04000001", 320583, "4041", "330", 6000),
    ("2004年1", "D04000001", 441900, "1810", "170", 4000),
    ("2004年2", "K04000002", 320583, "3411", "170", 2000),
    ("2004年2", "D04000002", 441900, "4043", "230", 1000),
]


def _xls_file_2004(path: Path) -> None:
    book = xlwt.Workbook(encoding="utf-8")
    notes = book.add_sheet("说明")
    for row, line in enumerate([("变量", "含义"), ("工业产值当", "工业总产值(当年价格), 千元")]):
        for col, text in enumerate(line):
            notes.write(row, col, text)
    header = [
        "法人代码",
        "法人单位",
        "行政区代码",
        "国民经济行业代码",
        "登记注册类型",
        "工业产值当",
    ]
    for name in ("2004年1", "2004年2"):
        sheet = book.add_sheet(name)
        for col, text in enumerate(header):
            sheet.write(0, col, text)
        firms = [f for f in FIRMS_2004 if f[0] == name]
        for row, (_, firm, loc, cic, reg, out) in enumerate(firms, start=1):
            for col, value in enumerate([firm, f"企业{row}", loc, cic, reg, out]):
                sheet.write(row, col, value)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(str(path))


ICT_2011 = "计算机、通信和其他电子设备制造业"


def _yearbook_xls(path: Path) -> None:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("3-12")
    sheet.write_merge(0, 0, 0, 4, "2012年东莞市规模以上工业企业工业总产值（按行业分）")
    sheet.write(1, 4, "单位：万元")
    sheet.write_merge(2, 3, 0, 0, "行  业")
    sheet.write_merge(2, 3, 1, 1, "合  计")
    sheet.write_merge(2, 2, 2, 4, "按登记注册类型分")
    for col, label in enumerate(["内资企业", "港澳台商投资企业", "外商投资企业"], start=2):
        sheet.write(3, col, label)
    body = [
        ["总  计", "3,650.5", 1_500, 1_050.25, 1_100.25],  # all industry: loaded, not kept
        ["采矿业", 150, 150, "—", "—"],  # the mining section: loaded, not kept
        ["煤炭开采和洗选业", 150, 150, "—", "—"],  # division 06: kept
        ["制造业", "2,000.5", 800, 700.25, 500.25],
        [ICT_2011, "1,200", "—", 450, 700],
        ["电力、热力、燃气及水生产和供应业", "1,500", 550, 350, 600],  # section D: not kept
    ]
    for row, values in enumerate(body, start=4):
        for col, value in enumerate(values):
            sheet.write(row, col, value)
    sheet.write_merge(10, 10, 0, 4, "注：本表为年主营业务收入2000万元及以上工业法人企业数据。")
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(str(path))


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder scanned into a catalog, then one refresh (disclosure off: the hand numbers
    are too few firms to pass the disclosure rule). Returns the served DuckDB file."""
    base = tmp_path_factory.mktemp("real_releases")
    folder, data = base / "files", base / "data"
    _file_1998(folder / "asif" / "1998" / "asif_1998.csv")
    _stata12_file_2001(folder / "asif" / "2001" / "asif_2001.dta")
    _stata7_file_2000(folder / "asif" / "2000" / "qy2000.dta")
    _outsheet_file_2002(folder / "asif" / "2002" / "asif_2002.csv")
    _file_2003(folder / "asif" / "2003" / "asif_2003.csv")
    _xls_file_2004(folder / "asif" / "2004" / "asif_2004.xls")
    _file_2006(folder / "工业企业数据库" / "2006年.csv")
    _vendor_file_2005(folder / "ASIF_2005.csv")
    _yearbook_xls(folder / "fdi_city" / "2012" / f"{DONGGUAN}.xls")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("CITYGVC_DATA_DIR", str(data))
        assert main(["catalog", "scan", str(folder)]) == 0
    run_refresh(data, folder, CITYGVC_DISCLOSURE="off")  # asserts exit 0: everything loaded
    return data / "serve" / "citygvc.duckdb"


def _asif_series(served: Path, indicator: str) -> list[tuple[str, int, float]]:
    with duckdb.connect(str(served), read_only=True) as con:
        rows = con.execute(
            "select city_code, year, value from marts.fct_city_indicators "
            "where indicator_id = ? and breakdown = 'total' and source = 'asif' "
            "and city_code in (?, ?) order by city_code, year",
            [indicator, KUNSHAN, DONGGUAN],
        ).fetchall()
    return [(c, y, float(v)) for c, y, v in rows]


@pytest.mark.slow
def test_real_headers_and_vendor_spellings_give_the_hand_shares(published: Path) -> None:
    # ICT (division 40 of GB/T 4754-2002) share of manufacturing output, by hand:
    #   2003: Kunshan 9000 / (9000 + 3000); Dongguan 2000 / (2000 + 6000)
    #   2005 (vendor file, HAND_FIRMS): Kunshan (9000 + 1000) / 13000; Dongguan 2000 / 10000
    #   2006 (万元 × 10): Kunshan 12000 / 15000; Dongguan 1000 / 8000
    #   1998 (GB/T 4754-1994, ICT = division 41 incl. repair group 418; coal mining and
    #   electricity are not manufacturing): Kunshan (5000 + 1000) / (5000 + 1000 + 4000);
    #   Dongguan 3000 / (3000 + 6000)
    #   2001 (Stata 12, GBK labels; 1994 codes): Kunshan 8000 / (8000 + 2000); Dongguan
    #   1000 / (1000 + 3000)
    #   2000 (Stata 7; 1994 codes): Kunshan 6000 / (6000 + 4000); Dongguan 3000 / (3000 + 1000)
    #   2002 (outsheet, tabs; 1994 codes): Kunshan 7000 / (7000 + 3000); Dongguan 2000 / 4000
    #   2004 (.xls, each city's firms on both sheets): Kunshan 6000 / (6000 + 2000); Dongguan
    #   1000 / (4000 + 1000)
    expected = [
        (KUNSHAN, 1998, 0.6),
        (DONGGUAN, 1998, 1 / 3),
        (KUNSHAN, 2000, 0.6),
        (DONGGUAN, 2000, 0.75),
        (KUNSHAN, 2001, 0.8),
        (DONGGUAN, 2001, 0.25),
        (KUNSHAN, 2002, 0.7),
        (DONGGUAN, 2002, 0.5),
        (KUNSHAN, 2003, 0.75),
        (KUNSHAN, 2004, 0.75),
        (DONGGUAN, 2004, 0.2),
        (KUNSHAN, 2005, 10000 / 13000),
        (KUNSHAN, 2006, 0.8),
        (DONGGUAN, 2003, 0.25),
        (DONGGUAN, 2005, 0.2),
        (DONGGUAN, 2006, 0.125),
    ]
    shares = _asif_series(published, "ict_share_mfg_output")
    assert sorted((c, y) for c, y, _ in shares) == sorted((c, y) for c, y, _ in expected)
    got = {(c, y): v for c, y, v in shares}
    for city, year, want in expected:
        assert got[(city, year)] == pytest.approx(want, abs=1e-12), (city, year)


@pytest.mark.slow
@pytest.mark.parametrize(("year", "firms"), [(2000, FIRMS_2000), (2001, FIRMS_2001)])
def test_gbk_firm_names_of_old_stata_files_are_read_as_written(
    published: Path, year: int, firms: list[tuple]
) -> None:
    warehouse = published.parent.parent / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = con.execute(
            "select firm_id, firm_name from staging.stg_asif__firm_years "
            "where year = ? order by firm_id",
            [year],
        ).fetchall()
    assert names == sorted((firm, name) for firm, name, *_ in firms)


@pytest.mark.slow
def test_1994_codes_are_harmonised_by_their_group(published: Path) -> None:
    # GB/T 4754-2011 divisions of 1998, through each group's 2002 classes:
    #   Kunshan 39 (electronics) = 4112 (group 411 -> 2002 4011-4019 -> 2011 39xx) 5000 +
    #   4183 (group 418 -> 2002 4090 -> 2011 3990) 1000; 13 = 1330 (group 133 sugar -> 2002
    #   1340 -> 2011 1340) 4000; 06 = 0610 (group 061 -> 2002 0610/0620/0690 -> 06xx) 7000.
    #   Dongguan 39 = 4150 (group 415) 3000; 17 = 1720 (group 172 cotton -> 2002 1711/1712
    #   -> 2011 1711/1713/1751/1752) 6000; 44 = 4410 (group 441 -> 2002 441x) 2000.
    with duckdb.connect(str(published), read_only=True) as con:
        rows = con.execute(
            "select city_code, industry_code, gross_output from marts.fct_city_industry_year "
            "where year = 1998 and industry_level = 'division' and ownership = 'total' "
            "and city_code in (?, ?) and industry_code <> 'C' order by 1, 2",
            [KUNSHAN, DONGGUAN],
        ).fetchall()
    got = {(c, i): float(v) for c, i, v in rows if v}
    assert got == {
        (DONGGUAN, "17"): 6000.0,
        (DONGGUAN, "39"): 3000.0,
        (DONGGUAN, "44"): 2000.0,
        (KUNSHAN, "06"): 7000.0,
        (KUNSHAN, "13"): 4000.0,
        (KUNSHAN, "39"): 6000.0,
    }


@pytest.mark.slow
def test_money_in_wan_yuan_is_converted_and_recorded(published: Path) -> None:
    # Manufacturing output in thousand yuan (a share would not see a missed 万元 × 10):
    #   2006 Kunshan (1200 + 300) × 10, Dongguan (100 + 700) × 10; 2003 as printed.
    mfg = {(c, y): v for c, y, v in _asif_series(published, "mfg_output")}
    assert mfg[(KUNSHAN, 2003)] == 12000.0 and mfg[(DONGGUAN, 2003)] == 8000.0
    assert mfg[(KUNSHAN, 2006)] == 15000.0 and mfg[(DONGGUAN, 2006)] == 8000.0
    with duckdb.connect(str(published), read_only=True) as con:
        units = con.execute(
            "select release_id, detail, value from marts.fct_data_quality "
            "where metric = 'column_unit' order by release_id, detail"
        ).fetchall()
    assert units == [("asif-2006-r1", "gross_output:万元", 10.0)]


@pytest.mark.slow
def test_xls_yearbook_table_gives_the_hand_indicators(published: Path) -> None:
    with duckdb.connect(str(published), read_only=True) as con:
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


@pytest.mark.slow
def test_xls_totals_and_sections_load_but_only_divisions_are_kept(published: Path) -> None:
    with duckdb.connect(str(published), read_only=True) as con:
        industries = con.execute(
            "select industry_code, gross_output from marts.fct_city_industry_year "
            "where source = 'fdi_city' and city_code = ? and year = 2012 "
            "and industry_level = 'division' and ownership = 'total' order by 1",
            [DONGGUAN],
        ).fetchall()
        out_of_scope = con.execute(
            "select detail, value from marts.fct_data_quality "
            "where metric = 'cells_out_of_scope' and release_id = 'fdi_city-2012-r1' "
            "order by detail"
        ).fetchall()
    # 万元 × 10: coal mining 150, manufacturing 2,000.5, ICT (2011 division 39) 1,200;
    # not the all-industry total, the mining section or the utilities section.
    assert [(code, float(value)) for code, value in industries] == [
        ("06", 1500.0),
        ("39", 12000.0),
        ("C", 20005.0),
    ]
    # Each of the three rows prints 4 cells (合计 and three ownerships; — counts as a cell).
    utilities = "电力、热力、燃气及水生产和供应业"
    # 总  计 is read as 总计 (spaces inside a printed name are dropped).
    assert out_of_scope == [("总计", 4.0), (utilities, 4.0), ("采矿业", 4.0)]
