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
# Hospital stays a person a year by age band (0–14, 15–44, 45–59, 60–74, 75+), before the health
# factor; about 0.2 stays a person a year overall: residents' insurance 住院率 20.7 % in 2023
# (NHSA 2023 statistical bulletin, docs/synth.md "Compliant out-of-pocket spending").
INPATIENT_YEARLY = np.array([0.09, 0.09, 0.15, 0.28, 0.40])
INPATIENT_AGES = (15, 45, 60, 75)
HEALTH_FACTOR = {mm.SERIOUS: 4.0, mm.CHRONIC: 2.0, mm.DISABLED: 1.5}  # on the stay rate
GRAVE_SHARE = (0.02, 0.15)  # stays with a grave illness's bill: others, the seriously ill [B]
# A county's stays are in county (二级) and township (一级) hospitals: basic insurance pays
# 72.4 % and 80.8 % of their in-scope costs (residents, 2023; 68.1 % over all levels, NHSA).
INPATIENT_RATE = (0.68, 0.82)
IN_SCOPE = (0.82, 0.95)  # in-scope (政策范围内) share of a stay's cost [B]
SERIOUS_DEDUCTIBLE = 1_500_000  # fen: 15,000 yuan [B]
STAY_MEDIAN = 4200.0  # yuan: with the grave stays, a mean near the residents' 7,674 (NHSA 2023)
SERIOUS_RATE = 0.6  # 大病保险's share of the in-scope self-pay above the deductible [B]


def _fen(yuan: np.ndarray) -> np.ndarray:
    return np.rint(yuan * 100).astype(np.int64)


def inpatient_rates(age: np.ndarray, health: np.ndarray) -> np.ndarray:
    """Expected hospital stays a year per person."""
    factor = np.select([health == h for h in HEALTH_FACTOR], list(HEALTH_FACTOR.values()), 1.0)
    return INPATIENT_YEARLY[np.digitize(age, INPATIENT_AGES)] * factor


def stay_totals(rng: np.random.Generator, health: np.ndarray) -> np.ndarray:
    """Total cost of one hospital stay (yuan): mostly around 4,200, a few grave ones around
    60,000; the mean is near the residents' insurance average stay, 7,674 yuan (NHSA 2023)."""
    n = len(health)
    grave = rng.random(n) < np.where(health == mm.SERIOUS, GRAVE_SHARE[1], GRAVE_SHARE[0])
    total = np.where(
        grave, rng.lognormal(np.log(60000), 0.7, n), rng.lognormal(np.log(STAY_MEDIAN), 0.8, n)
    )
    return total.clip(200, 800_000)


def split_costs(
    rng: np.random.Generator,
    total: np.ndarray,
    kind: np.ndarray,
    insured: np.ndarray,
    aid: np.ndarray,
) -> Events:
    """Split totals (fen) into the three payers and self-pay; ``aid`` is the assistance share.

    The in-scope part (政策范围内, 75–92 % of a stay) is what basic insurance pays a rate of,
    serious-illness insurance pays above its deductible and medical assistance pays a share
    of; the rest (自费) is the patient's. ``compliant`` is the in-scope self-pay that is left
    after all three (合规自付); ``self_pay`` adds the out-of-scope part.
    """
    n = len(total)
    covered = np.where(
        kind == INPATIENT, IN_SCOPE[0] + (IN_SCOPE[1] - IN_SCOPE[0]) * rng.random(n), 1.0
    )
    rate = np.select(
        [kind == INPATIENT, kind == CHRONIC_OUTPATIENT],
        [INPATIENT_RATE[0] + (INPATIENT_RATE[1] - INPATIENT_RATE[0]) * rng.random(n), 0.6],
        0.5,
    )
    scope = np.rint(total * covered).astype(np.int64)
    basic = np.where(insured, np.rint(scope * rate), 0).astype(np.int64)
    above = np.maximum(scope - basic - SERIOUS_DEDUCTIBLE, 0)
    serious = np.where(insured & (kind == INPATIENT), np.rint(above * SERIOUS_RATE), 0)
    serious = serious.astype(np.int64)
    assistance = np.rint((scope - basic - serious) * aid).astype(np.int64)
    return {
        "total": total,
        "basic": basic,
        "serious": serious,
        "assistance": assistance,
        "self_pay": total - basic - serious - assistance,
        "compliant": scope - basic - serious - assistance,
    }


def aid_shares(
    rng: np.random.Generator,
    tekun: np.ndarray,
    dibao: np.ndarray,
    formerly_poor: np.ndarray,
    inpatient: bool,
) -> np.ndarray:
    """Medical assistance for 特困 (most), 低保 and formerly poor people (part) [B]."""
    share = np.where(tekun, 0.9, np.where(dibao, 0.7, np.where(formerly_poor, 0.3, 0.0)))
    paid = rng.random(len(share)) < (0.9 if inpatient else 0.5)
    return np.where(paid, share, 0.0) * (1.0 if inpatient else 0.6)


def assistance_share(
    rng: np.random.Generator, people: People, person: np.ndarray, inpatient: bool
) -> np.ndarray:
    """Medical assistance shares of the people ``person`` (see ``aid_shares``)."""
    poor = people.formerly_poor[people.household[person]]
    return aid_shares(rng, people.tekun[person], people.dibao[person], poor, inpatient)


def inpatient_episodes(rng: np.random.Generator, people: People, months: int) -> Events:
    """Hospital stays of the panel's months; some are serious illnesses with large bills."""
    yearly = inpatient_rates(people.age, people.health)
    hits = [np.flatnonzero(rng.random(people.count) < yearly / 12) for _ in range(months)]
    person = np.concatenate(hits)
    month = np.repeat(np.arange(months, dtype=np.int16), [len(h) for h in hits])
    total = stay_totals(rng, people.health[person])
    kind = np.full(len(person), INPATIENT, np.int8)
    costs = split_costs(
        rng,
        _fen(total),
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
