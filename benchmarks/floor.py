"""What the libraries allow: read the ledger with python-calamine and write the same final plan
table with xlsxwriter (constant_memory), with no logic and no styling.

    python benchmarks/floor.py LEDGER PLAN_TABLE.pkl OUT

PLAN_TABLE.pkl holds the plan's rows as kq plan writes them (made by bench_plan.py before the
timed runs), so only reading and writing are timed.
"""

from __future__ import annotations

import pickle
import sys

import python_calamine as pc
import xlsxwriter


def main(ledger: str, table: str, out: str) -> None:
    rows = pc.CalamineWorkbook.from_path(ledger).get_sheet_by_index(0).to_python()
    assert rows
    with open(table, "rb") as handle:
        header, body = pickle.load(handle)
    wb = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "default_date_format": "yyyy-mm-dd",
        },
    )
    ws = wb.add_worksheet("跟进计划")
    ws.write_row(0, 0, header)
    for i, row in enumerate(body, start=1):
        ws.write_row(i, 0, row)
    wb.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
