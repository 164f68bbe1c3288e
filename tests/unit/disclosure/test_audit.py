"""The attacker's LP audit (orchestration.disclosure.audit) on tables small enough to solve by
hand. The ranges in the docstrings are derived from the relations alone; where a side fails
the audit must report its exact bound, where it holds any bound a feasible point reaches.
A larger three-way table is checked against exact LPs written here from the frames with
`scipy.optimize.linprog` (no code of the module), and the inputs' validation is checked."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from orchestration.disclosure.audit import audit

Cells = dict[str, tuple]  # cell_id → (value, status) or (value, status, protection)
Relations = dict[str, tuple[str, list[str]]]  # relation_id → (parent, children)

# The 2×2 table with margins of the brief: inner cells x11 x12 / x21 x22, row totals R1 R2,
# column totals C1 C2, grand total T (as the sum of the rows and of the columns).
INNER = {"x11": 10.0, "x12": 20.0, "x21": 30.0, "x22": 40.0}
MARGINS = {"R1": 30.0, "R2": 70.0, "C1": 40.0, "C2": 60.0, "T": 100.0}
TWO_BY_TWO: Relations = {
    "row1": ("R1", ["x11", "x12"]),
    "row2": ("R2", ["x21", "x22"]),
    "col1": ("C1", ["x11", "x21"]),
    "col2": ("C2", ["x12", "x22"]),
    "rows": ("T", ["R1", "R2"]),
    "cols": ("T", ["C1", "C2"]),
}


def frames(cells: Cells, relations: Relations) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The audit's input frames from {cell: (value, status[, protection])} and
    {relation: (parent, children)}."""
    cell_frame = pd.DataFrame(
        [(c, float(v[0]), v[1], float(v[2]) if len(v) > 2 else 0.0) for c, v in cells.items()],
        columns=["cell_id", "value", "status", "protection"],
    )
    rows = []
    for relation, (parent, children) in relations.items():
        rows.append((relation, parent, "parent"))
        rows += [(relation, child, "child") for child in children]
    return cell_frame, pd.DataFrame(rows, columns=["relation_id", "cell_id", "role"])


def two_by_two(pattern: Cells) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The 2×2 table, published but for `pattern` (cell → (status[, protection]))."""
    values = {**INNER, **MARGINS}
    cells = {c: (v, *pattern.get(c, ("F",))) for c, v in values.items()}
    return frames(cells, TWO_BY_TWO)


def exact_range(cells: pd.DataFrame, relations: pd.DataFrame, cell_id: str) -> tuple[float, float]:
    """The attacker's exact range of one hidden cell, written independently of the module:
    dense equations over the hidden cells (published values moved to the right-hand side),
    x ≥ 0, min and max by linprog; an unbounded maximum is inf."""
    hidden = cells.loc[cells["status"] != "F", "cell_id"].tolist()
    column = {c: k for k, c in enumerate(hidden)}
    value = dict(zip(cells["cell_id"], cells["value"], strict=True))
    rows, rhs = [], []
    for _, members in relations.groupby("relation_id"):
        row, known = np.zeros(len(hidden)), 0.0
        for member, role in zip(members["cell_id"], members["role"], strict=True):
            sign = 1.0 if role == "child" else -1.0
            if member in column:
                row[column[member]] += sign
            else:
                known += sign * value[member]
        if row.any():
            rows.append(row)
            rhs.append(-known)
    objective = np.zeros(len(hidden))
    objective[column[cell_id]] = 1.0
    equations = {"A_eq": np.array(rows), "b_eq": np.array(rhs)} if rows else {}
    low = linprog(objective, bounds=(0, None), method="highs", **equations)
    high = linprog(-objective, bounds=(0, None), method="highs", **equations)
    assert low.status == 0 and high.status in (0, 3)
    return low.fun, (math.inf if high.status == 3 else -high.fun)


def row(result: pd.DataFrame, cell_id: str) -> pd.Series:
    return result.set_index("cell_id").loc[cell_id]


def test_a_lone_hidden_inner_cell_is_derived() -> None:
    """x11 alone hidden: x11 = R1 − x12 = 30 − 20 = 10 exactly, so both sides fail and the
    failing bounds are exact: lo = hi = 10."""
    result = audit(*two_by_two({"x11": ("C", 3.0)}))
    assert list(result.columns) == [
        "cell_id",
        "value",
        "protection",
        "lo",
        "hi",
        "lower_ok",
        "upper_ok",
    ]
    x11 = row(result, "x11")
    assert (x11.value, x11.protection) == (10.0, 3.0)
    assert x11.lo == pytest.approx(10.0) and x11.hi == pytest.approx(10.0)
    assert not x11.lower_ok and not x11.upper_ok


def test_hiding_the_inner_cells_gives_the_hand_derived_ranges() -> None:
    """All four inner cells hidden, margins published: x12 = 30 − x11, x21 = 40 − x11,
    x22 = 70 − x21 = 30 + x11, all ≥ 0, so x11 ∈ [0, 30] and x22 = 30 + x11 ∈ [30, 60].
    x11 with protection 25: the lower side needs lo ≤ 10 − 10 = 0 (holds, lo = 0), the upper
    hi ≥ 35 (fails: exact hi = 30). x22 with protection 35: needs lo ≤ 5 and hi ≥ 75, both
    fail, exactly at 30 and 60."""
    pattern = {"x11": ("C", 25.0), "x12": ("D",), "x21": ("D",), "x22": ("C", 35.0)}
    result = audit(*two_by_two(pattern))
    x11, x22 = row(result, "x11"), row(result, "x22")
    assert x11.lower_ok and x11.lo == pytest.approx(0.0, abs=1e-6)
    assert not x11.upper_ok and x11.hi == pytest.approx(30.0)
    assert not x22.lower_ok and x22.lo == pytest.approx(30.0)
    assert not x22.upper_ok and x22.hi == pytest.approx(60.0)


def test_the_same_pattern_with_small_protections_holds() -> None:
    """The ranges above ([0, 30] and [30, 60]) cover 10 ± 3 and 40 ± 3: both sides hold and
    the certified bounds lie inside the true ranges and reach the protection."""
    pattern = {"x11": ("C", 3.0), "x12": ("D",), "x21": ("D",), "x22": ("C", 3.0)}
    result = audit(*two_by_two(pattern))
    assert result.lower_ok.all() and result.upper_ok.all()
    x11, x22 = row(result, "x11"), row(result, "x22")
    assert -1e-9 <= x11.lo <= 7.0 and 13.0 <= x11.hi <= 30.0 + 1e-6
    assert 30.0 - 1e-6 <= x22.lo <= 37.0 and 43.0 <= x22.hi <= 60.0 + 1e-6


def test_a_small_partner_caps_the_lower_side_only() -> None:
    """a = e + b with e = 49 published and b = 1 hidden, so a ≥ 49; T = a + f with T = 150
    published and f hidden, so a ≤ 150. a = 50 with protection 5: the lower side needs
    lo ≤ 45 and fails at the exact 49; the upper side needs hi ≥ 55 and holds."""
    cells = {
        "a": (50.0, "C", 5.0),
        "e": (49.0, "F"),
        "b": (1.0, "D"),
        "T": (150.0, "F"),
        "f": (100.0, "D"),
    }
    relations = {"a=e+b": ("a", ["e", "b"]), "T=a+f": ("T", ["a", "f"])}
    a = row(audit(*frames(cells, relations)), "a")
    assert not a.lower_ok and a.lo == pytest.approx(49.0)
    assert a.upper_ok and 55.0 <= a.hi <= 150.0 + 1e-6


def test_a_protection_beyond_the_value_needs_zero_to_stay_possible() -> None:
    """a = 4 with protection 6 > a: the lower side holds only if the attacker cannot exclude
    a = 0. a = g + h with g = 3 published (h hidden) keeps a ≥ 3: fails at the exact 3. With
    g hidden too, a can be 0: holds. T = a + b (T = 14 published, b hidden) caps a at 14 ≥ 10:
    the upper side holds in both."""
    cells = {"a": (4.0, "C", 6.0), "g": (3.0, "F"), "h": (1.0, "D"), "T": (14.0, "F")}
    cells["b"] = (10.0, "D")
    relations = {"a=g+h": ("a", ["g", "h"]), "T=a+b": ("T", ["a", "b"])}
    a = row(audit(*frames(cells, relations)), "a")
    assert not a.lower_ok and a.lo == pytest.approx(3.0)
    assert a.upper_ok
    cells["g"] = (3.0, "D")
    a = row(audit(*frames(cells, relations)), "a")
    assert a.lower_ok and a.lo == pytest.approx(0.0, abs=1e-6)
    assert a.upper_ok


def test_an_uncapped_cell_is_certified_up_to_its_protection() -> None:
    """a = b + c, b = 7 published, c hidden, a in no other relation: a ∈ [7, ∞). a = 10 with
    protection 5: lower needs lo ≤ 5 and fails at the exact 7; the maximum is unbounded, and
    the audit looks no further than the protection proves: hi = 10 + 5."""
    cells = {"a": (10.0, "C", 5.0), "b": (7.0, "F"), "c": (3.0, "D")}
    a = row(audit(*frames(cells, {"a=b+c": ("a", ["b", "c"])})), "a")
    assert not a.lower_ok and a.lo == pytest.approx(7.0)
    assert a.upper_ok and a.hi == pytest.approx(15.0)


def test_uncapped_cells_pushed_up_together_are_bounded_exactly_below() -> None:
    """a1 = b1 + c and a2 = b2 + c with b1 = 7, b2 = 5 published and c = 3 hidden: a1 ∈ [7, ∞)
    and a2 ∈ [5, ∞). With protection 5 both lower sides fail (exactly at 7 and 5) and both
    maxima are unbounded: certified at 10 + 5 and 8 + 5, where the protection is reached."""
    cells = {
        "a1": (10.0, "C", 5.0),
        "a2": (8.0, "C", 5.0),
        "b1": (7.0, "F"),
        "b2": (5.0, "F"),
        "c": (3.0, "D"),
    }
    relations = {"a1=b1+c": ("a1", ["b1", "c"]), "a2=b2+c": ("a2", ["b2", "c"])}
    result = audit(*frames(cells, relations)).set_index("cell_id")
    assert list(result.lo) == pytest.approx([7.0, 5.0])
    assert list(result.hi) == pytest.approx([15.0, 13.0])
    assert not result.lower_ok.any() and result.upper_ok.all()


def test_a_hidden_cell_in_no_relation_is_free() -> None:
    """Nothing links z: the attacker knows only z ≥ 0, so z ∈ [0, ∞) (certified up to
    5 + 9, its protection)."""
    z = row(audit(*frames({"z": (5.0, "C", 9.0)}, {})), "z")
    assert z.lower_ok and z.upper_ok and z.lo == pytest.approx(0.0)
    assert z.hi == pytest.approx(14.0)


def test_a_residual_is_derived_from_its_published_parent_and_sibling() -> None:
    """A = B + R (R the rest of a prefecture, never published) and R = R1 + R2 with R2 = 8
    published. A = 50 and B = 30 published give R = 20, hence R1 = 12 exactly: derived. With
    A hidden (A is in no other relation) R ∈ [0, ∞), so R1 ∈ [0, ∞): protected."""
    cells = {
        "A": (50.0, "F"),
        "B": (30.0, "F"),
        "R": (20.0, "R"),
        "R1": (12.0, "C", 3.0),
        "R2": (8.0, "F"),
    }
    relations = {"A=B+R": ("A", ["B", "R"]), "R=R1+R2": ("R", ["R1", "R2"])}
    r1 = row(audit(*frames(cells, relations)), "R1")
    assert not r1.lower_ok and not r1.upper_ok
    assert r1.lo == pytest.approx(12.0) and r1.hi == pytest.approx(12.0)
    cells["A"] = (50.0, "D")
    r1 = row(audit(*frames(cells, relations)), "R1")
    assert r1.lower_ok and r1.upper_ok


# A small cell beside large published ones, T = a + b + c (all exact in binary floating point).
SMALL_IN_LARGE: Cells = {
    "T": (1e9, "F"),
    "a": (0.5, "C", 0.1),
    "b": (400_000_000.0, "F"),
    "c": (599_999_999.5, "F"),
}
SMALL_IN_LARGE_RELATIONS: Relations = {"T=a+b+c": ("T", ["a", "b", "c"])}


def test_a_small_cell_in_a_large_system_is_judged_on_its_own_size() -> None:
    """T = a + b + c with T = 1e9, b = 4e8 and c = 6e8 − 0.5 published: a = 0.5 is derived
    exactly, both sides fail at 0.5 (a tolerance of 1e-7 of the system, 100, would have
    passed them). With b hidden, a ∈ [0, 4e8 + 0.5]: both hold."""
    cells = dict(SMALL_IN_LARGE)
    a = row(audit(*frames(cells, SMALL_IN_LARGE_RELATIONS)), "a")
    assert not a.lower_ok and not a.upper_ok
    assert a.lo == pytest.approx(0.5, abs=1e-9) and a.hi == pytest.approx(0.5, abs=1e-9)
    cells["b"] = (400_000_000.0, "D")
    a = row(audit(*frames(cells, SMALL_IN_LARGE_RELATIONS)), "a")
    assert a.lower_ok and a.upper_ok


def three_way(pattern: Cells) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A 2×3×3 table with every margin ('*' = total over that dimension, e.g. '1*0'): inner
    values 1 + 3·((7i + 5j + 3k) mod 11), no zero and no regularity; published but for
    `pattern`. A relation per line: a cell with '*' on an axis = Σ its cells along it."""
    dims = ("01", "012", "012")
    inner = {
        "".join(key): 1.0 + 3.0 * ((7 * int(key[0]) + 5 * int(key[1]) + 3 * int(key[2])) % 11)
        for key in itertools.product(*dims)
    }
    keys = ["".join(key) for key in itertools.product(*(d + "*" for d in dims))]
    value = {
        key: sum(
            v
            for cell, v in inner.items()
            if all(a in ("*", b) for a, b in zip(key, cell, strict=True))
        )
        for key in keys
    }
    relations: Relations = {
        f"{key}/{axis}": (key, [key[:axis] + c + key[axis + 1 :] for c in dims[axis]])
        for key in keys
        for axis in range(3)
        if key[axis] == "*"
    }
    cells = {key: (v, *pattern.get(key, ("F",))) for key, v in value.items()}
    return frames(cells, relations)


# The cube i, j, k ∈ {0, 1} hidden (C and D), 121 primary, the margin 1*1 a residual and 122
# secondary. The only moves of the cube that keep every line sum are ±δ with sign
# (−1)^(i+j+k) (the smallest cycle of a three-way table): 000, 011, 101, 110 up while 001, 010,
# 100, 111 go down takes δ ≤ min(10, 16, 22, 13) = 10, the other way δ ≤ min(1, 25, 31, 4) = 1.
# 1*1 adds no freedom (1** − 1*0 − 1*2, all published), and 121 = *21 − 021 (published).
THREE_WAY_PATTERN: Cells = {
    "001": ("C", 3.0),  # 10 ∈ [0, 11]: lower holds (needs 7), upper fails (needs 13)
    "011": ("C", 5.0),  # 25 ∈ [24, 35]: lower fails (needs 20), upper holds (needs 30)
    "101": ("C", 0.5),  # 31 ∈ [30, 41]: both hold
    "121": ("C", 2.0),  # 28 derived: both fail
    "000": ("D",),
    "010": ("D",),
    "100": ("D",),
    "110": ("D",),
    "111": ("D",),
    "1*1": ("R",),
    "122": ("D",),
}
HAND_RANGES = {"001": (0.0, 11.0), "011": (24.0, 35.0), "101": (30.0, 41.0), "121": (28.0, 28.0)}


def test_the_audit_agrees_with_exact_lps_on_a_three_way_table() -> None:
    """The exact LPs (written here) give the hand ranges; the audit's bounds are certified
    (inside them), its failing sides exact, and every verdict the exact one."""
    cells, relations = three_way(THREE_WAY_PATTERN)
    result = audit(cells, relations).set_index("cell_id")
    assert list(result.index) == list(HAND_RANGES)  # by cell_id
    for cell_id, got in result.iterrows():
        low, high = exact_range(cells, relations, cell_id)
        assert (low, high) == pytest.approx(HAND_RANGES[cell_id])
        x, pl, tol = got.value, got.protection, 1e-6 * max(got.value, 1.0)
        assert low - tol <= got.lo <= x + tol and x - tol <= got.hi <= high + tol
        assert got.lower_ok == (low <= x - min(pl, x) + tol)
        assert got.upper_ok == (high >= x + pl - tol)
        if not got.lower_ok:
            assert got.lo == pytest.approx(low)
        if not got.upper_ok:
            assert got.hi == pytest.approx(high)
    assert list(result.lower_ok) == [True, False, True, False]
    assert list(result.upper_ok) == [False, True, True, False]


def test_the_row_order_does_not_matter() -> None:
    cells, relations = three_way(THREE_WAY_PATTERN)
    shuffled = audit(cells.sample(frac=1, random_state=1), relations.sample(frac=1, random_state=2))
    pd.testing.assert_frame_equal(audit(cells, relations), shuffled)


Change = Callable[[pd.DataFrame, pd.DataFrame], tuple[pd.DataFrame, pd.DataFrame]]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c, r: (c, r.replace({"cell_id": {"x12": "nope"}})), "unknown cell_id nope"),
        (lambda c, r: (c, r.replace({"role": {"child": "kid"}})), "role must be parent or child"),
        (lambda c, r: (c, r[r.role != "parent"]), "exactly one parent"),
        (
            lambda c, r: (c, r.replace({"role": {"child": "parent"}})),
            "exactly one parent",
        ),
        (lambda c, r: (c, r[r.role != "child"]), "without a child"),
        (lambda c, r: (c, pd.concat([r, r.iloc[[1]]])), "a cell appears twice"),
        (lambda c, r: (c.replace({"value": {20.0: -20.0}}), r), "finite and ≥ 0: x12"),
        (lambda c, r: (c.replace({"value": {20.0: np.nan}}), r), "finite and ≥ 0: x12"),
        (lambda c, r: (c.replace({"status": {"C": "S"}}), r), "status must be one of"),
        (lambda c, r: (c.replace({"protection": {3.0: -1.0}}), r), "protection must be"),
        (lambda c, r: (pd.concat([c, c.iloc[[0]]]), r), "duplicate cell_id"),
        (lambda c, r: (c.drop(columns="status"), r), "missing column(s) status"),
        (lambda c, r: (c.replace({"value": {20.0: 21.0}}), r), "parent ≠ Σ children"),
    ],
)
def test_inputs_are_validated(change: Change, message: str) -> None:
    """Each broken input of the 2×2 table (x11 primary) is refused with a message naming it."""
    cells, relations = change(*two_by_two({"x11": ("C", 3.0)}))
    with pytest.raises(ValueError, match=re.escape(message)):
        audit(cells, relations)
