"""Header text as vendors write it, reduced to the key the column maps are matched on.

Real ASIF headers print the same name many ways: full-width punctuation (`（现价）`, `其中：`),
em dashes, `--` or `－` for a dash, stray spaces, and a unit suffix (`(千元)`, `（万元）`,
`_千元`, or `千元` glued on as in `工业总产值_当年价格千元`). `header_key` folds the spelling;
`split_unit` takes a trailing unit off so the name matches the seed, and says how to scale the
values into the canonical units (money in thousand yuan, employment in persons).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# Every dash a header may print (after NFKC, which already turns － into -), and ASCII "--".
_DASHES = re.compile(r"-{2,}|[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63]")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Unit:
    """A unit suffix: values × numerator ÷ denominator are in the canonical unit."""

    text: str
    kind: str  # "money" (canonical: thousand yuan) or "persons"
    numerator: int = 1
    denominator: int = 1

    @property
    def factor(self) -> float:
        return self.numerator / self.denominator


UNITS = {
    unit.text: unit
    for unit in (
        Unit("千元", "money"),
        Unit("万元", "money", numerator=10),
        Unit("亿元", "money", numerator=100_000),
        Unit("元", "money", denominator=1000),
        Unit("人", "persons"),
    )
}
_ANY_UNIT = "|".join(sorted(UNITS, key=len, reverse=True))
# A unit in brackets ("(万元)", "(单位:万元)") or after an underscore ("_千元"), at the end.
_MARKED_UNIT = re.compile(rf"(?:\((?:单位:)?({_ANY_UNIT})\)|_({_ANY_UNIT}))$")
# Glued on without a mark: only the multi-character money units (a bare 元 or 人 ends many
# ordinary words: 美元, 法定代表人) ...
_GLUED_MONEY = re.compile(r"(千元|万元|亿元)$")
# ... and 人 after a count, as in 全部从业人员年平均人数人 or 年末从业人员合计人.
_GLUED_PERSONS = re.compile(r"(?<=人数|合计)(人)$")


def normalise_name(name: str) -> str:
    """The FDI tables' rule: exact after trimming whitespace, case-insensitive for ASCII."""
    return name.strip().translate(_ASCII_LOWER)


def header_key(name: str) -> str:
    """NFKC (full-width → ASCII), one dash, no whitespace, ASCII lower case."""
    text = unicodedata.normalize("NFKC", name)
    text = _DASHES.sub("-", text)
    return _SPACE.sub("", text).translate(_ASCII_LOWER)


def split_unit(name: str) -> tuple[str, Unit | None]:
    """`(key without its unit suffix, the unit)` of a header; the unit is None if it has none."""
    key = header_key(name)
    for pattern in (_MARKED_UNIT, _GLUED_MONEY, _GLUED_PERSONS):
        match = pattern.search(key)
        if match is None:
            continue
        base = key[: match.start()].rstrip("_-")
        if base:
            unit_text = next(g for g in match.groups() if g)
            return base, UNITS[unit_text]
    return key, None


def is_constant_price(key: str) -> bool:
    """Output at constant prices (不变价; pinyin …bbj…, as in gyzczbbjxgd) is never gross
    output at current prices, whatever a column map says."""
    return "不变价" in key or "bbj" in key or "constant" in key
