"""Small cases of orchestration.complexity computed by hand (the arithmetic is in the comments).

The main case: three matrix cities A, B, C (output 10 each, X = 30) in groups x, y, z:

        x   y   z
    A   5   4   1
    B   1   4   5
    C   1   1   8      group totals 7, 9, 14: national shares 7/30, 9/30, 14/30

RCA_cg = (X_cg / 10) / (X_g / 30) = 3 X_cg / X_g:
    A: 15/7, 12/9 = 4/3, 3/14      -> present in x, y
    B:  3/7, 4/3, 15/14            -> present in y, z
    C:  3/7, 3/9 = 1/3, 24/14      -> present in z
diversity A 2, B 2, C 1; ubiquity x 1, y 2, z 2.

Proximity, co-occurrences / max(ubiquity): x–y share A: 1/max(1, 2) = 1/2; y–z share B:
1/max(2, 2) = 1/2; x–z share none: 0; the diagonal 0. Row sums: x 1/2, y 1, z 1/2.
Density_cg = sum_h M_ch phi_gh / sum_h phi_gh:
    x: M_cy (1/2) / (1/2) = M_cy           -> A 1, B 1, C 0
    y: (M_cx / 2 + M_cz / 2) / 1           -> A 1/2, B 1/2, C 1/2
    z: M_cy (1/2) / (1/2) = M_cy           -> A 1, B 1, C 0
(With phi_gg = 1, as the Python package has it, A's density in y would be 3/4.)

ECI / PCI. Mpp[p, p'] = sum_c M_cp M_cp' / (ubiquity_p diversity_c):
    x: [1/2, 1/2, 0]   y: [1/4, 1/2, 1/4]   z: [0, 1/4, 3/4]
Rows sum to 1 (eigenvalue 1); trace 7/4 and determinant 1/16 leave the eigenvalues
(3 ± sqrt5) / 8. For lambda = (3 + sqrt5) / 8: row x gives v_y = (2 lambda - 1) v_x =
(sqrt5 - 1) / 4 · v_x, row z gives v_z = -v_y / (3 - 4 lambda) = -(sqrt5 + 1) / 4 · v_x.
kp = (1, (sqrt5 - 1)/4, -(sqrt5 + 1)/4); kc = mean kp over present groups =
((3 + sqrt5)/8, -1/4, -(sqrt5 + 1)/4), which rises with diversity (2, 2, 1): sign kept.
Mean of kc m = -(1 + sqrt5)/24, population SD (5 + sqrt5)/12; (k - m) / SD gives
    ECI  A (3 + sqrt5)/4 = 1.3090   B (sqrt5 - 3)/4 = -0.1910   C -sqrt5/2 = -1.1180
    PCI  x 3 - sqrt5/2 = 1.8820     y sqrt5 - 3/2 = 0.7361      z -sqrt5/2 = -1.1180
and ECI = the mean PCI of the present groups: A (PCI_x + PCI_y)/2 = (3 + sqrt5)/4.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from orchestration.complexity.matrix import (
    ComplexityResult,
    complexity_by_year,
    complexity_of_year,
)

SQRT5 = np.sqrt(5.0)
MAIN = {"A": (5, 4, 1), "B": (1, 4, 5), "C": (1, 1, 8)}


def cells(rows: dict[str, tuple[float, ...]], groups: str = "xyz") -> pd.DataFrame:
    return pd.DataFrame(
        [
            (location, group, float(value))
            for location, values in rows.items()
            for group, value in zip(groups, values, strict=True)
        ],
        columns=["location", "group", "value"],
    )


def column(result: ComplexityResult, name: str) -> dict[tuple[str, str], float]:
    frame = result.location_groups
    return dict(zip(zip(frame.location, frame.group, strict=True), frame[name], strict=True))


@pytest.fixture(scope="module")
def main() -> ComplexityResult:
    return complexity_of_year(cells(MAIN))


def test_rca_presence_diversity_ubiquity(main: ComplexityResult) -> None:
    expected_rca = {
        ("A", "x"): 15 / 7, ("A", "y"): 4 / 3, ("A", "z"): 3 / 14,
        ("B", "x"): 3 / 7, ("B", "y"): 4 / 3, ("B", "z"): 15 / 14,
        ("C", "x"): 3 / 7, ("C", "y"): 1 / 3, ("C", "z"): 12 / 7,
    }  # fmt: skip
    rca = column(main, "rca")
    assert rca.keys() == expected_rca.keys()
    for key, value in expected_rca.items():
        assert rca[key] == pytest.approx(value, rel=1e-12)
    present = {key for key, value in column(main, "presence").items() if value == 1}
    assert present == {("A", "x"), ("A", "y"), ("B", "y"), ("B", "z"), ("C", "z")}
    assert main.locations.diversity.tolist() == [2, 2, 1]
    assert main.groups.ubiquity.tolist() == [1, 2, 2]


def test_density_with_a_zero_diagonal(main: ComplexityResult) -> None:
    expected = {
        ("A", "x"): 1, ("A", "y"): 0.5, ("A", "z"): 1,
        ("B", "x"): 1, ("B", "y"): 0.5, ("B", "z"): 1,
        ("C", "x"): 0, ("C", "y"): 0.5, ("C", "z"): 0,
    }  # fmt: skip
    assert column(main, "density") == pytest.approx(expected, abs=1e-12)


def test_eci_and_pci_in_closed_form(main: ComplexityResult) -> None:
    assert main.locations.location.tolist() == ["A", "B", "C"]
    eci = [(3 + SQRT5) / 4, (SQRT5 - 3) / 4, -SQRT5 / 2]
    pci = [3 - SQRT5 / 2, SQRT5 - 1.5, -SQRT5 / 2]
    np.testing.assert_allclose(main.locations.eci, eci, rtol=0, atol=1e-9)
    np.testing.assert_allclose(main.groups.pci, pci, rtol=0, atol=1e-9)


def test_a_location_outside_the_matrix_is_measured_against_it(main: ComplexityResult) -> None:
    """K (x 3, y 1, z 6; total 10), e.g. a county-level city inside B: RCA against the national
    shares x 7/30, y 9/30, z 14/30 is x (3/10)/(7/30) = 9/7, y (1/10)/(9/30) = 1/3,
    z (6/10)/(14/30) = 9/7, so K is present in x and z (diversity 2). Its ECI by projection is
    (PCI_x + PCI_z) / 2 = (3 - sqrt5/2 - sqrt5/2) / 2 = (3 - sqrt5) / 2. Density with the
    matrix's phi: x M_Ky = 0, y (M_Kx + M_Kz) / 2 = 1, z M_Ky = 0."""
    result = complexity_of_year(cells(MAIN), cells({"K": (3, 1, 6)}))
    k = result.location_groups[result.location_groups.location == "K"]
    np.testing.assert_allclose(k.rca, [9 / 7, 1 / 3, 9 / 7], rtol=1e-12)
    assert k.presence.tolist() == [1, 0, 1]
    np.testing.assert_allclose(k.density, [0, 1, 0], atol=1e-12)
    row = result.locations.set_index("location").loc["K"]
    assert row.diversity == 2
    assert row.eci == pytest.approx((3 - SQRT5) / 2, abs=1e-9)
    # the others change nothing of the matrix
    matrix_rows = result.location_groups[result.location_groups.location != "K"]
    pd.testing.assert_frame_equal(matrix_rows.reset_index(drop=True), main.location_groups)
    pd.testing.assert_frame_equal(result.groups, main.groups)


def test_others_groups_outside_the_matrix_and_without_presence() -> None:
    """K2 (x 3, w 10): w has no national share, so RCA NaN and presence <NA>; x is
    (3/13)/(7/30) = 90/91 < 1, so K2 has no presence: diversity 0, ECI NaN, and only its two
    positive cells as rows (density x = M_y = 0; w none).
    K3 (y 4, w 6): y is (4/10)/(9/30) = 4/3, present; ECI = PCI_y = sqrt5 - 3/2. Having a
    presence it gets a row in every matrix group: x and z not observed (RCA NaN, presence <NA>)
    with density M_y = 1, y with density (M_x + M_z)/2 = 0; plus its w row."""
    others = pd.concat([cells({"K2": (3, 10)}, groups="xw"), cells({"K3": (4, 6)}, groups="yw")])
    result = complexity_of_year(cells(MAIN), others)
    frame = result.location_groups.set_index(["location", "group"])
    k2 = frame.loc["K2"]
    assert k2.index.tolist() == ["w", "x"]
    assert np.isnan(k2.rca["w"]) and k2.presence.isna()["w"]
    assert k2.rca["x"] == pytest.approx(90 / 91, rel=1e-12) and k2.presence["x"] == 0
    assert k2.density["x"] == 0 and np.isnan(k2.density["w"])
    k3 = frame.loc["K3"]
    assert k3.index.tolist() == ["w", "x", "y", "z"]
    assert k3.presence.isna().tolist() == [True, True, False, True]
    assert k3.rca["y"] == pytest.approx(4 / 3, rel=1e-12) and k3.presence["y"] == 1
    np.testing.assert_allclose(k3.density, [np.nan, 1, 0, 1], atol=1e-12)
    locations = result.locations.set_index("location")
    assert locations.diversity.to_dict() == {"A": 2, "B": 2, "C": 1, "K2": 0, "K3": 1}
    assert np.isnan(locations.eci["K2"])
    assert locations.eci["K3"] == pytest.approx(SQRT5 - 1.5, abs=1e-9)
    assert result.groups.group.tolist() == ["x", "y", "z"]


def test_unobserved_cells_and_groups_related_to_none() -> None:
    """A (x 1, y 1), B (x 2, y 0: a zero is no observation). Shares x 3/4, y 1/4. RCA: A x
    (1/2)/(3/4) = 2/3, A y (1/2)/(1/4) = 2, B x 1/(3/4) = 4/3. A is present in y only, B in x
    only: no group co-occurs with another, phi = 0, so every density is NaN. B has a presence, so
    B-y is a row, with RCA NaN and presence <NA>."""
    result = complexity_of_year(cells({"A": (1, 1), "B": (2, 0)}, groups="xy"))
    frame = result.location_groups
    assert list(zip(frame.location, frame.group, strict=True)) == [
        ("A", "x"), ("A", "y"), ("B", "x"), ("B", "y"),
    ]  # fmt: skip
    np.testing.assert_allclose(frame.rca, [2 / 3, 2, 4 / 3, np.nan], rtol=1e-12)
    assert frame.presence.tolist()[:3] == [0, 1, 1] and frame.presence.isna().tolist()[3]
    assert frame.density.isna().all()


def test_many_years() -> None:
    """Year 2 doubles every value of year 1 (shares, RCA, PCI unchanged); K of year 3 has no
    matrix that year and is left out."""
    year1 = cells(MAIN).assign(year=2001)
    year2 = cells(MAIN).assign(year=2002, value=lambda d: d.value * 2)
    others = pd.concat(
        [cells({"K": (3, 1, 6)}).assign(year=2001), cells({"K": (3, 1, 6)}).assign(year=2003)]
    )
    result = complexity_by_year(pd.concat([year2, year1]), others)
    single = complexity_of_year(cells(MAIN), cells({"K": (3, 1, 6)}))
    assert result.locations.columns.tolist() == ["year", "location", "eci", "diversity"]
    assert result.locations.year.tolist() == [2001] * 4 + [2002] * 3
    assert result.groups.columns.tolist() == ["year", "group", "pci", "ubiquity"]
    assert result.location_groups.columns[0] == "year"
    first = result.location_groups[result.location_groups.year == 2001].drop(columns="year")
    pd.testing.assert_frame_equal(first.reset_index(drop=True), single.location_groups)
    np.testing.assert_allclose(
        result.groups.pci[result.groups.year == 2002], single.groups.pci, atol=1e-12
    )


def test_the_package_stays_silent(capsys: pytest.CaptureFixture[str]) -> None:
    """With a single group the package's eigenvector step fails and prints the error; that and
    its warnings stay out of the console, and ECI / PCI are NaN. Both cities have RCA exactly
    (X_c / X_c) / (X / X) = 1, so both are present."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = complexity_of_year(cells({"A": (1,), "B": (3,)}, groups="x"))
    assert caught == []
    assert capsys.readouterr() == ("", "")
    assert result.locations.diversity.tolist() == [1, 1]
    assert result.locations.eci.isna().all() and result.groups.pci.isna().all()


def test_inputs_are_checked() -> None:
    with pytest.raises(ValueError, match="more than one row"):
        complexity_of_year(pd.concat([cells(MAIN), cells({"A": (1, 1, 1)})]))
    with pytest.raises(ValueError, match="both in the matrix and among the others"):
        complexity_of_year(cells(MAIN), cells({"A": (1, 1, 1)}))
    with pytest.raises(ValueError, match="without location or group"):
        complexity_of_year(cells({None: (1, 1, 1)}))
    with pytest.raises(ValueError, match="lacks columns"):
        complexity_of_year(cells(MAIN).drop(columns="value"))
    empty = complexity_of_year(cells(MAIN).assign(value=0.0), cells({"K": (3, 1, 6)}))
    assert empty.location_groups.empty and empty.locations.empty and empty.groups.empty
