"""Benchmark `kq plan` on generated messy ledgers (not a test: it prints figures).

    python benchmarks/bench_plan.py                       # 500, 10,000 and 100,000 rows
    python benchmarks/bench_plan.py --sizes 500 10000 --runs 3 --report 300 300 --json out.json
    python benchmarks/bench_plan.py --sizes --file 100000 1000000 200000 --file 500 5000 1000
    python benchmarks/bench_plan.py --sizes --orders 100000 2000000
    python benchmarks/bench_plan.py --sizes --report-month 300 300 --no-baselines

For each size, in one run: whole-process wall time (median of the runs, start-up included),
rows/s and peak RSS (wait4) of `kq plan`, of the naive baseline (benchmarks/naive_baseline.py)
and of the floor (benchmarks/floor.py: calamine read + xlsxwriter write of the same plan table,
no logic); the ratios kq/naive and kq/floor; and, inside one process, the stages read, classify
(codes only), texts (talking points, rationale) and write.

``--file CUSTOMERS LOG CONTACTS`` (DOMAIN §10): one workbook with a customer sheet, a 跟进记录 log
and a 联系人 sheet of those many rows; the whole `kq plan`, and in one process the stages read
(each sheet: raw cells, then typed), derive (linking and the per-customer facts), classify,
texts and write.

``--orders CUSTOMERS ORDERS`` (DOMAIN §11): the messy ledger and an ERP's orders export of that
many rows (a CSV: two million orders do not fit one sheet), planned with ``--orders``; and, in
one process from the parsed columns, the orders' facts (linking, recency, frequency, monetary,
the scores and segments, gaps, the two years) and the scoring alone, as orders per second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
HEADER = [
    "客户编号",
    "客户名称",
    "客户经理",
    "区域",
    "企业类型",
    "客户类别",
    "年销售额",
    "毛利率",
    "服务成本",
    "潜在增量",
    "成交概率",
    "合作年限",
    "签约状态",
    "到期日",
    "历史效果",
    "本期效果",
    "发展阶段",
    "同业竞争",
    "电商经验",
    "操作人数",
    "经营视野",
    "主要期望",
    "国内客户",
    "决策风格",
    "沟通倾向",
    "性格类型",
    "购买意向",
    "合作阶段",
    "最近联系日期",
    "联系次数",
    "已接触决策层",
    "未兑现承诺",
    "承诺期限",
    "未结投诉",
    "需求状态",
    "备注",
    "对接人",
]


def messy_row(i: int, rnd: random.Random) -> list[object]:
    """One customer in the spellings real ledgers use (DOMAIN.md §1)."""
    base = dt.date(2026, 11, 22)
    day = base - dt.timedelta(days=rnd.randint(0, 120))
    date_spellings = [
        day,
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}.{day.month}.{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
        int(day.strftime("%Y%m%d")),
        None,
    ]
    revenue = rnd.lognormvariate(12, 1.5)
    money = [
        round(revenue, 2),
        f"{revenue:,.0f}",
        f"¥{revenue:,.2f}",
        f"{revenue / 10000:.1f}万",
        None,
    ]
    pick = rnd.choice
    return [
        f"K{i:06d}",
        f"客户{i}号商贸有限公司",
        pick(["张伟", "李娜", "王强", "赵敏"]),
        pick(["华东", "华北", "华南", "西南"]),
        pick(["生产型", "批发", "零售", "服务型", None]),
        pick(["直接客户", "经销商", "终端", "门店", "消费者"]),
        pick(money),
        pick([0.3, "25%", 18, "0.12", -0.05, None]),
        pick([1000, "2,000", "0.5万", None]),
        pick([0, 50000, "10万"]),
        pick([0.2, "50%", None]),
        pick([1, 2, "3年", None]),
        pick(["新签", "续签", "续约", "断签", "潜在", "意向", None]),
        pick(date_spellings),
        pick(["12;8;15", "10、12、9", "5 6 7", None]),
        pick([7, 11, 20, None]),
        pick(["上升期", "初期", "艰难期", None]),
        pick(["少", "多", None]),
        pick(["熟练", "一般", "初级", None]),
        pick([1, 3, 5, None]),
        pick(["长期", "短期", "盲目", None]),
        pick(["品牌形象", "成交", "跟随同行", None]),
        pick(["稳定", "发展中", "寻找中", None]),
        pick(["率直", "优柔", None]),
        pick(["理性", "感性", None]),
        pick([None, None, None, "老鹰", "孔雀"]),
        pick(["有兴趣", "犹豫", "已报价", "暂不购买", "肯定不买", None]),
        pick(["客户开发", "初期合作", "稳定合作", "战略合作", "关系倒退", None]),
        pick(date_spellings),
        pick([0, 1, 3, 6]),
        pick(["是", "否", "Y", "N", "√", None]),
        pick([None, None, "寄样品"]),
        pick([None, None, day.isoformat()]),
        pick([None, None, None, "服务", "产品"]),
        pick(["隐藏性", "明显性", "不明确", None]),
        pick([None, "重点跟进", "=SUM(A1)"]),
        f"联系人{i % 97}",
    ]


def make_ledger(
    rows: int, path: Path, seed: int = 7, first: int = 0, owner: str | None = None
) -> Path:
    """A ledger with a title row and ``rows`` customers numbered from ``first`` (xlsxwriter,
    for speed); ``owner``: every customer's 客户经理 (else one of four)."""
    import xlsxwriter

    rnd = random.Random(seed)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    ws = wb.add_worksheet("客户台账")
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, ["客户台账（基准测试数据）"])
    ws.write_row(2, 0, HEADER)
    for i in range(rows):
        row = messy_row(first + i, rnd)
        if owner is not None:
            row[2] = owner
        for j, value in enumerate(row):
            if isinstance(value, dt.date):
                ws.write_datetime(3 + i, j, dt.datetime.combine(value, dt.time()), date_format)
            elif value is not None:
                ws.write(3 + i, j, value)
    wb.close()
    return path


LOG_HEADER = ["客户编号", "客户名称", "跟进日期", "跟进方式", "联系人", "跟进内容", "跟进结果"]
LOG_HEADER += ["下次跟进日期", "跟进人"]
CONTACT_HEADER = ["客户编号", "姓名", "职务", "层级", "角色", "内线", "性格类型", "手机"]


def time_month(kq: list[str], count: int, rows: int, runs: int) -> dict[str, object]:
    """``kq report`` of November over customer files with logs, with October's report as
    ``--previous`` (written once, untimed)."""
    folder = OUT / f"month_{count}x{rows}"
    if not folder.exists():
        folder.mkdir()
        for k in range(count):
            make_customer_file(rows, 2 * rows, 0, folder / f"file_{k:03d}.xlsx", seed=k)
    previous = OUT / "month_previous_2026-10.xlsx"
    base = [*kq, "report", str(folder), "--jobs", "2", "-q", "--force"]
    run_process([*base, "--month", "2026-10", "-o", str(previous)])
    report = OUT / "month_report.xlsx"
    timed = [*base, "--month", "2026-11", "--previous", str(previous), "-o", str(report)]
    measured = [run_process(timed) for _ in range(runs)]
    return case_figures(f"kq report {count}x{rows} log prev j2", count * rows, measured)


def ledger_folder(count: int, rows: int, reps: bool = False) -> Path:
    """``count`` messy ledgers of ``rows`` customers (made once, kept in benchmarks/out). The
    ledgers repeat one another's customer ids (K000000 in each: the duplicates are left out of
    the plan) and share four owners, unless ``reps``: then every ledger is one rep's file, its
    customers its own (a company of ``count`` reps, ``count`` × ``rows`` customers)."""
    folder = OUT / f"report_{count}x{rows}{'_reps' if reps else ''}"
    if not (folder / "complete").exists():
        folder.mkdir(exist_ok=True)
        for k in range(count):
            path = folder / f"ledger_{k:0{len(str(count - 1))}d}.xlsx"
            if reps:
                make_ledger(rows, path, seed=k, first=k * rows, owner=f"客户经理{k:04d}")
            else:
                make_ledger(rows, path, seed=k)
        (folder / "complete").write_text("")
    return folder


def time_dask(kq: list[str], count: int, rows: int, runs: int) -> list[dict[str, object]]:
    """[8/8] ``kq report`` over ``count`` ledgers of ``rows`` customers: ``--jobs 2`` and
    ``--scheduler local:2`` (the client's peak memory: the workers are other processes), in
    turn, and one ledger read alone in process (the per-ledger cost a cluster divides)."""
    folder = ledger_folder(count, rows, reps=True)
    report = OUT / "report_dask.xlsx"
    base = [*kq, "report", str(folder), "--month", "2026-11", "-q", "--force", "-o", str(report)]
    jobs, spread = [], []
    for _ in range(runs):  # interleaved: the machine's drift falls on both
        jobs.append(run_process([*base, "--jobs", "2"]))
        spread.append(run_process([*base, "--scheduler", "local:2"]))
    code = f"""
import time, statistics
from pathlib import Path
from kqexcel.io.report_io import _read_one
from kqexcel.rules import load_rules
rules, path = load_rules(), Path({str(min(folder.glob("ledger_*.xlsx")))!r})
times = []
for _ in range(5):
    t = time.perf_counter()
    assert not isinstance(_read_one((path, rules, "zh", None))[1], str)  # read, not failed
    times.append(time.perf_counter() - t)
print(statistics.median(times))
"""
    one = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               check=True).stdout)  # fmt: skip
    out = [
        case_figures(f"kq report {count}x{rows} j2", count * rows, jobs),
        case_figures(f"kq report {count}x{rows} dask local:2", count * rows, spread),
    ]
    out[1]["read_one_ledger_s"] = one
    return out


def case_figures(case: str, rows: int, measured: list[tuple[float, int]]) -> dict[str, object]:
    """A case's median wall time, rows per second and peak memory over its runs."""
    walls = [w for w, _ in measured]
    median = statistics.median(walls)
    return {
        "case": case,
        "rows": rows,
        "wall_s": median,
        "rows_per_s": rows / median,
        "peak_mb": max(r for _, r in measured) / 2**20,
        "runs_s": walls,
    }


def make_customer_file(customers: int, log: int, contacts: int, path: Path, seed: int = 11) -> Path:
    """A customer file (DOMAIN §10): the messy customer sheet, a follow-up log of ``log`` entries
    (ids, now and then a name instead; channels and dates in several spellings; some entries
    after as_of) and ``contacts`` people. Written by xlsxwriter with a shared-string table, as
    Excel and WPS save (constant_memory would inline every string, making the log's XML five
    times larger than a real file's)."""
    import xlsxwriter

    rnd = random.Random(seed)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    date_format = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("客户台账")
    ws.write_row(0, 0, ["客户台账（基准测试数据）"])
    ws.write_row(2, 0, HEADER)

    def put(sheet: object, r: int, values: list[object]) -> None:
        for j, value in enumerate(values):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, j, dt.datetime.combine(value, dt.time()), date_format)  # type: ignore[attr-defined]
            elif value is not None:
                sheet.write(r, j, value)  # type: ignore[attr-defined]

    for i in range(customers):
        put(ws, 3 + i, messy_row(i, rnd))
    base = dt.date(2026, 11, 22)
    sheet = wb.add_worksheet("跟进记录")
    sheet.write_row(0, 0, LOG_HEADER)
    channels = ["拜访", "电话", "微信", "邮件", "上门", "短信", "面谈"]
    for r in range(log):
        i = rnd.randrange(customers)
        day = base - dt.timedelta(days=rnd.randint(-10, 500))
        key = [f"K{i:06d}", None] if rnd.random() > 0.05 else [None, f"客户{i}号商贸有限公司"]
        nxt = day + dt.timedelta(days=rnd.randint(1, 30)) if rnd.random() < 0.3 else None
        when = day if rnd.random() < 0.8 else day.isoformat()
        put(
            sheet,
            1 + r,
            [
                *key,
                when,
                rnd.choice(channels),
                f"联系人{i % 97}-{rnd.randint(0, 2)}",
                "沟通近期订单和促销安排",
                rnd.choice(["同意", "再考虑", None]),
                nxt,
                "张伟",
            ],
        )
    people = wb.add_worksheet("联系人")
    people.write_row(0, 0, CONTACT_HEADER)
    for r in range(contacts):
        i = r * customers // max(contacts, 1)
        put(
            people,
            1 + r,
            [
                f"K{i:06d}",
                f"联系人{i % 97}-{r % 3}",
                rnd.choice(["总经理", "采购", "店长"]),
                rnd.choice(["决策层", "管理层", "操作层", None]),
                rnd.choice(["采购员", "开票员", "业务员", "其他"]),
                rnd.choice(["是", "否", None]),
                rnd.choice(["老鹰", "孔雀", None, None]),
                f"138{r:08d}",
            ],
        )
    wb.close()
    return path


def make_orders(customers: int, orders: int, path: Path, seed: int = 13) -> Path:
    """An ERP's orders export (UTF-8 CSV) for the ledger of ``customers``: each order a customer
    id (now and then a name instead), a date in the last two years (some after as_of), an amount
    in several spellings (a return now and then) and a product; customers order at their own pace,
    a few large buyers often."""
    import csv

    rnd = random.Random(seed)
    base = dt.date(2026, 11, 22)
    weights = [rnd.paretovariate(1.2) for _ in range(customers)]
    picks = rnd.choices(range(customers), weights=weights, k=orders)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["客户编号", "客户名称", "订单日期", "价税合计", "产品名称"])
        for i in picks:
            day = base - dt.timedelta(days=rnd.randint(-5, 730))
            amount = round(rnd.lognormvariate(8, 1.2), 2) * (-1 if rnd.random() < 0.02 else 1)
            shown = (
                f"{amount:.2f}"
                if rnd.random() < 0.8
                else f"¥{amount:,.2f}"
                if rnd.random() < 0.5
                else f"{amount / 10000:.4f}万"
            )
            key = [f"K{i:06d}", ""] if rnd.random() > 0.02 else ["", f"客户{i}号商贸有限公司"]
            writer.writerow([*key, day.isoformat(), shown, rnd.choice(["A型", "B型", "C型"])])
    return path


def orders_stages(ledger: Path, orders: Path) -> dict[str, float]:
    """In one process, from the parsed ledger and orders: the orders' facts (linking included)
    and the scoring alone, the median of three runs each."""
    code = f"""
import time, json, datetime as dt, statistics
from pathlib import Path
from kqexcel.rules import load_rules
from kqexcel.io.ledger import read_ledger, read_records
from kqexcel.core.customer_file import attach
from kqexcel.core import orders as O
rules = load_rules(); day = dt.date(2026, 11, 22); out = {{}}
t = time.perf_counter(); ledger = read_ledger({str(ledger)!r}, rules, as_of=day)
out["read ledger"] = time.perf_counter() - t
t = time.perf_counter(); sheet = read_records({str(orders)!r}, "orders", rules, day)
out["read orders"] = time.perf_counter() - t
ledger = attach(ledger, {{"orders": sheet}})
runs = []
for _ in range(3):
    t = time.perf_counter(); facts, _ = O.facts(ledger, rules, day)
    runs.append(time.perf_counter() - t)
out["facts"] = statistics.median(runs)
has = facts["frequency"].notna()
cols = [facts[k][has].to_numpy() for k in ("recency", "frequency", "monetary")]
runs = []
for _ in range(3):
    t = time.perf_counter(); O.rfm(*cols, rules); runs.append(time.perf_counter() - t)
out["score"] = statistics.median(runs)
out["orders"] = len(sheet.table)
print(json.dumps(out, ensure_ascii=False))
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def file_stages(path: Path, out: Path) -> dict[str, float]:
    """The stages of a customer file's plan inside one process: each sheet read (raw cells) and
    typed, derive (linking the log and contacts, the facts per customer), classify, texts, write."""
    code = f"""
import time, json, datetime as dt
from kqexcel.rules import load_rules
from kqexcel.io.ledger import sheets, named_kind
from kqexcel.core.ledger import ledger_from_rows, records_from_rows
from kqexcel.core.customer_file import attach, facts
from kqexcel.core.plan import make_plan
from kqexcel.io.plan_writer import write_plan
rules = load_rules(); day = dt.date(2026, 11, 22); out = {{}}
found = {{}}
t = time.perf_counter()
for name, rows, _ in sheets(__import__("pathlib").Path({str(path)!r}), rules):
    t1 = time.perf_counter(); out["read " + name] = t1 - t
    kind = named_kind(name, rules)
    if kind:
        found[kind] = records_from_rows(rows, rules, kind, "f.xlsx", name, as_of=day)
    else:
        found["customers"] = ledger_from_rows(rows, rules, "f.xlsx", name, as_of=day)
    t = time.perf_counter(); out["type " + name] = t - t1
ledger = attach(found["customers"], {{k: found.get(k) for k in ("log", "contacts")}})
t = time.perf_counter(); facts(ledger, rules, day); out["derive"] = time.perf_counter() - t
t = time.perf_counter(); make_plan(ledger, rules, day, texts=False)
out["classify"] = time.perf_counter() - t - out["derive"]
t = time.perf_counter(); plan = make_plan(ledger, rules, day)
out["texts"] = time.perf_counter() - t - out["classify"] - out["derive"]
t = time.perf_counter(); write_plan(plan, rules, {str(out)!r}, force=True)
out["write"] = time.perf_counter() - t
print(json.dumps(out, ensure_ascii=False))
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def run_process(args: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(args)} exited {code}")
    return wall, usage.ru_maxrss * 1024


def stages(ledger: Path, out: Path) -> dict[str, float]:
    """Read, classify and write timed inside one process."""
    code = f"""
import time, json, datetime as dt
t0 = time.perf_counter()
from kqexcel.rules import load_rules
from kqexcel.io.ledger import read_ledger
from kqexcel.core.plan import make_plan
from kqexcel.io.plan_writer import write_plan
rules = load_rules(); t1 = time.perf_counter()
ledger = read_ledger({str(ledger)!r}, rules); t2 = time.perf_counter()
codes = []
for _ in range(3):  # classification alone: the median of three runs on the parsed ledger
    c0 = time.perf_counter(); make_plan(ledger, rules, dt.date(2026, 11, 22), texts=False)
    codes.append(time.perf_counter() - c0)
classify = sorted(codes)[1]; t3 = time.perf_counter()
plan = make_plan(ledger, rules, dt.date(2026, 11, 22)); t4 = time.perf_counter()
write_plan(plan, rules, {str(out)!r}, force=True); t5 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "read": t2 - t1, "classify": classify,
                  "classify_first": codes[0], "texts": (t4 - t3) - classify, "write": t5 - t4}}))
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def plan_table(ledger: Path, target: Path) -> None:
    """The plan's rows as kq plan writes them, pickled for the floor (made before timing)."""
    code = f"""
import pickle, datetime as dt
from kqexcel.rules import load_rules
from kqexcel.io.ledger import read_ledger
from kqexcel.core.plan import make_plan
from kqexcel.io.display import display_columns
rules = load_rules()
plan = make_plan(read_ledger({str(ledger)!r}, rules), rules, dt.date(2026, 11, 22))
columns = display_columns(plan, rules)
def cell(v):
    if v is None or v != v or str(v) == "NaT":
        return None
    if hasattr(v, "to_pydatetime"):
        return v.to_pydatetime()
    return v.item() if hasattr(v, "item") else v
body = [[cell(v) for v in row] for row in zip(*(v for _, v in columns))]
pickle.dump(([h for h, _ in columns], body), open({str(target)!r}, "wb"))
"""
    subprocess.run([sys.executable, "-c", code], check=True)


def timed(args: list[str], runs: int) -> tuple[float, float, list[float]]:
    """Median wall seconds, peak RSS in MB and every run's seconds."""
    results = [run_process(args) for _ in range(runs)]
    walls = [w for w, _ in results]
    return statistics.median(walls), max(r for _, r in results) / 2**20, walls


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="*", default=[500, 10_000, 100_000])
    parser.add_argument(
        "--file",
        type=int,
        nargs=3,
        action="append",
        default=[],
        metavar=("CUSTOMERS", "LOG", "CONTACTS"),
        help="also time a customer file with a follow-up log and contacts (DOMAIN §10)",
    )
    parser.add_argument(
        "--orders",
        type=int,
        nargs=2,
        action="append",
        default=[],
        metavar=("CUSTOMERS", "ORDERS"),
        help="also time a ledger with an orders export given by --orders (DOMAIN §11)",
    )
    parser.add_argument(
        "--naive-runs", type=int, default=1, help="runs of the naive baseline (it is slow)"
    )
    parser.add_argument("--no-baselines", action="store_true", help="time kq only")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--no-stages",
        action="store_true",
        help="whole processes only: no in-process stages, no KQ_PLAN (e.g. --sizes 1048575)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument(
        "--report-month",
        nargs=2,
        type=int,
        metavar=("LEDGERS", "ROWS"),
        help="also time the manager's month (DOMAIN §13): `kq report --jobs 2 --previous` on "
        "LEDGERS customer files of ROWS customers, each with a follow-up log of 2 × ROWS entries",
    )
    parser.add_argument(
        "--report",
        type=int,
        nargs=2,
        metavar=("LEDGERS", "ROWS"),
        default=None,
        help="also time `kq report --jobs 2` on LEDGERS ledgers of ROWS customers (e.g. 300 300)",
    )
    parser.add_argument(
        "--dask",
        type=int,
        nargs=2,
        metavar=("LEDGERS", "ROWS"),
        default=None,
        help="[8/8] time `kq report` on LEDGERS ledgers of ROWS customers with --jobs 2 and with "
        "--scheduler local:2 (needs kqexcel[dask]), e.g. 1000 1000",
    )
    options = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    kq = [sys.executable, "-m", "kqexcel"]
    results = []
    wall, rss = zip(*(run_process([*kq, "--help"]) for _ in range(options.runs)), strict=True)
    results.append(
        {
            "case": "kq --help",
            "rows": 0,
            "wall_s": statistics.median(wall),
            "peak_mb": max(rss) / 2**20,
        }
    )
    for size in options.sizes:
        ledger = OUT / f"ledger_{size}.xlsx"
        if not ledger.exists():
            make_ledger(size, ledger)
        out = OUT / f"plan_{size}.xlsx"
        median, peak, walls = timed(
            [*kq, "plan", str(ledger), "-o", str(out), "--force", "-q", "--as-of", "2026-11-22"],
            options.runs,
        )
        stage = (
            {"read": 0.0, "classify": float("nan"), "texts": 0.0, "write": 0.0}
            if options.no_stages
            else stages(ledger, out)
        )
        row = {
            "case": f"kq plan {size:,} rows",
            "rows": size,
            "wall_s": median,
            "rows_per_s": size / median,
            "peak_mb": peak,
            "runs_s": walls,
            **{f"{k}_s": v for k, v in stage.items()},
            "classify_rows_per_s": size / stage["classify"],
        }
        results.append(row)
        if options.no_baselines:
            continue
        naive, naive_peak, naive_walls = timed(
            [
                sys.executable,
                str(HERE / "naive_baseline.py"),
                str(ledger),
                str(OUT / f"naive_{size}.xlsx"),
            ],
            options.naive_runs,
        )
        results.append(
            {
                "case": f"naive {size:,} rows",
                "rows": size,
                "wall_s": naive,
                "rows_per_s": size / naive,
                "peak_mb": naive_peak,
                "runs_s": naive_walls,
            }
        )
        table = OUT / f"plan_table_{size}.pkl"
        plan_table(ledger, table)
        floor, floor_peak, floor_walls = timed(
            [
                sys.executable,
                str(HERE / "floor.py"),
                str(ledger),
                str(table),
                str(OUT / f"floor_{size}.xlsx"),
            ],
            options.runs,
        )
        results.append(
            {
                "case": f"floor {size:,} rows",
                "rows": size,
                "wall_s": floor,
                "rows_per_s": size / floor,
                "peak_mb": floor_peak,
                "runs_s": floor_walls,
            }
        )
        row["kq_vs_naive"] = median / naive
        row["kq_vs_floor"] = median / floor
    staged: list[tuple[str, dict[str, float]]] = []
    for customers, log, contacts in options.file:
        path = OUT / f"file_{customers}_{log}_{contacts}.xlsx"
        if not path.exists():
            make_customer_file(customers, log, contacts, path)
        out = OUT / f"file_plan_{customers}.xlsx"
        median, peak, walls = timed(
            [*kq, "plan", str(path), "-o", str(out), "--force", "-q", "--as-of", "2026-11-22"],
            options.runs,
        )
        case = f"kq plan {customers:,}+{log:,} log+{contacts:,} contacts"
        results.append(
            {
                "case": case,
                "rows": customers + log + contacts,
                "wall_s": median,
                "rows_per_s": (customers + log + contacts) / median,
                "peak_mb": peak,
                "runs_s": walls,
            }
        )
        if not options.no_stages:
            staged.append((case, file_stages(path, out)))
    for customers, count in options.orders:
        ledger = OUT / f"ledger_{customers}.xlsx"
        if not ledger.exists():
            make_ledger(customers, ledger)
        orders = OUT / f"orders_{customers}_{count}.csv"
        if not orders.exists():
            make_orders(customers, count, orders)
        out = OUT / f"orders_plan_{customers}.xlsx"
        args = [*kq, "plan", str(ledger), "--orders", str(orders), "-o", str(out)]
        median, peak, walls = timed([*args, "--force", "-q", "--as-of", "2026-11-22"], options.runs)
        case = f"kq plan {customers:,}+{count:,} orders"
        row = {
            "case": case,
            "rows": customers + count,
            "wall_s": median,
            "rows_per_s": (customers + count) / median,
            "peak_mb": peak,
            "runs_s": walls,
        }
        if not options.no_stages:
            stage = orders_stages(ledger, orders)
            row["facts_s"], row["score_s"] = stage["facts"], stage["score"]
            row["facts_orders_per_s"] = stage["orders"] / stage["facts"]
            row["read_orders_s"] = stage["read orders"]
        results.append(row)
    if options.report:
        count, rows = options.report
        folder = ledger_folder(count, rows)
        report = OUT / "report.xlsx"
        runs = [
            run_process(
                [
                    *kq,
                    "report",
                    str(folder),
                    "--month",
                    "2026-11",
                    "--jobs",
                    "2",
                    "-q",
                    "--force",
                    "-o",
                    str(report),
                ]
            )
            for _ in range(options.runs)
        ]
        results.append(case_figures(f"kq report {count}x{rows} j2", count * rows, runs))
    if options.report_month:
        results.append(time_month(kq, *options.report_month, options.runs))
    if options.dask:
        results.extend(time_dask(kq, *options.dask, options.runs))
    for size in options.sizes:
        if size < 10_000 or options.no_stages:
            continue
        code = f"""
import time, statistics, python_calamine as pc
from kqexcel import udfs
book = pc.CalamineWorkbook.from_path({str(OUT / f"ledger_{size}.xlsx")!r})
rows = book.get_sheet_by_index(0).to_python()
rows = [[None if c == "" else c for c in r] for r in rows]
times = []
for _ in range({options.runs}):
    t = time.perf_counter()
    out = udfs.KQ_PLAN(rows, "2026-11-22")
    times.append(time.perf_counter() - t)
assert len(out) > 1, out
print(statistics.median(times))
"""
        wall = float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        results.append(
            {
                "case": f"KQ_PLAN {size:,} rows",
                "rows": size,
                "wall_s": wall,
                "rows_per_s": size / wall,
                "peak_mb": 0,
            }
        )
    print(
        f"{'case':<26}{'wall s':>8}{'rows/s':>10}{'peak MB':>9}{'read s':>8}{'classify s':>11}"
        f"{'class. rows/s':>14}{'texts s':>8}{'write s':>8}{'kq/naive':>9}{'kq/floor':>9}"
    )
    for r in results:
        ratios = "".join(
            f"{r[k]:>9.2f}" if k in r else f"{'':>9}" for k in ("kq_vs_naive", "kq_vs_floor")
        )
        print(
            f"{r['case']:<26}{r['wall_s']:>8.2f}{r.get('rows_per_s', 0):>10,.0f}"
            f"{r['peak_mb']:>9.0f}{r.get('read_s', 0):>8.2f}{r.get('classify_s', 0):>11.2f}"
            f"{r.get('classify_rows_per_s', 0):>14,.0f}"
            f"{r.get('texts_s', 0):>8.2f}{r.get('write_s', 0):>8.2f}{ratios}"
        )
    for case, figures in staged:
        print(f"\n{case}, stages (s): " + ", ".join(f"{k} {v:.2f}" for k, v in figures.items()))
    for r in results:
        if "facts_s" in r:
            print(
                f"\n{r['case']}: reading the orders {r['read_orders_s']:.2f} s; their facts "
                f"(RFM, gaps, years; from parsed columns) {r['facts_s']:.3f} s = "
                f"{r['facts_orders_per_s']:,.0f} orders/s; the scoring alone {r['score_s']:.3f} s"
            )
    if options.json:
        options.json.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
