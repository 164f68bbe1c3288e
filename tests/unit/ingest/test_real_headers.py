"""ASIF files spelled as researchers' copies spell them, read through `read_asif`.

Each file is written here by hand the way such a file is written (vendor CSV in GBK or UTF-8
with a BOM, Stata files with pinyin names and Chinese labels), one header category per test:
pre-2004 Chinese names, full-width punctuation with unit suffixes, NBS indicator numbers,
pinyin codes, yuan-denominated money, and constant-price output. Expected values are
computed by hand in the comments next to them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from orchestration.ingest.catalog import Release
from orchestration.ingest.checks.asif import run_asif_checks
from orchestration.ingest.readers import ReadError, read_asif
from orchestration.ingest.readers.asif import AsifFrame, asif_column_map, match_header
from orchestration.ingest.readers.headers import header_key, split_unit
from orchestration.warehouse.seeds import load_seed


def _values(frame: AsifFrame, column: str) -> list:
    return frame.table.column(column).to_pylist()


def _write(path: Path, text: str, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# The header normaliser ------------------------------------------------------------------------

HEADER_KEYS = [
    # raw header as printed → (key matched against the seed, unit suffix)
    ("工业总产值（现价）（万元）", "工业总产值(现价)", "万元"),
    ("从业人员（人）", "从业人员", "人"),
    ("其中：出口交货值", "其中:出口交货值", None),
    ("开业（成立）时间--年", "开业(成立)时间-年", None),
    ("开业(成立)时间—年", "开业(成立)时间-年", None),
    ("开业(成立)时间－年", "开业(成立)时间-年", None),
    ("开业(成立)时间–年", "开业(成立)时间-年", None),
    ("工业总产值_当年价格千元", "工业总产值_当年价格", "千元"),
    ("工业总产值_当年价格_千元", "工业总产值_当年价格", "千元"),
    ("工业总产值(当年价格)(千元)", "工业总产值(当年价格)", "千元"),
    ("工业中间投入合计千元", "工业中间投入合计", "千元"),
    ("其中出口交货值千元", "其中出口交货值", "千元"),
    ("工业总产值现价万元", "工业总产值现价", "万元"),
    ("工业总产值(单位：亿元)", "工业总产值", "亿元"),
    ("应交增值税(元)", "应交增值税", "元"),
    ("全部从业人员年平均人数人", "全部从业人员年平均人数", "人"),
    ("年末从业人员合计人", "年末从业人员合计", "人"),
    # Words that merely end in 人 or 元 keep them.
    ("全部从业人", "全部从业人", None),
    ("法定代表人", "法定代表人", None),
    ("出口额美元", "出口额美元", None),
    ("  FRDM ", "frdm", None),
    ("Ｂ０５", "b05", None),
    ("省 地 县 码", "省地县码", None),
    ("省地县码\u3000", "省地县码", None),
]


@pytest.mark.parametrize(("raw", "key", "unit"), HEADER_KEYS)
def test_header_key_and_unit_suffix(raw: str, key: str, unit: str | None) -> None:
    found_key, found_unit = split_unit(raw)
    assert found_key == key
    assert (found_unit.text if found_unit else None) == unit


def test_header_key_without_unit_handling() -> None:
    assert header_key("工业总产值（现价）（万元）") == "工业总产值(现价)(万元)"
    assert header_key("Gross_Output") == "gross_output"


def test_constant_price_output_never_matches_gross_output() -> None:
    # Even a column map that (wrongly) lists it does not make it gross output.
    wrong_map = {"工业总产值(不变价)": "gross_output", "gyzczbbjxgd": "gross_output"}
    assert match_header("工业总产值（不变价）（千元）", wrong_map) is None
    assert match_header("gyzczbbjxgd", wrong_map) is None
    seed = asif_column_map()
    assert match_header("工业总产值（不变价）", seed) is None
    assert match_header("工业总产值_不变价(千元)", seed) is None
    assert match_header("c69", seed) is None  # "Industrial output (constant prices)"


def test_every_column_map_row_names_its_source() -> None:
    seed = load_seed("asif_column_map")
    for raw, source in zip(seed.raw_name, seed.source, strict=True):
        # "owner/repo: path", code the index found without naming its repository, or the
        # project's own spelling.
        assert ": " in source or source.startswith("citygvc "), raw
    # The spellings this issue is about are documented by public code, not by design.
    sources = dict(zip(seed.raw_name, seed.source, strict=True))
    for raw in ("行业类别", "hylb", "gyzczxjxgd", "B05", "c143", "frdm", "qymc", "djzclx"):
        assert not sources[raw].startswith("citygvc"), raw


def test_unit_of_the_wrong_kind_is_no_match() -> None:
    seed = asif_column_map()
    assert match_header("从业人员(万元)", seed) is None
    assert match_header("工业总产值(人)", seed) is None
    assert match_header("法人代码(千元)", seed) is None
    assert match_header("从业人员(人)", seed)[0] == "employment"


# (a) 1998–2003: pre-2004 Chinese names, industry column 行业类别, location 省地县码 -----------

HEADER_1998 = (
    "法人代码,企业名称,省地县码,行业类别,登记注册类型,开业年,工业总产值(现价),工业增加值,从业人数"
)
CSV_1998 = (
    HEADER_1998 + ",邮政编码\n"
    "000123456,昆山电子厂,320583,4111,110,1985,52340.5,10468.1,812,215300\n"
    "78901234X,东莞制衣厂,441900,1810,230,1993,8120,1624,356,523000\n"
)


def test_1998_chinese_headers_with_industry_category(tmp_path: Path) -> None:
    # A vendor CSV as Excel on a Chinese Windows saves it: GBK.
    path = _write(tmp_path / "asif_1998.csv", CSV_1998, "gbk")

    frame = read_asif(path, "csv")

    assert frame.missing_required == []
    assert frame.encoding in ("gbk", "gb18030")
    assert frame.column_sources["industry_code"] == "行业类别"
    assert frame.column_sources["location_code"] == "省地县码"
    assert _values(frame, "firm_id") == ["000123456", "78901234X"]
    assert _values(frame, "location_code") == ["320583", "441900"]
    assert _values(frame, "industry_code") == ["4111", "1810"]
    assert _values(frame, "registration_type") == ["110", "230"]
    assert _values(frame, "founding_year") == [1985.0, 1993.0]
    # Thousand yuan as printed: nothing rescaled, no unit recorded.
    assert _values(frame, "gross_output") == [52340.5, 8120.0]
    assert _values(frame, "value_added") == [10468.1, 1624.0]
    assert _values(frame, "employment") == [812.0, 356.0]
    assert frame.column_units == {}
    assert frame.unmapped_columns == ["邮政编码"]


def test_2003_header_list_maps_every_required_column(tmp_path: Path) -> None:
    # The 2003 spelling: 注册类型 (not 登记注册类型), 开业时间（年）, full-width brackets.
    text = (
        "法人代码,法人单位,省地县码,行业类别,注册类型,开业时间（年）,"
        "工业总产值（不变价）,工业总产值（现价）,出口交货值,从业人数,国家资本金,外商资本金\n"
        "100000001,昆山精密,320583,4041,330,1998,9000,9500,7000,420,0,3000\n"
    )
    frame = read_asif(_write(tmp_path / "asif_2003.csv", text, "utf-8"), "csv")

    assert frame.missing_required == []
    assert frame.column_sources["registration_type"] == "注册类型"
    assert frame.column_sources["gross_output"] == "工业总产值（现价）"
    assert _values(frame, "gross_output") == [9500.0]  # current prices, not the 9000
    assert _values(frame, "founding_year") == [1998.0]
    assert _values(frame, "export_value") == [7000.0]
    assert _values(frame, "capital_state") == [0.0]
    assert _values(frame, "capital_foreign") == [3000.0]
    assert "工业总产值（不变价）" in frame.unmapped_columns


# (b) full-width punctuation and unit suffixes: 万元 → × 10 -------------------------------------

HEADER_2006 = [
    "法人代码",
    "法人单位",
    "行政区码",
    "国民经济行业代码",
    "登记注册类型",
    "开业（成立）时间--年",
    "工业总产值（现价）（万元）",
    "工业增加值（万元）",
    "其中：出口交货值（万元）",
    "从业人员（人）",
    "实收资本（万元）",
]
CSV_2006_WANYUAN = ",".join(HEADER_2006) + (
    "\n"
    "K00000001,昆山电脑,320583100001,4041,330,2001,1200.5,300.25,1000,850,500\n"
    "K00000003,昆山零件,320583100003,4061,230,1999,250,60,0,120,80\n"
    "D00000001,东莞外设,441900100001,4043,230,1995,120,30.5,90,64,20\n"
)


def test_fullwidth_headers_with_wanyuan_are_rescaled(tmp_path: Path) -> None:
    # UTF-8 with a BOM, as Excel saves "CSV UTF-8".
    path = _write(tmp_path / "asif_2006.csv", "\ufeff" + CSV_2006_WANYUAN, "utf-8")

    frame = read_asif(path, "csv")

    assert frame.missing_required == []
    assert frame.column_sources["gross_output"] == "工业总产值（现价）（万元）"
    assert frame.column_sources["founding_year"] == "开业（成立）时间--年"
    assert _values(frame, "founding_year") == [2001.0, 1999.0, 1995.0]
    # 万元 × 10 = thousand yuan: 1200.5 → 12005, 250 → 2500, 120 → 1200.
    assert _values(frame, "gross_output") == pytest.approx([12005.0, 2500.0, 1200.0])
    assert _values(frame, "value_added") == pytest.approx([3002.5, 600.0, 305.0])
    assert _values(frame, "export_value") == pytest.approx([10000.0, 0.0, 900.0])
    assert _values(frame, "paid_in_capital") == pytest.approx([5000.0, 800.0, 200.0])
    # Persons stay persons.
    assert _values(frame, "employment") == [850.0, 120.0, 64.0]
    assert frame.column_units == {
        "gross_output": "万元",
        "value_added": "万元",
        "export_value": "万元",
        "employment": "人",
        "paid_in_capital": "万元",
    }


def test_wanyuan_file_in_its_first_year_passes_and_reports_its_units(tmp_path: Path) -> None:
    path = _write(tmp_path / "asif_2006.csv", CSV_2006_WANYUAN, "utf-8")
    frame = read_asif(path, "csv", "asif/2006.csv")
    release = Release("asif-2006-r1", "asif", 2006, 1, "2008-03-01", False, ())

    # No previous release: only the absolute unit bounds apply. Median of the 万元 numbers
    # as printed (250) is below the 500 thousand-yuan floor; rescaled it is 2500.
    report = run_asif_checks(frame, release, previous=None)

    assert report.failures == []
    stats = {(s.metric, s.detail): s.value for s in report.stats}
    assert stats[("median_gross_output", "")] == pytest.approx(2500.0)
    assert stats[("column_unit", "gross_output:万元")] == 10.0
    assert stats[("column_unit", "value_added:万元")] == 10.0
    assert stats[("column_unit", "export_value:万元")] == 10.0
    assert stats[("column_unit", "paid_in_capital:万元")] == 10.0
    # Persons are the canonical unit: nothing applied, nothing in ops.
    assert ("column_unit", "employment:人") not in stats


def test_glued_thousand_yuan_suffixes_in_stata_names(tmp_path: Path) -> None:
    # Stata names as in researchers' do-files: the unit glued on, no punctuation.
    df = pd.DataFrame(
        {
            "法人代码": ["D00000002"],
            "行政区划代码": ["441900100002"],
            "国民经济行业代码": ["1810"],
            "登记注册类型": ["170"],
            "工业总产值_当年价格千元": [7000.0],
            "工业中间投入合计千元": [5200.0],
            "其中出口交货值千元": [6100.0],
            "全部从业人员年平均人数人": [410.0],
        }
    )
    path = tmp_path / "asif_2008.dta"
    pyreadstat.write_dta(df, path)

    frame = read_asif(path, "dta")

    assert frame.missing_required == []
    assert _values(frame, "gross_output") == [7000.0]
    assert _values(frame, "intermediate_input") == [5200.0]
    assert _values(frame, "export_value") == [6100.0]
    assert _values(frame, "employment") == [410.0]
    assert frame.column_units == {
        "gross_output": "千元",
        "intermediate_input": "千元",
        "export_value": "千元",
        "employment": "人",
    }
    assert frame.unit_stats() == []  # already canonical: no rescale to report


# (c) NBS indicator numbers as headers --------------------------------------------------------


def test_nbs_indicator_numbers_as_headers(tmp_path: Path) -> None:
    # B05 (location) of the 2010 files, c143 (VAT payable) and c69 (output at constant
    # prices) of the numbered 1998–2007 dictionary, next to the English codes of that copy.
    text = (
        "firm,name,B05,cic,type,setup,employ,c69,output,addval,c143\n"
        "320583001,Kunshan Board,320583100001,4062,310,2002,230,4100,4350,900,120\n"
        "441900002,Dongguan Mold,441900100002,3525,170,1997,75,980,1010,210,31.5\n"
    )
    frame = read_asif(_write(tmp_path / "asif_2007.csv", text, "utf-8"), "csv")

    assert frame.missing_required == []
    assert frame.column_sources["location_code"] == "B05"
    assert frame.column_sources["vat_payable"] == "c143"
    assert _values(frame, "location_code") == ["320583100001", "441900100002"]
    assert _values(frame, "firm_id") == ["320583001", "441900002"]
    assert _values(frame, "registration_type") == ["310", "170"]
    assert _values(frame, "founding_year") == [2002.0, 1997.0]
    assert _values(frame, "vat_payable") == [120.0, 31.5]
    assert _values(frame, "gross_output") == [4350.0, 1010.0]  # output, not c69
    assert _values(frame, "employment") == [230.0, 75.0]
    assert "c69" in frame.unmapped_columns


def test_english_panel_codes_with_dq_as_location(tmp_path: Path) -> None:
    # The column order of a 1998–2007 panel's data catalogue (firm, year, export, dq, name, …,
    # cic, type, setup, employ, c69, output, addval, …): dq, the province-county code, is the
    # only location column it has.
    text = (
        "firm,year,export,dq,name,town,cic,type,setup,employ,c69,output,addval,midput\n"
        "320583001,2005,1200,320583,Kunshan Board,玉山镇,4062,310,2002,230,4100,4350,900,3450\n"
        "441900002,2005,0,441900,Dongguan Mold,长安镇,3525,170,1997,75,980,1010,210,800\n"
    )
    frame = read_asif(_write(tmp_path / "asif_2005.csv", text, "utf-8"), "csv")

    assert frame.missing_required == []
    assert frame.column_sources["location_code"] == "dq"
    assert _values(frame, "location_code") == ["320583", "441900"]
    assert _values(frame, "export_value") == [1200.0, 0.0]
    assert _values(frame, "intermediate_input") == [3450.0, 800.0]
    assert sorted(frame.unmapped_columns) == ["c69", "town", "year"]


# Excel's "Unicode Text": UTF-16 after a byte-order mark, tab-separated, CRLF -----------------

UNICODE_TEXT = (
    "法人代码\t法人单位\t行政区划代码\t行业代码\t登记注册类型\t工业总产值(千元)\r\n"
    "320583001\t昆山电子,有限公司\t320583100001\t4041\t330\t9000\r\n"
    '441900002\t"东莞""五金""厂"\t441900100002\t3411\t170\t1500.5\r\n'
)


@pytest.mark.parametrize(("bom", "codec"), [(b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")])
def test_excel_unicode_text_is_read(tmp_path: Path, bom: bytes, codec: str) -> None:
    path = tmp_path / "asif_2005.csv"
    path.write_bytes(bom + UNICODE_TEXT.encode(codec))

    frame = read_asif(path, "csv")

    assert frame.encoding == "utf-16"
    assert frame.missing_required == []
    assert _values(frame, "firm_name") == ["昆山电子,有限公司", '东莞"五金"厂']
    assert _values(frame, "location_code") == ["320583100001", "441900100002"]
    assert _values(frame, "gross_output") == [9000.0, 1500.5]


def test_unicode_text_cut_short_is_a_truncated_file(tmp_path: Path) -> None:
    path = tmp_path / "asif_2005.csv"
    path.write_bytes((b"\xff\xfe" + UNICODE_TEXT.encode("utf-16-le"))[:-1])  # half a character

    with pytest.raises(ReadError) as error:
        read_asif(path, "csv")

    assert error.value.reason == "truncated_file"
    assert "invalid UTF-16" in str(error.value)


def test_csv_as_r_writes_it(tmp_path: Path) -> None:
    # write.csv(df, "asif_2005.csv") from R, as the public R cleaning code would save its
    # frame: a first column of row names under "", text quoted, numbers not, a missing value
    # NA unquoted, 100000 printed 1e+05 (R's shorter form), codes read as numbers unquoted.
    text = (
        '"","frdm","qymc","dqdm","hydm","djzclx","gyzcz","gyzjz","cyrs"\n'
        '"1","320583001","昆山电子","320583",4041,"330",1e+05,NA,230\n'
        '"2","441900002","NA",441900,3411,"170",2500.5,600,NA\n'
        '"3","441900003",NA,441900,1810,"170",NA,NA,80\n'
    )
    frame = read_asif(_write(tmp_path / "asif_2005.csv", text, "utf-8"), "csv")

    assert frame.parse_issues == {}  # NA is no unparseable number
    assert _values(frame, "gross_output") == [100000.0, 2500.5, None]
    assert _values(frame, "value_added") == [None, 600.0, None]
    assert _values(frame, "employment") == [230.0, None, 80.0]
    # a quoted "NA" is a name (R quotes text and writes missing text as NA unquoted)
    assert _values(frame, "firm_name") == ["昆山电子", "NA", None]
    assert _values(frame, "industry_code") == ["4041", "3411", "1810"]
    assert frame.unmapped_columns == ["column_1"]  # the row names


# (d) pinyin abbreviations with Chinese Stata labels ---------------------------------------------


def test_pinyin_names_with_chinese_labels(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "frdm": ["00012345X", "000067890"],
            "qymc": ["苏州光电", "东莞五金"],
            "dqdm": ["320583", "441900"],
            "hylb": ["4053", "3411"],
            "djzclx": ["310", "170"],
            "kysjn": [2004.0, 2000.0],
            "gyzczbbjxgd": [15000.0, 2100.0],
            "gyzczxjxgd": [16250.0, 2300.0],
            "zjtrhj": [12100.0, 1800.0],
            "bnyjzzs": [310.0, 65.0],
            "zyywsr": [15800.0, 2250.0],
            "cyrs": [640.0, 95.0],
            "gjzbj": [0.0, 0.0],
            "wszbj": [8000.0, 0.0],
        }
    )
    labels = {
        "frdm": "法人代码",
        "qymc": "法人单位",
        "dqdm": "地区代码",
        "hylb": "行业类别",
        "djzclx": "登记注册类型",
        "kysjn": "开业时间年",
        "gyzczbbjxgd": "工业总产值_不变价(千元)",
        "gyzczxjxgd": "工业总产值_当年价格(千元)",
        "zjtrhj": "工业中间投入合计(千元)",
        "bnyjzzs": "应交增值税(千元)",
        "zyywsr": "主营业务(产品销售)收入(千元)",
        "cyrs": "全部从业人员年平均人数(人)",
        "gjzbj": "国家资本(千元)",
        "wszbj": "外商资本(千元)",
    }
    path = tmp_path / "asif_2005.dta"
    pyreadstat.write_dta(df, path, column_labels=labels)

    frame = read_asif(path, "dta")

    assert frame.missing_required == []
    assert frame.column_sources["gross_output"] == "gyzczxjxgd"
    assert frame.column_sources["industry_code"] == "hylb"
    assert _values(frame, "firm_id") == ["00012345X", "000067890"]
    assert _values(frame, "firm_name") == ["苏州光电", "东莞五金"]
    assert _values(frame, "location_code") == ["320583", "441900"]
    assert _values(frame, "industry_code") == ["4053", "3411"]
    assert _values(frame, "founding_year") == [2004.0, 2000.0]
    assert _values(frame, "gross_output") == [16250.0, 2300.0]  # not the constant-price column
    assert _values(frame, "intermediate_input") == [12100.0, 1800.0]
    assert _values(frame, "vat_payable") == [310.0, 65.0]
    assert _values(frame, "sales") == [15800.0, 2250.0]
    assert _values(frame, "employment") == [640.0, 95.0]
    assert _values(frame, "capital_foreign") == [8000.0, 0.0]
    assert "gyzczbbjxgd" in frame.unmapped_columns
    # The labels' units are recorded: thousand yuan, nothing rescaled.
    assert frame.column_units["gross_output"] == "千元"
    assert frame.unit_stats() == []


def test_unit_in_a_stata_label_rescales_a_pinyin_column(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "frdm": ["1"],
            "dqdm": ["320583"],
            "hylb": ["4041"],
            "djzclx": ["330"],
            "gyzczxjxgd": [1234.5],
        }
    )
    path = tmp_path / "wanyuan_label.dta"
    pyreadstat.write_dta(df, path, column_labels={"gyzczxjxgd": "工业总产值_当年价格(万元)"})

    frame = read_asif(path, "dta")

    assert _values(frame, "gross_output") == pytest.approx([12345.0])  # 1234.5 万元 × 10
    assert frame.unit_stats() == [("gross_output:万元", 10.0)]


# (e) money in yuan: ÷ 1000 ---------------------------------------------------------------------


def test_yuan_columns_are_divided_by_1000(tmp_path: Path) -> None:
    text = (
        "法人代码,行政区划代码,行业代码,登记注册类型,工业总产值_当年价格(元),"
        "工业中间投入合计(元),应交增值税(元),全部从业人员年平均人数(人)\n"
        "K1,320583100001,4041,330,2500000,1900000,85000,300\n"
        "K2,320583100002,3411,170,123456,100001,7,12\n"
    )
    frame = read_asif(_write(tmp_path / "asif_2009.csv", text, "utf-8"), "csv")

    assert frame.missing_required == []
    # 2,500,000 元 = 2,500 thousand yuan; 123,456 元 = 123.456; 7 元 = 0.007.
    assert _values(frame, "gross_output") == [2500.0, 123.456]
    assert _values(frame, "intermediate_input") == [1900.0, 100.001]
    assert _values(frame, "vat_payable") == [85.0, 0.007]
    assert _values(frame, "employment") == [300.0, 12.0]
    assert frame.unit_stats() == [
        ("gross_output:元", 0.001),
        ("intermediate_input:元", 0.001),
        ("vat_payable:元", 0.001),
    ]


# (f) constant-price output is never gross output ----------------------------------------------


def test_constant_price_column_alone_leaves_gross_output_missing(tmp_path: Path) -> None:
    text = (
        "法人代码,省地县码,行业类别,注册类型,工业总产值（不变价）,工业增加值\n"
        "1,320583,4041,330,9000,2100\n"
    )
    frame = read_asif(_write(tmp_path / "asif_2002.csv", text, "utf-8"), "csv")

    assert frame.missing_required == ["gross_output"]
    assert _values(frame, "gross_output") == [None]
    assert frame.unmapped_columns == ["工业总产值（不变价）"]


def test_constant_price_column_first_does_not_displace_current_prices(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "frdm": ["1"],
            "sdxm": ["320583"],
            "hylb": ["4041"],
            "djzclx": ["330"],
            "gyzczbbjxgd": [9000.0],
            "gyzczxjxgd": [9500.0],
        }
    )
    # The constant-price column comes first and its label is a gross-output spelling but
    # for the 不变价: still not gross output.
    labels = {"gyzczbbjxgd": "工业总产值(不变价)", "gyzczxjxgd": "工业总产值(现价)"}
    path = tmp_path / "asif_2001.dta"
    pyreadstat.write_dta(df, path, column_labels=labels)

    frame = read_asif(path, "dta")

    assert _values(frame, "gross_output") == [9500.0]
    assert frame.ambiguous_columns == []
    assert frame.unmapped_columns == ["gyzczbbjxgd"]
