"""Small ledgers and plan sheets for the edge-case tests (written with openpyxl in tmp_path)."""

from __future__ import annotations

from pathlib import Path

import openpyxl


def write_rows(path: Path, rows: list[list[object]], sheet: str = "台账") -> Path:
    """A one-sheet workbook at ``path`` holding ``rows`` (the first row is the header)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def sheet_records(path: Path, sheet: str) -> list[dict[str, object]]:
    """The rows of ``sheet`` in the workbook at ``path`` as dicts keyed by its header row."""
    ws = openpyxl.load_workbook(path)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
