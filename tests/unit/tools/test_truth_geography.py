"""The economic-geography rows of the generator's ground truth (truth_geography.py) on tiny
hand-made firm-years; every expected value is worked out by hand in the comments."""

from __future__ import annotations

from math import log2, sqrt

import numpy as np
import pandas as pd
import pytest

from tools.sample_releases.truth import AsifTruth

BEIJING, TIANJIN, SHANGHAI, CHONGQING = "110000", "120000", "310000", "500000"
SUZHOU, KUNSHAN, WUZHONG = "320500", "320583", "320506"
# 2011 classes: groups 131 and 132 (division 13), 171 (division 17), 261 (division 26)
G131, G132, G171, G261, MINING = "1310", "1320", "1711", "2611", "0610"
Row = tuple[str, str, int, str, bool]  # county, industry code, gross output, vintage, valid


def _firms(*firms: tuple[str, str, int], vintage: str = "2011", valid: bool = True) -> list[Row]:
    """Firm-years from (county, industry code, gross output); a county is its own city except
    in Suzhou."""
    return [(county, code, output, vintage, valid) for county, code, output in firms]


def _records(rows: list[Row]) -> pd.DataFrame:
    county, code, output, vintage, valid = zip(*rows, strict=True)
    city = [SUZHOU if c.startswith("3205") else c for c in county]
    output = np.array(output, dtype=np.int64)
    return pd.DataFrame(
        {
            "firm_key": np.arange(len(rows), dtype=np.int64),
            "city_code": city,
            "county_code": county,
            "location_valid": valid,
            "industry_code": code,
            "industry_vintage": vintage,
            "registration_type": "110",
            "gross_output": output,
            "value_added": output // 4,
            "sales": output,
            "export_value": 0,
            "paid_in_capital": 100,
            "capital_hmt": 0,
            "capital_foreign": 0,
        }
    )


def _truth(years: dict[int, list[Row]]) -> pd.DataFrame:
    truth = AsifTruth()
    for year, rows in years.items():
        truth.add(year, _records(rows))
    return truth.result()


def _values(truth: pd.DataFrame, indicator: str, year: int) -> dict[tuple[str | None, str], float]:
    """{(city_code or None, breakdown): value} of one indicator and year."""
    part = truth[(truth.indicator_id == indicator) & (truth.year == year)]
    cities = part.city_code.astype(object).where(part.city_code.notna(), None)
    return dict(zip(zip(cities, part.breakdown, strict=True), part.value, strict=True))


# Three matrix locations of 100 each (Suzhou's includes Kunshan's 35), groups 131/132/171:
#            131  132  171
#   Beijing   80   10   10    (+ a mining firm: not manufacturing)
#   Tianjin   50   50    .    (+ a 171 firm with output 0: left out)
#   Suzhou     .   40   60    (Kunshan 5 + 30; + an invalid location in 131: left out)
#   national 130  100   70    of 300: shares 13/30, 1/3, 7/30
# RCA >= 1: Beijing {131}, Tianjin {131, 132}, Suzhou {132, 171}; Kunshan {171}.
WORLD = {
    2000: [
        *_firms((BEIJING, G131, 80), (BEIJING, G132, 10), (BEIJING, G171, 10)),
        *_firms((BEIJING, MINING, 1000), (TIANJIN, G131, 50), (TIANJIN, G132, 50)),
        *_firms((TIANJIN, G171, 0), (WUZHONG, G132, 35), (WUZHONG, G171, 30)),
        *_firms((KUNSHAN, G132, 5), (KUNSHAN, G171, 30)),
        *_firms((WUZHONG, G131, 500), valid=False),
    ]
}


@pytest.fixture(scope="module")
def world() -> pd.DataFrame:
    return _truth(WORLD)


def test_rca_presence_diversity_and_ubiquity(world: pd.DataFrame) -> None:
    # RCA = (X_cg / X_c) / (X_g / X); rows only where X_cg > 0 (no Tianjin 171, Suzhou 131)
    assert _values(world, "rca", 2000) == pytest.approx(
        {
            (BEIJING, "131"): 0.8 / (13 / 30),  # 24/13 = 1.846
            (BEIJING, "132"): 0.1 * 3,  # 0.3
            (BEIJING, "171"): 0.1 / (7 / 30),  # 3/7 = 0.429
            (TIANJIN, "131"): 0.5 / (13 / 30),  # 15/13 = 1.154
            (TIANJIN, "132"): 0.5 * 3,  # 1.5
            (SUZHOU, "132"): 0.4 * 3,  # 1.2
            (SUZHOU, "171"): 0.6 / (7 / 30),  # 18/7 = 2.571
            # Kunshan (35) against the matrix's national shares
            (KUNSHAN, "132"): (5 / 35) * 3,  # 3/7
            (KUNSHAN, "171"): (30 / 35) / (7 / 30),  # 180/49 = 3.673
        }
    )
    assert _values(world, "diversity", 2000) == {
        (BEIJING, "total"): 1,
        (TIANJIN, "total"): 2,
        (SUZHOU, "total"): 2,
        (KUNSHAN, "total"): 1,
    }
    # over the matrix locations only: Kunshan's 171 does not count
    assert _values(world, "ubiquity", 2000) == {
        (None, "131"): 2,
        (None, "132"): 2,
        (None, "171"): 1,
    }


def test_an_rca_of_exactly_one_is_presence() -> None:
    # national 131: 80, 132: 40, 171: 40 of 160 (shares 1/2, 1/4, 1/4)
    # Beijing 20, 20 of 40: RCA 1, 2; Tianjin 60, 20, 40 of 120: RCA 1, 2/3, 4/3
    truth = _truth(
        {
            2000: _firms((BEIJING, G131, 20), (BEIJING, G132, 20), (TIANJIN, G131, 60))
            + _firms((TIANJIN, G132, 20), (TIANJIN, G171, 40))
        }
    )
    assert _values(truth, "diversity", 2000) == {(BEIJING, "total"): 2, (TIANJIN, "total"): 2}
    assert _values(truth, "ubiquity", 2000) == {
        (None, "131"): 2,
        (None, "132"): 1,
        (None, "171"): 1,
    }


def test_relatedness_density_has_a_zero_diagonal(world: pd.DataFrame) -> None:
    # co-occurrence: 131 & 132 in Tianjin, 132 & 171 in Suzhou; ubiquity 2, 2, 1
    # phi_gh = co_gh / max(k_g, k_h): phi(131,132) = 1/2, phi(132,171) = 1/2, phi(131,171) = 0
    # row sums of phi: 131 1/2, 132 1, 171 1/2; density = sum_h M_ch phi_gh / row sum
    expected = {
        BEIJING: (0, 0.5, 0),  # {131}: its own group adds nothing (phi_gg = 0)
        TIANJIN: (1, 0.5, 1),  # {131, 132}
        SUZHOU: (1, 0.5, 1),  # {132, 171}
        KUNSHAN: (0, 0.5, 0),  # {171}
    }
    assert _values(world, "relatedness_density", 2000) == pytest.approx(
        {
            (c, g): v
            for c, vs in expected.items()
            for g, v in zip(("131", "132", "171"), vs, strict=True)
        }
    )


def test_relatedness_density_is_null_for_a_group_related_to_nothing() -> None:
    # Beijing only 131, Tianjin only 171: no co-occurrence, every phi is 0
    truth = _truth({2000: _firms((BEIJING, G131, 100), (TIANJIN, G171, 100))})
    density = _values(truth, "relatedness_density", 2000)
    assert len(density) == 4 and all(np.isnan(v) for v in density.values())


def test_eci_pci_sign_standardisation_and_kunshan_projection(world: pd.DataFrame) -> None:
    # k_c = 1, 2, 2 (Beijing, Tianjin, Suzhou); k_g = 2, 2, 1 (131, 132, 171)
    # M~_gh = sum_c M_cg M_ch / (k_c k_g) = [[3/4, 1/4, 0], [1/4, 1/2, 1/4], [0, 1/2, 1/2]]
    # eigenvalues 1 and (3 +- sqrt5)/8; for (3 + sqrt5)/8 the first row gives
    # v = (1, (sqrt5 - 3)/2, 1 - sqrt5). ECI = mean over present groups:
    # Beijing 1, Tianjin (sqrt5 - 1)/4, Suzhou -(1 + sqrt5)/4 falls with diversity: flip.
    # Flipped ECI: mean -1/6, mean square 7/12, population SD sqrt5/3, so
    # ECI_std = -sqrt5/2, (sqrt5 - 3)/4, (sqrt5 + 3)/4 and PCI_std of the flipped
    # v = (-1, (3 - sqrt5)/2, sqrt5 - 1): -sqrt5/2, sqrt5 - 3/2, 3 - sqrt5/2.
    r5 = sqrt(5)
    pci = {(None, "131"): -r5 / 2, (None, "132"): r5 - 1.5, (None, "171"): 3 - r5 / 2}
    assert _values(world, "pci", 2000) == pytest.approx(pci)
    eci = _values(world, "eci", 2000)
    assert eci == pytest.approx(
        {
            (BEIJING, "total"): -r5 / 2,  # -1.118
            (TIANJIN, "total"): (r5 - 3) / 4,  # -0.191
            (SUZHOU, "total"): (r5 + 3) / 4,  # 1.309
            (KUNSHAN, "total"): 3 - r5 / 2,  # its only present group, 171: 1.882
        }
    )
    matrix = np.array([v for (city, _), v in eci.items() if city != KUNSHAN])
    assert matrix.mean() == pytest.approx(0, abs=1e-12)
    assert matrix.std(ddof=0) == pytest.approx(1)


def test_related_and_unrelated_variety() -> None:
    # a 2002 firm in class 1711 (0.6 to 2011 class 1711, 0.4 to 1751) gives Tianjin 60 in
    # group 171 and 40 in 175, both division 17
    split = _firms((TIANJIN, "1711", 100), vintage="2002")
    truth = _truth({2000: WORLD[2000] + split})
    h = lambda *p: -sum(x * log2(x) for x in p)  # noqa: E731 (entropy, base 2)
    # Beijing: 131 0.8, 132 0.1 (division 13: 0.9), 171 0.1 (division 17)
    # Tianjin: 131 50, 132 50 (division 13: 0.5), 171 60, 175 40 (division 17: 0.5)
    # Suzhou: 132 0.4 (13), 171 0.6 (17); Kunshan: 132 1/7, 171 6/7
    assert _values(truth, "unrelated_variety", 2000) == pytest.approx(
        {
            (BEIJING, "total"): h(0.9, 0.1),  # 0.469
            (TIANJIN, "total"): h(0.5, 0.5),  # 1
            (SUZHOU, "total"): h(0.4, 0.6),  # 0.971
            (KUNSHAN, "total"): h(1 / 7, 6 / 7),  # 0.592
        }
    )
    assert _values(truth, "related_variety", 2000) == pytest.approx(
        {
            (BEIJING, "total"): 0.9 * h(8 / 9, 1 / 9),  # 0.453
            (TIANJIN, "total"): 0.5 * h(0.5, 0.5) + 0.5 * h(0.6, 0.4),  # 0.985
            (SUZHOU, "total"): 0,  # one group per division
            (KUNSHAN, "total"): 0,
        }
    )


def test_shift_share_parts_sum_to_the_change() -> None:
    # 2000: Beijing 13: 100, 17: 100; Tianjin 13: 100; Chongqing 17: 50 (gone in 2001)
    # 2001: Beijing 13: 150, 17: 90, 26: 10 (new); Tianjin 13: 110, 17: 20; Shanghai 13: 40
    years = {
        2000: _firms((BEIJING, G131, 100), (BEIJING, G171, 100), (TIANJIN, G131, 100))
        + _firms((CHONGQING, G171, 50)),
        2001: _firms((BEIJING, G131, 150), (BEIJING, G171, 90), (BEIJING, G261, 10))
        + _firms((TIANJIN, G131, 110), (TIANJIN, G171, 20), (SHANGHAI, G131, 40)),
    }
    truth = _truth(years)
    # national 350 -> 420: G = 0.2; G_13 = 300/200 - 1 = 0.5; G_17 = 110/150 - 1 = -4/15;
    # division 26 has no G_i. national = X_c(t-1) G; mix = sum X_ci(t-1) (G_i - G);
    # competitive = sum X_ci(t) - X_ci(t-1) (1 + G_i)
    expected = {
        # 40; 100 * 0.3 + 100 * (-7/15) = -50/3; (150 - 150) + (90 - 220/3) + 10 = 80/3
        BEIJING: (40, -50 / 3, 80 / 3),  # sum 50 = 250 - 200
        TIANJIN: (20, 30, -20),  # (110 - 150) + 20: sum 30 = 130 - 100
        SHANGHAI: (0, 0, 40),  # new: all competitive
        CHONGQING: (10, -70 / 3, -110 / 3),  # gone: sum -50
    }
    parts = ("shift_share_national", "shift_share_industry_mix", "shift_share_competitive")
    for i, part in enumerate(parts):
        assert _values(truth, part, 2001) == pytest.approx(
            {(c, "total"): v[i] for c, v in expected.items()}
        )
        # no release before the first year, nor a year apart
        assert _values(truth, part, 2000) == {}
        assert _values(_truth({2000: years[2000], 2002: years[2001]}), part, 2002) == {}


def test_ellison_glaeser_gamma(world: pd.DataFrame) -> None:
    # firms spread exactly like manufacturing: Beijing 300 (x = 3/4), Tianjin 100 (1/4), and
    # each group 3/4 in Beijing, so G = 0 and gamma = -H / (1 - H)
    # 131: firms 100, 50 (Beijing), 50: H = 1/4 + 1/16 + 1/16 = 3/8, gamma = -3/5
    # 132: firms 150, 50: H = 9/16 + 1/16 = 5/8, gamma = -5/3
    spread = _firms((BEIJING, G131, 100), (BEIJING, G131, 50), (BEIJING, G132, 150))
    spread += _firms((TIANJIN, G131, 50), (TIANJIN, G132, 50))
    gamma = _values(_truth({2000: spread}), "eg_index", 2000)
    assert gamma == pytest.approx({(None, "131"): -3 / 5, (None, "132"): -5 / 3})
    # the world's 131: x = 1/3 each, s = (8/13, 5/13, 0): G = (11^2 + 2^2 + 13^2) / 39^2,
    # G / (1 - 1/3) = 49/169; one firm per city: H = (64 + 25)/169; gamma = -40/80
    assert _values(world, "eg_index", 2000)[(None, "131")] == pytest.approx(-0.5)


def test_group_rows_have_no_city_and_the_matrix_groups(world: pd.DataFrame) -> None:
    groups = world[world.indicator_id.isin(["pci", "ubiquity", "eg_index"])]
    assert groups.city_code.isna().all() and len(groups) == 9
    city = world[world.indicator_id.isin(["eci", "diversity", "related_variety"])]
    assert city.city_code.notna().all() and (city.breakdown == "total").all()
