"""GB 11643 check characters: property tests over generated numbers."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bottomline.ids import (
    IdProblem,
    check_char,
    id_problem,
    mask_id,
    mask_name,
    person_number_problem,
    valid_id_mask,
)

regions = st.integers(110000, 659999).map(str)
births = st.dates(dt.date(1900, 1, 1), dt.date(2024, 12, 31)).map(lambda d: d.strftime("%Y%m%d"))
seqs = st.integers(0, 999).map(lambda n: f"{n:03d}")
bodies = st.builds(lambda r, b, s: r + b + s, regions, births, seqs)


@given(bodies)
def test_a_number_with_its_check_character_is_valid(body: str) -> None:
    assert id_problem(body + check_char(body)) is None


@given(bodies, st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_error_is_caught(body: str, pos: int, delta: int) -> None:
    number = body + check_char(body)
    wrong = number[:pos] + str((int(number[pos]) + delta) % 10) + number[pos + 1 :]
    assert id_problem(wrong) is not None


@given(bodies, st.integers(0, 15))
def test_swapping_adjacent_different_digits_is_caught(body: str, pos: int) -> None:
    number = body + check_char(body)
    if number[pos] == number[pos + 1]:
        return
    swapped = number[:pos] + number[pos + 1] + number[pos] + number[pos + 2 :]
    assert id_problem(swapped) is not None


@given(
    st.lists(st.one_of(bodies.map(lambda b: b + check_char(b)), st.text(max_size=20)), max_size=30)
)
def test_vectorised_check_agrees_with_the_scalar_one(values: list[str]) -> None:
    scalar = [
        id_problem(v) not in (IdProblem.LENGTH, IdProblem.CHARACTERS, IdProblem.CHECKSUM)
        for v in values
    ]
    assert list(valid_id_mask(pa.array(values, pa.string()))) == scalar


def test_known_number_and_problems() -> None:
    assert check_char("11010519491231002") == "X"
    assert id_problem("11010519491231002X") is None
    assert id_problem("11010519491231002x") is None
    assert id_problem("110105194912310021") is IdProblem.CHECKSUM
    assert id_problem("110105194902300021") is IdProblem.BIRTH_DATE
    assert id_problem("1101051949") is IdProblem.LENGTH
    assert person_number_problem("11010519491231002X42") is None
    assert person_number_problem("11010519491231002X92") is IdProblem.DISABILITY_SUFFIX
    assert mask_id("11010519491231002X") == "1101************2X"


@pytest.mark.parametrize(
    ("name", "masked"), [("张三", "张*"), ("欧阳建国", "欧*"), ("", ""), (None, "")]
)
def test_a_masked_name_shows_one_character_and_not_the_length(
    name: str | None, masked: str
) -> None:
    assert mask_name(name) == masked
