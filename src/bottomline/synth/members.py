"""Member attributes: education, schooling, health, disability, labour, migrant work, insurance.

All attributes are drawn per person from age-dependent rates, vectorised. Rates are rounded
from published figures where the docs say so (docs/synth.md) and otherwise plausible choices:
disability about 6 % of people [B: 2006 national sample survey 6.34 %], chronic illness rising
with age, migrant work common for able adults aged 18–50.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bottomline.registry.enums import Education, Health, LabourCapacity, Schooling
from bottomline.synth.streams import pick, pick_rows

EDUCATION_CODES = (
    Education.none,
    Education.primary,
    Education.junior,
    Education.senior,
    Education.tertiary,
    Education.preschool_age,
)
SCHOOLING_CODES = tuple(Schooling)
HEALTH_CODES = (Health.healthy, Health.chronic, Health.serious, Health.disabled)
LABOUR_CODES = tuple(LabourCapacity)
HEALTHY, CHRONIC, SERIOUS, DISABLED = range(4)
SKILLED, ABLE, WEAK, LOST, NO_LABOUR = range(5)
NOT_IN_SCHOOL, PRESCHOOL, COMPULSORY, SENIOR_HIGH, VOCATIONAL, HIGHER, DROPOUT = range(7)
DROPOUT_RATE = 0.0005  # compulsory-age children out of school
DISABILITY_GRADES = (0.12, 0.20, 0.30, 0.38)  # grades 1..4 [B]

# Attained education (none, primary, junior, senior, tertiary) of adults by age band [B].
_EDUCATION_BY_BAND = np.array(
    [
        (0.01, 0.05, 0.40, 0.30, 0.24),  # 19-24
        (0.02, 0.15, 0.50, 0.18, 0.15),  # 25-39
        (0.06, 0.33, 0.47, 0.10, 0.04),  # 40-59
        (0.28, 0.47, 0.20, 0.04, 0.01),  # 60+
    ]
)


@dataclass(slots=True)
class Attributes:
    education: np.ndarray  # index into EDUCATION_CODES
    schooling: np.ndarray  # index into SCHOOLING_CODES
    health: np.ndarray  # index into HEALTH_CODES
    disability_grade: np.ndarray  # 0 when not disabled, else 1..4
    labour: np.ndarray  # index into LABOUR_CODES
    migrant_months: np.ndarray
    insured_medical: np.ndarray
    insured_pension: np.ndarray


def schooling(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    u = rng.random(len(age))
    teen = np.where(u < 0.52, SENIOR_HIGH, np.where(u < 0.85, VOCATIONAL, NOT_IN_SCHOOL))
    young = np.where(u < 0.30, HIGHER, np.where(u < 0.40, VOCATIONAL, NOT_IN_SCHOOL))
    compulsory = np.where(u < DROPOUT_RATE, DROPOUT, COMPULSORY)
    return np.select(
        [age <= 2, age <= 5, age <= 15, age <= 18, age <= 22],
        [NOT_IN_SCHOOL, np.where(u < 0.88, PRESCHOOL, NOT_IN_SCHOOL), compulsory, teen, young],
        default=NOT_IN_SCHOOL,
    ).astype(np.int8)


def education(rng: np.random.Generator, age: np.ndarray, school: np.ndarray) -> np.ndarray:
    """Attained (or, for pupils, current) level."""
    band = np.digitize(age, (25, 40, 60)).clip(0, 3)
    adult = pick_rows(rng, _EDUCATION_BY_BAND[band])
    student = np.select(
        [age <= 5, age <= 11, age <= 15, school == HIGHER],
        [5, 1, 2, 4],
        default=np.where(np.isin(school, (SENIOR_HIGH, VOCATIONAL)), 3, np.minimum(adult, 3)),
    )
    return np.where(age <= 18, student, np.where(school == HIGHER, 4, adult)).astype(np.int8)


def health(rng: np.random.Generator, age: np.ndarray, frailty: np.ndarray) -> np.ndarray:
    """Health status; ``frailty`` multiplies the rates (poorer households are sicker)."""
    band = np.digitize(age, (18, 30, 45, 60, 75))
    chronic = np.array([0.01, 0.02, 0.06, 0.16, 0.28, 0.33])[band] * frailty
    serious = np.array([0.002, 0.003, 0.01, 0.025, 0.04, 0.05])[band] * frailty
    disabled = np.array([0.012, 0.03, 0.04, 0.07, 0.115, 0.17])[band] * frailty
    u = rng.random(len(age))
    return np.select(
        [u < disabled, u < disabled + serious, u < disabled + serious + chronic],
        [DISABLED, SERIOUS, CHRONIC],
        default=HEALTHY,
    ).astype(np.int8)


def disability_grades(rng: np.random.Generator, health_idx: np.ndarray) -> np.ndarray:
    grade = pick(rng, DISABILITY_GRADES, len(health_idx)) + 1
    return np.where(health_idx == DISABLED, grade, 0).astype(np.int8)


def labour(
    rng: np.random.Generator,
    age: np.ndarray,
    school: np.ndarray,
    health_idx: np.ndarray,
    grade: np.ndarray,
    educ: np.ndarray,
) -> np.ndarray:
    u = rng.random(len(age))
    in_school = np.isin(school, (PRESCHOOL, COMPULSORY, SENIOR_HIGH, VOCATIONAL, HIGHER))
    fit = np.where(u < np.where(educ >= 3, 0.35, 0.12), SKILLED, ABLE)
    older = np.where(u < 0.75, WEAK, np.where(u < 0.9, ABLE, LOST))
    return np.select(
        [
            (age < 16) | in_school | (age >= 75),
            (health_idx == DISABLED) & (grade <= 2),
            health_idx == SERIOUS,
            (age >= 65) | ((health_idx == DISABLED) & (u < 0.7)),
            (health_idx == CHRONIC) & (u < 0.45),
            age >= 60,
        ],
        [
            NO_LABOUR,
            LOST,
            np.where(u < 0.55, LOST, WEAK),
            np.where(u < 0.8, WEAK, LOST),
            WEAK,
            older,
        ],
        default=fit,
    ).astype(np.int8)


def migrant_months(rng: np.random.Generator, age: np.ndarray, lab: np.ndarray) -> np.ndarray:
    able = np.isin(lab, (SKILLED, ABLE))
    p = np.where(able & (age >= 18) & (age <= 50), 0.68, np.where(able & (age <= 60), 0.2, 0.0))
    p = np.where(lab == WEAK, 0.04, p)
    goes = rng.random(len(age)) < p
    months = np.where(
        rng.random(len(age)) < 0.7, 9 + rng.integers(0, 4, len(age)), rng.integers(2, 9, len(age))
    )
    return np.where(goes, months, 0).astype(np.int8)


def insurance(
    rng: np.random.Generator, age: np.ndarray, school: np.ndarray, months: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Basic medical insurance (~99.5 %) and residents' pension (adults not in school)."""
    medical = rng.random(len(age)) >= np.where(months >= 9, 0.012, 0.004)
    adult = (age >= 16) & np.isin(school, (NOT_IN_SCHOOL, DROPOUT))
    pension = adult & (rng.random(len(age)) < 0.92)
    return medical, pension


def attributes(rng: np.random.Generator, age: np.ndarray, frailty: np.ndarray) -> Attributes:
    school = schooling(rng, age)
    educ = education(rng, age, school)
    state = health(rng, age, frailty)
    grade = disability_grades(rng, state)
    lab = labour(rng, age, school, state, grade, educ)
    months = migrant_months(rng, age, lab)
    medical, pension = insurance(rng, age, school, months)
    return Attributes(educ, school, state, grade, lab, months, medical, pension)
