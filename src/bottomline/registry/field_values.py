"""One value typed by a user for a registry field, checked as the registry import checks it.

The import's catalogue (``registry.national_export``) is the one place that knows a field's
wordings, bounds and checks: a value is read with the same ``read_cells`` a file's column is,
so ``患有大病`` (the national form's wording), ``大病`` and ``serious`` (the stored value) are all
accepted for health, and a refusal names the same reason an import's rejects report would.
"""

from __future__ import annotations

import pyarrow as pa

from bottomline.errors import UserError
from bottomline.registry.national_export import (
    COLUMNS,
    ExportColumn,
    RejectCode,
    Stored,
    read_cells,
)

# The fields a local edit may change (the others are set by the national system's export).
HOUSEHOLD_EDITABLE = ("address", "phone", "no_labour_household")
MEMBER_EDITABLE = (
    "relationship", "education", "schooling", "health", "disability_grade", "labour_capacity",
    "migrant_months", "migrant_place", "insured_medical", "insured_serious_illness",
    "insured_pension", "dibao", "tekun", "public_welfare_job",
)  # fmt: skip
# Values the audit log never holds (personal data): it records that they changed.
PERSONAL_FIELDS = frozenset({"address", "phone", "health", "disability_grade", "name"})


def field_value(name: str, given: str | bool | int | None) -> Stored:
    """The stored value of field ``name`` for what the user gave; UserError if it is not one."""
    column = COLUMNS[name]
    if isinstance(given, bool):
        if column.arrow_type != pa.bool_():
            raise _refused(column, str(given), RejectCode.bad_code)
        return given
    text = "" if given is None else str(given).strip()
    if column.kind == "code" and text in _values(column):
        return text  # the stored value itself (``serious``)
    if text == "" and column.required:
        raise _refused(column, text, RejectCode.missing)
    values, masks = read_cells(column, pa.array([text], pa.string()))
    if masks:
        raise _refused(column, text, masks[0][1])
    value: Stored = values[0].as_py()
    return value


def _values(column: ExportColumn) -> set[str]:
    return {v for v in column.codes.values() if isinstance(v, str)}


def _refused(column: ExportColumn, text: str, code: RejectCode) -> UserError:
    return UserError(
        f"{column.header} / {column.name}: {text!r} {code.zh} / {code.en}",
        hint=accepted(column),
    )


def accepted(column: ExportColumn) -> str:
    """What the field accepts, in the words a user may type."""
    if column.kind == "code" and column.arrow_type == pa.string():
        seen: dict[str, str] = {}
        for wording, value in column.codes.items():
            seen.setdefault(str(value), wording)
        shown = ", ".join(f"{zh} ({value})" for value, zh in seen.items())
        return f"可填 / accepted: {shown}"
    if column.kind == "int" and column.bounds:
        low, high = column.bounds
        return f"整数 / a whole number from {low} to {high}"
    if column.name == "disability_grade":
        return "可填 / accepted: 一级 … 四级, 1 … 4, 无 (none)"
    if column.kind == "id_number":
        return "18位公民身份号码，末位为校验码 / an 18-character resident ID number (check the last character)"
    if column.kind == "ethnicity":
        return "民族名称或代码 / an ethnic group's name or GB 3304 code, e.g. 汉族 or 01"
    if column.kind == "division":
        return "行政区划代码 / a 6- or 12-digit division code, e.g. 530000 or 532328000000"
    if column.max_length:
        return f"最长 {column.max_length} 字 / at most {column.max_length} characters"
    return f"见 / see docs/registry-import.md, column {column.header}"
