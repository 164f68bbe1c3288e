"""citygvc's complexity code against the Growth Lab's Stata `ecomplexity` output.

The vectors are fixtures of cid-harvard/py-ecomplexity (tests/fixtures/ecomplexity/SOURCE.md):
the exports of 10 countries × 30 products in 1995 and 1996, and what the Stata command computed
from them with its defaults. Countries play the matrix locations, products the groups.

ECI and PCI scaling: Stata standardises ECI and PCI with the *sample* standard deviation of ECI
taken over the N location × product rows of the year (each location's ECI repeated once per
product), citygvc with the *population* SD over the locations. Repeating values changes no
mean, and the population SD of the repeated rows equals that of the locations, so
sd_stata = sd_citygvc × sqrt(N / (N - 1)) and citygvc's value × sqrt((N - 1) / N) is Stata's.
N is counted per year from the fixture (300 here: 10 × 30).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from orchestration.complexity.matrix import ComplexityResult, complexity_by_year, projected_eci

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ecomplexity"
TRADE_COLUMNS = {"origin": "location", "hs92": "group", "export_val": "value"}


@pytest.fixture(scope="module")
def stata() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "stata_ground_truth.csv").rename(columns=TRADE_COLUMNS)


@pytest.fixture(scope="module")
def result() -> ComplexityResult:
    trade = pd.read_csv(FIXTURES / "trade_data_sample.csv").rename(columns=TRADE_COLUMNS)
    return complexity_by_year(trade)


@pytest.fixture(scope="module")
def merged(result: ComplexityResult, stata: pd.DataFrame) -> pd.DataFrame:
    """One row per fixture row: Stata's columns and citygvc's (suffix _citygvc)."""
    ours = result.location_groups.merge(result.locations, on=["year", "location"]).merge(
        result.groups, on=["year", "group"]
    )
    return stata.merge(
        ours, on=["year", "location", "group"], how="left", suffixes=("", "_citygvc")
    )


def test_every_fixture_row_has_a_result(merged: pd.DataFrame, result: ComplexityResult) -> None:
    assert len(merged) == 600
    assert merged.rca_citygvc.notna().all()
    assert len(result.location_groups) == 600


def test_rca_presence_diversity_ubiquity(merged: pd.DataFrame) -> None:
    np.testing.assert_allclose(merged.rca_citygvc, merged.rca, rtol=1e-5)
    assert (merged.presence.astype(int) == merged.M).all()
    assert (merged.diversity_citygvc == merged.diversity).all()
    assert (merged.ubiquity_citygvc == merged.ubiquity).all()


def test_density_has_a_zero_diagonal_proximity(merged: pd.DataFrame) -> None:
    np.testing.assert_allclose(merged.density_citygvc, merged.density, rtol=0, atol=1e-4)


def test_eci_and_pci_after_the_sample_sd_scaling(merged: pd.DataFrame) -> None:
    rows = merged.groupby("year").year.transform("size")
    scale = np.sqrt((rows - 1) / rows)
    np.testing.assert_allclose(merged.eci_citygvc * scale, merged.eci, rtol=1e-5)
    np.testing.assert_allclose(merged.pci_citygvc * scale, merged.pci, rtol=1e-5)


def test_eci_is_the_mean_pci_of_the_present_groups(result: ComplexityResult) -> None:
    """The identity the projection of non-matrix locations rests on: under the package's
    normalisation a matrix location's ECI is the mean PCI over its present groups (found equal
    to 4.4e-16 here, i.e. to the last bits)."""
    for year, cells in result.location_groups.groupby("year"):
        wide = cells.pivot(index="location", columns="group", values="presence")
        pci = result.groups[result.groups.year == year].set_index("group").pci
        eci = result.locations[result.locations.year == year].set_index("location").eci
        projected = projected_eci(wide.to_numpy(dtype=int) == 1, pci[wide.columns].to_numpy())
        np.testing.assert_allclose(projected, eci[wide.index].to_numpy(), rtol=0, atol=1e-12)
