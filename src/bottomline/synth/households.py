"""Who lives together: household sizes, relationships to the head, ages and sexes.

Sizes follow a rural registered-household distribution with a mean near 3.4 persons (1 to 8);
the head's age depends on the size (one- and two-person households are mostly elderly, 空巢),
and the other members are built around the head: a spouse, the head's parents when the head is
young, children, and for older heads a married child with a child-in-law and grandchildren.
Shares are calibrated to the 7th census rural figures [B]: about 24 % of people aged 60+ and
19 % aged 0–14.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bottomline.registry.enums import Relationship
from bottomline.synth.streams import pick, pick_rows

SIZE_WEIGHTS = (0.11, 0.23, 0.21, 0.20, 0.13, 0.07, 0.03, 0.02)  # sizes 1..8
# Head-age bands (young 22–39, middle 40–59, old 60–87) by household size 1..8.
HEAD_BANDS = np.array(
    [
        (0.12, 0.28, 0.60),
        (0.12, 0.33, 0.55),
        (0.30, 0.45, 0.25),
        (0.36, 0.44, 0.20),
        (0.25, 0.45, 0.30),
        (0.22, 0.43, 0.35),
        (0.20, 0.40, 0.40),
        (0.20, 0.40, 0.40),
    ]
)
ROLES = (
    Relationship.head,
    Relationship.spouse,
    Relationship.child,
    Relationship.child_in_law,
    Relationship.grandchild,
    Relationship.parent,
    Relationship.sibling,
)
HEAD, SPOUSE, CHILD, CHILD_IN_LAW, GRANDCHILD, PARENT, SIBLING = range(len(ROLES))
MAX_AGE = 100


@dataclass(frozen=True, slots=True)
class People:
    """One entry per person, households contiguous and the head first in each."""

    household: np.ndarray  # household index 0..n-1
    role: np.ndarray  # index into ROLES
    age: np.ndarray  # completed years on 1 January of the income year
    male: np.ndarray


def household_sizes(rng: np.random.Generator, n: int) -> np.ndarray:
    return (pick(rng, SIZE_WEIGHTS, n) + 1).astype(np.int64)


def head_ages(rng: np.random.Generator, sizes: np.ndarray) -> np.ndarray:
    band = pick_rows(rng, HEAD_BANDS[sizes - 1])
    u = rng.random(len(sizes))
    young = 22 + 18 * u
    middle = 40 + 20 * u
    old = 60 + 28 * (1 - np.sqrt(u))  # fewer heads at older ages
    return np.choose(band, [young, middle, old]).astype(np.int64)


def role_counts(rng: np.random.Generator, sizes: np.ndarray, head_age: np.ndarray) -> np.ndarray:
    """An ``(n, len(ROLES))`` matrix of how many members of each role a household has."""
    n = len(sizes)
    counts = np.zeros((n, len(ROLES)), dtype=np.int64)
    counts[:, HEAD] = 1
    spouse_p = np.where(head_age < 75, 0.9, 0.7)
    counts[:, SPOUSE] = (sizes >= 2) & (rng.random(n) < spouse_p)
    rest = sizes - 1 - counts[:, SPOUSE]
    wanted_parents = pick(rng, (0.55, 0.25, 0.20), n)
    counts[:, PARENT] = np.where(head_age < 55, np.minimum(rest, wanted_parents), 0)
    rest -= counts[:, PARENT]
    _three_generations(rng, counts, rest, head_age)
    return counts


def _three_generations(
    rng: np.random.Generator, counts: np.ndarray, rest: np.ndarray, head_age: np.ndarray
) -> None:
    """Fill the remaining places with children, or a married child's family, or siblings."""
    n = len(rest)
    extended = (head_age >= 50) & (rest >= 3) & (rng.random(n) < 0.7)
    children = np.where(extended, 1 + ((rest >= 4) & (rng.random(n) < 0.3)), rest)
    counts[:, CHILD] = children
    counts[:, CHILD_IN_LAW] = extended
    counts[:, GRANDCHILD] = np.where(extended, rest - children - 1, 0)
    single_young = (counts[:, SPOUSE] == 0) & (head_age < 35)
    counts[:, SIBLING] = np.where(single_young, counts[:, CHILD], 0)
    counts[:, CHILD] = np.where(single_young, 0, counts[:, CHILD])


def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Household index and role of every member, in household then role order."""
    n, k = counts.shape
    flat = counts.ravel()
    household = np.repeat(np.repeat(np.arange(n, dtype=np.int64), k), flat)
    role = np.repeat(np.tile(np.arange(k, dtype=np.int8), n), flat)
    return household, role


def member_ages(
    rng: np.random.Generator, role: np.ndarray, head_age: np.ndarray, extended: np.ndarray
) -> np.ndarray:
    """Ages consistent with the role and the head's age."""
    u, v = rng.random(len(role)), rng.random(len(role))
    span = np.minimum(head_age - 21, 20)
    own_child = (head_age - 21) - np.floor(u * np.maximum(span, 1))
    married_child = head_age - 22 - np.floor(u * 11)
    ages = np.select(
        [
            role == HEAD,
            role == SPOUSE,
            role == CHILD,
            role == CHILD_IN_LAW,
            role == GRANDCHILD,
            role == PARENT,
        ],
        [
            head_age,
            head_age + np.rint(rng.normal(-2.0, 3.0, len(role))),
            np.where(extended, married_child, own_child),
            head_age - 22 - np.floor(v * 11),
            np.floor(u * np.minimum(head_age - 44, 18).clip(1)),
            head_age + 22 + np.floor(u * 12),
        ],
        default=head_age + np.rint(rng.normal(0.0, 4.0, len(role))),
    )
    return ages.clip(0, MAX_AGE).astype(np.int64)


def member_sexes(
    rng: np.random.Generator, role: np.ndarray, head_male_of: np.ndarray, first_in_role: np.ndarray
) -> np.ndarray:
    """Spouses are of the other sex than the head; a parent pair is a father and a mother."""
    u = rng.random(len(role))
    return np.select(
        [role == HEAD, role == SPOUSE, role == CHILD_IN_LAW, role == PARENT],
        [head_male_of, ~head_male_of, u < 0.15, first_in_role],
        default=u < 0.52,
    )


def build_people(rng: np.random.Generator, sizes: np.ndarray, head_age: np.ndarray) -> People:
    counts = role_counts(rng, sizes, head_age)
    household, role = expand(counts)
    extended = counts[:, CHILD_IN_LAW][household] > 0
    head_male = np.where(
        counts[:, SPOUSE] > 0, rng.random(len(sizes)) < 0.9, rng.random(len(sizes)) < 0.6
    )
    first_in_role = np.r_[True, (household[1:] != household[:-1]) | (role[1:] != role[:-1])]
    age = member_ages(rng, role, head_age[household], extended)
    male = member_sexes(rng, role, head_male[household], first_in_role)
    return People(household, role, age, male)
