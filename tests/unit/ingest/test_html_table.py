"""Web pages named .xls (readers/html_table.py): where each cell of a hand-written table lands."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.ingest.readers import ReadError
from orchestration.ingest.readers.html_table import looks_like_html, read_html_sheets
from orchestration.ingest.readers.limits import ASIF_LIMITS, FDI_LIMITS


def test_a_cell_spanning_rows_in_the_middle_pushes_the_cells_after_it(tmp_path: Path) -> None:
    path = tmp_path / "page.xls"
    path.write_text(
        "<table><tr><td>a</td><td rowspan=2>b</td><td>c</td></tr>"
        "<tr><td>d</td><td>e</td></tr>"
        "<tr><td colspan=2>f</td><td>g</td></tr></table>",
        encoding="utf-8",
    )

    (sheet,) = read_html_sheets(path, "page.xls", ASIF_LIMITS)

    assert sheet.rows == [
        (1, ("a", "b", "c")),
        (2, ("d", "b", "e")),  # the span filled, as merged cells are
        (3, ("f", "f", "g")),
    ]


def test_a_table_caption_is_the_first_row(tmp_path: Path) -> None:
    path = tmp_path / "page.xls"
    path.write_text(
        "<table><caption>2016年 东莞</caption><tr><th>行业</th><th>合计</th></tr></table>",
        encoding="utf-8",
    )

    (sheet,) = read_html_sheets(path, "page.xls", ASIF_LIMITS)

    assert sheet.rows == [(1, ("2016年 东莞",)), (2, ("行业", "合计"))]


def test_a_page_declared_gb2312_with_gbk_characters_is_read(tmp_path: Path) -> None:
    """Pages that declare gb2312 often hold GBK characters outside it, such as 镕."""
    with pytest.raises(UnicodeEncodeError):
        "镕".encode("gb2312")
    path = tmp_path / "page.xls"
    page = '<html><meta charset="gb2312"><table><tr><td>朱镕基</td></tr></table></html>'
    path.write_bytes(page.encode("gbk"))

    (sheet,) = read_html_sheets(path, "page.xls", FDI_LIMITS)

    assert sheet.rows == [(1, ("朱镕基",))]


def test_rows_are_counted_as_the_page_is_read(tmp_path: Path) -> None:
    path = tmp_path / "page.xls"
    rows = "<tr><td>1</td></tr>" * (FDI_LIMITS.rows + 1)
    path.write_text(f"<table>{rows}</table>", encoding="utf-8")

    with pytest.raises(ReadError) as error:
        read_html_sheets(path, "page.xls", FDI_LIMITS)

    assert error.value.reason == "too_many_rows"


@pytest.mark.parametrize(
    ("head", "page"),
    [
        (b"<!DOCTYPE html><html>", True),
        (b'\xef\xbb\xbf<html xmlns:o="urn:schemas-microsoft-com:office:office">', True),
        (b"\r\n<table border=1>", True),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", False),
        (b"PK\x03\x04", False),
    ],
)
def test_what_looks_like_a_page(head: bytes, page: bool) -> None:
    assert looks_like_html(head) is page


def test_a_page_of_huge_spans_is_refused_before_it_fills_memory(tmp_path: Path) -> None:
    path = tmp_path / "page.xls"
    path.write_text(
        "<table>" + "<tr><td rowspan=1000 colspan=1000>x</td></tr>" * 5 + "</table>",
        encoding="utf-8",
    )

    with pytest.raises(ReadError) as error:
        read_html_sheets(path, "page.xls", FDI_LIMITS)

    assert error.value.reason == "corrupt_file"
    assert "more than 100,000 places" in str(error.value)
