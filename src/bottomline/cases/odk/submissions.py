"""Read the home-visit submissions downloaded from ODK Central, and check every row.

:func:`read_submissions` takes what a county clerk downloads from ODK Central for the form
``bottomline_home_visit`` (:mod:`bottomline.cases.odk.form`):

* the **Submissions CSV** (``.csv``), or the ``.zip`` Central serves it in: the main CSV is
  read; media files and the CSVs of repeat groups are ignored and listed in
  :attr:`SubmissionFile.ignored`;
* the **OData** ``Submissions`` feed saved as ``.json`` (``{"value": [...]}``).

Every row ends in exactly one place, as in the department feed imports (docs/feeds.md):
**accepted** (a :class:`VisitSubmission`), **rejected** (one :class:`Reject` per problem: row,
column, value with personal numbers masked, code, reason in Chinese and English) or **skipped**
(a reviewer rejected it in Central). ``rows in = accepted + rejected + skipped`` is checked
before anything is returned. :func:`write_rejects` writes the rejects in the same report
layout as the feed imports (``spreadsheet.REJECT_HEADER``).

What this relies on from ODK Central (central-backend, read at github.com/getodk/central-backend):

* CSV export (``lib/data/briefcase.js``, ``streamBriefcaseCsvs``; the header checked in
  ``test/integration/api/submissions.js``): the root table is ``<xmlFormId>.csv`` in the zip,
  each repeat group ``<xmlFormId>-<repeat>.csv`` (with ``PARENT_KEY`` and ``KEY`` columns).
  Columns: ``SubmissionDate`` first (ISO 8601 UTC, ``toISOString()``), then the form's fields
  named by their path below the root joined with ``-`` (``visit-household_no``,
  ``meta-instanceID``); a geopoint gives
  four columns ``-Latitude``, ``-Longitude``, ``-Altitude``, ``-Accuracy``; a select-multiple is
  one column of space-separated values, optionally followed by ``<column>/<value>`` 0/1
  columns; then ``KEY`` (the submission's instanceId), ``SubmitterID``, ``SubmitterName``,
  ``AttachmentsPresent``, ``AttachmentsExpected``, ``Status`` (``not decrypted`` or ``missing
  encrypted form data`` for an encrypted submission without data, else empty),
  ``ReviewState`` (empty when received, else ``hasIssues``, ``edited``, ``rejected`` or
  ``approved``), ``DeviceID``, ``Edits``, ``FormVersion``. ``KEY`` stays the first instanceId
  after edits (``meta-instanceID`` is the current version's; docs.getodk.org,
  central-api-submission-management: "the instanceId each Submission is first submitted with
  will always represent that Submission as a whole"), so it is the submission's id here.
  Group names are dropped from the headers when the export is made without them
  (``groupPaths=false``); that file is refused with a hint to export again.
  Attachments are in ``media/<file name>`` in the zip (``test/integration/other/encryption.js``;
  older versions wrote ``files/<instanceId>/``). Read here: the one CSV whose header has
  ``visit-household_no`` and no ``PARENT_KEY`` (preferring ``bottomline_home_visit.csv``);
  every other member is ignored and listed.
* OData (``lib/formats/odata.js`` metadata document, ``lib/data/odata.js``
  ``submissionToOData``): each entry has ``__id`` (the instanceId), ``__system`` with
  ``submissionDate``, ``updatedAt``, ``submitterId``, ``submitterName``,
  ``attachmentsPresent``, ``attachmentsExpected``, ``status`` (``notDecrypted``,
  ``missingEncryptedFormData`` or null), ``reviewState`` (``hasIssues``, ``edited``,
  ``rejected``, ``approved`` or null), ``deviceId``, ``edits``, ``formVersion``; groups are
  nested objects (``"visit": {...}``); ints and decimals are JSON numbers, a geopoint is GeoJSON,
  everything else (dates, select-multiples) is text; an encrypted entry has no form data.
  A paged response carries ``@odata.nextLink``.

Values are checked as the form constrains them (the limits are the form module's constants),
so a row edited after collection (in Central or in Excel) is caught here. Dates may also be
written as ``2025/10/1``, ``20251001`` or ``2025.10.01`` (Excel re-saves dates that way); a
submission time without an offset is taken as UTC, which is what Central writes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal, NamedTuple, TypeVar

from bottomline.cases.odk.form import (
    EARLIEST_VISIT,
    FORM_ID,
    GROUP,
    HOUSEHOLD_NO_MAX,
    HOUSEHOLD_SIZE,
    MAX_AMOUNT,
    MAX_NAME,
    MAX_NOTES,
    VILLAGE_CODE_DIGITS,
    Hardship,
    YesNo,
)
from bottomline.errors import InputFileError, IntegrityError
from bottomline.ids import mask_id, mask_name, mask_phone
from bottomline.labels import LabelledEnum
from bottomline.screening.enums import MAX_RISK_TYPES, RiskType
from bottomline.sources import open_source
from bottomline.spreadsheet import REJECT_HEADER, ReportWriter
from bottomline.workdays import today_in_china

log = logging.getLogger(__name__)

REVIEW_STATES = ("hasIssues", "edited", "rejected", "approved")
MAX_ZIP_MEMBER = 1 << 30  # bytes; a larger CSV in a zip is refused (a zip bomb, not an export)
_NOT_DATA = ("media/", "files/", "__MACOSX/")  # folders of attachments (and of macOS's zip tool)

# Our field names, in form order; the CSV names them "visit-<name>", OData "visit": {"<name>"}.
FIELDS = (
    "household_no",
    "village_code",
    "visit_date",
    "visitor_name",
    "visitor_unit",
    "household_present",
    "authorization_signed",
    "authorization_photo",
    "household_size",
    "income_estimate",
    "medical_expense",
    "education_expense",
    "hardships",
    "risk_types",
    "suggest_monitoring",
    "notes",
)
KEY_COLUMN = f"{GROUP}-household_no"  # the column that says the file is this form's export
_CSV_META = {
    "instance_id": "KEY",
    "submitted_at": "SubmissionDate",
    "submitter": "SubmitterName",
    "review_state": "ReviewState",
    "status": "Status",
    "form_version": "FormVersion",
}
_JSON_META = {
    "submitted_at": "submissionDate",
    "submitter": "submitterName",
    "review_state": "reviewState",
    "status": "status",
    "form_version": "formVersion",
}
CSV_COLUMNS: dict[str, str] = {**_CSV_META, **{f: f"{GROUP}-{f}" for f in FIELDS}}


class Problem(LabelledEnum):
    """Why a row was rejected (a row can have several, one per column). Codes shared with the
    feed imports (docs/feeds.md) mean the same thing here."""

    malformed = ("malformed", "列数不符", "wrong number of fields")
    missing = ("missing", "必填项为空", "required value is empty")
    too_long = ("too_long", "内容过长", "value is too long")
    bad_household_no = ("bad_household_no", "户编号应为数字", "household number must be digits")
    bad_village_code = ("bad_village_code", "村代码应为12位数字", "not a 12-digit village code")
    bad_date = ("bad_date", "日期无法识别", "not a date (use 2025-10-01)")
    date_range = ("date_range", "日期超出范围", "date out of range")
    bad_number = ("bad_number", "不是非负数字", "not a non-negative number")
    out_of_range = ("out_of_range", "超出允许范围", "outside the allowed range")
    implausible = ("implausible", "数值超出合理范围", "amount is implausibly large")
    bad_code = ("bad_code", "不在代码表中", "not in the code list")
    too_many = ("too_many", "选择项过多", "too many choices")
    duplicate = ("duplicate", "提交编号与前面某行重复", "same submission ID as an earlier row")
    encrypted = (
        "encrypted",
        "提交已加密，未能解密",
        "the submission is encrypted and was not decrypted",
    )


class SkipReason(LabelledEnum):
    """Why a valid export row is not imported."""

    review_rejected = (
        "review_rejected",
        "已在 ODK Central 审核中被拒绝",
        "rejected by a reviewer in ODK Central",
    )


class Reject(NamedTuple):
    """One problem of one row: where it is, the value as a report may show it, and why."""

    source_row: int
    column: str
    value: str  # personal numbers masked; free text (notes) never shown
    code: str
    zh: str
    en: str


class Skip(NamedTuple):
    source_row: int
    instance_id: str
    code: str
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class VisitSubmission:
    """One accepted home visit."""

    instance_id: str  # Central's id of the submission (KEY / __id), stable across edits
    submitted_at: dt.datetime  # timezone-aware (UTC from Central)
    submitter: str | None  # the Central app user or web user who sent it
    review_state: str | None  # None (received), "hasIssues", "edited" or "approved"
    household_no: str
    village_code: str
    visit_date: dt.date
    visitor_name: str
    visitor_unit: str | None
    household_present: bool
    authorization_signed: bool
    household_size: int
    income_estimate: Decimal  # yuan per person per year
    medical_expense: Decimal | None  # yuan this year
    education_expense: Decimal | None  # yuan this year
    hardships: tuple[Hardship, ...]
    risk_types: tuple[RiskType, ...]
    suggest_monitoring: bool
    notes: str | None  # ID- and phone-like numbers masked
    source_row: int  # CSV: the row number a spreadsheet shows; JSON: 1-based index in "value"
    authorization_photo: str | None = None  # the photo's file name in Central
    form_version: str | None = None


@dataclass(frozen=True, slots=True)
class SubmissionFile:
    """What :func:`read_submissions` found in one file."""

    name: str  # the file's name; for a zip "<zip>/<member csv>"
    format: Literal["csv", "json"]
    rows_in: int
    accepted: tuple[VisitSubmission, ...]
    rejects: tuple[Reject, ...]  # every problem, in row order
    rejected: tuple[int, ...]  # the rows rejected (source_row), each once
    skipped: tuple[Skip, ...]
    ignored: tuple[str, ...] = ()  # zip members not read (media, repeat-group CSVs)
    notices: tuple[str, ...] = ()  # things the user should know (masked notes, a partial page)


# ---------------------------------------------------------------- entry points


def read_submissions(path: Path, *, today: dt.date | None = None) -> SubmissionFile:
    """Read and check an ODK Central export of the home-visit form (CSV, zip or OData JSON).

    ``today`` is the last allowed visit date (default: today in China). Raises
    InputFileError with a hint for a file that is not such an export, IntegrityError if the
    rows do not reconcile.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(
            f"找不到文件 / file not found: {path}",
            hint="检查路径后重试 / check the path and try again",
        )
    today = today or today_in_china()
    suffix = path.suffix.lower()
    with path.open("rb") as fh:
        zipped = fh.read(4) == b"PK\x03\x04"
    if suffix == ".zip" or (suffix == ".csv" and zipped):
        return _read_zip(path, today)
    if suffix == ".csv":
        return _check_file(_read_csv(path, path.name), today)
    if suffix == ".json":
        return _check_file(_read_json(path), today)
    raise InputFileError(
        f"{path.name} 不是 ODK Central 导出的文件（.csv、.zip 或 .json） / "
        f"{path.name} is not an ODK Central export (.csv, .zip or .json)",
        hint="在 ODK Central 打开表单的 Submissions，下载 CSV（.zip），或把 OData 的 Submissions "
        "另存为 .json / in ODK Central open the form's Submissions, Download → CSV (a .zip), "
        "or save the OData feed's Submissions as .json",
    )


def write_rejects(
    rejects: Iterable[Reject], path: Path, *, file_name: str = "", sheet: str = ""
) -> Path:
    """Write the rejects report (the feed imports' layout, UTF-8 with BOM) and return its path."""
    with ReportWriter(Path(path), REJECT_HEADER) as writer:
        for r in rejects:
            writer.write((file_name, sheet, r.source_row, r.column, r.value, r.code, r.zh, r.en))
    return Path(path)


# ---------------------------------------------------------------- reading: a common row form


@dataclass(slots=True)
class _Raw:
    """One export row before checking: values by our key, and the file's names for them."""

    row: int
    values: Mapping[str, object]
    columns: Mapping[str, str]


@dataclass(slots=True)
class _Rows:
    name: str
    format: Literal["csv", "json"]
    rows_in: int  # counted as the file is read, apart from the lists below
    rows: list[_Raw]
    malformed: list[Reject]
    ignored: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()


def _read_csv(path: Path, name: str) -> _Rows:
    source = open_source(path, known_headers=list(CSV_COLUMNS.values()), min_known=2)
    columns = _csv_columns(source.header, name)
    rows: list[_Raw] = []
    malformed: list[Reject] = []
    rows_in = 0
    for chunk in source.chunks():
        rows_in += chunk.rows
        for number, record in zip(chunk.row_numbers.tolist(), chunk.table.to_pylist(), strict=True):
            values = {key: record.get(column) for key, column in columns.items()}
            rows.append(_Raw(row=int(number), values=values, columns=columns))
        malformed.extend(
            Reject(m.row, "", "", Problem.malformed.value, m.reason_zh, m.reason_en)
            for m in chunk.malformed
        )
    return _Rows(name=name, format="csv", rows_in=rows_in, rows=rows, malformed=malformed)


def _csv_columns(header: Sequence[str], name: str) -> dict[str, str]:
    """Our keys → the file's column names; InputFileError when it is not this form's export."""
    present = set(header)
    if KEY_COLUMN not in present:
        raise _wrong_form(name, ungrouped="household_no" in present)
    columns = {key: column for key, column in CSV_COLUMNS.items() if column in present}
    if "instance_id" not in columns and "meta-instanceID" in present:
        columns["instance_id"] = "meta-instanceID"
    for key in ("instance_id", "submitted_at"):
        if key not in columns:
            raise InputFileError(
                f"{name} 没有 {CSV_COLUMNS[key]} 列，不是 ODK Central 导出的 Submissions CSV / "
                f"{name} has no {CSV_COLUMNS[key]} column: it is not a Submissions CSV as "
                "ODK Central exports it",
                hint="从 ODK Central 重新下载提交记录，不要删除列 / "
                "download the submissions from ODK Central again and do not remove columns",
            )
    return columns


def _wrong_form(name: str, *, ungrouped: bool = False) -> InputFileError:
    if ungrouped:
        return InputFileError(
            f"{name} 导出时去掉了分组名称（{KEY_COLUMN} 变成了 household_no） / "
            f"{name} was exported without group names ({KEY_COLUMN} is named household_no)",
            hint="在 ODK Central 重新下载 CSV 并保留分组名称（不要勾选 'Remove group names'） / "
            "in ODK Central download the CSV again with the group names kept "
            "(do not tick 'Remove group names')",
        )
    return InputFileError(
        f"{name} 不是入户走访表单 {FORM_ID} 的导出，没有 {KEY_COLUMN} 列 / "
        f"{name} is not an export of the home-visit form {FORM_ID}: it has no {KEY_COLUMN} column",
        hint=f"从 ODK Central 下载表单 {FORM_ID} 的提交记录 / "
        f"download the submissions of the form {FORM_ID} from ODK Central",
    )


def _read_zip(path: Path, today: dt.date) -> SubmissionFile:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise InputFileError(
            f"{path.name} 不是有效的 zip 文件 / {path.name} is not a valid zip file",
            hint="从 ODK Central 重新下载 CSV（.zip），下载可能不完整 / "
            "download the CSV (.zip) from ODK Central again; the download may be cut short",
        ) from None
    with archive, tempfile.TemporaryDirectory(prefix="bottomline-odk-") as tmp:
        member, ignored = _main_member(archive, path.name)
        target = Path(tmp) / "submissions.csv"
        with archive.open(member) as src, target.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        rows = _read_csv(target, f"{path.name}/{member.filename}")
        notices = (f"zip 中未读取 / ignored in the zip: {', '.join(ignored)}",) if ignored else ()
        rows = dataclasses.replace(rows, ignored=ignored, notices=notices)
        if ignored:
            log.info("zip members not read", extra={"file": path.name, "ignored": len(ignored)})
        return _check_file(rows, today)


def _main_member(archive: zipfile.ZipFile, name: str) -> tuple[zipfile.ZipInfo, tuple[str, ...]]:
    """The Submissions CSV in the zip and the members not read (media, repeat CSVs, others)."""
    found: list[zipfile.ZipInfo] = []
    ignored: list[str] = []
    for info in archive.infolist():
        if info.is_dir():
            continue
        csv_file = info.filename.lower().endswith(".csv") and not info.filename.startswith(
            _NOT_DATA
        )
        if csv_file and _is_main_csv(archive, info):
            found.append(info)
        else:
            ignored.append(info.filename)
    if len(found) > 1:
        found = [info for info in found if info.filename == f"{FORM_ID}.csv"] or found
    if not found:
        raise _wrong_form(name)
    if len(found) > 1:
        raise InputFileError(
            f"{name} 含多个 Submissions CSV / "
            f"{name} holds several Submissions CSVs: {', '.join(i.filename for i in found)}",
            hint="每个表单的导出分别导入 / import each form's export on its own",
        )
    if found[0].file_size > MAX_ZIP_MEMBER:
        raise InputFileError(
            f"{name}：{found[0].filename} 超过 {MAX_ZIP_MEMBER >> 20} MB / "
            f"{name}: {found[0].filename} is larger than {MAX_ZIP_MEMBER >> 20} MB",
            hint="每次少导出一些提交记录（在 ODK Central 按日期筛选） / "
            "export fewer submissions at a time (filter by date in ODK Central)",
        )
    return found[0], tuple(ignored)


def _is_main_csv(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """A CSV whose header names this form's fields and is not a repeat group's (PARENT_KEY)."""
    with archive.open(info) as fh:
        head = fh.read(1 << 16)
    text = head.decode("utf-8", errors="replace") if head else ""
    header = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    names = {cell.strip().strip('"') for cell in header.split(",")}
    return KEY_COLUMN in names and "PARENT_KEY" not in names


def _read_json(path: Path) -> _Rows:
    entries, notices = _json_entries(path)
    _check_json_form(entries, path.name)
    rows: list[_Raw] = []
    malformed: list[Reject] = []
    for index, entry in enumerate(entries, start=1):
        if isinstance(entry, dict):
            rows.append(_json_row(index, entry))
        else:
            zh, en = "该条记录不是 JSON 对象", "the entry is not a JSON object"
            malformed.append(Reject(index, "", "", Problem.malformed.value, zh, en))
    return _Rows(
        name=path.name,
        format="json",
        rows_in=len(entries),
        rows=rows,
        malformed=malformed,
        notices=notices,
    )


def _json_entries(path: Path) -> tuple[list[Any], tuple[str, ...]]:
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"), parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputFileError(
            f"{path.name} 不是有效的 JSON / "
            f"{path.name} is not valid JSON ({str(err).splitlines()[0][:120]})",
            hint="把 ODK Central 的 OData Submissions 响应原样存为 UTF-8 / "
            "save the OData Submissions response from ODK Central unchanged, as UTF-8",
        ) from None
    if isinstance(document, list):
        return document, ()
    if not isinstance(document, dict) or not isinstance(document.get("value"), list):
        raise InputFileError(
            f'{path.name} 不是 OData Submissions 响应（没有 "value" 列表） / '
            f'{path.name} is not an OData Submissions response (no "value" list)',
            hint=f"把 ODK Central 的 …/forms/{FORM_ID}.svc/Submissions 存为 .json / "
            f"save …/forms/{FORM_ID}.svc/Submissions from ODK Central as .json",
        )
    notices: tuple[str, ...] = ()
    if document.get("@odata.nextLink"):
        notices = (
            "该文件只是列表的一页（@odata.nextLink），其余各页也须导入 / "
            "the file is one page of a longer list (@odata.nextLink): import the next pages too",
        )
    return document["value"], notices


def _json_row(index: int, entry: Mapping[str, Any]) -> _Raw:
    system = _object(entry, "__system")
    visit = _object(entry, GROUP)
    values: dict[str, object] = {key: system.get(name) for key, name in _JSON_META.items()}
    values["instance_id"] = entry.get("__id")
    values.update({f: visit.get(f) for f in FIELDS})
    columns = {key: f"__system/{name}" for key, name in _JSON_META.items()}
    columns["instance_id"] = "__id"
    columns.update({f: f"{GROUP}/{f}" for f in FIELDS})
    return _Raw(row=index, values=values, columns=columns)


def _object(entry: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = entry.get(key)
    return value if isinstance(value, dict) else {}


def _check_json_form(entries: Sequence[Any], name: str) -> None:
    """Wrong form: entries with data (not encrypted) and none has the ``visit`` group.

    Central writes every group of the form into every entry (null fields included), except
    into an encrypted one.
    """
    plain = [e for e in entries if isinstance(e, dict) and not _object(e, "__system").get("status")]
    if plain and not any(isinstance(e.get(GROUP), dict) for e in plain):
        raise _wrong_form(name)


# ---------------------------------------------------------------- checking


def _check_file(rows: _Rows, today: dt.date) -> SubmissionFile:
    accepted: list[VisitSubmission] = []
    rejects: list[Reject] = list(rows.malformed)
    skipped: list[Skip] = []
    seen: dict[str, int] = {}
    for raw in rows.rows:
        outcome = _check_row(raw, today, seen)
        if isinstance(outcome, VisitSubmission):
            accepted.append(outcome)
        elif isinstance(outcome, Skip):
            skipped.append(outcome)
        else:
            rejects.extend(outcome)
    rejects.sort(key=lambda r: r.source_row)
    rejected = tuple(sorted({r.source_row for r in rejects}))
    _reconcile(rows, len(accepted), len(rejected), len(skipped))
    notices = rows.notices + _masked_notice(accepted, rows.rows)
    return SubmissionFile(
        name=rows.name,
        format=rows.format,
        rows_in=rows.rows_in,
        accepted=tuple(accepted),
        rejects=tuple(rejects),
        rejected=rejected,
        skipped=tuple(skipped),
        ignored=rows.ignored,
        notices=notices,
    )


def _reconcile(rows: _Rows, accepted: int, rejected: int, skipped: int) -> None:
    if rows.rows_in != accepted + rejected + skipped:
        raise IntegrityError(
            f"{rows.name}：读入行数 {rows.rows_in} ≠ 接收 {accepted} + 拒收 {rejected} + "
            f"跳过 {skipped} / {rows.name}: rows in ({rows.rows_in}) ≠ accepted ({accepted}) + "
            f"rejected ({rejected}) + skipped ({skipped})",
            hint="这是 bottomline 的程序错误，请连同文件一起报告 / "
            "this is a bug in bottomline; please report it with the file",
        )


def _masked_notice(accepted: Sequence[VisitSubmission], raws: Sequence[_Raw]) -> tuple[str, ...]:
    rows = {r.row: r for r in raws}
    count = sum(
        1 for s in accepted if (s.notes or "") != _text(rows[s.source_row].values.get("notes"))
    )
    if not count:
        return ()
    return (
        f"{count} 条提交的备注含类似证件号或电话的号码，已遮蔽 / "
        f"notes of {count} submission(s) held ID- or phone-like numbers; they were masked",
    )


def _check_row(
    raw: _Raw, today: dt.date, seen: dict[str, int]
) -> VisitSubmission | Skip | list[Reject]:
    check = _Check(raw)
    instance_id = check.instance_id(seen)
    if check.text("review_state") == "rejected":
        code = SkipReason.review_rejected
        return Skip(raw.row, instance_id, code.value, code.zh, code.en)
    if check.text("status"):
        status = check.text("status")
        check.fail("status", Problem.encrypted, zh=f"（{status}）", en=f" ({status})")
        return check.rejects
    visit = _visit(check, instance_id, today)
    return check.rejects if check.rejects else visit


def _visit(c: _Check, instance_id: str, today: dt.date) -> VisitSubmission:
    """The row as a visit; a value with a problem is recorded and replaced by a placeholder
    (the caller drops the visit when there is any problem)."""
    return VisitSubmission(
        instance_id=instance_id,
        submitted_at=c.timestamp("submitted_at"),
        submitter=c.optional_text("submitter", max_len=MAX_NAME),
        review_state=c.review_state(),
        household_no=c.digits("household_no", 1, HOUSEHOLD_NO_MAX, Problem.bad_household_no),
        village_code=c.digits(
            "village_code", VILLAGE_CODE_DIGITS, VILLAGE_CODE_DIGITS, Problem.bad_village_code
        ),
        visit_date=c.visit_date("visit_date", today),
        visitor_name=c.required_text("visitor_name", max_len=MAX_NAME),
        visitor_unit=c.optional_text("visitor_unit", max_len=MAX_NAME),
        household_present=c.yes_no("household_present"),
        authorization_signed=c.yes_no("authorization_signed"),
        household_size=c.integer("household_size", *HOUSEHOLD_SIZE),
        income_estimate=c.amount("income_estimate") or Decimal(0),
        medical_expense=c.amount("medical_expense", required=False),
        education_expense=c.amount("education_expense", required=False),
        hardships=c.choices("hardships", Hardship),
        risk_types=c.choices("risk_types", RiskType, at_most=MAX_RISK_TYPES),
        suggest_monitoring=c.yes_no("suggest_monitoring"),
        notes=_mask_numbers(c.optional_text("notes", max_len=MAX_NOTES) or "") or None,
        source_row=c.raw.row,
        authorization_photo=c.optional_text("authorization_photo", max_len=255),
        form_version=c.optional_text("form_version", max_len=MAX_NAME),
    )


_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+\d+$", re.IGNORECASE)
_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$|^(\d{4})(\d{2})(\d{2})$", re.ASCII)
_INTEGER = re.compile(r"^[0-9]+$", re.ASCII)
_THOUSANDS = re.compile(r"^[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$", re.ASCII)
_NO_DATE = dt.date(1, 1, 1)
E = TypeVar("E", bound=LabelledEnum)
_NO_TIME = dt.datetime(1, 1, 1, tzinfo=dt.UTC)


class _Check:
    """Reads one row's values, recording a :class:`Reject` for every problem found."""

    def __init__(self, raw: _Raw) -> None:
        self.raw = raw
        self.rejects: list[Reject] = []

    def text(self, key: str) -> str:
        return _text(self.raw.values.get(key))

    def fail(
        self, key: str, problem: Problem, *, value: str | None = None, zh: str = "", en: str = ""
    ) -> None:
        shown = _shown(key, self.text(key) if value is None else value)
        column = self.raw.columns.get(key, key)
        self.rejects.append(
            Reject(self.raw.row, column, shown, problem.value, problem.zh + zh, problem.en + en)
        )

    def instance_id(self, seen: dict[str, int]) -> str:
        value = self.required_text("instance_id", max_len=200)
        if value and value in seen:
            self.fail(
                "instance_id",
                Problem.duplicate,
                zh=f"（第 {seen[value]} 行）",
                en=f" (row {seen[value]})",
            )
        elif value:
            seen[value] = self.raw.row
        return value

    def required_text(self, key: str, *, max_len: int) -> str:
        value = self.optional_text(key, max_len=max_len)
        if value is None and not self.text(key):
            self.fail(key, Problem.missing)
        return value or ""

    def optional_text(self, key: str, *, max_len: int) -> str | None:
        value = self.text(key)
        if len(value) > max_len:
            self.fail(
                key,
                Problem.too_long,
                zh=f"（最多 {max_len} 字）",
                en=f" (at most {max_len} characters)",
            )
            return None
        return value or None

    def digits(self, key: str, shortest: int, longest: int, problem: Problem) -> str:
        value = self.required_text(key, max_len=200)
        if value and not (_DIGITS.fullmatch(value) and shortest <= len(value) <= longest):
            zh, en = _digits_detail(value, shortest, longest)
            self.fail(key, problem, zh=zh, en=en)
        return value

    def timestamp(self, key: str) -> dt.datetime:
        value = self.required_text(key, max_len=100)
        if not value:
            return _NO_TIME
        try:
            parsed = dt.datetime.fromisoformat(value.replace("/", "-"))
        except ValueError:
            self.fail(key, Problem.bad_date)
            return _NO_TIME
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)

    def visit_date(self, key: str, today: dt.date) -> dt.date:
        value = self.required_text(key, max_len=100)
        if not value:
            return _NO_DATE
        parsed = _parse_date(value)
        if parsed is None:
            self.fail(key, Problem.bad_date)
            return _NO_DATE
        if not EARLIEST_VISIT <= parsed <= today:
            low, high = EARLIEST_VISIT.isoformat(), today.isoformat()
            self.fail(key, Problem.date_range, zh=f"（{low} 至 {high}）", en=f" ({low} to {high})")
        return parsed

    def integer(self, key: str, low: int, high: int) -> int:
        value = self.required_text(key, max_len=100)
        if not value:
            return 0
        if not _INTEGER.fullmatch(value):
            self.fail(key, Problem.bad_number, zh="（应为整数）", en=" (a whole number)")
            return 0
        if not low <= int(value) <= high:
            self.fail(key, Problem.out_of_range, zh=f"（{low}–{high}）", en=f" ({low}-{high})")
        return int(value)

    def amount(self, key: str, *, required: bool = True) -> Decimal | None:
        value = self.required_text(key, max_len=100) if required else self.text(key)
        if not value:
            return None
        parsed = _parse_amount(value)
        if parsed is None:
            self.fail(key, Problem.bad_number)
        elif parsed > MAX_AMOUNT:
            self.fail(
                key,
                Problem.implausible,
                zh=f"（不超过 {MAX_AMOUNT:,} 元）",
                en=f" (at most {MAX_AMOUNT:,} yuan)",
            )
        return parsed

    def yes_no(self, key: str) -> bool:
        value = self.required_text(key, max_len=100)
        if value and value not in _values(YesNo):
            self.fail(key, Problem.bad_code, zh="；允许：yes、no", en="; allowed: yes, no")
        return value == YesNo.yes.value

    def choices(self, key: str, enum: type[E], *, at_most: int | None = None) -> tuple[E, ...]:
        values = list(dict.fromkeys(self.text(key).split()))
        unknown = [v for v in values if v not in _values(enum)]
        if unknown:
            self.fail(key, Problem.bad_code, value=" ".join(unknown))
        if at_most is not None and len(values) > at_most:
            self.fail(
                key, Problem.too_many, zh=f"（最多 {at_most} 项）", en=f" (at most {at_most})"
            )
        return tuple(enum(v) for v in values if v not in unknown)

    def review_state(self) -> str | None:
        value = self.text("review_state")
        if value and value not in REVIEW_STATES:
            self.fail(
                "review_state",
                Problem.bad_code,
                zh=f"；允许：{'、'.join(REVIEW_STATES)}",
                en=f"; allowed: {', '.join(REVIEW_STATES)}",
            )
        return value or None


def _text(value: object) -> str:
    """A raw value (CSV text or a JSON value) as stripped text; empty for null."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def _values(enum: type[LabelledEnum]) -> set[str]:
    return {member.value for member in enum}


def _parse_date(value: str) -> dt.date | None:
    match = _DATE.fullmatch(value)
    if match is None:
        return None
    year, month, day = (int(g) for g in match.groups() if g is not None)
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _parse_amount(value: str) -> Decimal | None:
    """A non-negative finite number (``1,234.50`` accepted), or None."""
    text = value.replace(",", "") if _THOUSANDS.fullmatch(value) else value
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() and number >= 0 else None


def _digits_detail(value: str, shortest: int, longest: int) -> tuple[str, str]:
    if _SCIENTIFIC.fullmatch(value):
        return (
            "（被 Excel 改成了科学计数法，请重新导出）",
            " (Excel turned it into a number; export again)",
        )
    if shortest == longest:
        return "", ""
    return f"（{shortest}–{longest} 位）", f" ({shortest}-{longest} digits)"


# ---------------------------------------------------------------- masking

# A run of digits (single spaces or hyphens may separate them, an ID may end in X) that is not
# part of a longer word. Masked: 11 digits starting with 1 (a mobile phone), 15 or more digits
# (a resident ID, a bank card). 12-digit village codes and shorter numbers stay readable.
_NUMBER_RUN = re.compile(r"(?<![0-9A-Za-z])\d(?:[ -]?\d){10,}(?:[ -]?[Xx])?(?![0-9A-Za-z])")


def _mask_numbers(text: str) -> str:
    """``text`` with phone-, ID- and card-like numbers masked (138****5678, 5323**…**12)."""
    return _NUMBER_RUN.sub(_mask_run, text)


def _mask_run(match: re.Match[str]) -> str:
    number = re.sub(r"[ -]", "", match.group())
    if len(number) == 11 and number.startswith("1"):
        return mask_phone(number)
    return mask_id(number) if len(number) >= 15 else match.group()


def _shown(key: str, value: str) -> str:
    """A value as a report may show it: free text never, names masked, long numbers masked."""
    if key == "notes":
        return ""
    if key in ("visitor_name", "submitter"):
        return mask_name(value)
    return _mask_numbers(value)[:100]


__all__ = [
    "CSV_COLUMNS",
    "FIELDS",
    "Problem",
    "Reject",
    "Skip",
    "SkipReason",
    "SubmissionFile",
    "VisitSubmission",
    "read_submissions",
    "write_rejects",
]
