#!/usr/bin/env bash
# Everything the test suite needs on a fresh machine: the package with its test extras, and
# LibreOffice (Debian libreoffice-calc-nogui), which the integration tests open plans in.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -e '.[test]'
if ! command -v soffice >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "Installing LibreOffice (libreoffice-calc-nogui) for the integration tests…" >&2
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui >/dev/null
  else
    echo "LibreOffice not found and no apt-get here: its tests will be skipped (they fail in CI)." >&2
  fi
fi
