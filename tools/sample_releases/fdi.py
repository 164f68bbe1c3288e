"""City yearbook tables (`fdi_city`): above-scale industry by division x ownership x measure,
aggregated from the simulated firms in the year's above-scale frame and printed as yearbooks
print them (long CSV/xlsx, wide xlsx with title rows; 万元, 亿元 or 千元)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from orchestration.warehouse.seeds import load_seed
from tools.sample_releases import config, writers
from tools.sample_releases.codes import industry_flags, vintage_by_year
from tools.sample_releases.simulate import OWN_FOREIGN, OWN_HMT, World

OWNERSHIPS = ("total", "domestic", "hmt", "foreign")
ZH_OWNERSHIP = {
    "total": "合计",
    "domestic": "内资企业",
    "hmt": "港澳台商投资企业",
    "foreign": "外商投资企业",
    "fie": "外商及港澳台商投资企业",
}
ZH_MEASURE = {"gross_output": "工业总产值", "value_added": "工业增加值", "revenue": "营业收入"}
ZH_HEADERS = ("年份", "城市代码", "行业代码", "行业名称", "登记注册类型", "指标", "数值", "单位")
EN_HEADERS = (
    "year",
    "city_code",
    "industry_code",
    "industry_name",
    "ownership",
    "measure",
    "value",
    "unit",
)
LAYOUTS = ("long_csv_utf8", "long_csv_gbk", "long_xlsx_en", "wide_xlsx")
# thousand yuan per printed unit, decimals printed
UNITS = {"万元": (10, 1), "亿元": (100_000, 4), "千元": (1, 0)}


@dataclass(frozen=True)
class Table:
    unit: str  # city_code of the table
    year: int
    vintage: str
    layout: str
    money_unit: str
    cells: pd.DataFrame  # industry_code, ownership, measure, value (thousand yuan, as printed)


def measures(year: int) -> tuple[str, ...]:
    # yearbooks add main-business revenue from 2013 (docs/schemas.md "indicator drift")
    return (
        ("gross_output", "value_added", "revenue")
        if year >= 2013
        else ("gross_output", "value_added")
    )


def _round(value: np.ndarray, money_unit: str) -> np.ndarray:
    """Thousand-yuan values as the printed unit and decimals state them (half up)."""
    factor, decimals = UNITS[money_unit]
    step = factor // 10**decimals
    return (value + step // 2) // step * step


def layout_of(rank: int, year: int, demo_unit: bool, quirks: frozenset[str]) -> str:
    """Layouts rotate by year for the demo cities; at national scale most other cities print
    CSV (writing thousands of workbooks would dominate the run) and every eighth rotates."""
    if "fdi_layouts" not in quirks:
        return LAYOUTS[0]
    if demo_unit or rank % 8 == 0:
        return LAYOUTS[(rank + year) % 4]
    return LAYOUTS[(rank + year) % 2]


def tables(world: World, year: int, quirks: frozenset[str]) -> list[Table]:
    """One table per city unit with above-scale firms in `year` (Kunshan has its own and is
    also inside Suzhou's)."""
    rows = world.rows(year)
    take = np.arange(rows.start, rows.stop)[world.fdi_frame[rows]]
    f, fy = world.firm, world.fy
    i = fy["firm"][take]
    go = np.maximum(1, np.rint(np.exp(fy["log_go"][take])).astype(np.int64))
    va = np.rint(go * fy["va_ratio"][take].astype(np.float64)).astype(np.int64)
    sales = np.rint(go * fy["sales_ratio"][take].astype(np.float64)).astype(np.int64)
    vintage = vintage_by_year("fdi_city")[year] if "industry_vintage" in quirks else "2011"
    code = (
        world.products.code02[f["product"][i]]
        if vintage == "2002"
        else world.products.classes11[f["code11"][i]]
    )
    own = np.select(
        [f["own"][i] == OWN_HMT, f["own"][i] == OWN_FOREIGN], ["hmt", "foreign"], "domestic"
    )
    firms = pd.DataFrame(
        {
            "city": f["city_code"][i],
            "county": f["county_codes"][f["county_idx"][i]],
            "division": pd.Series(code).str.slice(0, 2),
            "ownership": own,
            "gross_output": go,
            "value_added": va,
            "revenue": sales,
        }
    )
    kunshan = firms[firms.county == config.KUNSHAN].assign(city=config.KUNSHAN)
    firms = pd.concat([firms, kunshan], ignore_index=True)
    flags = industry_flags()
    mfg_divs = sorted(
        flags.code[(flags.vintage == vintage) & (flags.level == "division") & flags.is_mfg]
    )
    firms = firms[firms.division.isin(mfg_divs)]
    ms = list(measures(year))
    units = sorted(firms.city.unique())
    full = pd.MultiIndex.from_product(
        [units, mfg_divs, ["domestic", "hmt", "foreign"]], names=["city", "division", "ownership"]
    )
    agg = firms.groupby(["city", "division", "ownership"])[ms].sum().reindex(full, fill_value=0)
    long = agg.rename_axis(columns="measure").stack().rename("value").reset_index()
    total = long.groupby(["city", "division", "measure"], as_index=False).value.sum()
    long = pd.concat([long, total.assign(ownership="total")], ignore_index=True)
    c_row = long.groupby(["city", "ownership", "measure"], as_index=False).value.sum()
    cells = pd.concat([c_row.assign(division="C"), long], ignore_index=True)
    cells = cells.rename(columns={"division": "industry_code"})
    rank = {u: k for k, u in enumerate(sorted(world.geography.cities.city_code))}
    demo = {p.unit for p in config.DEMO_CITIES}
    layouts = {u: layout_of(rank[u], year, u in demo, quirks) for u in units}
    money = {
        u: {"long_xlsx_en": "千元", "wide_xlsx": "亿元" if year >= 2015 else "万元"}.get(
            layouts[u], "万元"
        )
        for u in units
    }
    cells["money_unit"] = cells.city.map(money)
    for money_unit, part in cells.groupby("money_unit"):
        cells.loc[part.index, "value"] = _round(part.value.to_numpy(dtype=np.int64), money_unit)
    order = {c: k for k, c in enumerate(["C", *mfg_divs])}
    cells = cells.assign(
        _i=cells.industry_code.map(order),
        _o=cells.ownership.map({o: k for k, o in enumerate(OWNERSHIPS)}),
        _m=cells.measure.map({m: k for k, m in enumerate(ms)}),
    ).sort_values(["city", "_i", "_m", "_o"])
    out = []
    for unit, part in cells.groupby("city", sort=True):
        part = part[["industry_code", "ownership", "measure", "value"]].reset_index(drop=True)
        out.append(Table(unit, year, vintage, layouts[unit], money[unit], part))
    return out


def swap_hmt_foreign(table: Table) -> Table:
    """The error of a city's r1 table: the HMT and foreign columns exchanged."""
    cells = table.cells.copy()
    cells["ownership"] = (
        cells["ownership"].map({"hmt": "foreign", "foreign": "hmt"}).fillna(cells["ownership"])
    )
    return Table(table.unit, table.year, table.vintage, table.layout, table.money_unit, cells)


def _printed(value: int, money_unit: str) -> str:
    factor, decimals = UNITS[money_unit]
    if decimals == 0:
        return str(value // factor)
    whole, frac = divmod(value * 10**decimals // factor, 10**decimals)
    return f"{whole}.{frac:0{decimals}d}"


def _names(vintage: str) -> dict[str, str]:
    names = load_seed("fdi_division_names")
    names = names[names.vintage == vintage]
    return dict(zip(names.division_code, names.name_printed, strict=True))


def write_table(table: Table, path_stem: Path, city_name: str) -> Path:
    """Write the table in its layout; returns the path written."""
    names = _names(table.vintage)
    cells = table.cells
    if table.layout.startswith("long"):
        english = table.layout == "long_xlsx_en"
        frame = pd.DataFrame(
            {
                "year": str(table.year),
                "city_code": table.unit,
                "industry_code": cells.industry_code,
                "industry_name": cells.industry_code.map(names),
                "ownership": cells.ownership if english else cells.ownership.map(ZH_OWNERSHIP),
                "measure": cells.measure if english else cells.measure.map(ZH_MEASURE),
                "value": [_printed(v, table.money_unit) for v in cells.value],
                "unit": table.money_unit,
            }
        )
        frame.columns = list(EN_HEADERS if english else ZH_HEADERS)
        if table.layout == "long_xlsx_en":
            path = path_stem.with_suffix(".xlsx")
            wb = openpyxl.Workbook(write_only=True)
            ws = wb.create_sheet("data")
            ws.append(list(frame.columns))
            _, decimals = UNITS[table.money_unit]
            for row in frame.itertuples(index=False):
                values = list(row)
                values[0] = int(values[0])
                values[6] = int(values[6]) if decimals == 0 else float(values[6])
                ws.append(values)
            writers.write_xlsx(wb, path)
            return path
        path = path_stem.with_suffix(".csv")
        writers.write_csv(frame, path, "gbk" if table.layout == "long_csv_gbk" else "utf-8")
        return path
    path = path_stem.with_suffix(".xlsx")
    wb = openpyxl.Workbook(write_only=True)
    header = ["行业", *(ZH_OWNERSHIP[o] for o in (*OWNERSHIPS, "fie"))]
    threshold = "500万元" if table.year <= 2010 else "2000万元"
    for measure in measures(table.year):
        ws = wb.create_sheet(ZH_MEASURE[measure])
        ws.append([f"{table.year}年{city_name}规模以上工业企业主要指标（按行业和登记注册类型分）"])
        ws.append([f"指标：{ZH_MEASURE[measure]}"])
        ws.append([f"单位：{table.money_unit}"])
        ws.append(header)
        part = cells[cells.measure == measure].pivot(
            index="industry_code", columns="ownership", values="value"
        )
        part = part.reindex(cells.industry_code.drop_duplicates())
        part["fie"] = part["hmt"] + part["foreign"]
        for code, row in part.iterrows():
            ws.append(
                [
                    names[code],
                    *(float(_printed(int(row[o]), table.money_unit)) for o in (*OWNERSHIPS, "fie")),
                ]
            )
        ws.append([f"注：统计范围为年主营业务收入{threshold}及以上的工业法人企业。"])
    writers.write_xlsx(wb, path)
    return path
