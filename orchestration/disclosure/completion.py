"""Completion of secondary suppression: which published cells must also be hidden (status D)
so that every primary-suppressed (C) cell keeps its protection on both sides, as the LP audit
(orchestration.disclosure.audit) judges it.

An LP heuristic in the spirit of Fischetti and Salazar-González's cell suppression models
(JASA 2000). For each side of a C cell p the audit finds open, the cheapest perturbation y of
the values of p's linked set (its connected component through the relations, published cells
included since they may become hidden): A·y = 0 (the relations still hold), y_i ≥ −x_i (the
values stay ≥ 0) and y_p = +PL (upper side) or −min(PL, x_p) (lower side). Every published cell
y moves becomes D: with them hidden, x + y is a point the attacker cannot exclude, so the side
is protected, and hiding more later only widens the attacker's ranges.

Rounds: one cheap audit of all the tables (joint pushes only, no exact LPs: the perturbation
LP settles an open side anyway, at cost 0 when it already holds); then, per linked set with
a side it leaves open, the open sides, largest cell first, each skipped when a point found
for an earlier one reaches it; then a re-audit seeded with every point found, until every
side holds. The last round allowed audits exactly, so the cells it still finds unprotected
are (UnprotectedCellsError, a blocking gate).

Cost (information loss): Σ c_j · |y_j| over the published cells j, with
c_j = 1 + SIZE_WEIGHT · x_j / max x: the amount of value a published cell would have to absorb,
so that hiding it is worth it. The small size term breaks the unit cost's many ties toward
small cells: moving an inner cell of a table with margins against its row and column takes
the same amount through the three other inner cells as through its row total, column total and
grand total, and the totals are the numbers users read first. Hidden cells (C, D, R) cost
nothing: they are hidden already, so an R cell is never added. Costs closer than HiGHS'
tolerances tie; everything is sorted by cell_id and HiGHS is deterministic, so the same tables
give the same cells whatever the ties."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from functools import cached_property
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import sparse

from orchestration.disclosure.audit import Audit, audit_tables, protected_sides
from orchestration.disclosure.solver import WarmLP
from orchestration.disclosure.tables import (
    UNIT_FLOOR,
    LinkedTables,
    linked_sets,
    restrict,
)

DEFAULT_MAX_ROUNDS = 5
SIZE_WEIGHT = 1e-3
# A published cell moves when |y_j| exceeds this share of the LP's unit: 10 × HiGHS' accuracy
# (tables.HIGHS_ATTEMPTS), so that noise hides nothing and no real move is missed.
MOVE_TOL = 1e-9


class UnprotectedCellsError(ValueError):
    """Some C cell can still be narrowed below its protection: a blocking gate."""

    def __init__(self, sides: list[tuple[str, str]], reason: str) -> None:
        self.sides = sorted(sides)
        by_cell: dict[str, list[str]] = {}
        for cell, side in self.sides:
            by_cell.setdefault(cell, []).append(side)
        listed = [f"{cell} ({', '.join(s)})" for cell, s in list(by_cell.items())[:20]]
        more = f" … ({len(by_cell)} cells in all)" if len(by_cell) > 20 else ""
        super().__init__(
            f"{len(by_cell)} primary-suppressed cell(s) stay unprotected {reason}: "
            f"{'; '.join(listed)}{more}"
        )


@dataclass(frozen=True)
class CompletionResult:
    added: list[str]  # cell_ids newly set to D, sorted
    audit: pd.DataFrame  # the audit of the completed pattern (audit.Audit.frame)
    lps: int  # audit and perturbation LPs
    seconds: float


def complete(
    cells: pd.DataFrame, relations: pd.DataFrame, max_rounds: int = DEFAULT_MAX_ROUNDS
) -> CompletionResult:
    """Complete the pattern of `cells` (frames: see LinkedTables) so that every C cell is
    protected on both sides. Raises UnprotectedCellsError naming the cells still unprotected
    after `max_rounds` rounds of additions (0: only audit), or one no perturbation can move."""
    started = time.perf_counter()
    result = complete_tables(LinkedTables.from_frames(cells, relations), max_rounds)
    return replace(result, seconds=time.perf_counter() - started)


def complete_tables(tables: LinkedTables, max_rounds: int = DEFAULT_MAX_ROUNDS) -> CompletionResult:
    """`complete` on tables indexed already."""
    if max_rounds < 0:
        raise ValueError(f"max_rounds must be ≥ 0, not {max_rounds}")
    started = time.perf_counter()
    status = tables.status.copy()
    # one cheap audit of everything first (its joint pushes batch many small systems): only
    # the linked sets with a side it leaves open need rounds of their own
    first = audit_tables(tables, exact=max_rounds == 0)
    open_cells = ~(first.lower_ok & first.upper_ok)
    parts: list[tuple[np.ndarray, Audit]] = [(np.arange(len(status)), first)]
    for linked in linked_sets(tables, containing=open_cells) if max_rounds else []:
        part_status, part = _complete_set(
            restrict(tables, linked), max_rounds, _restricted(first, linked.cells)
        )
        status[linked.cells] = part_status
        parts.append((linked.cells, part))
    final = _merged(tables, parts)
    failing = [(c, "lower") for c in tables.cell_ids[~final.lower_ok]]
    failing += [(c, "upper") for c in tables.cell_ids[~final.upper_ok]]
    if failing:
        raise UnprotectedCellsError(
            failing, f"after {max_rounds} round(s) of secondary suppression"
        )
    added = sorted(tables.cell_ids[status != tables.status].tolist())
    return CompletionResult(added, final.frame(tables), final.lps, time.perf_counter() - started)


def _merged(tables: LinkedTables, parts: list[tuple[np.ndarray, Audit]]) -> Audit:
    """One audit of the tables from those of their linked sets (the cells of no set are in
    no system with a C cell: nothing to judge)."""
    n = len(tables.value)
    merged = Audit(
        lo=tables.value.copy(),
        hi=tables.value.copy(),
        tol=np.zeros(n),
        lower_ok=np.ones(n, bool),
        upper_ok=np.ones(n, bool),
        lps=sum(part.lps for _, part in parts),
    )
    for rows, part in parts:
        for name in ("lo", "hi", "tol", "lower_ok", "upper_ok"):
            getattr(merged, name)[rows] = getattr(part, name)
    return merged


def _restricted(audit: Audit, cells: np.ndarray) -> Audit:
    """`audit`'s verdicts on `cells` alone (its LPs counted where it was made)."""
    return Audit(
        lo=audit.lo[cells],
        hi=audit.hi[cells],
        tol=audit.tol[cells],
        lower_ok=audit.lower_ok[cells],
        upper_ok=audit.upper_ok[cells],
        lps=0,
    )


def _complete_set(tables: LinkedTables, max_rounds: int, first: Audit) -> tuple[np.ndarray, Audit]:
    """One linked set's rounds (module docstring) after `first`, the first audit's verdicts
    on it: (its final statuses, their audit counting every LP since). The first audit is the
    set's round 0: auditing the same pattern again from its bounds certified no further side
    at national scale (≈ 130 LPs a year and magnitude for nothing, measured 2026-12-06)."""
    status, lps, result = tables.status, 0, first
    perturbation = _Perturbation(tables)
    for round_ in range(1, max_rounds + 1):
        status, start = _cover(tables.with_status(status), result, perturbation)
        result = audit_tables(tables.with_status(status), exact=round_ == max_rounds, start=start)
        lps += result.lps
        if (result.lower_ok & result.upper_ok).all():
            break
    return status, replace(result, lps=lps + perturbation.lps)


def _cover(
    tables: LinkedTables, result: Audit, perturbation: _Perturbation
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Hide what the open sides of `result` need, largest cell first: (the new statuses, the
    bounds certified by every point found, for the re-audit)."""
    status = tables.status.copy()
    lo, hi = result.lo.copy(), result.hi.copy()
    for cell, upper in _open_sides(tables, result):
        lower_ok, upper_ok = protected_sides(
            tables.value[cell], tables.protection[cell], lo[cell], hi[cell], result.tol[cell]
        )
        if upper_ok if upper else lower_ok:
            continue  # a point found for an earlier side reaches this one
        found = perturbation.move(cell, upper, published=status == "F")
        if found is None:
            side = "upper" if upper else "lower"
            raise UnprotectedCellsError(
                [(tables.cell_ids[cell], side)], "whatever else is hidden (the relations pin it)"
            )
        status[found.moved] = "D"
        # the point widens only the bounds of cells whose tolerance covers its error
        point = np.maximum(tables.value + found.y, 0.0)
        trusted = found.error <= result.tol
        np.minimum(lo, np.where(trusted, point, lo), out=lo)
        np.maximum(hi, np.where(trusted, point, hi), out=hi)
    return status, (lo, hi)


def _open_sides(tables: LinkedTables, result: Audit) -> list[tuple[int, bool]]:
    """(cell, upper?) of every open side: largest value first, then by cell_id, lower first."""
    cells = np.concatenate([np.flatnonzero(~result.lower_ok), np.flatnonzero(~result.upper_ok)])
    upper = np.repeat([False, True], [(~result.lower_ok).sum(), (~result.upper_ok).sum()])
    order = np.lexsort((upper, cells, -tables.value[cells]))
    return list(zip(cells[order].tolist(), upper[order].tolist(), strict=True))


class _Move(NamedTuple):
    y: np.ndarray  # the perturbation of every cell's value
    moved: np.ndarray  # the published cells it moves (to be hidden)
    error: float  # how far x + y is off what the attacker sees once they are hidden


class _Perturbation:
    """The perturbation LP of one linked set: y = y⁺ − y⁻ with y⁺, y⁻ ≥ 0 and y⁻ ≤ x, the
    relations [A, −A]·(y⁺, y⁻) = 0 built once, the objective and bounds per side."""

    def __init__(self, tables: LinkedTables) -> None:
        self.tables, self.lps = tables, 0
        x = tables.value
        self.price = 1.0 + SIZE_WEIGHT * x / (x.max(initial=0.0) or 1.0)

    @cached_property
    def lp(self) -> WarmLP:
        """Built on the first LP: a linked set protected already needs none."""
        a = self.tables.matrix
        return WarmLP(sparse.hstack([a, -a], format="csc"))

    def move(self, cell: int, upper: bool, published: np.ndarray) -> _Move | None:
        """The cheapest move of `cell` by its protection up (`upper`) or down; None when
        there is none (the relations pin the cell whatever is hidden). Solved in units of the
        move (floored at UNIT_FLOOR of the largest value), so that a small cell's move stays
        far above HiGHS' tolerances; the relations are homogeneous: any unit will do."""
        n = len(self.price)
        x, protection = self.tables.value, self.tables.protection[cell]
        amount = protection if upper else min(protection, x[cell])
        unit = max(amount, UNIT_FLOOR * x.max())
        lower_bound = np.zeros(2 * n)
        upper_bound = np.concatenate([np.full(n, np.inf), x / unit])
        moving, still = (cell, n + cell) if upper else (n + cell, cell)
        lower_bound[moving] = upper_bound[moving] = amount / unit
        upper_bound[still] = 0.0
        cost = np.where(published, self.price, 0.0)
        self.lps += 1
        res = self.lp.solve(np.concatenate([cost, cost]), lower_bound, upper_bound)
        if res.status == 2:
            return None
        if res.status != 0:
            raise RuntimeError(f"secondary suppression LP failed: {res.message}")
        y = res.x[:n] - res.x[n:]
        moved = published & (np.abs(y) > MOVE_TOL)
        # off the attacker's view by the relations' residual and the moves left published
        error = np.abs(self.tables.matrix @ y).sum() + np.abs(y[published & ~moved]).sum()
        return _Move(y * unit, moved, error * unit)
