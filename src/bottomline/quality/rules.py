"""Data-quality rules: the checks behind the "problem data" (问题数据) work queue.

A rule is declared data: a code, the kind of subject it is about (a household or a member), a
severity, the problem and the fix in Chinese and English, where the check comes from, and its
query — a SQLAlchemy Core select over the registry that runs unchanged on SQLite and
PostgreSQL. The select returns one row per finding with ``household_id``, ``member_id`` (null for
a household finding), ``village_code`` and ``detail``, a JSON object of the values that show the
problem (never ID numbers, names, phones or health details).

Checks SQL cannot express (ID checksums, the national division code list) add a ``refine``
step: the query returns the candidate rows with the column to test, and ``refine`` tests them
vectorised, chunk by chunk, keeping only the findings. A rule that reads a department feed names
it (``feed``); ``quality.actions`` loads the feed's rows into a temporary table the query joins.

The case rules (Q5xx) read the tables of cases and assistance measures, which this package may
not import (the import layers put them above it): ``CASES`` and ``MEASURES`` declare the few
columns they need, and tests check them against the models.

docs/quality.md documents every rule (a test keeps it so). Sources: ``§n`` are sections of
shared/domain/policy-notes.md; "common practice" marks checks that users of such systems run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ColumnElement,
    Date,
    MetaData,
    Select,
    String,
    Table,
    and_,
    case,
    cast,
    exists,
    extract,
    func,
    literal,
    literal_column,
    not_,
    null,
    or_,
    select,
)

from bottomline.ids import IdProblem, id_problem, person_number_problem, valid_id_mask
from bottomline.quality.expressions import age_on, date_digits, json_pairs, nested_json
from bottomline.registry import reference
from bottomline.registry.divisions import all_divisions
from bottomline.registry.enums import IdKind, LabourCapacity, Relationship, Schooling, Sex
from bottomline.registry.models import Household, HouseholdIncome, Member


class Subject(StrEnum):
    household = "household"
    member = "member"


class Severity(StrEnum):
    error = "error"  # the record is wrong: fix it
    warning = "warning"  # the record is probably wrong: check it


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What a rule's query depends on: the scope's village code range and the check date."""

    low: str
    high: str
    today: dt.date


Finding = dict[str, Any]  # household_id, member_id, village_code, detail
Query = Callable[[CheckContext], Select[Any]]
Refine = Callable[[pa.Table, CheckContext], list[Finding]]
FromSnapshot = Callable[[Path, CheckContext], pa.Table]


@dataclass(frozen=True, slots=True)
class QualityRule:
    code: str
    subject: Subject
    severity: Severity
    zh: str
    en: str
    fix_zh: str
    fix_en: str
    source: str
    query: Query
    refine: Refine | None = None
    feed: str | None = None  # the department feed the query joins (see DEATHS)
    # The query's rows read from a registry snapshot instead (the month's, just exported), for
    # a refined rule that reads every member: the same rows, from Parquet.
    from_snapshot: FromSnapshot | None = None

    @property
    def message(self) -> str:
        return f"{self.zh} / {self.en}"

    @property
    def fix(self) -> str:
        return f"{self.fix_zh} / {self.fix_en}"


# Deaths reported by the public-security feed (one row per member, the earliest death date);
# a temporary table that quality.actions fills from the feed's committed batches.
DEATHS = Table(
    "quality_feed_deaths",
    MetaData(),
    Column("member_id", BigInteger, primary_key=True),
    Column("event_date", Date),
    prefixes=["TEMPORARY"],
)

# The columns the case rules read of two tables of other domains (cases.models.Case,
# assistance.models.Measure); quality may not import them, and only reads these columns.
OTHER_DOMAINS = MetaData()
CASES = Table(
    "cases",
    OTHER_DOMAINS,
    Column("id", BigInteger, primary_key=True),
    Column("household_id", BigInteger),
    Column("stage", String(24)),
    Column("active", Boolean),
    Column("risk_types", JSON),  # a list of RiskType values
    Column("identified_on", Date),
    Column("eliminated_on", Date),
    Column("elimination_method", String(16)),
)
MEASURES = Table(
    "measures",
    OTHER_DOMAINS,
    Column("id", BigInteger, primary_key=True),
    Column("household_id", BigInteger),
    Column("category", String(32)),
    Column("status", String(16)),
)

# Income follow-ups (assistance.models.IncomeFollowUp): the no-income rule Q106 reads them.
FOLLOWUPS = Table(
    "income_followups",
    OTHER_DOMAINS,
    Column("id", BigInteger, primary_key=True),
    Column("household_id", BigInteger),
    Column("followed_on", Date),
)

# Code values of other domains the case rules use (tests check them against the enums).
ELIMINATED = ("eliminated", "post_exit_watch")  # Stage: the risk was eliminated
ASSISTED = "assisted"  # EliminationMethod: 帮扶消除
CARRIED_OUT = ("implemented", "ended")  # MeasureStatus: the measure happened
CANCELLED = "cancelled"  # MeasureStatus: the only status not in the plan
WATER_RISK, ILLNESS_RISK, EMPLOYMENT_RISK = "drinking_water", "illness", "unstable_employment"
WATER_MEASURES = ("drinking_water",)  # MeasureCategory
ILLNESS_MEASURES = ("health", "comprehensive_security", "social_assistance")  # MeasureCategory

STUDENT = (
    Schooling.compulsory.value,
    Schooling.senior_high.value,
    Schooling.vocational.value,
    Schooling.higher.value,
)
CAN_WORK = (LabourCapacity.skilled.value, LabourCapacity.able.value)
CANNOT_WORK = (LabourCapacity.lost.value, LabourCapacity.none.value)
WORKING = tuple(c.value for c in LabourCapacity if c.can_work)  # skilled, ordinary or weak
ODD_DIGITS = ("1", "3", "5", "7", "9")  # 17th character of an ID number: odd = male
PERSON_NUMBER_LENGTHS = (18, 20, 22)
WELFARE_JOB_AGES = (16, 70)  # holders must be at least 16 and under 70
# Of compulsory-school age on (nearly) any day of the year: a 6-year-old may still be in
# preschool, a 15-year-old may have finished junior secondary school.
SCHOOL_AGES = (7, 14)
MAX_MIGRANT_MONTHS = 12


# --- building blocks -----------------------------------------------------------------------


def _household_in_scope(ctx: CheckContext) -> ColumnElement[bool]:
    return and_(Household.removed_at.is_(None), Household.village_code.between(ctx.low, ctx.high))


def _members(ctx: CheckContext, *where: ColumnElement[bool], **detail: Any) -> Select[Any]:
    """Active members of active households in scope that match ``where``, with JSON detail."""
    return _member_rows(ctx, json_pairs(**detail).label("detail"), where=where)


def _member_rows(ctx: CheckContext, *columns: Any, where: tuple[Any, ...] = ()) -> Select[Any]:
    """Keys and village of active members in scope matching ``where``, and ``columns``."""
    return (
        select(
            Household.id.label("household_id"),
            Member.id.label("member_id"),
            Household.village_code,
            *columns,
        )
        .join_from(Member, Household, Member.household_id == Household.id)
        .where(Member.removed_at.is_(None), _household_in_scope(ctx), *where)
    )


def _households(
    ctx: CheckContext, counts: Any, *where: ColumnElement[bool], **detail: Any
) -> Select[Any]:
    """Active households in scope joined to a per-household subquery ``counts``."""
    return (
        select(
            Household.id.label("household_id"),
            cast(null(), BigInteger).label("member_id"),
            Household.village_code,
            json_pairs(**detail).label("detail"),
        )
        .join_from(Household, counts, counts.c.household_id == Household.id, isouter=True)
        .where(_household_in_scope(ctx), *where)
    )


def _member_counts() -> Any:
    """Per household: active members, heads, members with skilled or ordinary labour (able),
    members who can work at all (working: weak labour too) and members who cannot."""
    active = Member.removed_at.is_(None)
    return (
        select(
            Member.household_id,
            func.count().label("members"),
            _count_if(Member.relationship == Relationship.head.value).label("heads"),
            _count_if(Member.labour_capacity.in_(CAN_WORK)).label("able"),
            _count_if(Member.labour_capacity.in_(WORKING)).label("working"),
            _count_if(Member.labour_capacity.in_(CANNOT_WORK)).label("unable"),
        )
        .where(active)
        .group_by(Member.household_id)
        .subquery()
    )


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _blank(column: Any) -> ColumnElement[bool]:
    return or_(column.is_(None), func.trim(column) == "")


# --- identity (Q1xx) -----------------------------------------------------------------------


def _q101_query(ctx: CheckContext) -> Select[Any]:
    return _member_rows(ctx, Member.id_number)


def _q101_snapshot(snapshot_dir: Path, ctx: CheckContext) -> pa.Table:
    """``_q101_query``'s rows from a registry snapshot: the members it holds are those not
    removed, of households not removed; here those of villages in scope."""
    members = pq.read_table(
        snapshot_dir / "members.parquet", columns=["household_id", "member_id", "id_number"]
    )
    households = pq.read_table(
        snapshot_dir / "households.parquet", columns=["household_id", "village_code"]
    )
    village = households["village_code"]
    in_scope = pc.and_(pc.greater_equal(village, ctx.low), pc.less_equal(village, ctx.high))
    joined = members.join(households.filter(in_scope), "household_id", join_type="inner")
    return joined.select(["household_id", "member_id", "village_code", "id_number"])


def _q101_refine(rows: pa.Table, ctx: CheckContext) -> list[Finding]:
    numbers = rows["id_number"]
    suspects = np.flatnonzero(~_plausible_numbers(numbers, ctx.today))
    found = []
    for i in suspects.tolist():
        value = numbers[i].as_py() or ""
        problem = _number_problem(value, ctx.today)
        if problem is not None:
            detail = {"problem": problem.value, "length": len(value)}
            found.append(_finding(rows, i, detail))
    return found


def _plausible_numbers(numbers: pa.ChunkedArray, today: dt.date) -> np.ndarray:
    """True where a number certainly passes :func:`_number_problem` (vectorised pre-filter)."""
    numbers = pc.fill_null(numbers, "")
    length_ok = pc.is_in(pc.utf8_length(numbers), pa.array(PERSON_NUMBER_LENGTHS, pa.int32()))
    suffix_ok = pc.match_substring_regex(numbers, r"^[0-9]{17}[0-9Xx]([1-7][1-4]([Bb][0-9])?)?$")
    digits = pc.utf8_slice_codeunits(numbers, 6, 14)
    born = pc.strptime(digits, format="%Y%m%d", unit="s", error_is_null=True)
    date_ok = pc.and_(
        pc.equal(pc.strftime(born, format="%Y%m%d"), digits),
        pc.and_(pc.greater_equal(pc.year(born), 1880), pc.less_equal(born, _midnight(today))),
    )
    region_ok = pc.invert(pc.starts_with(numbers, "00"))
    ok = pc.and_(pc.and_(length_ok, suffix_ok), pc.and_(date_ok, region_ok))
    checksum_ok = valid_id_mask(pc.utf8_slice_codeunits(numbers, 0, 18))
    return np.asarray(pc.fill_null(ok, False).to_numpy(zero_copy_only=False)) & checksum_ok


def _midnight(day: dt.date) -> pa.Scalar:
    return pa.scalar(dt.datetime(day.year, day.month, day.day), pa.timestamp("s"))


def _number_problem(value: str, today: dt.date) -> IdProblem | None:
    """Why a member's number is invalid on ``today`` (resident ID or disability certificate)."""
    if len(value) not in PERSON_NUMBER_LENGTHS:
        return IdProblem.LENGTH
    return id_problem(value[:18], today=today) or person_number_problem(value)


def _finding(rows: pa.Table, i: int, detail: dict[str, Any]) -> Finding:
    return {
        "household_id": rows["household_id"][i].as_py(),
        "member_id": rows["member_id"][i].as_py(),
        "village_code": rows["village_code"][i].as_py(),
        "detail": detail,
    }


def _q102_query(ctx: CheckContext) -> Select[Any]:
    length = func.length(Member.id_number)
    resident_wrong = and_(Member.id_kind == IdKind.resident_id.value, length.in_((20, 22)))
    cert_wrong = and_(Member.id_kind == IdKind.disability_cert.value, length == 18)
    return _members(ctx, or_(resident_wrong, cert_wrong), id_kind=Member.id_kind, length=length)


def _q103_query(ctx: CheckContext) -> Select[Any]:
    person = func.upper(func.substr(Member.id_number, 1, 18))
    dups = (
        select(
            person.label("person"),
            func.count().label("records"),
            func.min(Member.household_id).label("low_hh"),
            func.max(Member.household_id).label("high_hh"),
        )
        .join_from(Member, Household, Member.household_id == Household.id)
        .where(Member.removed_at.is_(None), Household.removed_at.is_(None))
        .group_by(person)
        .having(func.count() > 1)
        .subquery()
    )
    other = Household.__table__.alias("other")
    other_id = case((dups.c.low_hh == Household.id, dups.c.high_hh), else_=dups.c.low_hh)
    return (
        _members(ctx, records=dups.c.records, other_household_no=other.c.household_no)
        .join(dups, dups.c.person == person)
        .join(other, other.c.id == other_id)
    )


def _q104_query(ctx: CheckContext) -> Select[Any]:
    birth_wrong = func.substr(Member.id_number, 7, 8) != date_digits(Member.birth_date)
    odd = func.substr(Member.id_number, 17, 1).in_(ODD_DIGITS)
    sex_wrong = or_(
        and_(odd, Member.sex != Sex.male.value), and_(not_(odd), Member.sex != Sex.female.value)
    )
    differs = case(
        (and_(birth_wrong, sex_wrong), literal_column("'birth_date,sex'", String)),
        (birth_wrong, literal_column("'birth_date'", String)),
        else_=literal_column("'sex'", String),
    )
    plausible = func.length(Member.id_number).in_(PERSON_NUMBER_LENGTHS)
    return _members(ctx, plausible, or_(birth_wrong, sex_wrong), differs=differs)


def _q105_query(ctx: CheckContext) -> Select[Any]:
    return _members(ctx, death_date=DEATHS.c.event_date).join(
        DEATHS, DEATHS.c.member_id == Member.id
    )


# --- household (Q2xx) ----------------------------------------------------------------------


def _q201_query(ctx: CheckContext) -> Select[Any]:
    counts = _member_counts()
    heads = func.coalesce(counts.c.heads, 0)
    return _households(ctx, counts, heads != 1, heads=heads)


def _q202_query(ctx: CheckContext) -> Select[Any]:
    counts = _member_counts()
    flagged = Household.no_labour_household.is_(True)
    return _households(ctx, counts, flagged, counts.c.able > 0, able_members=counts.c.able)


def _q203_query(ctx: CheckContext) -> Select[Any]:
    counts = _member_counts()
    unflagged = Household.no_labour_household.is_(False)
    nobody = and_(counts.c.members > 0, counts.c.unable == counts.c.members)
    return _households(ctx, counts, unflagged, nobody, members=counts.c.members)


# --- work and public-welfare jobs (Q3xx) ---------------------------------------------------


def _q301_query(ctx: CheckContext) -> Select[Any]:
    return _members(
        ctx,
        Member.schooling.in_(STUDENT),
        Member.migrant_months > 0,
        schooling=Member.schooling,
        migrant_months=Member.migrant_months,
    )


def _q302_query(ctx: CheckContext) -> Select[Any]:
    return _members(
        ctx,
        Member.migrant_months > 0,
        _blank(Member.migrant_place),
        migrant_months=Member.migrant_months,
    )


def _q303_query(ctx: CheckContext) -> Select[Any]:
    months = Member.migrant_months
    out_of_range = or_(months > MAX_MIGRANT_MONTHS, months < 0)
    return _members(ctx, out_of_range, migrant_months=months)


def _q304_query(ctx: CheckContext) -> Select[Any]:
    where = (Member.migrant_months > 0, not_(_blank(Member.migrant_place)))
    return _member_rows(ctx, Member.migrant_place, where=where)


def _q304_refine(rows: pa.Table, ctx: CheckContext) -> list[Finding]:
    places = pc.fill_null(rows["migrant_place"], "")
    is_code = pc.match_substring_regex(places, r"^[0-9]{12}$")
    county = pc.is_in(pc.utf8_slice_codeunits(places, 0, 6), _workplace_prefixes())
    good = np.asarray(pc.and_(is_code, county).to_numpy(zero_copy_only=False))
    return [
        _finding(rows, i, {"migrant_place": places[i].as_py()})
        for i in np.flatnonzero(~good).tolist()
    ]


@lru_cache(maxsize=1)
def _workplace_prefixes() -> pa.Array:
    """6-digit prefixes of county-level places: counties, and cities that have no counties."""
    divisions = all_divisions().values()
    parents = {d.parent_code for d in divisions if d.level == "county"}
    prefixes = {
        d.code[:6]
        for d in divisions
        if d.level == "county" or (d.level == "city" and d.code not in parents)
    }
    return pa.array(sorted(prefixes), pa.string())


def _q305_query(ctx: CheckContext) -> Select[Any]:
    age = age_on(Member.birth_date, ctx.today)
    youngest, too_old = WELFARE_JOB_AGES
    return _members(
        ctx, Member.public_welfare_job.is_(True), or_(age < youngest, age >= too_old), age=age
    )


# --- insurance and schooling (Q4xx) --------------------------------------------------------


def _q106_query(ctx: CheckContext) -> Select[Any]:
    """Households with no income valid for the month of the check (registry.reference): no
    annual record of a year overlapping the reference period or the month, no follow-up in
    the reference period or the month."""
    win = reference.window(reference.cycle_of(ctx.today))
    annual = exists().where(
        HouseholdIncome.household_id == Household.id,
        HouseholdIncome.year.between(win.first_year, win.last_year),
    )
    followup = exists().where(
        FOLLOWUPS.c.household_id == Household.id,
        FOLLOWUPS.c.followed_on.between(win.ref_start, win.cycle_end),
    )
    latest = (
        select(func.max(HouseholdIncome.year))
        .where(HouseholdIncome.household_id == Household.id)
        .scalar_subquery()
    )
    return select(
        Household.id.label("household_id"),
        cast(null(), BigInteger).label("member_id"),
        Household.village_code,
        json_pairs(
            cycle=literal(win.cycle, String),
            reference_from=literal(win.ref_start.isoformat(), String),
            latest_income_year=latest,
        ).label("detail"),
    ).where(_household_in_scope(ctx), not_(annual), not_(followup))


def _q403_query(ctx: CheckContext) -> Select[Any]:
    return _members(ctx, Member.insured_medical.is_(False), insured_medical=Member.insured_medical)


def _q401_query(ctx: CheckContext) -> Select[Any]:
    return _members(
        ctx, Member.insured_medical.is_(True), Member.insured_serious_illness.is_(False)
    )


def _q402_query(ctx: CheckContext) -> Select[Any]:
    age = age_on(Member.birth_date, ctx.today)
    low, high = SCHOOL_AGES
    not_in_school = Member.schooling == Schooling.not_in_school.value
    return _members(ctx, not_in_school, age.between(low, high), age=age)


# --- cases and measures (Q5xx) -------------------------------------------------------------


def _standing_cases() -> Any:
    """Per household, its standing case: the latest case that was identified (county decision).

    The household is monitored while that case is active and eliminated while it is in an
    eliminated stage; a new lead still being verified changes neither.
    """
    return (
        select(CASES.c.household_id, func.max(CASES.c.id).label("case_id"))
        .where(CASES.c.identified_on.is_not(None))
        .group_by(CASES.c.household_id)
        .subquery()
    )


def _cases(
    ctx: CheckContext, *where: ColumnElement[bool], counts: Any = None, **detail: Any
) -> Select[Any]:
    """Active households in scope whose standing case matches ``where``; the detail names the
    case, its stage and risk types, and ``detail``. ``counts``: a per-household subquery."""
    standing = _standing_cases()
    case_detail = {"case_id": CASES.c.id, "stage": CASES.c.stage} | detail
    stmt = (
        select(
            Household.id.label("household_id"),
            cast(null(), BigInteger).label("member_id"),
            Household.village_code,
            json_pairs(**case_detail, risk_types=nested_json(CASES.c.risk_types)).label("detail"),
        )
        .join_from(Household, standing, standing.c.household_id == Household.id)
        .join(CASES, CASES.c.id == standing.c.case_id)
    )
    if counts is not None:
        stmt = stmt.join(counts, counts.c.household_id == Household.id, isouter=True)
    return stmt.where(_household_in_scope(ctx), *where)


def _monitored() -> ColumnElement[bool]:
    return CASES.c.active.is_(True)


def _eliminated() -> ColumnElement[bool]:
    return CASES.c.stage.in_(ELIMINATED)


def _has_risk(risk: str) -> ColumnElement[bool]:
    """The case's risk types include ``risk``, on SQLite and PostgreSQL alike.

    Both keep the JSON list as text with each value quoted (``["illness", "other"]``), and no
    risk type's quoted name occurs inside another's, so a LIKE on the text decides membership.
    """
    return cast(CASES.c.risk_types, String).contains(f'"{risk}"', autoescape=True)


def _has_measure(*where: ColumnElement[bool]) -> ColumnElement[bool]:
    """The household has a measure matching ``where``."""
    return exists().where(MEASURES.c.household_id == Household.id, *where)


def _in_plan(*categories: str) -> ColumnElement[bool]:
    """The household has a measure of one of ``categories`` that was not cancelled."""
    return _has_measure(MEASURES.c.category.in_(categories), MEASURES.c.status != CANCELLED)


def _month_number(day: Any) -> ColumnElement[int]:
    return extract("year", day) * 12 + extract("month", day)


def _q501_query(ctx: CheckContext) -> Select[Any]:
    in_plan = (
        select(func.count())
        .where(MEASURES.c.household_id == Household.id, MEASURES.c.status != CANCELLED)
        .scalar_subquery()
    )
    return _cases(
        ctx,
        _eliminated(),
        CASES.c.elimination_method == ASSISTED,
        not_(_has_measure(MEASURES.c.status.in_(CARRIED_OUT))),
        eliminated_on=CASES.c.eliminated_on,
        measures=in_plan,
    )


def _q502_query(ctx: CheckContext) -> Select[Any]:
    months = _month_number(CASES.c.eliminated_on) - _month_number(CASES.c.identified_on)
    return _cases(
        ctx,
        _eliminated(),
        CASES.c.elimination_method == ASSISTED,
        months <= 1,
        identified_on=CASES.c.identified_on,
        eliminated_on=CASES.c.eliminated_on,
    )


def _q503_query(ctx: CheckContext) -> Select[Any]:
    counts = _member_counts()
    return _cases(
        ctx,
        _eliminated(),
        func.coalesce(counts.c.working, 0) == 0,
        counts=counts,
        eliminated_on=CASES.c.eliminated_on,
        members=func.coalesce(counts.c.members, 0),
    )


def _q504_query(ctx: CheckContext) -> Select[Any]:
    return _cases(
        ctx,
        _monitored(),
        _has_risk(WATER_RISK),
        not_(_in_plan(*WATER_MEASURES)),
        identified_on=CASES.c.identified_on,
    )


def _q505_query(ctx: CheckContext) -> Select[Any]:
    return _cases(
        ctx,
        _eliminated(),
        _has_risk(ILLNESS_RISK),
        not_(_in_plan(*ILLNESS_MEASURES)),
        eliminated_on=CASES.c.eliminated_on,
    )


def _q506_query(ctx: CheckContext) -> Select[Any]:
    counts = _member_counts()
    return _cases(
        ctx,
        _monitored(),
        _has_risk(EMPLOYMENT_RISK),
        func.coalesce(counts.c.working, 0) == 0,
        counts=counts,
        identified_on=CASES.c.identified_on,
        members=func.coalesce(counts.c.members, 0),
    )


S46 = "policy-notes §7 (national data-check rules, S46)"
COMMON = "common practice"

RULES: tuple[QualityRule, ...] = (
    QualityRule(
        code="Q101",
        subject=Subject.member,
        severity=Severity.error,
        zh="证件号码无效（长度、字符、出生日期、地区码、校验码或残疾类别等级）",
        en="ID number invalid (length, characters, birth date, region, check character or disability suffix)",
        fix_zh="核对户口簿或残疾人证，更正证件号码",
        fix_en="check the household register or disability certificate and correct the number",
        source=f"{S46}: length 18, 20 or 22; valid checksum",
        query=_q101_query,
        refine=_q101_refine,
        from_snapshot=_q101_snapshot,
    ),
    QualityRule(
        code="Q102",
        subject=Subject.member,
        severity=Severity.warning,
        zh="证件类型与号码长度不符",
        en="ID kind does not match the number's length",
        fix_zh="身份证号为18位、残疾人证号为20或22位，更正证件类型或号码",
        fix_en="a resident ID has 18 characters and a disability certificate 20 or 22: correct the kind or the number",
        source=COMMON,
        query=_q102_query,
    ),
    QualityRule(
        code="Q103",
        subject=Subject.member,
        severity=Severity.error,
        zh="同一人重复登记（证件号前18位相同）",
        en="the same person is registered more than once (same first 18 characters of the ID)",
        fix_zh="核实此人实际所在家庭，删除多余的成员记录",
        fix_en="find the household the person really belongs to and remove the other record",
        source=f"{S46}: no duplicate IDs within a province",
        query=_q103_query,
    ),
    QualityRule(
        code="Q104",
        subject=Subject.member,
        severity=Severity.error,
        zh="出生日期或性别与证件号码不符",
        en="birth date or sex does not match the ID number",
        fix_zh="以身份证为准更正出生日期、性别或证件号码",
        fix_en="correct the birth date, sex or ID number from the identity card",
        source=COMMON,
        query=_q104_query,
    ),
    QualityRule(
        code="Q105",
        subject=Subject.member,
        severity=Severity.error,
        zh="公安部门报告已死亡，仍登记为家庭成员",
        en="reported dead by public security but still a household member",
        fix_zh="核实后办理人口自然变更（减员）",
        fix_en="verify, then record the death as a natural population change (remove the member)",
        source="policy-notes §3 (public-security feed), §7 (natural population changes)",
        query=_q105_query,
        feed="public_security",
    ),
    QualityRule(
        code="Q106",
        subject=Subject.household,
        severity=Severity.error,
        zh="本月无有效收入数据（参考期内无年度收入记录或收入跟踪）",
        en="no income data valid for this month (no annual record or follow-up in the reference period)",
        fix_zh="导入年度收入采集或国家系统导出的收支情况，或入户后登记收入跟踪；未补齐前只按部门数据和两不愁三保障筛查",
        fix_en="import the yearly income collection or the export's income section, or record an income follow-up after a visit; until then the household is screened on department data and guarantees only",
        source="§2 (income counted over the 12 months before the month; contract: which income counts for a screening cycle)",
        query=_q106_query,
    ),
    QualityRule(
        code="Q201",
        subject=Subject.household,
        severity=Severity.error,
        zh="户主人数不为1",
        en="household does not have exactly one head",
        fix_zh="确认户主，更正成员与户主关系",
        fix_en="establish the head and correct members' relationship to the head",
        source=COMMON,
        query=_q201_query,
    ),
    QualityRule(
        code="Q202",
        subject=Subject.household,
        severity=Severity.error,
        zh="标记为整户无劳动力，但有成员为技能或普通劳动力",
        en="flagged whole-household-without-labour, but a member has skilled or ordinary labour",
        fix_zh="核实成员劳动能力，更正劳动能力或取消整户无劳动力标记",
        fix_en="verify the members' labour capacity; correct it or clear the flag",
        source=f"{S46}: whole-household-no-labour consistency",
        query=_q202_query,
    ),
    QualityRule(
        code="Q203",
        subject=Subject.household,
        severity=Severity.error,
        zh="全部成员丧失劳动力或无劳动力，未标记整户无劳动力",
        en="every member has lost or no labour capacity, but the household is not flagged whole-household-without-labour",
        fix_zh="核实后标记整户无劳动力，或更正成员劳动能力",
        fix_en="verify, then set the flag or correct the members' labour capacity",
        source=f"{S46}: every member lacks labour but not flagged",
        query=_q203_query,
    ),
    QualityRule(
        code="Q301",
        subject=Subject.member,
        severity=Severity.error,
        zh="在校生登记有务工时间",
        en="a student is recorded as a migrant worker",
        fix_zh="核实在校情况与务工情况，更正其一",
        fix_en="verify schooling and migrant work and correct one of them",
        source=f"{S46}: students recorded as migrant workers",
        query=_q301_query,
    ),
    QualityRule(
        code="Q302",
        subject=Subject.member,
        severity=Severity.error,
        zh="有务工时间但未填写务工地点",
        en="migrant work recorded without a workplace",
        fix_zh="补填务工地点（到县级）或更正务工时间",
        fix_en="add the workplace (to county level) or correct the months",
        source=f"{S46}: workplace not given to county level",
        query=_q302_query,
    ),
    QualityRule(
        code="Q303",
        subject=Subject.member,
        severity=Severity.error,
        zh="务工时间超出0–12个月",
        en="months of migrant work outside 0–12",
        fix_zh="更正务工时间（一年最多12个月）",
        fix_en="correct the months (at most 12 in a year)",
        source=COMMON,
        query=_q303_query,
    ),
    QualityRule(
        code="Q304",
        subject=Subject.member,
        severity=Severity.warning,
        zh="务工地点不是县级行政区划代码",
        en="workplace is not a county-level division code",
        fix_zh="将务工地点填写到县级（12位区划代码）",
        fix_en="give the workplace as a county-level 12-digit division code",
        source=f"{S46}: workplace not given to county level",
        query=_q304_query,
        refine=_q304_refine,
    ),
    QualityRule(
        code="Q305",
        subject=Subject.member,
        severity=Severity.error,
        zh="公益岗位人员未满16周岁或已满70周岁",
        en="public-welfare job holder under 16 or aged 70 or over",
        fix_zh="核实年龄，调整公益岗位人选",
        fix_en="verify the age and reassign the public-welfare job",
        source="policy-notes §5 (public-welfare jobs: holders under 16 or 70+ flagged, S46)",
        query=_q305_query,
    ),
    QualityRule(
        code="Q401",
        subject=Subject.member,
        severity=Severity.warning,
        zh="参加基本医疗保险但未参加大病保险",
        en="basic medical insurance without serious-illness insurance",
        fix_zh="核实参保情况，更正大病保险标记",
        fix_en="verify enrolment and correct the serious-illness insurance flag",
        source=f"{S46}: serious-illness insurance missing",
        query=_q401_query,
    ),
    QualityRule(
        code="Q402",
        subject=Subject.member,
        severity=Severity.warning,
        zh="义务教育适龄儿童（7–14周岁）登记为非在校生",
        en="child of compulsory-school age (7–14) recorded as not in school",
        fix_zh="核实就学情况：在校则更正在校状态，辍学则登记为辍学并落实控辍保学",
        fix_en="verify: correct the schooling status, or record the dropout so it is followed up",
        source="policy-notes §2 (三保障: compulsory education; dropout item of the 2023 form)",
        query=_q402_query,
    ),
    QualityRule(
        code="Q403",
        subject=Subject.member,
        severity=Severity.warning,
        zh="未参加基本医疗保险（医保部门参保任务）",
        en="not enrolled in basic medical insurance (an enrolment task for the medical insurance department)",
        fix_zh="推送医保部门动员参保（困难群众资助参保）；参保后更正参保标记",
        fix_en="pass to the medical insurance department to enrol the person (subsidised for people in difficulty); then correct the flag",
        source="§2, §12 (三保障 item 是否有家庭成员未参加基本医疗保险); not a monitoring risk by itself unless a policy says so (docs/rules.md)",
        query=_q403_query,
    ),
    QualityRule(
        code="Q501",
        subject=Subject.household,
        severity=Severity.error,
        zh="帮扶消除风险，但没有已落实的帮扶措施",
        en="risk eliminated through assistance, but no assistance measure was carried out",
        fix_zh="补录已落实的帮扶措施或更新措施状态；风险确属自然消除的，更正风险消除方式",
        fix_en="record the measures carried out or update their status; if the risk went away by itself, correct the elimination method",
        source=f"{S46}: 帮扶消除 with no measure at all",
        query=_q501_query,
    ),
    QualityRule(
        code="Q502",
        subject=Subject.household,
        severity=Severity.warning,
        zh="帮扶消除时间在识别当月或次月（或早于识别）",
        en="eliminated through assistance in the month of identification or the next (or before it)",
        fix_zh="核实识别时间、消除时间和帮扶成效：更正日期，或回退风险消除继续监测",
        fix_en="verify the identification and elimination dates and what the assistance achieved: correct the dates, or revert the elimination and keep monitoring",
        source="policy-notes §6 (Guizhou data-check rule: 帮扶消除 in the month of identification or the next, S46)",
        query=_q502_query,
    ),
    QualityRule(
        code="Q503",
        subject=Subject.household,
        severity=Severity.error,
        zh="已标注风险消除，但家中无劳动能力成员",
        en="risk marked eliminated, but no member of the household can work",
        fix_zh="无劳动能力家庭落实兜底保障后不标注风险消除、继续监测：回退风险消除，或更正成员劳动能力",
        fix_en="a household without labour capacity stays monitored once social security is in place: revert the elimination, or correct the members' labour capacity",
        source="policy-notes §6 (households with no labour capacity at all are not marked eliminated, S11, S14)",
        query=_q503_query,
    ),
    QualityRule(
        code="Q504",
        subject=Subject.household,
        severity=Severity.error,
        zh="风险类型为因饮水安全，但没有饮水安全保障措施",
        en="risk type drinking-water safety, but no drinking-water measure",
        fix_zh="落实并登记饮水安全保障措施，或更正风险类型",
        fix_en="provide and record a drinking-water measure, or correct the risk type",
        source=f"{S46}: water risk with no water measure",
        query=_q504_query,
    ),
    QualityRule(
        code="Q505",
        subject=Subject.household,
        severity=Severity.error,
        zh="因病风险已消除，但没有健康帮扶、综合保障或社会帮扶措施",
        en="illness risk eliminated without a health, comprehensive-security or social-help measure",
        fix_zh="补录已落实的健康帮扶、综合保障或社会帮扶措施，或核实风险消除是否成立",
        fix_en="record the health, comprehensive-security or social-help measures given, or verify whether the risk was really eliminated",
        source=f"{S46}: illness eliminated with no health, social or comprehensive measure",
        query=_q505_query,
    ),
    QualityRule(
        code="Q506",
        subject=Subject.household,
        severity=Severity.error,
        zh="风险类型为因务工就业不稳，但家中无劳动能力成员",
        en="risk type unstable employment, but no member of the household can work",
        fix_zh="核实成员劳动能力和风险类型，更正其一",
        fix_en="verify the members' labour capacity and the risk type and correct one of them",
        source=f"{S46}: unstable employment with no labour",
        query=_q506_query,
    ),
)

RULES_BY_CODE: dict[str, QualityRule] = {rule.code: rule for rule in RULES}
