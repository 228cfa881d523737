"""Code lists of the ingest: batch states and why a row was not accepted."""

from __future__ import annotations

from bottomline.labels import LabelledEnum


class BatchStatus(LabelledEnum):
    importing = ("importing", "导入中", "importing")
    committed = ("committed", "已入库", "committed")
    failed = ("failed", "导入失败", "failed")
    interrupted = ("interrupted", "导入中断", "interrupted (the import process stopped)")
    superseded = ("superseded", "已被更正批次替代", "superseded by a corrected batch")
    withdrawn = ("withdrawn", "已撤回", "withdrawn (sent by mistake)")


class RejectReason(LabelledEnum):
    """Why a row went to the rejects file (a row can have several, one per column)."""

    malformed = ("malformed", "列数不符", "wrong number of fields")
    missing = ("missing", "必填项为空", "required value is empty")
    too_long = ("too_long", "内容过长", "value is too long")
    bad_code = ("bad_code", "不在代码表中", "not in the code list")
    bad_date = ("bad_date", "日期无法识别", "not a date (use 2025-10-01)")
    date_out_of_range = ("date_range", "日期超出范围", "date out of range")
    bad_number = ("bad_number", "不是非负数字", "not a non-negative number")
    implausible = ("implausible", "数值超出合理范围", "amount is implausibly large")
    bad_id = ("bad_id", "身份证号不合规（GB 11643）", "invalid resident ID number (GB 11643)")
    duplicate = ("duplicate", "与前面某行完全重复", "exact duplicate of an earlier row")


class Unmatched(LabelledEnum):
    """Why a valid row is not matched to a registry member."""

    not_in_registry = ("not_in_registry", "不在监测对象库中", "person not in the registry")
    needs_confirmation = (
        "needs_confirmation",
        "证号不符但姓名和出生日期相符，需人工确认",
        "ID not in the registry, but name and birth date match a member: confirm by hand",
    )
    ambiguous = (
        "ambiguous",
        "同一证号在多户中登记，需人工确认",
        "the ID number is registered in more than one household: confirm by hand",
    )
