"""No read of a protected table bypasses the acting user: a lint over the source.

A protected table holds households' or cases' records (docs/access.md). Every public function
of the domain that queries one — directly, or through the private helpers of its own module —
must take the acting user: a parameter annotated ``Actor`` or ``Scope`` (the access layer's
types; a ``Scope`` is made only from an actor). A function that cannot yet is listed in
``NOT_YET`` with the reason, so the list is the work left and a new bypass fails this test.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "bottomline"
# Modules outside the domain: delivery (cli queries go through the domain), the schema, the
# synthetic data generator (no store) and the tables' own definitions.
SKIP = ("cli/", "migrations/", "synth/", "db.py")
PROTECTED = frozenset(
    {
        "Household",
        "Member",
        "HouseholdIncome",
        "HouseholdGuarantee",
        "MemberEvent",
        "LocalEdit",
        "Case",
        "CaseLead",
        "CaseEvent",
        "Visit",
        "Notice",
        "NoticeCase",
        "Objection",
        "CampaignTask",
        "Lead",
        "LeadHit",
        "Measure",
        "HelperAssignment",
        "IncomeFollowUp",
        "QualityIssue",
        "AuditEntry",
    }
)
QUERIES = frozenset(
    {
        "select",
        "get",
        "get_one",
        "query",
        "update",
        "delete",
        "exists",
        "select_from",
        "join",
        "outerjoin",
    }
)
ACTING = ("Actor", "Scope")

# Public functions that read protected tables without the acting user, and why (the work left
# for issue 10 §1; each entry is removed when its function takes the actor or a scope).
RECORD = (
    "one household's or case's records, read after the household or case was reached through an "
    "access function; to take the accessed record"
)
JOB = (
    "a job over a whole region (import, screening, quality run) whose region the caller checked "
    "against the acting user; to take a Scope when these runs become audited actions"
)
NOT_YET: dict[str, str] = {
    "assistance/queries.py:active_measure_count": RECORD,
    "assistance/queries.py:followups_of": RECORD,
    "assistance/queries.py:helpers_of": RECORD,
    "assistance/queries.py:implemented_measure_count": RECORD,
    "assistance/queries.py:measures_of": RECORD,
    "cases/effects.py:registry_eliminated": RECORD,
    "cases/effects.py:registry_monitored": RECORD,
    "cases/effects.py:registry_reverted": RECORD,
    "cases/elimination.py:cycle_income": RECORD,
    "cases/elimination.py:exit_facts": RECORD,
    "cases/guards.py:home_visit_signed": RECORD,
    "cases/guards.py:no_other_active_case": RECORD,
    "cases/guards.py:notice_over": RECORD,
    "cases/guards.py:objections_resolved": RECORD,
    "cases/guards.py:on_notice": RECORD,
    "cases/queries.py:case_by_household_no": RECORD,
    "cases/queries.py:case_file": RECORD,
    "cases/queries.py:cases_of": RECORD,
    "cases/queries.py:lead_reasons": RECORD,
    "cases/queries.py:warnings_for": RECORD,
    "registry/records.py:events_of": RECORD,
    "registry/records.py:guarantees_of": RECORD,
    "registry/records.py:incomes_of": RECORD,
    "registry/records.py:pending_edits_of": RECORD,
    "assistance/queries.py:followups_snapshot": JOB,
    "registry/imports/conflicts.py:load_pending": JOB,
    "registry/imports/conflicts.py:settle": JOB,
    "registry/queries.py:count_households": JOB,
    "registry/queries.py:member_index": JOB,
    "registry/snapshot.py:export_snapshot": JOB,
    "screening/cycle.py:open_risks": JOB,
    "screening/fingerprint.py:dismissed_fingerprints": JOB,
    "audit.py:verify": "the chain check reads every row by design; to take the auditor",
    "registry/queries.py:get_household": "an unscoped lookup; to give way to registry.access",
    "registry/queries.py:household_size": "an unscoped lookup; to give way to registry.access",
}


@dataclass
class Function:
    name: str
    acting: bool  # takes an Actor or a Scope
    queries: bool = False  # queries a protected table itself
    calls: set[str] = field(default_factory=set)  # names called


def _names(node: ast.AST) -> Iterator[str]:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            yield sub.id


def _queries_protected(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if not isinstance(sub, ast.Call):
            continue
        func = sub.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if called in QUERIES and any(name in PROTECTED for arg in sub.args for name in _names(arg)):
            return True
    return False


def _acting(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    args = node.args
    for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
        if arg.annotation is not None and any(
            word in ast.unparse(arg.annotation) for word in ACTING
        ):
            return True
    return False


def _functions(tree: ast.Module) -> dict[str, Function]:
    found: dict[str, Function] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            calls = {
                sub.func.id
                for sub in ast.walk(node)
                if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name)
            }
            found[node.name] = Function(node.name, _acting(node), _queries_protected(node), calls)
    return found


def _touches(functions: dict[str, Function]) -> set[str]:
    """Functions that query a protected table themselves or through the module's own
    private helpers that do not take the acting user."""
    touching = {f.name for f in functions.values() if f.queries}
    while True:
        more = {
            f.name
            for f in functions.values()
            if f.name not in touching
            and any(
                c in touching and c.startswith("_") and not functions[c].acting for c in f.calls
            )
        }
        if not more:
            return touching
        touching |= more


def bypasses() -> dict[str, str]:
    """``module:function`` of every public function that reads a protected table without the
    acting user."""
    found: dict[str, str] = {}
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if relative.startswith(SKIP) or relative.endswith("models.py"):
            continue
        functions = _functions(ast.parse(path.read_text(encoding="utf-8")))
        for name in sorted(_touches(functions)):
            if not name.startswith("_") and not functions[name].acting:
                found[f"{relative}:{name}"] = relative
    return found


def test_every_public_read_of_a_protected_table_takes_the_acting_user() -> None:
    new = sorted(set(bypasses()) - set(NOT_YET))
    assert new == [], (
        "these functions read protected tables without an Actor or Scope parameter: "
        + ", ".join(new)
        + " — take the acting user (registry.access.access_region gives a Scope), "
        "or list the function in NOT_YET with the reason"
    )


def test_the_list_of_work_left_holds_only_real_bypasses() -> None:
    assert sorted(set(NOT_YET) - set(bypasses())) == []


def test_the_lint_finds_a_bypass(tmp_path: Path) -> None:
    source = (
        "def cases_of(session, code):\n"
        "    return session.scalars(select(Case).where(Case.village_code == code))\n"
        "def _helper(session):\n"
        "    return session.get(Notice, 1)\n"
        "def notice_one(session):\n"
        "    return _helper(session)\n"
        "def scoped(session, scope: Scope):\n"
        "    return session.scalars(select(Case).where(scope.villages(Case.village_code)))\n"
        "def counted(session, n: int):\n"
        "    return session.scalar(select(func.count()).select_from(Region))\n"
    )
    functions = _functions(ast.parse(source))
    public_bypasses = {
        name
        for name in _touches(functions)
        if not name.startswith("_") and not functions[name].acting
    }
    assert public_bypasses == {"cases_of", "notice_one"}
