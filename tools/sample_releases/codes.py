"""Industry products and geography of the sample world, built from the published seeds only.

A firm makes one *product*: a GB/T 4754-2002 class. Its code in the other vintages follows from
it: a 1994 code (how such a firm reported before 2003) and a 2011 class drawn from the
crosswalk's fixed weights (how it reported from 2012). The 1994 code is four digits whose first
three are an official 1994 group (GB/T 4754-1994 has no official four-digit list): the group
that the 1994 concordance sends most of its weight to the product, plus the product's last
digit. ICT stays ICT in every vintage (1994 41, 2002 40, 2011 39) while the same two digits mean
electrical machinery one vintage earlier.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from orchestration.warehouse.seeds import load_seed

# 2002 products that no 1994 group's concordance row reaches -> the 1994 code a firm making it
# reported (group by title). Recycling had no division of its own before 2002: its firms sat in
# 439 其他生产、生活用品制造业, manufacturing in 1994 although 2002 43 is not.
_FALLBACK_1994 = {
    "1521": "1521",  # the seed's 碳酸饮料制造 -> 152 软饮料制造业
    "1530": "1550",  # 精制茶加工 -> 155 制茶业
    "3441": "3461",  # 建筑、家具用金属配件 -> 346 建筑用金属制品业
    "3625": "3625",  # 电子工业专用设备 -> 362 石化及其他工业专用设备制造业
    "4310": "4390",
    "4320": "4390",
}


# The sample world's products: the 2002 classes it simulates (a few per non-ICT division,
# every ICT class). industry_codes lists every official class; keeping the products fixed
# keeps the world (and its ground truth) unchanged when the code lists grow.
PRODUCTS_2002 = frozenset(
    {
        "0610",
        "0710",
        "0810",
        "0911",
        "1011",
        "1100",
        "1310",
        "1331",
        "1351",
        "1411",
        "1440",
        "1461",
        "1512",
        "1521",
        "1530",
        "1610",
        "1620",
        "1711",
        "1712",
        "1810",
        "1820",
        "1830",
        "1910",
        "1921",
        "1922",
        "2011",
        "2021",
        "2110",
        "2130",
        "2221",
        "2231",
        "2311",
        "2319",
        "2411",
        "2421",
        "2440",
        "2511",
        "2520",
        "2614",
        "2641",
        "2662",
        "2710",
        "2720",
        "2740",
        "2821",
        "2822",
        "2911",
        "2920",
        "3010",
        "3020",
        "3070",
        "3111",
        "3141",
        "3152",
        "3210",
        "3220",
        "3230",
        "3311",
        "3316",
        "3352",
        "3411",
        "3441",
        "3481",
        "3511",
        "3541",
        "3551",
        "3611",
        "3621",
        "3625",
        "3711",
        "3721",
        "3725",
        "3731",
        "3741",
        "3751",
        "3911",
        "3931",
        "3940",
        "3951",
        "3972",
        "4011",
        "4012",
        "4013",
        "4014",
        "4019",
        "4020",
        "4031",
        "4032",
        "4039",
        "4041",
        "4042",
        "4043",
        "4051",
        "4052",
        "4053",
        "4059",
        "4061",
        "4062",
        "4071",
        "4072",
        "4090",
        "4111",
        "4112",
        "4141",
        "4154",
        "4211",
        "4222",
        "4290",
        "4310",
        "4320",
        "4411",
        "4420",
        "4430",
        "4500",
        "4610",
    }
)


@dataclass(frozen=True)
class Products:
    code02: np.ndarray  # 2002 class per product (str)
    division02: np.ndarray
    code94: np.ndarray  # 1994 code per product: an official group + one digit
    is_ict: np.ndarray  # bool
    targets: list[tuple[np.ndarray, np.ndarray]]  # per product: 2011 class indices, weights
    index: dict[str, int]
    classes11: np.ndarray  # the 2011 classes products map to (targets index into it)


def _codes_1994(code02: np.ndarray, is_ict: np.ndarray) -> np.ndarray:
    """The 1994 code of each 2002 product: for the concordance rows reaching the product, the
    group with the largest weight (ties: the lowest group) + the product's last digit; else
    `_FALLBACK_1994`. Every code must be in an official group, ICT exactly when 2002 ICT."""
    concordance = load_seed("industry_concordance_1994")
    concordance = concordance.assign(w=concordance.weight.astype(float))
    best = (
        concordance.sort_values(["code_2002", "w", "group_1994"], ascending=[True, False, True])
        .drop_duplicates("code_2002")
        .set_index("code_2002")
        .group_1994
    )
    uncovered = sorted(set(code02) - set(best.index) - set(_FALLBACK_1994))
    if uncovered:
        raise ValueError(f"products no 1994 group covers and without a fallback: {uncovered}")
    code94 = np.array([best[c] + c[3] if c in best.index else _FALLBACK_1994[c] for c in code02])
    division = load_seed("gbt4754_1994_groups").set_index("group_code").division_code
    unofficial = sorted({c for c in code94 if c[:3] not in division.index})
    if unofficial:
        raise ValueError(f"1994 codes outside the official 1994 groups: {unofficial}")
    # the sample world's ICT firms are ICT whatever the vintage (1994 division 41)
    ict94 = division.loc[[c[:3] for c in code94]].eq("41").to_numpy()
    if not (ict94 == is_ict).all():
        raise ValueError(f"ICT in 2002 but not in 1994 or back: {sorted(code02[ict94 != is_ict])}")
    return code94


@cache
def load_products() -> Products:
    codes = load_seed("industry_codes")
    xw = load_seed("industry_crosswalk")
    c02 = codes[
        (codes.vintage == "2002") & (codes.level == "class") & codes.code.isin(PRODUCTS_2002)
    ].sort_values("code")
    code02 = c02["code"].to_numpy(dtype="U4")
    is_ict = c02["is_ict"].eq("true").to_numpy()
    rows = xw[
        (xw.from_vintage == "2002") & (xw.from_level == "class") & xw.from_code.isin(PRODUCTS_2002)
    ]
    by_code = {k: g for k, g in rows.groupby("from_code")}
    classes11 = np.array(sorted(set(rows.to_code)))
    position = {c: k for k, c in enumerate(classes11)}
    targets = []
    for c in code02:
        g = by_code[c]
        targets.append(
            (np.array([position[t] for t in g["to_code"]]), g["weight"].astype(float).to_numpy())
        )
    return Products(
        code02=code02,
        division02=np.array([c[:2] for c in code02]),
        code94=_codes_1994(code02, is_ict),
        is_ict=is_ict,
        targets=targets,
        index={c: i for i, c in enumerate(code02)},
        classes11=classes11,
    )


def industry_flags() -> pd.DataFrame:
    """(vintage, code) -> is_manufacturing, is_ict as booleans: the seed's divisions and
    classes, and the official 1994 groups (level 'group'; a 1994 code counts by its first
    three digits): manufacturing = section C, ICT = division 41."""
    codes = load_seed("industry_codes")
    groups = load_seed("gbt4754_1994_groups")
    listed = pd.DataFrame(
        {
            "vintage": codes.vintage,
            "code": codes.code,
            "level": codes.level,
            "is_mfg": codes.is_manufacturing.eq("true"),
            "is_ict": codes.is_ict.eq("true"),
        }
    )
    groups_1994 = pd.DataFrame(
        {
            "vintage": "1994",
            "code": groups.group_code,
            "level": "group",
            "is_mfg": groups.section.eq("C"),
            "is_ict": groups.division_code.eq("41"),
        }
    )
    return pd.concat([listed, groups_1994], ignore_index=True)


def vintage_by_year(dataset: str) -> dict[int, str]:
    table = load_seed("classification_vintages")
    out = {}
    for r in table[table.dataset == dataset].itertuples():
        for y in range(int(r.year_from), int(r.year_to) + 1):
            out[y] = r.vintage
    return out


def threshold_by_year(dataset: str) -> dict[int, tuple[int, bool]]:
    """year -> (sales threshold in thousand yuan, whether all SOEs are covered regardless)."""
    table = load_seed("coverage_regimes")
    out = {}
    for r in table[table.dataset == dataset].itertuples():
        for y in range(int(r.year_from), int(r.year_to) + 1):
            out[y] = (int(r.sales_threshold_thousand_yuan), "soe" in r.regime)
    return out


@dataclass(frozen=True)
class Geography:
    cities: pd.DataFrame  # the cities seed
    counties: dict[str, list[str]]  # unit -> 2010 county-level codes firms are placed in
    recode: dict[tuple[str, int], str]  # (2010 county code, year) -> code valid that year


def _base_name(note: str) -> str:
    name = note.split(" (")[0].split(" / ")[-1]
    return name.rstrip("市区县") or name


@cache
def load_geography(years: range) -> Geography:
    """Counties of every unit (from the admin map) and, per year, the code each 2010 county
    carried then: the same code while valid, else the code of the same name (吴江市 320584 ->
    吴江区 320509), else a code counting toward exactly the same units, preferring codes that
    did not exist in 2010 (沧浪区 -> 姑苏区 in 2012)."""
    cities = load_seed("cities")
    amap = load_seed("admin_code_map")
    lo = amap.valid_from.replace("", "0").astype(int)
    hi = amap.valid_to.replace("", "9999").astype(int)
    amap = amap.assign(lo=lo, hi=hi)
    units_of = amap.groupby("admin_code").city_code.agg(lambda s: tuple(sorted(set(s))))
    units_of = dict(zip(units_of.index, units_of, strict=True))
    valid_2010 = amap[(amap.lo <= 2010) & (amap.hi >= 2010)]
    counties: dict[str, list[str]] = {}
    for unit in cities.city_code:
        if unit == "320583":
            counties[unit] = ["320583"]
            continue
        own = valid_2010[(valid_2010.city_code == unit) & (valid_2010.admin_code != unit)]
        # a county of a unit must count toward that unit only (Kunshan is its own unit)
        codes = sorted(c for c in set(own.admin_code) if units_of[c] == (unit,))
        counties[unit] = codes or [unit]
    names = dict(zip(amap.admin_code, amap.note.map(_base_name), strict=False))
    in_2010 = set(valid_2010.admin_code)
    recode: dict[tuple[str, int], str] = {}
    spans = list(zip(amap.admin_code, amap.lo, amap.hi, strict=True))
    for year in years:
        valid_codes = {code for code, lo_, hi_ in spans if lo_ <= year <= hi_}
        by_units: dict[tuple[str, ...], list[str]] = {}
        for code in sorted(valid_codes):
            if not code.endswith("00"):
                by_units.setdefault(units_of[code], []).append(code)
        for unit_counties in counties.values():
            for county in unit_counties:
                if county in valid_codes:
                    recode[(county, year)] = county
                    continue
                peers = by_units.get(units_of[county], [])
                same = [c for c in peers if names[c] == names[county]]
                gone = [c for c in peers if c not in in_2010]
                recode[(county, year)] = (same or gone or peers or [county[:4] + "00"])[0]
    return Geography(cities=cities, counties=counties, recode=recode)
