"""One LP model kept across solves. The audit and the completion solve many LPs on the same
constraints A·z = 0 that differ only in their objective and bounds (a system's joint pushes
and exact sides, a linked set's perturbations): HiGHS keeps the model and starts each solve
from the previous optimal basis, a few pivots away instead of a cold start, and the model is
passed to it once instead of per call. A solve HiGHS does not finish optimally (or finds
infeasible, which the truth rules out for every LP here) is solved again cold through
tables.solve_lp and its fallbacks, so the warm path only ever saves time."""

from __future__ import annotations

import os
from functools import cache

import highspy
import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, OptimizeResult

from orchestration.disclosure.tables import HIGHS_ATTEMPTS, solve_lp

_STATUS = {
    highspy.HighsModelStatus.kOptimal: 0,
    highspy.HighsModelStatus.kUnbounded: 3,
}


@cache
def _silence_banner() -> None:
    """HiGHS prints its banner to the process's standard output (C level, not sys.stdout)
    when the first model is made: made once here with that output sent to /dev/null, so it
    never reaches the refresh's progress display."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    saved = os.dup(1)
    try:
        os.dup2(devnull, 1)
        highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


class WarmLP:
    """min c·z subject to A·z = 0 and lower ≤ z ≤ upper, for changing c and bounds."""

    def __init__(self, matrix: sparse.csc_array) -> None:
        _silence_banner()
        self.matrix = sparse.csc_array(matrix)
        self.n = self.matrix.shape[1]
        self.columns = np.arange(self.n, dtype=np.int32)
        self.highs = highspy.Highs()
        for name, value in {"output_flag": False, **HIGHS_ATTEMPTS[0]}.items():
            self.highs.setOptionValue(name, value)
        self.highs.passModel(self._model())

    def _model(self) -> highspy.HighsLp:
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = self.n, self.matrix.shape[0]
        lp.col_cost_ = np.zeros(self.n)
        lp.col_lower_ = np.zeros(self.n)
        lp.col_upper_ = np.full(self.n, highspy.kHighsInf)
        lp.row_lower_ = lp.row_upper_ = np.zeros(self.matrix.shape[0])
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = self.matrix.indptr
        lp.a_matrix_.index_ = self.matrix.indices
        lp.a_matrix_.value_ = self.matrix.data
        return lp

    def solve(self, objective: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> OptimizeResult:
        """status 0 (optimal, with x) or 3 (unbounded), as scipy's milp reports them."""
        inf = highspy.kHighsInf
        self.highs.changeColsCost(self.n, self.columns, objective)
        self.highs.changeColsBounds(
            self.n, self.columns, np.maximum(lower, -inf), np.minimum(upper, inf)
        )
        self.highs.run()
        status = _STATUS.get(self.highs.getModelStatus())
        if status is None:  # not finished optimally: the cold path and its fallbacks
            constraints = LinearConstraint(self.matrix, 0.0, 0.0)
            return solve_lp(objective, constraints, Bounds(lower, upper))
        x = np.array(self.highs.getSolution().col_value) if status == 0 else None
        return OptimizeResult(status=status, x=x)
