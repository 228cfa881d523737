"""Reading ODK Central exports of the home-visit form: CSV, zip, OData JSON; every row accounted.

The fixtures in odk_fixtures/ are hand-written in Central's layouts (see the module docstring of
bottomline.cases.odk.submissions): visits.csv and visits.json hold the same five submissions;
problems.csv has one row per way a row can be rejected or skipped.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import io
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bottomline.cases.odk import submissions
from bottomline.cases.odk.form import Hardship
from bottomline.cases.odk.submissions import (
    Reject,
    SubmissionFile,
    VisitSubmission,
    read_submissions,
    write_rejects,
)
from bottomline.errors import InputFileError, IntegrityError
from bottomline.screening.enums import RiskType
from bottomline.spreadsheet import REJECT_HEADER

FIXTURES = Path(__file__).parent / "odk_fixtures"
TODAY = dt.date(2026, 11, 23)


def read(path: Path) -> SubmissionFile:
    return read_submissions(path, today=TODAY)


def without_row(visit: VisitSubmission) -> VisitSubmission:
    return dataclasses.replace(visit, source_row=0)


def reconciles(result: SubmissionFile) -> bool:
    total = len(result.accepted) + len(result.rejected) + len(result.skipped)
    return result.rows_in == total


# ---------------------------------------------------------------- the same five visits


def test_csv_and_json_of_the_same_submissions_give_equal_visits() -> None:
    from_csv, from_json = read(FIXTURES / "visits.csv"), read(FIXTURES / "visits.json")
    assert (from_csv.rows_in, from_json.rows_in) == (5, 5)
    assert from_csv.rejects == from_json.rejects == ()
    assert [without_row(v) for v in from_csv.accepted] == [
        without_row(v) for v in from_json.accepted
    ]
    assert [v.source_row for v in from_csv.accepted] == [2, 3, 4, 5, 6]
    assert [v.source_row for v in from_json.accepted] == [1, 2, 3, 4, 5]
    assert (from_csv.format, from_json.format) == ("csv", "json")


def test_a_visit_is_read_with_its_types() -> None:
    first, second, third, edited, fifth = read(FIXTURES / "visits.csv").accepted
    assert first.instance_id == "uuid:6f1c2d3e-0001-4a5b-8c9d-000000000001"
    assert first.submitted_at == dt.datetime(2026, 11, 3, 2, 15, 30, 123000, tzinfo=dt.UTC)
    assert first.submitter == "老城乡-张文"
    assert first.review_state == "approved"
    assert (first.household_no, first.village_code) == ("53232810100100001", "532328101001")
    assert first.visit_date == dt.date(2026, 11, 2)
    assert (first.household_present, first.authorization_signed) == (True, True)
    assert first.authorization_photo == "1762045800123.jpg"
    assert (first.household_size, first.income_estimate) == (4, Decimal("5200.50"))
    assert (first.medical_expense, first.education_expense) == (Decimal(12000), None)
    assert first.hardships == (Hardship.illness, Hardship.schooling_cost)
    assert first.risk_types == (RiskType.illness,)
    assert first.suggest_monitoring is True
    assert first.form_version == "2026112301"
    assert (second.review_state, second.hardships, second.risk_types) == (None, (), ())
    assert (second.visitor_unit, second.notes, second.suggest_monitoring) == (None, None, False)
    assert third.visit_date == dt.date(2026, 11, 4)  # written 2026/11/4 by Excel
    assert third.notes == "7月洪水冲毁厨房, 已申请临时救助"  # a quoted comma
    assert edited.income_estimate == Decimal("12500.75")  # "12,500.75"
    assert len(fifth.risk_types) == 5


def test_an_edited_submission_keeps_its_first_id() -> None:
    edited = read(FIXTURES / "visits.csv").accepted[3]
    assert edited.review_state == "edited"
    assert edited.instance_id == "uuid:6f1c2d3e-0004-4a5b-8c9d-000000000004"  # KEY, not meta-


def test_phone_numbers_in_notes_are_masked_and_noticed() -> None:
    for name in ("visits.csv", "visits.json"):
        result = read(FIXTURES / name)
        assert result.accepted[3].notes == "户主联系电话138****5678，外出务工返乡"
        assert any("masked" in notice for notice in result.notices)


# ---------------------------------------------------------------- every way a row goes wrong

EXPECTED_REJECTS = [
    (3, "visit-household_no", "missing"),
    (4, "visit-household_no", "bad_household_no"),
    (5, "visit-village_code", "bad_village_code"),
    (6, "visit-village_code", "bad_village_code"),
    (7, "visit-visit_date", "bad_date"),
    (8, "visit-visit_date", "date_range"),
    (9, "visit-visit_date", "date_range"),
    (10, "visit-visitor_name", "missing"),
    (11, "visit-household_present", "bad_code"),
    (12, "visit-household_size", "out_of_range"),
    (13, "visit-household_size", "bad_number"),
    (14, "visit-income_estimate", "bad_number"),
    (15, "visit-income_estimate", "bad_number"),
    (16, "visit-income_estimate", "implausible"),
    (17, "visit-medical_expense", "implausible"),
    (18, "visit-hardships", "bad_code"),
    (19, "visit-risk_types", "too_many"),
    (20, "visit-risk_types", "bad_code"),
    (21, "KEY", "duplicate"),
    (23, "Status", "encrypted"),
    (24, "", "malformed"),
    (26, "SubmissionDate", "bad_date"),
    (27, "KEY", "missing"),
    (28, "visit-village_code", "bad_village_code"),
    (28, "visit-income_estimate", "bad_number"),
    (29, "ReviewState", "bad_code"),
    (31, "visit-household_no", "bad_household_no"),
    (32, "visit-income_estimate", "implausible"),
]


@pytest.fixture(scope="module")
def problems() -> SubmissionFile:
    return read(FIXTURES / "problems.csv")


def test_every_problem_is_rejected_at_its_row_and_column(problems: SubmissionFile) -> None:
    assert [(r.source_row, r.column, r.code) for r in problems.rejects] == EXPECTED_REJECTS


def test_rows_reconcile_in_the_problems_file(problems: SubmissionFile) -> None:
    # 31 lines after the header; line 25 is blank, so 30 rows
    assert problems.rows_in == 30
    assert [v.source_row for v in problems.accepted] == [2, 30]
    assert [s.source_row for s in problems.skipped] == [22]
    assert problems.rejected == tuple(sorted({row for row, _, _ in EXPECTED_REJECTS}))
    assert reconciles(problems)


def test_a_reviewer_rejected_submission_is_skipped_not_rejected(problems: SubmissionFile) -> None:
    (skip,) = problems.skipped
    assert (skip.instance_id, skip.code) == ("uuid:p-22", "review_rejected")
    assert "审核" in skip.zh
    assert 22 not in problems.rejected  # its missing household number is not reported


def test_a_duplicate_names_the_first_row(problems: SubmissionFile) -> None:
    duplicate = next(r for r in problems.rejects if r.code == "duplicate")
    assert "第 2 行" in duplicate.zh
    assert "row 2" in duplicate.en
    assert 2 in [v.source_row for v in problems.accepted]  # the first one stays


def test_the_reasons_say_what_is_allowed(problems: SubmissionFile) -> None:
    by_row = {(r.source_row, r.column): r for r in problems.rejects}
    assert "2020-01-01" in by_row[8, "visit-visit_date"].en
    assert "2026-11-23" in by_row[8, "visit-visit_date"].en
    assert "Excel" in by_row[6, "visit-village_code"].en
    assert "1-20" in by_row[12, "visit-household_size"].en
    assert by_row[18, "visit-hardships"].value == "flood"  # the unknown choice only
    assert by_row[29, "ReviewState"].value == "pending"
    assert "not decrypted" in by_row[23, "Status"].en


def test_an_accepted_row_may_use_excel_date_and_number_forms(problems: SubmissionFile) -> None:
    late = problems.accepted[1]
    assert (late.visit_date, late.income_estimate) == (dt.date(2026, 11, 1), Decimal("1234.50"))


def test_id_and_phone_numbers_are_never_shown_raw(problems: SubmissionFile) -> None:
    by_row = {r.source_row: r for r in problems.rejects}
    assert by_row[31].value == "5323************3X"
    assert by_row[32].value == "138****5678"
    shown = " ".join(r.value for r in problems.rejects)
    assert "53232819800101003X" not in shown
    assert "13812345678" not in shown


def test_notes_are_never_echoed_in_a_reject(tmp_path: Path) -> None:
    text = (FIXTURES / "visits.csv").read_text(encoding="utf-8")
    long_note = "电话13812345678" + "很" * 1000
    path = tmp_path / "long.csv"
    path.write_text(text.replace("母亲住院，报销后自付较多", long_note), encoding="utf-8")
    result = read(path)
    (reject,) = result.rejects
    assert (reject.source_row, reject.column, reject.code) == (2, "visit-notes", "too_long")
    assert reject.value == ""


def test_write_rejects_uses_the_feed_report_layout(
    problems: SubmissionFile, tmp_path: Path
) -> None:
    path = write_rejects(problems.rejects, tmp_path / "rejects.csv", file_name="problems.csv")
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(rows[0]) == REJECT_HEADER
    assert len(rows) == 1 + len(problems.rejects)
    first = rows[1]
    assert first == [
        "problems.csv",
        "",
        "3",
        "visit-household_no",
        "",
        "missing",
        "必填项为空",
        "required value is empty",
    ]
    assert "13812345678" not in raw.decode("utf-8-sig")
    negative = next(r for r in rows if r[2] == "14")
    assert negative[4] == "'-100"  # a value a spreadsheet would run as a formula is defused


# ---------------------------------------------------------------- encodings and containers


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_a_csv_resaved_with_a_bom_or_in_gb18030_reads_the_same(
    encoding: str, tmp_path: Path
) -> None:
    text = (FIXTURES / "visits.csv").read_text(encoding="utf-8")
    path = tmp_path / "resaved.csv"
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    assert read(path).accepted == read(FIXTURES / "visits.csv").accepted


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_a_zip_export_reads_the_main_csv_and_lists_what_it_ignored(tmp_path: Path) -> None:
    main = (FIXTURES / "visits.csv").read_bytes()
    repeat = b"visit-member-name,PARENT_KEY,KEY\nx,uuid:1,uuid:1/visit/member[1]\n"
    path = _zip(
        tmp_path / "bottomline_home_visit.zip",
        {
            "bottomline_home_visit.csv": main,
            "bottomline_home_visit-member.csv": repeat,
            "media/1762045800123.jpg": b"\xff\xd8\xff\xe0 not a real photo",
            "files/uuid:1/1762236000456.jpg": b"\xff\xd8",
        },
    )
    result = read(path)
    assert result.accepted == read(FIXTURES / "visits.csv").accepted
    assert result.name == "bottomline_home_visit.zip/bottomline_home_visit.csv"
    assert set(result.ignored) == {
        "bottomline_home_visit-member.csv",
        "media/1762045800123.jpg",
        "files/uuid:1/1762236000456.jpg",
    }
    assert any("ignored" in notice for notice in result.notices)


def test_a_zip_saved_as_csv_with_the_export_in_a_folder_is_read(tmp_path: Path) -> None:
    main = (FIXTURES / "visits.csv").read_bytes()
    path = _zip(tmp_path / "download.csv", {"export/bottomline_home_visit.csv": main})
    result = read(path)
    assert len(result.accepted) == 5
    assert result.name == "download.csv/export/bottomline_home_visit.csv"
    assert result.ignored == ()


def test_a_zip_of_another_form_is_refused(tmp_path: Path) -> None:
    other = b"SubmissionDate,name,age,KEY\n2026-11-01T00:00:00.000Z,a,3,uuid:1\n"
    path = _zip(tmp_path / "other.zip", {"other.csv": other, "media/a.jpg": b"x"})
    with pytest.raises(InputFileError, match="visit-household_no") as caught:
        read(path)
    assert caught.value.hint


def test_a_damaged_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cut.zip"
    path.write_bytes(b"PK\x03\x04 cut short")
    with pytest.raises(InputFileError, match="not a valid zip"):
        read(path)


# ---------------------------------------------------------------- files that are not exports


def test_an_export_of_another_form_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("SubmissionDate,name,age,KEY\n2026-11-01T00:00:00.000Z,a,3,uuid:1\n")
    with pytest.raises(InputFileError, match="not an export of the home-visit form") as caught:
        read(path)
    assert "bottomline_home_visit" in str(caught.value.hint)


def test_an_export_without_group_names_says_how_to_export_again(tmp_path: Path) -> None:
    text = (FIXTURES / "visits.csv").read_text(encoding="utf-8")
    path = tmp_path / "ungrouped.csv"
    path.write_text(text.replace("visit-", ""), encoding="utf-8")
    with pytest.raises(InputFileError, match="without group names") as caught:
        read(path)
    assert "group names" in str(caught.value.hint)


def test_a_department_csv_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "medical.csv"
    path.write_text("身份证号,姓名\n532328198001010011,张三\n", encoding="utf-8")
    with pytest.raises(InputFileError):
        read(path)


@pytest.mark.parametrize("name", ["visits.xlsx", "visits.txt", "visits"])
def test_other_kinds_of_file_are_refused(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes((FIXTURES / "visits.csv").read_bytes())
    with pytest.raises(InputFileError, match=r"\.csv, \.zip or \.json"):
        read(path)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="not found"):
        read(tmp_path / "nowhere.csv")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"value": [', "not valid JSON"),
        ('{"items": []}', 'no "value" list'),
        ('"just text"', 'no "value" list'),
        ('{"value": [{"__id": "uuid:1", "name": "x"}]}', "not an export of the home-visit form"),
    ],
)
def test_json_that_is_not_the_odata_feed_is_refused(
    content: str, message: str, tmp_path: Path
) -> None:
    path = tmp_path / "submissions.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputFileError, match=re.escape(message)):
        read(path)


# ---------------------------------------------------------------- OData JSON rows


def _odata(entries: list[Any], **extra: Any) -> dict[str, Any]:
    return {
        "@odata.context": "…/bottomline_home_visit.svc/$metadata#Submissions",
        "value": entries,
        **extra,
    }


def _visit_entries() -> list[dict[str, Any]]:
    return json.loads((FIXTURES / "visits.json").read_text(encoding="utf-8"))["value"]


def test_json_rows_are_checked_like_csv_rows(tmp_path: Path) -> None:
    good, second, third, fourth, fifth = _visit_entries()
    second["__system"]["reviewState"] = "rejected"
    third["__system"]["status"] = "notDecrypted"
    del third["visit"]
    fourth["__id"] = good["__id"]
    fifth["visit"]["household_size"] = None
    fifth["visit"]["risk_types"] = "illness fire"
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(_odata([good, second, third, fourth, 42, fifth])), encoding="utf-8")
    result = read(path)
    assert [v.source_row for v in result.accepted] == [1]
    assert [(s.source_row, s.code) for s in result.skipped] == [(2, "review_rejected")]
    assert [(r.source_row, r.column, r.code, r.value) for r in result.rejects] == [
        (3, "__system/status", "encrypted", "notDecrypted"),
        (4, "__id", "duplicate", good["__id"]),
        (5, "", "malformed", ""),
        (6, "visit/household_size", "missing", ""),
        (6, "visit/risk_types", "bad_code", "fire"),
    ]
    assert result.rows_in == 6
    assert reconciles(result)


def test_a_paged_odata_response_is_noticed(tmp_path: Path) -> None:
    path = tmp_path / "page1.json"
    document = _odata(_visit_entries()[:2], **{"@odata.nextLink": "…/Submissions?$skip=2"})
    path.write_text(json.dumps(document), encoding="utf-8")
    result = read(path)
    assert len(result.accepted) == 2
    assert any("nextLink" in notice for notice in result.notices)


def test_json_decimals_are_read_exactly(tmp_path: Path) -> None:
    (entry,) = _visit_entries()[:1]
    path = tmp_path / "exact.json"
    text = json.dumps(_odata([entry])).replace(
        '"income_estimate": 5200.5', '"income_estimate": 0.1'
    )
    path.write_text(text, encoding="utf-8")
    assert read(path).accepted[0].income_estimate == Decimal("0.1")


# ---------------------------------------------------------------- reconciliation


def test_a_row_that_ends_nowhere_is_an_integrity_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(submissions, "_check_row", lambda raw, today, seen: [])
    with pytest.raises(IntegrityError, match="rows in"):
        read(FIXTURES / "visits.csv")


HEADER = next(csv.reader(io.StringIO((FIXTURES / "visits.csv").read_text(encoding="utf-8"))))
GOOD = next(csv.DictReader(io.StringIO((FIXTURES / "visits.csv").read_text(encoding="utf-8"))))
BAD: dict[str, dict[str, str]] = {
    "no_household": {"visit-household_no": ""},
    "bad_village": {"visit-village_code": "5323281010"},
    "future": {"visit-visit_date": "2027-01-01"},
    "bad_income": {"visit-income_estimate": "五千"},
    "too_many_risks": {"visit-risk_types": "illness disability accident schooling housing other"},
    "unknown_choice": {"visit-hardships": "poverty"},
    "encrypted": {"Status": "missing encrypted form data", "visit-household_no": ""},
}
KINDS = ["good", "good", "skip", "duplicate", "malformed", "blank", *BAD]


Row = dict[str, str] | str  # a record, or a raw line ("" a blank line)


def _plan(kinds: list[str], *, first: int) -> tuple[list[Row], dict[str, set[int]]]:
    """The rows for the kinds (numbered from ``first``) and the rows expected in each end."""
    rows: list[Row] = []
    expected: dict[str, set[int]] = {"accepted": set(), "rejected": set(), "skipped": set()}
    keys: list[str] = []
    number = first
    for kind in kinds:
        record, end = _record(kind, number, keys)
        rows.append(record)
        if end:
            expected[end].add(number)
        if isinstance(record, dict):
            keys.append(record["KEY"])
        number += 1
    return rows, expected


def _record(kind: str, number: int, keys: list[str]) -> tuple[Row, str]:
    if kind == "blank":
        return "", ""
    if kind == "malformed":
        return "2026-11-03T02:15:30.123Z,53232810100100001", "rejected"
    record = dict(GOOD, KEY=f"uuid:row-{number}")
    if kind == "good":
        return record, "accepted"
    if kind == "skip":
        return dict(record, ReviewState="rejected", **{"visit-income_estimate": "bad"}), "skipped"
    if kind == "duplicate":
        return (dict(record, KEY=keys[-1]), "rejected") if keys else (record, "accepted")
    return dict(record, **BAD[kind]), "rejected"


def _write_csv(path: Path, rows: list[Row]) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for row in rows:
        if isinstance(row, str):
            out.write(row + "\n")
        else:
            writer.writerow([row[h] for h in HEADER])
    path.write_text(out.getvalue(), encoding="utf-8")


def _entry(row: Row) -> object:
    """A CSV row as Central's OData would give it; a raw line becomes a non-object entry."""
    if isinstance(row, str):
        return 42
    system = {
        "submissionDate": row["SubmissionDate"],
        "submitterName": row["SubmitterName"],
        "reviewState": row["ReviewState"] or None,
        "status": row["Status"] or None,
    }
    visit = {f: row[f"visit-{f}"] or None for f in submissions.FIELDS}
    return {"__id": row["KEY"], "__system": system, "visit": visit}


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=st.lists(st.sampled_from(KINDS), max_size=40), as_json=st.booleans())
def test_every_row_ends_accepted_rejected_or_skipped(
    kinds: list[str], as_json: bool, tmp_path: Path
) -> None:
    if as_json:
        kinds = [k for k in kinds if k != "blank"]  # JSON has no blank lines
        rows, expected = _plan(kinds, first=1)
        path = tmp_path / "random.json"
        path.write_text(json.dumps(_odata([_entry(r) for r in rows])), encoding="utf-8")
    else:
        rows, expected = _plan(kinds, first=2)
        path = tmp_path / "random.csv"
        _write_csv(path, rows)
    result = read(path)
    assert reconciles(result)
    assert result.rows_in == sum(1 for k in kinds if k != "blank")
    assert {v.source_row for v in result.accepted} == expected["accepted"]
    assert set(result.rejected) == expected["rejected"]
    assert {s.source_row for s in result.skipped} == expected["skipped"]
    assert all(isinstance(r, Reject) and r.code for r in result.rejects)


def test_a_header_only_export_has_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    _write_csv(path, [])
    result = read(path)
    assert (result.rows_in, result.accepted, result.rejects, result.skipped) == (0, (), (), ())
