"""tools.spark_mirror.compare.differing_rows on hand-made relations: rows in any order are
paired by their values; floats within 1e-9 relative count as equal, NaN equals NaN, and a
null on one side only, a wider float gap, a changed text or a missing row is reported."""

from __future__ import annotations

import duckdb
import pytest

from tools.spark_mirror.compare import differing_rows

LEFT = "(values ('a', 1, 10.0), ('b', 2, 0.1 + 0.2), ('c', 3, 'nan'::double)) t(k, n, x)"


def _found(right: str) -> list[str]:
    with duckdb.connect() as con:
        return differing_rows(con, f"(select * from {LEFT})", f"(select * from {right})", "t")


def test_the_same_rows_in_another_order_with_float_noise_do_not_differ() -> None:
    right = "(values ('c', 3, 'nan'::double), ('a', 1, 10.000000000001), ('b', 2, 0.3)) t(k, n, x)"
    assert _found(right) == []


@pytest.mark.parametrize(
    "right",
    [
        "(values ('a', 1, 10.0), ('b', 2, 0.3), ('c', 3, null::double)) t(k, n, x)",
        "(values ('a', 1, 10.0001), ('b', 2, 0.3), ('c', 3, 'nan'::double)) t(k, n, x)",
        "(values ('a', 1, 10.0), ('bb', 2, 0.3), ('c', 3, 'nan'::double)) t(k, n, x)",
        "(values ('a', 1, 10.0), ('b', 5, 0.3), ('c', 3, 'nan'::double)) t(k, n, x)",
    ],
    ids=["null-against-nan", "float-gap-1e-5", "text", "integer"],
)
def test_one_changed_value_is_reported(right: str) -> None:
    assert len(_found(right)) == 1


def test_a_missing_row_is_reported_as_counts() -> None:
    assert _found("(values ('a', 1, 10.0), ('b', 2, 0.3)) t(k, n, x)") == ["t: 3 rows against 2"]
