"""Build the golden pairs' inputs (run to regenerate; the expected outputs come from
`KQ_UPDATE_GOLDEN=1 python -m pytest tests/test_golden_pairs.py`, to be read before committing).

Each case is a ledger as reps really keep them, in one of the formats kq reads:
- sample_ledger.xlsx: the bundled sample (40 customers, every rule path)
- messy_ledger.xlsx: the hand-checked messy ledger of tests/test_plan_golden.py
- gbk.csv: the messy ledger as a GBK CSV export with English and synonym headers
- english.xlsx: English headers, read with --lang en
- two_sheets.xlsx: a notes sheet first, the ledger second, blank columns and a total row
- messy_ledger.ods: the messy ledger saved by LibreOffice (soffice is needed to regenerate it)
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import subprocess
import tempfile
from pathlib import Path

from openpyxl import Workbook, load_workbook

HERE = Path(__file__).parent
ROOT = HERE.parent.parent.parent


def rows_of(path: Path) -> list[list[object]]:
    ws = load_workbook(path).worksheets[0]
    return [list(row) for row in ws.iter_rows(values_only=True)]


def cell(value: object) -> object:
    """A value as a CSV export writes it (GBK has the full-width yen sign, not ¥)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value).replace("¥", "￥") if isinstance(value, str) else value


def gbk_csv() -> None:
    rows = rows_of(ROOT / "tests" / "data" / "messy_ledger.xlsx")
    header_at = next(i for i, r in enumerate(rows) if "客户代码" in r)
    header = ["Customer ID", "单位名称", "Sales Rep", "片区", *rows[header_at][4:]]
    with (HERE / "gbk.csv").open("w", encoding="gbk", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for row in rows[header_at + 1 :]:
            writer.writerow([cell(v) for v in row])


def english() -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Customers"
    ws.append(
        [
            "Customer ID",
            "Customer",
            "Owner",
            "Region",
            "Revenue",
            "Gross margin",
            "Service cost",
            "Contract status",
            "Contract end",
            "Past results",
            "Current result",
            "Decisiveness",
            "Orientation",
            "Intent",
            "Stage",
            "Last contact",
            "Contacts",
            "Decision maker reached",
            "Open complaint",
            "Notes",
            "Phone",
        ]
    )
    data = [
        [
            "E1",
            "Acme Trading",
            "Li",
            "East",
            800000,
            0.3,
            20000,
            "renewal",
            dt.date(2026, 12, 20),
            "100, 120",
            70,
            "direct",
            "rational",
            "interested",
            "stable",
            dt.date(2026, 10, 1),
            3,
            "yes",
            None,
            "key account",
            "+86 21 5555 0101",
        ],
        [
            "E2",
            "Beta Foods",
            "Li",
            "East",
            120000,
            "25%",
            None,
            "new",
            dt.date(2027, 3, 1),
            None,
            None,
            "indecisive",
            "emotional",
            "hesitating",
            None,
            dt.date(2026, 11, 15),
            1,
            "no",
            "delivery",
            None,
            "+86 21 5555 0102",
        ],
        [
            "E3",
            "Gamma Tools",
            "Wang",
            "North",
            30000,
            0.05,
            5000,
            "lapsed",
            None,
            None,
            None,
            None,
            None,
            "not_now",
            "regressing",
            None,
            None,
            None,
            None,
            "lost to a rival",
            None,
        ],
        [
            "E4",
            "Delta Retail",
            "Wang",
            "North",
            None,
            None,
            None,
            "prospect",
            None,
            None,
            None,
            "direct",
            "emotional",
            "quoted",
            None,
            dt.date(2026, 9, 30),
            2,
            "no",
            None,
            None,
            None,
        ],
        [
            "E5",
            "Epsilon Co",
            "Wang",
            "North",
            "1.5m",
            0.2,
            0,
            "renewal",
            dt.date(2026, 1, 31),
            "90",
            95,
            None,
            None,
            None,
            None,
            dt.date(2026, 11, 20),
            5,
            "yes",
            None,
            None,
            None,
        ],
    ]
    for row in data:
        ws.append(row)
    wb.save(HERE / "english.xlsx")


def two_sheets() -> None:
    source = rows_of(ROOT / "templates" / "sample_ledger.xlsx")
    wb = Workbook()
    notes = wb.active
    notes.title = "说明"
    notes.append(["本文件第二张表是台账；这张表只有说明文字。"])
    ws = wb.create_sheet("2026年")
    ws.append(["华南区客户台账"])
    ws.append([])
    header = source[1]
    ws.append([*header[:3], None, *header[3:12]])  # a blank column between
    for row in source[2:14]:
        ws.append([*row[:3], None, *row[3:12]])
    ws.append(["合计", None, None, None, None, None, None, sum(r[6] or 0 for r in source[2:14])])
    wb.save(HERE / "two_sheets.xlsx")


def ods() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{tmp}/profile",
                "--headless",
                "--convert-to",
                "ods",
                "--outdir",
                tmp,
                str(HERE / "messy_ledger.xlsx"),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        shutil.copy(Path(tmp) / "messy_ledger.ods", HERE / "messy_ledger.ods")


if __name__ == "__main__":
    shutil.copy(ROOT / "templates" / "sample_ledger.xlsx", HERE / "sample_ledger.xlsx")
    shutil.copy(ROOT / "tests" / "data" / "messy_ledger.xlsx", HERE / "messy_ledger.xlsx")
    gbk_csv()
    english()
    two_sheets()
    ods()
