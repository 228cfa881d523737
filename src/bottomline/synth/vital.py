"""The registry after the panel's deaths and births (户籍变动): what a later export is written from.

``population_after(pop, panel, period)`` removes members who died up to the end of ``period``
(the public-security feed's death events), gives a household whose head died a new head (the
spouse, else the oldest member left) with relationships relabelled around them, removes
households nobody is left in, and adds the children born up to then (``panel.events["births"]``)
to their mother's household with a valid new ID number. Deterministic by the panel's seed.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bottomline.registry import columns
from bottomline.registry.enums import Education, Health, IdKind, LabourCapacity, Schooling
from bottomline.synth import households as hh_model
from bottomline.synth.identity import id_numbers
from bottomline.synth.names import given_names
from bottomline.synth.panel import Panel
from bottomline.synth.population import Population
from bottomline.synth.streams import stream

ROLE_TEXT = [r.value for r in hh_model.ROLES]
# When a child of the dead head becomes head: how the others relate to the new head.
AFTER_CHILD_HEAD = {
    "spouse": "parent",
    "child": "sibling",
    "child_in_law": "spouse",
    "grandchild": "child",
    "parent": "grandparent",
    "sibling": "other",
}


def population_after(pop: Population, panel: Panel, period: str) -> Population:
    """The population at the end of ``period`` (a month of the panel, "YYYY-MM").

    ``pop`` is the population the panel was simulated from (not an earlier result of this
    function: the panel's people are the rows of its members table).
    """
    if panel.people.count != pop.tables["members"].num_rows:
        raise ValueError("the panel was not simulated from this population")
    if period not in panel.periods:
        raise ValueError(f"{period} is not a month of the panel ({panel.periods[0]}…)")
    month = panel.periods.index(period)
    members = pop.tables["members"]
    alive = panel.death_month > month
    born = _newborns(pop, panel, month, alive)
    kept = _new_heads(members.filter(pa.array(alive)))
    merged = pa.concat_tables([kept, born]).sort_by(
        [("household_id", "ascending"), ("member_id", "ascending")]
    )
    merged = _heads_first(merged)
    occupied = pc.unique(merged["household_id"])
    tables = dict(pop.tables)
    tables["members"] = merged
    for name in ("households", "incomes", "guarantees"):
        table = pop.tables[name]
        tables[name] = table.filter(pc.is_in(table["household_id"], value_set=occupied))
    tables["households"] = _no_labour(tables["households"], merged)
    return Population(pop.year, tables, pop.county_codes)


def _new_heads(members: pa.Table) -> pa.Table:
    """Households whose head died: the spouse, else the oldest member, becomes head."""
    hid = members["household_id"].to_numpy()
    role = np.asarray(members["relationship"].to_pylist(), dtype=object)
    has_head = np.zeros(hid.max(initial=0) + 1, dtype=bool)
    has_head[hid[role == "head"]] = True
    orphan = ~has_head[hid]
    if not orphan.any():
        return members
    birth = members["birth_date"].to_numpy(zero_copy_only=False).astype("datetime64[D]")
    rank = np.where(role == "spouse", 0, 1) * 100_000 + birth.astype(np.int64)  # spouse, then age
    rows = np.flatnonzero(orphan)
    order = rows[np.lexsort((rank[rows], hid[rows]))]
    first = order[np.r_[True, hid[order][1:] != hid[order][:-1]]]
    child_head = np.zeros(has_head.shape, dtype=bool)
    child_head[hid[first][role[first] != "spouse"]] = True
    relabel = orphan & child_head[hid]
    new_role = role.copy()
    for old, new in AFTER_CHILD_HEAD.items():
        new_role[relabel & (role == old)] = new
    new_role[first] = "head"
    index = members.schema.get_field_index("relationship")
    return members.set_column(
        index, members.schema.field(index), pa.array(new_role.tolist(), pa.string())
    )


def _heads_first(members: pa.Table) -> pa.Table:
    """Within each household the head first, the others in member order."""
    not_head = pc.not_equal(members["relationship"], "head")
    keyed = members.append_column("_not_head", not_head)
    ordered = keyed.sort_by(
        [("household_id", "ascending"), ("_not_head", "ascending"), ("member_id", "ascending")]
    )
    return ordered.drop_columns(["_not_head"])


def _newborns(pop: Population, panel: Panel, month: int, alive: np.ndarray) -> pa.Table:
    ev = panel.events["births"]
    mother = ev["person"]
    keep = (ev["month"] <= month) & (panel.death_month[mother] >= ev["month"])
    mother, when = mother[keep], ev["month"][keep]
    members = pop.tables["members"]
    n = len(mother)
    rng = stream(panel.seed, "newborns")
    birth = (panel.month_day(when) + ev["day"][keep]).astype("datetime64[D]")
    male = ev["male"][keep]
    household_id = members["household_id"].to_numpy()[mother]
    villages = pop.tables["households"]["village_code"]
    region = pc.cast(pc.utf8_slice_codeunits(villages, 0, 6), pa.int64()).to_numpy()
    region_of = region[household_id - 1] if n else np.zeros(0, np.int64)
    heads = panel.people.head[household_id - 1]
    surname = pc.utf8_slice_codeunits(members["name"].take(pa.array(heads)), 0, 1)
    years = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    names = pc.binary_join_element_wise(surname, given_names(rng, male, years), "")
    mother_role = np.asarray(members["relationship"].take(pa.array(mother)).to_pylist())
    relationship = np.where(np.isin(mother_role, ("head", "spouse")), "child", "grandchild")
    start = int(pc.max(members["member_id"]).as_py() or 0) + 1
    return pa.table(
        {
            "member_id": np.arange(start, start + n, dtype=np.int64),
            "household_id": household_id.astype(np.int64),
            "id_number": id_numbers(region_of, birth, male),
            "id_kind": pa.array([IdKind.resident_id.value] * n, pa.string()),
            "name": names,
            "relationship": pa.array(relationship.tolist(), pa.string()),
            "sex": pa.array(np.where(male, "male", "female").tolist(), pa.string()),
            "birth_date": pa.array(birth, pa.date32()),
            "ethnicity": members["ethnicity"].take(pa.array(mother)),
            "education": pa.array([Education.preschool_age.value] * n, pa.string()),
            "schooling": pa.array([Schooling.not_in_school.value] * n, pa.string()),
            "health": pa.array([Health.healthy.value] * n, pa.string()),
            "disability_grade": pa.nulls(n, pa.int8()),
            "labour_capacity": pa.array([LabourCapacity.none.value] * n, pa.string()),
            "migrant_months": np.zeros(n, np.int8),
            "migrant_place": pa.nulls(n, pa.string()),
            "insured_medical": np.ones(n, bool),  # enrolled at birth [B]
            "insured_serious_illness": np.ones(n, bool),
            "insured_pension": np.zeros(n, bool),
            "dibao": members["dibao"].take(pa.array(mother)),
            "tekun": np.zeros(n, bool),
        },
        schema=columns.MEMBERS,
    )


def _no_labour(households: pa.Table, members: pa.Table) -> pa.Table:
    """Recompute ``no_labour_household`` for the members left."""
    can = pc.is_in(members["labour_capacity"], value_set=pa.array(["skilled", "able", "weak"]))
    hid = members["household_id"].to_numpy()
    counts = np.bincount(hid, weights=can.to_numpy(zero_copy_only=False), minlength=hid.max() + 1)
    flags = counts[households["household_id"].to_numpy()] == 0
    index = households.schema.get_field_index("no_labour_household")
    return households.set_column(index, households.schema.field(index), pa.array(flags))
