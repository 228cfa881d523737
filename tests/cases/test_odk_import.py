"""ODK Central exports into the store: visits recorded, leads raised, every row accounted for."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from bottomline.cases.models import Case, Visit
from bottomline.cases.odk.importer import import_visits
from bottomline.cases.odk.submissions import read_submissions
from bottomline.db import session_scope, write_scope
from bottomline.policy.resolve import PolicyIndex
from bottomline.registry.models import Household
from bottomline.screening.models import Lead
from tests.cases.conftest import People

HEADER = [
    "SubmissionDate", "visit-household_no", "visit-village_code", "visit-visit_date",
    "visit-visitor_name", "visit-visitor_unit", "visit-household_present",
    "visit-authorization_signed", "visit-authorization_photo", "visit-household_size",
    "visit-income_estimate", "visit-medical_expense", "visit-education_expense",
    "visit-hardships", "visit-risk_types", "visit-suggest_monitoring", "visit-notes",
    "meta-instanceID", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
    "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits", "FormVersion",
]  # fmt: skip
TODAY = dt.date(2026, 11, 23)


def _row(key: str, household: Household, *, suggest: bool, size: str = "3") -> dict[str, str]:
    return {
        "SubmissionDate": "2026-11-03T02:15:30.123Z",
        "visit-household_no": household.household_no,
        "visit-village_code": household.village_code,
        "visit-visit_date": "2026-11-02",
        "visit-visitor_name": "张文",
        "visit-household_present": "yes",
        "visit-authorization_signed": "yes",
        "visit-household_size": size,
        "visit-income_estimate": "5200.50",
        "visit-hardships": "illness",
        "visit-risk_types": "illness",
        "visit-suggest_monitoring": "yes" if suggest else "no",
        "meta-instanceID": key,
        "KEY": key,
        "SubmitterName": "张文",
        "FormVersion": "2026112301",
    }


def _export(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, HEADER)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in HEADER})
    return path


def _import(store: Engine, path: Path, people: People, policies: PolicyIndex, reports: Path):  # type: ignore[no-untyped-def]
    parsed = read_submissions(path, today=TODAY)
    with write_scope(store) as session:
        return import_visits(
            session,
            parsed,
            source=path,
            actor=people.township,
            policies=policies,
            reports_dir=reports,
        )


@pytest.fixture
def households(store: Engine, people: People) -> list[Household]:
    with session_scope(store) as session:
        return list(
            session.scalars(
                select(Household)
                .where(Household.village_code == people.village.region_code)
                .order_by(Household.id)
                .limit(2)
            )
        )


def test_an_export_becomes_visits_and_leads_and_reconciles(
    store: Engine,
    people: People,
    policies: PolicyIndex,
    tmp_path: Path,
    households: list[Household],
) -> None:
    first, second = households
    stranger = Household(household_no="99999999999999999", village_code=first.village_code)
    path = _export(
        tmp_path / "bottomline_home_visit.csv",
        [
            _row("uuid:a", first, suggest=True),
            _row("uuid:b", second, suggest=False),
            _row("uuid:c", stranger, suggest=True),  # not in the registry: unmatched
            _row("uuid:d", first, suggest=True, size="0"),  # household size 0: rejected
        ],
    )
    report = _import(store, path, people, policies, tmp_path / "reports")
    assert (report.rows_in, report.recorded, report.rejected, report.unmatched) == (4, 2, 1, 1)
    assert report.leads_raised == 1
    assert report.report_path is not None
    rejects = (report.report_path / "rejects.csv").read_text(encoding="utf-8-sig")
    assert "unknown_household" in rejects
    assert "99999999999999999" in rejects
    with session_scope(store) as session:
        assert session.scalar(select(func.count()).select_from(Visit)) == 2
        lead = session.scalars(select(Lead)).one()
        assert (lead.channel, lead.source_ref, lead.household_id) == ("odk", "uuid:a", first.id)
        case = session.scalars(select(Case)).one()
        assert case.first_lead_on == dt.date(2026, 11, 2)

    again = _import(store, path, people, policies, tmp_path / "reports")
    assert (again.recorded, again.already_imported, again.leads_raised) == (0, 2, 0)
    with session_scope(store) as session:
        assert session.scalar(select(func.count()).select_from(Visit)) == 2


def test_a_household_of_another_village_or_region_is_not_recorded(
    store: Engine,
    people: People,
    policies: PolicyIndex,
    tmp_path: Path,
    households: list[Household],
) -> None:
    wrong_village = _row("uuid:x", households[0], suggest=True)
    wrong_village["visit-village_code"] = "532328999999"
    path = _export(tmp_path / "v.csv", [wrong_village])
    report = _import(store, path, people, policies, tmp_path / "reports")
    assert (report.recorded, report.unmatched) == (0, 1)
    assert report.report_path is not None
    assert "village_mismatch" in (report.report_path / "rejects.csv").read_text("utf-8-sig")
