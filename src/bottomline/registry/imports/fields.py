"""Registry fields an import compares and writes, and the diff's names for them."""

from __future__ import annotations

# Registry fields an import compares and writes, in the store's column order.
HOUSEHOLD_FIELDS = (
    "village_code", "address", "phone", "household_type", "formerly_poor", "poverty_exit_year",
    "relocated", "no_labour_household",
)  # fmt: skip
MEMBER_FIELDS = (
    "id_number", "id_kind", "name", "relationship", "sex", "birth_date", "ethnicity",
    "education", "schooling", "health", "disability_grade", "labour_capacity", "migrant_months",
    "migrant_place", "insured_medical", "insured_serious_illness", "insured_pension", "dibao",
    "tekun", "public_welfare_job",
)  # fmt: skip
# Member fields that always have a value: from their column, else from the ID number.
DERIVED = ("id_kind", "sex", "birth_date")
TEXT_FIELDS = frozenset({"address", "phone", "migrant_place"})  # "" and no value are the same
MOVED = "household_no"  # the diff's name for a member's household changing
RESTORED = "removed_at"  # the diff's name for a removed record coming back
