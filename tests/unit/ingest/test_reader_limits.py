"""Reader limits (readers/limits.py): a file with more rows or columns than its dataset's limit,
or an .xlsx that unzips to too much ("zip bomb"), is refused with a ReadError naming the file
and the limit, and its release is quarantined; nothing is parsed into memory first."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat
import pytest
import xlwt
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from orchestration.ingest.readers import ReadError, read_asif, read_fdi_city
from orchestration.ingest.readers import asif as asif_reader
from orchestration.ingest.readers.limits import (
    ASIF_LIMITS,
    FDI_LIMITS,
    MAX_ZIP_RATIO,
    ZIP_RATIO_FLOOR,
    TableLimits,
)
from tests.helpers import HAND_FIRMS, Warehouse, hand_csv

ASIF_CSV = hand_csv(2005)


def _xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("data")
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _asif_xlsx() -> bytes:
    """The hand-made firms as a valid ASIF workbook."""
    lines = ASIF_CSV.decode().splitlines()
    return _xlsx_bytes([line.split(",") for line in lines])


def _with_member(workbook: bytes, size: int, method: int) -> bytes:
    """`workbook` plus one member of `size` zero bytes, deflated (~1,000:1) or stored."""
    out = io.BytesIO(workbook)
    with (
        zipfile.ZipFile(out, "a", compression=method) as archive,
        archive.open("xl/media/padding.bin", "w") as member,
    ):
        chunk = bytes(1 << 20)
        for _ in range(size // len(chunk)):
            member.write(chunk)
    return out.getvalue()


def _refused(path: Path, read: object, fmt: str, reason: str) -> ReadError:
    with pytest.raises(ReadError) as error:
        read(path, fmt, file=f"x/{path.name}")  # type: ignore[operator]
    assert error.value.reason == reason
    assert error.value.file == f"x/{path.name}"
    return error.value


# xlsx zip bombs --------------------------------------------------------------------------


def test_zip_bomb_xlsx_quarantines_its_release(warehouse: Warehouse) -> None:
    """A valid ASIF workbook carrying 64 MiB of zeros deflated ~1,000:1: without the check it
    would load; with it, the release is quarantined naming release, file and the ratio."""
    size = 64 * 2**20
    assert size > ZIP_RATIO_FLOOR
    bomb = _with_member(_asif_xlsx(), size, zipfile.ZIP_DEFLATED)
    assert len(bomb) * MAX_ZIP_RATIO < size
    release = warehouse.release("asif-2005-r1", 2005, "asif/2005/asif_2005.xlsx", bomb)

    outcome = warehouse.ingest(release)

    assert (outcome.status, outcome.reason) == ("quarantined", "xlsx_too_large")
    assert outcome.message.startswith("release asif-2005-r1: asif/2005/asif_2005.xlsx: ")
    assert f"over the limit of {MAX_ZIP_RATIO}:1" in outcome.message
    assert warehouse.rows("select count(*) from raw.asif") == [(0,)]


def test_plain_workbook_passes_the_zip_check(warehouse: Warehouse) -> None:
    release = warehouse.release("asif-2005-r1", 2005, "asif/2005/asif_2005.xlsx", _asif_xlsx())
    assert warehouse.ingest(release).status == "loaded"


def test_xlsx_unzipping_past_the_size_limit_is_refused(tmp_path: Path) -> None:
    """Stored (uncompressed) zeros: no suspicious ratio, but more than an fdi_city table's
    workbook may unzip to."""
    path = tmp_path / "fdi.xlsx"
    padding = FDI_LIMITS.unzipped_bytes + 2**20
    path.write_bytes(_with_member(_xlsx_bytes([["行业", "合计"]]), padding, zipfile.ZIP_STORED))
    error = _refused(path, read_fdi_city, "xlsx", "xlsx_too_large")
    assert f"over the limit of {FDI_LIMITS.unzipped_bytes:,} for an fdi_city table" in str(error)


# Rows and columns, every format ----------------------------------------------------------


def _wide_header(n: int) -> list[str]:
    return [f"c{i}" for i in range(n)]


def _write(path: Path, fmt: str, columns: int, rows: int) -> None:
    """A file of `rows` data rows under a header of `columns` columns (cells of 1)."""
    names = _wide_header(columns)
    if fmt == "csv":
        path.write_text(",".join(names) + "\n" + ("1" + ",1" * (columns - 1) + "\n") * rows)
    elif fmt == "parquet":
        pq.write_table(pa.table({n: pa.array([1] * rows, pa.int8()) for n in names}), path)
    elif fmt == "dta":
        pyreadstat.write_dta(pd.DataFrame({n: [1] * rows for n in names}), path)
    elif fmt == "xlsx":
        path.write_bytes(_xlsx_bytes([names] + [[1] * columns] * rows))
    else:
        book = xlwt.Workbook()
        sheet = book.add_sheet("data")
        for c, name in enumerate(names):
            sheet.write(0, c, name)
        for r in range(1, rows + 1):
            for c in range(columns):
                sheet.write(r, c, 1)
        book.save(str(path))


ASIF_CASES = [(fmt, "asif") for fmt in ("csv", "parquet", "dta", "xlsx")]
FDI_CASES = [(fmt, "fdi_city") for fmt in ("csv", "xlsx", "xls")]


def _limits(dataset: str) -> TableLimits:
    return ASIF_LIMITS if dataset == "asif" else FDI_LIMITS


@pytest.mark.parametrize(("fmt", "dataset"), ASIF_CASES + FDI_CASES)
def test_too_many_columns_is_refused(tmp_path: Path, fmt: str, dataset: str) -> None:
    limits = _limits(dataset)
    if fmt == "xls":
        assert limits.columns < 256  # what BIFF can hold
    path = tmp_path / f"wide.{fmt}"
    _write(path, fmt, limits.columns + 1, 1)
    read = read_asif if dataset == "asif" else read_fdi_city
    error = _refused(path, read, fmt, "too_many_columns")
    assert f"{limits.columns + 1:,} columns, over the limit of {limits.columns:,}" in str(error)
    assert limits.what in str(error)


# Writing two million rows as xlsx takes minutes: ASIF rows are shown on the formats that
# state their shape up front (and on CSV); workbooks on fdi_city's lower limit.
@pytest.mark.parametrize(
    ("fmt", "dataset"), [("csv", "asif"), ("parquet", "asif"), ("dta", "asif"), *FDI_CASES]
)
def test_too_many_rows_is_refused(tmp_path: Path, fmt: str, dataset: str) -> None:
    limits = _limits(dataset)
    path = tmp_path / f"long.{fmt}"
    _write(path, fmt, 1, limits.rows + 1)
    read = read_asif if dataset == "asif" else read_fdi_city
    error = _refused(path, read, fmt, "too_many_rows")
    assert f"{limits.rows:,}" in str(error)
    assert limits.what in str(error)


def test_too_many_rows_quarantines_its_release(
    warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The quarantine of a refused file (the real limit is shown on each format above; a
    lower one here keeps the release small)."""
    monkeypatch.setattr(asif_reader, "ASIF_LIMITS", replace(ASIF_LIMITS, rows=len(HAND_FIRMS) - 1))
    release = warehouse.release("asif-2005-r1", 2005, "asif/2005/asif_2005.csv", ASIF_CSV)

    outcome = warehouse.ingest(release)

    assert (outcome.status, outcome.reason) == ("quarantined", "too_many_rows")
    assert outcome.message.startswith("release asif-2005-r1: asif/2005/asif_2005.csv: ")
    assert f"over the limit of {len(HAND_FIRMS) - 1:,} rows for an ASIF file" in outcome.message
    assert warehouse.rows("select count(*) from raw.asif") == [(0,)]


def test_trailing_empty_cells_do_not_count_as_columns(tmp_path: Path) -> None:
    """Writers pad rows with empty (formatted) cells; only cells up to the last filled one
    count."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("data")
    for line in ASIF_CSV.decode().splitlines():
        padding = [WriteOnlyCell(sheet, value=None) for _ in range(ASIF_LIMITS.columns + 10)]
        for cell in padding:
            cell.font = Font(bold=True)  # a formatted cell is written, and read back as None
        sheet.append(line.split(",") + padding)
    path = tmp_path / "padded.xlsx"
    book.save(path)
    first = next(openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    assert len(first) > ASIF_LIMITS.columns  # the padding is in the file
    assert read_asif(path, "xlsx").num_rows == len(HAND_FIRMS)
