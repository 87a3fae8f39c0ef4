"""kqexcel's worksheet formulas (xlwings UDFs): the same engine as `kq plan`, cell by cell.

Each function is a few lines over ``kqexcel.formulas``; its docstring and argument docs are the
help Excel's function wizard shows. No type hints here on purpose: xlwings turns a hint into a
converter, and Excel's own values are what the formulas want. Set "UDF Modules" to
``kqexcel.udfs`` in the xlwings add-in (`kq addin install` does it). Off Windows the decorators
do nothing, so these are plain functions that tests can call.
"""

from __future__ import annotations

import xlwings as xw

from kqexcel import formulas as F

CATEGORY = "kqexcel"


@xw.func(category=CATEGORY)
@xw.arg("ledger", ndim=2, doc="台账区域，含表头行 / ledger range with its header row")
@xw.arg("as_of", doc="基准日，可省略（今天）/ as-of date, default today")
@xw.arg("lang", doc="zh 或 en / zh or en")
@xw.arg("log", ndim=2, doc="跟进记录区域（含表头），可省略 / follow-up log range, optional")
@xw.arg("contacts", ndim=2, doc="联系人区域（含表头），可省略 / contacts range, optional")
@xw.arg("orders", ndim=2, doc="订单区域（含表头），可省略 / orders range, optional")
@F.excel_errors
def KQ_PLAN(ledger, as_of=None, lang="zh", log=None, contacts=None, orders=None):
    """跟进计划：整张表（含表头），与 kq plan 的计划表相同；可加上跟进记录、联系人和订单区域。
    The whole follow-up plan of a ledger range, header row first, as kq plan writes it; with
    the follow-up log, contacts and orders ranges when given."""
    return F.plan_table(ledger, as_of, lang, log, contacts, orders)


@xw.func(category=CATEGORY)
@xw.arg("values", ndim=1, doc="一列价值（年销售额）/ a column of values (revenue)")
@xw.arg(
    "status",
    ndim=1,
    doc="签约状态列，可省略（潜在客户无销售额按 0 计）/ contract status column, optional",
)
@F.excel_errors
def KQ_TIERS(values, status=None):
    """ABC 分层（20/80 法则），每个值一个层级。ABC tier (20/80 rule) of every value of a column."""
    return F.tiers(values, status)


@xw.func(category=CATEGORY)
@xw.arg("value", doc="要分层的值 / the value to tier")
@xw.arg("values", ndim=1, doc="全部客户的值 / all customers' values")
@F.excel_errors
def KQ_TIER(value, values):
    """一个值在一列中的 ABC 层级。The ABC tier of one value among a column of values."""
    return F.tier(value, values)


@xw.func(category=CATEGORY)
@xw.arg("revenue", ndim=1, doc="年销售额列 / revenue column")
@xw.arg("margin", ndim=1, doc="毛利率列 / gross margin column")
@xw.arg("cost", ndim=1, doc="服务成本列，可省略 / service cost column, optional")
@xw.arg("lang", doc="zh 或 en / zh or en")
@F.excel_errors
def KQ_QUADRANTS(revenue, margin, cost=None, lang="zh"):
    """盈利象限：最赚钱/次赚钱/不赚钱/赔钱。
    Profit quadrant of every row (top, profitable, marginal, loss)."""
    return F.quadrants(revenue, margin, cost, lang)


@xw.func(category=CATEGORY)
@xw.arg("cb", doc="当前贡献（利润或销售额）/ current contribution")
@xw.arg("av", doc="潜在增量 / potential")
@xw.arg("p", doc="成交概率 / win probability")
@F.excel_errors
def KQ_EV(cb, av=None, p=None):
    """期望价值 EV = CB + AV × P。Expected value EV = CB + AV × P."""
    return F.expected_value(cb, av, p)


@xw.func(category=CATEGORY)
@xw.arg("stage", doc="发展阶段 上升期/初期/艰难期")
@xw.arg("competition", doc="同业竞争 少/多")
@xw.arg("skill", doc="电商经验 熟练/一般/初级")
@xw.arg("staff", doc="操作人数")
@xw.arg("outlook", doc="经营视野 长期/短期/盲目")
@xw.arg("expectation", doc="主要期望 品牌形象/成交/跟随同行")
@xw.arg("buyers", doc="国内客户 稳定/发展中/寻找中")
@xw.arg("lang", doc="zh 或 en / zh or en")
@F.excel_errors
def KQ_MOTIVATION(
    stage=None,
    competition=None,
    skill=None,
    staff=None,
    outlook=None,
    expectation=None,
    buyers=None,
    lang="zh",
):
    """签约动机：建立形象型/盈利主导型/从众跟风型/混合/未知。
    Signing motivation voted by the seven indicators."""
    return F.motivation(stage, competition, skill, staff, outlook, expectation, buyers, lang)


@xw.func(category=CATEGORY)
@xw.arg("stage", doc="发展阶段 上升期/初期/艰难期")
@xw.arg("competition", doc="同业竞争 少/多")
@xw.arg("skill", doc="电商经验 熟练/一般/初级")
@xw.arg("staff", doc="操作人数")
@xw.arg("outlook", doc="经营视野 长期/短期/盲目")
@xw.arg("expectation", doc="主要期望 品牌形象/成交/跟随同行")
@xw.arg("buyers", doc="国内客户 稳定/发展中/寻找中")
@xw.arg("lang", doc="zh 或 en / zh or en")
@F.excel_errors
def KQ_MOTIVATION_WHY(
    stage=None,
    competition=None,
    skill=None,
    staff=None,
    outlook=None,
    expectation=None,
    buyers=None,
    lang="zh",
):
    """签约动机的依据：每个指标投给谁、得几分。
    The evidence behind the motivation: each indicator's vote and the points."""
    return F.motivation_why(stage, competition, skill, staff, outlook, expectation, buyers, lang)


@xw.func(category=CATEGORY)
@xw.arg("decisiveness", doc="决策风格 率直/优柔")
@xw.arg("orientation", doc="沟通倾向 理性/感性")
@xw.arg("lang", doc="zh 或 en / zh or en")
@F.excel_errors
def KQ_STYLE(decisiveness, orientation, lang="zh"):
    """性格类型：力量型/活泼型/和平型/完美型。Personality style from the two axes."""
    return F.style(decisiveness, orientation, lang)


@xw.func(category=CATEGORY)
@xw.arg("style", doc="性格类型，如 力量型、老鹰、D / a style, e.g. eagle")
@xw.arg("lang", doc="zh 或 en / zh or en")
@F.excel_errors
def KQ_STYLE_TIPS(style, lang="zh"):
    """怎样和这种性格打交道：方法、用词、几次接触后决策。
    How to deal with a style: approach, words, contacts to decide."""
    return F.style_tips(style, lang)


@xw.func(category=CATEGORY)
@xw.arg("current", doc="本期效果 / current result")
@xw.arg("past", doc="历史效果，如 12;8;15 或一个区域 / past results")
@xw.arg("motivation", doc="签约动机，可省略 / motivation, optional")
@xw.arg("lang", doc="zh 或 en / zh or en")
@F.excel_errors
def KQ_RENEWAL(current, past, motivation=None, lang="zh"):
    """续约底线、满意线、续约风险（三格）。
    Renewal floor, satisfaction line and risk (three cells)."""
    return F.renewal(current, past, motivation, lang)


@xw.func(category=CATEGORY)
@xw.arg("last_contact", doc="最近联系日期 / last contact")
@xw.arg("tier", doc="价值层级 A/B/C")
@xw.arg("intent", doc="购买意向，可省略 / intent, optional")
@xw.arg("risk", doc="续约风险 高/中/低，可省略 / renewal risk, optional")
@xw.arg("as_of", doc="基准日，可省略（今天）/ as-of date")
@xw.arg("lifecycle", doc="签约状态，可省略 / contract status, optional")
@xw.arg("stage", doc="合作阶段，可省略 / stage, optional")
@xw.arg("complaint", doc="未结投诉，可省略 / open complaint, optional")
@F.excel_errors
def KQ_NEXT_CONTACT(
    last_contact,
    tier=None,
    intent=None,
    risk=None,
    as_of=None,
    lifecycle=None,
    stage=None,
    complaint=None,
):
    """下次联系日期（不早于基准日）。
    The next contact date: last contact + interval, never before as-of."""
    return F.next_contact(last_contact, tier, intent, risk, as_of, lifecycle, stage, complaint)


@xw.func(category=CATEGORY)
@xw.arg("contacts", ndim=2, doc="联系人区域，含表头 / contacts range with its header row")
@xw.arg("customer_id", doc="客户编号 / customer ID")
@xw.arg("lang", doc="zh 或 en / zh or en")
@F.excel_errors
def KQ_KEY_PERSON(contacts, customer_id, lang="zh"):
    """关键人：决策层排在最前的人，没有就取管理层、再没有取第一位，写成 姓名（职务，性格类型）。
    The key person of a customer: the first decision-level person, else management, else the
    first listed, as name (title, style)."""
    return F.key_person(contacts, customer_id, lang)


@xw.func(category=CATEGORY)
@xw.arg("customer_ids", ndim=1, doc="客户编号列（每位客户一行）/ customer IDs, one per row")
@xw.arg("order_ids", ndim=1, doc="订单的客户编号列 / each order's customer ID")
@xw.arg("order_dates", ndim=1, doc="订单日期列 / each order's date")
@xw.arg("amounts", ndim=1, doc="订单金额列（退货为负）/ each order's amount (returns negative)")
@xw.arg("as_of", doc="基准日，可省略（今天）/ as-of date, default today")
@xw.arg("lang", doc="zh 或 en / zh or en")
@F.excel_errors
def KQ_RFM(customer_ids, order_ids, order_dates, amounts, as_of=None, lang="zh"):
    """RFM：每位客户一行，依次为 最近下单天数、下单次数、金额合计、R、F、M 得分、RFM得分、RFM分群，
    与 kq plan 相同。
    Per customer: recency (days), frequency, monetary, the R, F and M scores, the RFM score and
    segment, as kq plan scores them."""
    return F.rfm(customer_ids, order_ids, order_dates, amounts, as_of, lang)


@xw.func(category=CATEGORY)
@F.excel_errors
def KQ_RULES_VERSION():
    """当前规则文件的版本。The version of the rules in use."""
    return F.rules_version()
