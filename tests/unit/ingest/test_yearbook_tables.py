"""Yearbook tables as researchers hold them (issue: real releases, item 5): BIFF .xls written by
xlwt (the writer of the Excel 97–2003 files statistical bureaus hand out), .xlsx written by
openpyxl and CSV as Excel saves it, each laid out by hand here the way printed yearbooks are:
a merged title, a unit row (单位：万元 / 计量单位：亿元), headers over two rows with merged
cells, a row of column numbers, footnotes, placeholders for "not available" and numbers with
thousands separators or full-width digits. Every expected value is typed from the table.

raw.fdi_city keeps values and units as printed (staging converts to thousand yuan), so the
rows below hold the printed numbers and the printed unit."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import xlwt

from orchestration.ingest.catalog import parse_entry
from orchestration.ingest.readers import ReadError, read_fdi_city

OWNERSHIPS = ("合计", "内资企业", "港澳台商投资企业", "外商投资企业")
ICT = "计算机、通信和其他电子设备制造业"
GARMENTS = "纺织服装、服饰业"


def _save_xls(book: xlwt.Workbook, path: Path) -> Path:
    book.save(str(path))
    return path


# .xls: a merged two-row header ----------------------------------------------------------------


def _dongguan_2016_xls(path: Path) -> Path:
    """Table 3-12 of a Dongguan yearbook as the bureau's .xls holds it (0-based rows):
    0 title merged over A:E · 1 unit in E · 2–3 header: 行业 and 合计 merged down,
    按登记注册类型分 merged over C:E above the three groups · 4–6 industries · 7–8 notes."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("3-12")
    sheet.write_merge(0, 0, 0, 4, "3-12  2016年东莞市规模以上工业企业工业总产值（按行业分）")
    sheet.write(1, 4, "单位：万元")
    sheet.write_merge(2, 3, 0, 0, "行  业")
    sheet.write_merge(2, 3, 1, 1, "合  计")
    sheet.write_merge(2, 2, 2, 4, "按登记注册类型分")
    for col, label in enumerate(OWNERSHIPS[1:], start=2):
        sheet.write(3, col, label)
    body = [
        ["制造业", "2,000.5", 800, 700.25, 500.25],
        [f"  {ICT}", 1200, "—", 450, 750],
        [GARMENTS, 300.5, 300.5, "…", None],
    ]
    for r, cells in enumerate(body, start=4):
        for c, value in enumerate(cells):
            if value is not None:
                sheet.write(r, c, value)
    sheet.write_merge(7, 7, 0, 4, "注：本表为年主营业务收入2000万元及以上工业法人企业数据。")
    sheet.write(8, 0, "资料来源：东莞市统计局。")
    return _save_xls(book, path)


def test_xls_two_row_merged_header_title_unit_and_notes(tmp_path: Path) -> None:
    path = _dongguan_2016_xls(tmp_path / "dg_2016.xls")

    frame = read_fdi_city(path, "xls")

    assert frame.problems == []
    assert frame.parse_issues == {}
    printed = {
        # sheet row (1-based): industry, then 合计, 内资, 港澳台, 外商 as printed
        5: ("制造业", [2000.5, 800.0, 700.25, 500.25]),
        6: (ICT, [1200.0, None, 450.0, 750.0]),
        7: (GARMENTS, [300.5, 300.5, None, None]),
    }
    expected = [
        {
            "source_row": row,
            "source_sheet": "3-12",
            "layout": "wide",
            "year": 2016.0,
            "file_city_code": "441900",
            "industry_code": None,
            "industry_name": name,
            "ownership": ownership,
            "measure": "工业总产值",
            "value": value,
            "unit": "万元",
        }
        for row, (name, values) in printed.items()
        for ownership, value in zip(OWNERSHIPS, values, strict=True)
    ]
    assert frame.table.to_pylist() == expected


def test_xls_ownership_merged_over_measures_with_units_in_the_header(tmp_path: Path) -> None:
    """One sheet for two measures: each ownership group merged over 工业总产值 and 主营业务收入,
    the unit in each measure's label, a row of column numbers (甲, 1, 2 …) under the header."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    sheet.write_merge(0, 0, 0, 4, "2012年昆山市规模以上工业企业主要指标")
    sheet.write_merge(1, 2, 0, 0, "行业")
    sheet.write_merge(1, 1, 1, 2, "外商投资企业")
    sheet.write_merge(1, 1, 3, 4, "港澳台商投资企业")
    for col in (1, 3):
        sheet.write(2, col, "工业总产值（亿元）")
        sheet.write(2, col + 1, "主营业务收入（亿元）")
    for col, label in enumerate(["甲", 1, 2, 3, 4]):
        sheet.write(3, col, label)
    for col, value in enumerate(["制造业", "1,234.5", 1200, 88, 90.5]):
        sheet.write(4, col, value)
    for col, value in enumerate([ICT, 900, 880.25, "—", "…"]):
        sheet.write(5, col, value)
    sheet.write(6, 0, "注：港澳台商投资企业计算机行业数据不公布。")
    path = _save_xls(book, tmp_path / "ks_2012.xls")

    frame = read_fdi_city(path, "xls")
    rows = frame.table.to_pylist()

    assert frame.problems == []
    cells = [(r["industry_name"], r["ownership"], r["measure"], r["value"]) for r in rows]
    assert cells == [
        ("制造业", "外商投资企业", "工业总产值", 1234.5),
        ("制造业", "外商投资企业", "主营业务收入", 1200.0),
        ("制造业", "港澳台商投资企业", "工业总产值", 88.0),
        ("制造业", "港澳台商投资企业", "主营业务收入", 90.5),
        (ICT, "外商投资企业", "工业总产值", 900.0),
        (ICT, "外商投资企业", "主营业务收入", 880.25),
        (ICT, "港澳台商投资企业", "工业总产值", None),
        (ICT, "港澳台商投资企业", "主营业务收入", None),
    ]
    assert {r["unit"] for r in rows} == {"亿元"}
    assert {r["year"] for r in rows} == {2012.0}
    assert {r["file_city_code"] for r in rows} == {"320583"}
    assert [r["source_row"] for r in rows] == [5] * 4 + [6] * 4


# .xlsx: "not available" is NULL, never 0 --------------------------------------------------------


def test_xlsx_placeholders_are_null_and_zero_stays_zero(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "工业增加值"
    sheet.append(["2015年东莞市规模以上工业增加值"])
    sheet.merge_cells("A1:F1")
    sheet.append([None, None, None, None, None, "计量单位：亿元 Unit: 100 million yuan"])
    sheet.append(["行业", "合计", "按登记注册类型分"])
    sheet.merge_cells("A3:A4")
    sheet.merge_cells("B3:B4")
    sheet.merge_cells("C3:F3")
    sheet.append([None, None, *OWNERSHIPS[1:], "外商及港澳台商投资企业"])
    sheet.append(["制造业", "—", "…", "-", "－", None])
    sheet.append([GARMENTS, 0, "１２３．５", "——", "……", "0.0"])
    sheet.append(["注：“—”表示数据不详，“…”表示数据不足本表最小单位。"])
    path = tmp_path / "dg_2015.xlsx"
    book.save(path)

    frame = read_fdi_city(path, "xlsx")
    rows = frame.table.to_pylist()

    assert frame.problems == []
    assert frame.parse_issues == {}
    owners = [*OWNERSHIPS, "外商及港澳台商投资企业"]
    assert [(r["industry_name"], r["ownership"]) for r in rows] == [
        (name, owner) for name in ("制造业", GARMENTS) for owner in owners
    ]
    assert [r["value"] for r in rows] == [None] * 5 + [0.0, 123.5, None, None, 0.0]
    assert {(r["measure"], r["unit"], r["year"]) for r in rows} == {("工业增加值", "亿元", 2015.0)}


def test_xlsx_merged_group_label_spans_its_measures(tmp_path: Path) -> None:
    """openpyxl stores a merged label in the top-left cell only; it must head every column
    of its range."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2017年苏州市规模以上工业企业主要指标"])
    sheet.append(["单位：万元"])
    sheet.append(["行业", "外商投资企业", None, "内资企业", None])
    sheet.append([None, "工业总产值", "工业增加值", "工业总产值", "工业增加值"])
    sheet.merge_cells("A3:A4")
    sheet.merge_cells("B3:C3")
    sheet.merge_cells("D3:E3")
    sheet.append(["制造业", 5000, 1200.5, "3,000", 700])
    path = tmp_path / "sz_2017.xlsx"
    book.save(path)

    rows = read_fdi_city(path, "xlsx").table.to_pylist()

    assert [(r["ownership"], r["measure"], r["value"]) for r in rows] == [
        ("外商投资企业", "工业总产值", 5000.0),
        ("外商投资企业", "工业增加值", 1200.5),
        ("内资企业", "工业总产值", 3000.0),
        ("内资企业", "工业增加值", 700.0),
    ]
    assert {(r["year"], r["file_city_code"], r["unit"]) for r in rows} == {
        (2017.0, "320500", "万元")
    }


def test_year_from_the_sheet_name_when_the_title_prints_none(tmp_path: Path) -> None:
    """CNKI workbooks with one sheet per year name the year on the tab, not in the title."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "2013年"
    sheet.append(["东莞市规模以上工业企业工业总产值"])
    sheet.append(["单位：千元"])
    sheet.append(["行业", "合计"])
    sheet.append(["制造业", "9,876"])
    path = tmp_path / "dg.xlsx"
    book.save(path)

    rows = read_fdi_city(path, "xlsx").table.to_pylist()

    assert [(r["year"], r["file_city_code"], r["unit"], r["value"]) for r in rows] == [
        (2013.0, "441900", "千元", 9876.0)
    ]


# CSV: thousands separators, as Excel saves a yearbook sheet -------------------------------------

WIDE_CSV = (
    "2014年昆山市规模以上工业企业工业总产值,,,\n"
    ",,,单位：万元\n"
    "行业,合计,内资企业,外商投资企业\n"
    '制造业,"12,345,678.9","1,234",１２，３４５\n'
    '计算机、通信和其他电子设备制造业,"9,000,000",—,"8,999,999.5"\n'
    "资料来源：昆山统计年鉴2015。,,,\n"
)


def test_csv_wide_table_with_thousands_separators(tmp_path: Path) -> None:
    path = tmp_path / "ks_2014.csv"
    path.write_bytes(WIDE_CSV.encode("gbk"))

    frame = read_fdi_city(path, "csv")
    rows = frame.table.to_pylist()

    assert frame.encoding == "gb18030"
    assert frame.problems == []
    assert frame.parse_issues == {}
    assert [r["value"] for r in rows] == [12345678.9, 1234.0, 12345.0, 9000000.0, None, 8999999.5]
    assert [r["ownership"] for r in rows] == ["合计", "内资企业", "外商投资企业"] * 2
    assert [r["source_row"] for r in rows] == [4, 4, 4, 5, 5, 5]
    assert {r["source_sheet"] for r in rows} == {None}
    assert {(r["year"], r["file_city_code"], r["unit"]) for r in rows} == {
        (2014.0, "320583", "万元")
    }


def test_csv_misplaced_separator_is_reported_not_guessed(tmp_path: Path) -> None:
    """1,23 groups no thousands: it is a typo to report, not the number 123."""
    path = tmp_path / "bad.csv"
    path.write_text(WIDE_CSV.replace('"1,234"', '"1,23"'), encoding="utf-8-sig")

    frame = read_fdi_city(path, "csv")

    issue = frame.parse_issues["value"]
    assert (issue.count, issue.first_row, issue.first_value) == (1, 4, "1,23")
    assert frame.table.column("value").to_pylist()[1] is None


# Files that are not what the catalog says ------------------------------------------------------


def test_xlsx_named_xls_says_what_it_is(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["行业", "合计"])
    path = tmp_path / "renamed.xls"
    book.save(path)

    with pytest.raises(ReadError) as err:
        read_fdi_city(path, "xls")

    assert err.value.reason == "corrupt_file"
    assert "format xlsx" in err.value.message


# Table 3-12 of test_xls_two_row_merged_header_title_unit_and_notes, as Excel's "Web Page" save
# writes it (and sites offer it as an "Excel download" named .xls): GB2312 declared, GBK
# bytes, spans for the merged cells, &nbsp; in empty cells, x:num beside formatted numbers.
EXCEL_WEB_PAGE = f"""<html xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns="http://www.w3.org/TR/REC-html40">
<head><meta http-equiv=Content-Type content="text/html; charset=gb2312">
<style>td {{mso-number-format:General;}} .xl65 {{text-align:center;}}</style>
<!--[if gte mso 9]><xml><x:ExcelWorkbook><x:ExcelWorksheets><x:ExcelWorksheet>
<x:Name>3-12</x:Name></x:ExcelWorksheet></x:ExcelWorksheets></x:ExcelWorkbook></xml>
<![endif]--></head>
<body link=blue vlink=purple>
<table border=0 cellpadding=0 cellspacing=0 width=540>
 <tr height=19><td colspan=5 class=xl65>3-12&nbsp;
  2016年东莞市规模以上工业企业工业总产值（按行业分）</td></tr>
 <tr><td>&nbsp;</td><td></td><td></td><td></td><td>单位：万元</td></tr>
 <tr><td rowspan=2>行&nbsp;&nbsp;业</td><td rowspan=2>合&nbsp;&nbsp;计</td>
  <td colspan=3>按登记注册类型分</td></tr>
 <tr><td>内资企业</td><td>港澳台商投资<br>企业</td><td>外商投资企业</td></tr>
 <tr><td>制造业</td><td x:num="2000.5">2,000.5</td><td x:num>800</td>
  <td x:num>700.25</td><td x:num>500.25</td></tr>
 <tr><td>&nbsp; {ICT}</td><td x:num>1200</td><td>—</td><td x:num>450</td><td x:num>750</td></tr>
 <tr><td>{GARMENTS}</td><td x:num>300.5</td><td x:num>300.5</td><td>…</td><td></td></tr>
 <tr><td colspan=5>注：本表为年主营业务收入2000万元及以上工业法人企业数据。</td></tr>
 <tr><td>资料来源：东莞市统计局。</td></tr>
</table></body></html>"""


def test_web_page_named_xls_is_read_as_the_workbook_it_shows(tmp_path: Path) -> None:
    page = tmp_path / "dg_2016_page.xls"
    page.write_bytes(EXCEL_WEB_PAGE.encode("gbk"))
    workbook = read_fdi_city(_dongguan_2016_xls(tmp_path / "dg_2016.xls"), "xls")

    frame = read_fdi_city(page, "xls")

    assert frame.problems == []
    assert frame.parse_issues == {}
    # the same rows (a page's rows numbered as the sheet's are), no sheet name
    expected = [{**row, "source_sheet": None} for row in workbook.table.to_pylist()]
    assert frame.table.to_pylist() == expected


def test_a_bureau_page_with_its_table_inside_a_layout_table(tmp_path: Path) -> None:
    """UTF-8 without a charset declaration; the table sits in a cell of the page's layout
    table beside a menu table, headed by <th> cells."""
    page = f"""<!DOCTYPE html><html><head><title>统计年鉴</title></head><body>
<table><tr><td><table><tr><td>首页</td><td>数据发布</td></tr></table></td>
<td><table>
<tr><th colspan=3>2016年东莞市规模以上工业企业工业总产值</th></tr>
<tr><th></th><th></th><th>单位：亿元</th></tr>
<tr><th>行业</th><th>合计</th><th>外商投资企业</th></tr>
<tr><td>制造业</td><td>2000.5</td><td>500.25</td></tr>
<tr><td>{ICT}</td><td>1200</td><td>750</td></tr>
</table></td></tr></table></body></html>"""
    path = tmp_path / "download.xls"
    path.write_text(page, encoding="utf-8")

    frame = read_fdi_city(path, "xls")

    rows = [
        (r["industry_name"], r["ownership"], r["value"], r["unit"]) for r in frame.table.to_pylist()
    ]
    assert rows == [
        ("制造业", "合计", 2000.5, "亿元"),
        ("制造业", "外商投资企业", 500.25, "亿元"),
        (ICT, "合计", 1200.0, "亿元"),
        (ICT, "外商投资企业", 750.0, "亿元"),
    ]
    assert {r["source_sheet"] for r in frame.table.to_pylist()} == {"table 2"}


def test_xml_spreadsheet_named_xls_says_what_it_is(tmp_path: Path) -> None:
    path = tmp_path / "download.xls"
    path.write_text(
        '<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'
        '<Worksheet ss:Name="3-12"><Table><Row><Cell><Data>行业</Data></Cell></Row></Table>'
        "</Worksheet></Workbook>",
        encoding="utf-8",
    )

    with pytest.raises(ReadError) as err:
        read_fdi_city(path, "xls")

    assert err.value.reason == "corrupt_file"
    assert "XML Spreadsheet 2003" in err.value.message


def test_web_page_without_a_table_is_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "download.xls"
    path.write_text("<html><body>请登录后下载</body></html>", encoding="utf-8")

    with pytest.raises(ReadError) as err:
        read_fdi_city(path, "xls")

    assert err.value.reason == "empty_file"


def test_xls_cut_short_is_truncated(tmp_path: Path) -> None:
    """An OLE2 file is whole 512-byte sectors; a copy that stopped 100 bytes early is not."""
    whole = _dongguan_2016_xls(tmp_path / "whole.xls").read_bytes()
    path = tmp_path / "cut.xls"
    path.write_bytes(whole[:-100])

    with pytest.raises(ReadError) as err:
        read_fdi_city(path, "xls")

    assert err.value.reason == "truncated_file"


# The catalog -----------------------------------------------------------------------------------


def _entry(dataset: str, fmt: str) -> dict:
    file = {"path": f"{dataset}/2016/t.{fmt}", "format": fmt, "sha256": "a" * 64, "bytes": 1}
    if dataset == "fdi_city":
        file["city_code"] = "441900"
    return {
        "release_id": f"{dataset}-2016-r1",
        "dataset": dataset,
        "period": 2016,
        "revision": 1,
        "files": [file],
    }


def test_catalog_accepts_xls_for_yearbook_tables() -> None:
    # and for ASIF years (test_workbook_sheets.py)
    release = parse_entry(_entry("fdi_city", "xls"))
    assert [f.format for f in release.files] == ["xls"]


# Bilingual row labels --------------------------------------------------------------------------


def test_bilingual_row_labels_keep_the_chinese_name(tmp_path: Path) -> None:
    # Some yearbooks print the English translation after the Chinese name, in the same cell
    # (after a space, or on a second line of the cell).
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("2-5")
    sheet.write(0, 0, "2015年昆山市工业总产值 Gross Industrial Output of Kunshan, 2015")
    sheet.write(1, 3, "单位：万元 Unit: 10 000 yuan")
    labels = ["行业 Industry", "合计 Total", "内资企业 Domestic", "外商投资企业\nForeign Funded"]
    for col, label in enumerate(labels):
        sheet.write(2, col, label)
    sheet.write(3, 0, "制造业 Manufacturing")
    sheet.write(4, 0, f"{ICT}\nComputers, Communication and Other Electronic Equipment")
    sheet.write(5, 0, f"{GARMENTS}")
    for row in (3, 4, 5):
        for col, value in enumerate([300, 100, 200], start=1):
            sheet.write(row, col, value)
    frame = read_fdi_city(_save_xls(book, tmp_path / "ks_2015.xls"), "xls")

    rows = frame.table.to_pylist()
    assert [r["industry_name"] for r in rows] == ["制造业"] * 3 + [ICT] * 3 + [GARMENTS] * 3
    assert [r["ownership"] for r in rows[:3]] == ["合计", "内资企业", "外商投资企业"]
    assert {(r["unit"], r["year"]) for r in rows} == {("万元", 2015.0)}
