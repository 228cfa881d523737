"""Import an ODK Central export of home visits: visits recorded, leads raised, every row counted.

Each submission the reader accepts is matched to a household by its number (户编号) and must lie
in the village it names and in the importing user's region. It then becomes a visit (idempotent
by Central's instance id: importing the same export twice records nothing new) and, when the
cadre suggested monitoring, a lead that opens or joins the household's case. The file's rows
reconcile as ``rows in = visits recorded + already imported + rejected + skipped + unmatched``,
checked before the import commits; rejects and unmatched rows go to a report beside the store.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bottomline import audit
from bottomline.cases.enums import Channel
from bottomline.cases.models import Visit, VisitImport
from bottomline.cases.odk.submissions import (
    Reject,
    SubmissionFile,
    VisitSubmission,
    write_rejects,
)
from bottomline.cases.visits import NewVisit, record_visit
from bottomline.db import chunks
from bottomline.errors import IntegrityError
from bottomline.policy.resolve import PolicyIndex
from bottomline.registry.models import Household
from bottomline.users.actor import Actor


@dataclass(frozen=True, slots=True)
class VisitImportReport:
    import_id: int
    rows_in: int
    recorded: int
    already_imported: int
    rejected: int
    skipped: int
    unmatched: int
    leads_raised: int
    report_path: Path | None


def import_visits(
    session: Session,
    parsed: SubmissionFile,
    *,
    source: Path,
    actor: Actor,
    policies: PolicyIndex,
    reports_dir: Path,
) -> VisitImportReport:
    """Record the accepted submissions of ``parsed`` (read by ``read_submissions``)."""
    known = _imported_refs(session, [s.instance_id for s in parsed.accepted])
    households = _households(session, {s.household_no for s in parsed.accepted})
    record = VisitImport(
        source_name=parsed.name,
        content_sha256=_sha256(source),
        rows_in=parsed.rows_in,
        accepted=0,
        already_imported=0,
        rejected=len(parsed.rejected),
        skipped=len(parsed.skipped),
        unmatched=0,
        leads_raised=0,
        imported_by=actor.name,
    )
    session.add(record)
    session.flush()
    unmatched: list[Reject] = []
    for submission in parsed.accepted:
        if submission.instance_id in known:
            record.already_imported += 1
            continue
        household = households.get(submission.household_no)
        problem = _mismatch(submission, household, actor)
        if problem or household is None:
            unmatched.append(problem or _unknown(submission))
            continue
        _visit, case = record_visit(
            session,
            _new_visit(submission, household.id, record.id),
            actor=actor,
            policies=policies,
        )
        record.accepted += 1
        record.leads_raised += case is not None
    record.unmatched = len(unmatched)
    _reconcile(record)
    record.report_dir = _report(reports_dir, record.id, parsed, unmatched)
    change = audit.Change(
        "visit.import",
        "visit_import",
        record.id,
        region_code=actor.region_code,
        after=_counts(record),
    )
    audit.record(session, change, actor=actor.name, role=actor.role.value)
    return VisitImportReport(
        record.id,
        record.rows_in,
        record.accepted,
        record.already_imported,
        record.rejected,
        record.skipped,
        record.unmatched,
        record.leads_raised,
        Path(record.report_dir) if record.report_dir else None,
    )


def _imported_refs(session: Session, refs: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunks(refs):
        found.update(
            r
            for r in session.scalars(select(Visit.source_ref).where(Visit.source_ref.in_(chunk)))
            if r
        )
    return found


def _households(session: Session, numbers: set[str]) -> dict[str, Household]:
    found: dict[str, Household] = {}
    ordered = sorted(numbers)
    for chunk in chunks(ordered):
        found.update(
            (h.household_no, h)
            for h in session.scalars(select(Household).where(Household.household_no.in_(chunk)))
            if h.removed_at is None
        )
    return found


def _mismatch(s: VisitSubmission, household: Household | None, actor: Actor) -> Reject | None:
    if household is None:
        return None
    if household.village_code != s.village_code:
        return Reject(
            s.source_row,
            "visit-village_code",
            s.village_code,
            "village_mismatch",
            f"户编号属于村 {household.village_code}，与填写的村不一致",
            f"the household belongs to village {household.village_code}, not the one given",
        )
    if not actor.covers(household.village_code):
        return Reject(
            s.source_row,
            "visit-village_code",
            s.village_code,
            "outside_region",
            "该户不在导入人员的管辖范围内",
            "the household is outside the importing user's region",
        )
    return None


def _unknown(s: VisitSubmission) -> Reject:
    return Reject(
        s.source_row,
        "visit-household_no",
        s.household_no,
        "unknown_household",
        "登记系统中没有该户编号",
        "no household with this number in the registry",
    )


def _new_visit(s: VisitSubmission, household_id: int, import_id: int) -> NewVisit:
    return NewVisit(
        household_id=household_id,
        visit_date=s.visit_date,
        visitor_name=s.visitor_name,
        authorization_signed=s.authorization_signed,
        suggest_monitoring=s.suggest_monitoring,
        visitor_unit=s.visitor_unit,
        household_present=s.household_present,
        household_size=s.household_size,
        income_estimate=s.income_estimate,
        medical_expense=s.medical_expense,
        education_expense=s.education_expense,
        hardships=tuple(h.value for h in s.hardships),
        risk_types=s.risk_types,
        notes=s.notes,
        channel=Channel.odk,
        source_ref=s.instance_id,
        import_id=import_id,
    )


def _reconcile(record: VisitImport) -> None:
    counted = (
        record.accepted
        + record.already_imported
        + record.rejected
        + record.skipped
        + record.unmatched
    )
    if counted != record.rows_in:
        raise IntegrityError(
            f"第 {record.id} 次走访导入：读入 {record.rows_in} 行，只核对上 {counted} 行 / "
            f"visit import {record.id}: {record.rows_in} rows in but {counted} accounted for"
        )


def _report(
    reports_dir: Path, import_id: int, parsed: SubmissionFile, unmatched: list[Reject]
) -> str | None:
    rows = sorted([*parsed.rejects, *unmatched], key=lambda r: r.source_row)
    if not rows:
        return None
    directory = reports_dir / f"visit-import-{import_id}"
    directory.mkdir(parents=True, exist_ok=True)
    write_rejects(rows, directory / "rejects.csv", file_name=parsed.name)
    return str(directory)


def _counts(record: VisitImport) -> dict[str, int]:
    return {
        "rows_in": record.rows_in,
        "recorded": record.accepted,
        "already_imported": record.already_imported,
        "rejected": record.rejected,
        "skipped": record.skipped,
        "unmatched": record.unmatched,
        "leads_raised": record.leads_raised,
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
