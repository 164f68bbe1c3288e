"""1998-2002 files code industry by GB/T 4754-1994, whose official list stops at the three-digit
group: a four-digit code is known when its group is one of the 197 official groups, whatever
its last digit, and a code of a group the standard does not have (38 is vacant in 1994)
counts as unknown."""

from __future__ import annotations

from tests.helpers import Warehouse

# The pre-2004 Chinese names (asif_column_map) and 6-digit county codes, as 1998 files print.
HEADER = "法人代码,法人单位,省地县码,行业类别,注册类型,工业总产值（现价）,从业人数"
# Official 1994 groups: 411 communication equipment, 418 repair of electronic and
# communication equipment, 133 sugar, 172 cotton textiles, 061 coal mining.
OFFICIAL_1994 = ("4112", "4183", "1330", "1720", "0610")


def _file(codes: list[str]) -> bytes:
    lines = [f"F{i:03d},企业{i},320583,{code},170,{1000 + i},50" for i, code in enumerate(codes, 1)]
    return ("\n".join([HEADER, *lines]) + "\n").encode("gbk")


def test_four_digit_codes_of_official_groups_load(warehouse: Warehouse) -> None:
    codes = [OFFICIAL_1994[i % len(OFFICIAL_1994)] for i in range(100)]
    path = "asif/1998/asif_1998.csv"
    outcome = warehouse.ingest(warehouse.release("asif-1998-r1", 1998, path, _file(codes)))

    assert (outcome.status, outcome.rows) == ("loaded", 100)
    assert outcome.stats["unmapped_code"][f"{path}:industry"] == 0
    loaded = warehouse.rows("select industry_code, count(*) from raw.asif group by 1 order by 1")
    assert loaded == [(code, 20) for code in sorted(OFFICIAL_1994)]


def test_codes_of_groups_1994_does_not_have_quarantine(warehouse: Warehouse) -> None:
    # Rows 7-9 carry 3811 and 3820 (division 38 is vacant in 1994) and 4710 (sections B-D end
    # at division 46): 3 of 100 > the 2 % tolerance. 4183 (group 418) on the others is known.
    codes = ["3811" if i == 7 else "3820" if i == 8 else "4710" if i == 9 else "4183"
             for i in range(1, 101)]  # fmt: skip
    path = "asif/2000/asif_2000.csv"
    outcome = warehouse.ingest(warehouse.release("asif-2000-r1", 2000, path, _file(codes)))

    assert (outcome.status, outcome.reason) == ("quarantined", "unknown_industry_codes")
    (failure,) = outcome.failures
    assert (failure.file, failure.row) == (path, 7)
    assert failure.column.startswith("industry_code")
    assert "3 of 100 codes (3.00%)" in failure.message
    assert "gbt4754_1994_groups" in failure.message
    assert warehouse.rows("select count(*) from raw.asif") == [(0,)]


def test_the_same_codes_are_checked_by_class_from_2003(warehouse: Warehouse) -> None:
    # 1330 and 1720 are 1994 codes by group only: 2002 has no class 1330 or 1720.
    codes = ["1330" if i <= 3 else "4041" for i in range(1, 101)]
    path = "asif/2003/asif_2003.csv"
    outcome = warehouse.ingest(warehouse.release("asif-2003-r1", 2003, path, _file(codes)))

    assert (outcome.status, outcome.reason) == ("quarantined", "unknown_industry_codes")
    assert "industry_codes of the GB/T 4754-2002 classes" in outcome.failures[0].message
