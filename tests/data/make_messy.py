"""Build tests/data/messy_ledger.xlsx: a ledger as messy as real ones (run to regenerate).

Title row, blank rows, synonym headers with a unit, full-width text, 万/¥/% values, mixed date
spellings, placeholders, a duplicate id, a total row, unreadable values, formula-looking text and
carried-through columns. The expected plan is in tests/test_plan_golden.py, worked out by hand.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

HEADER = ["客户代码", "单位名称", "业务员", "片区", "年贡献（万元）", "毛利率", "服务成本", "签约状态",
          "历史效果", "本期效果", "决策风格", "沟通倾向", "购买意向", "合作阶段", "最近联系日期",
          "已接触决策层", "未结投诉", "承诺期限", "未兑现承诺", "主要期望", "发展阶段", "联系次数",
          "对接人", "微信号"]
ROWS = [
    ["C01", "东方贸易", "张三", "华东", 500, "30%", "¥50,000", "续签", "100；80；120", 70, "率直", "理性",
     "有意向", "稳定合作", "2026/11/1", "否", None, None, None, "品牌形象", "上升期", 1, "王经理", "wx_east"],
    ["C02", "ＡＢＣ 公司", "李四", "华北", "300", 0.25, 20000, "新签", None, None, "优柔", "感性",
     "犹豫", "初期合作", "2026年10月1日", "是", "服务", None, None, "成交", "初期", 3, "刘", '=HYPERLINK("http://x")'],
    ["C03", "=1+1", "张三", "华东", 150, 25, "1.5万", "续约", "10/12/11", 9, "—", "—",
     "暂不购买", "—", 20261020, "N/A", "-", None, None, "跟随同行", "艰难期", 2, None, None],
    ["C04", "西部商行", "王五", "西南", "abc", 0.2, None, "断签", None, None, "率直", "感性",
     None, "关系倒退", "2026.9.1", "无", None, None, None, None, None, None, None, "@SUM(1)"],
    ["C01", "重复客户", "张三", "华东", 1, 0.1, None, None, None, None, None, None,
     None, None, None, None, None, None, None, None, None, None, None, None],
    ["C05", "南方电子", "李四", "华南", 50, 0.01, 0, "潜在", None, None, "优柔", "理性",
     "已报价", "客户开发", dt.date(2026, 11, 20), "N", None, "2026-11-01", "寄送样品", "成交", "初期", 5, None, None],
    [None] * 24,
    ["C06", "北方建材", "王五", "华北", 20, "35%", 1000, "老客户", "5;6;7", 8, None, None,
     None, "战略合作", "2026-13-01", "是", None, None, None, None, None, "x", None, "+1+1"],
    ["合计", None, None, None, 1020, None, None, None, None, None, None, None,
     None, None, None, None, None, None, None, None, None, None, None, None],
]


def build(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(["华东区客户台账 2026年11月"])
    ws.append([])
    ws.append(HEADER)
    for row in ROWS:
        ws.append([None] * len(row))
        r = ws.max_row
        for c, value in enumerate(row, start=1):
            cell = ws.cell(r, c)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # literal text, even "=1+1"
    wb.save(path)
    return path


if __name__ == "__main__":
    print(build(Path(__file__).with_name("messy_ledger.xlsx")))
