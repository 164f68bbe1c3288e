"""The seeds (code lists, concordances, column maps) hold the facts and rules every part of
citygvc relies on; these tests pin the facts from domain/asif.md and DESIGN §5."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal

import pytest
import yaml

from orchestration.sample_releases import config
from orchestration.sample_releases.codes import load_geography, load_products
from orchestration.sample_releases.layouts import all_raw_names
from orchestration.seeds import load_seed
from orchestration.settings import SEEDS_DIR

SEGMENTS = {
    "computers",
    "parts_peripherals",
    "telecom_equipment",
    "handsets",
    "consumer_electronics",
    "components_devices",
    "other_ict",
}


# The seed contract of the team brief (other seeds may live next to them with their own yml).
CONTRACT_SEEDS = (
    "industry_codes",
    "industry_crosswalk",
    "ict_segment_map",
    "registration_types",
    "admin_code_map",
    "cities",
    "asif_column_map",
    "fdi_header_map",
    "fdi_value_map",
    "fdi_division_names",
    "classification_vintages",
    "coverage_regimes",
    "break_years",
)


def _yml() -> dict[str, dict]:
    doc = yaml.safe_load((SEEDS_DIR / "_seeds.yml").read_text(encoding="utf-8"))
    return {s["name"]: s for s in doc["seeds"]}


def _segments_of(vintage: str, code: str) -> dict[str, Decimal]:
    xw = load_seed("industry_crosswalk")
    seg = load_seed("ict_segment_map").set_index("code_2011").segment
    rows = xw[(xw.from_vintage == vintage) & (xw.from_level == "class") & (xw.from_code == code)]
    out: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows.itertuples():
        out[seg[r.to_code]] += Decimal(r.weight)
    return dict(out)


@pytest.mark.parametrize("name", CONTRACT_SEEDS)
def test_every_seed_is_documented_with_source_columns_and_types(name: str) -> None:
    spec = _yml()[name]
    header = next(csv.reader((SEEDS_DIR / f"{name}.csv").open(encoding="utf-8")))
    assert "source" in spec["config"]["meta"] and spec["description"].strip()
    assert [c["name"] for c in spec["columns"]] == header
    assert all(c.get("description") for c in spec["columns"])
    assert set(spec["config"]["column_types"]) == set(header)
    for column, kind in spec["config"]["column_types"].items():
        if "code" in column and column != "to_thousand_yuan":
            assert kind == "varchar", column


def test_registration_groups_follow_the_first_digit() -> None:
    reg = load_seed("registration_types")
    expected = reg.code.str[0].map({"2": "hmt", "3": "foreign"}).fillna("domestic")
    assert (reg.ownership_group == expected).all()
    groups = dict(zip(reg.code, reg.ownership_group, strict=True))
    assert groups["230"] == "hmt" and groups["290"] == "hmt"
    assert groups["330"] == "foreign" and groups["390"] == "foreign"
    assert groups["110"] == groups["173"] == "domestic"


def test_crosswalk_weights_sum_to_exactly_one_and_cover_every_code() -> None:
    xw = load_seed("industry_crosswalk")
    codes = load_seed("industry_codes")
    sums: dict[tuple, Decimal] = defaultdict(Decimal)
    for r in xw.itertuples():
        sums[(r.from_vintage, r.from_level, r.from_code)] += Decimal(r.weight)
    assert set(sums.values()) == {Decimal(1)}
    listed = {(r.vintage, r.level, r.code) for r in codes.itertuples()}
    assert listed == set(sums)
    targets_2011 = set(codes.code[codes.vintage == "2011"])
    assert set(xw.to_code) <= targets_2011
    assert (xw[xw.from_level == "class"].to_code.str.len() == 4).all()
    assert (xw[xw.from_level == "division"].to_code.str.len() == 2).all()
    assert set(xw.confidence) <= {"high", "medium", "low"}
    # 2011 maps to itself
    own = xw[xw.from_vintage == "2011"]
    assert (own.from_code == own.to_code).all()


def test_ict_division_per_vintage_and_electrical_machinery_one_vintage_earlier() -> None:
    codes = load_seed("industry_codes").set_index(["vintage", "code"])
    ict_divisions = {
        v: set(
            codes.loc[v].index[(codes.loc[v].is_ict == "true") & (codes.loc[v].level == "division")]
        )
        for v in ("1994", "2002", "2011", "2017")
    }
    assert ict_divisions == {"1994": {"41"}, "2002": {"40"}, "2011": {"39"}, "2017": {"39"}}
    # 3911 is generators (electrical machinery) in 2002 and complete computers in 2011
    assert codes.loc[("2002", "3911")].is_ict == "false"
    assert codes.loc[("2002", "3911")].division == "39"
    assert codes.loc[("2011", "3911")].is_ict == "true"
    assert codes.loc[("1994", "40")].name_zh == "电气机械及器材制造业"
    xw = load_seed("industry_crosswalk")
    to = xw[(xw.from_vintage == "2002") & (xw.from_code == "3911")].to_code
    assert list(to) == ["3811"]


def test_manufacturing_excludes_recycling_and_repair() -> None:
    codes = load_seed("industry_codes")
    div = codes[codes.level == "division"].set_index(["vintage", "code"]).is_manufacturing
    assert div[("2002", "43")] == "false" and div[("2002", "42")] == "true"
    for v in ("2011", "2017"):
        assert div[(v, "42")] == "false" and div[(v, "43")] == "false"
        assert div[(v, "41")] == "true" and div[(v, "13")] == "true"
    assert div[("1994", "43")] == "true"
    for v in ("1994", "2002", "2011", "2017"):
        assert div[(v, "06")] == "false" and div[(v, "44")] == "false"
        manufacturing = {c for (vv, c), m in div.items() if vv == v and m == "true"}
        assert manufacturing and all("13" <= c <= "43" for c in manufacturing)


def test_all_ict_classes_of_each_vintage_are_listed() -> None:
    codes = load_seed("industry_codes")
    classes = {
        v: set(
            codes.code[(codes.vintage == v) & (codes.level == "class") & (codes.is_ict == "true")]
        )
        for v in ("2002", "2011", "2017")
    }
    # domain/asif.md §3.2-3.4
    assert classes["2002"] == {
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
    }
    assert len(classes["2011"]) == 20 and {"3912", "3963", "3990"} <= classes["2011"]
    assert len(classes["2017"]) == 36 and {"3915", "3964", "3985"} <= classes["2017"]
    groups_1994 = {
        c[:3]
        for c in codes.code[
            (codes.vintage == "1994") & (codes.level == "class") & (codes.is_ict == "true")
        ]
    }
    assert groups_1994 == {"411", "412", "413", "414", "415", "416", "417", "419"}


def test_segment_map_covers_exactly_division_39_of_2011() -> None:
    seg = load_seed("ict_segment_map")
    codes = load_seed("industry_codes")
    ict_2011 = set(
        codes.code[(codes.vintage == "2011") & (codes.level == "class") & (codes.is_ict == "true")]
    )
    assert set(seg.code_2011) == ict_2011
    assert set(seg.segment) == SEGMENTS


def test_computers_map_to_the_computers_segment_in_every_vintage() -> None:
    for vintage, code in (("2002", "4041"), ("2011", "3911"), ("1994", "4141")):
        parts = _segments_of(vintage, code)
        assert sum(parts.values()) == 1
        assert max(parts, key=parts.get) == "computers", (vintage, code, parts)
    assert _segments_of("2011", "3911") == {"computers": Decimal(1)}
    # 1994 electronics is mapped by 3-digit group: every class of group 414 maps alike
    xw = load_seed("industry_crosswalk")
    g414 = xw[(xw.from_vintage == "1994") & (xw.from_code.str.startswith("414"))]
    by_code = g414.groupby("from_code").apply(
        lambda g: tuple(sorted(zip(g.to_code, g.weight, strict=True))), include_groups=False
    )
    assert by_code.nunique() == 1 and len(by_code) >= 2
    # 4014 (mobile communication) splits into systems and handsets
    assert set(_segments_of("2002", "4014")) == {"telecom_equipment", "handsets"}


def test_every_code_the_generator_emits_is_listed() -> None:
    products = load_products()
    codes = load_seed("industry_codes")
    listed = {(v, c) for v, c in zip(codes.vintage, codes.code, strict=True)}
    assert {("2002", c) for c in products.code02} <= listed
    assert {("1994", c) for c in products.code94} <= listed
    assert {("2011", c) for c in products.classes11} <= listed
    for _, weights in products.targets:
        assert abs(weights.sum() - 1) < 1e-12
    ict_mixes = [p.ict_mix for p in config.DEMO_CITIES] + [config.GENERIC_ICT_MIX]
    assert {c for mix in ict_mixes for c in mix} <= {c for v, c in listed if v == "2002"}


def test_column_map_knows_every_raw_name_the_generator_writes() -> None:
    cmap = load_seed("asif_column_map")
    known = dict(zip(cmap.raw_name.str.strip(), cmap.canonical_name, strict=True))
    for raw, canonical in all_raw_names().items():
        assert known.get(raw) == canonical, raw
    folded = cmap.raw_name.map(lambda s: s.strip().lower() if s.isascii() else s.strip())
    assert not folded.duplicated().any()
    from orchestration.warehouse import ASIF_OPTIONAL, ASIF_REQUIRED

    assert set(cmap.canonical_name) == set(ASIF_REQUIRED + ASIF_OPTIONAL)
    # the drift of domain/asif.md §1.4
    for raw in (
        "工业总产值(现价)",
        "工业产值现",
        "产值现价",
        "总产值现新",
        "工业产值当",
        "省地县码",
        "行政区代码",
        "B05",
        "全部从业人员年平均人数",
    ):
        assert raw in known


def test_cities_are_the_2010_prefectures_municipalities_and_kunshan() -> None:
    cities = load_seed("cities")
    assert cities.city_code.is_unique and len(cities) == 338
    assert (cities.city_code.str.fullmatch(r"\d{6}")).all() and (cities.name_en != "").all()
    by = cities.set_index("city_code")
    assert by.loc["320583"].level == "county_city" and by.loc["320583"].parent_code == "320500"
    assert set(cities.city_code[cities.level == "municipality"]) == {
        "110000",
        "120000",
        "310000",
        "500000",
    }
    assert by.loc["441900"].level == "prefecture" and by.loc["441900"].parent_code == "440000"
    prefectures = cities[cities.level == "prefecture"]
    assert (prefectures.city_code.str.endswith("00")).all()
    assert (prefectures.parent_code == prefectures.city_code.str[:2] + "0000").all()


def test_admin_map_recodings_and_units() -> None:
    amap = load_seed("admin_code_map")
    cities = set(load_seed("cities").city_code)
    assert set(amap.city_code) <= cities
    assert (amap.admin_code.str.fullmatch(r"\d{6}")).all()

    def units(code: str, year: int) -> set[str]:
        lo = amap.valid_from.replace("", "0").astype(int)
        hi = amap.valid_to.replace("", "9999").astype(int)
        return set(amap.city_code[(amap.admin_code == code) & (lo <= year) & (hi >= year)])

    assert units("320583", 2005) == {"320500", "320583"}
    assert units("320584", 2011) == {"320500"} and units("320584", 2012) == set()
    assert units("320509", 2012) == {"320500"} and units("320509", 2011) == set()
    assert units("320508", 2013) == {"320500"} and units("320502", 2012) == set()
    assert units("441900", 2010) == {"441900"}
    assert units("310115", 2010) == {"310000"}  # a Shanghai district counts toward Shanghai


def test_generator_location_codes_are_valid_in_their_year() -> None:
    geo = load_geography(config.ASIF_YEARS)
    amap = load_seed("admin_code_map")
    lo = amap.valid_from.replace("", "0").astype(int)
    hi = amap.valid_to.replace("", "9999").astype(int)
    units = defaultdict(set)
    for code, unit, a, b in zip(amap.admin_code, amap.city_code, lo, hi, strict=True):
        for year in range(max(a, 1998), min(b, 2013) + 1):
            units[(code, year)].add(unit)
    for unit, counties in geo.counties.items():
        for county in counties:
            for year in config.ASIF_YEARS:
                emitted = geo.recode[(county, year)]
                assert unit in units[(emitted, year)], (unit, county, year, emitted)
    assert geo.recode[("320584", 2011)] == "320584" and geo.recode[("320584", 2012)] == "320509"
    assert geo.recode[("320502", 2012)] == "320508"


def test_vintages_regimes_and_breaks_cover_the_years() -> None:
    vint = load_seed("classification_vintages")
    for dataset, years in (("asif", range(1998, 2014)), ("fdi_city", range(2010, 2021))):
        rows = vint[vint.dataset == dataset]
        covered = [
            y for r in rows.itertuples() for y in range(int(r.year_from), int(r.year_to) + 1)
        ]
        assert sorted(covered) == list(years)
    asif = {int(r.year_from): r.vintage for r in vint[vint.dataset == "asif"].itertuples()}
    assert asif == {1998: "1994", 2003: "2002", 2012: "2011"}
    reg = load_seed("coverage_regimes")
    thresholds = {
        (r.dataset, int(r.year_from)): int(r.sales_threshold_thousand_yuan)
        for r in reg.itertuples()
    }
    assert thresholds[("asif", 1998)] == 5000 and thresholds[("asif", 2011)] == 20000
    breaks = load_seed("break_years")
    assert set(breaks.year[breaks.dataset == "asif"].astype(int)) == {2003, 2004, 2007, 2011, 2012}
    assert set(breaks.year[breaks.dataset == "fdi_city"].astype(int)) == {2011, 2012, 2018}


def test_fdi_maps() -> None:
    values = load_seed("fdi_value_map")
    units = values[values.field == "unit"].set_index("raw_value").to_thousand_yuan
    assert units.to_dict() == {"万元": "10", "亿元": "100000", "千元": "1"}
    own = values[values.field == "ownership"]
    assert set(own.canonical) == {"total", "domestic", "hmt", "foreign", "fie"}
    assert (values[values.field != "unit"].to_thousand_yuan == "").all()
    headers = load_seed("fdi_header_map")
    assert set(headers.canonical) == {
        "year",
        "city_code",
        "industry_code",
        "industry_name",
        "ownership",
        "measure",
        "value",
        "unit",
    }
    names = load_seed("fdi_division_names")
    codes = load_seed("industry_codes")
    for vintage in ("2002", "2011", "2017"):
        mine = names[names.vintage == vintage]
        assert not mine.name_printed.duplicated().any()
        mfg = set(
            codes.code[
                (codes.vintage == vintage)
                & (codes.level == "division")
                & (codes.is_manufacturing == "true")
            ]
        )
        assert set(mine.division_code) == mfg | {"C"}
        assert mine.set_index("division_code").name_printed["C"] == "制造业"
    ict_2011 = names[(names.vintage == "2011") & (names.division_code == "39")].name_printed
    assert list(ict_2011) == ["计算机、通信和其他电子设备制造业"]
