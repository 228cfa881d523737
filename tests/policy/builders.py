"""Build policy documents in tests without files."""

from __future__ import annotations

from bottomline.policy import PolicyDocument, document_from_dict
from bottomline.policy.document import nest
from bottomline.policy.schema import Value


def make_doc(
    region: str, year: int, settings: dict[str, Value], *, title: str = "test"
) -> PolicyDocument:
    """A validated document setting ``settings`` (dotted key path -> value)."""
    meta = {"region": region, "year": year, "title": title, "source": "test"}
    return document_from_dict(
        {"meta": meta, **nest(settings)}, source_path=f"mem/{region}-{year}.toml"
    )


# A complete set of values, valid on its own (used for national documents in tests).
COMPLETE: dict[str, Value] = {
    "standard.income_line": 6000,
    "standard.prior_year_rural_disposable_income": 20000,
    "triggers.rigid_expenditure.absolute": 20000,
    "triggers.income_drop.share": 0.3,
    "triggers.income_drop.watch_multiple": 1.5,
    "triggers.medical.self_pay_formerly_poor": 5000,
    "triggers.medical.self_pay_other": 20000,
    "triggers.medical.window_months": 12,
    "triggers.medical.count_inpatient": True,
    "triggers.medical.count_chronic_outpatient": True,
    "triggers.medical.count_outpatient": False,
    "triggers.education.self_pay": 10000,
    "triggers.disaster.loss": 10000,
    "triggers.disaster.min_house_damage": "severe",
    "triggers.housing.min_grade": "C",
    "triggers.department.job_loss": True,
    "triggers.department.death_or_disability": True,
    "triggers.department.new_assistance": True,
    "triggers.department.school_dropout": True,
    "triggers.department.water_problem": True,
    "procedure.notice_days": 5,
    "procedure.identification_deadline_days": 15,
    "procedure.day_count": "calendar",
    "elimination.min_monitored_months": 6,
    "elimination.income_stable_months": 6,
}
