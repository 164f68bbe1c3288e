"""Disclosure audit of the real demo publish (issue #7): no primary-suppressed (C) cell of
`fct_city_industry_year` can be derived from what `serve/` publishes.

The attacker (docs/methodology.md, disclosure control: "an audit via LP … can check that
suppressed cells' feasible intervals stay wide") knows every published table and the public
contract of docs/marts.md. The unknowns are the suppressed values (C and D rows, value NULL)
of the four magnitudes of every cell — divisions, three-digit groups and ICT segments, all
ownerships; the published values are constants and the relations the publish implies are
constraints:

- ownership: total = domestic + hmt + foreign (per city × year × industry);
- division: manufacturing 'C' = divisions 13–41 (docs/marts.md: section C of GB/T 4754-2011
  minus 42 recycling and 43 repair), per city × year × ownership;
- segment: division 39 (ICT) = its seven segments, per city × year × ownership;
- group: each division = its three-digit groups (the group code's first two digits), per
  city × year × ownership;
- geography: a prefecture's cell ≥ its county-level city's cell (the unpublished remainder is
  ≥ 0) and = when their published firm counts are equal (the remainder has no firms);
- a cell without a row has no firms: a known zero;
- published ratio indicators of `fct_city_indicators` whose numerator and denominator are
  sums of cells (`ict_share_mfg_output`, `ict_segment_share`, `fdi_dependency_ict_{output,va}`
  by registration type, `export_intensity_ict`, `va_ratio_ict`, and per GVC sector of the
  seed dbt_project/seeds/sectors.csv `sector_share_mfg_output`,
  `fdi_dependency_sector_{output,va}`, `export_intensity_sector`, `sector_segment_share`:
  a sector = its divisions, a segment = its division, group or ICT-segment cells):
  numerator = value × denominator; the levels `mfg_output`, `ict_output`;
- `top4_share_ict` × ICT output bounds every ICT cell with at most four (weighted) firms;
- rca (`fct_city_industry_indicators`, published only for F group cells): rca_cg =
  (x_cg / X_c) / (X_g / X) on gross output (ownership total), X_c the city unit's
  manufacturing total (= Σ of its manufacturing group cells: the relations test checks
  the identity through the group and division relations), X_g = Σ_c' x_c'g and X = Σ_c' X_c'
  over the matrix locations c' (prefecture-level cities and municipalities of dim_city; a
  county-level city like Kunshan has its own rca against the same X_g / X). With X_c and X
  published it is linear: x_cg = rca · (X_c / X) · Σ_c' x_c'g. It couples the cities of a
  year (and reveals each national group total X_g that has one published rca), so the
  systems are per year;
- presence: the attacker is granted M_cg = [rca_cg ≥ 1] of every city unit × group
  (`relatedness_density`, always published, is a linear system in a city's M_ch over all
  groups, and `diversity` / `ubiquity` count them: conservative), so each group cell without
  a published rca adds x_cg ≥ (X_c / X) · Σ_c' x_c'g when present and ≤ when absent;
- shift-share (`shift_share_*`, published with the manufacturing total), linear in cells
  given the growth rates, which the attacker is granted too (conservative: G follows from
  the published manufacturing totals, G_i from the national group totals the rca reveal
  only where every group of division i has one or is published in full — about three
  quarters of the demo's division × years):
  national + industry mix + competitive = X_c(t) − X_c(t−1), national = G · X_c(t−1),
  national + industry mix = Σ_i G_i · X_ci(t−1) over the manufacturing divisions i;
- every magnitude is non-negative.
The other published numbers are no linear function of ASIF cells and add nothing here:
populations that are not cells (cap25, 20-million threshold, the top-4 complement), `hhi_mfg`,
`lq_ict`, `unrelated_variety` (entropy of the division shares) and `related_variety`
(entropies of the group shares) — all published only when every cell they use is free, so
they say nothing about a hidden cell; `eci`, `pci`, `diversity`, `ubiquity` and
`relatedness_density`, functions of the presence M alone (granted above; the tests check the
published values are the ones this M implies); `eg_index` (C below the minimum firm count),
a quadratic function of the group's city shares and of the firm Herfindahl index, which is
never published (one equation with an unknown of its own per group × year); firm counts and
rates, `fct_data_quality` (city-wide shares of a total no table publishes), the yearbook
source (`fdi_city`, a different frame) and `fct_source_reconciliation` (published indicators
again). Where X_c or X is hidden the rca and presence relations would be bilinear and are
left out (none in the demo: every manufacturing total is published).

For each C cell the audit bounds the smallest and largest value the attacker cannot exclude
(HiGHS LPs through `scipy.optimize.milp` without integer variables — the same solver as
`linprog(method="highs")`, with less per-call overhead for thousands of LPs), on each
independent system of hidden values (a connected component of the relations: a city family
× year without rca, a whole year with it — ~2,700 unknowns on the demo).

Protection rule. Every magnitude has its own primary rules with the public defaults
(docs/methodology.md, `orchestration.settings`): the n rule, the (2, k) dominance rule and
the p % rule, and its own status (`conf_status_<magnitude>`); a C value is a magnitude of a
cell whose own status is C. Its protection level (Handbook on Statistical Disclosure Control
§4.2–4.3, the source of docs/methodology.md's rules) is the amount the value would have to
grow to pass the rules: for dominance PL = 100·(x₁ + x₂)/k − X, with X the true value and
x₁, x₂ its two largest contributions (for fewer than three firms x₁ + x₂ = X, so PL =
X·(100/k − 1) ≈ 17.6 % of X at k = 85), for the p % rule PL = p/100·x₁ − (X − x₁ − x₂);
the larger of the two, and at least 10 % of X (issue #19). No C value may be derivable,
and its feasible interval [lo, hi] must reach PL on both sides (hi ≥ X + PL and
lo ≤ X − PL: symmetric protection, the usual default of cell-suppression audits). The
greedy passes guarantee that for one relation at a time; the disclosure step's LP
completion (orchestration/disclosure) for all table relations at once.

The tests first check the attacker model (what is NULL in serve/, that every relation is
exact on the warehouse's unsuppressed values, that the presence granted is the one behind
the published densities), then give the audit teeth: with the D cells' true values published
(no secondary suppression) it must recover C cells exactly.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse.csgraph import connected_components

from orchestration.settings import DEFAULT_SDC_DOMINANCE, DEFAULT_SDC_P, SEEDS_DIR
from tests.helpers import ICT_SEGMENTS

pytestmark = pytest.mark.slow

KEY = ["city_code", "year", "industry_level", "industry_code", "ownership"]
MEASURES = ("gross_output", "value_added", "employment", "export_value")
STATUSES = tuple(f"conf_status_{m}" for m in MEASURES)  # each magnitude's own status
GO, VA, EX = 0, 1, 3  # indexes into MEASURES
MANUFACTURING = {str(code) for code in range(13, 42)}
K = DEFAULT_SDC_DOMINANCE
P = DEFAULT_SDC_P
FLOOR = 10  # % of the value: the least protection interval of a primary value (issue #19)

# LP answers are vertices of a problem scaled to ~1; allow this much of the block's scale
REL_TOL = 1e-7
# joint pushes of gross output per system: at most this many, while each certifies at least
# this share of the sides still open
MAX_PUSHES = 40
MIN_GAIN = 0.02


# --------------------------------------------------------------------------------------
# What the attacker reads (serve/) and what only the warehouse knows (the truth)
# --------------------------------------------------------------------------------------
@dataclass
class Publish:
    cells: pd.DataFrame  # KEY, firms, MEASURES (NaN when suppressed), conf_status, row
    indicators: pd.DataFrame  # published (non-NULL) ASIF indicator values
    children: pd.DataFrame  # county-level city → parent prefecture
    rca: pd.DataFrame  # published (non-NULL) rca: city_code, year, industry_code, value
    matrix: frozenset[str]  # the matrix locations: prefecture-level cities, municipalities
    # published relatedness_density, ubiquity and pci (city_code ''), diversity (industry_code '')
    presence_values: pd.DataFrame  # city_code, year, industry_code, indicator_id, value


def load_publish(data: Path) -> Publish:
    # the served file BI tools read; read-only, like any reader of serve/
    with duckdb.connect(str(data / "serve" / "citygvc.duckdb"), read_only=True) as con:
        cells = con.sql(
            f"select {', '.join(KEY)}, firms, {', '.join(MEASURES)}, "
            f"{', '.join(STATUSES)}, conf_status "
            "from marts.fct_city_industry_year where source = 'asif' order by all"
        ).df()
        indicators = con.sql(
            "select city_code, year, indicator_id, breakdown, value "
            "from marts.fct_city_indicators where source = 'asif' and value is not null"
        ).df()
        children = con.sql(
            "select city_code, parent_code from marts.dim_city where level = 'county_city'"
        ).df()
        rca = con.sql(
            "select city_code, year, industry_code, value "
            "from marts.fct_city_industry_indicators "
            "where indicator_id = 'rca' and industry_level = 'group' and value is not null"
        ).df()
        matrix = con.sql(
            "select city_code from marts.dim_city where level in ('prefecture', 'municipality')"
        ).df()
        presence_values = con.sql(
            """
            select city_code, year, industry_code, indicator_id, value
            from marts.fct_city_industry_indicators
            where indicator_id = 'relatedness_density' and value is not null
            union all
            select '', year, industry_code, indicator_id, value
            from marts.fct_industry_indicators
            where indicator_id in ('ubiquity', 'pci') and value is not null
            union all
            select city_code, year, '', indicator_id, value
            from marts.fct_city_indicators
            where indicator_id = 'diversity' and source = 'asif' and value is not null
            """
        ).df()
    for column in ("firms", *MEASURES):
        cells[column] = cells[column].astype("float64")
    for frame in (cells, indicators, rca, presence_values):
        frame["year"] = frame["year"].astype("int64")
    cells["row"] = np.arange(len(cells))
    matrix_codes = frozenset(matrix["city_code"])
    return Publish(cells, indicators, children, rca, matrix_codes, presence_values)


@dataclass
class Knowledge:
    """What the attacker is granted beyond serve/ (conservative; taken from the warehouse):
    the presence M_cg = [RCA_cg ≥ 1] of every city unit × group with an RCA (relatedness
    density and diversity reveal it; a test checks they are what this M implies) and the
    national growth G and division growth G_i of the shift-share over the matrix locations
    (module docstring)."""

    presence: pd.DataFrame  # city_code, year, industry_code, present
    growth: pd.DataFrame  # year, industry_code ('C' = all manufacturing), growth


def implied_by_presence(knowledge: Knowledge, matrix: frozenset[str]) -> pd.DataFrame:
    """relatedness_density, ubiquity and diversity as the presence M implies them
    (orchestration.complexity, independently re-derived): per year, the matrix groups are
    those of the matrix locations' RCAs; φ_gh = co-occurrences / max(ubiquity_g,
    ubiquity_h) over the matrix locations, φ_gg = 0; density NaN where Σ_h φ_gh = 0."""
    frames = []
    for year, year_presence in knowledge.presence.groupby("year"):
        in_matrix = year_presence["city_code"].isin(matrix)
        groups = pd.Index(sorted(year_presence.loc[in_matrix, "industry_code"].unique()))
        cities = pd.Index(sorted(year_presence["city_code"].unique()))
        m = np.zeros((len(cities), len(groups)))
        matrix_group = groups.get_indexer(year_presence["industry_code"]) >= 0
        known = year_presence[matrix_group]
        m[cities.get_indexer(known["city_code"]), groups.get_indexer(known["industry_code"])] = (
            known["present"].to_numpy(dtype=float)
        )
        m_matrix = m[cities.isin(list(matrix))]
        ubiquity = m_matrix.sum(axis=0)
        larger = np.maximum.outer(ubiquity, ubiquity)
        phi = np.divide(m_matrix.T @ m_matrix, larger, out=np.zeros_like(larger), where=larger > 0)
        np.fill_diagonal(phi, 0.0)
        weights = phi.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            density = (m @ phi.T) / weights[np.newaxis, :]
        diversity = year_presence.groupby("city_code")["present"].sum()
        frames += [
            pd.DataFrame(
                {
                    "city_code": np.repeat(cities, len(groups)),
                    "industry_code": np.tile(groups, len(cities)),
                    "indicator_id": "relatedness_density",
                    "value": density.ravel(),
                }
            ),
            pd.DataFrame(
                {
                    "city_code": "",
                    "industry_code": groups,
                    "indicator_id": "ubiquity",
                    "value": ubiquity,
                }
            ),
            pd.DataFrame(
                {
                    "city_code": diversity.index,
                    "industry_code": "",
                    "indicator_id": "diversity",
                    "value": diversity.to_numpy(dtype=float),
                }
            ),
        ]
        for frame in frames[-3:]:
            frame.insert(1, "year", int(year))
    implied = pd.concat(frames, ignore_index=True)
    return implied[implied["value"].notna()]


def case_reveals_presence(pub: Publish) -> bool:
    """Whether any published value lets the attacker solve for presence M."""
    values = pub.presence_values
    return bool(values["indicator_id"].isin(["relatedness_density", "pci"]).any())


def load_knowledge(data: Path) -> Knowledge:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        presence = con.sql(
            "select city_code, year, industry_code, value >= 1 as present "
            "from intermediate.int_group_indicators "
            "where indicator_id = 'rca' and city_code is not null and value is not null"
        ).df()
        # as int_city_year_shift_share computes them (previous year's output > 0)
        growth = con.sql(
            """
            with national as (
                select o.year, o.industry_code, sum(o.gross_output) as output
                from intermediate.int_city_year_published_outputs as o
                inner join marts.dim_city as c on o.city_code = c.city_code
                where
                    o.industry_level = 'division'
                    and c.level in ('prefecture', 'municipality')
                group by all
                union all
                select o.year, 'C', sum(o.gross_output)
                from intermediate.int_city_year_published_outputs as o
                inner join marts.dim_city as c on o.city_code = c.city_code
                where
                    o.industry_level = 'division'
                    and c.level in ('prefecture', 'municipality')
                group by all
            ),
            years as (select distinct year from national)
            select
                years.year,
                previous.industry_code,
                cast(coalesce(current.output, 0) - previous.output as double)
                / cast(previous.output as double) as growth
            from years
            inner join national as previous on years.year - 1 = previous.year
            left join national as current
                on years.year = current.year and previous.industry_code = current.industry_code
            where previous.output <> 0
            """
        ).df()
    for frame in (presence, growth):
        frame["year"] = frame["year"].astype("int64")
    presence["present"] = presence["present"].astype(bool)
    return Knowledge(presence, growth)


def load_truth(data: Path, cells: pd.DataFrame) -> pd.DataFrame:
    """The unsuppressed values and statuses of every published cell, and per magnitude its
    largest contribution and the sum of its two largest (what the primary rules tested:
    `largest_<m>`, `top2_<m>`), aligned with `cells` row by row. Read-only: the warehouse
    belongs to the refresh."""
    tops = ", ".join(
        f"list_extract(c.top_{m}, 1) as largest_{m}, list_sum(c.top_{m}) as top2_{m}"
        for m in MEASURES
    )
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        truth = con.sql(
            f"""
            select
                {", ".join("t." + column for column in KEY)},
                {", ".join("t." + m for m in MEASURES)},
                {", ".join("t." + status for status in STATUSES)},
                t.conf_status,
                {tops}
            from intermediate.int_city_industry_year as t
            inner join intermediate.int_asif_industry_cells as c
                on
                    c.unit_kind = 'unit'
                    and c.city_code = t.city_code and c.year = t.year
                    and c.industry_level = t.industry_level
                    and c.industry_code = t.industry_code and c.ownership = t.ownership
            where t.source = 'asif'
            """
        ).df()
    numbers = [*MEASURES, *(f"{kind}_{m}" for kind in ("largest", "top2") for m in MEASURES)]
    truth[numbers] = truth[numbers].astype("float64")
    truth["year"] = truth["year"].astype("int64")
    aligned = cells[KEY].merge(truth, on=KEY, how="left", validate="1:1")
    assert aligned["conf_status"].notna().all(), "published cells missing from the warehouse"
    return aligned


def statuses(frame: pd.DataFrame) -> np.ndarray:
    """The (row, magnitude) statuses of `frame` as an array shaped like its MEASURES."""
    return frame[list(STATUSES)].to_numpy()


# --------------------------------------------------------------------------------------
# The relations the publish implies
# --------------------------------------------------------------------------------------
@dataclass
class Relations:
    """Σ coef·value(row, m) + const {= 0 | ≥ 0} per constraint, and value(row, m) ≤ bound."""

    con: np.ndarray
    row: np.ndarray
    m: np.ndarray
    coef: np.ndarray
    const: np.ndarray  # per constraint
    is_eq: np.ndarray  # per constraint
    kind: np.ndarray  # per constraint: which relation of the module docstring
    upper: pd.DataFrame  # row, m, bound


class _RelationBuilder:
    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, ...]] = []
        self.const: list[np.ndarray] = []
        self.is_eq: list[np.ndarray] = []
        self.kind: list[np.ndarray] = []
        self.n = 0

    def add(
        self,
        kind: str,
        group: np.ndarray,
        row: np.ndarray,
        m: np.ndarray | int,
        coef: np.ndarray,
        is_eq: np.ndarray | bool = True,
        const: np.ndarray | None = None,
    ) -> None:
        """One constraint per distinct `group` (0..n-1; n = len(const) when given),
        renumbered after those so far."""
        n = len(const) if const is not None else int(group.max()) + 1 if len(group) else 0
        m_arr = np.broadcast_to(np.asarray(m), row.shape)
        self.parts.append((self.n + group, row, m_arr, coef))
        self.const.append(np.zeros(n) if const is None else const)
        self.is_eq.append(np.broadcast_to(np.asarray(is_eq), (n,)).copy())
        self.kind.append(np.full(n, kind, dtype=object))
        self.n += n

    def additive(
        self, kind: str, cells: pd.DataFrame, mask: pd.Series, by: list[str], parent: pd.Series
    ) -> None:
        """parent = Σ children per group, for each magnitude; a parent alone says nothing."""
        sub = cells.loc[mask, [*by, "row"]]
        group = sub.groupby(by, sort=False).ngroup().to_numpy()
        coef = np.where(parent[mask], 1.0, -1.0)
        has_child = pd.Series(coef < 0).groupby(group).transform("any").to_numpy()
        group = pd.factorize(group[has_child])[0]
        row, coef = sub["row"].to_numpy()[has_child], coef[has_child]
        assert (pd.Series(coef > 0).groupby(group).sum() == 1).all(), f"{by}: one parent each"
        for m in range(len(MEASURES)):
            self.add(kind, group, row, m, coef)

    def listed(
        self,
        kind: str,
        terms: list[tuple[int, int, int, float]],
        consts: list[float],
        is_eq: list[bool] | bool = True,
    ) -> None:
        """Constraints given term by term: (constraint 0..len(consts)-1, row, m, coef)."""
        if not consts:
            return
        t = np.array(terms, dtype=np.float64).reshape(-1, 4)
        self.add(
            kind,
            t[:, 0].astype(int),
            t[:, 1].astype(int),
            t[:, 2].astype(int),
            t[:, 3],
            np.asarray(is_eq),
            np.asarray(consts, dtype=np.float64),
        )

    def build(self, upper: pd.DataFrame) -> Relations:
        return Relations(
            con=np.concatenate([p[0] for p in self.parts]).astype(np.int64),
            row=np.concatenate([p[1] for p in self.parts]).astype(np.int64),
            m=np.concatenate([p[2] for p in self.parts]).astype(np.int64),
            coef=np.concatenate([p[3] for p in self.parts]).astype(np.float64),
            const=np.concatenate(self.const),
            is_eq=np.concatenate(self.is_eq),
            kind=np.concatenate(self.kind),
            upper=upper,
        )


def load_sectors() -> pd.DataFrame | None:
    """The GVC sectors seed (sector_id, segment, industry_level, industry_code,
    division_code), or None while it does not exist."""
    path = SEEDS_DIR / "sectors.csv"
    if not path.exists():
        return None
    columns = ["sector_id", "segment", "industry_level", "industry_code", "division_code"]
    return pd.read_csv(path, dtype=str)[columns]


def _indicator_specs(
    sectors: pd.DataFrame | None = None,
) -> dict[tuple[str, str], tuple[list, list]]:
    """(indicator_id, breakdown) → numerator and denominator as cells (level, code,
    ownership, measure), as int_city_indicators_asif and int_city_indicators_sectors compute
    them."""
    ict_total = ("division", "39", "total", GO)
    specs: dict[tuple[str, str], tuple[list, list]] = {
        ("ict_share_mfg_output", "total"): ([ict_total], [("division", "C", "total", GO)]),
        ("export_intensity_ict", "total"): ([("division", "39", "total", EX)], [ict_total]),
        ("va_ratio_ict", "total"): ([("division", "39", "total", VA)], [ict_total]),
    }
    for segment_id in ICT_SEGMENTS:
        specs[("ict_segment_share", segment_id)] = (
            [("ict_segment", segment_id, "total", GO)],
            [ict_total],
        )
    for suffix, m in (("output", GO), ("va", VA)):
        for breakdown, owners in (
            ("hmt", ["hmt"]),
            ("foreign", ["foreign"]),
            ("total", ["hmt", "foreign"]),
        ):
            specs[(f"fdi_dependency_ict_{suffix}", breakdown)] = (
                [("division", "39", owner, m) for owner in owners],
                [("division", "39", "total", m)],
            )
    for sector_id, seed in [] if sectors is None else sectors.groupby("sector_id"):
        # a sector = its divisions' cells; a segment = its codes' cells (int_sector_parts)
        divisions = sorted(seed["division_code"].unique())

        def cells(own: str, m: int, divisions: list = divisions) -> list:
            return [("division", division, own, m) for division in divisions]

        specs[("sector_share_mfg_output", sector_id)] = (
            cells("total", GO),
            [("division", "C", "total", GO)],
        )
        specs[("export_intensity_sector", sector_id)] = (cells("total", EX), cells("total", GO))
        for suffix, m in (("output", GO), ("va", VA)):
            variants = (("", ["hmt", "foreign"]), (":hmt", ["hmt"]), (":foreign", ["foreign"]))
            for qualifier, owners in variants:
                specs[(f"fdi_dependency_sector_{suffix}", sector_id + qualifier)] = (
                    [cell for owner in owners for cell in cells(owner, m)],
                    cells("total", m),
                )
        for segment, codes in seed.groupby("segment"):
            parts = codes[["industry_level", "industry_code"]].to_numpy()
            specs[("sector_segment_share", f"{sector_id}:{segment}")] = (
                [(lvl, cd, "total", GO) for lvl, cd in parts],
                cells("total", GO),
            )
    return specs


def build_relations(
    pub: Publish, knowledge: Knowledge, sectors: pd.DataFrame | None = None
) -> Relations:
    cells = pub.cells
    level, code, owner = cells["industry_level"], cells["industry_code"], cells["ownership"]
    rel = _RelationBuilder()
    rel.additive(
        "ownership",
        cells,
        pd.Series(True, index=cells.index),
        ["city_code", "year", "industry_level", "industry_code"],
        owner == "total",
    )
    rel.additive(
        "division",
        cells,
        (level == "division") & (code.isin(MANUFACTURING) | (code == "C")),
        ["city_code", "year", "ownership"],
        code == "C",
    )
    rel.additive(
        "segment",
        cells,
        (level == "ict_segment") | ((level == "division") & (code == "39")),
        ["city_code", "year", "ownership"],
        level == "division",
    )
    rel.additive(
        "group",
        cells.assign(division=code.str[:2]),
        (level == "group") | ((level == "division") & (code != "C")),
        ["city_code", "year", "ownership", "division"],
        level == "division",
    )

    # geography: prefecture − county-level city = the unpublished remainder ≥ 0; = 0 when the
    # published firm counts are equal (the remainder has no firms)
    pairs = cells.merge(pub.children, on="city_code").merge(
        cells,
        left_on=["parent_code", *KEY[1:]],
        right_on=["city_code", *KEY[1:]],
        suffixes=("_child", "_parent"),
        how="left",
    )
    assert pairs["row_parent"].notna().all(), "a county-level cell without its prefecture's"
    n = len(pairs)
    group = np.concatenate([np.arange(n), np.arange(n)])
    row = np.concatenate([pairs["row_parent"].to_numpy(int), pairs["row_child"].to_numpy(int)])
    coef = np.concatenate([np.ones(n), -np.ones(n)])
    no_remainder = np.isclose(pairs["firms_parent"], pairs["firms_child"], rtol=0, atol=1e-6)
    for m in range(len(MEASURES)):
        rel.add("geography", group, row, m, coef, is_eq=no_remainder)

    # published indicators: numerator − value × denominator = 0; levels: cell = value
    row_of = dict(zip(map(tuple, cells[KEY].to_numpy()), cells["row"], strict=True))
    _complexity_relations(rel, pub, knowledge, row_of)
    specs = _indicator_specs(sectors)
    levels = {
        "mfg_output": ("division", "C", "total", GO),
        "ict_output": ("division", "39", "total", GO),
    }
    listed: dict[str, tuple[list, list]] = {"indicator": ([], []), "sector": ([], [])}
    upper: list[tuple[int, int, float]] = []
    for ind in pub.indicators.itertuples(index=False):
        where = (ind.city_code, ind.year)
        terms, consts = listed["sector" if "sector" in ind.indicator_id else "indicator"]
        if (ind.indicator_id, ind.breakdown) in specs:
            numerator, denominator = specs[(ind.indicator_id, ind.breakdown)]
            for sign, parts in ((1.0, numerator), (-float(ind.value), denominator)):
                for lvl, cd, own, m in parts:
                    row_id = row_of.get((*where, lvl, cd, own))
                    if row_id is not None:  # no row: no firms, a known zero
                        terms.append((len(consts), row_id, m, sign))
            consts.append(0.0)
        elif ind.indicator_id in levels:
            lvl, cd, own, m = levels[ind.indicator_id]
            terms.append((len(consts), row_of[(*where, lvl, cd, own)], m, 1.0))
            consts.append(-float(ind.value))
        elif ind.indicator_id == "top4_share_ict":
            # the four largest ICT firms produce at least any ≤ 4 weighted ICT firms (weights
            # ≤ 1); ICT output is published whenever this share is
            ict_output = cells.at[row_of[(*where, "division", "39", "total")], "gross_output"]
            in_block = (cells["city_code"] == ind.city_code) & (cells["year"] == ind.year)
            small = in_block & ((level == "ict_segment") | (code == "39"))
            small &= cells["firms"] <= 4 + 1e-9
            upper += [(r, GO, float(ind.value) * ict_output) for r in cells.loc[small, "row"]]
    for kind, (terms, consts) in listed.items():
        rel.listed(kind, terms, consts)
    _shift_share_relations(rel, pub, knowledge, row_of)
    return rel.build(pd.DataFrame(upper, columns=["row", "m", "bound"]))


def _complexity_relations(
    rel: _RelationBuilder, pub: Publish, knowledge: Knowledge, row_of: dict
) -> None:
    """rca and presence as linear constraints on gross output (ownership total).

    rca_cg = (x_cg / X_c) / (X_g / X), X_c the city unit's manufacturing total (= Σ of its
    manufacturing group cells), X_g = Σ x_c'g and X = Σ X_c' over the matrix locations c'.
    With X_c and X published (manufacturing totals), s_c = X_c / X is a constant and a
    published rca is x_cg − rca · s_c · Σ_c' x_c'g = 0; a known presence without a published
    rca is x_cg − s_c · Σ_c' x_c'g ≥ 0 (present) or ≤ 0 (absent). Where X_c or X is hidden
    the relation is bilinear and left out (none in the demo)."""
    cells = pub.cells
    groups = cells[(cells["industry_level"] == "group") & (cells["ownership"] == "total")]
    is_c = (cells["industry_code"] == "C") & (cells["ownership"] == "total")
    mfg = cells[is_c].set_index(["city_code", "year"])["gross_output"]
    in_matrix = cells["city_code"].isin(pub.matrix)
    national = cells[is_c & in_matrix].groupby("year")["gross_output"].sum(skipna=False)
    matrix_rows = (
        groups[groups["city_code"].isin(pub.matrix)]
        .groupby(["year", "industry_code"])["row"]
        .apply(list)
        .to_dict()
    )

    def share(city: str, year: int) -> float:
        # a city unit without a manufacturing row has no groups either
        return float(mfg.get((city, year), np.nan)) / float(national.get(year, np.nan))

    published = set()
    # Presence is granted only when the publish reveals it: relatedness densities (a linear
    # system in a city's M) or PCI (with ECI and diversity, a subset sum over M). Diversity
    # and ubiquity alone are the margins of M, not M.
    reveals = case_reveals_presence(pub)
    presence = knowledge.presence if reveals else knowledge.presence.iloc[0:0]
    for kind, frame in (("rca", pub.rca), ("presence", presence)):
        terms: list[tuple[int, int, int, float]] = []
        consts: list[float] = []
        for item in frame.itertuples(index=False):
            key = (item.city_code, item.year, item.industry_code)
            row = row_of.get((item.city_code, item.year, "group", item.industry_code, "total"))
            s_c = share(item.city_code, item.year)
            if kind == "rca":
                published.add(key)
                factor, sign = float(item.value) * s_c, 1.0
            elif key in published or row is None:
                continue  # the rca says more; no cell: a known zero, absent
            else:
                factor, sign = s_c, 1.0 if item.present else -1.0
            if not np.isfinite(factor):
                continue  # X_c or X hidden: bilinear
            n = len(consts)
            terms.append((n, row, GO, sign))
            terms += [(n, r, GO, -sign * factor) for r in matrix_rows[(item.year, key[2])]]
            consts.append(0.0)
        rel.listed(kind, terms, consts, is_eq=kind == "rca")


def _shift_share_relations(
    rel: _RelationBuilder, pub: Publish, knowledge: Knowledge, row_of: dict
) -> None:
    """The published shift-share parts of a city unit's manufacturing output change from
    t−1 to t (int_city_year_shift_share), linear in cells given the growth rates:
    national + industry mix + competitive = X_c(t) − X_c(t−1); national = G · X_c(t−1);
    national + industry mix = Σ_i G_i · X_ci(t−1) over the manufacturing divisions i."""
    parts_long = pub.indicators[pub.indicators["indicator_id"].str.startswith("shift_share_")]
    wide = parts_long.pivot_table(
        index=["city_code", "year"], columns="indicator_id", values="value", dropna=False
    ).reindex(
        columns=["shift_share_national", "shift_share_industry_mix", "shift_share_competitive"]
    )
    growth = knowledge.growth.set_index(["year", "industry_code"])["growth"].to_dict()
    terms: list[tuple[int, int, int, float]] = []
    consts: list[float] = []
    for (city, year), parts in wide.iterrows():
        national = parts["shift_share_national"]
        mix = parts["shift_share_industry_mix"]
        competitive = parts["shift_share_competitive"]

        def cell(y: int, division: str, city: str = city) -> int | None:
            return row_of.get((city, y, "division", division, "total"))

        if np.isfinite(national):
            if (r := cell(year - 1, "C")) is not None:
                terms.append((len(consts), r, GO, growth[(year, "C")]))
            consts.append(-national)
        if not (np.isfinite(national) and np.isfinite(mix) and np.isfinite(competitive)):
            continue  # the parts that weight the divisions are withheld
        for sign, y in ((1.0, year), (-1.0, year - 1)):
            if (r := cell(y, "C")) is not None:
                terms.append((len(consts), r, GO, sign))
        consts.append(-(national + mix + competitive))
        for division in MANUFACTURING:
            if (r := cell(year - 1, division)) is not None:
                terms.append((len(consts), r, GO, growth[(year, division)]))
        consts.append(-(national + mix))
    rel.listed("shift_share", terms, consts)


def violations(rel: Relations, values: np.ndarray) -> pd.DataFrame:
    """Constraints the given (complete) values break, beyond rounding of the published
    DECIMAL(38, 6) and DOUBLE values."""
    lhs = np.bincount(rel.con, rel.coef * values[rel.row, rel.m], minlength=len(rel.const))
    lhs += rel.const
    scale = np.bincount(
        rel.con, np.abs(rel.coef * values[rel.row, rel.m]), minlength=len(rel.const)
    )
    tol = 1e-9 * scale + 1e-3
    bad = np.where(rel.is_eq, np.abs(lhs) > tol, lhs < -tol)
    up = rel.upper
    over = values[up["row"], up["m"]] > up["bound"] * (1 + 1e-9) + 1e-3
    return pd.DataFrame(
        {
            "kind": ["relation"] * int(bad.sum()) + ["top4 bound"] * int(over.sum()),
            "id": np.concatenate([np.flatnonzero(bad), up.index[over].to_numpy()]),
        }
    )


# --------------------------------------------------------------------------------------
# The audit: per independent system of hidden values, min and max of each C value
# --------------------------------------------------------------------------------------
@dataclass
class Audit:
    results: pd.DataFrame  # one row per audited C value: KEY, measure, true, lo, hi, …, ok
    blocks: int  # city family × year blocks with at least one audited C value
    systems: int  # independent linear systems solved (connected components)
    largest: int  # unknowns of the largest of them
    lps: int
    seconds: float


def protection_level(true: np.ndarray, top2: np.ndarray, largest: np.ndarray) -> np.ndarray:
    """How far the value would have to grow to pass the (2, k) dominance rule and the p %
    rule (Handbook on SDC §4.2–4.3: the protection levels of the rules that flag it), and
    never less than FLOOR % of the value (issue #19: the protection interval is at least 10 %
    of the cell). A value with fewer than three contributors is covered by the dominance
    level (its two largest are all of it). NaN contributions (nothing reported) need none."""
    dominance = 100.0 * top2 / K - true
    p_percent = P / 100.0 * largest - (true - top2)
    floor = FLOOR / 100.0 * true
    return np.nan_to_num(np.maximum(np.maximum(dominance, p_percent), floor))


class _System:
    """One connected system Σ a·x {=, ≥} b, 0 ≤ x ≤ ub, solved on values scaled to ~1."""

    def __init__(
        self, a: sparse.csr_matrix, b: np.ndarray, eq: np.ndarray, ub: np.ndarray, scale: float
    ) -> None:
        self.n, self.scale, self.lps = a.shape[1], scale, 0
        # one constraint block in HiGHS' own column format: milp converts nothing per call
        self.constraints = LinearConstraint(
            sparse.csc_array(a), b / scale, np.where(eq, b / scale, np.inf)
        )
        self.bounds = Bounds(0.0, ub / scale)

    def point(self, index: np.ndarray, weight: np.ndarray) -> np.ndarray | None:
        """The feasible point minimising Σ weight·x[index]; None when unbounded below."""
        self.lps += 1
        objective = np.zeros(self.n)
        objective[index] = weight
        res = milp(objective, constraints=self.constraints, bounds=self.bounds)
        if res.status == 3:
            return None
        assert res.status == 0, f"audit LP: {res.message}"  # the truth is feasible
        return res.x * self.scale


def run_audit(
    pub: Publish,
    truth: pd.DataFrame,
    rel: Relations,
    values: np.ndarray,
    measures: tuple[int, ...] = tuple(range(len(MEASURES))),
    exact_bounds: bool = False,
    audited: np.ndarray | None = None,
) -> Audit:
    """The feasible interval of every C value of `measures` (a value whose own magnitude's
    status is C; of the cells `audited`, a mask over the publish's rows; all by default)
    given the published `values` (NaN = hidden) and the relations. Each must clear its
    protection level on both sides. Intervals are certified by feasible points (every LP
    solution, and the truth, lies in every interval): joint pushes of all values toward the
    sides they do not reach yet; only a side no point certifies gets its exact LP, so every
    failure is exact and lo / hi are exact where they decide. With `exact_bounds` every
    value gets its exact min and max (two LPs each: hundreds of thousands of LPs on the
    demo's per-year systems, hours)."""
    start = time.perf_counter()
    hidden = np.isnan(values)
    true = truth[list(MEASURES)].to_numpy()

    # variables: every hidden (row, measure); constants: the published values
    var_row, var_m = np.nonzero(hidden)
    n_var = len(var_row)
    var_of = np.full(values.shape, -1)
    var_of[var_row, var_m] = np.arange(n_var)
    unknown = hidden[rel.row, rel.m]
    known = ~unknown
    known_sum = np.bincount(
        rel.con[known],
        rel.coef[known] * values[rel.row[known], rel.m[known]],
        minlength=len(rel.const),
    )
    rhs = -(known_sum + rel.const)  # Σ coef·x {=, ≥} rhs over the hidden x
    a = sparse.csr_matrix(
        (rel.coef[unknown], (rel.con[unknown], var_of[rel.row[unknown], rel.m[unknown]])),
        shape=(len(rel.const), n_var),
    )
    a.eliminate_zeros()  # a relation whose hidden terms cancel says nothing about them
    ub = np.full(n_var, np.inf)
    up = rel.upper[hidden[rel.upper["row"], rel.upper["m"]]]
    np.minimum.at(ub, var_of[up["row"], up["m"]], up["bound"].to_numpy())

    # independent systems: connected components of the hidden values through the relations
    used = np.flatnonzero(np.diff(a.indptr) > 0)
    a, rhs, is_eq = a[used], rhs[used], rel.is_eq[used]
    pattern = (a != 0).astype(np.int8)
    _, comp = connected_components(pattern.T @ pattern, directed=False)
    con_comp = comp[a.indices[a.indptr[:-1]]]

    x_true = true[var_row, var_m]
    top2 = truth[[f"top2_{m}" for m in MEASURES]].to_numpy()[var_row, var_m]
    largest = truth[[f"largest_{m}" for m in MEASURES]].to_numpy()[var_row, var_m]
    level = protection_level(x_true, top2, largest)
    is_target = (statuses(truth)[var_row, var_m] == "C") & np.isin(var_m, measures)
    if audited is not None:
        is_target &= audited[var_row]
    lo, hi = x_true.copy(), x_true.copy()  # the truth is a feasible point
    tol = np.zeros(n_var)  # LP answers are exact to a small share of their system's scale
    exact = np.zeros(n_var, dtype=bool)

    def low_ok(v: np.ndarray) -> np.ndarray:
        return lo[v] <= x_true[v] - level[v] + tol[v]

    def high_ok(v: np.ndarray) -> np.ndarray:
        return hi[v] >= x_true[v] + level[v] - tol[v]

    def failing(v: np.ndarray) -> np.ndarray:
        return ~(low_ok(v) & high_ok(v))

    systems = largest = lps = 0
    vars_by_comp = pd.Series(np.arange(n_var)).groupby(comp).indices
    cons_by_comp = pd.Series(np.arange(len(rhs))).groupby(con_comp).indices
    for c, cols in vars_by_comp.items():
        targets = cols[is_target[cols]]
        if not len(targets):
            continue  # nothing primary-suppressed in this system
        systems += 1
        largest = max(largest, len(cols))
        rows = cons_by_comp.get(c, np.array([], dtype=int))
        scale = max(np.abs(rhs[rows]).max(initial=0.0), np.abs(x_true[cols]).max(), 1.0)
        tol[cols] = REL_TOL * scale
        system = _System(a[rows][:, cols], rhs[rows], is_eq[rows], ub[cols], scale)

        def extend(
            v: np.ndarray,
            sense: float | np.ndarray,
            system: _System = system,
            cols: np.ndarray = cols,
        ) -> bool:
            """Push the values v down (sense 1) or up (−1); False when unbounded."""
            # relative moves, weights of order 1 (HiGHS' tolerances are absolute)
            size = np.maximum(np.abs(x_true[v]), tol[v])
            weight = sense * np.clip(size.min() / size, 1e-3, 1.0)
            x = system.point(np.searchsorted(cols, v), weight)  # cols are sorted
            if x is None:
                return False
            lo[cols] = np.minimum(lo[cols], x)
            hi[cols] = np.maximum(hi[cols], x)
            return True

        def exact_sides(v: int, sides: tuple[bool, bool] = (True, True)) -> None:
            """The exact minimum and/or maximum of value v."""
            if sides[0]:
                extend(np.array([v]), 1.0)
            if sides[1] and not extend(np.array([v]), -1.0):
                hi[v] = np.inf  # nothing caps it
            exact[v] |= any(sides)

        go = targets  # every magnitude has its protection level
        if exact_bounds:
            for v in go:
                exact_sides(v)
        else:
            # joint pushes, each value toward a side it does not reach yet (a random one when
            # it reaches neither), while they certify enough; then that side's exact bound
            rng = np.random.default_rng(int(c))
            open_before = np.inf
            for _ in range(MAX_PUSHES):
                low, high = ~low_ok(go), ~high_ok(go)
                n_open = int(low.sum() + high.sum())
                if n_open == 0 or n_open > (1 - MIN_GAIN) * open_before:
                    break
                open_before = n_open
                down = low & (~high | (rng.random(len(go)) < 0.5))
                up = high & ~down
                pushed = np.concatenate([go[down], go[up]])
                sense = np.concatenate([np.ones(down.sum()), -np.ones(up.sum())])
                if not extend(pushed, sense) and down.any():
                    extend(go[down], 1.0)  # something pushed up is uncapped: down only
            for v in go[~(low_ok(go) & high_ok(go))]:  # (earlier answers certify some)
                exact_sides(v, (not low_ok(v), not high_ok(v)))
        lps += system.lps

    targets = np.flatnonzero(is_target)
    rows = var_row[targets]
    cells = pub.cells
    parent = dict(zip(pub.children["city_code"], pub.children["parent_code"], strict=True))
    family = cells["city_code"].map(parent).fillna(cells["city_code"]).to_numpy()
    results = pd.concat(
        [
            cells.loc[rows, KEY].reset_index(drop=True),
            pd.DataFrame(
                {
                    "measure": np.array(MEASURES)[var_m[targets]],
                    "firms": cells["firms"].to_numpy()[rows],
                    "true": x_true[targets],
                    "lo": lo[targets],
                    "hi": hi[targets],
                    "protection": level[targets],
                    "tol": tol[targets],
                    "exact": exact[targets],
                    "ok": ~failing(targets),
                    "lower_ok": low_ok(targets),
                    "upper_ok": high_ok(targets),
                    "pinned": (lo[targets] >= x_true[targets] - tol[targets])
                    & (hi[targets] <= x_true[targets] + tol[targets])
                    & (x_true[targets] > 0),
                }
            ),
        ],
        axis=1,
    )
    blocks = len(set(zip(family[rows], cells["year"].to_numpy()[rows], strict=True)))
    return Audit(results, blocks, systems, largest, lps, time.perf_counter() - start)


# --------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------
@dataclass(repr=False)
class Case:
    """Everything one audit needs (short repr: pytest prints fixtures in tracebacks)."""

    publish: Publish
    knowledge: Knowledge
    sectors: pd.DataFrame | None  # the sectors seed, None while it does not exist
    truth: pd.DataFrame  # aligned with publish.cells
    relations: Relations

    def __repr__(self) -> str:
        return (
            f"Case({len(self.publish.cells)} cells, {len(self.publish.indicators)} indicators, "
            f"{len(self.relations.const)} relations, {len(self.relations.upper)} bounds)"
        )

    def published(self) -> np.ndarray:
        return self.publish.cells[list(MEASURES)].to_numpy()


@pytest.fixture(scope="module")
def case(demo_run: Path) -> Case:
    publish, knowledge, sectors = load_publish(demo_run), load_knowledge(demo_run), load_sectors()
    relations = build_relations(publish, knowledge, sectors)
    return Case(publish, knowledge, sectors, load_truth(demo_run, publish.cells), relations)


def _table(frame: pd.DataFrame, limit: int = 40) -> str:
    shown = frame.head(limit).to_string(index=False, float_format=lambda x: f"{x:,.1f}")
    more = f"\n… and {len(frame) - limit} more" if len(frame) > limit else ""
    return shown + more


def _counts(frame: pd.DataFrame) -> str:
    """How many per level, ownership and measure (what a failure is made of)."""
    counts = frame.groupby(["industry_level", "ownership", "measure"]).size()
    return counts.rename("values").reset_index().to_string(index=False)


def test_the_attacker_model_matches_the_publish(case: Case) -> None:
    """What the audit takes as published and as hidden is what serve/ holds: each magnitude
    is NULL exactly where its own status is C or D, and otherwise the true value;
    conf_status is the most restrictive of the four; some cells show one magnitude and hide
    another; rca is published exactly for the F group cells (ownership total) that have
    one."""
    cells, truth = case.publish.cells, case.truth
    assert (statuses(cells) == statuses(truth)).all()
    assert (cells["conf_status"] == truth["conf_status"]).all()
    hidden = np.isin(statuses(cells), ["C", "D"])
    values, true = case.published(), truth[list(MEASURES)].to_numpy()
    assert (np.isnan(values) == hidden).all()
    assert np.allclose(values[~hidden], true[~hidden], rtol=0, atol=1e-6)
    worst = np.where(
        (statuses(cells) == "C").any(axis=1), "C", np.where(hidden.any(axis=1), "D", "F")
    )
    assert (cells["conf_status"].to_numpy() == worst).all()
    mixed = hidden.any(axis=1) & ~hidden.all(axis=1)
    assert mixed.sum() > 100, "no cell shows one magnitude and hides another"
    assert (statuses(cells) == "C").sum(axis=0).min() > 1000  # every magnitude exercised
    assert {"division", "group", "ict_segment"} <= set(cells["industry_level"])

    keys = ["city_code", "year", "industry_code"]
    groups = cells[(cells["industry_level"] == "group") & (cells["ownership"] == "total")]
    with_rca = case.knowledge.presence.merge(
        groups[[*keys, "conf_status_gross_output"]], on=keys, how="left", validate="1:1"
    )
    assert with_rca["conf_status_gross_output"].notna().all(), "an rca without its group cell"
    shown = with_rca.merge(case.publish.rca, on=keys, how="left", validate="1:1")
    # an RCA (of gross output) reveals its group's national output: it is shown only for a
    # cell whose gross output is free and whose group and year have no hidden matrix cell
    # (int_group_indicator_values)
    in_matrix = groups["city_code"].isin(case.publish.matrix)
    hidden_go = groups["conf_status_gross_output"] != "F"
    hidden_national = groups[in_matrix & hidden_go][["year", "industry_code"]]
    national_hidden = shown.set_index(["year", "industry_code"]).index.isin(
        pd.MultiIndex.from_frame(hidden_national.drop_duplicates())
    )
    expected_shown = (shown["conf_status_gross_output"] == "F").to_numpy() & ~national_hidden
    assert (shown["value"].notna().to_numpy() == expected_shown).all()
    assert len(case.publish.rca) == shown["value"].notna().sum()
    assert (shown["conf_status_gross_output"] != "F").sum() > 1000


def test_the_presence_granted_is_what_the_publish_implies(case: Case) -> None:
    """The presence M the attacker is granted (Knowledge) is the one behind the published
    presence-based values: diversity = Σ_g M_cg, ubiquity = Σ_c M_cg over the matrix
    locations, and every relatedness density Σ_h M_ch φ_gh / Σ_h φ_gh with the proximity φ
    of the matrix locations' M (φ_gg = 0)."""
    implied = implied_by_presence(case.knowledge, case.publish.matrix)
    published = case.publish.presence_values
    published = published[published["indicator_id"] != "pci"]  # not linear in M
    keys = ["city_code", "year", "industry_code", "indicator_id"]
    both = published.merge(implied, on=keys, how="left", suffixes=("", "_implied"))
    assert both["value_implied"].notna().all(), _table(both[both["value_implied"].isna()])
    off = both[~np.isclose(both["value"], both["value_implied"], rtol=0, atol=1e-9)]
    assert off.empty, _table(off)
    assert {"ubiquity", "diversity"} <= set(published["indicator_id"])


def test_the_relations_hold_on_the_unsuppressed_truth(case: Case) -> None:
    """Every relation the attacker uses is exact on the warehouse's true values, so the
    audit's systems are feasible and bound the real values (a wrong relation would make the
    audit either infeasible or too optimistic)."""
    relations = case.relations
    broken = violations(relations, case.truth[list(MEASURES)].to_numpy())
    assert broken.empty, (
        f"relations the truth breaks:\n{broken.head(20)}\n"
        f"{pd.Series(relations.kind[broken['id'][broken['kind'] == 'relation']]).value_counts()}"
    )
    kinds = pd.Series(relations.kind).value_counts()
    expected = {"ownership", "division", "segment", "group", "geography", "indicator"}
    expected.add("shift_share")
    if case_reveals_presence(case.publish):
        expected.add("presence")
    if len(case.publish.rca):  # none on the demo: every group-year has a hidden matrix cell
        expected.add("rca")
    if case.sectors is not None:
        expected.add("sector")
    assert expected <= set(kinds.index), kinds
    assert len(relations.upper) > 0  # top-4 bounds
    if case.sectors is None:
        pytest.skip("dbt_project/seeds/sectors.csv does not exist yet: sector relations untested")


def test_the_audit_recovers_primary_cells_without_secondary_suppression(case: Case) -> None:
    """The audit has teeth: publish the D cells' true values (as if secondary suppression
    were off) and it must recover C cells exactly — a C cell alone under a published parent
    is the parent minus its published siblings. Audited on a tenth of the cells: without
    secondary suppression most C cells fail, and each failing side costs an exact LP on its
    year's system. Gross output and exports (the magnitude with the most C values)."""
    values = case.published()
    secondary = statuses(case.publish.cells) == "D"
    values[secondary] = case.truth[list(MEASURES)].to_numpy()[secondary]
    sample = (case.publish.cells["row"] % 10 == 0).to_numpy()
    audit = run_audit(case.publish, case.truth, case.relations, values, (GO, EX), audited=sample)
    results = audit.results
    # a C value of 0 (a cell too small to publish that exports nothing) needs no protection
    pinned = (results["hi"] - results["lo"]) <= 2 * results["tol"]
    recovered = results[pinned & (results["true"] > 0)]
    assert len(recovered) >= 100, _table(results[~results["ok"]])
    assert (~results["ok"]).sum() >= len(recovered)
    assert {"division", "group"} <= set(recovered["industry_level"])
    # …and what it recovers is the truth
    assert np.allclose(recovered["lo"], recovered["true"], rtol=1e-6, atol=1e-3)


def test_every_primary_suppressed_value_is_protected_on_both_sides(case: Case) -> None:
    """Issue #7 and #19: no C value of any magnitude (a value whose own status is C) can be
    derived from the publish, and its feasible interval reaches its protection level
    (dominance and p % rules, at least 10 % of the value: protection_level) on both sides,
    so the second-largest contributor cannot bound the largest one's value from either side
    to within what the rules protect. No exception: the pipeline's disclosure step
    (orchestration/disclosure) audits the table relations with its own LP and hides what
    closes every gap; this audit adds every published ratio, RCA and shift-share part and is
    written apart from it. Widths are certified lower bounds (run_audit), exact where a side
    falls short."""
    audit = run_audit(case.publish, case.truth, case.relations, case.published())
    results = audit.results
    n_c = pd.Series((statuses(case.publish.cells) == "C").sum(axis=0), index=list(MEASURES))
    assert len(results) == n_c.sum()  # every C value was audited
    width = (results["hi"] - results["lo"]) / results["true"].where(results["true"] > 0)
    short = results[~results["ok"]]
    per_measure = pd.DataFrame(
        {
            "C values": n_c,
            "min width": width.groupby(results["measure"]).min(),
            "lower side short": short[~short["lower_ok"]].groupby("measure").size(),
            "upper side short": short[~short["upper_ok"]].groupby("measure").size(),
        }
    ).fillna(0)
    summary = (
        f"audited {n_c.sum()} C values in {audit.blocks} blocks ({audit.systems} independent "
        f"systems, the largest {audit.largest} unknowns; {audit.lps} LPs, "
        f"{audit.seconds:.1f} s); exact on a side: {int(results['exact'].sum())}; "
        f"(hi − lo) / value and sides short of the protection level per magnitude:\n"
        f"{per_measure}"
    )
    print(summary)
    columns = ["exact", "ok", "lower_ok", "upper_ok", "pinned"]
    derivable = results[results["pinned"]]
    assert derivable.empty, (
        f"{summary}\n{len(derivable)} C values derivable from the publish "
        f"({len(derivable[KEY].drop_duplicates())} cells):\n{_counts(derivable)}\n"
        + _table(derivable.drop(columns=columns))
    )
    assert short.empty, (
        f"{summary}\n{len(short)} C values the publish bounds within the protection level "
        f"on a side:\n{_counts(short)}\n" + _table(short.drop(columns=columns))
    )
