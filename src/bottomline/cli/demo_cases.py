"""The demo's case steps: one township's clues dispatched, one village's cases on notice.

Everything is done through the domain's actions as real users would (a county officer, a
township officer and a village cadre created for the demo), dated today, so the statutory clock,
the notice files and the audit log are what a county would see on its first day. The township
officer of the township with the most clues dispatches that township's clues for verification
(what `bottomline clue dispatch --all --township CODE` does); the other townships' clues stay
in the queue for their own officers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.table import Table

from bottomline.cases.enums import NoticeKind, Stage
from bottomline.cli.ui import console, done, step
from bottomline.screening.enums import Triage
from bottomline.users.actor import SYSTEM, Actor
from bottomline.users.enums import Role

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from bottomline.cases.leads import Intake
    from bottomline.cases.notices.actions import Published
    from bottomline.policy import PolicyDocument
    from bottomline.policy.resolve import PolicyIndex
    from bottomline.users.scope import Scope

NOTICE_CASES = 3  # cases of the demo village walked to public notice
# The demo users' password, for logging in to `bottomline serve` on the demo's store. The demo
# store is a trial store with synthetic people only; no real store gets it.
DEMO_PASSWORD = "bottomline-demo"


def run_cases(engine: Engine, documents: list[PolicyDocument], county: str, out: Path) -> None:
    from bottomline import audit
    from bottomline.db import session_scope
    from bottomline.policy.resolve import index_documents

    policies = index_documents(documents)
    township = _busiest_township(engine)
    if township is None:
        return
    start = step(f"派发核实 / township {township} dispatches its clues (clock starts today)")
    officer = _demo_officers(engine, township)
    dispatched, waiting = _dispatch_township(engine, officer, policies)
    done(
        start,
        f"{dispatched.leads:,} 条线索 → {dispatched.cases_opened:,} 个案件；其他乡镇 {waiting:,} "
        f"条线索待研判 / {dispatched.leads:,} clues → {dispatched.cases_opened:,} cases; "
        f"{waiting:,} clues of other townships wait in the queue (`bottomline clue list`)",
    )
    village = _busiest_village(engine)
    if village is None:
        return
    start = step(f"入户核实并公示 / verifying {NOTICE_CASES} cases of village {village}")
    cadre = _demo_cadre(engine, village)
    published = _to_notice(engine, village, cadre, policies, out)
    done(
        start,
        f"公示 / notice {published.notice.id}: "
        f"{published.notice.starts_on} – {published.notice.ends_on}",
    )
    console.print(f"公示 / notice: {published.html_path} (PDF beside it)")
    _print_pipeline(engine, county)
    _print_clock(engine, county)
    _demo_logins(engine, county, township, village)
    with session_scope(engine) as session:
        checked = audit.verify(session)
    state = "intact" if checked.intact else f"{len(checked.findings)} problem(s)"
    console.print(f"审计日志 / audit log: {checked.rows:,} rows, {state}")


def _busiest_township(engine: Engine) -> str | None:
    from sqlalchemy import func, select

    from bottomline.db import session_scope
    from bottomline.registry.models import Household
    from bottomline.screening.models import Lead

    township = func.substr(Household.village_code, 1, 9)
    with session_scope(engine) as session:
        code = session.scalar(
            select(township)
            .join(Lead, Lead.household_id == Household.id)
            .where(Lead.triage == Triage.pending.value)
            .group_by(township)
            .order_by(func.count().desc(), township)
            .limit(1)
        )
    return None if code is None else str(code) + "000"


def _dispatch_township(engine: Engine, officer: Actor, policies: PolicyIndex) -> tuple[Intake, int]:
    from bottomline.cases.clues.actions import dispatch_clues
    from bottomline.cases.clues.queries import ClueFilter, clue_ids
    from bottomline.db import session_scope, write_scope

    with write_scope(engine) as session:
        chosen = clue_ids(session, actor=officer, filters=ClueFilter(township=officer.region_code))
        intake = dispatch_clues(session, chosen, actor=officer, policies=policies)
    with session_scope(engine) as session:
        county = Actor("demo.county", Role.county, officer.region_code[:6] + "000000")
        waiting = len(clue_ids(session, actor=county, filters=ClueFilter()))
    return intake, waiting


def _busiest_village(engine: Engine) -> str | None:
    from sqlalchemy import func, select

    from bottomline.cases.models import Case
    from bottomline.db import session_scope

    with session_scope(engine) as session:
        return session.scalar(
            select(Case.village_code)
            .where(Case.stage == Stage.lead.value)
            .group_by(Case.village_code)
            .order_by(func.count().desc(), Case.village_code)
            .limit(1)
        )


def _demo_officers(engine: Engine, township: str) -> Actor:
    from bottomline.db import write_scope

    people = (
        ("demo.county", "县乡村振兴局", Role.county, township[:6] + "000000"),
        ("demo.township", "乡镇干部", Role.township, township),
    )
    with write_scope(engine) as session:
        _add_users(session, people)
    return Actor("demo.township", Role.township, township)


def _add_users(session: Session, people: Iterable[tuple[str, str, Role, str]]) -> None:
    """Demo users (name, display name, role, region), added by ``system`` on the trial store."""
    from bottomline.users.actions import add_user

    for username, name, role, region in people:
        add_user(
            session,
            username=username,
            display_name=name,
            role=role,
            region_code=region,
            acting=SYSTEM,
        )


def _demo_cadre(engine: Engine, village: str) -> Actor:
    from bottomline.db import write_scope

    with write_scope(engine) as session:
        _add_users(session, [("demo.cadre", "村干部", Role.village, village)])
    return Actor("demo.cadre", Role.village, village)


def _demo_logins(engine: Engine, county: str, township: str, village: str) -> None:
    """One demo user per role that works in a region, each with the demo password (the
    officers above, and one for each other role). No administrator: the first one ends the
    trial store, and the demo's `--as` commands would then need a login."""
    from bottomline.db import write_scope
    from bottomline.users.auth import set_password

    more = (
        ("demo.city", "市乡村振兴局", Role.city, county[:4] + "00000000"),
        ("demo.province", "省乡村振兴局", Role.province, county[:2] + "0000000000"),
        ("demo.auditor", "审计督查", Role.auditor, county),
        ("demo.analyst", "统计分析", Role.analyst, county),
        ("demo.department", "县医保局", Role.department, county),
    )
    with write_scope(engine) as session:
        _add_users(session, more)
        users = (
            ("demo.cadre", Role.village, village),
            ("demo.township", Role.township, township),
            ("demo.county", Role.county, county),
            *((username, role, region) for username, _name, role, region in more),
        )
        for username, _role, _region in users:
            set_password(session, username=username, password=DEMO_PASSWORD, acting=SYSTEM)
    table = Table(
        title=f"演示用户（密码 {DEMO_PASSWORD}，仅限演示库）/ demo users (password "
        f"{DEMO_PASSWORD}, the demo's store only)"
    )
    for column in ("用户 / user", "角色 / role", "区划 / region"):
        table.add_column(column, no_wrap=True)
    for username, role, region in users:
        table.add_row(username, f"{role.zh} / {role.en}", region)
    console.print(table)


def _to_notice(
    engine: Engine, village: str, cadre: Actor, policies: object, out: Path
) -> Published:
    from sqlalchemy import select

    from bottomline.cases.models import Case
    from bottomline.cases.notices.actions import publish_notice
    from bottomline.cases.visits import NewVisit, record_visit
    from bottomline.cases.workflow import transition
    from bottomline.db import write_scope
    from bottomline.workdays import today_in_china

    today = today_in_china()
    with write_scope(engine) as session:
        cases = list(
            session.scalars(
                select(Case)
                .where(Case.village_code == village, Case.stage == Stage.lead.value)
                .order_by(Case.id)
                .limit(NOTICE_CASES)
            )
        )
        for case in cases:
            transition(session, case, Stage.verifying, actor=cadre, on=today)
            visit = NewVisit(
                household_id=case.household_id,
                visit_date=today,
                visitor_name="村干部",
                authorization_signed=True,
                suggest_monitoring=False,
            )
            record_visit(session, visit, actor=cadre, policies=policies)  # type: ignore[arg-type]
            transition(session, case, Stage.comparing, actor=cadre, on=today)
        return publish_notice(
            session,
            actor=cadre,
            village_code=village,
            kind=NoticeKind.identification,
            starts_on=today,
            out_dir=out / "notices",
            case_ids=[c.id for c in cases],
        )


def _county_scope(county: str) -> Scope:
    """What the demo's county official (``demo.county``, added by the demo) reads."""
    from bottomline.users.scope import Scope

    return Scope.of(Actor("demo.county", Role.county, county))


def _print_pipeline(engine: Engine, county: str) -> None:
    from bottomline.cases.queries import pipeline
    from bottomline.db import session_scope

    with session_scope(engine) as session:
        counts = pipeline(session, _county_scope(county), level="county")
    table = Table(title="办理进度 / cases by stage")
    table.add_column("阶段 / stage")
    table.add_column("案件 / cases", justify="right")
    totals: dict[str, int] = {}
    for stages in counts.values():
        for stage, n in stages.items():
            totals[stage] = totals.get(stage, 0) + n
    for stage in Stage:
        if stage.value in totals:
            table.add_row(stage.label, f"{totals[stage.value]:,}")
    console.print(table)


def _print_clock(engine: Engine, county: str) -> None:
    from bottomline.cases.clock import escalations, running_clocks
    from bottomline.db import session_scope
    from bottomline.workdays import today_in_china

    today = today_in_china()
    scope = _county_scope(county)
    with session_scope(engine) as session:
        running = running_clocks(session, scope, today)
        urgent = escalations(session, scope, today)
    if not running:
        return
    latest = max(c.deadline_on for c in running)
    console.print(
        f"时限 / statutory clock: {len(running):,} cases being identified, county decisions due "
        f"by {latest}; {len(urgent):,} due within 3 days or overdue (`bottomline overdue`)"
    )
