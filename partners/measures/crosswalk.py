"""Install the van Hout (2012) EQ-5D-5L crosswalk (UK 3L values) from the R package eq5d.

The crosswalk is a published 3,125-row lookup. This project may not commit fetched data, so the
installation obtains it: the MIT-licensed R package eq5d (CRAN) carries it as the ``CW`` table in
``R/sysdata.rda``. We pin eq5d 0.16.0 and the sha256 of that file inside its source tarball, so what we
convert is exactly what was checked. ``Rscript`` reads the ``.rda`` and writes ``state,index``; the result is
checked (3,125 distinct profiles, 11111 = 1, and the values ``measures.md`` gives: 11112 = 0.879,
55555 = -0.594) before it replaces ``<var>/measures/eq5d5l-vanhout-crosswalk-uk.csv``, with a provenance
file beside it.

No Django here; ``partners measures install-crosswalk`` (and ``make eq5d-crosswalk``) call it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from partners.measures.engine.model import ScoringError
from partners.measures.engine.valuesets import (
    CROSSWALK_FILENAME,
    CROSSWALK_SOURCE,
    measures_data_dir,
    parse_crosswalk_csv,
)

EQ5D_VERSION = "0.16.0"
TARBALL_NAME = f"eq5d_{EQ5D_VERSION}.tar.gz"
# The current release sits in src/contrib; once superseded, CRAN moves it to the archive.
DEFAULT_URLS: tuple[str, ...] = (
    f"https://cran.r-project.org/src/contrib/{TARBALL_NAME}",
    f"https://cran.r-project.org/src/contrib/Archive/eq5d/{TARBALL_NAME}",
)
SYSDATA_MEMBER = "eq5d/R/sysdata.rda"
# sha256 of eq5d 0.16.0's R/sysdata.rda (its MD5 file lists md5 10a48666060c9109770b0af13740da88).
SYSDATA_SHA256 = "cdce89012181e2652819ffd79d46e79c5143b4fd22f222396154e3b8fa9cb32c"
# Known values from shared/spec/measures.md, checked after conversion.
KNOWN_VALUES: Mapping[str, float] = {"11111": 1.0, "11112": 0.879, "55555": -0.594}
PROVENANCE_SUFFIX = ".provenance.json"

_R_SCRIPT = r"""
args <- commandArgs(trailingOnly = TRUE)
e <- new.env()
load(args[1], envir = e)
if (!exists("CW", envir = e, inherits = FALSE)) stop("the file has no CW (crosswalk) table")
cw <- get("CW", envir = e)
if (!("UK" %in% colnames(cw))) stop("the CW table has no UK column")
out <- data.frame(state = rownames(cw), index = cw[, "UK"], stringsAsFactors = FALSE)
write.csv(out, args[2], row.names = FALSE, quote = FALSE)
"""


class InstallError(Exception):
    """The crosswalk could not be obtained or did not pass its checks (the message says why)."""


@dataclass(frozen=True)
class Installed:
    path: Path
    provenance: Path
    origin: str
    rows: int


def crosswalk_destination() -> Path:
    return measures_data_dir() / CROSSWALK_FILENAME


def _member_from_tarball(data: bytes, origin: str) -> bytes:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            try:
                member = archive.getmember(SYSDATA_MEMBER)
            except KeyError:
                raise InstallError(f"{origin}: no {SYSDATA_MEMBER} inside; is this the eq5d source tarball?") from None
            handle = archive.extractfile(member)
            if handle is None:
                raise InstallError(f"{origin}: {SYSDATA_MEMBER} is not a regular file")
            return handle.read()
    except tarfile.TarError as exc:
        raise InstallError(f"{origin}: not a readable .tar.gz ({exc})") from None


def _read_source(source: Path) -> tuple[bytes, str]:
    if not source.is_file():
        raise InstallError(f"{source}: no such file")
    data = source.read_bytes()
    if source.suffix == ".rda":
        return data, str(source)
    return _member_from_tarball(data, str(source)), f"{source} ({SYSDATA_MEMBER})"


def _download(urls: Sequence[str], timeout: float) -> tuple[bytes, str]:
    failures = []
    for url in urls:
        if not url.startswith("https://"):
            failures.append(f"{url}: only https is used")
            continue
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - https only, checked above  # nosec B310
                data = response.read()
        except (urllib.error.URLError, OSError) as exc:
            failures.append(f"{url}: {getattr(exc, 'reason', exc)}")
            continue
        return _member_from_tarball(data, url), f"{url} ({SYSDATA_MEMBER})"
    raise InstallError(
        "could not download the eq5d package: " + "; ".join(failures) + ". On a machine without internet, "
        f"fetch {TARBALL_NAME} from CRAN elsewhere and run 'partners measures install-crosswalk --from "
        f"{TARBALL_NAME}'."
    )


def _convert(rda: bytes, rscript: str) -> str:
    executable = shutil.which(rscript)
    if executable is None:
        raise InstallError(f"{rscript} was not found: R is needed to read the eq5d package's data (install "
                           "r-base-core, or run this on a machine with R and copy the CSV it writes)")
    with tempfile.TemporaryDirectory(prefix="partners-eq5d-") as tmp:
        rda_path, csv_path = Path(tmp) / "sysdata.rda", Path(tmp) / "crosswalk.csv"
        script_path = Path(tmp) / "convert.R"
        rda_path.write_bytes(rda)
        script_path.write_text(_R_SCRIPT, encoding="utf-8")
        completed = subprocess.run(  # noqa: S603 - fixed argument list, no shell  # nosec B603
            [executable, "--vanilla", str(script_path), str(rda_path), str(csv_path)],
            capture_output=True, text=True, timeout=300, check=False,
        )
        if completed.returncode != 0:
            lines = [line.strip() for line in (completed.stderr or completed.stdout).splitlines() if line.strip()]
            errors = [line for line in lines if line.startswith("Error")] or lines[-1:] or ["no message"]
            raise InstallError(f"Rscript could not read the crosswalk table: {errors[0]}")
        return csv_path.read_text(encoding="utf-8")


def install_crosswalk(
    source: Path | None = None,
    *,
    dest: Path | None = None,
    urls: Sequence[str] = DEFAULT_URLS,
    expected_sha256: str = SYSDATA_SHA256,
    known_values: Mapping[str, float] = KNOWN_VALUES,
    timeout: float = 30.0,
    rscript: str = "Rscript",
) -> Installed:
    """Obtain, check, convert and install the crosswalk; returns where it went. Raises InstallError."""
    rda, origin = _read_source(source) if source is not None else _download(urls, timeout)
    digest = hashlib.sha256(rda).hexdigest()
    if digest != expected_sha256:
        raise InstallError(f"{origin}: sha256 {digest} does not match the pinned {expected_sha256} "
                           f"(eq5d {EQ5D_VERSION}); refusing to use it")
    text = _convert(rda, rscript)
    try:
        table = parse_crosswalk_csv(text, f"crosswalk converted from {origin}")
    except ScoringError as exc:
        raise InstallError(str(exc)) from None
    for state, expected in known_values.items():
        if abs(table[state] - expected) > 1e-9:
            raise InstallError(f"{origin}: profile {state} gives {table[state]}, but the published value is "
                               f"{expected}; refusing to install")
    dest = dest or crosswalk_destination()
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, dest)
    provenance = dest.with_name(dest.name + PROVENANCE_SUFFIX)
    provenance.write_text(json.dumps({
        "table": "EQ-5D-5L crosswalk, UK EQ-5D-3L values",
        "source": CROSSWALK_SOURCE,
        "package": f"eq5d {EQ5D_VERSION} (MIT licence)",
        "obtained_from": origin,
        "sysdata_sha256": digest,
        "rows": len(table),
        "checked_values": dict(known_values),
        "installed_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }, indent=2) + "\n", encoding="utf-8")
    return Installed(path=dest, provenance=provenance, origin=origin, rows=len(table))
