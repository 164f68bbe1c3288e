"""Linked tables for disclosure control: cells with a status and additive relations
parent = Σ children between them, indexed once as a sparse matrix, and their split into
independent linked sets so that every LP of the audit and of the completion stays small.

Statuses: F published (the attacker knows the value), C primary suppressed (hidden, with a
protection to keep), D secondary suppressed (hidden), R residual (hidden and never published
on its own, e.g. the rest of a prefecture; the attacker learns it only through relations)."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, OptimizeResult, milp
from scipy.sparse.csgraph import connected_components

# Relations must hold on the values to this share of their terms (floating-point sums do to
# ~1e-13): every LP measures the attacker's range around the truth, which must lie in it.
RELATION_TOL = 1e-11
# HiGHS' attempts at each LP. First its feasibility tolerances down from 1e-7 to their floor,
# so that answers satisfy the relations as closely as HiGHS can, without presolve (on these
# LPs it costs more than it saves, and it has misjudged systems with tiny values infeasible);
# then, if HiGHS gives up (it can on bounds far apart) or finds no feasible point, a second
# opinion at its defaults.
HIGHS_ATTEMPTS = (
    {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10, "presolve": False},
    {},
)
# An LP's unit (its values are solved in multiples of it) is never below this share of its
# largest value: HiGHS mishandles bounds more than ~1e9 apart (it has called systems with a
# known feasible point infeasible).
UNIT_FLOOR = 1e-6
STATUSES = ("F", "C", "D", "R")
ROLES = ("parent", "child")
CELL_COLUMNS = ("cell_id", "value", "status", "protection")
RELATION_COLUMNS = ("relation_id", "cell_id", "role")


@dataclass(frozen=True)
class LinkedTables:
    """Cells sorted by cell_id and relations sorted by relation_id, so that every result is
    independent of the input's row order. `matrix` has one row per relation, +1 for each
    child and −1 for the parent: matrix · value = 0."""

    cell_ids: np.ndarray  # str, ascending
    value: np.ndarray  # float64, ≥ 0
    status: np.ndarray  # one of STATUSES
    protection: np.ndarray  # float64, ≥ 0; 0 for every cell but C
    relation_ids: np.ndarray  # str, ascending
    matrix: sparse.csr_array  # relations × cells

    @classmethod
    def from_frames(
        cls, cells: pd.DataFrame, relations: pd.DataFrame, like: LinkedTables | None = None
    ) -> LinkedTables:
        """Validate and index the `cells` (CELL_COLUMNS) and `relations` (RELATION_COLUMNS)
        frames; ValueError names what is wrong. `like`: tables indexed from the same
        relations (another magnitude of the year), whose relation matrix is reused when
        their cells are these."""
        checked = _checked_cells(cells)
        cell_ids = checked["cell_id"].to_numpy(dtype=object)
        value = checked["value"].to_numpy()
        if like is not None and np.array_equal(like.cell_ids, cell_ids):
            relation_ids, matrix = like.relation_ids, like.matrix
        else:
            relation_ids, matrix = _relation_matrix(relations, cell_ids)
        _check_relations_hold(matrix, value, relation_ids)
        return cls(
            cell_ids=cell_ids,
            value=value,
            status=checked["status"].to_numpy(dtype="<U1"),
            protection=checked["protection"].to_numpy(),
            relation_ids=relation_ids,
            matrix=matrix,
        )

    @property
    def hidden(self) -> np.ndarray:
        return self.status != "F"

    @property
    def primary(self) -> np.ndarray:
        return self.status == "C"

    def with_status(self, status: np.ndarray) -> LinkedTables:
        return replace(self, status=status)


@dataclass(frozen=True)
class LinkedSet:
    """One connected component, or several side by side: its cells, the relations holding any
    of them (positions index the LinkedTables it came from), and the relation matrix
    restricted to both, a block of `source` from `corner` (row, column) on, cut out only when
    an LP needs it (most systems are settled without one)."""

    cells: np.ndarray  # ascending
    relations: np.ndarray  # ascending
    source: sparse.csc_array
    corner: tuple[int, int] = (0, 0)
    # each cell's and relation's component when there are several; None: one
    components: tuple[np.ndarray, np.ndarray] | None = None

    @cached_property
    def matrix(self) -> sparse.csc_array:
        """relations × cells"""
        shape = (len(self.relations), len(self.cells))
        if self.source.shape == shape:
            return self.source
        return _diagonal_block(self.source, self.corner, shape)

    @property
    def blocks(self) -> tuple[np.ndarray, np.ndarray]:
        """(each cell's component, each relation's component), numbered from 0."""
        if self.components is not None:
            return self.components
        return np.zeros(len(self.cells), np.intp), np.zeros(len(self.relations), np.intp)


def linked_sets(
    tables: LinkedTables, among: np.ndarray | None = None, containing: np.ndarray | None = None
) -> list[LinkedSet]:
    """The connected components of the cells `among` (a mask; every cell by default) through
    the relations that hold them, ordered by their first cell; only those with a cell of
    `containing` (a mask) when given. Components share no relation, so each is an
    independent system: the audit takes the hidden cells (published ones do not move, and a
    relation without a hidden cell drops out), the completion every cell (a published cell
    may become hidden)."""
    columns = np.arange(len(tables.cell_ids)) if among is None else np.flatnonzero(among)
    sub = tables.matrix[:, columns]
    wanted = None if containing is None else containing[columns]
    cell_rank, relation_rank, n_sets = _component_ranks(sub, wanted)
    cell_order, relation_order = _grouped(cell_rank), _grouped(relation_rank)
    block = sub[relation_order][:, cell_order].tocsc()
    block.sort_indices()
    cell_cut = np.searchsorted(cell_rank[cell_order], np.arange(n_sets + 1))
    relation_cut = np.searchsorted(relation_rank[relation_order], np.arange(n_sets + 1))
    return [
        LinkedSet(
            cells=columns[cell_order[cell_cut[k] : cell_cut[k + 1]]],
            relations=relation_order[relation_cut[k] : relation_cut[k + 1]],
            source=block,
            corner=(relation_cut[k], cell_cut[k]),
        )
        for k in range(n_sets)
    ]


def component_labels(matrix: sparse.sparray) -> tuple[np.ndarray, np.ndarray]:
    """The connected component of every column and every row of `matrix` (cells linked
    through the relations that hold them): (column labels, row labels)."""
    n_rows, n_columns = matrix.shape
    # the bipartite graph rows → columns, taken undirected: no column × column product,
    # whatever a row's size
    entries = sparse.coo_array(matrix)
    graph = sparse.csr_array(
        (np.ones(entries.nnz, np.int8), (entries.row, n_rows + entries.col)),
        shape=(n_rows + n_columns, n_rows + n_columns),
    )
    _, label = connected_components(graph, directed=False)
    return label[n_rows:], label[:n_rows]


def _component_ranks(
    matrix: sparse.csr_array, wanted: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, int]:
    """Each column's and row's component, numbered by first column (−1: a component without
    a `wanted` column, or a row without entries), and the number of components kept."""
    column_label, row_label = component_labels(matrix)
    label = np.concatenate([row_label, column_label])
    labels, first = np.unique(column_label, return_index=True)
    if wanted is not None:
        keep = np.isin(labels, column_label[wanted])
        labels, first = labels[keep], first[keep]
    rank = np.full(label.max(initial=-1) + 1, -1)
    rank[labels[np.argsort(first)]] = np.arange(len(labels))
    return rank[column_label], rank[row_label], len(labels)


def restrict(tables: LinkedTables, linked: LinkedSet) -> LinkedTables:
    """One linked set of `linked_sets(tables)` over every cell as tables of its own (its
    relations hold no cell outside it, so nothing is lost)."""
    return LinkedTables(
        cell_ids=tables.cell_ids[linked.cells],
        value=tables.value[linked.cells],
        status=tables.status[linked.cells],
        protection=tables.protection[linked.cells],
        relation_ids=tables.relation_ids[linked.relations],
        matrix=linked.matrix.tocsr(),
    )


def _grouped(rank: np.ndarray) -> np.ndarray:
    """Positions with a rank ≥ 0, by rank, ascending within a rank."""
    order = np.argsort(rank, kind="stable")
    return order[rank[order] >= 0]


def _diagonal_block(
    block: sparse.csc_array, corner: tuple[int, int], shape: tuple[int, int]
) -> sparse.csc_array:
    """The `shape` block at `corner` of a block-diagonal CSC matrix, by slicing its arrays
    (a component's columns hold no entry outside its rows)."""
    (row, column), n_columns = corner, shape[1]
    pointers = block.indptr[column : column + n_columns + 1]
    start, end = pointers[0], pointers[-1]
    return sparse.csc_array(
        (block.data[start:end], block.indices[start:end] - row, pointers - start),
        shape=shape,
    )


def _sample(ids: Iterable[object], limit: int = 5) -> str:
    """A few ids for an error message."""
    distinct = list(dict.fromkeys(str(i) for i in ids))
    more = f" … ({len(distinct)} in all)" if len(distinct) > limit else ""
    return ", ".join(distinct[:limit]) + more


def _require_columns(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name}: missing column(s) {', '.join(missing)}")


def _floats(column: pd.Series, name: str) -> np.ndarray:
    try:
        return column.to_numpy(dtype="float64", na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"cells: {name} must be numeric") from exc


def _checked_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """The cells with clean dtypes, sorted by cell_id; protection 0 for all but C cells."""
    _require_columns(cells, CELL_COLUMNS, "cells")
    if cells["cell_id"].isna().any():
        raise ValueError("cells: cell_id must not be missing")
    ids = cells["cell_id"].astype(str)
    if ids.duplicated().any():
        raise ValueError(f"cells: duplicate cell_id {_sample(ids[ids.duplicated()])}")
    value = _floats(cells["value"], "value")
    bad = ~(np.isfinite(value) & (value >= 0))
    if bad.any():
        raise ValueError(f"cells: value must be finite and ≥ 0: {_sample(ids[bad])}")
    status = cells["status"].astype(str)
    unknown = ~status.isin(STATUSES)
    if unknown.any():
        raise ValueError(
            f"cells: status must be one of {', '.join(STATUSES)}: "
            f"{_sample(status[unknown])} (cells {_sample(ids[unknown])})"
        )
    primary = (status == "C").to_numpy()
    protection = np.where(primary, _floats(cells["protection"], "protection"), 0.0)
    bad = ~(np.isfinite(protection) & (protection >= 0))
    if bad.any():
        raise ValueError(f"cells: protection must be finite and ≥ 0: {_sample(ids[bad])}")
    frame = pd.DataFrame(
        {
            "cell_id": ids.to_numpy(),
            "value": value,
            "status": status.to_numpy(),
            "protection": protection,
        }
    )
    return frame.sort_values("cell_id", ignore_index=True)


def _relation_matrix(
    relations: pd.DataFrame, cell_ids: np.ndarray
) -> tuple[np.ndarray, sparse.csr_array]:
    """The relation ids (sorted) and the relations × cells matrix (+1 child, −1 parent)."""
    _require_columns(relations, RELATION_COLUMNS, "relations")
    relation = relations["relation_id"].astype(str)
    member = relations["cell_id"].astype(str)
    role = relations["role"].astype(str)
    unknown = ~role.isin(ROLES)
    if unknown.any():
        raise ValueError(f"relations: role must be parent or child: {_sample(role[unknown])}")
    position = pd.Index(cell_ids).get_indexer(member)
    if (position < 0).any():
        raise ValueError(f"relations: unknown cell_id {_sample(member[position < 0])}")
    twice = pd.DataFrame({"r": relation, "c": member}).duplicated()
    if twice.any():
        raise ValueError(f"relations: a cell appears twice in {_sample(relation[twice])}")
    code, relation_ids = pd.factorize(relation, sort=True)
    is_parent = (role == "parent").to_numpy()
    parents = np.bincount(code[is_parent], minlength=len(relation_ids))
    children = np.bincount(code[~is_parent], minlength=len(relation_ids))
    if (parents != 1).any():
        wrong = _sample(relation_ids[parents != 1])
        raise ValueError(f"relations: each relation needs exactly one parent: {wrong}")
    if (children == 0).any():
        raise ValueError(
            f"relations: relation without a child: {_sample(relation_ids[children == 0])}"
        )
    matrix = sparse.csr_array(
        (np.where(is_parent, -1.0, 1.0), (code, position)),
        shape=(len(relation_ids), len(cell_ids)),
    )
    matrix.sort_indices()
    return np.asarray(relation_ids, dtype=object), matrix


def _check_relations_hold(
    matrix: sparse.csr_array, value: np.ndarray, relation_ids: np.ndarray
) -> None:
    """The true values must satisfy every relation: the audit starts from them as a point the
    attacker cannot exclude, and the completion moves them along the relations."""
    gap = np.abs(matrix @ value)
    violated = gap > RELATION_TOL * (abs(matrix) @ value)
    if violated.any():
        raise ValueError(
            f"relations: parent ≠ Σ children on the values (to {RELATION_TOL:g} of their "
            f"terms): {_sample(relation_ids[violated])}"
        )


def solve_lp(
    objective: np.ndarray, constraints: LinearConstraint, bounds: Bounds
) -> OptimizeResult:
    """HiGHS' LP through `milp` without integer variables (less overhead per call than
    `linprog`), by HIGHS_ATTEMPTS until one is optimal (status 0) or unbounded (3)."""
    with warnings.catch_warnings():
        # milp hands options it does not know itself to HiGHS verbatim, with a warning
        warnings.filterwarnings("ignore", "Unrecognized options", RuntimeWarning)
        for options in HIGHS_ATTEMPTS:
            res = milp(objective, constraints=constraints, bounds=bounds, options=dict(options))
            if res.status in (0, 3):
                break
    return res
