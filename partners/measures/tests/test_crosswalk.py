"""The crosswalk installer, end to end through Rscript, on a synthetic eq5d-shaped package.

The real table cannot be committed; these tests build an ``.rda`` with the same layout (a ``CW`` data frame,
rownames 11111..55555, a ``UK`` column) holding made-up numbers, and check the pipeline: tarball member,
sha256 pin, conversion, validation, installation and provenance.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from partners.measures.crosswalk import SYSDATA_MEMBER, InstallError, install_crosswalk
from partners.measures.engine import score

needs_r = pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript is not installed")

SYNTHETIC_R = r"""
args <- commandArgs(trailingOnly = TRUE)
g <- expand.grid(AD = 1:5, PD = 1:5, UA = 1:5, SC = 1:5, MO = 1:5)
states <- paste0(g$MO, g$SC, g$UA, g$PD, g$AD)
uk <- round(1 - 0.01 * (g$MO + g$SC + g$UA + g$PD + g$AD - 5), 3)
CW <- data.frame(UK = uk, Other = uk / 2, row.names = states)
if (args[2] == "with-cw") save(CW, file = args[1]) else { NOTCW <- CW; save(NOTCW, file = args[1]) }
"""
KNOWN = {"11111": 1.0, "11112": 0.99, "55555": 0.8}


def make_rda(directory: Path, kind: str = "with-cw") -> Path:
    script = directory / "make.R"
    script.write_text(SYNTHETIC_R)
    rda = directory / "sysdata.rda"
    subprocess.run(["Rscript", "--vanilla", str(script), str(rda), kind], check=True, capture_output=True)
    return rda


def make_tarball(directory: Path, rda: Path, member: str = SYSDATA_MEMBER) -> Path:
    tarball = directory / "eq5d_0.16.0.tar.gz"
    with tarfile.open(tarball, "w:gz") as archive:
        archive.add(rda, arcname=member)
        info = tarfile.TarInfo("eq5d/DESCRIPTION")
        text = b"Package: eq5d\n"
        info.size = len(text)
        archive.addfile(info, io.BytesIO(text))
    return tarball


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@needs_r
def test_a_pinned_tarball_is_converted_checked_and_installed_with_its_provenance(tmp_path, monkeypatch):
    rda = make_rda(tmp_path)
    tarball = make_tarball(tmp_path, rda)
    dest = tmp_path / "var" / "measures" / "eq5d5l-vanhout-crosswalk-uk.csv"
    installed = install_crosswalk(tarball, dest=dest, expected_sha256=sha(rda), known_values=KNOWN)
    assert installed.rows == 3125 and installed.path == dest
    lines = dest.read_text().splitlines()
    assert lines[0] == "state,index" and len(lines) == 3126
    provenance = json.loads(installed.provenance.read_text())
    assert provenance["sysdata_sha256"] == sha(rda) and provenance["rows"] == 3125
    monkeypatch.setenv("PARTNERS_VAR_DIR", str(tmp_path / "var"))
    assert score("eq-5d-5l", [2, 1, 1, 1, 3], value_set="vanhout-crosswalk").score == 0.97


@needs_r
def test_a_file_whose_sha256_differs_from_the_pin_is_refused(tmp_path):
    rda = make_rda(tmp_path)
    dest = tmp_path / "out.csv"
    with pytest.raises(InstallError, match="does not match the pinned"):
        install_crosswalk(rda, dest=dest, expected_sha256="0" * 64, known_values=KNOWN)
    assert not dest.exists()


@needs_r
def test_the_published_values_are_checked_before_installing(tmp_path):
    rda = make_rda(tmp_path)
    dest = tmp_path / "out.csv"
    with pytest.raises(InstallError, match=r"profile 11112 gives 0.99, but the published value is 0.879"):
        install_crosswalk(rda, dest=dest, expected_sha256=sha(rda))  # the real known values of measures.md
    assert not dest.exists()


@needs_r
def test_an_rda_without_the_crosswalk_table_is_refused(tmp_path):
    rda = make_rda(tmp_path, kind="without-cw")
    with pytest.raises(InstallError, match="no CW"):
        install_crosswalk(rda, dest=tmp_path / "out.csv", expected_sha256=sha(rda), known_values=KNOWN)


def test_a_tarball_without_the_data_file_is_refused(tmp_path):
    other = tmp_path / "x.rda"
    other.write_bytes(b"not R data")
    tarball = make_tarball(tmp_path, other, member="eq5d/R/other.rda")
    with pytest.raises(InstallError, match=r"no eq5d/R/sysdata\.rda inside"):
        install_crosswalk(tarball, dest=tmp_path / "out.csv")


def test_a_file_that_is_not_a_tarball_is_refused(tmp_path):
    bogus = tmp_path / "eq5d_0.16.0.tar.gz"
    bogus.write_bytes(b"hello")
    with pytest.raises(InstallError, match=r"not a readable \.tar\.gz"):
        install_crosswalk(bogus, dest=tmp_path / "out.csv")


def test_a_missing_source_file_is_refused(tmp_path):
    with pytest.raises(InstallError, match="no such file"):
        install_crosswalk(tmp_path / "absent.tar.gz", dest=tmp_path / "out.csv")


def test_without_rscript_the_installer_says_r_is_needed(tmp_path):
    rda = tmp_path / "sysdata.rda"
    rda.write_bytes(b"bytes")
    with pytest.raises(InstallError, match="no-such-rscript was not found"):
        install_crosswalk(rda, dest=tmp_path / "out.csv", expected_sha256=sha(rda), rscript="no-such-rscript")


def test_an_unreachable_download_says_how_to_install_offline(tmp_path):
    with pytest.raises(InstallError, match=r"could not download.*--from eq5d_0.16.0.tar.gz"):
        install_crosswalk(dest=tmp_path / "out.csv", urls=("https://127.0.0.1:9/eq5d.tar.gz", "http://x/y"),
                          timeout=2)
