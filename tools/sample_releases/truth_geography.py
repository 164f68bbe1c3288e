"""Ground truth of the economic-geography indicators (README "Ground truth"), from the
harmonised manufacturing output of truth.py and the `cities` seed alone.

- Output: gross output (thousand yuan, current prices) of manufacturing firms, split over
  GB/T 4754-2011 classes by the crosswalk weights; group = first 3 digits of the class,
  division = first 2.
- Matrix locations: the prefectures and municipalities of the `cities` seed (a prefecture
  includes its county-level cities); national totals sum over them. Kunshan (county_city) is
  projected onto the matrix: its RCA uses the matrix's national shares, its ECI the matrix's
  PCI, its relatedness density the matrix's proximities.
- Rows: city level (`breakdown` total), city x group and, with a NULL `city_code`, year x
  group (`breakdown` = the 3-digit group).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from orchestration.warehouse.seeds import load_seed

MATRIX_LEVELS = ("prefecture", "municipality")


def _frame(
    cities: npt.ArrayLike,
    breakdowns: npt.ArrayLike,
    values: npt.ArrayLike,
    indicator: str,
    year: int,
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "city_code": pd.array(cities, dtype="str"),
            "year": year,
            "indicator_id": indicator,
            "breakdown": pd.array(breakdowns, dtype="str"),
            "source": "asif",
            "value": np.asarray(values, dtype=float),
        }
    )


def _city_rows(values: pd.Series, indicator: str, year: int) -> pd.DataFrame:
    return _frame(values.index, ["total"] * len(values), values, indicator, year)


def _pair_rows(values: pd.DataFrame, indicator: str, year: int) -> pd.DataFrame:
    """One row per (city, group) cell of a units x groups frame, in row-major order."""
    cities = np.repeat(values.index.to_numpy(), values.shape[1])
    groups = np.tile(values.columns.to_numpy(), values.shape[0])
    return _frame(cities, groups, values.to_numpy().ravel(), indicator, year)


def _group_rows(values: pd.Series, indicator: str, year: int) -> pd.DataFrame:
    return _frame([None] * len(values), values.index, values, indicator, year)


def standardised_pci(presence: np.ndarray) -> np.ndarray:
    """PCI of the groups of a locations x groups presence matrix without empty rows or
    columns, standardised with the mean and population SD of the locations' ECI (NaN when
    undefined).

    M~ = D_g^-1 M' D_c^-1 M is similar to the symmetric S = D_g^-1/2 M' D_c^-1 M D_g^-1/2, so
    eigh gives its real spectrum in ascending order without complex round-off, and an
    eigenvector v of S maps back to D_g^-1/2 v."""
    m = presence.astype(float)
    k_c, k_g = m.sum(axis=1), m.sum(axis=0)
    if len(k_g) < 2:
        return np.full(len(k_g), np.nan)
    root = 1 / np.sqrt(k_g)
    sym = (m.T / k_c) @ m * np.outer(root, root)
    pci = np.linalg.eigh(sym)[1][:, -2] * root
    eci = m @ pci / k_c
    # the eigenvector's sign is arbitrary: orient ECI to correlate positively with diversity
    if ((eci - eci.mean()) * (k_c - k_c.mean())).sum() < 0:
        eci, pci = -eci, -pci
    sd = eci.std()
    return (pci - eci.mean()) / sd if sd > 0 else np.full(len(k_g), np.nan)


def relatedness_density(presence: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Density of every group around each row of `presence` (units x groups), with the
    proximities phi of the matrix's presence (locations x groups); NaN where a group has no
    proximity to any other."""
    m = matrix.astype(float)
    co = m.T @ m
    ubiquity = np.diag(co)
    # min(P(g|h), P(h|g)) = co_gh / max(k_g, k_h); a group with no presence has co_gh = 0
    phi = co / np.maximum(np.maximum.outer(ubiquity, ubiquity), 1)
    np.fill_diagonal(phi, 0)
    den = phi.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, presence.astype(float) @ phi / den, np.nan)


def _entropy_terms(p: np.ndarray) -> np.ndarray:
    """-p log2 p, 0 where p = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p > 0, -p * np.log2(np.where(p > 0, p, 1)), 0.0)


def variety(output: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(related, unrelated) variety of each row of a units x groups output frame (NaN without
    output), Frenken et al. (2007), log base 2."""
    total = output.sum(axis=1).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        s = output.to_numpy() / total[:, None]
    divisions, of_group = np.unique(output.columns.str.slice(0, 2), return_inverse=True)
    onehot = (of_group[:, None] == np.arange(len(divisions))).astype(float)
    p = s @ onehot
    with np.errstate(divide="ignore", invalid="ignore"):
        within = s / p[:, of_group]
    h_d = _entropy_terms(within) @ onehot
    related = (p * h_d).sum(axis=1)
    unrelated = _entropy_terms(p).sum(axis=1)
    has = total > 0
    return (
        pd.Series(np.where(has, related, np.nan), index=output.index),
        pd.Series(np.where(has, unrelated, np.nan), index=output.index),
    )


def shift_share(
    before: pd.DataFrame, after: pd.DataFrame, national_before: pd.Series, national: pd.Series
) -> pd.DataFrame:
    """National share, industry mix and competitive parts of the change in each unit's output
    (units x divisions frames of years t-1 and t; national division totals of both years)."""
    units = before.index[before.sum(axis=1) > 0].union(after.index[after.sum(axis=1) > 0])
    divisions = before.columns.union(after.columns)
    x0 = before.reindex(index=units, columns=divisions, fill_value=0.0)
    x1 = after.reindex(index=units, columns=divisions, fill_value=0.0)
    n0 = national_before.reindex(divisions, fill_value=0.0)
    n1 = national.reindex(divisions, fill_value=0.0)
    growth = n1.sum() / n0.sum() - 1 if n0.sum() > 0 else np.nan
    # a division without national output in t-1 has no growth rate; its X_ci(t-1) is 0 in
    # every unit, so its only term is X_ci(t) in the competitive part
    g_i = (n1 / n0.where(n0 > 0) - 1).fillna(0.0)
    return pd.DataFrame(
        {
            "shift_share_national": x0.sum(axis=1) * growth,
            "shift_share_industry_mix": x0 @ (g_i - growth),
            "shift_share_competitive": (x1 - x0 * (1 + g_i)).sum(axis=1),
        }
    )


def ellison_glaeser(output: pd.DataFrame, firms: pd.Series) -> pd.Series:
    """gamma of each group: `output` locations x groups over the matrix, `firms` each firm's
    output by (group, firm_key) over the matrix."""
    x_cg = output.to_numpy()
    x_g = x_cg.sum(axis=0)
    x_c = x_cg.sum(axis=1) / x_g.sum()
    g = ((x_cg / x_g - x_c[:, None]) ** 2).sum(axis=0)
    z = firms / firms.groupby(level="group").transform("sum")
    h = (z**2).groupby(level="group").sum().reindex(output.columns).to_numpy()
    concentration = 1 - (x_c**2).sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        gamma = (g / concentration - h) / (1 - h)
    return pd.Series(np.where((h < 1) & (concentration > 0), gamma, np.nan), output.columns)


class GeographyTruth:
    """The economic-geography rows of consecutive ASIF years; remembers each year's output by
    division for the next year's shift-share."""

    def __init__(self) -> None:
        cities = load_seed("cities")
        self.matrix = frozenset(cities.city_code[cities.level.isin(MATRIX_LEVELS)])
        self.previous: tuple[int, pd.DataFrame, pd.Series] | None = None

    def add(self, year: int, harm: pd.DataFrame, units: pd.Index) -> list[pd.DataFrame]:
        """harm: the year's kept manufacturing firm-years split over 2011 classes (`city_code`,
        `firm_key`, `to_code`, `part`), Kunshan's firms a second time under its own code;
        units: every city unit with a kept firm-year."""
        harm = harm.assign(group=harm.to_code.str.slice(0, 3))
        output = harm.groupby(["city_code", "group"]).part.sum().unstack(fill_value=0.0)
        output = output.reindex(index=units, fill_value=0.0).astype(float)
        in_matrix = output.index.isin(list(self.matrix))
        national = output[in_matrix].sum()
        output = output.loc[:, national > 0]
        rows = self._matrix_rows(output, in_matrix, year)
        related, unrelated = variety(output)
        rows += [
            _city_rows(related, "related_variety", year),
            _city_rows(unrelated, "unrelated_variety", year),
        ]
        firms = harm[harm.city_code.isin(self.matrix)].groupby(["group", "firm_key"]).part.sum()
        gamma = ellison_glaeser(output[in_matrix], firms)
        rows.append(_group_rows(gamma, "eg_index", year))
        return rows + self._shift_share(year, output, in_matrix)

    def _matrix_rows(
        self, output: pd.DataFrame, in_matrix: np.ndarray, year: int
    ) -> list[pd.DataFrame]:
        """RCA, presence counts, ECI / PCI and relatedness density."""
        total = output.sum(axis=1)
        national = output[in_matrix].sum()
        rca = output.div(total.where(total > 0), axis=0) / (national / national.sum())
        presence = rca.ge(1)
        has = (total > 0).to_numpy()
        matrix = presence[in_matrix & has]
        diversity = presence.sum(axis=1).astype(float).where(has)
        rca_rows = _pair_rows(rca, "rca", year)
        rows = [
            rca_rows[output.to_numpy().ravel() > 0],
            _city_rows(diversity, "diversity", year),
            _group_rows(matrix.sum().astype(float), "ubiquity", year),
        ]
        kept = matrix.loc[matrix.any(axis=1), matrix.any(axis=0)]
        pci = pd.Series(standardised_pci(kept.to_numpy()), index=kept.columns)
        # ECI is the mean PCI over present groups, linear in PCI: the mean standardised PCI
        # is the standardised ECI of a matrix location, and Kunshan's ECI by projection
        mine = presence[kept.columns].astype(float)
        eci = (mine @ pci) / mine.sum(axis=1).where(lambda n: n > 0)
        density = relatedness_density(presence.to_numpy(), matrix.to_numpy())
        density = pd.DataFrame(
            np.where(has[:, None], density, np.nan), index=output.index, columns=output.columns
        )
        return [
            *rows,
            _city_rows(eci, "eci", year),
            _group_rows(pci, "pci", year),
            _pair_rows(density, "relatedness_density", year),
        ]

    def _shift_share(
        self, year: int, output: pd.DataFrame, in_matrix: np.ndarray
    ) -> list[pd.DataFrame]:
        """Shift-share against the previous year's release (no rows without it)."""
        divisions = output.T.groupby(output.columns.str.slice(0, 2)).sum().T
        national = divisions[in_matrix].sum()
        previous, self.previous = self.previous, (year, divisions, national)
        if previous is None or previous[0] != year - 1:
            return []
        parts = shift_share(previous[1], divisions, previous[2], national)
        return [_city_rows(parts[name], name, year) for name in parts.columns]
