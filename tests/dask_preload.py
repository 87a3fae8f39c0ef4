"""Loaded into each test worker (``dask worker --preload``): reading a ledger named
``*kills_worker*`` ends the worker process as a crash inside a reader would (no exception, no
clean-up); every other ledger is read as usual."""

import os
from pathlib import Path

from kqexcel.io import report_io

_read = getattr(report_io, "_unpatched_read_one", report_io._read_one)  # once, if loaded twice
report_io._unpatched_read_one = _read


def _read_one(item):
    if "kills_worker" in Path(item[0]).name:
        os._exit(134)
    return _read(item)


report_io._read_one = _read_one
