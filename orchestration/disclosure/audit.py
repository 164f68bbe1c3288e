"""The attacker's LP audit of a suppression pattern: for every primary-suppressed (C) cell, the
range [lo, hi] of values the published cells, the relations and non-negativity still allow,
and whether it reaches the cell's protection PL on both sides: lower_ok when
lo ≤ X − min(PL, X) (when PL ≥ X the attacker must not be able to exclude 0), upper_ok when
hi ≥ X + PL, X the true value.

Soundness first. lo and hi are certified: each is a coordinate of a point the attacker cannot
exclude (the truth, or an LP solution), so a side reported ok is ok. A side reported failing
comes from the exact LP minimum or maximum of its cell, so a failure is real and its bound is
exact. In between, cheap joint LPs push many cells at once toward the sides they do not reach
yet and certify most sides in a few LPs; only the sides they leave open get an LP of their
own. A cell pushed up is capped at its protection above the truth: reaching the cap proves
the side, going further proves nothing, and every LP stays bounded — so an exact LP's
optimum below the cap is the cell's true maximum, and hi is never more than X + PL.

Speed. A year has thousands of small systems (a city family's hidden cells, often a handful):
their joint pushes run side by side in one LP per batch (block-diagonal constraints and a
separable objective, so each block gets its own optimum), and every system keeps its model
in HiGHS across its LPs (orchestration.disclosure.solver), which starts each solve from the
last basis.

Numerics. Each independent system (hidden cells linked through relations; published cells do
not move) is solved in deviations from the truth, x = X + d·z with A·z = 0 and z ≥ −X/d: no
right-hand side is left, so no difference of large published numbers, and each LP picks its
unit d (the system's largest hidden value for the joint pushes, the cell's own size for an
exact LP) so that HiGHS' absolute tolerances are small against what is judged. HiGHS' answers
still satisfy the relations only to a tolerance: a point widens the bounds only of the cells
whose side tolerance covers its error, so a cell far smaller than its system is never
certified by solver slack (its side then fails, conservatively, if no clean point reaches it)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import sparse

from orchestration.disclosure.solver import WarmLP
from orchestration.disclosure.tables import (
    UNIT_FLOOR,
    LinkedSet,
    LinkedTables,
    linked_sets,
)

# A side is judged at this share of its cell's own size (value + protection) …
REL_TOL = 1e-7
# … plus this share of its system's largest number: 10 × the LPs' accuracy (HIGHS_ATTEMPTS) …
NOISE = 1e-9
# … but never short of more than this share of its protection: a cell far smaller than its
# system is judged on its own size, at the risk of calling LP noise a failure (never the
# other way round).
PROTECTION_SHARE = 0.01
# Joint pushes per system: at most this many, while each certifies at least this share of
# the sides still open (then the open sides get their exact LPs).
MAX_PUSHES = 40
MIN_GAIN = 0.02
# Joint pushes batch systems up to this many cells, of largest values within this factor.
BATCH_CELLS = 1_000
BATCH_SCALE = 10.0
# A push weighs each cell by 1 / its size (relative moves), clipped to this range of weights
# so that one tiny cell does not make the others' weights vanish below HiGHS' tolerances.
WEIGHT_FLOOR = 1e-3


@dataclass(frozen=True)
class Audit:
    """Per cell of the audited tables: certified bounds (lo = hi = value where no LP looked:
    published cells, systems without a C cell), the tolerance the verdicts used, and the two
    verdicts (always ok for a cell without protection)."""

    lo: np.ndarray
    hi: np.ndarray
    tol: np.ndarray
    lower_ok: np.ndarray
    upper_ok: np.ndarray
    lps: int

    def frame(self, tables: LinkedTables) -> pd.DataFrame:
        """One row per C cell, by cell_id."""
        rows = np.flatnonzero(tables.primary)
        return pd.DataFrame(
            {
                "cell_id": tables.cell_ids[rows],
                "value": tables.value[rows],
                "protection": tables.protection[rows],
                "lo": self.lo[rows],
                "hi": self.hi[rows],
                "lower_ok": self.lower_ok[rows],
                "upper_ok": self.upper_ok[rows],
            }
        )


def audit(cells: pd.DataFrame, relations: pd.DataFrame) -> pd.DataFrame:
    """The audit of the pattern the cells' statuses describe (frames: see LinkedTables):
    cell_id, value, protection, lo, hi, lower_ok, upper_ok for every C cell."""
    tables = LinkedTables.from_frames(cells, relations)
    return audit_tables(tables).frame(tables)


def audit_tables(
    tables: LinkedTables,
    *,
    exact: bool = True,
    start: tuple[np.ndarray, np.ndarray] | None = None,
) -> Audit:
    """The audit of `tables`. `start`: bounds (lo, hi per cell) already certified by points
    the attacker cannot exclude under this pattern (e.g. found under a pattern that hid less);
    they spare LPs. Without `exact` the sides the joint pushes leave open are reported
    failing without their exact LPs: a cheap triage whose failures may not be real."""
    lo, hi = tables.value.copy(), tables.value.copy()
    if start is not None:
        lo, hi = np.minimum(lo, start[0]), np.maximum(hi, start[1])
    tol = np.zeros(len(lo))
    lps = 0
    systems = linked_sets(tables, among=tables.hidden, containing=tables.primary)
    # the joint pushes of many small systems in one LP each (their objectives are separable)
    for batch in _batches(tables, systems):
        search = _Search(tables, batch)
        search.start(lo[batch.cells], hi[batch.cells])
        search.push_jointly()
        lo[batch.cells], hi[batch.cells] = search.lo, search.hi
        lps += search.system.lps
    # the systems whose every side a point reaches already, at no tolerance, need no more
    settled = np.logical_and(*protected_sides(tables.value, tables.protection, lo, hi, tol))
    for linked in systems:
        if settled[linked.cells].all():
            continue
        search = _Search(tables, linked)
        search.start(lo[linked.cells], hi[linked.cells])
        if exact:
            search.close_exactly()
        lo[linked.cells], hi[linked.cells], tol[linked.cells] = search.lo, search.hi, search.tol
        lps += search.system.lps
    lower_ok, upper_ok = protected_sides(tables.value, tables.protection, lo, hi, tol)
    return Audit(lo, hi, tol, lower_ok, upper_ok, lps)


def _batches(tables: LinkedTables, systems: list[LinkedSet]) -> list[LinkedSet]:
    """The systems side by side, in batches of at most BATCH_CELLS cells whose largest values
    are within BATCH_SCALE of each other (a batch's tolerances follow its largest value)."""
    scale = np.array([tables.value[s.cells].max(initial=0.0) for s in systems])
    batches, current, size, low = [], [], 0, 0.0
    for k in np.argsort(scale, kind="stable"):
        cells = len(systems[k].cells)
        if current and (size + cells > BATCH_CELLS or scale[k] > BATCH_SCALE * low):
            batches.append(_side_by_side(tables, current))
            current, size = [], 0
        if not current:
            low = max(scale[k], 1e-300)
        current.append(systems[k])
        size += cells
    if current:
        batches.append(_side_by_side(tables, current))
    return batches


def _side_by_side(tables: LinkedTables, systems: list[LinkedSet]) -> LinkedSet:
    if len(systems) == 1:
        return systems[0]
    cells, cell_component = _side_by_side_labels([s.cells for s in systems])
    relations, relation_component = _side_by_side_labels([s.relations for s in systems])
    matrix = sparse.csc_array(tables.matrix[relations][:, cells])
    matrix.sort_indices()
    return LinkedSet(cells, relations, matrix, components=(cell_component, relation_component))


def _side_by_side_labels(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The positions of all `parts` ascending, and the part each came from."""
    positions = np.concatenate(parts)
    part = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
    order = np.argsort(positions, kind="stable")
    return positions[order], part[order]


def side_tolerance(value: np.ndarray, protection: np.ndarray, scale: float) -> np.ndarray:
    """How close to its protection a bound must come (constants above)."""
    return np.minimum(REL_TOL * (value + protection) + NOISE * scale, PROTECTION_SHARE * protection)


def protected_sides(
    value: np.ndarray, protection: np.ndarray, lo: np.ndarray, hi: np.ndarray, tol: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(lower_ok, upper_ok): do the bounds reach the protection below and above, within tol."""
    lower_ok = lo <= value - np.minimum(protection, value) + tol
    upper_ok = hi >= value + protection - tol
    return lower_ok, upper_ok


class _System:
    """Independent systems of hidden values in deviations from the truth (module docstring),
    one or several side by side (a batch: block-diagonal, so one LP solves each block's part
    of a separable objective); the constraint block A·z = 0 is built on the first LP (a
    re-audit seeded with known points often needs none), then only the objective and the
    bounds change."""

    def __init__(self, linked: LinkedSet, value: np.ndarray) -> None:
        self.linked, self.value, self.lps = linked, value, 0

    @property
    def matrix(self) -> sparse.csc_array:
        return self.linked.matrix

    @cached_property
    def lp(self) -> WarmLP:
        """Built on the first LP: a system certified by known points needs none."""
        return WarmLP(self.matrix)

    def point(
        self, index: np.ndarray, weight: np.ndarray | float, unit: float, cap: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The feasible point minimising Σ weight · x[index], solved in `unit`, with x[index]
        at most `cap` above the truth (a side is reached at its protection: going further
        proves nothing more, and the cap keeps every LP bounded), and how far it is off the
        relations, per cell: Σ |A·x − A·X| over the cell's block."""
        objective = np.zeros(len(self.value))
        objective[index] = weight
        floor = -self.value / unit
        ceiling = np.full(len(self.value), np.inf)
        ceiling[index] = cap / unit
        self.lps += 1
        res = self.lp.solve(objective, floor, ceiling)
        if res.status != 0:  # the truth (z = 0) is feasible, the objective bounded
            raise RuntimeError(f"disclosure audit LP failed: {res.message}")
        z = np.clip(res.x, floor, ceiling)
        residual = np.abs(self.matrix @ z) * unit
        cell_block, relation_block = self.linked.blocks  # a point's error is judged per block
        error = np.bincount(relation_block, residual, minlength=cell_block.max(initial=-1) + 1)[
            cell_block
        ]
        return np.maximum(self.value + unit * z, 0.0), error


class _Search:
    """Certified bounds of one system's cells, widened by every LP point found."""

    def __init__(self, tables: LinkedTables, linked: LinkedSet) -> None:
        x, protection = tables.value[linked.cells], tables.protection[linked.cells]
        self.system = _System(linked, x)
        self.protection = protection
        self.unit = x.max(initial=0.0) or 1.0  # of the joint pushes
        self.tol = side_tolerance(x, protection, self.unit)
        self.lo, self.hi = x.copy(), x.copy()
        self.targets = np.flatnonzero(tables.status[linked.cells] == "C")
        t = self.targets
        self.need_lo = x[t] - np.minimum(protection[t], x[t]) + self.tol[t]
        self.need_hi = x[t] + protection[t] - self.tol[t]
        # an exact LP's unit: its cell's size
        self.cell_unit = np.maximum(x + protection, UNIT_FLOOR * self.unit)
        self.size = np.maximum(x, NOISE * self.unit)

    def start(self, lo: np.ndarray, hi: np.ndarray) -> None:
        """Bounds certified beforehand."""
        np.minimum(self.lo, lo, out=self.lo)
        np.maximum(self.hi, hi, out=self.hi)

    def open_sides(self) -> tuple[np.ndarray, np.ndarray]:
        """(low, high) per target: the side no known point reaches yet."""
        return self.lo[self.targets] > self.need_lo, self.hi[self.targets] < self.need_hi

    def widen(self, cells: np.ndarray, sense: np.ndarray | float, unit: float) -> None:
        """Push `cells` down (sense +1) or up (−1) jointly, up to their protection. The point
        widens only the bounds of cells whose tolerance covers its error: a cell much smaller
        than its system is not moved by HiGHS' slack."""
        size = self.size[cells]
        weight = sense * np.clip(size.min() / size, WEIGHT_FLOOR, 1.0)
        point, error = self.system.point(cells, weight, unit, self.protection[cells])
        trusted = error <= self.tol
        self.start(np.where(trusted, point, self.lo), np.where(trusted, point, self.hi))

    def push_jointly(self) -> None:
        """Push every open side at once, while that certifies enough of them. A cell open on
        both sides goes down or up by turns (by its position and the push's number: no
        randomness)."""
        open_before = np.inf
        alternate = np.arange(len(self.targets)) % 2 == 0
        for push in range(MAX_PUSHES):
            low, high = self.open_sides()
            n_open = int(low.sum() + high.sum())
            if n_open == 0 or n_open > (1 - MIN_GAIN) * open_before:
                return
            open_before = n_open
            down = low & (~high | (alternate ^ (push % 2 == 1)))
            up = high & ~down
            cells = np.concatenate([self.targets[down], self.targets[up]])
            sense = np.concatenate([np.ones(down.sum()), -np.ones(up.sum())])
            self.widen(cells, sense, self.unit)

    def close_exactly(self) -> None:
        """The exact LP of every side still open (earlier answers may certify later ones):
        capped at the protection, its optimum is the exact bound wherever the side fails."""
        low, high = self.open_sides()
        for k in np.flatnonzero(low | high):
            cell = self.targets[k : k + 1]
            unit = self.cell_unit[cell[0]]
            if self.lo[cell[0]] > self.need_lo[k]:
                self.widen(cell, 1.0, unit)
            if self.hi[cell[0]] < self.need_hi[k]:
                self.widen(cell, -1.0, unit)
