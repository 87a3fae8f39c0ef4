"""The straightforward script kqexcel is compared with (not how kqexcel works).

pandas with the openpyxl engine reads the ledger; a Python loop plans row by row; openpyxl
writes the plan cell by cell with a note per row — what a hand-written script usually does.

    python benchmarks/naive_baseline.py LEDGER OUT
"""

from __future__ import annotations

import datetime as dt
import sys

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment

from kqexcel.core.ledger import vocabulary
from kqexcel.core.values import parse_date, parse_money, parse_ratio
from kqexcel.rules import load_rules

AS_OF = dt.date(2026, 11, 22)


def main(ledger: str, out: str) -> None:
    rules = load_rules()
    vocab = vocabulary(rules)
    frame = pd.read_excel(ledger, engine="openpyxl", header=2)
    rows = frame.to_dict("records")
    revenue = []
    for row in rows:  # a loop per row, parsing each cell
        value, _ = parse_money(row.get("年销售额"), vocab)
        revenue.append(value or 0.0)
    total = sum(v for v in revenue if v > 0) or 1.0
    order = sorted(range(len(rows)), key=lambda i: -revenue[i])
    tier, before = {}, 0.0
    for i in order:
        share = before / total
        tier[i] = "A" if share < 0.8 else "B" if share < 0.95 else "C"
        before += revenue[i]
    wb = Workbook()
    ws = wb.active
    ws.title = "跟进计划"
    plan_headers = [
        "价值层级",
        "累计占比",
        "利润",
        "盈利象限",
        "期望价值",
        "签约动机",
        "动机置信度",
        "性格类型",
        "决策所需接触",
        "还需接触",
        "生命周期",
        "续约底线",
        "满意线",
        "续约风险",
        "购买意向",
        "合作阶段",
        "优先级",
        "优先分",
        "下次联系日期",
        "逾期天数",
        "联系方式",
        "跟进目标",
        "话术要点",
        "建议提问",
        "预警",
        "依据",
    ]
    ws.append(list(frame.columns[:4]) + plan_headers + list(frame.columns[4:]))
    texts = rules["texts"]
    for i, row in enumerate(rows):
        margin, _ = parse_ratio(row.get("毛利率"), vocab)
        cost, _ = parse_money(row.get("服务成本"), vocab)
        profit = revenue[i] * (margin or 0) - (cost or 0)
        last, _ = parse_date(row.get("最近联系日期"), vocab)
        days = {"A": 7, "B": 14, "C": 30}[tier[i]]
        nxt = max(last + dt.timedelta(days=days), AS_OF) if last else AS_OF
        overdue = max(0, (AS_OF - last - dt.timedelta(days=days)).days) if last else 0
        score = {"A": 40, "B": 25, "C": 10}[tier[i]] + min(overdue, 30) // 3
        priority = "P1" if score >= 60 else "P2" if score >= 35 else "P3"
        style = "力量型" if row.get("决策风格") == "率直" else "和平型"
        talking = texts["style"]["eagle"]["approach_zh"] + "\n" + texts["stage"]["stable"]["zh"]
        why = f"价值层级 {tier[i]}：年销售额 {revenue[i]:,.0f}；利润 {profit:,.2f}；间隔 {days} 天"
        values = (
            [row.get(c) for c in frame.columns[:4]]
            + [
                tier[i],
                None,
                profit,
                "次赚钱",
                profit,
                "未知",
                0,
                style,
                2,
                1,
                "续签",
                None,
                None,
                None,
                row.get("购买意向"),
                row.get("合作阶段"),
                priority,
                score,
                nxt,
                overdue,
                "电话",
                "常规跟进",
                talking,
                None,
                "逾期未联系" if overdue else None,
                why,
            ]
            + [row.get(c) for c in frame.columns[4:]]
        )
        for j, value in enumerate(values, start=1):  # cell by cell
            if isinstance(value, float) and value != value:
                value = None
            ws.cell(i + 2, j, value)
        ws.cell(i + 2, 5).comment = Comment(why, "naive")
    wb.save(out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
