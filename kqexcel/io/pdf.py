"""A written workbook as PDF, through headless LibreOffice (``soffice --convert-to pdf``).

The print layout (landscape, fit to width, repeated header rows, the Chinese font) is the
workbook's own, set by its template: this module only converts and puts the PDF in place."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import IO

from kqexcel.errors import KqError, OutputError
from kqexcel.io.files import atomic_write

TIMEOUT = 300  # seconds: a 300-ledger report converts in well under a minute
SAID_MOST = 200  # characters of LibreOffice's own last line shown in an error
NAMES = ("soffice", "libreoffice")
# where the installers put it when it is not on PATH (Windows, macOS)
KNOWN_PLACES = (
    Path("C:/Program Files/LibreOffice/program/soffice.exe"),
    Path("C:/Program Files (x86)/LibreOffice/program/soffice.exe"),
    Path("/Applications/LibreOffice.app/Contents/MacOS/soffice"),
)


def find_soffice() -> str:
    """The LibreOffice binary: the one ``KQ_SOFFICE`` names, else ``soffice`` or
    ``libreoffice`` on PATH, else where the installers put it; an error when there is none."""
    named = os.environ.get("KQ_SOFFICE", "").strip()
    if named:
        found = shutil.which(named)
        if found is None:
            raise OutputError("pdf_soffice_missing", path=named)
        return found
    for name in NAMES:
        found = shutil.which(name)
        if found is not None:
            return found
    for place in KNOWN_PLACES:
        if place.is_file() and os.access(place, os.X_OK):
            return str(place)
    raise OutputError("pdf_no_libreoffice")


def to_pdf(
    xlsx: Path, pdf: Path, force: bool, *, soffice: str | None = None, timeout: float = TIMEOUT
) -> Path:
    """``xlsx`` converted to ``pdf`` (written atomically; ``force``: replace an existing one).
    ``soffice``: the binary (default :func:`find_soffice`). Each run has a fresh LibreOffice
    profile, so a LibreOffice the user has open (and its profile's lock) does not get in the
    way; the PDF is made in a temporary folder and only then moved into place."""
    binary = soffice or find_soffice()
    with tempfile.TemporaryDirectory(prefix="kq-pdf-") as work:
        profile, outdir = Path(work) / "profile", Path(work) / "out"
        outdir.mkdir()
        command = [
            binary,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(xlsx.resolve()),  # absolute: a name starting with "-" is not an option
        ]
        code, said = _run(command, timeout, xlsx, pdf)
        made = sorted(outdir.glob("*.pdf"))
        if code != 0:
            why = KqError("pdf_exit_code", code=code, said=said)
            raise OutputError("pdf_failed", xlsx=xlsx, pdf=pdf, why=why)
        if not made:  # LibreOffice says "source file could not be loaded" and exits 0
            why = KqError("pdf_no_output", said=said)
            raise OutputError("pdf_failed", xlsx=xlsx, pdf=pdf, why=why)
        atomic_write(pdf, force, lambda stream: _copy(made[0], stream))
    return pdf


def _run(command: list[str], timeout: float, xlsx: Path, pdf: Path) -> tuple[int, str | KqError]:
    """Run the converter (no shell, no input) and return its exit code and its last line; on
    timeout or Ctrl-C it is stopped with every process it started."""
    try:
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=os.name == "posix",  # its own group: stopped with its children
        )
    except OSError as exc:  # KQ_SOFFICE names a file that is not a program
        raise OutputError("pdf_failed", xlsx=xlsx, pdf=pdf, why=exc.strerror or exc) from None
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(proc)
        why = KqError("pdf_timeout", seconds=f"{timeout:g}")
        raise OutputError("pdf_failed", xlsx=xlsx, pdf=pdf, why=why) from None
    except BaseException:
        _stop(proc)
        raise
    return proc.returncode, _last_line(err) or _last_line(out) or KqError("pdf_silent")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the converter and what it started (soffice is a script that starts soffice.bin)."""
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except OSError:  # already gone
        pass
    proc.communicate()


def _last_line(data: bytes) -> str:
    """The converter's last non-empty line, shortened (its own words, passed on)."""
    lines = [line.strip() for line in data.decode("utf-8", "replace").splitlines()]
    said = next((line for line in reversed(lines) if line), "")
    return said if len(said) <= SAID_MOST else said[: SAID_MOST - 1] + "…"


def _copy(source: Path, stream: IO[bytes]) -> None:
    with source.open("rb") as handle:
        shutil.copyfileobj(handle, stream)
