"""How each sample ASIF year's file looks: format, encoding and the column names and labels.

The names follow the drift documented in docs/schemas.md (Chinese names that change from
year to year, pinyin codes in early `.dta` files, English codes in one Parquet year). Every raw
name and label here is listed in the `asif_column_map` seed, which is what the warehouse reads;
the warehouse never imports this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CANONICAL = (
    "firm_id",
    "firm_name",
    "location_code",
    "industry_code",
    "registration_type",
    "founding_year",
    "gross_output",
    "value_added",
    "intermediate_input",
    "vat_payable",
    "sales",
    "export_value",
    "employment",
    "paid_in_capital",
    "capital_state",
    "capital_collective",
    "capital_legal_person",
    "capital_individual",
    "capital_hmt",
    "capital_foreign",
)

# Printed Chinese names that do not drift (docs/schemas.md).
_STABLE_ZH = {
    "firm_id": "法人代码",
    "registration_type": "登记注册类型",
    "value_added": "工业增加值",
    "intermediate_input": "工业中间投入合计",
    "paid_in_capital": "实收资本",
    "capital_state": "国家资本",
    "capital_collective": "集体资本",
    "capital_legal_person": "法人资本",
    "capital_individual": "个人资本",
    "capital_hmt": "港澳台资本",
    "capital_foreign": "外商资本",
}

# Pinyin-initial variable names of the 1998–2003 `.dta` files.
_PINYIN = {
    "firm_id": "frdm",
    "firm_name": "qymc",
    "location_code": "sdxm",
    "industry_code": "hydm",
    "registration_type": "djzclx",
    "founding_year": "kynf",
    "gross_output": "gyzcz",
    "value_added": "gyzjz",
    "intermediate_input": "zjtr",
    "vat_payable": "yjzzs",
    "sales": "cpxssr",
    "export_value": "ckjhz",
    "employment": "cyrs",
    "paid_in_capital": "sszb",
    "capital_state": "gjzb",
    "capital_collective": "jtzb",
    "capital_legal_person": "frzb",
    "capital_individual": "grzb",
    "capital_hmt": "gatzb",
    "capital_foreign": "wszb",
}

# English codes of the Parquet year (the names of public pandas readers, docs/schemas.md).
_ENGLISH = {
    "firm_id": "id",
    "firm_name": "name",
    "location_code": "code_0409",
    "industry_code": "cic",
    "registration_type": "type_reg",
    "founding_year": "open_year",
    "gross_output": "output",
    "value_added": "va",
    "intermediate_input": "input",
    "vat_payable": "tax_va",
    "sales": "sales",
    "export_value": "export",
    "employment": "employment",
    "paid_in_capital": "captal",
    "capital_state": "e_state",
    "capital_collective": "e_collective",
    "capital_legal_person": "e_legal_person",
    "capital_individual": "e_individual",
    "capital_hmt": "e_HMT",
    "capital_foreign": "e_foreign",
}

# Year-specific printed names (docs/schemas.md "year-specific naming drift").
_DRIFT: dict[int, dict[str, str]] = {
    1998: {
        "firm_name": "企业名称",
        "location_code": "省地县码",
        "gross_output": "工业总产值(现价)",
        "employment": "从业人数",
        "founding_year": "开业年",
        "sales": "产品销售收入",
        "export_value": "出口交货值",
        "vat_payable": "应交增值税",
        "industry_code": "行业代码",
    },
    1999: {"firm_name": "企业名称", "gross_output": "工业总产值(现价)", "employment": "全部职工"},
    2000: {"firm_name": "法人单位", "gross_output": "工业产值现", "employment": "全部职工"},
    2001: {"location_code": "省地代码", "gross_output": "工业产值现", "employment": "从业人员"},
    2002: {"location_code": "省地县码", "gross_output": "产值现价", "employment": "全部职工数"},
    2003: {"gross_output": "总产值现新", "employment": "从业人数"},
    2004: {
        "location_code": "行政区代码",
        "industry_code": "国民经济行业代码",
        "founding_year": "开业(成立)时间—年",
        "gross_output": "工业产值当",
        "employment": "全部从业人",
        "sales": "主营业务收入",
        "export_value": "其中:出口交货值",
        "vat_payable": "本年应交增值税",
    },
    2005: {"gross_output": "工业产值当", "employment": "从业人员总"},
    2006: {"location_code": "行政区码", "gross_output": "工业总产值", "employment": "平均人数"},
    2008: {
        "location_code": "行政区划代码",
        "gross_output": "工业总产值(当年价格)(千元)",
        "employment": "全部从业人员年平均人数",
    },
    2009: {"gross_output": "工业总产值当年价格"},
    2010: {"employment": "年末从业人员合计_总计"},
    2011: {
        "location_code": "行政区划代码",
        "gross_output": "工业总产值",
        "employment": "全部从业人员年平均人数",
    },
}

# Variable names that are codes rather than the printed text (the 2010 file's `B05`).
_NAME_OVERRIDE = {(2010, "location_code"): "B05"}

# Columns the real files lack in some years (docs/schemas.md): no value added in 2004 and
# 2008–2013; no intermediate input either from 2008.
ABSENT: dict[int, frozenset[str]] = {
    2004: frozenset({"value_added"}),
    **{y: frozenset({"value_added", "intermediate_input"}) for y in range(2008, 2014)},
}

# An extra column the column map does not know (kept in raw as unmapped, ignored downstream).
EXTRA_COLUMN = "邮政编码"

FORMATS: dict[int, str] = {y: "dta" for y in range(1998, 2014)} | {
    2002: "csv",
    2007: "parquet",
    2013: "csv",
}
# CSV encodings: the 2002 file is GBK (as real files often are); other CSVs are UTF-8.
CSV_ENCODING = {2002: "gbk"}


@dataclass(frozen=True)
class Column:
    canonical: str
    name: str  # column name in the file (a valid Stata name in .dta files)
    label: str | None  # .dta variable label (the printed Chinese text)


def printed_names(year: int) -> dict[str, str]:
    """Chinese printed names in force in `year` (drift accumulates from 1998 on)."""
    names = dict(_STABLE_ZH)
    for y in sorted(_DRIFT):
        if y > year:
            break
        names.update(_DRIFT[y])
    return names


def stata_name(text: str) -> str:
    """A valid Stata variable name for printed text: Unicode letters, digits and '_' only
    (Stata 14+), not starting with a digit, at most 32 characters."""
    name = re.sub(r"\W+", "_", text).strip("_")
    if not name or name[0].isdigit():
        name = "v_" + name
    return name[:32]


def columns(
    year: int, fmt: str, drift: bool = True, labels: bool = True, va_absent: bool = True
) -> list[Column]:
    """The columns of `year`'s file in file order when written as `fmt`. Without drift every
    year uses the canonical names; without `va_absent` value added and intermediate input
    are kept in every year."""
    absent = ABSENT.get(year, frozenset()) if va_absent else frozenset()
    out = []
    for canonical in CANONICAL:
        if canonical in absent:
            continue
        printed = printed_names(year)[canonical]
        if not drift:
            name, label = canonical, printed
        elif fmt == "parquet":
            name, label = _ENGLISH[canonical], None
        elif fmt == "csv":
            name, label = printed, None
        elif year <= 2003:
            name, label = _PINYIN[canonical], printed
        else:
            name = _NAME_OVERRIDE.get((year, canonical)) or stata_name(printed)
            label = printed
        out.append(Column(canonical, name, label if fmt == "dta" and labels else None))
    return out


def all_raw_names() -> dict[str, str]:
    """Every raw name or label any year may use, in any format -> canonical name (what the
    column-map seed must contain)."""
    found: dict[str, str] = {}
    for year in FORMATS:
        for fmt in ("dta", "csv", "parquet"):
            for drift in (True, False):
                for col in columns(year, fmt, drift=drift):
                    for raw in (col.name, col.label):
                        if raw is not None:
                            found[raw] = col.canonical
    return found
