"""Stata .dta files (format 118, Stata 14 and later) with variable labels and the flag
columns as labelled integers, byte for byte reproducible (docs/exports.md). The mart's
columns arrive as Arrow arrays and become Stata variables column by column
(`dta118` writes them)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.warehouse.exports.codes import BOOLEAN, FLAG_COLUMNS, value_labels
from orchestration.warehouse.exports.dta118 import (
    DOUBLE,
    DOUBLE_MISSING,
    LONG,
    LONG_MISSING,
    STR_MAX,
    STRL,
    DtaVariable,
    write_dta118,
)
from orchestration.warehouse.exports.stata_names import label, unique_names

# The header's "dd Mon yyyy hh:mm" write time is fixed, so that the same marts give the same
# file.
FIXED_TIMESTAMP = b"01 Jan 2000 00:00"
STATA_EPOCH_DAYS = 3653  # 1960-01-01 (Stata's day 0) is day -3653 of Arrow's date32
_INT32_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "UTINYINT", "USMALLINT"}
_LONG_FORMAT, _DOUBLE_FORMAT, _TEXT_FORMAT = "%12.0g", "%10.0g", "%-9s"


def _kind(name: str, duckdb_type: str) -> str:
    """How Stata stores a mart column: the one place both stata_query and stata_variable
    take it from."""
    if name in FLAG_COLUMNS and duckdb_type == "VARCHAR":
        return "flag"
    if duckdb_type in _INT32_TYPES:
        return "long"
    # DOUBLE, DECIMAL and the wide integers: double (exact to 2^53, DECIMAL to 15-16 digits)
    return {"BOOLEAN": "boolean", "VARCHAR": "text", "DATE": "date"}.get(duckdb_type, "double")


def stata_variable(name: str, duckdb_type: str, values: pa.ChunkedArray) -> DtaVariable:
    """A mart column as Stata stores it (its label is set by write_dta)."""
    kind = _kind(name, duckdb_type)
    if kind == "flag":
        codes = FLAG_COLUMNS[name]
        return _long(name, coded(name, values, codes), value_labels(codes))
    if kind == "boolean":
        numbers = pc.if_else(values, BOOLEAN[True], BOOLEAN[False]).cast(pa.int32())
        return _long(name, numbers, value_labels(BOOLEAN))
    if kind == "text":
        return _text(name, values)
    if kind == "long":
        return _long(name, values.cast(pa.int32()))
    if kind == "date":
        # Stata's %td: days since 1960-01-01 in a double, so NULL is Stata missing
        days = pc.add(values.cast(pa.int32()), STATA_EPOCH_DAYS).cast(pa.float64())
        return _double(name, days, "%td")
    return _double(name, values, _DOUBLE_FORMAT)  # cast to DOUBLE by DuckDB (stata_query)


def stata_query(relation: str, types: dict[str, str]) -> str:
    """The rows of `relation` (SQL) for write_dta: every column Stata stores as a double cast
    by DuckDB, whose DECIMAL → DOUBLE is correctly rounded (Arrow's cast is off by one unit
    in the last place for 0.3–4 % of the values of the demo's DECIMAL(38,6) columns)."""
    columns = ", ".join(
        f'cast("{name}" as double) as "{name}"'
        if _kind(name, duckdb_type) == "double" and duckdb_type != "DOUBLE"
        else f'"{name}"'
        for name, duckdb_type in types.items()
    )
    return f"select {columns} from ({relation}) as stata_rows"


def _long(name: str, numbers: pa.ChunkedArray, labels: dict[int, str] | None = None) -> DtaVariable:
    values = pc.fill_null(numbers, LONG_MISSING).to_numpy().astype("<i4")
    return DtaVariable(name, "", LONG, values, _LONG_FORMAT, labels)


def _double(name: str, numbers: pa.ChunkedArray, display_format: str) -> DtaVariable:
    if numbers.type != pa.float64():
        raise TypeError(f"{name}: {numbers.type} reaches the .dta writer uncast (stata_query)")
    values = pc.fill_null(numbers, DOUBLE_MISSING).to_numpy().astype("<f8")
    return DtaVariable(name, "", DOUBLE, values, display_format)


def _text(name: str, values: pa.ChunkedArray) -> DtaVariable:
    # Stata strings have no missing value: NULL is written as "".
    raw = pc.fill_null(values, "").cast(pa.binary())
    width = max(pc.max(pc.binary_length(raw)).as_py() or 0, 1)
    texts = raw.to_numpy(zero_copy_only=False)
    if width > STR_MAX:
        return DtaVariable(name, "", STRL, texts, _TEXT_FORMAT)
    return DtaVariable(name, "", width, texts.astype(f"S{width}"), _TEXT_FORMAT)


def coded(name: str, values: pa.ChunkedArray, codes: dict[str, int]) -> pa.ChunkedArray:
    """The flag column `values` as its integer codes (NULL stays NULL), by each value's
    position in the code table, not a per-value lookup."""
    position = pc.index_in(values, value_set=pa.array(list(codes)))
    unknown = pc.filter(values, pc.and_(pc.is_null(position), pc.is_valid(values)))
    if len(unknown):
        codes_seen = sorted(set(unknown.to_pylist()))
        raise ValueError(f"{name} has codes without a Stata code: {codes_seen}")
    numbers = pa.array(np.array(list(codes.values()), dtype="int32"))
    return pc.take(numbers, position)


def write_dta(
    table: pa.Table,
    types: dict[str, str],
    path: Path,
    variable_labels: dict[str, str | None],
    file_label: str | None,
) -> None:
    """Write `table` (the rows of `stata_query`, columns typed as DuckDB `types`) to `path`
    with labels. A column name
    that is no valid Stata name is renamed (`stata_names.unique_names`) and its label starts
    with the original name."""
    names = unique_names([(c, c) for c in table.column_names])
    variables = []
    for column in table.column_names:
        name = names[column]
        variable = stata_variable(column, types[column], table.column(column))
        text = variable_labels.get(column) or ""
        if name != column:
            text = f"{column}: {text}" if text else column
        variables.append(replace(variable, name=name, label=label(text)))
    write_dta118(path, variables, label(file_label), FIXED_TIMESTAMP)
