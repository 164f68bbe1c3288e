"""Completion of secondary suppression (orchestration.disclosure.completion) on tables small
enough to find the cheapest pattern by hand. Every completed pattern is re-checked with exact
LPs written in the tests (test_audit.exact_range, scipy.optimize.linprog on the frames), not
with the module's audit."""

from __future__ import annotations

import pandas as pd
import pytest

from orchestration.disclosure.completion import CompletionResult, UnprotectedCellsError, complete
from tests.unit.disclosure.test_audit import (
    SMALL_IN_LARGE,
    SMALL_IN_LARGE_RELATIONS,
    exact_range,
    frames,
    three_way,
    two_by_two,
)


def assert_protected(
    cells: pd.DataFrame, relations: pd.DataFrame, result: CompletionResult
) -> None:
    """With the added cells hidden, every C cell's exact range reaches its protection on both
    sides, and the result's own audit says so too."""
    assert set(result.added) <= set(cells.loc[cells["status"] == "F", "cell_id"])
    done = cells.assign(status=cells["status"].mask(cells["cell_id"].isin(result.added), "D"))
    for cell in done[done["status"] == "C"].itertuples():
        low, high = exact_range(done, relations, cell.cell_id)
        tol = 1e-6 * max(cell.value, 1.0)
        assert low <= cell.value - min(cell.protection, cell.value) + tol, cell.cell_id
        assert high >= cell.value + cell.protection - tol, cell.cell_id
    assert result.audit["lower_ok"].all() and result.audit["upper_ok"].all()
    assert list(result.audit["cell_id"]) == sorted(done.loc[done["status"] == "C", "cell_id"])


def test_one_inner_cell_is_protected_by_the_other_three() -> None:
    """x11 = 10 (protection 3) alone hidden in the 2×2 table with margins (test_audit). No two
    published cells let x11 move (row 1 needs x12 or R1 to move, column 1 x21 or C1, and each
    such pair leaves a third relation pinned); the sets of three that do are {x12, x21, x22},
    {x12, C1, C2}, {x21, R1, R2} and {R1, C1, T}, each moving 3 through each of its cells: 9.
    The size term of the cost picks the smallest cells, the inner ones (20 + 30 + 40 = 90
    against 120, 130, 170); both sides then hold (x11 ∈ [0, 30])."""
    cells, relations = two_by_two({"x11": ("C", 3.0)})
    result = complete(cells, relations)
    assert result.added == ["x12", "x21", "x22"]
    assert_protected(cells, relations, result)
    assert result.lps > 0 and result.seconds > 0


def test_greedy_partners_in_a_two_way_table_need_the_fourth_corner() -> None:
    """x11 hidden with a partner in its row (x12) and in its column (x21), as a greedy pattern
    gives: x12 = C2 − x22 is still derived, hence x11 = R1 − x12. Moving x11, x12, x21 by
    +3, −3, −3 (hidden, free) leaves x22 to move +3 (3 of value) where any other way moves
    R2, C2 and T (9): x22 is the one cell added."""
    cells, relations = two_by_two({"x11": ("C", 3.0), "x12": ("D",), "x21": ("D",)})
    result = complete(cells, relations)
    assert result.added == ["x22"]
    assert_protected(cells, relations, result)


def test_a_hierarchy_needs_the_division_and_the_total() -> None:
    """T = D1 + D2, D1 = g11 + g12, D2 = g21 + g22; g11 = 50 (protection 10) hidden with its
    smallest sibling g12 = 2 as greedy partner: g11 ∈ [0, 52], the upper side (60) fails.
    Moving g11 up by 10 with g12 down by at most 2 moves D1 by ≥ 8; then either T moves with
    it (8 more: 16 in all) or D2 moves back and one of its groups with it (24): D1 and T are
    added, and g11 becomes unbounded above."""
    cells = {
        "T": (122.0, "F"),
        "D1": (52.0, "F"),
        "D2": (70.0, "F"),
        "g11": (50.0, "C", 10.0),
        "g12": (2.0, "D"),
        "g21": (30.0, "F"),
        "g22": (40.0, "F"),
    }
    relations = {
        "T=D1+D2": ("T", ["D1", "D2"]),
        "D1=g11+g12": ("D1", ["g11", "g12"]),
        "D2=g21+g22": ("D2", ["g21", "g22"]),
    }
    cell_frame, relation_frame = frames(cells, relations)
    result = complete(cell_frame, relation_frame)
    assert result.added == ["D1", "T"]
    assert_protected(cell_frame, relation_frame, result)


def test_a_residual_moves_for_free_and_is_never_added() -> None:
    """A prefecture A = 50 (protection 5) = its county-level city B = 30 + the rest R = 20
    (a residual, hidden), and T = A + S with T = 90 and S = 40 published: A = T − S is
    derived. Up: A + 5 takes R + 5 (free) and S − 5 (or T + 5, a larger cell); down: R − 5
    and S + 5. S is the one cell added; R moves but is hidden already."""
    cells = {
        "T": (90.0, "F"),
        "A": (50.0, "C", 5.0),
        "S": (40.0, "F"),
        "B": (30.0, "F"),
        "R": (20.0, "R"),
    }
    relations = {"T=A+S": ("T", ["A", "S"]), "A=B+R": ("A", ["B", "R"])}
    cell_frame, relation_frame = frames(cells, relations)
    result = complete(cell_frame, relation_frame)
    assert result.added == ["S"]
    assert_protected(cell_frame, relation_frame, result)


def test_a_small_cell_in_a_large_system_gets_its_partner() -> None:
    """T = a + b + c (test_audit: a = 0.5 with protection 0.1 beside b = 4e8, c = 6e8 − 0.5,
    T = 1e9): moving a by 0.1 moves b, c or T by 0.1; b is the smallest, so b is added (then
    a ∈ [0, 4e8 + 0.5]). The move is 1e-10 of the table's largest value: the LP's unit (1e-6
    of it) keeps it far above HiGHS' tolerances."""
    cells, relations = frames(SMALL_IN_LARGE, SMALL_IN_LARGE_RELATIONS)
    result = complete(cells, relations)
    assert result.added == ["b"]
    assert_protected(cells, relations, result)


def test_a_three_way_table_is_completed() -> None:
    """Five primary cells of the 2×3×3 table with every margin (test_audit.three_way), one of
    them a margin, and a residual margin: all protected on both sides afterwards."""
    pattern = {
        "000": ("C", 1.0),
        "012": ("C", 1.0),
        "022": ("C", 3.0),
        "121": ("C", 6.0),
        "1*0": ("C", 9.0),
        "1*1": ("R",),
    }
    cells, relations = three_way(pattern)
    result = complete(cells, relations)
    assert result.added and "1*1" not in result.added
    assert_protected(cells, relations, result)


def test_the_same_tables_give_the_same_cells() -> None:
    """Twice, and with the rows of both frames shuffled: the same cells and the same audit."""
    pattern = {"000": ("C", 1.0), "022": ("C", 3.0), "121": ("C", 6.0), "1*0": ("C", 9.0)}
    cells, relations = three_way(pattern)
    first, second = complete(cells, relations), complete(cells, relations)
    shuffled = complete(
        cells.sample(frac=1, random_state=3), relations.sample(frac=1, random_state=4)
    )
    assert first.added == second.added == shuffled.added
    pd.testing.assert_frame_equal(first.audit, shuffled.audit)


def test_a_protected_pattern_gets_nothing_added() -> None:
    """The four inner cells hidden: x11 ∈ [0, 30] covers 10 ± 3 already."""
    pattern = {"x11": ("C", 3.0), "x12": ("D",), "x21": ("D",), "x22": ("D",)}
    result = complete(*two_by_two(pattern))
    assert result.added == []
    assert result.audit["lower_ok"].all() and result.audit["upper_ok"].all()


def test_a_negative_number_of_rounds_is_refused() -> None:
    with pytest.raises(ValueError, match="max_rounds"):
        complete(*two_by_two({"x11": ("C", 3.0)}), max_rounds=-1)


def test_no_round_allowed_is_a_blocking_error_naming_the_cells() -> None:
    with pytest.raises(UnprotectedCellsError, match=r"x11 \(lower, upper\)") as error:
        complete(*two_by_two({"x11": ("C", 3.0)}), max_rounds=0)
    assert error.value.sides == [("x11", "lower"), ("x11", "upper")]
    assert isinstance(error.value, ValueError)


def test_a_cell_the_relations_pin_cannot_be_protected() -> None:
    """P = a + b and b = P + c give a + c = 0, so a = 0 whatever is hidden: its upper side
    (protection 1) can never hold (the lower one needs only that 0 stays possible)."""
    cells = {"P": (5.0, "F"), "a": (0.0, "C", 1.0), "b": (5.0, "F"), "c": (0.0, "F")}
    relations = {"P=a+b": ("P", ["a", "b"]), "b=P+c": ("b", ["P", "c"])}
    with pytest.raises(UnprotectedCellsError, match=r"a \(upper\)") as error:
        complete(*frames(cells, relations))
    assert error.value.sides == [("a", "upper")]
