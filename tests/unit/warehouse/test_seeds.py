"""The seeds (code lists, concordances, column maps) hold the facts and rules every part of
citygvc relies on; these tests pin the facts documented in docs/schemas.md and docs/marts.md."""

from __future__ import annotations

import csv
import hashlib
from collections import defaultdict
from decimal import Decimal

import pandas as pd
import pytest
import yaml

from orchestration.settings import SEEDS_DIR
from orchestration.warehouse.seeds import load_seed
from tests.helpers import ICT_SEGMENTS
from tools.sample_releases import config
from tools.sample_releases.codes import load_geography, load_products
from tools.sample_releases.layouts import all_raw_names

SEGMENTS = set(ICT_SEGMENTS)


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


def _segments_of_group(group: str) -> dict[str, Decimal]:
    """Segments of a 1994 group: its concordance weight to each 2002 class × that class's
    segment weights (the composition docs/methodology.md describes)."""
    concordance = load_seed("industry_concordance_1994")
    out: dict[str, Decimal] = defaultdict(Decimal)
    for r in concordance[concordance.group_1994 == group].itertuples():
        for segment, weight in _segments_of("2002", r.code_2002).items():
            out[segment] += Decimal(r.weight) * weight
    return dict(out)


# GB/T 4754-1994 goes by three-digit group (docs/methodology.md): its seeds are documented alike.
SEEDS_1994 = ("gbt4754_1994_groups", "industry_concordance_1994")


@pytest.mark.parametrize("name", CONTRACT_SEEDS + SEEDS_1994)
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
    # 1994 codes are harmonised by group through industry_concordance_1994, not the crosswalk
    assert "1994" not in set(xw.from_vintage)
    listed = {(r.vintage, r.level, r.code) for r in codes.itertuples() if r.vintage != "1994"}
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
    # docs/schemas.md-3.4
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


def test_segment_map_covers_exactly_division_39_of_2011() -> None:
    seg = load_seed("ict_segment_map")
    codes = load_seed("industry_codes")
    ict_2011 = set(
        codes.code[(codes.vintage == "2011") & (codes.level == "class") & (codes.is_ict == "true")]
    )
    assert set(seg.code_2011) == ict_2011
    assert set(seg.segment) == SEGMENTS


def test_computers_map_to_the_computers_segment_in_every_vintage() -> None:
    for vintage, code in (("2002", "4041"), ("2011", "3911")):
        parts = _segments_of(vintage, code)
        assert sum(parts.values()) == 1
        assert max(parts, key=parts.get) == "computers", (vintage, code, parts)
    assert _segments_of("2011", "3911") == {"computers": Decimal(1)}
    # 4014 (mobile communication) splits into systems and handsets
    assert set(_segments_of("2002", "4014")) == {"telecom_equipment", "handsets"}


def test_1994_groups_land_in_their_segments() -> None:
    """1994 electronics goes by group: 414 (computers) also covers 2002 network equipment and
    peripherals, so only the robust pair computers + parts_peripherals is its majority."""
    computers = _segments_of_group("414")
    assert sum(computers.values()) == 1
    assert computers["computers"] + computers["parts_peripherals"] > Decimal("0.5")
    assert set(_segments_of_group("411")) == {"telecom_equipment", "handsets"}
    assert _segments_of_group("418") == {"other_ict": Decimal(1)}


# Class totals of the official structure tables (NBS): mining (B), manufacturing (C) and
# utilities (D) of GB/T 4754-2002 / 2011 / 2017.
OFFICIAL_CLASSES = {
    "2002": {"B": 33, "C": 482, "D": 10},
    "2011": {"B": 37, "C": 532, "D": 12},
    "2017": {"B": 39, "C": 609, "D": 18},
}
# Rows of the seed's first version kept unchanged although they are not codes of the vintage
# (_seeds.yml): 2002 codes of no 2002 class, 2011 codes that 2017 split or renumbered.
LEGACY_CODES = {
    "2002": {"1512", "1530", "3441"},
    "2011": set(),
    "2017": {
        "0710",
        "0720",
        "1310",
        "1440",
        "1810",
        "1820",
        "2520",
        "3262",
        "3610",
        "4041",
        "4500",
    },
}
SECTIONS = {"B": ("06", "12"), "C": ("13", "43"), "D": ("44", "46")}


def _classes(vintage: str) -> pd.DataFrame:
    codes = load_seed("industry_codes")
    return codes[(codes.vintage == vintage) & (codes.level == "class")]


@pytest.mark.parametrize("vintage", ["2002", "2011", "2017"])
def test_class_lists_are_the_complete_official_lists(vintage: str) -> None:
    classes = _classes(vintage)
    official = classes[~classes.code.isin(LEGACY_CODES[vintage])]
    assert LEGACY_CODES[vintage] <= set(classes.code)
    for section, (first, last) in SECTIONS.items():
        in_section = official.code.str[:2].between(first, last)
        assert in_section.sum() == OFFICIAL_CLASSES[vintage][section], section
    assert len(official) == sum(OFFICIAL_CLASSES[vintage].values())
    assert official.code.is_unique and (classes.code.str.fullmatch(r"\d{4}")).all()
    assert (classes.code.str[:2] == classes.division).all()
    assert (classes.name_zh != "").all() and (classes.name_en != "").all()
    # a class inherits the manufacturing and ICT flags of its division
    codes = load_seed("industry_codes")
    divisions = codes[(codes.vintage == vintage) & (codes.level == "division")].set_index("code")
    for flag in ("is_manufacturing", "is_ict"):
        assert (classes[flag].to_numpy() == divisions[flag].loc[classes.division].to_numpy()).all()


def test_titles_of_classes_that_moved_between_editions() -> None:
    names = load_seed("industry_codes").set_index(["vintage", "code"]).name_zh
    # GB/T 4754-2011 renumbered manufacturing; 2017 moved foundries to 339 and split classes
    assert names[("2002", "4155")] == "计算器及货币专用设备制造"
    assert names[("2011", "3475")] == "计算器及货币专用设备制造"
    assert names[("2011", "3130")] == "黑色金属铸造"
    assert names[("2017", "3130")] == "钢压延加工"
    assert names[("2017", "3391")] == "黑色金属铸造"
    assert names[("2017", "3741")] == "飞机制造"
    assert names[("2017", "2770")] == "卫生材料及医药用品制造"
    assert names[("2017", "2780")] == "药用辅料及包装材料"


def test_moved_and_split_classes_map_to_their_2011_class() -> None:
    xw = load_seed("industry_crosswalk")
    xw = xw[xw.from_level == "class"]

    def targets(vintage: str, code: str) -> dict[str, Decimal]:
        rows = xw[(xw.from_vintage == vintage) & (xw.from_code == code)]
        return {t: Decimal(w) for t, w in zip(rows.to_code, rows.weight, strict=True)}

    assert targets("2002", "4155") == {"3475": 1}  # office machinery moved to 2011 division 34
    assert targets("2002", "3081") == {"1953": 1}  # plastic footwear moved to division 19
    assert targets("2017", "3130") == {"3140": 1}  # steel rolling
    assert targets("2017", "3391") == {"3130": 1}  # ferrous foundry
    assert targets("2017", "0712") == {"0710": 1}  # 2017 splits crude oil on/offshore
    assert targets("2002", "1370") == {"1371": Decimal("0.5"), "1372": Decimal("0.5")}
    # repair in 2002 manufacturing stays in manufacturing (the models need it, see below)
    assert targets("2002", "3755") == {"3735": 1}


def test_every_2011_class_maps_to_itself_only() -> None:
    xw = load_seed("industry_crosswalk")
    own = xw[(xw.from_vintage == "2011") & (xw.from_level == "class")]
    assert set(own.from_code) == set(_classes("2011").code)
    assert own.from_code.is_unique and (own.from_code == own.to_code).all()
    assert (own.weight == "1").all()


def test_no_class_crosses_the_manufacturing_or_ict_boundary_and_weights_fit_the_type() -> None:
    """The models take manufacturing and ICT from a code's own vintage but divisions and
    segments from its 2011 targets; they agree only if no class maps across the boundary."""
    codes = load_seed("industry_codes").set_index(["vintage", "code"])
    xw = load_seed("industry_crosswalk")
    xw = xw[xw.from_level == "class"]
    source = codes.loc[list(zip(xw.from_vintage, xw.from_code, strict=True))]
    target = codes.loc[[("2011", c) for c in xw.to_code]]
    for flag in ("is_manufacturing", "is_ict"):
        assert (source[flag].to_numpy() == target[flag].to_numpy()).all(), flag
    # weight is decimal(9, 6) in the warehouse
    assert xw.weight.str.fullmatch(r"(0\.\d{1,6}|1)").all()


# GVC segments of docs/schemas.md (the design table, not the crosswalk): the segment that
# takes the largest share of each ICT class. 2017 smart consumer devices (396x) are left out:
# the seed maps them to 2011 3990 (other_ict), not to consumer electronics as the table says.
SEGMENTS_BY_DESIGN = {
    "2002": {
        "computers": ["4041"],
        "parts_peripherals": ["4043"],
        "telecom_equipment": ["4011", "4012", "4019", "4042"],
        "handsets": ["4013", "4014"],
        "consumer_electronics": ["4031", "4032", "4039", "4071", "4072"],
        "components_devices": ["4051", "4052", "4053", "4059", "4061", "4062"],
        "other_ict": ["4020", "4090"],
    },
    "2011": {
        "computers": ["3911", "3919"],
        "parts_peripherals": ["3912", "3913"],
        "telecom_equipment": ["3921"],
        "handsets": ["3922"],
        "consumer_electronics": ["3931", "3932", "3939", "3951", "3952", "3953"],
        "components_devices": ["3961", "3962", "3963", "3969", "3971", "3972"],
        "other_ict": ["3940", "3990"],
    },
    "2017": {
        "computers": ["3911", "3914", "3915", "3919"],
        "parts_peripherals": ["3912", "3913"],
        "telecom_equipment": ["3921"],
        "handsets": ["3922"],
        "consumer_electronics": ["3931", "3932", "3933", "3934", "3939", "3951", "3952", "3953"],
        "components_devices": [
            *("3971", "3972", "3973", "3974", "3975", "3976", "3979"),
            *("3981", "3982", "3983", "3984", "3985", "3989"),
        ],
        "other_ict": ["3940", "3990"],
    },
}


@pytest.mark.parametrize("vintage", ["2002", "2011", "2017"])
def test_ict_classes_land_in_their_design_segments(vintage: str) -> None:
    ict = _classes(vintage)
    ict = set(ict.code[ict.is_ict == "true"])
    expected = {c: s for s, cs in SEGMENTS_BY_DESIGN[vintage].items() for c in cs}
    smart_devices = {c for c in ict if vintage == "2017" and c.startswith("396")}
    assert set(expected) == ict - smart_devices
    for code, segment in expected.items():
        parts = _segments_of(vintage, code)
        assert sum(parts.values()) == 1
        assert max(parts, key=parts.get) == segment, (vintage, code, parts)


# GB/T 4754-1994 by three-digit group (docs/methodology.md): no official four-digit list exists.
GROUPS_1994 = {"B": 18, "C": 172, "D": 7}
# sha256 of the sorted group codes joined by ",": the official list as coded in the 2000
# census. The hash is what proves that no group outside the official list is seeded.
GROUPS_1994_SHA256 = "c622cde65e312ac5e47b89ebe08a9f2b71f16e024a651bc6912142059ec5a3dc"


def test_1994_groups_are_the_official_list() -> None:
    groups = load_seed("gbt4754_1994_groups")
    assert groups.group_code.is_unique and groups.group_code.str.fullmatch(r"\d{3}").all()
    assert len(groups) == sum(GROUPS_1994.values()) == 197
    assert groups.section.value_counts().to_dict() == GROUPS_1994
    codes = ",".join(sorted(groups.group_code))
    assert hashlib.sha256(codes.encode()).hexdigest() == GROUPS_1994_SHA256
    assert (groups.group_code.str[:2] == groups.division_code).all()
    for section, (first, last) in SECTIONS.items():
        mine = groups[groups.section == section]
        assert mine.division_code.between(first, last).all(), section
    assert (groups.name_zh != "").all() and (groups.name_en != "").all()
    assert {"121", "418"} <= set(groups.group_code)  # logging (B); electronics repair (C)


@pytest.mark.parametrize("name", SEEDS_1994)
def test_every_1994_row_cites_its_source(name: str) -> None:
    assert (load_seed(name).source.str.strip() != "").all()


def test_every_1994_code_is_an_official_group_or_division() -> None:
    groups = load_seed("gbt4754_1994_groups").set_index("group_code")
    codes = load_seed("industry_codes")
    c94 = codes[codes.vintage == "1994"].set_index("code")
    # industry_codes keeps 1994 divisions only: exactly the divisions of the groups
    assert set(c94.level) == {"division"}
    assert set(c94.index) == set(groups.division_code)
    for division, mine in groups.groupby("division_code"):
        assert c94.is_manufacturing[division] == str((mine.section == "C").all()).lower()
        assert c94.is_ict[division] == str(division == "41").lower()
    concordance = load_seed("industry_concordance_1994")
    assert set(concordance.group_1994) == set(groups.index)
    assert {c[:3] for c in load_products().code94} <= set(groups.index)


def test_concordance_1994_weights_and_targets() -> None:
    concordance = load_seed("industry_concordance_1994")
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for r in concordance.itertuples():
        sums[r.group_1994] += Decimal(r.weight)
    assert set(sums.values()) == {Decimal(1)}
    assert not concordance.duplicated(["group_1994", "code_2002"]).any()
    assert concordance.weight.str.fullmatch(r"(0\.\d{1,6}|1)").all()
    assert set(concordance.confidence) <= {"high", "medium", "low"}
    assert set(concordance.code_2002) <= set(_classes("2002").code)


def test_1994_ict_is_division_41_which_alone_maps_to_2002_division_40() -> None:
    concordance = load_seed("industry_concordance_1994")
    ict = concordance.group_1994.str.startswith("41")
    assert concordance.code_2002[ict].str.startswith("40").all()
    assert not concordance.code_2002[~ict].str.startswith("40").any()
    groups = load_seed("gbt4754_1994_groups").set_index("group_code")
    # 418 (repair of electronic and communication equipment) is ICT: division 41
    assert groups.division_code["418"] == "41" and groups.section["418"] == "C"
    assert groups.name_zh["418"] == "电子设备及通信设备修理业"
    # manufacturing is the section on both sides (divisions and segments come from 2011)
    mfg_2002 = _classes("2002").set_index("code").is_manufacturing.eq("true")
    is_c = concordance.group_1994.map(groups.section).eq("C")
    assert (is_c.to_numpy() == mfg_2002[concordance.code_2002].to_numpy()).all()


def test_every_code_the_generator_emits_is_listed() -> None:
    products = load_products()
    codes = load_seed("industry_codes")
    listed = {(v, c) for v, c in zip(codes.vintage, codes.code, strict=True)}
    assert {("2002", c) for c in products.code02} <= listed
    groups = load_seed("gbt4754_1994_groups").set_index("group_code")
    assert set(products.code94) and all(len(c) == 4 for c in products.code94)
    # a firm reports a four-digit 1994 code; it counts by its official group, and an ICT
    # product (2002 division 40) is in 1994 division 41
    assert {c[:3] for c in products.code94} <= set(groups.index)
    division_94 = groups.division_code.loc[[c[:3] for c in products.code94]].to_numpy()
    assert ((division_94 == "41") == products.is_ict).all()
    assert ((division_94 == "41") == (products.division02 == "40")).all()
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
    from orchestration.warehouse.schema import ASIF_OPTIONAL, ASIF_REQUIRED

    assert set(cmap.canonical_name) == set(ASIF_REQUIRED + ASIF_OPTIONAL)
    # the drift of docs/schemas.md
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
        divisions = set(codes.code[(codes.vintage == vintage) & (codes.level == "division")])
        # every division of sections B-D, the manufacturing total, and the rows printed
        # beside them that are not industries: the all-industry total and two sections
        assert set(mine.division_code) == divisions | {"C", "TOTAL", "B", "D"}
        assert mine.set_index("division_code").name_printed["C"] == "制造业"
    ict_2011 = names[(names.vintage == "2011") & (names.division_code == "39")].name_printed
    assert list(ict_2011) == ["计算机、通信和其他电子设备制造业"]
