"""The members table (家庭成员): identities, names and attributes of every person."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bottomline.registry import columns
from bottomline.registry.divisions import counties_of
from bottomline.registry.enums import IdKind
from bottomline.synth import households as hh_model
from bottomline.synth import members as member_model
from bottomline.synth.ethnicity import draw_ethnicity, ethnicity_table
from bottomline.synth.identity import id_numbers
from bottomline.synth.names import given_names, person_names, surnames
from bottomline.synth.streams import stream
from bottomline.synth.strings import take

if TYPE_CHECKING:
    from bottomline.synth.incomes import Assistance
    from bottomline.synth.layout import Layout
    from bottomline.synth.population import Frame

MARRIED_IN_SHARE = 0.25  # spouses and children-in-law registered in another county of the province
MIGRANT_DESTINATIONS = ("44", "33", "32", "35", "31")  # 广东 浙江 江苏 福建 上海
SAME_COUNTY_WORK, PROVINCE_WORK = 0.15, 0.35  # where migrant workers work; the rest go far


def _enum_text(codes: tuple[object, ...], index: np.ndarray) -> pa.Array:
    return take([str(c) for c in codes], index)


def registration_regions(layout: Layout, frame: Frame, rng: np.random.Generator) -> np.ndarray:
    """6-digit region of every person's ID: the home county, or another county for the married-in."""
    people = frame.people
    home = np.array([int(c.code[:6]) for c in layout.counties])[layout.county][people.household]
    married_in = np.isin(people.role, (hh_model.SPOUSE, hh_model.CHILD_IN_LAW))
    moved = married_in & (rng.random(len(home)) < MARRIED_IN_SHARE)
    pool = _province_pool(layout)
    return np.where(moved, pool[rng.integers(0, len(pool), len(home))], home)


def _province_pool(layout: Layout) -> np.ndarray:
    provinces = sorted({c.code[:2] for c in layout.counties})
    codes = [d.code for p in provinces for d in counties_of(p + "0" * 10)]
    return np.array([int(code[:6]) for code in codes], dtype=np.int64)


def names(frame: Frame, rng: np.random.Generator) -> pa.Array:
    """Children, grandchildren and siblings share the head's surname, as does a head's father."""
    people = frame.people
    head_surname = surnames(rng, len(frame.sizes))[people.household]
    own = surnames(rng, len(people.role))
    shares = np.isin(
        people.role, (hh_model.HEAD, hh_model.CHILD, hh_model.GRANDCHILD, hh_model.SIBLING)
    )
    father = (people.role == hh_model.PARENT) & people.male
    surname = np.where(shares | father, head_surname, own)
    birth_year = frame.birth.astype("datetime64[Y]").astype(np.int64) + 1970
    return person_names(surname, given_names(rng, people.male, birth_year))


def ethnicities(layout: Layout, frame: Frame, rng: np.random.Generator) -> pa.Array:
    """The household's group, drawn per province; married-in members sometimes differ."""
    people = frame.people
    province = np.array([c.code[:2] for c in layout.counties])[layout.county][people.household]
    out = np.empty(len(people.role), dtype="<U2")
    for prefix in np.unique(province):
        codes, _ = ethnicity_table(str(prefix))
        rows = province == prefix
        household = draw_ethnicity(rng, str(prefix), len(frame.sizes))[people.household[rows]]
        own = draw_ethnicity(rng, str(prefix), int(rows.sum()))
        married_in = np.isin(people.role[rows], (hh_model.SPOUSE, hh_model.CHILD_IN_LAW))
        pick = np.where(married_in & (rng.random(int(rows.sum())) < 0.2), own, household)
        out[rows] = np.asarray(codes)[pick]
    return pa.array(out)


def migrant_places(layout: Layout, frame: Frame, rng: np.random.Generator) -> pa.Array:
    """County-level code of the workplace of people with migrant months, else null."""
    people = frame.people
    m = len(people.role)
    own = [c.code for c in layout.counties]
    province = [d.code for d in counties_of(layout.counties[0].code[:2] + "0" * 10)]
    far = [d.code for p in MIGRANT_DESTINATIONS for d in counties_of(p + "0" * 10)]
    codes = pa.array(own + province + far, pa.string())
    u = rng.random(m)
    home = layout.county[people.household]
    nearby = len(own) + rng.integers(0, len(province), m)
    distant = len(own) + len(province) + rng.integers(0, len(far), m)
    chosen = np.where(
        u < SAME_COUNTY_WORK, home, np.where(u < SAME_COUNTY_WORK + PROVINCE_WORK, nearby, distant)
    )
    away = pa.array(frame.attrs.migrant_months > 0)
    return pc.if_else(away, codes.take(pa.array(chosen)), pa.scalar(None, pa.string()))


def members_table(layout: Layout, frame: Frame, assistance: Assistance, seed: int) -> pa.Table:
    rng = stream(seed, "members")
    people, a = frame.people, frame.attrs
    m = len(people.role)
    regions = registration_regions(layout, frame, rng)
    grade = a.disability_grade
    return pa.table(
        {
            "member_id": np.arange(1, m + 1, dtype=np.int64),
            "household_id": people.household + 1,
            "id_number": id_numbers(regions, frame.birth, people.male),
            "id_kind": pa.array(np.full(m, IdKind.resident_id.value)),
            "name": names(frame, rng),
            "relationship": _enum_text(hh_model.ROLES, people.role),
            "sex": take(["female", "male"], people.male.astype(np.int64)),
            "birth_date": pa.array(frame.birth, pa.date32()),
            "ethnicity": ethnicities(layout, frame, rng),
            "education": _enum_text(member_model.EDUCATION_CODES, a.education),
            "schooling": _enum_text(member_model.SCHOOLING_CODES, a.schooling),
            "health": _enum_text(member_model.HEALTH_CODES, a.health),
            "disability_grade": pa.array(grade, pa.int8(), mask=grade == 0),
            "labour_capacity": _enum_text(member_model.LABOUR_CODES, a.labour),
            "migrant_months": a.migrant_months,
            "migrant_place": migrant_places(layout, frame, rng),
            "insured_medical": a.insured_medical,
            "insured_serious_illness": a.insured_medical,
            "insured_pension": a.insured_pension,
            "dibao": assistance.dibao,
            "tekun": assistance.tekun,
        },
        schema=columns.MEMBERS,
    )
