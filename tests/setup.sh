#!/usr/bin/env bash
# Everything the test suite needs on a fresh machine: the package with its test and dask extras
# (a real scheduler and workers test `kq report --scheduler`), and
# the Debian packages below.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -e '.[test,dask]'
# Debian packages the tests use for real: LibreOffice opens what we write, poppler-utils reads
# its PDFs back (pdftotext, pdftoppm), a CJK font renders the Chinese, khal reads our calendars.
missing=()
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
command -v khal >/dev/null 2>&1 || missing+=(khal)
fc-list 2>/dev/null | grep -qiE 'wqy|noto.*cjk' || missing+=(fonts-wqy-microhei)
if [ "${#missing[@]}" -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "Installing ${missing[*]} for the integration tests…" >&2
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "No apt-get here: ${missing[*]} missing; the tests that need them are skipped (they fail in CI)." >&2
  fi
fi
