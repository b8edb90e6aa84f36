"""Fit many datasets with R's lme4 ``lmer(REML = TRUE)`` in ONE Rscript call, for the comparison tests.

There is no skipping: if Rscript or lme4 is missing the tests that use this fail (CI installs
``r-base-core r-cran-lme4``). Numbers cross the boundary as text with 17 significant digits.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

R_SCRIPT = r"""
suppressPackageStartupMessages(library(lme4))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)
specs <- read.csv(args[2], stringsAsFactors = FALSE)
tight_ctrl <- lmerControl(optimizer = "nloptwrap", calc.derivs = FALSE,
  optCtrl = list(xtol_abs = 1e-14, ftol_abs = 1e-15, xtol_rel = 1e-14, ftol_rel = 1e-15, maxeval = 1e5))
out <- file(args[3], "w")
put <- function(id, key, value) writeLines(sprintf("%s,%s,%.17g", id, key, value), out)
for (i in seq_len(nrow(specs))) {
  id <- specs$id[i]
  sub <- d[d$dataset == specs$dataset[i], ]
  sub$cluster <- factor(sub$cluster)
  ctrl <- if (specs$tight[i]) tight_ctrl else lmerControl()
  f <- suppressMessages(suppressWarnings(lmer(as.formula(specs$formula[i]), data = sub, REML = TRUE,
                                              control = ctrl)))
  b <- fixef(f)
  s <- sqrt(diag(as.matrix(vcov(f))))
  for (j in seq_along(b)) { put(id, paste0("beta:", names(b)[j]), b[j]); put(id, paste0("se:", names(b)[j]), s[j]) }
  vc <- as.data.frame(VarCorr(f))
  put(id, "tau2", vc$vcov[vc$grp == "cluster"])
  put(id, "sigma2", vc$vcov[vc$grp == "Residual"])
  put(id, "theta", getME(f, "theta"))
  put(id, "remlcrit", REMLcrit(f))
}
close(out)
"""


@dataclass
class LmerResult:
    beta: dict[str, float]
    se: dict[str, float]
    tau2: float
    sigma2: float
    theta: float
    remlcrit: float

    @property
    def icc(self) -> float:
        return self.tau2 / (self.tau2 + self.sigma2)


@dataclass
class Dataset:
    """One dataset: outcome ``y``, cluster labels, and named numeric covariate columns."""

    y: np.ndarray
    cluster: Sequence[str]
    columns: dict[str, np.ndarray | list[str]]


def rscript() -> str:
    path = shutil.which("Rscript")
    if path is None:
        raise AssertionError("Rscript is not installed: install r-base-core and r-cran-lme4 (CI does)")
    return path


def _cell(value: object) -> str:
    if isinstance(value, str):
        return value
    number = float(value)  # type: ignore[arg-type]
    return "" if np.isnan(number) else repr(number)


def lmer_many(datasets: Sequence[Dataset], formulas: Sequence[Sequence[str]],
              modes: Sequence[str] = ("default",)) -> dict[tuple[int, int, str], LmerResult]:
    """For dataset ``i`` fit each formula ``formulas[i][j]`` (right-hand side; ``+ (1 | cluster)`` is added) in
    each mode: ``default`` is ``lmer()`` as shipped, ``tight`` the same optimiser run to convergence
    (``xtol_abs = 1e-14``, ``ftol_abs = 1e-15``). Returns results keyed by ``(i, j, mode)``. Missing values
    (NaN) are written as NA and dropped by lmer."""
    names = sorted({name for ds in datasets for name in ds.columns})
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        data_path = tmpdir / "data.csv"
        with data_path.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["dataset", "cluster", "y", *names])
            for i, ds in enumerate(datasets):
                for k in range(ds.y.size):
                    row = [i, ds.cluster[k], _cell(ds.y[k])]
                    row += [_cell(ds.columns[n][k]) if n in ds.columns else "" for n in names]
                    writer.writerow(row)
        spec_path = tmpdir / "specs.csv"
        keys = []
        with spec_path.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["id", "dataset", "formula", "tight"])
            for i, rhs_list in enumerate(formulas):
                for j, rhs in enumerate(rhs_list):
                    for mode in modes:
                        key = f"d{i}m{j}{mode}"
                        keys.append((i, j, mode, key))
                        writer.writerow([key, i, f"y ~ {rhs} + (1 | cluster)", str(mode == "tight").upper()])
        script = tmpdir / "fit.R"
        script.write_text(R_SCRIPT)
        out_path = tmpdir / "out.csv"
        proc = subprocess.run([rscript(), str(script), str(data_path), str(spec_path), str(out_path)],
                              capture_output=True, text=True, timeout=600, check=False)
        if proc.returncode != 0:
            raise AssertionError(f"Rscript/lme4 failed (is r-cran-lme4 installed?):\n{proc.stderr[-2000:]}")
        values: dict[str, dict[str, float]] = {}
        for line in out_path.read_text().splitlines():
            key, name, value = line.split(",")
            values.setdefault(key, {})[name] = float(value)
    results: dict[tuple[int, int, str], LmerResult] = {}
    for i, j, mode, key in keys:
        v = values[key]
        results[(i, j, mode)] = (LmerResult(
            beta={k[5:]: x for k, x in v.items() if k.startswith("beta:")},
            se={k[3:]: x for k, x in v.items() if k.startswith("se:")},
            tau2=v["tau2"], sigma2=v["sigma2"], theta=v["theta"], remlcrit=v["remlcrit"]))
    return results
