"""Simulate the sample world: persistent firms with entry and exit, heavy-tailed sizes,
industries, ownership and capital structure, over 1998–2020, then calibrate city paths.

Everything is vectorised over firms or firm-years (numpy, Arrow for strings); the only Python
loops run over cities, products or calibration rounds. One `numpy.random.Generator` seeded
from `seed` drives all draws in a fixed order, so the same seed gives the same world.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tools.sample_releases import config
from tools.sample_releases.codes import (
    Geography,
    Products,
    industry_flags,
    threshold_by_year,
    vintage_by_year,
)

Y0 = config.SIM_YEARS[0]
NY = len(config.SIM_YEARS)
OWN_DOMESTIC, OWN_HMT, OWN_FOREIGN = 0, 1, 2
HEAVY = ("06", "07", "08", "09", "44", "45", "46")  # mining and utilities: mostly state-owned
_COASTAL = {"11", "12", "21", "31", "32", "33", "35", "37", "44", "46"}
_REG = {
    OWN_HMT: (["210", "220", "230", "240"], [0.35, 0.05, 0.55, 0.05]),
    OWN_FOREIGN: (["310", "320", "330", "340"], [0.35, 0.05, 0.55, 0.05]),
}
_REG_DOMESTIC_EARLY = (
    [
        "110",
        "120",
        "130",
        "141",
        "142",
        "143",
        "149",
        "151",
        "159",
        "160",
        "171",
        "172",
        "173",
        "174",
        "190",
    ],
    [0.2, 0.2, 0.05, 0.01, 0.01, 0.01, 0.01, 0.03, 0.15, 0.06, 0.04, 0.02, 0.15, 0.02, 0.04],
)
_REG_DOMESTIC_LATE = (
    ["110", "120", "130", "151", "159", "160", "171", "172", "173", "174", "190"],
    [0.02, 0.03, 0.02, 0.02, 0.18, 0.05, 0.08, 0.03, 0.5, 0.04, 0.03],
)
_REG_DOMESTIC_HEAVY = (["110", "151", "159", "160", "173"], [0.3, 0.2, 0.25, 0.1, 0.15])
SOE_TYPES = ("110", "141", "143", "151")
CAPITAL = ("state", "collective", "legal_person", "individual", "hmt", "foreign")
_NAME_CHARS = (
    "华鑫宏达盛泰信源丰茂联嘉锦恒昌隆兴荣永安瑞祥德利凯通新天伟立正佳美"
    "科创中金富运宇明辉光远东南西北海龙凤福贵宝益广博晟昊峰骏腾飞翔晨星辰"
)


def log(message: str) -> None:
    print(f"[sample_releases] {message}", file=sys.stderr, flush=True)


@dataclass
class World:
    products: Products
    geography: Geography
    firm: dict[str, np.ndarray | pa.Array]  # per firm (strings as Arrow arrays)
    fy: dict[str, np.ndarray]  # per firm-year, ordered by year then firm
    year_start: np.ndarray  # fy rows of year y are year_start[y-Y0]:year_start[y-Y0+1]
    flags: dict[str, np.ndarray]  # per firm-year quirk flags
    asif_frame: np.ndarray | None = None  # per firm-year: in the year's ASIF frame
    fdi_frame: np.ndarray | None = None  # per firm-year: in the year's fdi_city frame

    def rows(self, year: int) -> slice:
        i = year - Y0
        return slice(int(self.year_start[i]), int(self.year_start[i + 1]))


@dataclass(frozen=True)
class Group:
    """The firms of one city unit (Kunshan separately; Suzhou's group excludes Kunshan)."""

    unit: str
    alive_1998: int
    ict_firm_share: float
    ict_mix: dict[str, float]
    fie_ict: tuple[float, float]
    fie_other: tuple[float, float]
    tilt: dict[str, float]
    domestic_ict_from: int | None
    giants: tuple[config.Giant, ...]
    ict_share_path: dict[int, float]
    fie_va_path: dict[int, float]


def _groups(scale: str, geo: Geography, rng: np.random.Generator) -> list[Group]:
    demo = {p.unit: p for p in config.DEMO_CITIES}

    def from_profile(p: config.CityProfile, alive: int) -> Group:
        return Group(
            p.unit,
            alive,
            p.ict_firm_share,
            p.ict_mix,
            p.fie_ict,
            p.fie_other,
            p.division_tilt,
            p.domestic_ict_from,
            p.giants,
            p.ict_share_path,
            p.fie_va_path,
        )

    if scale == "demo":
        return [from_profile(p, p.alive_1998) for p in config.DEMO_CITIES]
    # National: every unit; demo units keep their profile at 15x, the rest share the remainder.
    others = [u for u in geo.cities.city_code if u not in demo]
    demo_total = sum(p.alive_1998 for p in config.DEMO_CITIES) * config.NATIONAL_DEMO_FACTOR
    weights = rng.lognormal(0.0, 0.9, size=len(others))
    alive = np.maximum(20, weights / weights.sum() * (config.NATIONAL_ALIVE_1998 - demo_total))
    groups = [
        from_profile(p, p.alive_1998 * config.NATIONAL_DEMO_FACTOR) for p in config.DEMO_CITIES
    ]
    ict_share = np.clip(rng.lognormal(np.log(0.05), 0.8, size=len(others)), 0.005, 0.35)
    tilts = rng.lognormal(0.0, 0.5, size=(len(others), len(config.DIVISION_WEIGHTS)))
    for k, u in enumerate(others):
        coastal = u[:2] in _COASTAL
        groups.append(
            Group(
                unit=u,
                alive_1998=int(alive[k]),
                ict_firm_share=float(ict_share[k]),
                ict_mix=config.GENERIC_ICT_MIX,
                fie_ict=(0.25, 0.3) if coastal else (0.08, 0.1),
                fie_other=(0.12, 0.12) if coastal else (0.03, 0.04),
                tilt=dict(zip(config.DIVISION_WEIGHTS, tilts[k], strict=True)),
                domestic_ict_from=None,
                giants=(),
                ict_share_path={},
                fie_va_path={},
            )
        )
    return groups


def _draw_firms(
    groups: list[Group], products: Products, geo: Geography, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Entry cohorts, products, ownership and home county per group (a loop over groups,
    vectorised within; a group's firms are contiguous)."""
    divs = list(config.DIVISION_WEIGHTS)
    members = [np.flatnonzero((products.division02 == d) & ~products.is_ict) for d in divs]
    count = np.array([m.size for m in members])
    table = np.zeros((len(divs), count.max()), dtype=np.int32)
    for k, m in enumerate(members):
        table[k, : m.size] = m
    own_code = {"domestic": OWN_DOMESTIC, "hmt": OWN_HMT, "foreign": OWN_FOREIGN}
    cols: dict[str, list[np.ndarray]] = {
        k: []
        for k in (
            "group",
            "entry",
            "product",
            "own",
            "giant",
            "size_boost",
            "code11_fixed",
            "county",
        )
    }
    for gi, g in enumerate(groups):
        entrants = rng.poisson(g.alive_1998 * 0.11 * 1.03 ** np.arange(1, NY))
        entry = np.concatenate(
            [np.full(g.alive_1998, Y0 - 1), np.repeat(np.arange(Y0 + 1, Y0 + NY), entrants)]
        )
        n = entry.size
        ict = rng.random(n) < g.ict_firm_share
        product = np.empty(n, dtype=np.int32)
        mix_codes = list(g.ict_mix)
        mix_p = np.array([g.ict_mix[c] for c in mix_codes])
        mix_idx = np.array([products.index[c] for c in mix_codes])
        product[ict] = mix_idx[
            rng.choice(len(mix_codes), size=int(ict.sum()), p=mix_p / mix_p.sum())
        ]
        dw = np.array([config.DIVISION_WEIGHTS[d] * g.tilt.get(d, 1.0) for d in divs])
        div_draw = rng.choice(len(divs), size=int((~ict).sum()), p=dw / dw.sum())
        pick = (rng.random(div_draw.size) * count[div_draw]).astype(np.int64)
        product[~ict] = table[div_draw, pick]
        p_hmt = np.where(ict, g.fie_ict[0], g.fie_other[0])
        p_for = np.where(ict, g.fie_ict[1], g.fie_other[1])
        if g.domestic_ict_from is not None:
            lean = ict & (entry >= g.domestic_ict_from)
            p_hmt = np.where(lean, p_hmt * 0.3, p_hmt)
            p_for = np.where(lean, p_for * 0.3, p_for)
        heavy = np.isin(products.division02[product], HEAVY)
        p_hmt = np.where(heavy, 0.01, p_hmt)
        p_for = np.where(heavy, 0.02, p_for)
        u = rng.random(n)
        own = np.where(u < p_hmt, OWN_HMT, np.where(u < p_hmt + p_for, OWN_FOREIGN, OWN_DOMESTIC))
        giant = np.zeros(n, dtype=bool)
        boost = np.zeros(n)
        fixed = np.full(n, "", dtype="U4")
        for gt in g.giants:
            e = rng.integers(gt.entry[0], gt.entry[1] + 1, size=gt.count)
            entry = np.concatenate([entry, e])
            product = np.concatenate([product, np.full(gt.count, products.index[gt.class_2002])])
            own = np.concatenate([own, np.full(gt.count, own_code[gt.ownership])])
            giant = np.concatenate([giant, np.ones(gt.count, dtype=bool)])
            boost = np.concatenate([boost, gt.size + rng.normal(0, 0.15, gt.count)])
            fixed = np.concatenate([fixed, np.full(gt.count, gt.class_2011 or "", dtype="U4")])
        options = np.array(geo.counties[g.unit])
        cols["county"].append(options[rng.integers(0, options.size, entry.size)])
        cols["group"].append(np.full(entry.size, gi, dtype=np.int32))
        cols["entry"].append(entry)
        cols["product"].append(product)
        cols["own"].append(own)
        cols["giant"].append(giant)
        cols["size_boost"].append(boost)
        cols["code11_fixed"].append(fixed)
    return {k: np.concatenate(v) for k, v in cols.items()}


def _choice(rng: np.random.Generator, options: list[str], p: list[float], n: int) -> np.ndarray:
    return rng.choice(np.array(options), size=n, p=np.array(p) / sum(p))


def _registration(
    own: np.ndarray, entry: np.ndarray, heavy: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    n = own.size
    reg = np.empty(n, dtype="U3")
    for group, (codes, p) in _REG.items():
        m = own == group
        reg[m] = _choice(rng, codes, p, int(m.sum()))
        # the 2011 revision's "other HMT / other foreign" types for some late entrants
        late = m & (entry >= 2012) & (rng.random(n) < 0.06)
        reg[late] = "290" if group == OWN_HMT else "390"
    dom = own == OWN_DOMESTIC
    for mask, (codes, p) in (
        (dom & heavy, _REG_DOMESTIC_HEAVY),
        (dom & ~heavy & (entry < 2000), _REG_DOMESTIC_EARLY),
        (dom & ~heavy & (entry >= 2000), _REG_DOMESTIC_LATE),
    ):
        reg[mask] = _choice(rng, codes, p, int(mask.sum()))
    return reg


def _capital_shares(reg: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Share of paid-in capital by component (state, collective, legal person, individual,
    HMT, foreign), consistent with the registration type."""
    n = reg.size
    s = np.zeros((n, 6))
    first = reg.astype("U1")
    u = rng.random(n)
    w = rng.dirichlet([1.0, 1.0, 1.0], size=n)

    def put(mask: np.ndarray, col: int, share: float | np.ndarray) -> None:
        s[mask, col] = share[mask] if isinstance(share, np.ndarray) else share

    for digit, col in (("2", 4), ("3", 5)):
        m = first == digit
        wholly = m & np.isin(reg, ["230", "330"])
        jv = m & ~wholly
        put(wholly, col, 1.0)
        # 5% of joint ventures hold less than 25% HMT/foreign capital (FIE by type, not cap25)
        fie = np.where(u < 0.05, 0.1 + 0.14 * rng.random(n), 0.25 + 0.5 * rng.random(n))
        put(jv, col, fie)
        rest = 1.0 - s[:, col]
        put(jv, 2, rest * (w[:, 0] + w[:, 2]))
        put(jv, 0, rest * w[:, 1])
    put(np.isin(reg, ["110", "151"]), 0, 1.0)
    mixed_state = np.isin(reg, ["141", "143"])
    put(mixed_state, 0, 0.6)
    put(mixed_state, 1, 0.4)
    put(np.isin(reg, ["120", "142"]), 1, 1.0)
    coop = reg == "130"
    put(coop, 1, 0.3)
    put(coop, 3, 0.7)
    llc = np.isin(reg, ["149", "150", "159", "160"])
    # 4% of domestic companies hold 25-45% foreign capital (cap25 without an FIE type)
    foreign_share = np.where(u < 0.04, 0.25 + 0.2 * rng.random(n), 0.0)
    put(llc, 5, foreign_share)
    rest = 1.0 - foreign_share
    put(llc, 0, rest * w[:, 0])
    put(llc, 2, rest * w[:, 1])
    put(llc, 3, rest * w[:, 2])
    private = np.isin(reg, ["170", "171", "172", "173", "174"])
    put(private, 3, 0.8)
    put(private, 2, 0.2)
    other = reg == "190"
    put(other, 3, 0.5)
    put(other, 2, 0.5)
    return s


def _org_codes(index: np.ndarray) -> np.ndarray:
    """9-character organisation codes (8 digits + GB 11714 check character), a bijection of
    the index onto 8-digit numbers so codes never collide."""
    body = (index.astype(np.int64) * 48_271_023 + 13_579_246) % 100_000_000
    digits = np.stack([(body // 10 ** (7 - k)) % 10 for k in range(8)], axis=1)
    check = 11 - (digits @ np.array([3, 7, 9, 10, 5, 8, 4, 2])) % 11
    ascii_ = np.empty((index.size, 9), dtype=np.uint8)
    ascii_[:, :8] = digits + ord("0")
    ascii_[:, 8] = np.where(
        check == 10, ord("X"), np.where(check == 11, ord("0"), check + ord("0"))
    )
    return ascii_.view("S9").ravel().astype("U9")


def _names(
    units: np.ndarray,
    divisions: np.ndarray,
    own: np.ndarray,
    reg: np.ndarray,
    short: dict[str, str],
) -> pa.Array:
    """Distinct Chinese firm names: city + a 4-character token unique per firm + industry."""
    n = units.size
    k = len(_NAME_CHARS)
    idx = (np.arange(n, dtype=np.int64) * 7_919_347 + 104_729) % (k**4)
    chars = pa.array(list(_NAME_CHARS))
    parts = [chars.take(pa.array(idx // k ** (3 - j) % k)) for j in range(4)]
    token = pc.binary_join_element_wise(*parts, "")
    u_codes, u_idx = np.unique(units, return_inverse=True)
    city = pa.array([short[u] for u in u_codes]).take(pa.array(u_idx))
    d_codes, d_idx = np.unique(divisions, return_inverse=True)
    word = pa.array([config.NAME_WORDS[d] for d in d_codes]).take(pa.array(d_idx))
    fie = pa.array(own != OWN_DOMESTIC)
    factory = pa.array(np.isin(reg, (*SOE_TYPES, "120")))
    foreign_style = pc.binary_join_element_wise(token, word, "(", city, ")有限公司", "")
    factory_style = pc.binary_join_element_wise(city, token, word, "厂", "")
    company_style = pc.binary_join_element_wise(city, token, word, "有限公司", "")
    return pc.if_else(fie, foreign_style, pc.if_else(factory, factory_style, company_style))


def simulate(
    scale: str, seed: int, quirks: frozenset[str], products: Products, geography: Geography
) -> World:
    rng = np.random.default_rng(seed)
    groups = _groups(scale, geography, rng)
    log(f"simulating firms in {len(groups)} city units ({scale})")
    f: dict = _draw_firms(groups, products, geography, rng)
    n = f["entry"].size
    units = np.array([g.unit for g in groups])[f["group"]]
    f["city_code"] = np.where(units == config.KUNSHAN, config.SUZHOU, units)
    # 2011 code: fixed for giants, else drawn from the crosswalk weights of the 2002 class
    fixed = f.pop("code11_fixed")
    code11 = np.full(n, -1, dtype=np.int32)
    position = {c: k for k, c in enumerate(products.classes11)}
    has_fixed = fixed != ""
    code11[has_fixed] = [position[c] for c in fixed[has_fixed]]
    order = np.argsort(f["product"], kind="stable")
    bounds = np.searchsorted(f["product"][order], np.arange(products.code02.size + 1))
    for p in range(products.code02.size):
        rows = order[bounds[p] : bounds[p + 1]]
        rows = rows[code11[rows] < 0]
        targets, weights = products.targets[p]
        code11[rows] = targets[rng.choice(targets.size, size=rows.size, p=weights)]
    f["code11"] = code11
    div = products.division02[f["product"]]
    heavy = np.isin(div, HEAVY)
    f["reg"] = _registration(f["own"], f["entry"], heavy, rng)
    f["soe"] = np.isin(f["reg"], SOE_TYPES)
    f["capital_shares"] = _capital_shares(f["reg"], rng)
    ict = products.is_ict[f["product"]]
    f["ict"] = ict

    # Life span: the 1998 stock has been founded any time before; entrants enter the frame a
    # little after founding. First and last simulated year per firm.
    stock = f["entry"] < Y0
    f["founding"] = np.where(
        stock,
        np.maximum(1949, Y0 - rng.geometric(0.07, n)),
        f["entry"] - (rng.geometric(0.45, n) - 1),
    ).astype(np.int32)
    first = np.where(stock, Y0, f["entry"])
    life = rng.geometric(np.where(stock, 0.065, 0.075))
    life = np.where(f["giant"], NY, life)  # the giants stay
    last = np.minimum(first + life - 1, Y0 + NY - 1)
    f["first"], f["last"] = first.astype(np.int32), last.astype(np.int32)

    # Size: log-normal body (median rising 9% a year by cohort), truncated below so most
    # firms are near or above the frame threshold, with a bounded Pareto tail and sector
    # levels; small SOEs sit below the threshold (covered until 2006 only).
    z = rng.normal(0, 1.15, n)
    z = np.where(z < -1.3, -1.3 + 0.3 * rng.random(n), z)
    tail = rng.random(n) < 0.03
    z = z + np.where(tail, np.minimum(rng.pareto(1.6, n) * 0.6, 3.5), 0.0)
    sector = np.select(
        [np.isin(div, ["06", "07", "25", "32", "44"]), np.isin(div, ["08", "09", "33", "37"])],
        [0.9, 0.5],
        0.0,
    )
    small_soe = f["soe"] & (rng.random(n) < 0.45)
    base = (
        np.log(9000.0)
        + 0.09 * (first - Y0)
        + z
        + sector
        + 0.3 * (ict & (f["own"] > 0))
        - 1.6 * small_soe
        + f["size_boost"]
    )
    growth = rng.normal(0.08, 0.05, n) + np.where(f["giant"], 0.05, 0.0)

    # VA ratio: firm-specific and stable (imputation from the last observed ratio works).
    fie = f["own"] > 0
    va_base = np.select(
        [
            ict & fie,
            ict,
            np.isin(div, ["06", "07", "08", "09", "10", "11"]),
            np.isin(div, ["44", "45", "46"]),
            div == "25",
        ],
        [0.17, 0.24, 0.42, 0.33, 0.2],
        0.27,
    )
    f["va_ratio"] = np.clip(va_base + rng.normal(0, 0.03, n), 0.06, 0.7)
    f["vat_share"] = rng.uniform(0.1, 0.16, n)
    f["export_share"] = np.select(
        [ict & fie, ict, fie, heavy],
        [rng.uniform(0.5, 0.95, n), rng.uniform(0.0, 0.3, n), rng.uniform(0.2, 0.8, n), 0.0],
        np.where(rng.random(n) < 0.4, 0.0, rng.uniform(0.0, 0.3, n)),
    )
    f["productivity"] = 150.0 * rng.lognormal(0.0, 0.4, n) * np.where(ict & fie, 0.6, 1.0)
    f["capital_ratio"] = rng.uniform(0.05, 0.3, n)
    f["base"] = base
    short = {
        c: nm.removesuffix("市").removesuffix("地区")
        for c, nm in zip(geography.cities.city_code, geography.cities.name_zh, strict=True)
    }
    f["name"] = _names(units, div, f["own"], f["reg"], short)

    # Re-registration: a new firm_id from some year on (same name, city and industry); not
    # in a classification-change year, when the industry code changes anyway.
    rereg = np.zeros(n, dtype=np.int32)
    if "reregistration" in quirks:
        cand = (~f["giant"]) & (last - first >= 3) & (rng.random(n) < config.REREGISTRATION_RATE)
        year = first + 1 + (rng.random(n) * np.maximum(1, last - first - 1)).astype(np.int32)
        ok = cand & (year <= config.ASIF_YEARS[-1]) & ~np.isin(year, [2003, 2012])
        rereg = np.where(ok, year, 0).astype(np.int32)
    f["rereg_year"] = rereg
    f["firm_id"] = pa.array(_org_codes(np.arange(n)))
    f["firm_id_new"] = pa.array(_org_codes(np.arange(n) + n))
    f["town"] = rng.integers(100, 130, n).astype(np.int32)
    f["village"] = rng.integers(200, 240, n).astype(np.int32)
    county_codes, f["county_idx"] = np.unique(f.pop("county"), return_inverse=True)
    f["county_codes"] = county_codes

    # Firm-years, ordered by year then firm.
    alive = np.maximum(0, last - first + 1)
    starts = np.cumsum(alive) - alive
    fy_firm = np.repeat(np.arange(n, dtype=np.int32), alive)
    age = (np.arange(fy_firm.size) - np.repeat(starts, alive)).astype(np.int32)
    fy_year = (first[fy_firm] + age).astype(np.int16)
    eps = rng.normal(0, 0.1, fy_firm.size)
    walk = np.cumsum(eps)
    walk -= np.repeat(walk[starts] - eps[starts], alive)
    log_go = base[fy_firm] + growth[fy_firm] * age + walk
    del eps, walk, age
    order = np.lexsort((fy_firm, fy_year))
    fy = {"firm": fy_firm[order], "year": fy_year[order], "log_go": log_go[order]}
    del fy_firm, fy_year, log_go, order
    m = fy["firm"].size
    fy["sales_ratio"] = np.clip(rng.normal(0.975, 0.02, m), 0.85, 1.05).astype(np.float32)
    fy["va_ratio"] = (f["va_ratio"][fy["firm"]] + rng.normal(0, 0.004, m)).astype(np.float32)
    year_start = np.searchsorted(fy["year"], np.arange(Y0, Y0 + NY + 1))

    # Row-level quirk flags (never on the giants, whose rows carry the headline cells).
    not_giant = ~f["giant"][fy["firm"]]
    in_asif = fy["year"] <= config.ASIF_YEARS[-1]
    flags = {
        "invalid_loc": ("invalid_locations" in quirks)
        & not_giant
        & in_asif
        & (rng.random(m) < config.INVALID_LOCATION_RATE),
        "bad_output": ("bad_outputs" in quirks)
        & not_giant
        & in_asif
        & (rng.random(m) < config.BAD_OUTPUT_RATE),
        "late_return": ("revision" in quirks)
        & not_giant
        & (fy["year"] == config.REVISED_ASIF_YEAR)
        & (rng.random(m) < config.REVISED_ASIF_MISSING),
        "duplicate": ("duplicates" in quirks) & in_asif & (rng.random(m) < config.DUPLICATE_RATE),
        "noise": rng.random(m).astype(np.float32),  # per-row uniform for small choices
    }
    world = World(products, geography, f, fy, year_start, flags)
    _calibrate(world, groups, quirks)
    world.asif_frame, world.fdi_frame = _frames(world, quirks, slice(None))
    return world


def _frames(
    world: World, quirks: frozenset[str], rows: slice | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For the given firm-years: in the ASIF frame of the year (<= 2013), in the fdi_city
    frame (>= 2010)."""
    fy, f = world.fy, world.firm
    year = fy["year"][rows]
    sales = np.exp(fy["log_go"][rows]) * fy["sales_ratio"][rows]
    asif_thr = threshold_by_year("asif")
    fdi_thr = threshold_by_year("fdi_city")
    years = np.arange(Y0, Y0 + NY)
    rules = "coverage_rules" in quirks
    a_thr = np.array([asif_thr.get(y, (0, False))[0] if rules else 5000 for y in years])
    a_soe = np.array([asif_thr.get(y, (0, False))[1] and rules for y in years])
    d_thr = np.array([fdi_thr.get(y, (0, False))[0] if rules else 5000 for y in years])
    yi = year - Y0
    soe = f["soe"][fy["firm"][rows]]
    asif = (year <= config.ASIF_YEARS[-1]) & ((sales >= a_thr[yi]) | (soe & a_soe[yi]))
    fdi = (year >= config.FDI_YEARS[0]) & (sales >= d_thr[yi])
    return asif, fdi


def _manufacturing(world: World, quirks: frozenset[str], rows: np.ndarray) -> np.ndarray:
    """Whether each given firm-year is manufacturing in the vintage its year's codes follow."""
    flags = industry_flags()
    mfg = dict(zip(zip(flags.vintage, flags.code, strict=True), flags.is_mfg, strict=True))
    p, f = world.products, world.firm
    firm = world.fy["firm"][rows]
    by_vintage = {
        # a 1994 code counts by its official group (its first three digits)
        "1994": np.array([mfg[("1994", c[:3])] for c in p.code94])[f["product"][firm]],
        "2002": np.array([mfg[("2002", c)] for c in p.code02])[f["product"][firm]],
        "2011": np.array([mfg[("2011", c)] for c in p.classes11])[f["code11"][firm]],
    }
    by_vintage["2017"] = by_vintage["2011"]
    vint = vintage_by_year("asif") | vintage_by_year("fdi_city")
    year = world.fy["year"][rows]
    out = np.zeros(rows.size, dtype=bool)
    for y in config.SIM_YEARS:
        m = year == y
        out[m] = by_vintage[vint[y] if "industry_vintage" in quirks else "2011"][m]
    return out


def _calibrate(world: World, groups: list[Group], quirks: frozenset[str]) -> None:
    """Scale the output of a calibrated city's ICT firms (and, within ICT, of its domestic
    firms) year by year so the ground truth follows the city's paths: FIE share of ICT value
    added (fdi_city frame from 2010), then ICT share of manufacturing output (ASIF frame to
    2013). A few rounds absorb the frame changes the scaling causes."""
    fy, f = world.fy, world.firm
    n_groups = len(groups)
    years = np.arange(Y0, Y0 + NY)
    target_ict = np.full((n_groups, NY), np.nan)
    target_fie = np.full((n_groups, NY), np.nan)
    for gi, g in enumerate(groups):
        if g.ict_share_path:
            target_ict[gi] = np.interp(
                years, list(g.ict_share_path), list(g.ict_share_path.values())
            )
            target_fie[gi] = np.interp(years, list(g.fie_va_path), list(g.fie_va_path.values()))
    calibrated = np.isfinite(target_ict[:, 0])[f["group"][fy["firm"]]]
    rows = np.flatnonzero(calibrated)
    if rows.size == 0:
        return
    firm = fy["firm"][rows]
    year = fy["year"][rows]
    key = f["group"][firm].astype(np.int64) * NY + (year - Y0)
    ict = f["ict"][firm]
    fie = f["own"][firm] > 0
    mfg = _manufacturing(world, quirks, rows)
    include = ~(world.flags["invalid_loc"][rows] | world.flags["bad_output"][rows])
    va_ratio = fy["va_ratio"][rows]
    size = n_groups * NY
    s_fie, s_ict = target_fie.ravel(), target_ict.ravel()
    for _ in range(5):
        asif, fdi = _frames(world, quirks, rows)
        go = np.exp(fy["log_go"][rows])
        va = go * va_ratio
        sel = np.where(year >= config.FDI_YEARS[0], fdi, asif) & include & ict
        fie_va = np.bincount(key[sel & fie], va[sel & fie], size)
        dom_va = np.bincount(key[sel & ~fie], va[sel & ~fie], size)
        with np.errstate(divide="ignore", invalid="ignore"):
            k = fie_va * (1 - s_fie) / (s_fie * dom_va)
        k = np.where((fie_va > 0) & (dom_va > 0) & np.isfinite(k), k, 1.0)
        adj = ict & ~fie
        fy["log_go"][rows[adj]] += np.log(k[key[adj]])
        go = np.exp(fy["log_go"][rows])
        sel = np.where(year <= config.ASIF_YEARS[-1], asif, fdi) & include & mfg
        ict_go = np.bincount(key[sel & ict], go[sel & ict], size)
        other_go = np.bincount(key[sel & ~ict], go[sel & ~ict], size)
        with np.errstate(divide="ignore", invalid="ignore"):
            m = s_ict * other_go / ((1 - s_ict) * ict_go)
        m = np.where((ict_go > 0) & (other_go > 0) & np.isfinite(m), m, 1.0)
        fy["log_go"][rows[ict]] += np.log(m[key[ict]])
