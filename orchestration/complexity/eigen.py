"""ECI and PCI by the eigenvector method, computed by the ecomplexity package (PyPI 0.5.3)
rather than re-derived, so the values are the Growth Lab's own."""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Iterator

import numpy as np
import pandas as pd

# the package's column roles, named as the frame handed to it names them
PACKAGE_COLUMNS = {"time": "time", "loc": "loc", "prod": "prod", "val": "val"}


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Swallow what the package writes: progress prints, its warnings (e.g. pandas 3's
    deprecation of `inplace=`) and numpy's, so a refresh's progress display stays clean."""
    with (
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
        warnings.catch_warnings(),
        np.errstate(all="ignore"),
    ):
        warnings.simplefilter("ignore")
        yield


def _package_input(values: np.ndarray) -> pd.DataFrame:
    """The positive cells in long form, keyed by row and column position. Integer keys make the
    package's sorted rectangle the same array as `values`; only positive cells are passed because
    under pandas 3 the package's `fillna(0, inplace=True)` on a NaN value is a silent no-op
    (copy-on-write), which would leave NaN in its RCA."""
    rows, cols = np.nonzero(values > 0)
    return pd.DataFrame({"time": 0, "loc": rows, "prod": cols, "val": values[rows, cols]})


def eci_pci(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ECI per row, PCI per column and the package's presence (boolean array) of a location ×
    group array of one year's values in which every row and column has a positive value.

    ECI/PCI are standardised by the package with the mean and population SD of ECI over the rows.
    Its defaults are kept (presence_test="rca", rca_mcp_threshold=1, val_errors_flag="coerce");
    only the log-supermodularity diagnostic is switched off: it changes no value, samples with
    numpy's global random state and costs time."""
    # imported here: the package imports scikit-learn (~0.7 s) and every load of the code
    # location imports this module
    from ecomplexity import ecomplexity

    with _quiet():
        out = ecomplexity(
            _package_input(values),
            PACKAGE_COLUMNS,
            presence_test="rca",
            val_errors_flag="coerce",
            rca_mcp_threshold=1,
            check_logsupermodularity=False,
            verbose=False,
        )
    eci = out.groupby("loc")["eci"].first().to_numpy(dtype=np.float64)
    pci = out.groupby("prod")["pci"].first().to_numpy(dtype=np.float64)
    mcp = out.pivot(index="loc", columns="prod", values="mcp").to_numpy() == 1
    return eci, pci, mcp
