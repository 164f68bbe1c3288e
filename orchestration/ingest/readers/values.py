"""Vectorised conversion of raw columns (pyarrow) to canonical codes and numbers.

Codes stay strings with their leading zeros. A code column stored as a number (Stata, xlsx,
Parquet) lost its leading zeros; they are restored to the code's fixed width where it has
one. Numbers stored as text are parsed strictly; what does not parse is reported (count,
first row, first value) instead of silently becoming NULL. Text that is blank, or a lone
".", is NULL: "." is how Stata prints a missing number, and what `tostring` left in the code
columns of circulating ASIF copies (public cleaning code drops `FRDM == "."`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from orchestration.ingest.readers.headers import Unit

NUMBER_RE = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
# Thousands separators, only where they group digits by three (1,234,567.8), as yearbooks
# print numbers and Excel saves formatted cells to CSV: "1,5" (a decimal comma) or "1,23" is
# no such number and stays for the parse check to report.
GROUPED_NUMBER_RE = r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$"
# A number written out of a float column ("4011.0"): the code is the integer part.
FLOAT_CODE_RE = r"^(\d+)\.0*$"
# An organisation code (GB 11714) in its printed form, 8 digits, a hyphen, the check
# character: "12345678-X" is the code 12345678X.
PRINTED_ORG_CODE_RE = r"^(\d{8})-([0-9X])$"
ORG_CODE_WIDTH = 9
# Text that means "no value".
_MISSING_TEXT = pa.array(["", "."])


@dataclass(frozen=True)
class ParseIssue:
    """Values of one column that are not numbers: how many, and the first one."""

    count: int
    first_row: int
    first_value: str


def plain(array: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray:
    """A chunked array without dictionary encoding; large_string becomes string."""
    if isinstance(array, pa.Array):
        array = pa.chunked_array([array])
    if pa.types.is_dictionary(array.type):
        array = pc.cast(array, array.type.value_type)
    if pa.types.is_large_string(array.type):
        array = pc.cast(array, pa.string())
    return array


def _blank_to_null(text: pa.ChunkedArray) -> pa.ChunkedArray:
    text = pc.utf8_trim_whitespace(text)
    return pc.if_else(pc.is_in(text, _MISSING_TEXT), pa.scalar(None, pa.string()), text)


def _nan_to_null(values: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.if_else(pc.is_nan(values), pa.scalar(None, values.type), values)


def to_code(array: pa.ChunkedArray | pa.Array, width: int | None = None) -> pa.ChunkedArray:
    """Codes as trimmed strings (blank → NULL). Numeric storage is formatted as an integer
    and left-padded with zeros to `width`; a non-integral number stays visible ("4011.5")
    so the code-format check catches it. Text is taken as written: "133" may be a
    three-digit group code, which zeros would turn into another class."""
    array = plain(array)
    kind = array.type
    if pa.types.is_string(kind):
        return pc.replace_substring_regex(_blank_to_null(array), FLOAT_CODE_RE, r"\1")
    if pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        values = _nan_to_null(pc.cast(array, pa.float64()))
        integral = pc.equal(values, pc.floor(values))
        as_int = pc.cast(pc.if_else(integral, values, 0.0), pa.int64())
        text = pc.if_else(integral, pc.cast(as_int, pa.string()), pc.cast(values, pa.string()))
    elif pa.types.is_integer(kind):
        text = pc.cast(array, pa.string())
    else:
        return _blank_to_null(pc.cast(array, pa.string()))
    if width is not None:
        text = pc.utf8_lpad(text, width, "0")
    return text


def to_firm_id(array: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray:
    """Firm ids as codes in one spelling across files and years: upper case (a check
    character printed "x" in one year and "X" in another is one firm; public cleaning code
    does `replace FRDM = upper(FRDM)`), an organisation code's printed hyphen dropped, and
    an id of digits shorter than an organisation code's 9 characters given back the leading
    zeros it lost as a number (a numeric Stata variable, a CSV Excel saved)."""
    ids = pc.utf8_upper(to_code(array))
    ids = pc.replace_substring_regex(ids, PRINTED_ORG_CODE_RE, r"\1\2")
    return _zeros_back(ids, ORG_CODE_WIDTH)


def short_digits(text: pa.ChunkedArray | pa.Array, width: int) -> pa.ChunkedArray | pa.Array:
    """Which values are digits only, fewer than `width` of them."""
    return pc.and_(pc.match_substring_regex(text, r"^\d+$"), pc.less(pc.utf8_length(text), width))


def _zeros_back(text: pa.ChunkedArray, width: int) -> pa.ChunkedArray:
    """Digits short of `width` given back the leading zeros they lost as a number."""
    return pc.if_else(short_digits(text, width), pc.utf8_lpad(text, width, "0"), text)


def to_number(
    array: pa.ChunkedArray | pa.Array, rows: pa.ChunkedArray | pa.Array
) -> tuple[pa.ChunkedArray, ParseIssue | None]:
    """float64 values (NaN and blank → NULL) and the non-numeric text found, if any.
    `rows` holds the source row of each element, for the issue's location."""
    array = plain(array)
    kind = array.type
    if pa.types.is_floating(kind) or pa.types.is_integer(kind) or pa.types.is_decimal(kind):
        return _nan_to_null(pc.cast(array, pa.float64())), None
    if pa.types.is_boolean(kind):
        return pc.cast(array, pa.float64()), None
    text = _blank_to_null(pc.cast(array, pa.string()))
    grouped = pc.match_substring_regex(text, GROUPED_NUMBER_RE)
    text = pc.if_else(grouped, pc.replace_substring(text, ",", ""), text)
    valid = pc.match_substring_regex(text, NUMBER_RE)
    bad = pc.and_(pc.invert(valid), pc.is_valid(text))
    issue = None
    bad_count = pc.sum(pc.cast(bad, pa.int64())).as_py() or 0
    if bad_count:
        index = pc.indices_nonzero(pc.fill_null(bad, False))[0].as_py()
        issue = ParseIssue(bad_count, rows[index].as_py(), text[index].as_py())
    numbers = pc.cast(pc.if_else(valid, text, pa.scalar(None, pa.string())), pa.float64())
    return numbers, issue


def rescale(values: pa.ChunkedArray, unit: Unit | None) -> pa.ChunkedArray:
    """Values in `unit` (a header's unit suffix) in the canonical unit: × numerator, then
    ÷ denominator (dividing by 1000 keeps 123456 元 exactly 123.456 thousand yuan)."""
    if unit is None:
        return values
    if unit.numerator != 1:
        values = pc.multiply(values, float(unit.numerator))
    if unit.denominator != 1:
        values = pc.divide(values, float(unit.denominator))
    return values


def merge_issue(old: ParseIssue | None, new: ParseIssue | None) -> ParseIssue | None:
    """Combine issues of consecutive chunks of one column (keeps the first occurrence)."""
    if old is None or new is None:
        return old or new
    return ParseIssue(old.count + new.count, old.first_row, old.first_value)


def null_column(kind: pa.DataType, length: int) -> pa.ChunkedArray:
    return pa.chunked_array([pa.nulls(length, kind)])
