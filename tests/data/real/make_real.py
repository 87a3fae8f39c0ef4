"""Build the real-shaped ledgers in tests/data/real/ (python tests/data/real/make_real.py).

Ledgers laid out the way Chinese reps and CRM exports really keep them, for the golden tests of
header recognition and date reading (issue "3/8 Real ledgers"). All data is fixed and fictional
(made-up stores, companies, people and phone numbers); nothing is random. What each file should
read as is in EXPECTED.md next to this script.

    store_list.xlsx               a rep's 门店清单: 店名, 业务归属, 合同金额（万元）, 客户性格…
    crm_export.xlsx               a CRM export: title row, blank row, header in row 3, text times
    two_row_header_merged.xlsx    group header 跟进情况 merged over E1:H1, A1:A2…D1:D2 merged
    two_row_header_unmerged.xlsx  the same data, 跟进情况 repeated in E1..H1, A2..D2 empty
    wps_saved.xlsx                a simple ledger re-saved by LibreOffice (stands in for WPS)
    empty_first_sheet.xlsx        an empty form on sheet 1, the customers on sheet 2
    date_spellings.xlsx           one date spelling per row (the table is SPELLINGS below)
    half_recognised.xlsx          headers only partly known today (客户姓名, 业务归属, 到期时间…)

The files' bytes change on every run (zip timestamps, LibreOffice's metadata); their cells do not.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).resolve().parent
D = dt.date
DAY = dt.timedelta(days=1)
FIXED = dt.datetime(2026, 11, 30, 9, 0)  # the workbooks' created/modified stamp


def words(text: str) -> list[str]:
    return text.split()


REPS = words("张伟 李娜 王磊 刘洋")
COMPANIES = words("""
    青石商贸有限公司 远帆电子科技有限公司 禾丰农业发展有限公司 明澜家居用品有限公司 北辰五金制品厂
    云栖茶业有限公司 川和食品有限公司 海曜照明电器有限公司 锦程物流有限公司 南枝服饰有限公司
    嘉木文具有限公司 拓岭机械设备有限公司 晨曦母婴用品店 瑞丰粮油批发部 安澜医疗器械有限公司
    星野户外用品有限公司 金穗餐饮管理有限公司 松间日化有限公司 东篱包装材料厂 望川汽配有限公司
    白鹭酒店用品有限公司 知行教育咨询有限公司 橙意果业合作社 蓝湾水产有限公司 鹿鸣乐器行
    暖阳宠物用品有限公司 清溪纸业有限公司 万象数码专营店 长风建材有限公司 微澜美妆有限公司
""")
STORES = """
    星河便利·长宁店 上海市长宁区 天山路318号 | 星河便利·徐汇店 上海市徐汇区 漕溪北路66号
    邻里鲜生·静安店 上海市静安区 延平路12号 | 邻里鲜生·浦东店 上海市浦东新区 张杨路905号
    优果坊·姑苏店 江苏省苏州市姑苏区 人民路1201号 | 优果坊·园区店 江苏省苏州市工业园区 星湖街88号
    百味港·鼓楼店 江苏省南京市鼓楼区 中山北路45号 | 百味港·江宁店 江苏省南京市江宁区 双龙大道710号
    星河便利·西湖店 浙江省杭州市西湖区 文三路259号 | 邻里鲜生·滨江店 浙江省杭州市滨江区 江南大道33号
    优果坊·鄞州店 浙江省宁波市鄞州区 天童南路567号 | 百味港·蜀山店 安徽省合肥市蜀山区 长江西路199号
""".replace("\n", "|").split("|")
PEOPLE = words("陈建国 赵秀英 孙志强 周丽华 吴海涛 郑雅婷 冯卫东 何静 许明辉 韩雪梅 曹文斌 邓晓燕")
PEOPLE += ["彭立新", "蒋春兰", "沈浩然"]


def pick(values: Sequence[Any], i: int) -> Any:
    """The i-th value, cycling; "" becomes an empty cell."""
    value = values[i % len(values)]
    return None if value == "" else value


def save(wb: Workbook, path: Path) -> Path:
    wb.properties.creator = "kqexcel tests"
    wb.properties.created = wb.properties.modified = FIXED
    wb.save(path)
    return path


def sheet(ws: Any, title: str, header: list[str], rows: list[list], date_format: str) -> Any:
    """Fill the empty sheet ``ws``: header in row 1, rows below, dates in ``date_format``."""
    ws.title = title
    for row in [header, *rows]:
        ws.append(row)
    for cells in ws.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, dt.date):
                cell.number_format = date_format
    return ws


def store_list() -> list[list]:
    """门店清单: 12 fictional stores a rep keeps (合同金额 in 万元, the phone typed as a number)."""
    money = [12.5, 8, 30, 4.8, 15, 22.6, 6, 9.5, 18, 3.2, 11, 26]
    notes = ["", "店长新换，需重新建立关系", "", "周末客流大，上午拜访", "", "要求送货上门"]
    notes += ["", "", "对账期有意见", "", "", "新开店"]
    rows = []
    for i, store in enumerate(s for s in STORES if s.strip()):
        name, area, address = store.split()
        visit, end = D(2026, 9, 4) + i * 7 * DAY, D(2026, 12, 31) - i * 19 * DAY
        intent = pick(["有意向", "犹豫", "无意向"], i)
        style = pick(words("老鹰 孔雀 鸽子 猫头鹰"), i)
        row = [i + 1, name, pick(REPS, i), area, address, 13800000101 + i * 7, money[i]]
        rows.append(row + [visit, end, intent, style, pick(notes, i)])
    return rows


def crm_export() -> list[list]:
    """纷享销客/销售易-like export: 15 customers, date-times exported as text."""
    rows = []
    for i in range(15):
        last = D(2026, 11, 28) - i * 4 * DAY
        follow = None if i == 9 else f"{last:%Y-%m-%d} {9 + i % 9:02d}:{i * 13 % 60:02d}"
        nxt = None if i % 4 == 3 else f"{last + 14 * DAY:%Y-%m-%d} 09:00"
        created = D(2024, 3, 12) + i * 41 * DAY
        created_at = f"{created:%Y-%m-%d} {10 + i % 8:02d}:{i * 7 % 60:02d}:{i * 23 % 60:02d}"
        phone = f"021-6000{1000 + i * 37}" if i % 2 else f"1390000{2000 + i * 11}"
        sales = pick([1250000, 860000, 3400000, 120000, 560000], i) + i * 10000
        team = pick(["华东销售一部", "华东销售二部", "华南销售部"], i)
        level = pick(["A（重点客户）", "B（普通客户）", "C（非优先客户）"], i)
        trade = pick(words("零售 制造业 批发 餐饮 电子商务"), i)
        won = pick(words("已成交 未成交 多次成交"), i)
        row = [COMPANIES[i], f"KH2026{i + 1:04d}", pick(REPS, i), team, level, trade, won]
        rows.append(row + [follow, nxt, created_at, phone, sales])
    return rows


def two_row(merged: bool) -> Workbook:
    """30 customers under a two-row header; last contacts 2026-09-01 … 2026-11-27."""
    wb = Workbook()
    ws = wb.active
    ws.title = "客户跟进"
    ws.append(
        ["客户编号", "客户名称", "客户经理", "年销售额"] + ["跟进情况"] * (1 if merged else 4)
    )
    ws.append([None] * 4 + ["最近联系日期", "购买意向", "未结投诉", "备注"])
    for i in range(30):
        complaint = "产品" if i % 11 == 5 else "服务" if i % 7 == 3 else "无"
        note = pick(["", "老板出差，月底再约", "", "", "样品已寄出", ""], i)
        last, intent = D(2026, 9, 1) + i * 3 * DAY, pick(["有意向", "考虑中", "没兴趣"], i)
        row = [f"C{i + 1:03d}", COMPANIES[i], pick(REPS, i), 80000 + i * 37000 % 900000]
        ws.append(row + [last, intent, complaint, note])
        ws.cell(ws.max_row, 5).number_format = "yyyy/m/d"
    if merged:
        for cells in ["A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:H1"]:
            ws.merge_cells(cells)
    for cells in ws.iter_rows(max_row=2):
        for cell in cells:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center")
    return wb


# date_spellings.xlsx: the value written in the three date columns (最近联系日期, 合同到期日,
# 承诺期限) of each row (Excel rows 2–22), and what it should read as, as_of = 2026-11-30.
# Rules: a date without a year takes the year putting it nearest to as_of (ties: the earlier;
# none can occur here, 2026→2027 is 365 days); a number m.d (m 1–12, d a valid day) is a date; a
# number whose decimals Excel may have cut (10.1 = Oct 1, or 10.10 = Oct 10) is a data problem;
# any other plain number is a data problem, never an Excel serial; suffixes 到期/截止 are tolerated.
SPELLINGS = [
    (D(2026, 11, 3), "2026-11-03"),  # row 2: a real Excel date (yyyy-mm-dd format)
    ("2026/11/30", "2026-11-30"),  # row 3
    ("2026.11.3", "2026-11-03"),  # row 4
    ("2026年11月3日", "2026-11-03"),  # row 5
    ("20261103", "2026-11-03"),  # row 6: text, yyyymmdd
    ("11月24日", "2026-11-24"),  # row 7: 6 days before as_of
    ("10月25日", "2026-10-25"),  # row 8
    ("11-24", "2026-11-24"),  # row 9
    ("11/24", "2026-11-24"),  # row 10
    (9.17, "2026-09-17"),  # row 11: a float in general format: Sep 17
    (11.5, "2026-11-05"),  # row 12: Nov 5 (a cut 11.50 would be Nov 50, no day)
    (10.1, "problem"),  # row 13: Oct 1, or a cut 10.10 = Oct 10
    (10.2, "problem"),  # row 14: Oct 2 or Oct 20
    (46340, "problem"),  # row 15: a plain number (as a serial it would be 2026-11-14)
    ("3.26到期", "2027-03-26"),  # row 16: 116 days after as_of vs 249 before
    ("12.31截止", "2026-12-31"),  # row 17
    (None, "empty"),  # row 18: no value
    ("-", "empty"),  # row 19: a placeholder
    (2.3, "2027-02-03"),  # row 20: Feb 3 (Feb 30 is no day); 65 days after vs 300 before
    ("5月31日", "2027-05-31"),  # row 21: 182 days after vs 183 before
    ("6月1日", "2026-06-01"),  # row 22: 182 days before vs 183 after
]


def simple_rows(n: int, start: int, last: Sequence[str]) -> list[list]:
    """客户名称, 客户经理, 年销售额, 最近联系日期 and one more column cycling through ``last``."""
    rows = []
    for i in range(n):
        name, contact = COMPANIES[(start + i) % 30], D(2026, 10, 8) + i * 2 * DAY
        rows.append([name, pick(REPS, i), 200000 + i * 45000, contact, pick(last, i)])
    return rows


def half_recognised() -> list[list]:
    """15 private customers: 合同金额 in 万元, contract ends 2026-12-15 … 2027-05-18."""
    money = [3.5, 12, 0.8, 25, 6.6, 8.5, 18, 1.2, 30, 4.4, 9, 2.5, 15.8, 7, 20]
    rows = []
    for i, person in enumerate(PEOPLE):
        dates = [D(2026, 11, 25) - i * 5 * DAY, D(2026, 12, 15) + i * 11 * DAY]
        style = pick(["猫头鹰", "老鹰", "孔雀", "鸽子", ""], i)
        address = f"{pick(words('中山路 解放路 建设路 人民路 和平路'), i)}{100 + i * 9}号"
        rows.append(
            [person, pick(REPS, i), money[i], *dates, style, f"1370000{3000 + i * 17}", address]
        )
    return rows


def libreoffice_resave(source: Path, target: Path) -> bool:
    """Re-save ``source`` through headless LibreOffice as ``target``; False without soffice."""
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if not binary:
        print("soffice (LibreOffice) not found: skipping", target.name)
        return False
    with tempfile.TemporaryDirectory() as tmp:
        out, profile = Path(tmp) / "out", f"-env:UserInstallation=file://{tmp}/lo-profile"
        command = [binary, profile, "--headless", "--convert-to", "xlsx", "--outdir", str(out)]
        subprocess.run([*command, str(source)], check=True, capture_output=True, timeout=180)
        shutil.copyfile(out / source.name, target)
    return True


def main() -> None:
    header = "序号 店名 业务归属 省市区 地址 客户手机号 合同金额（万元）"
    header += " 上次拜访时间 合同到期时间 意向程度 客户性格 备注"
    wb = Workbook()
    sheet(wb.active, "门店清单", header.split(), store_list(), "yyyy/m/d")
    written = [save(wb, HERE / "store_list.xlsx")]

    wb = Workbook()
    wb.active.title = "客户"
    header = "客户名 客户编号 负责人 所属部门 客户级别 行业 成交状态 最近跟进时间"
    header += " 下次跟进时间 创建时间 联系电话 年销售额(元)"
    for row in [["客户列表导出 2026-11-30"], [], header.split(), *crm_export()]:
        wb.active.append(row)  # a title in row 1, row 2 empty, the header in row 3
    written.append(save(wb, HERE / "crm_export.xlsx"))

    written.append(save(two_row(merged=True), HERE / "two_row_header_merged.xlsx"))
    written.append(save(two_row(merged=False), HERE / "two_row_header_unmerged.xlsx"))

    header = "客户名称 客户经理 年销售额 最近联系日期 购买意向"
    with tempfile.TemporaryDirectory() as tmp:
        wb = Workbook()
        intents = ["有兴趣", "犹豫", "已报价", "暂不购买"]
        sheet(wb.active, "Sheet1", header.split(), simple_rows(10, 3, intents), "yyyy-mm-dd")
        if libreoffice_resave(save(wb, Path(tmp) / "wps_saved.xlsx"), HERE / "wps_saved.xlsx"):
            written.append(HERE / "wps_saved.xlsx")

    wb = Workbook()
    form = sheet(wb.active, "客户信息表", ["公司名称", "联系人", "电话", "备注"], [], "")
    for cell in form[1]:
        cell.font = Font(bold=True)
    notes = ["", "月底对账", "", "", "想要独家代理", ""]
    header = "公司名称 客户经理 年销售额 最近联系日期 备注"
    sheet(wb.create_sheet(), "录入客户", header.split(), simple_rows(20, 10, notes), "yyyy-mm-dd")
    written.append(save(wb, HERE / "empty_first_sheet.xlsx"))

    wb = Workbook()
    header = "客户名称 客户经理 年销售额 最近联系日期 合同到期日 承诺期限"
    rows = [
        [COMPANIES[i], pick(REPS, i), 150000 + i * 25000, value, value, value]
        for i, (value, _) in enumerate(SPELLINGS)
    ]
    sheet(wb.active, "台账", header.split(), rows, "yyyy-mm-dd")
    written.append(save(wb, HERE / "date_spellings.xlsx"))

    wb = Workbook()
    header = "客户姓名 业务归属 合同金额（万元） 上次联系时间 到期时间 客户性格 电话 地址"
    sheet(wb.active, "客户", header.split(), half_recognised(), "yyyy/m/d")
    written.append(save(wb, HERE / "half_recognised.xlsx"))

    for path in written:
        print("wrote", path.name)


if __name__ == "__main__":
    main()
