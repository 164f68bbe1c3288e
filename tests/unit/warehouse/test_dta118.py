"""The .dta writer of the exports (orchestration.warehouse.exports.dta118) against an
independent implementation: pyreadstat's writer, given by hand the values the exports
contract describes (docs/exports.md: flags and booleans as labelled longs, NULL text as "",
dates as %td doubles, DECIMAL and BIGINT as doubles, long text as strL), must write the same
bytes (its header time set to the same fixed time)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyreadstat
import pytest

from orchestration.warehouse.exports import dta118
from orchestration.warehouse.exports.stata import FIXED_TIMESTAMP, stata_query, write_dta

LONG_TEXT = "长" * 700 + "x"  # 2101 UTF-8 bytes: wider than a str2045
MART = """
select * from (values
    ('320500', 2010, 1.5::double, 123456789012.123456::decimal(38, 6), 7::bigint, 'F', true,
        date '2010-03-15', '城市', 'a long note'),
    ('', null, null, null, null, null, null, null, null, ''),
    (null, 2012, -0.25, 0.000001, 3, 'D', false, date '1959-12-31', 'a', 'a long note')
) as rows (city_code, year, share, amount, contributors, conf_status, is_ict, published_at,
    name_zh, note)
"""
LABELS = {"city_code": "城市代码", "share": "Share.", "conf_status": "F free, C, D."}


def _by_hand(rows: slice) -> pd.DataFrame:
    """The mart's rows as Stata stores them, written out by hand."""
    days = [(pd.Timestamp("2010-03-15") - pd.Timestamp("1960-01-01")).days, np.nan, -1.0]
    frame = pd.DataFrame(
        {
            "city_code": pd.Series(["320500", "", ""], dtype=object),
            "year": pd.array([2010, None, 2012], dtype="Int32"),
            "share": [1.5, np.nan, -0.25],
            "amount": [float("123456789012.123456"), np.nan, 1e-6],
            "contributors": [7.0, np.nan, 3.0],
            "conf_status": pd.array([1, None, 3], dtype="Int8"),  # F 1, C 2, D 3
            "is_ict": pd.array([1, None, 0], dtype="Int8"),
            "published_at": days,
            "name_zh": pd.Series(["城市", "", "a"], dtype=object),
            "note": pd.Series([LONG_TEXT, "", LONG_TEXT], dtype=object),
        }
    )
    return frame.iloc[rows].reset_index(drop=True)


def _pyreadstat_file(path: Path, frame: pd.DataFrame) -> bytes:
    pyreadstat.write_dta(
        frame,
        str(path),
        file_label="Cells × year.",
        column_labels={c: LABELS.get(c, "") for c in frame.columns},
        version=14,  # format 118
        variable_value_labels={
            "conf_status": {1: "F", 2: "C", 3: "D"},
            "is_ict": {0: "false", 1: "true"},
        },
        variable_format={"published_at": "%td"},
    )
    raw = path.read_bytes()
    at = raw.index(b"<timestamp>\x11") + len(b"<timestamp>\x11")
    return raw[:at] + FIXED_TIMESTAMP + raw[at + len(FIXED_TIMESTAMP) :]


@pytest.mark.parametrize(
    ("rows", "where", "block"),
    [
        (slice(None), "true", 250_000),
        (slice(None), "true", 2),  # the data section packed in blocks of two rows
        (slice(0, 0), "false", 250_000),  # no rows: str1 columns, empty sections
    ],
)
def test_dta_bytes_equal_pyreadstat_for_every_column_kind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: slice, where: str, block: int
) -> None:
    monkeypatch.setattr(dta118, "_ROWS_PER_BLOCK", block)
    con = duckdb.connect()
    relation = MART.replace("'a long note'", f"'{LONG_TEXT}'") + f" where {where}"
    types = dict(
        con.execute(f"select column_name, column_type from (describe {relation})").fetchall()
    )
    assert types["amount"] == "DECIMAL(38,6)" and types["contributors"] == "BIGINT"
    table = con.sql(stata_query(relation, types)).to_arrow_table()
    write_dta(table, types, tmp_path / "ours.dta", LABELS, "Cells × year.")
    expected = _pyreadstat_file(tmp_path / "theirs.dta", _by_hand(rows))
    assert (tmp_path / "ours.dta").read_bytes() == expected


def test_a_decimal_is_rounded_as_duckdb_rounds_it() -> None:
    # DECIMAL(38,6) values for a third of which Arrow's cast to double misses the nearest
    # double by one unit in the last place (checked when written); DuckDB's cast, which
    # stata_query asks for, gives the nearest one, as Python's float(text) does
    con = duckdb.connect()
    texts = [f"{n}.{f:06d}" for n in (1, 97, 12345, 987654321) for f in range(0, 10**6, 9973)]
    con.execute("create table t as select unnest(?::varchar[])::decimal(38, 6) as x", [texts])
    table = con.sql(stata_query("select x from t", {"x": "DECIMAL(38,6)"})).to_arrow_table()
    assert table.column("x").to_pylist() == [float(t) for t in texts]
