"""A monthly panel of shocks (冲击) over a synthetic population: who fell ill, lost a job, was hit
by a disaster, died, dropped out of school, got or lost 低保/特困, had a house appraised.

``simulate_panel`` draws the sparse events for every month up front (a few million rows at
province scale). The bulk of department rows — outpatient settlements, about 1.2 a person and
month — is not stored: ``synth.medical`` regenerates a month's visits from the panel's seed
when the feeds or the ground truth need them. Rates are per month unless named otherwise;
see docs/synth.md for their sources.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bottomline.ingest.catalogue import period_index, period_of
from bottomline.synth import households as hh_model
from bottomline.synth import members as mm
from bottomline.synth.medical import inpatient_episodes
from bottomline.synth.persons import People, people_of
from bottomline.synth.population import Population
from bottomline.synth.streams import pick, stream

Events = dict[str, np.ndarray]

JOB_LOSS_RATE = 0.002  # migrant workers registered unemployed or laid off in a month [B]
# A year, by age band: close to a rural life table, giving a crude death rate near 7 ‰ [B:
# national 7.8 ‰ in 2023, rural rates higher and the synthetic population a little younger].
MORTALITY = np.array([0.0004, 0.0012, 0.004, 0.013, 0.045, 0.13])
MORTALITY_AGES = (15, 45, 60, 75, 85)
DISABLING_INJURY_RATE = 0.0004  # a year
INJURY_RATE = 0.002  # a year, reported injuries
NEW_DISABILITY_RATE = 0.0006  # a year, new certificates besides injuries
DROPOUT_RATE = 0.0002  # a year, of compulsory-age pupils
ASSISTANCE_STOP_RATE = 0.008  # of current 低保 people a month
NEW_AFTER_SHOCK = 0.05  # households granted 低保 after a big shock [B]
NEW_BACKGROUND_RATE = 0.0003  # other households newly granted 低保, a month [B]
# Births a year per woman aged 20–42 in a couple household: a crude birth rate near 8 ‰
# [B: national 6.4 ‰ in 2023, Yunnan higher].
FERTILITY = 0.065
MOTHER_AGES = (20, 42)
HOUSING_APPRAISAL_RATE = 0.01  # of households a month
WATER_PROBLEM_RATE = 0.0005  # of households a month
TERM_MONTHS = (3, 9)  # months in which schools report non-compulsory fees
FLOOD_SEASON, DROUGHT_SEASON = (6, 7, 8, 9), (3, 4, 5)
DISASTER_EVENTS = (0.6, 0.08)  # events per county and month, in season and out of it [B]


@dataclass(slots=True)
class Roll:
    """The civil-affairs roll over the panel's months (低保 by household, 特困 by person)."""

    new_month: np.ndarray  # per household: month a new 低保 grant starts (months = none)
    stop_month: np.ndarray  # per household: month its 低保 stops (months = none)
    since: np.ndarray  # per household: day number (since 1970) an earlier grant started
    dibao_amount: np.ndarray  # per person, yuan a month
    tekun_amount: np.ndarray  # per person, yuan a month
    dibao: np.ndarray  # per person at the panel start
    tekun: np.ndarray
    household: np.ndarray
    death_month: np.ndarray

    def state_at(self, month: int) -> np.ndarray:
        """0 none, 1 低保, 2 特困 for every person in ``month``."""
        alive = self.death_month >= month
        kept = self.dibao & (self.stop_month[self.household] > month)
        added = self.new_month[self.household] <= month
        return np.where(self.tekun, 2, np.where(kept | added, 1, 0)) * alive


def assistance_roll(
    rng: np.random.Generator,
    people: People,
    changes: Events,
    death_month: np.ndarray,
    start: np.datetime64,
    months: int,
) -> Roll:
    n = len(people.size)
    new_month = np.full(n, months, np.int16)
    stop_month = np.full(n, months, np.int16)
    new = changes["change"] == 0
    new_month[changes["household"][new]] = changes["month"][new]
    stop_month[changes["household"][~new]] = changes["month"][~new]
    since = start.astype(np.int64) - rng.integers(60, 3000, n)
    level = np.choose(rng.integers(0, 3, n), [250, 330, 450])[people.household]
    tekun = np.rint(650 + 150 * rng.random(n))[people.household].astype(np.int64)
    return Roll(
        new_month,
        stop_month,
        since,
        level.astype(np.int64),
        tekun,
        people.dibao,
        people.tekun,
        people.household,
        death_month,
    )


@dataclass
class Panel:
    first_period: str
    months: int
    seed: int
    people: People
    events: dict[str, Events]
    death_month: np.ndarray  # per person: the panel month of death (months = alive throughout)
    roll: Roll

    @property
    def periods(self) -> list[str]:
        first = period_index(self.first_period)
        return [period_of(first + i) for i in range(self.months)]

    def month_start(self, month: int) -> np.datetime64:
        return np.datetime64(self.periods[month], "D")

    def month_day(self, month: np.ndarray) -> np.ndarray:
        """Day numbers (since 1970) of the first day of panel months."""
        first = period_index(self.first_period) + np.asarray(month, dtype=np.int64)
        months = (first // 12 - 1970) * 12 + first % 12
        return np.asarray(months, dtype="datetime64[M]").astype("datetime64[D]").astype(np.int64)

    def alive(self, month: int) -> np.ndarray:
        """People alive at the start of ``month`` (0-based month of the panel)."""
        return self.death_month >= month


def _days(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 28, n).astype(np.int16)


def _by_month(
    rng: np.random.Generator, p_month: np.ndarray, months: int
) -> tuple[np.ndarray, np.ndarray]:
    """For each month, who has an event (each person at most once a month): (person, month)."""
    hits = [np.flatnonzero(rng.random(len(p_month)) < p_month) for _ in range(months)]
    person = np.concatenate(hits) if hits else np.zeros(0, np.int64)
    month = np.repeat(np.arange(months, dtype=np.int16), [len(h) for h in hits])
    return person, month


def deaths(rng: np.random.Generator, people: People, months: int) -> Events:
    yearly = MORTALITY[np.digitize(people.age, MORTALITY_AGES)]
    yearly = yearly * np.where(people.health == mm.SERIOUS, 4.0, 1.0)
    person, month = _by_month(rng, yearly / 12, months)
    person, first = np.unique(person, return_index=True)  # die once
    month = month[first]
    cause = np.where(rng.random(len(person)) < 0.85, 3, pick(rng, (0.6, 0.1, 0.3), len(person)))
    return {
        "person": person,
        "month": month,
        "day": _days(rng, len(person)),
        "event": np.zeros(len(person), np.int8),
        "cause": cause,
    }


def injuries(rng: np.random.Generator, people: People, months: int) -> Events:
    """Disabling injuries (event 1) and other injuries (event 2), traffic or accidents."""
    adult = (people.age >= 16).astype(float)
    p = adult * (DISABLING_INJURY_RATE + INJURY_RATE) / 12
    person, month = _by_month(rng, p, months)
    disabling = rng.random(len(person)) < DISABLING_INJURY_RATE / (
        DISABLING_INJURY_RATE + INJURY_RATE
    )
    cause = pick(rng, (0.55, 0.05, 0.4), len(person))  # traffic, crime, accident
    return {
        "person": person,
        "month": month,
        "day": _days(rng, len(person)),
        "event": np.where(disabling, 1, 2),
        "cause": cause,
    }


def job_events(rng: np.random.Generator, people: People, months: int) -> Events:
    """Job losses of migrant workers and their re-employment 1–6 months later."""
    p = np.where(people.migrant_months > 0, JOB_LOSS_RATE, 0.0)
    person, month = _by_month(rng, p, months)
    lost = 1 + pick(rng, (0.3, 0.25, 0.2, 0.1, 0.1, 0.05), len(person))
    back = month + lost
    again = back < months
    kind = np.where(rng.random(len(person)) < 0.6, 0, 1)  # 失业登记 or 解除劳动合同
    return {
        "person": np.r_[person, person[again]],
        "month": np.r_[month, back[again]].astype(np.int16),
        "day": _days(rng, len(person) + int(again.sum())),
        "event": np.r_[kind, np.full(int(again.sum()), 2)].astype(np.int8),
        "months_lost": np.r_[lost, np.zeros(int(again.sum()), np.int64)],
    }


def school_events(
    rng: np.random.Generator, people: People, first_month: int, months: int
) -> Events:
    """Dropouts of compulsory-age pupils; term fees of non-compulsory students in term months."""
    pupils = people.schooling == mm.COMPULSORY
    drop, drop_month = _by_month(rng, np.where(pupils, DROPOUT_RATE / 12, 0.0), months)
    students = np.flatnonzero(np.isin(people.schooling, (mm.SENIOR_HIGH, mm.VOCATIONAL, mm.HIGHER)))
    term = [m for m in range(months) if (first_month + m) % 12 + 1 in TERM_MONTHS]
    fee_person = np.tile(students, len(term))
    fee_month = np.repeat(np.array(term, np.int16), len(students))
    fee = _term_fees(rng, people.schooling[fee_person], people.age[fee_person])
    return {
        "person": np.r_[drop, fee_person],
        "month": np.r_[drop_month, fee_month].astype(np.int16),
        "day": _days(rng, len(drop) + len(fee_person)),
        "stage": np.r_[np.where(people.age[drop] <= 12, 0, 1), _stage(people, fee_person)].astype(
            np.int8
        ),
        "event": np.r_[np.zeros(len(drop), np.int8), np.ones(len(fee_person), np.int8)],
        "self_pay": np.r_[np.zeros(len(drop), np.int64), fee],
    }


def _stage(people: People, person: np.ndarray) -> np.ndarray:
    """Stage codes: 0 primary, 1 junior, 2 senior high, 3 secondary vocational, 4 higher
    vocational, 5 undergraduate."""
    school, age = people.schooling[person], people.age[person]
    return np.select(
        [
            school == mm.SENIOR_HIGH,
            (school == mm.VOCATIONAL) & (age <= 18),
            school == mm.VOCATIONAL,
        ],
        [2, 3, 4],
        default=5,
    )


def _term_fees(rng: np.random.Generator, school: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Self-paid fees of a term in fen after subsidies [B: tuition, board and books]."""
    base = np.select([school == mm.SENIOR_HIGH, school == mm.VOCATIONAL], [1800.0, 1200.0], 3500.0)
    return np.rint(base * rng.lognormal(0.0, 0.45, len(school)) * 100).astype(np.int64)


def assistance_changes(
    rng: np.random.Generator, people: People, shocks: np.ndarray, months: int
) -> Events:
    """New and stopped 低保/特困 grants; ``shocks`` marks households hit by a big shock (month)."""
    n = len(people.size)
    on_dibao = np.bincount(people.household, weights=people.dibao, minlength=n) > 0
    stop_hh, stop_month = _by_month(rng, np.where(on_dibao, ASSISTANCE_STOP_RATE, 0.0), months)
    stop_hh, first = np.unique(stop_hh, return_index=True)
    stop_month = stop_month[first]
    eligible = (shocks < months) & ~on_dibao & (rng.random(n) < NEW_AFTER_SHOCK)
    new_hh = np.flatnonzero(eligible)
    new_month = np.minimum(shocks[new_hh] + 1 + rng.integers(0, 2, len(new_hh)), months - 1)
    background, background_month = _by_month(
        rng, np.where(on_dibao, 0.0, NEW_BACKGROUND_RATE), months
    )
    new_hh = np.r_[new_hh, background]
    new_month = np.r_[new_month, background_month]
    new_hh, first = np.unique(new_hh, return_index=True)
    return {
        "household": np.r_[new_hh, stop_hh],
        "month": np.r_[new_month[first], stop_month].astype(np.int16),
        "change": np.r_[np.zeros(len(new_hh), np.int8), np.full(len(stop_hh), 2, np.int8)],
    }


def _hit_villages(rng: np.random.Generator, people: People, rate: float) -> np.ndarray:
    """Villages hit this month: per county a Poisson number of events, each hitting a whole
    township (30 %) or one village and up to two neighbours of the same township."""
    town_of = people.places.village_township
    county_of = people.places.township_county[town_of]  # villages are in county order
    counties = np.unique(county_of)
    events = np.repeat(counties, rng.poisson(rate, len(counties)))
    first = np.searchsorted(county_of, events)
    count = np.searchsorted(county_of, events, side="right") - first
    centre = first + (rng.random(len(events)) * count).astype(np.int64)
    hit = np.zeros(len(town_of), dtype=bool)
    township = rng.random(len(events)) < 0.3
    hit |= np.isin(town_of, town_of[centre[township]])
    for step in range(3):  # the centre village and up to two neighbours
        near = np.minimum(centre + step, len(town_of) - 1)
        same = (town_of[near] == town_of[centre]) & (
            rng.random(len(events)) < (1.0 if step == 0 else 0.5)
        )
        hit[near[same]] = True
    return hit


def disasters(rng: np.random.Generator, people: People, first_month: int, months: int) -> Events:
    """Floods and droughts hitting villages or whole townships, by season."""
    parts: list[tuple[np.ndarray, int, int]] = []
    for m in range(months):  # a loop over months, not households
        calendar = (first_month + m) % 12 + 1
        kind = 0 if calendar in FLOOD_SEASON else 1 if calendar in DROUGHT_SEASON else 3
        rate = DISASTER_EVENTS[0] if kind in (0, 1) else DISASTER_EVENTS[1]
        hit = _hit_villages(rng, people, rate)
        parts.append((np.flatnonzero(hit[people.village]), m, kind))
    household = np.concatenate([h for h, _, _ in parts])
    month = np.concatenate([np.full(len(h), m, np.int16) for h, m, _ in parts])
    kinds = np.concatenate([np.full(len(h), k, np.int8) for h, _, k in parts])
    loss = np.rint(rng.lognormal(np.log(3000), 0.9, len(household)) * 100).astype(np.int64)
    damage = pick(rng, (0.88, 0.09, 0.025, 0.005), len(household))
    return {
        "household": household,
        "month": month,
        "day": _days(rng, len(household)),
        "kind": kinds,
        "loss": loss,
        "damage": damage,
    }


def housing(rng: np.random.Generator, people: People, disaster: Events, months: int) -> Events:
    """Safety appraisals (鉴定): routine ones, and one after a severely damaged house."""
    n = len(people.size)
    routine, month = _by_month(rng, np.full(n, HOUSING_APPRAISAL_RATE), months)
    grade = pick(rng, (0.70, 0.275, 0.02, 0.005), len(routine))
    severe = disaster["damage"] >= 2
    after = disaster["household"][severe]
    after_month = np.minimum(disaster["month"][severe] + 1, months - 1)
    after_grade = np.where(disaster["damage"][severe] == 3, 3, 2 + (rng.random(len(after)) < 0.3))
    return {
        "household": np.r_[routine, after],
        "month": np.r_[month, after_month].astype(np.int16),
        "day": _days(rng, len(routine) + len(after)),
        "grade": np.r_[grade, after_grade].astype(np.int8),
    }


def water(rng: np.random.Generator, people: People, disaster: Events, months: int) -> Events:
    """Supply problems: scattered ones, and supply cuts in drought-hit villages."""
    n = len(people.size)
    scattered, month = _by_month(rng, np.full(n, WATER_PROBLEM_RATE), months)
    drought = (disaster["kind"] == 1) & (rng.random(len(disaster["kind"])) < 0.3)
    household = np.r_[scattered, disaster["household"][drought]]
    return {
        "household": household,
        "month": np.r_[month, disaster["month"][drought]].astype(np.int16),
        "day": _days(rng, len(household)),
        "problem": np.r_[
            pick(rng, (0.3, 0.4, 0.3), len(scattered)), np.zeros(int(drought.sum()), np.int32)
        ].astype(np.int8),
    }


def certificates(rng: np.random.Generator, people: People, injury: Events, months: int) -> Events:
    """New disability certificates: after disabling injuries (1–3 months later) and others."""
    person, month = _by_month(rng, np.full(people.count, NEW_DISABILITY_RATE / 12), months)
    disabling = injury["event"] == 1
    later = injury["month"][disabling] + rng.integers(1, 4, int(disabling.sum()))
    keep = later < months
    person = np.r_[person, injury["person"][disabling][keep]]
    month = np.r_[month, later[keep]].astype(np.int16)
    return {
        "person": person,
        "month": month,
        "day": _days(rng, len(person)),
        "category": (pick(rng, (0.12, 0.15, 0.01, 0.45, 0.07, 0.08, 0.12), len(person)) + 1).astype(
            np.int8
        ),
        "grade": (pick(rng, (0.1, 0.2, 0.3, 0.4), len(person)) + 1).astype(np.int8),
    }


def births(rng: np.random.Generator, people: People, months: int) -> Events:
    """Newborns: a mother (a woman aged 20–42 who is the head, a spouse or a child-in-law) gives
    birth in a month; the child joins her household (``synth.population_after`` adds it)."""
    role = people.role
    couple = np.isin(role, (hh_model.HEAD, hh_model.SPOUSE, hh_model.CHILD_IN_LAW))
    lo, hi = MOTHER_AGES
    mother = couple & ~people.male & (people.age >= lo) & (people.age <= hi)
    person, month = _by_month(rng, np.where(mother, FERTILITY / 12, 0.0), months)
    person, first = np.unique(person, return_index=True)  # one birth each in a panel
    month = month[first]
    return {
        "person": person,  # the mother
        "household": people.household[person],
        "month": month,
        "day": _days(rng, len(person)),
        "male": rng.random(len(person)) < 0.52,
    }


def _first_shock(people: People, months: int, *tables: tuple[Events, np.ndarray]) -> np.ndarray:
    """The first month a household had one of the given events (``months`` when none)."""
    first = np.full(len(people.size), months, dtype=np.int64)
    for events, mask in tables:
        household = (
            events["household"] if "household" in events else people.household[events["person"]]
        )
        np.minimum.at(first, household[mask], events["month"][mask])
    return first


def simulate_panel(pop: Population, *, first_period: str, months: int, seed: int) -> Panel:
    """Draw ``months`` months of shocks from ``first_period`` ("YYYY-MM") on."""
    start = np.datetime64(first_period, "D")
    people = people_of(pop, start)
    first_month = period_index(first_period)
    rng = stream(seed, "panel")
    died = deaths(rng, people, months)
    injury = injuries(rng, people, months)
    disaster = disasters(rng, people, first_month, months)
    inpatient = inpatient_episodes(stream(seed, "inpatient"), people, months)
    jobs = job_events(rng, people, months)
    big_bill = inpatient["self_pay"] >= 1_000_000  # 10,000 yuan in fen
    shocks = _first_shock(
        people,
        months,
        (inpatient, big_bill),
        (jobs, jobs["event"] < 2),
        (disaster, disaster["damage"] >= 2),
    )
    death_month = np.full(people.count, months, dtype=np.int16)
    death_month[died["person"]] = died["month"]
    assistance = assistance_changes(rng, people, shocks, months)
    roll = assistance_roll(rng, people, assistance, death_month, start, months)
    events = {
        "deaths": died,
        "injuries": injury,
        "disasters": disaster,
        "inpatient": inpatient,
        "jobs": jobs,
        "school": school_events(rng, people, first_month, months),
        "assistance": assistance,
        "housing": housing(rng, people, disaster, months),
        "water": water(rng, people, disaster, months),
        "certificates": certificates(rng, people, injury, months),
        "births": births(stream(seed, "births"), people, months),
    }
    return Panel(first_period, months, seed, people, events, death_month, roll)
