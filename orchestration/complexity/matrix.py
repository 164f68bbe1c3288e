"""The economic complexity of one year's city × industry-group matrix, and of every year.

Input frames have columns `location`, `group`, `value` (gross output; `year` too for
`complexity_by_year`), one row per location × group. The matrix locations (cities) define the
national totals; `others` (county-level cities tracked on their own, e.g. Kunshan inside Suzhou)
are measured against them without changing them. Only cells with value > 0 count: a missing,
zero, negative or NaN value is an unobserved cell.

Per location × group (`location_groups`: location, group, rca, presence, density):
- rca = (X_cg / X_c) / (X_g / X), X_g and X summed over the matrix locations; presence
  (nullable Int8) = 1 when rca >= 1. Both are given on the rows whose value is > 0 and are
  NaN / <NA> elsewhere; rca is also NaN for an `others` group that no matrix location produces
  (no national share), such a group being absent from the matrix.
- density = sum_h M_ch phi_gh / sum_h phi_gh with the matrix's proximity phi (diagonal 0, the
  Stata convention); NaN for a group related to none and for groups outside the matrix.
- Rows: every pair with value > 0, plus every pair of a location with any presence and a group
  of the matrix (so each such location has a density in every matrix group).
Per location (`locations`: location, eci, diversity), every location with a positive total:
ECI from ecomplexity for matrix locations; for `others` the mean PCI over its present groups
(NaN if none), which is the package's own ECI identity applied to a location outside the
matrix. diversity = number of present groups.
Per group of the matrix (`groups`: group, pci, ubiquity over the matrix locations).
Every frame is sorted by its keys (year first in `complexity_by_year`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from orchestration.complexity.eigen import eci_pci
from orchestration.complexity.presence import national_shares, presence, rca
from orchestration.complexity.relatedness import density, proximity

KEYS = ["location", "group"]
INPUT_COLUMNS = [*KEYS, "value"]
LOCATION_GROUP_COLUMNS = [*KEYS, "rca", "presence", "density"]
LOCATION_COLUMNS = ["location", "eci", "diversity"]
GROUP_COLUMNS = ["group", "pci", "ubiquity"]


@dataclass(frozen=True)
class ComplexityResult:
    """location_groups: LOCATION_GROUP_COLUMNS; locations: LOCATION_COLUMNS; groups:
    GROUP_COLUMNS (each with `year` first when from `complexity_by_year`)."""

    location_groups: pd.DataFrame
    locations: pd.DataFrame
    groups: pd.DataFrame


@dataclass(frozen=True)
class _Cells:
    """Dense arrays of a set of locations over the result's group axis (matrix groups first)."""

    labels: pd.Index
    values: np.ndarray
    rca: np.ndarray
    eci: np.ndarray


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})


def _positive_cells(frame: pd.DataFrame | None) -> pd.DataFrame:
    if frame is None:
        return _empty(INPUT_COLUMNS)
    missing = set(INPUT_COLUMNS) - set(frame.columns)
    if missing:
        raise ValueError(f"complexity input lacks columns {sorted(missing)}")
    if frame[KEYS].isna().any(axis=None):
        raise ValueError("complexity input has a row without location or group")
    if frame.duplicated(KEYS).any():
        raise ValueError("complexity input has more than one row for a location × group")
    cells = frame[INPUT_COLUMNS].astype({"value": np.float64})
    return cells[cells.value > 0]


def _dense(cells: pd.DataFrame, locations: pd.Index, groups: pd.Index) -> np.ndarray:
    out = np.zeros((len(locations), len(groups)))
    rows = locations.get_indexer(cells.location)
    out[rows, groups.get_indexer(cells.group)] = cells.value.to_numpy()
    return out


def projected_eci(present: np.ndarray, pci: np.ndarray) -> np.ndarray:
    """Per row, the mean PCI over the columns where `present` is true and PCI is known; NaN
    where there is none."""
    used = present & np.isfinite(pci)[np.newaxis, :]
    counts = used.sum(axis=1)
    sums = np.where(used, pci[np.newaxis, :], 0.0).sum(axis=1)
    return np.divide(sums, counts, out=np.full(counts.shape, np.nan), where=counts > 0)


def _sorted_labels(values: pd.Series) -> pd.Index:
    return pd.Index(values.unique()).sort_values()


def _padded(array: np.ndarray, width: int, fill: float) -> np.ndarray:
    out = np.full((array.shape[0], width), fill)
    out[:, : array.shape[1]] = array
    return out


def _matrix_cells(
    cells: pd.DataFrame, groups: pd.Index, axis: pd.Index
) -> tuple[_Cells, np.ndarray]:
    """The matrix locations over `axis` (their groups first), and the PCI of their groups.

    RCA is computed on the matrix's own groups before padding: extra zero columns could change
    the last bit of the pairwise sums and so part from the package's presence."""
    labels = _sorted_labels(cells.location)
    values = _dense(cells, labels, groups)
    rca_values = rca(values, national_shares(values))
    eci, pci, package_presence = eci_pci(values)
    # the presence published must be the one the package's ECI / PCI rest on
    if not np.array_equal(package_presence, presence(rca_values)):
        raise RuntimeError("ecomplexity's presence differs from the RCA computed here")
    width = len(axis)
    padded = _Cells(labels, _padded(values, width, 0.0), _padded(rca_values, width, np.nan), eci)
    return padded, pci


def _other_cells(cells: pd.DataFrame, axis: pd.Index, matrix: _Cells, pci: np.ndarray) -> _Cells:
    """Locations outside the matrix, measured against its national shares (0 past its groups)."""
    labels = _sorted_labels(cells.location)
    values = _dense(cells, labels, axis)
    rca_values = rca(values, national_shares(matrix.values))
    eci = projected_eci(presence(rca_values)[:, : len(pci)], pci)
    return _Cells(labels, values, rca_values, eci)


def _stacked(first: _Cells, second: _Cells) -> _Cells:
    return _Cells(
        first.labels.append(second.labels),
        np.vstack([first.values, second.values]),
        np.vstack([first.rca, second.rca]),
        np.concatenate([first.eci, second.eci]),
    )


def _location_groups(cells: _Cells, axis: pd.Index, phi: np.ndarray) -> pd.DataFrame:
    present = presence(cells.rca)
    in_matrix = np.arange(len(axis)) < len(phi)
    keep = (cells.values > 0) | (present.any(axis=1)[:, np.newaxis] & in_matrix[np.newaxis, :])
    rows, cols = np.nonzero(keep)
    densities = _padded(density(present[:, in_matrix], phi), len(axis), np.nan)
    rca_kept = cells.rca[rows, cols]
    frame = pd.DataFrame(
        {
            "location": cells.labels[rows],
            "group": axis[cols],
            "rca": rca_kept,
            "presence": pd.arrays.IntegerArray(
                present[rows, cols].astype(np.int8), np.isnan(rca_kept)
            ),
            "density": densities[rows, cols],
        }
    )
    return frame.sort_values(KEYS, ignore_index=True)


def _locations(cells: _Cells) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "location": cells.labels,
            "eci": cells.eci,
            "diversity": presence(cells.rca).sum(axis=1),
        }
    )
    return frame.sort_values("location", ignore_index=True)


def _empty_result() -> ComplexityResult:
    return ComplexityResult(
        _empty(LOCATION_GROUP_COLUMNS), _empty(LOCATION_COLUMNS), _empty(GROUP_COLUMNS)
    )


def complexity_of_year(
    matrix: pd.DataFrame, others: pd.DataFrame | None = None
) -> ComplexityResult:
    """One year's complexity values of the matrix locations and of `others` (see the module
    docstring for the definitions and which rows each frame has). Without a positive matrix cell
    every frame is empty: `others` have no national shares to be measured against."""
    matrix_cells, other_cells = _positive_cells(matrix), _positive_cells(others)
    if matrix_cells.empty:
        return _empty_result()
    shared = set(matrix_cells.location) & set(other_cells.location)
    if shared:
        raise ValueError(f"locations both in the matrix and among the others: {sorted(shared)}")
    groups = _sorted_labels(matrix_cells.group)
    axis = groups.append(_sorted_labels(other_cells.group).difference(groups))
    cells, pci = _matrix_cells(matrix_cells, groups, axis)
    matrix_present = presence(cells.rca[:, : len(groups)])
    if not other_cells.empty:
        cells = _stacked(cells, _other_cells(other_cells, axis, cells, pci))
    group_frame = pd.DataFrame(
        {"group": groups, "pci": pci, "ubiquity": matrix_present.sum(axis=0)}
    )
    return ComplexityResult(
        _location_groups(cells, axis, proximity(matrix_present)), _locations(cells), group_frame
    )


def _with_year(parts: list[tuple[object, pd.DataFrame]], columns: list[str]) -> pd.DataFrame:
    # empty years are left out of the concat: their object columns would make every year's object
    frames = [frame.assign(year=year) for year, frame in parts if not frame.empty]
    if not frames:
        return _empty(["year", *columns])
    return pd.concat(frames, ignore_index=True)[["year", *columns]]


def complexity_by_year(
    matrix: pd.DataFrame, others: pd.DataFrame | None = None
) -> ComplexityResult:
    """`complexity_of_year` for every year of `matrix` (frames with a `year` column), the three
    frames concatenated with `year` first and sorted by year, then keys. Rows of `others` in a
    year without matrix cells are left out."""
    other_years = dict(tuple(others.groupby("year"))) if others is not None else {}
    results = [
        (year, complexity_of_year(cells, other_years.get(year)))
        for year, cells in matrix.groupby("year", sort=True)
    ]
    return ComplexityResult(
        _with_year([(y, r.location_groups) for y, r in results], LOCATION_GROUP_COLUMNS),
        _with_year([(y, r.locations) for y, r in results], LOCATION_COLUMNS),
        _with_year([(y, r.groups) for y, r in results], GROUP_COLUMNS),
    )
