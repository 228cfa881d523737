"""Medical settlements (医保结算): inpatient episodes and the monthly flood of outpatient visits.

Each settlement splits the total cost into basic insurance (基本医保), serious-illness insurance
(大病保险), medical assistance (医疗救助) and self-pay (个人自付) in integer fen, so that
``self_pay = total − basic − serious − assistance`` holds exactly. Outpatient visits, about 1.2
per person and month (settlements include pharmacy purchases on the insurance card [B]), are
drawn per month and per chunk of people from their own stream, so the feed writer and the
ground truth regenerate the same visits without storing them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bottomline.synth import members as mm
from bottomline.synth.streams import stream

if TYPE_CHECKING:
    from bottomline.synth.panel import Panel
    from bottomline.synth.persons import People

Events = dict[str, np.ndarray]
OUTPATIENT, CHRONIC_OUTPATIENT, INPATIENT = 1, 2, 0  # index into the feed's visit-type codes
CHUNK = 1 << 20  # people per outpatient chunk
INPATIENT_YEARLY = np.array([0.05, 0.04, 0.07, 0.14, 0.20])  # by age band [B], about 8 % overall
INPATIENT_AGES = (15, 45, 60, 75)
SERIOUS_DEDUCTIBLE = 1_500_000  # fen: 15,000 yuan [B]


def _fen(yuan: np.ndarray) -> np.ndarray:
    return np.rint(yuan * 100).astype(np.int64)


def split_costs(
    rng: np.random.Generator,
    total: np.ndarray,
    kind: np.ndarray,
    insured: np.ndarray,
    aid: np.ndarray,
) -> Events:
    """Split totals (fen) into the three payers and self-pay; ``aid`` is the assistance share."""
    n = len(total)
    covered = np.where(kind == INPATIENT, 0.75 + 0.17 * rng.random(n), 1.0)
    rate = np.select(
        [kind == INPATIENT, kind == CHRONIC_OUTPATIENT], [0.6 + 0.15 * rng.random(n), 0.6], 0.5
    )
    basic = np.where(insured, np.rint(total * covered * rate), 0).astype(np.int64)
    above = np.maximum(total - basic - SERIOUS_DEDUCTIBLE, 0)
    serious = np.where(insured & (kind == INPATIENT), np.rint(above * 0.6), 0).astype(np.int64)
    assistance = np.rint((total - basic - serious) * aid).astype(np.int64)
    return {
        "total": total,
        "basic": basic,
        "serious": serious,
        "assistance": assistance,
        "self_pay": total - basic - serious - assistance,
    }


def assistance_share(
    rng: np.random.Generator, people: People, person: np.ndarray, inpatient: bool
) -> np.ndarray:
    """Medical assistance for 特困 (most), 低保 and formerly poor people (part) [B]."""
    n = len(person)
    poor = people.formerly_poor[people.household[person]]
    share = np.where(
        people.tekun[person], 0.9, np.where(people.dibao[person], 0.7, np.where(poor, 0.3, 0.0))
    )
    paid = rng.random(n) < (0.9 if inpatient else 0.5)
    return np.where(paid, share, 0.0) * (1.0 if inpatient else 0.6)


def inpatient_episodes(rng: np.random.Generator, people: People, months: int) -> Events:
    """Hospital stays of the panel's months; some are serious illnesses with large bills."""
    yearly = INPATIENT_YEARLY[np.digitize(people.age, INPATIENT_AGES)]
    factor = np.select(
        [people.health == mm.SERIOUS, people.health == mm.CHRONIC, people.health == mm.DISABLED],
        [4.0, 2.0, 1.5],
        1.0,
    )
    hits = [np.flatnonzero(rng.random(people.count) < yearly * factor / 12) for _ in range(months)]
    person = np.concatenate(hits)
    month = np.repeat(np.arange(months, dtype=np.int16), [len(h) for h in hits])
    grave = rng.random(len(person)) < np.where(people.health[person] == mm.SERIOUS, 0.15, 0.02)
    total = np.where(
        grave,
        rng.lognormal(np.log(60000), 0.7, len(person)),
        rng.lognormal(np.log(6000), 0.8, len(person)),
    )
    kind = np.full(len(person), INPATIENT, np.int8)
    costs = split_costs(
        rng,
        _fen(total.clip(200, 800_000)),
        kind,
        people.insured[person],
        assistance_share(rng, people, person, True),
    )
    stays: Events = {
        "person": person,
        "month": month,
        "day": rng.integers(0, 28, len(person)).astype(np.int16),
        "kind": kind,
    }
    stays.update(costs)
    return stays


def visit_rates(people: People, rows: slice) -> np.ndarray:
    """Expected outpatient settlements a month per person."""
    health = people.health[rows]
    rate = 0.85 + 0.6 * (people.age[rows] >= 60)
    extra = np.select(
        [health == mm.CHRONIC, health == mm.SERIOUS, health == mm.DISABLED], [1.2, 2.0, 0.6], 0.0
    )
    return rate + extra


def chunks(panel: Panel) -> range:
    return range(0, panel.people.count, CHUNK)


def outpatient_visits(panel: Panel, month: int, start: int) -> Events:
    """Outpatient settlements of people ``start … start + CHUNK`` in ``month`` of the panel."""
    people = panel.people
    stop = min(start + CHUNK, people.count)
    rng = stream(panel.seed, "outpatient", month, start // CHUNK)
    rates = visit_rates(people, slice(start, stop))
    counts = rng.poisson(rates) * panel.alive(month)[start:stop]
    person = np.repeat(np.arange(start, stop), counts)
    chronic = (people.health[person] == mm.CHRONIC) & (rng.random(len(person)) < 0.6)
    kind = np.where(chronic, CHRONIC_OUTPATIENT, OUTPATIENT).astype(np.int8)
    total = np.where(
        chronic,
        rng.lognormal(np.log(260), 0.6, len(person)),
        rng.lognormal(np.log(90), 0.8, len(person)),
    )
    costs = split_costs(
        rng,
        _fen(total.clip(5, 20000)),
        kind,
        people.insured[person],
        assistance_share(rng, people, person, False),
    )
    visits: Events = {
        "person": person,
        "day": rng.integers(0, 28, len(person)).astype(np.int16),
        "kind": kind,
    }
    visits.update(costs)
    return visits
