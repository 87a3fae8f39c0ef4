"""The reasons of data problems in a rep's words (the issues sheet, the CLI and the button)."""

from __future__ import annotations

from kqexcel.core.ledger import Problem

REASONS = {
    "zh": {
        "not_money": "不是金额",
        "not_a_number": "不是数字",
        "not_a_whole_number": "不是非负整数",
        "not_a_ratio": "不是比例（如 0.35、35%）",
        "ratio_out_of_range": "比例超过 100%",
        "not_a_date": "不是日期",
        "date_out_of_range": "日期不在 1900–2199 年之间（占位日期如 9999-12-31？），按空值处理",
        "not_yes_no": "不是 是/否",
        "not_a_number_list": "不是数字列表（如 12;8;15）",
        "unknown_value": "不是可识别的选项",
        "missing_name": "客户名称为空，该行未计入",
        "duplicate_id": "客户编号重复（首次出现在第 {detail} 行），该行未计入",
        "no_value_no_tier": "缺少价值数据，无法分层",
        "renewal_without_results": "续签客户缺少历史/本期效果，无法评估续约风险",
        "duplicate_id_across": "客户编号与 {detail} 重复，该行未计入",
        "error_value": "单元格是错误值（如 #N/A、#DIV/0!），按空值处理",
        "formula_no_value": "公式没有保存计算结果（请在 Excel 中打开并保存后再试），按空值处理",
        "ledger_failed": "整个台账无法读取：{detail}",
        "too_many_columns": "列太多，这 {detail} 列没有读入；上限见规则 safety.max_columns",
    },
    "en": {
        "not_money": "not an amount of money",
        "not_a_number": "not a number",
        "not_a_whole_number": "not a whole number ≥ 0",
        "not_a_ratio": "not a ratio (e.g. 0.35, 35%)",
        "ratio_out_of_range": "ratio above 100%",
        "not_a_date": "not a date",
        "date_out_of_range": "date outside 1900–2199 (a placeholder like 9999-12-31?); counted as empty",
        "not_yes_no": "not yes/no",
        "not_a_number_list": "not a list of numbers (e.g. 12;8;15)",
        "unknown_value": "not a known option",
        "missing_name": "customer name is empty; row left out",
        "duplicate_id": "duplicate customer ID (first at row {detail}); row left out",
        "no_value_no_tier": "no value: no tier",
        "renewal_without_results": "renewal customer without past/current results: renewal risk not assessed",
        "duplicate_id_across": "customer ID already in {detail}; row left out",
        "error_value": "the cell holds an error value (e.g. #N/A, #DIV/0!); counted as empty",
        "formula_no_value": "a formula without a saved result (open and save the file in Excel); counted as empty",
        "ledger_failed": "the whole ledger could not be read: {detail}",
        "too_many_columns": "too many columns: these {detail} columns were not read; limit: rules key safety.max_columns",
    },
}
KINDS = {
    "zh": {"problem": "数据问题", "gap": "数据缺口"},
    "en": {"problem": "problem", "gap": "gap"},
}


def reason_text(problem: Problem, lang: str) -> str:
    """The reason of a data problem in a rep's words."""
    text = REASONS[lang].get(problem.reason, problem.reason)
    return text.format(detail=problem.detail)
