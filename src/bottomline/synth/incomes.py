"""Incomes (收入) of the two income years, 低保/特困 grants and 两不愁三保障 guarantees.

Income components are built per person and summed per household with ``np.bincount``: migrant
wages from months away, local wages, farming (生产经营) with a county effect and its costs,
land rents and dividends, pensions, ecological compensation and other subsidies. Social
assistance follows need: 特困 goes to elderly or disabled people living alone without labour,
低保 to the households with the lowest per-capita income after need adjustments, until about
5.5 % of people are covered. Year Y-1 is Y less modest growth, except for a few percent of
households whose income fell sharply in Y because of illness, job loss or a disaster.
All amounts are whole yuan.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bottomline.synth import medical
from bottomline.synth.members import (
    ABLE,
    CHRONIC,
    DISABLED,
    HIGHER,
    LOST,
    NO_LABOUR,
    PRESCHOOL,
    SENIOR_HIGH,
    SERIOUS,
    SKILLED,
    VOCATIONAL,
    WEAK,
)

DIBAO_PEOPLE_SHARE = (
    0.055  # 低保 people among rural residents in the synthetic registry (S44: 40 M nationally)
)
TEKUN_PEOPLE_SHARE = 0.005  # 特困 (S44: 4.6 M nationally)
SHARP_DROP_SHARE = 0.01  # households whose income falls sharply in year Y [B: see docs/synth.md]
MIGRANT_MONTHLY_WAGE = (
    4300.0  # yuan, before the county and skill factors [B: 2024 migrant workers' mean 4,961]
)
LOCAL_WAGE = (
    24000.0  # yuan a year of local work [B: local migrant workers earn about 4,000 a month]
)
FARM_GROSS_PER_LABOURER = 18000.0
PUBLIC_JOB_SHARE = 0.7  # of formerly poor households without wages [B]
# Earning capacity of formerly poor households against others with the same labour, before the
# spread is narrowed: land, skills and distance to work. With the narrowing (SPREAD_KEPT),
# public-welfare jobs and their transfers it leaves their median per-capita income near 0.88 of
# the others'. Former poverty counties' rural income is 0.74 of the national rural income (2021,
# NBS); the formerly poor within one county are closer to their neighbours [B].
FORMERLY_POOR_EARNING = 0.6
ELDER_SUPPORT_SHARE = 0.85  # people aged 60+ supported by children living elsewhere (赡养费) [B]
CAUSES = ("none", "illness", "job_loss", "disaster")
CHRONIC_TREATED = 0.5  # chronically ill people with 门诊慢特病 settlements in a year [B]
# Compliant self-pay of the grave illness behind an illness fall: a stay of about 60,000 yuan
# leaves about 12,000 after the three protections (synth.medical.split_costs) [B].
GRAVE_BILL = 12000.0
# Medical assistance beyond 低保 and 特困 (国办发〔2021〕42号: 因病致贫重病患者 and 倾斜救助 for
# burdens still heavy after the three protections) [B]: above this share of net income, the
# household's compliant medical self-pay is paid at BURDEN_RELIEF.
BURDEN_SHARE = 0.2
BURDEN_RELIEF = 0.7
GRANT_SHARE = 0.3  # households whose students get school grants by income: the poorest 30 % [B]


@dataclass(slots=True)
class PersonView:
    """Per-person arrays the income model reads."""

    household: np.ndarray
    age: np.ndarray
    health: np.ndarray
    grade: np.ndarray
    labour: np.ndarray
    schooling: np.ndarray
    migrant_months: np.ndarray
    insured_pension: np.ndarray


@dataclass(slots=True)
class Assistance:
    dibao: np.ndarray  # per person
    tekun: np.ndarray  # per person
    monthly_dibao: np.ndarray  # per person, yuan a month when on 低保
    monthly_tekun: np.ndarray


def per_household(p: PersonView, values: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(p.household, weights=values, minlength=n)


def wages(rng: np.random.Generator, p: PersonView, county_factor: np.ndarray) -> np.ndarray:
    """Migrant and local wages of each person."""
    m = len(p.age)
    skill = np.select(
        [p.labour == SKILLED, p.labour == ABLE, p.labour == WEAK], [1.3, 1.0, 0.6], 0.0
    )
    monthly = MIGRANT_MONTHLY_WAGE * rng.lognormal(0.0, 0.3, m) * skill * county_factor
    working_age = (p.age >= 18) & (p.age <= 64) & (p.migrant_months == 0)
    local_p = np.where(p.labour == WEAK, 0.35, np.where(skill > 0, 0.8, 0.0))
    local = (rng.random(m) < local_p) & working_age
    local_wage = LOCAL_WAGE * rng.lognormal(0.0, 0.35, m) * np.where(p.labour == WEAK, 0.35, 1.0)
    return p.migrant_months * monthly + np.where(local, local_wage, 0.0) * county_factor


def public_welfare_jobs(
    rng: np.random.Generator, p: PersonView, h: HouseholdView, wage: np.ndarray
) -> np.ndarray:
    """公益性岗位 (500–800 yuan a month) for formerly poor households without other wages [B]."""
    n = len(h.sizes)
    can = per_household(p, np.isin(p.labour, (SKILLED, ABLE, WEAK)).astype(float), n) > 0
    gets = h.formerly_poor & can & (wage < 5000) & (rng.random(n) < PUBLIC_JOB_SHARE)
    return np.where(gets, 12 * (500 + 300 * rng.random(n)), 0.0)


def farm_units(p: PersonView) -> np.ndarray:
    at_home = p.migrant_months <= 6
    units = np.select([np.isin(p.labour, (SKILLED, ABLE)), p.labour == WEAK], [1.0, 0.6], 0.0)
    return np.where(at_home, units, 0.15 * units)


def pensions(rng: np.random.Generator, p: PersonView) -> np.ndarray:
    """Residents' basic pension for insured people aged 60+ [B: 150–250 yuan a month]."""
    monthly = 160 + 90 * rng.random(len(p.age))
    return np.where((p.age >= 60) & p.insured_pension, 12 * monthly, 0.0)


def disability_allowance(p: PersonView) -> np.ndarray:
    """Care allowance for severe disability (重度残疾人护理补贴), about 100 yuan a month [B]."""
    return np.where((p.health == DISABLED) & (p.grade <= 2), 1200.0, 0.0)


def elder_support(rng: np.random.Generator, p: PersonView) -> np.ndarray:
    """Support paid by children living elsewhere (赡养性收入, a transfer income) to people 60+."""
    m = len(p.age)
    gets = (p.age >= 60) & (rng.random(m) < ELDER_SUPPORT_SHARE)
    support = np.where(gets, rng.lognormal(np.log(6000), 0.4, m), 0.0)
    old_age = np.where(p.age >= 80, 1200.0, 0.0)  # 高龄补贴 [B]
    return support + old_age


def medical_costs(
    rng: np.random.Generator,
    p: PersonView,
    tekun: np.ndarray,
    dibao: np.ndarray,
    formerly_poor: np.ndarray,
) -> np.ndarray:
    """Compliant out-of-pocket medical spending of the year per person (合规自付, after basic
    insurance, serious-illness insurance and medical assistance).

    It counts the care the three protections cover: hospital stays, at the medical feed's
    rates and costs (``synth.medical``), and the outpatient care of chronic and serious
    illness (门诊慢特病). Ordinary outpatient co-payments are not in it [B]. Most people have
    none; a stay leaves about 2,000 yuan, a grave illness 10,000 and more (docs/synth.md).
    """  # fmt: skip
    m = len(p.age)
    stays = rng.poisson(medical.inpatient_rates(p.age, p.health))
    total = np.where(stays > 0, stays * medical.stay_totals(rng, p.health), 0.0)
    inpatient = medical.split_costs(
        rng,
        medical._fen(total),
        np.full(m, medical.INPATIENT, np.int8),
        np.ones(m, bool),
        medical.aid_shares(rng, tekun, dibao, formerly_poor, True),
    )["compliant"]
    yearly = np.select(
        [p.health == SERIOUS, p.health == CHRONIC, p.health == DISABLED],
        [rng.lognormal(np.log(4000), 0.8, m), rng.lognormal(np.log(1200), 0.7, m), 0.0],
        0.0,
    )
    treated = np.where(p.health == CHRONIC, rng.random(m) < CHRONIC_TREATED, yearly > 0)
    chronic = medical.split_costs(
        rng,
        medical._fen(np.where(treated, yearly, 0.0)),
        np.full(m, medical.CHRONIC_OUTPATIENT, np.int8),
        np.ones(m, bool),
        medical.aid_shares(rng, tekun, dibao, formerly_poor, False),
    )["compliant"]
    return (inpatient + chronic) / 100


# Compliant schooling costs a year by stage, after tuition waivers and grants (资助): for ordinary
# households, then for households the grants target (formerly poor, 低保, 特困). Compulsory
# schooling is free (义务教育). docs/synth.md, "Compliant out-of-pocket spending".
EDUCATION_COSTS = {
    PRESCHOOL: (1200.0, 200.0),  # public kindergarten fees; aid 500 a term for the poor (S-loc)
    SENIOR_HIGH: (2000.0, 300.0),  # tuition ~1,700 and board; waived + grant 2,000 for the poor
    VOCATIONAL: (600.0, 100.0),  # tuition free for all; grant 2,000; 雨露计划 3,000 (S36)
    HIGHER: (6000.0, 2500.0),  # tuition ~5,000 and board; grant ~3,300 [B] and 雨露计划
}


def education_costs(rng: np.random.Generator, p: PersonView, needy: np.ndarray) -> np.ndarray:
    """Compliant out-of-pocket schooling spending of the year per student; ``needy`` per person
    marks the students that waivers and grants target."""
    spread = rng.lognormal(0.0, 0.4, len(p.age))
    stages = list(EDUCATION_COSTS)
    ordinary = np.select(
        [p.schooling == s for s in stages], [EDUCATION_COSTS[s][0] for s in stages], 0.0
    )
    aided = np.select(
        [p.schooling == s for s in stages], [EDUCATION_COSTS[s][1] for s in stages], 0.0
    )
    return np.where(needy, aided, ordinary) * spread


def no_labour(p: PersonView, n: int) -> np.ndarray:
    can_work = np.isin(p.labour, (SKILLED, ABLE, WEAK)).astype(np.float64)
    return per_household(p, can_work, n) == 0


def select_tekun(
    rng: np.random.Generator, p: PersonView, sizes: np.ndarray, need: np.ndarray
) -> np.ndarray:
    """特困 people: elderly or disabled people living alone without labour, neediest first."""
    alone = sizes[p.household] == 1
    frail = np.isin(p.labour, (WEAK, LOST, NO_LABOUR)) & ((p.age >= 60) | (p.health == DISABLED))
    candidate = alone & frail
    score = np.where(candidate, need[p.household] * rng.lognormal(0.0, 0.3, len(p.age)), np.inf)
    target = round(TEKUN_PEOPLE_SHARE * len(p.age))
    chosen = np.zeros(len(p.age), dtype=bool)
    order = np.argsort(score, kind="stable")[:target]
    chosen[order] = np.isfinite(score[order])
    return chosen


def select_dibao_households(
    rng: np.random.Generator, sizes: np.ndarray, need: np.ndarray, excluded: np.ndarray
) -> np.ndarray:
    """低保 households: lowest need score first until the people share is reached."""
    score = np.where(excluded, np.inf, need * rng.lognormal(0.0, 0.35, len(sizes)))
    order = np.argsort(score, kind="stable")
    covered = np.cumsum(sizes[order])
    take = np.searchsorted(covered, DIBAO_PEOPLE_SHARE * sizes.sum() / 0.93)
    chosen = np.zeros(len(sizes), dtype=bool)
    chosen[order[:take]] = True
    return chosen & ~excluded


def dibao_members(rng: np.random.Generator, p: PersonView, households: np.ndarray) -> np.ndarray:
    """Whole household on 低保 mostly; otherwise only the ill, disabled, old or young members."""
    n = len(households)
    whole = rng.random(n) < 0.8
    needy = (p.health != 0) | (p.age >= 60) | (p.age < 16)
    first = np.r_[True, p.household[1:] != p.household[:-1]]
    some = needy | (first & (per_household(p, needy.astype(float), n) == 0)[p.household])
    return households[p.household] & (whole[p.household] | some)


def assistance_amounts(rng: np.random.Generator, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Monthly 低保 (classified A/B/C, 250–450 yuan) and 特困 (650–800 yuan) amounts [B]."""
    dibao = np.choose(rng.integers(0, 3, m), [250.0, 330.0, 450.0])
    tekun = 650.0 + 150.0 * rng.random(m)
    return np.rint(dibao), np.rint(tekun)


def sharp_drop(
    rng: np.random.Generator, wage: np.ndarray, business: np.ndarray, any_serious: np.ndarray
) -> np.ndarray:
    """Cause index (into CAUSES) of a sharp fall in year Y, 0 for most households."""
    n = len(wage)
    hit = rng.random(n) < SHARP_DROP_SHARE
    weights = np.stack(
        [np.zeros(n), 0.3 + 3 * any_serious, 1.0 * (wage > 0), 0.8 * (business > 0)], 1
    )
    weights[:, 0] = 1e-9
    cdf = np.cumsum(weights, axis=1)
    cause = (cdf <= (rng.random(n) * cdf[:, -1])[:, None]).sum(axis=1)
    return np.where(hit, cause.clip(1, 3), 0)


@dataclass(slots=True)
class HouseholdView:
    """Per-household arrays the income model reads."""

    sizes: np.ndarray
    formerly_poor: np.ndarray
    county_wage: np.ndarray  # wage factor of the household's county
    county_farm: np.ndarray  # farming factor of the household's county
    county: np.ndarray  # county index of the household
    poverty_county: np.ndarray


def market_income(
    rng: np.random.Generator, p: PersonView, h: HouseholdView
) -> dict[str, np.ndarray]:
    """Income of a normal year Y before social assistance, per household."""
    n = len(h.sizes)
    capacity = np.where(h.formerly_poor, FORMERLY_POOR_EARNING, 1.0)
    wage = per_household(p, wages(rng, p, h.county_wage[p.household]), n) * capacity
    wage += public_welfare_jobs(rng, p, h, wage)
    units = per_household(p, farm_units(p), n)
    gross = units * FARM_GROSS_PER_LABOURER * h.county_farm * rng.lognormal(0.0, 0.3, n)
    gross *= capacity
    side_business = (rng.random(n) < 0.06) & (units > 0)
    gross += np.where(side_business, rng.lognormal(np.log(30000), 0.6, n), 0.0)
    has_land = rng.random(n) < 0.7
    return {
        "wage": wage,
        "business": gross,
        "property": np.where(rng.random(n) < 0.35, rng.lognormal(np.log(800), 0.8, n), 0.0),
        "transfer_pension": per_household(p, pensions(rng, p), n),
        "transfer_eco": _eco(rng, h),
        "transfer_other": np.where(has_land, 300 + 600 * rng.random(n), 0.0)
        + per_household(p, disability_allowance(p) + elder_support(rng, p), n)
        + np.where(h.formerly_poor & (rng.random(n) < 0.5), 200 + 1300 * rng.random(n), 0.0),
        "production_costs": gross * (0.3 + 0.15 * rng.random(n)),
    }


def _eco(rng: np.random.Generator, h: HouseholdView) -> np.ndarray:
    """Ecological compensation (生态补偿), common in former poverty counties."""
    n = len(h.sizes)
    share = np.where(h.poverty_county, 0.45, 0.15)
    return np.where(rng.random(n) < share, rng.lognormal(np.log(600), 0.6, n), 0.0)


MARKET = ("wage", "business", "property", "production_costs")
SPREAD_KEPT = 0.37  # share of the log-distance to the county median that market income keeps
SCALE_LIMITS = (0.6, 2.5)


def narrow_spread(income: dict[str, np.ndarray], h: HouseholdView) -> dict[str, np.ndarray]:
    """Pull per-capita market income toward the county median (in logs), keeping the ranking.

    The structural model gives a wider low tail than registered incomes show (most households
    of the monitoring system sit well above the line, S41); this calibration narrows it.
    """
    market = income["wage"] + income["business"] + income["property"] - income["production_costs"]
    pc = np.maximum(market / h.sizes, 100.0)
    median = _group_median(np.log(pc), h.county)
    wanted = np.exp(median + SPREAD_KEPT * (np.log(pc) - median))
    scale = np.where(market > 0, (wanted / pc).clip(*SCALE_LIMITS), 1.0)
    return income | {k: income[k] * scale for k in MARKET}


def _group_median(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """The median of ``values`` within each group, broadcast back to every element."""
    order = np.lexsort((values, group))
    g, v = group[order], values[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    ends = np.r_[starts[1:], len(g)]
    medians = (v[starts + (ends - starts - 1) // 2] + v[starts + (ends - starts) // 2]) / 2
    out = np.empty(len(values))
    out[order] = np.repeat(medians, ends - starts)
    return out


def need_score(income: dict[str, np.ndarray], h: HouseholdView, p: PersonView) -> np.ndarray:
    """Per-capita market income, lowered for conditions that make a household needier."""
    n = len(h.sizes)
    net = sum(v for k, v in income.items() if k != "production_costs") - income["production_costs"]
    pc = np.maximum(net / h.sizes, 200.0)
    sick = per_household(p, np.isin(p.health, (SERIOUS, DISABLED)).astype(float), n) > 0
    factor = np.where(h.formerly_poor, 0.8, 1.0) * np.where(no_labour(p, n), 0.7, 1.0)
    return pc * factor * np.where(sick, 0.8, 1.0)


def grant_assistance(
    rng: np.random.Generator, p: PersonView, h: HouseholdView, income: dict[str, np.ndarray]
) -> Assistance:
    need = need_score(income, h, p)
    tekun = select_tekun(rng, p, h.sizes, need)
    n = len(h.sizes)
    tekun_hh = per_household(p, tekun.astype(float), n) > 0
    dibao_hh = select_dibao_households(rng, h.sizes, need, tekun_hh)
    dibao = dibao_members(rng, p, dibao_hh)
    monthly_dibao, monthly_tekun = assistance_amounts(rng, len(p.age))
    return Assistance(dibao, tekun, monthly_dibao, monthly_tekun)


def assistance_income(
    rng: np.random.Generator, p: PersonView, a: Assistance, n: int
) -> dict[str, np.ndarray]:
    """低保 and 特困 paid over the year; some grants started during the year."""
    months = np.where(rng.random(n) < 0.2, rng.integers(3, 12, n), 12)[p.household]
    return {
        "transfer_dibao": per_household(p, a.dibao * a.monthly_dibao * months, n),
        "transfer_tekun": per_household(p, a.tekun * a.monthly_tekun * 12, n),
    }


def rigid_spending(
    rng: np.random.Generator, p: PersonView, a: Assistance, h: HouseholdView, net: np.ndarray
) -> dict[str, np.ndarray]:
    """Compliant out-of-pocket medical and schooling costs of each household after the aid
    that targets them: medical assistance for 特困, 低保 and the formerly poor, and for any
    household whose medical burden is heavy against its income (``heavy_burden_relief``);
    school waivers and grants for the formerly poor, 低保, 特困 and low-income households."""
    n = len(h.sizes)
    poor = h.formerly_poor[p.household]
    medical_ = per_household(p, medical_costs(rng, p, a.tekun, a.dibao, poor), n)
    on_assistance = per_household(p, (a.dibao | a.tekun).astype(float), n) > 0
    low_income = net / h.sizes < np.quantile(net / h.sizes, GRANT_SHARE)
    needy = poor | a.dibao | a.tekun | low_income[p.household]
    return {
        "medical_oop": heavy_burden_relief(medical_, net, on_assistance),
        "education_oop": per_household(p, education_costs(rng, p, needy), n),
    }


def heavy_burden_relief(
    medical_: np.ndarray, net: np.ndarray, on_assistance: np.ndarray
) -> np.ndarray:
    """Medical assistance for a heavy burden (因病致贫重病患者, 倾斜救助): the part of a household's
    compliant medical self-pay above ``BURDEN_SHARE`` of its net income is paid at
    ``BURDEN_RELIEF`` (households on 低保 or 特困 have had theirs per settlement) [B]."""
    threshold = BURDEN_SHARE * np.maximum(net, 0.0)
    excess = np.maximum(medical_ - threshold, 0.0)
    return np.where(on_assistance, medical_, medical_ - BURDEN_RELIEF * excess)


def previous_year(rng: np.random.Generator, year_y: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Year Y-1: the normal year Y deflated by household growth of about 6 %."""
    n = len(year_y["wage"])
    growth = 1.0 + rng.normal(0.06, 0.05, n).clip(-0.1, 0.25)
    steady = (
        "transfer_dibao",
        "transfer_tekun",
        "transfer_pension",
        "transfer_eco",
        "education_oop",
    )
    return {k: v if k in steady else v / growth for k, v in year_y.items()}


def apply_sharp_drop(
    rng: np.random.Generator, year_y: dict[str, np.ndarray], cause: np.ndarray
) -> dict[str, np.ndarray]:
    """Year Y of households hit by a cause: wages lost to illness or job loss, crops to disaster."""
    n = len(cause)
    cut = 0.4 * rng.random(n)
    out = dict(year_y)
    out["wage"] = np.where(np.isin(cause, (1, 2)), year_y["wage"] * cut, year_y["wage"])
    for key in ("business", "production_costs"):
        out[key] = np.where(cause == 3, year_y[key] * cut, year_y[key])
    bill = rng.lognormal(np.log(GRAVE_BILL), 0.7, n)
    out["medical_oop"] = year_y["medical_oop"] + np.where(cause == 1, bill, 0.0)
    return out


def whole_yuan(values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.rint(v) for k, v in values.items()}


@dataclass(slots=True)
class IncomeModel:
    """What the income step decides: two years of incomes, assistance and drop causes."""

    previous: dict[str, np.ndarray]
    current: dict[str, np.ndarray]
    assistance: Assistance
    drop_cause: np.ndarray


def income_model(rng: np.random.Generator, p: PersonView, h: HouseholdView) -> IncomeModel:
    n = len(h.sizes)
    market = narrow_spread(market_income(rng, p, h), h)
    assistance = grant_assistance(rng, p, h, market)
    received = market | assistance_income(rng, p, assistance, n)
    net = sum(v for k, v in received.items() if k != "production_costs")
    normal = received | rigid_spending(rng, p, assistance, h, net - received["production_costs"])
    previous = previous_year(rng, normal)
    any_serious = per_household(p, (p.health == SERIOUS).astype(float), n) > 0
    cause = sharp_drop(rng, normal["wage"], normal["business"], any_serious)
    current = apply_sharp_drop(rng, normal, cause)
    return IncomeModel(whole_yuan(previous), whole_yuan(current), assistance, cause)
