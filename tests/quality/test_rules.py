"""Every rule finds the problems planted for it and nothing else, on SQLite and PostgreSQL.

Plants are SQL updates on a clean synthetic county: a positive plant returns the subjects its
rule must report; a near miss (a boundary value, a removed record, a feed row that must not
count) returns nothing, so any finding it caused fails the exact comparison.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, delete, insert, select, update

from bottomline.assistance.models import IncomeFollowUp
from bottomline.db import utcnow
from bottomline.quality.models import QualityIssue
from bottomline.quality.rules import RULES, RULES_BY_CODE, Severity, Subject
from bottomline.registry.divisions import counties_of
from bottomline.registry.models import Household, HouseholdIncome, Member
from tests.quality.conftest import (
    TODAY,
    Picked,
    Planter,
    check,
    open_subjects,
    record_batch,
    with_check,
    write_public_security,
)

Expected = dict[str, set[str]]
ADULT = "relationship = 'head'"
MIGRANT = "migrant_months > 0 AND schooling = 'not_in_school'"
A_COUNTY = counties_of("440000000000")[0].code  # a workplace that is a county


def plant_ids(p: Planter, feeds: Path) -> Expected:
    short = p.member(ADULT)
    p.set_member(short.member_id, id_number=short.id_number[:17])
    letter = p.member(ADULT)
    p.set_member(letter.member_id, id_number=letter.id_number[:3] + "A" + letter.id_number[4:])
    checksum = p.member(f"{ADULT} AND id_number NOT LIKE '%X'")
    wrong = "1" if checksum.id_number[17] != "1" else "2"
    p.set_member(checksum.member_id, id_number=checksum.id_number[:17] + wrong)
    month13 = p.member(ADULT)
    body = month13.id_number[:10] + "13" + month13.id_number[12:17]
    p.set_member(month13.member_id, id_number=with_check(body))
    suffix = p.member(ADULT)
    p.set_member(suffix.member_id, id_number=suffix.id_number + "81", id_kind="disability_cert")
    good_cert = p.member(ADULT)  # near miss: a valid disability certificate number
    p.set_member(
        good_cert.member_id, id_number=good_cert.id_number + "32", id_kind="disability_cert"
    )
    return {
        "Q101": {s.subject for s in (short, letter, checksum, month13, suffix)},
        "Q104": {month13.subject},  # its ID's birth digits no longer match the birth date
    }


def plant_kind(p: Planter, feeds: Path) -> Expected:
    resident = p.member(ADULT)
    p.set_member(resident.member_id, id_number=resident.id_number + "24")  # kind stays resident
    cert = p.member(ADULT)
    p.set_member(cert.member_id, id_kind="disability_cert")
    return {"Q102": {resident.subject, cert.subject}}


def plant_duplicates(p: Planter, feeds: Path) -> Expected:
    first = p.member(ADULT)
    again = p.member(ADULT)
    _copy_identity(p, first, again, first.id_number + "11", "disability_cert")
    upper = p.member(f"{ADULT} AND id_number LIKE '%X'")
    lower = p.member(ADULT)
    _copy_identity(p, upper, lower, upper.id_number[:17] + "x", "resident_id")
    return {"Q103": {first.subject, again.subject, upper.subject, lower.subject}}


def _copy_identity(p: Planter, source: Picked, target: Picked, number: str, kind: str) -> None:
    """Make ``target`` the same person as ``source`` under another number."""
    rows = p.execute(select(Member.birth_date, Member.sex).where(Member.id == source.member_id))
    born, sex = rows[0]
    p.set_member(target.member_id, id_number=number, id_kind=kind, birth_date=born, sex=sex)


def plant_birth_and_sex(p: Planter, feeds: Path) -> Expected:
    born = p.member(ADULT)
    rows = p.execute(select(Member.birth_date).where(Member.id == born.member_id))
    p.set_member(born.member_id, birth_date=rows[0][0] + dt.timedelta(days=1))
    sex = p.member(ADULT)
    rows = p.execute(select(Member.sex).where(Member.id == sex.member_id))
    p.set_member(sex.member_id, sex="female" if rows[0][0] == "male" else "male")
    return {"Q104": {born.subject, sex.subject}}


def plant_deaths(p: Planter, feeds: Path) -> Expected:
    dead = p.member(ADULT)
    removed = p.member("relationship <> 'head' AND labour_capacity = 'none'")
    p.set_member(removed.member_id, removed_at=utcnow())
    uncommitted = p.member(ADULT)
    injured = p.member(ADULT)
    day = dt.date(2025, 9, 3)
    write_public_security(
        feeds,
        1,
        "2025-09",
        [
            (dead.member_id, dead.household_id, "death", day),
            (dead.member_id, dead.household_id, "death", day + dt.timedelta(days=2)),
            (removed.member_id, removed.household_id, "death", day),
            (injured.member_id, injured.household_id, "injury", day),
        ],
    )
    write_public_security(
        feeds, 2, "2025-09", [(uncommitted.member_id, uncommitted.household_id, "death", day)]
    )
    record_batch(p.engine, 1, "2025-09")
    record_batch(p.engine, 2, "2025-09", status="failed")
    return {"Q105": {dead.subject}}


def plant_heads(p: Planter, feeds: Path) -> Expected:
    headless = p.member(ADULT)
    p.set_member(headless.member_id, relationship="other")
    two = p.member("relationship = 'spouse'")
    p.set_member(two.member_id, relationship="head")
    gone = p.member(ADULT)  # near miss: a removed household is not checked
    p.set_member(gone.member_id, relationship="other")
    p.set_household(gone.household_id, removed_at=utcnow())
    return {"Q201": {headless.household, two.household}}


def plant_labour(p: Planter, feeds: Path) -> Expected:
    flagged = p.household("no_labour_household = :f", f=False)
    p.set_household(flagged, no_labour_household=True)
    unflagged = p.household("no_labour_household = :f", f=False)
    p.set_members(unflagged, labour_capacity="lost")
    weak = p.household("no_labour_household = :f", f=False)  # near miss: weak labour
    p.set_members(weak, labour_capacity="weak")
    p.set_household(weak, no_labour_household=True)
    return {"Q202": {f"household:{flagged}"}, "Q203": {f"household:{unflagged}"}}


def plant_work(p: Planter, feeds: Path) -> Expected:
    student = p.member("schooling = 'compulsory'")
    p.set_member(student.member_id, migrant_months=4, migrant_place=A_COUNTY)
    no_place = p.member(MIGRANT)
    p.set_member(no_place.member_id, migrant_place=None)
    blank = p.member(MIGRANT)
    p.set_member(blank.member_id, migrant_place=" ")
    too_long = p.member(MIGRANT)
    p.set_member(too_long.member_id, migrant_months=13)
    city = p.member(MIGRANT)
    p.set_member(city.member_id, migrant_place="440300000000")  # 深圳市 has districts
    words = p.member(MIGRANT)
    p.set_member(words.member_id, migrant_place="广东深圳")
    dongguan = p.member(MIGRANT)  # near miss: a city without counties is county level
    p.set_member(dongguan.member_id, migrant_place="441900000000")
    town = p.member(MIGRANT)  # near miss: a township below a county is precise enough
    p.set_member(town.member_id, migrant_place=A_COUNTY[:6] + "101000")
    return {
        "Q301": {student.subject},
        "Q302": {no_place.subject, blank.subject},
        "Q303": {too_long.subject},
        "Q304": {city.subject, words.subject},
    }


def plant_welfare_jobs(p: Planter, feeds: Path) -> Expected:
    flagged = [p.aged(15), p.aged(70, ADULT), p.aged(84, ADULT)]
    fine = [p.aged(16), p.aged(69, ADULT)]
    for picked in flagged + fine:
        p.set_member(picked.member_id, public_welfare_job=True)
    return {"Q305": {s.subject for s in flagged}}


def plant_insurance(p: Planter, feeds: Path) -> Expected:
    missing = p.member(ADULT)
    p.set_member(missing.member_id, insured_serious_illness=False)
    uninsured = p.member(ADULT)  # not insured at all: an enrolment task (Q403), not Q401
    p.set_member(uninsured.member_id, insured_medical=False, insured_serious_illness=False)
    return {"Q401": {missing.subject}, "Q403": {uninsured.subject}}


def plant_no_income(p: Planter, feeds: Path) -> Expected:
    # the check month 2025-10 reads annual records of 2024 and 2025 and follow-ups from
    # 2024-10-01 to 2025-10-31
    none = p.household()
    p.execute(delete(HouseholdIncome).where(HouseholdIncome.household_id == none))
    old = p.household()  # only a 2023 record: too old
    p.execute(
        delete(HouseholdIncome).where(
            HouseholdIncome.household_id == old, HouseholdIncome.year == 2025
        )
    )
    p.execute(update(HouseholdIncome).where(HouseholdIncome.household_id == old).values(year=2023))
    late = p.household()  # a follow-up after the month does not count
    early = p.household()  # near miss: a follow-up on the first day of the reference period
    for hid, day in ((late, dt.date(2025, 11, 1)), (early, dt.date(2024, 10, 1))):
        p.execute(delete(HouseholdIncome).where(HouseholdIncome.household_id == hid))
        p.execute(
            insert(IncomeFollowUp).values(
                household_id=hid, followed_on=day, per_capita_income=9000, recorded_by="test"
            )
        )
    last_year = p.household()  # near miss: only the 2024 record, which overlaps the period
    p.execute(
        delete(HouseholdIncome).where(
            HouseholdIncome.household_id == last_year, HouseholdIncome.year == 2025
        )
    )
    return {"Q106": {f"household:{h}" for h in (none, old, late)}}


def plant_school(p: Planter, feeds: Path) -> Expected:
    out = [p.aged(7, "schooling = 'compulsory'"), p.aged(14, "schooling = 'compulsory'")]
    for picked in out:
        p.set_member(picked.member_id, schooling="not_in_school")
    dropout = p.aged(10, "schooling = 'compulsory'")  # near miss: recorded as a dropout
    p.set_member(dropout.member_id, schooling="dropout")
    older = p.aged(15, "schooling = 'compulsory'")  # near miss: may have finished
    p.set_member(older.member_id, schooling="not_in_school")
    return {"Q402": {s.subject for s in out}}


PLANTS: tuple[Callable[[Planter, Path], Expected], ...] = (
    plant_ids,
    plant_kind,
    plant_duplicates,
    plant_birth_and_sex,
    plant_deaths,
    plant_heads,
    plant_labour,
    plant_work,
    plant_welfare_jobs,
    plant_insurance,
    plant_school,
    plant_no_income,
)


def plant_everything(planter: Planter, feeds: Path) -> Expected:
    expected: Expected = {}
    for plant in PLANTS:
        for code, subjects in plant(planter, feeds).items():
            expected.setdefault(code, set()).update(subjects)
    return expected


def test_a_clean_county_has_no_findings(store: Engine, tmp_path: Path) -> None:
    result = check(store, scope_code="532328000000", feeds_dir=tmp_path)

    assert result.households == 500
    assert {r.code: r.found for r in result.rules} == {rule.code: 0 for rule in RULES}
    assert open_subjects(store) == {}


def test_each_rule_finds_what_was_planted_and_nothing_else(
    store: Engine, planter: Planter, tmp_path: Path
) -> None:
    expected = plant_everything(planter, tmp_path)

    result = check(store, feeds_dir=tmp_path)

    assert open_subjects(store) == expected
    assert {r.code: r.found for r in result.rules} == {
        rule.code: len(expected.get(rule.code, ())) for rule in RULES
    }


def test_every_rule_has_a_planted_problem(store: Engine, planter: Planter, tmp_path: Path) -> None:
    """Registry and feed rules are planted here; the Q5xx rules over cases and measures in
    test_case_rules.py, which checks its own list the same way."""
    expected = plant_everything(planter, tmp_path)

    assert sorted(expected) == sorted(c for c in RULES_BY_CODE if not c.startswith("Q5"))


def test_details_show_the_problem_without_personal_data(
    store: Engine, planter: Planter, tmp_path: Path
) -> None:
    plant_everything(planter, tmp_path)
    check(store, feeds_dir=tmp_path)

    with store.connect() as connection:
        issues = connection.execute(
            select(QualityIssue.rule_code, QualityIssue.detail, QualityIssue.member_id)
        ).all()
        numbers = {n for (n,) in connection.execute(select(Member.id_number))}
    details = {}
    for code, detail, _member in issues:
        details.setdefault(code, []).append(detail)
    assert sorted(d["problem"] for d in details["Q101"]) == sorted(
        ["length", "characters", "checksum", "birth_date", "disability_suffix"]
    )
    assert {d["records"] for d in details["Q103"]} == {2}
    assert details["Q105"] == [{"death_date": "2025-09-03"}]
    assert sorted(d["age"] for d in details["Q305"]) == [15, 70, 84]
    assert sorted(d["differs"] for d in details["Q104"]) == ["birth_date", "birth_date", "sex"]
    assert not [d for _, d, _ in issues for v in d.values() if str(v) in numbers]


def test_duplicate_detail_names_the_other_household(store: Engine, planter: Planter) -> None:
    first = planter.member(ADULT)
    again = planter.member(ADULT)
    _copy_identity(planter, first, again, first.id_number + "11", "disability_cert")
    numbers = dict(planter.execute(select(Household.id, Household.household_no)))

    check(store)

    with store.connect() as connection:
        rows = connection.execute(
            select(QualityIssue.member_id, QualityIssue.detail).where(
                QualityIssue.rule_code == "Q103"
            )
        ).all()
    other = {member: detail["other_household_no"] for member, detail in rows}
    assert other == {
        first.member_id: numbers[again.household_id],
        again.member_id: numbers[first.household_id],
    }


def test_rules_are_well_formed() -> None:
    codes = [rule.code for rule in RULES]
    assert len(codes) == len(set(codes))
    for rule in RULES:
        assert re.fullmatch(r"Q\d{3}", rule.code)
        assert all((rule.zh, rule.en, rule.fix_zh, rule.fix_en, rule.source))
        assert isinstance(rule.subject, Subject)
        assert isinstance(rule.severity, Severity)


def test_checking_dates_shift_ages(store: Engine, planter: Planter) -> None:
    picked = planter.aged(69, ADULT)
    planter.set_member(picked.member_id, public_welfare_job=True)

    assert check(store).opened == 0
    later = check(store, today=TODAY.replace(year=TODAY.year + 1))
    assert {r.code: r.opened for r in later.rules}["Q305"] == 1
