"""Fixed parameters of the sample world: cities, their industry and ownership profiles, the
calibration paths the ground truth must follow, and the quirk and scale settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

ASIF_YEARS = range(1998, 2014)
FDI_YEARS = range(2010, 2021)
SIM_YEARS = range(1998, 2021)  # firms are simulated over the union of both datasets' years

KUNSHAN = "320583"
SUZHOU = "320500"
DONGGUAN = "441900"

# Switchable quirks (README "Quirks"); every name is on by default.
QUIRKS = (
    "column_drift",
    "dta_labels",
    "gbk_csv",
    "utf8_csv",
    "parquet_year",
    "admin_recoding",
    "invalid_locations",
    "location_12digit",
    "industry_vintage",
    "coverage_rules",
    "va_absent",
    "duplicates",
    "reregistration",
    "bad_outputs",
    "revision",
    "fdi_layouts",
)

# Rates of the row-level quirks (all below the ingest thresholds of docs/quality-gates.md).
INVALID_LOCATION_RATE = 0.003
DUPLICATE_RATE = 0.002
BAD_OUTPUT_RATE = 0.0008
REREGISTRATION_RATE = 0.012
# The ASIF year whose r1 misses late returns (and r2 completes it), and the share it misses.
REVISED_ASIF_YEAR = 2006
REVISED_ASIF_MISSING = 0.03
# The fdi_city release with a city-level revision: r1 swapped the HMT and foreign columns.
REVISED_FDI_YEAR = 2015
REVISED_FDI_CITY = DONGGUAN
PROVISIONAL_FDI_YEAR = 2020

# Fixed write time stamped into .dta headers and xlsx files (byte-identical output).
FIXED_DTA_TIME = datetime(2000, 1, 1)
FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
FIXED_XLSX_TIME = "2000-01-01T00:00:00Z"


@dataclass(frozen=True)
class Giant:
    """A few very large plants entering together (e.g. Taiwanese notebook ODMs in Kunshan)."""

    count: int
    entry: tuple[int, int]  # entry years (inclusive range)
    class_2002: str
    ownership: str  # domestic | hmt | foreign
    size: float  # log-size above the entry cohort's median
    class_2011: str | None = None  # fixed 2011 code for split classes


@dataclass(frozen=True)
class CityProfile:
    """How a demo city's firms are drawn; paths are {year: value}, linearly interpolated."""

    unit: str  # city_code of the 2010 unit the firms belong to (Kunshan: 320583)
    alive_1998: int  # firms alive in 1998 at demo scale
    ict_firm_share: float  # share of firm entries in ICT
    ict_mix: dict[str, float]  # 2002 ICT class -> weight
    fie_ict: tuple[float, float]  # P(hmt), P(foreign) among ICT entrants
    fie_other: tuple[float, float]  # P(hmt), P(foreign) among other entrants
    division_tilt: dict[str, float] = field(default_factory=dict)  # 2002 division -> weight x
    domestic_ict_from: int | None = None  # from this entry year on, ICT entrants lean domestic
    giants: tuple[Giant, ...] = ()
    ict_share_path: dict[int, float] = field(default_factory=dict)  # ICT / manufacturing output
    fie_va_path: dict[int, float] = field(default_factory=dict)  # FIE share of ICT value added


_KUNSHAN_MIX = {
    "4041": 0.45,
    "4043": 0.2,
    "4061": 0.12,
    "4062": 0.1,
    "4059": 0.05,
    "4014": 0.03,
    "4090": 0.05,
}
_DONGGUAN_MIX = {
    "4043": 0.25,
    "4061": 0.15,
    "4062": 0.1,
    "4011": 0.06,
    "4019": 0.04,
    "4042": 0.05,
    "4014": 0.1,
    "4071": 0.08,
    "4072": 0.08,
    "4041": 0.05,
    "4090": 0.04,
}
GENERIC_ICT_MIX = {
    "4041": 0.08,
    "4043": 0.1,
    "4061": 0.2,
    "4062": 0.1,
    "4059": 0.08,
    "4053": 0.05,
    "4011": 0.06,
    "4014": 0.08,
    "4032": 0.05,
    "4071": 0.08,
    "4072": 0.05,
    "4090": 0.05,
    "4020": 0.02,
}

DEMO_CITIES: tuple[CityProfile, ...] = (
    CityProfile(
        unit=KUNSHAN,
        alive_1998=230,
        ict_firm_share=0.3,
        ict_mix=_KUNSHAN_MIX,
        fie_ict=(0.7, 0.2),
        fie_other=(0.35, 0.2),
        division_tilt={"35": 1.6, "39": 1.5, "30": 1.4, "34": 1.3, "17": 0.6},
        giants=(
            Giant(6, (1999, 2004), "4041", "hmt", 3.3, "3911"),
            Giant(2, (2000, 2003), "4043", "hmt", 2.4, "3913"),
        ),
        ict_share_path={
            1998: 0.13,
            2000: 0.155,
            2003: 0.35,
            2006: 0.55,
            2009: 0.63,
            2010: 0.64,
            2013: 0.61,
            2016: 0.58,
            2020: 0.56,
        },
        fie_va_path={1998: 0.9, 2010: 0.885, 2020: 0.87},
    ),
    CityProfile(
        unit=DONGGUAN,
        alive_1998=480,
        ict_firm_share=0.3,
        ict_mix=_DONGGUAN_MIX,
        fie_ict=(0.7, 0.15),
        fie_other=(0.45, 0.1),
        division_tilt={
            "19": 2.5,
            "21": 2.0,
            "24": 2.5,
            "30": 1.6,
            "39": 1.5,
            "18": 1.5,
            "26": 0.5,
            "32": 0.3,
            "25": 0.2,
        },
        domestic_ict_from=2005,
        giants=(
            Giant(3, (2004, 2007), "4014", "domestic", 2.6, "3922"),
            Giant(2, (2011, 2013), "4014", "domestic", 2.4, "3922"),
        ),
        ict_share_path={
            1998: 0.46,
            2000: 0.45,
            2003: 0.4,
            2006: 0.33,
            2009: 0.27,
            2011: 0.28,
            2015: 0.31,
            2020: 0.36,
        },
        fie_va_path={
            1998: 0.93,
            2005: 0.9,
            2010: 0.845,
            2012: 0.75,
            2015: 0.52,
            2018: 0.33,
            2020: 0.255,
        },
    ),
    CityProfile(
        unit=SUZHOU,
        alive_1998=420,
        ict_firm_share=0.18,
        ict_mix=GENERIC_ICT_MIX,
        fie_ict=(0.45, 0.4),
        fie_other=(0.15, 0.25),
        division_tilt={"17": 1.8, "32": 1.3},
        ict_share_path={1998: 0.15, 2005: 0.35, 2010: 0.38, 2020: 0.33},
        fie_va_path={1998: 0.8, 2010: 0.85, 2020: 0.78},
    ),
    CityProfile(
        unit="440300",
        alive_1998=470,
        ict_firm_share=0.35,
        ict_mix=GENERIC_ICT_MIX,
        fie_ict=(0.45, 0.2),
        fie_other=(0.4, 0.15),
        domestic_ict_from=2000,
        giants=(Giant(2, (1998, 1998), "4014", "domestic", 2.6, "3921"),),
        ict_share_path={1998: 0.45, 2010: 0.55, 2020: 0.6},
        fie_va_path={1998: 0.75, 2005: 0.65, 2010: 0.5, 2020: 0.3},
    ),
    CityProfile(
        unit="441300",
        alive_1998=150,
        ict_firm_share=0.3,
        ict_mix=GENERIC_ICT_MIX,
        fie_ict=(0.4, 0.2),
        fie_other=(0.35, 0.15),
        ict_share_path={1998: 0.35, 2010: 0.45, 2020: 0.42},
        fie_va_path={1998: 0.7, 2010: 0.55, 2020: 0.4},
    ),
    CityProfile(
        unit="310000",
        alive_1998=650,
        ict_firm_share=0.12,
        ict_mix=GENERIC_ICT_MIX,
        fie_ict=(0.25, 0.5),
        fie_other=(0.1, 0.25),
        division_tilt={"37": 1.8, "32": 1.5},
        ict_share_path={1998: 0.12, 2005: 0.22, 2010: 0.2, 2020: 0.16},
        fie_va_path={1998: 0.8, 2010: 0.85, 2020: 0.75},
    ),
    CityProfile(
        unit="500000",
        alive_1998=280,
        ict_firm_share=0.04,
        ict_mix=GENERIC_ICT_MIX,
        fie_ict=(0.2, 0.15),
        fie_other=(0.03, 0.05),
        division_tilt={"37": 2.5, "06": 2.0},
        giants=(Giant(3, (2009, 2011), "4041", "hmt", 3.0, "3911"),),
        ict_share_path={1998: 0.02, 2008: 0.025, 2010: 0.06, 2013: 0.18, 2020: 0.25},
        fie_va_path={1998: 0.3, 2008: 0.35, 2011: 0.75, 2020: 0.7},
    ),
    CityProfile(
        unit="510100",
        alive_1998=260,
        ict_firm_share=0.08,
        ict_mix=GENERIC_ICT_MIX,
        fie_ict=(0.2, 0.3),
        fie_other=(0.04, 0.06),
        giants=(Giant(2, (2008, 2010), "4053", "foreign", 2.5),),
        ict_share_path={1998: 0.06, 2005: 0.1, 2010: 0.2, 2013: 0.26, 2020: 0.3},
        fie_va_path={1998: 0.4, 2010: 0.65, 2020: 0.6},
    ),
    CityProfile(
        unit="410100",
        alive_1998=220,
        ict_firm_share=0.03,
        ict_mix=GENERIC_ICT_MIX,
        fie_ict=(0.15, 0.1),
        fie_other=(0.03, 0.04),
        giants=(Giant(2, (2010, 2011), "4014", "hmt", 3.2, "3922"),),
        ict_share_path={1998: 0.02, 2009: 0.02, 2011: 0.15, 2013: 0.3, 2020: 0.33},
        fie_va_path={1998: 0.3, 2009: 0.3, 2011: 0.85, 2020: 0.88},
    ),
    CityProfile(
        unit="110000",
        alive_1998=360,
        ict_firm_share=0.15,
        ict_mix=GENERIC_ICT_MIX,
        fie_ict=(0.15, 0.45),
        fie_other=(0.05, 0.15),
        ict_share_path={1998: 0.2, 2005: 0.28, 2010: 0.22, 2020: 0.15},
        fie_va_path={1998: 0.6, 2010: 0.7, 2020: 0.55},
    ),
    CityProfile(
        unit="120000",
        alive_1998=380,
        ict_firm_share=0.12,
        ict_mix=GENERIC_ICT_MIX,
        fie_ict=(0.15, 0.55),
        fie_other=(0.06, 0.15),
        division_tilt={"32": 2.0, "25": 2.0},
        ict_share_path={1998: 0.15, 2005: 0.25, 2010: 0.18, 2020: 0.1},
        fie_va_path={1998: 0.8, 2010: 0.85, 2020: 0.8},
    ),
)

# Firm-count weights of the 2002 divisions (mining, manufacturing, utilities) for entrants.
DIVISION_WEIGHTS = {
    "06": 1.5,
    "07": 0.2,
    "08": 0.6,
    "09": 0.6,
    "10": 1.0,
    "11": 0.2,
    "13": 5,
    "14": 2,
    "15": 2,
    "16": 0.3,
    "17": 8,
    "18": 5,
    "19": 3,
    "20": 2,
    "21": 2,
    "22": 3,
    "23": 2,
    "24": 2,
    "25": 0.5,
    "26": 7,
    "27": 2,
    "28": 1,
    "29": 1.5,
    "30": 4,
    "31": 7,
    "32": 2.5,
    "33": 2,
    "34": 6,
    "35": 8,
    "36": 4,
    "37": 5,
    "39": 6,
    "41": 1.5,
    "42": 2,
    "43": 0.3,
    "44": 1.5,
    "45": 0.3,
    "46": 0.6,
}

# Short industry words used in generated firm names, by 2002 division.
NAME_WORDS = {
    "06": "煤业",
    "07": "油气",
    "08": "矿业",
    "09": "矿业",
    "10": "建材",
    "11": "矿业",
    "13": "食品",
    "14": "食品",
    "15": "饮品",
    "16": "烟草",
    "17": "纺织",
    "18": "服饰",
    "19": "鞋业",
    "20": "木业",
    "21": "家具",
    "22": "纸业",
    "23": "印务",
    "24": "文体",
    "25": "石化",
    "26": "化工",
    "27": "药业",
    "28": "化纤",
    "29": "橡胶",
    "30": "塑胶",
    "31": "建材",
    "32": "钢铁",
    "33": "金属",
    "34": "五金",
    "35": "机械",
    "36": "设备",
    "37": "汽配",
    "39": "电器",
    "40": "电子",
    "41": "仪器",
    "42": "工艺",
    "43": "再生",
    "44": "电力",
    "45": "燃气",
    "46": "水务",
}

# Total firms alive in 1998 at national scale (about 350,000 in the frame per year on average).
NATIONAL_ALIVE_1998 = 300_000
NATIONAL_DEMO_FACTOR = 15  # demo cities' firm counts at national scale, x their demo counts
