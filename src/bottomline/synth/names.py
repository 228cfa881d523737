"""Synthetic Chinese names of people and places (人名、地名), drawn from character lists.

Every name is made up: surnames follow the rough frequency of common surnames [B], given names
use characters typical of older and younger cohorts, and township and village names are two
place-name characters with 镇/乡 or 村. No name is taken from a register of real people or
places below the county level.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from bottomline.synth.streams import pick
from bottomline.synth.strings import join, take

# (surname, weight in ‰) — approximate national frequencies [B], a long tail folded into the list.
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 71), ("李", 70), ("张", 67), ("刘", 54), ("陈", 46), ("杨", 31), ("黄", 22),
    ("赵", 20), ("吴", 19), ("周", 19), ("徐", 16), ("孙", 15), ("马", 15), ("朱", 13),
    ("胡", 13), ("郭", 12), ("何", 12), ("林", 11), ("罗", 11), ("高", 11), ("郑", 9),
    ("梁", 9), ("谢", 8), ("宋", 8), ("唐", 8), ("许", 7), ("韩", 7), ("冯", 7), ("邓", 7),
    ("曹", 7), ("彭", 6), ("曾", 6), ("肖", 6), ("田", 6), ("董", 5), ("袁", 5), ("潘", 5),
    ("于", 5), ("蒋", 5), ("蔡", 5), ("余", 5), ("杜", 5), ("叶", 5), ("程", 5), ("苏", 4),
    ("魏", 4), ("吕", 4), ("丁", 4), ("任", 4), ("沈", 4), ("姚", 4), ("卢", 4), ("姜", 4),
    ("崔", 3), ("钟", 3), ("谭", 3), ("陆", 3), ("汪", 3), ("范", 3), ("金", 3), ("石", 3),
    ("廖", 3), ("贾", 3), ("夏", 3), ("韦", 3), ("付", 3), ("方", 3), ("白", 3), ("邹", 3),
    ("孟", 3), ("熊", 3), ("秦", 3), ("邱", 3), ("江", 3), ("尹", 3), ("薛", 2), ("闫", 2),
    ("段", 2), ("雷", 2), ("侯", 2), ("龙", 2), ("史", 2), ("陶", 2), ("黎", 2), ("贺", 2),
    ("顾", 2), ("毛", 2), ("郝", 2), ("龚", 2), ("邵", 2), ("万", 2), ("钱", 2), ("严", 2),
    ("覃", 2), ("武", 2), ("戴", 2), ("莫", 2), ("孔", 2), ("向", 2), ("汤", 2), ("普", 1),
    ("欧阳", 0.5), ("司马", 0.1), ("诸葛", 0.1),
)  # fmt: skip

_GIVEN = {
    ("male", "older"): "国建军明华平志文海东成福德荣兴贵富才发忠春生学云山峰亮强伟刚勇林松贤万顺宝",
    ("female", "older"): "秀英兰芳桂梅琴燕萍红莉丽霞艳娟珍琼翠花凤玉云香菊素春美金彩莲",
    ("male", "younger"): "浩宇轩子梓俊泽瑞博睿铭诺杰涛鹏飞鑫凯健帅旭宁龙阳晨嘉豪文天一航",
    ("female", "younger"): "欣怡涵萱梓雨思佳妍琪菲钰婷雪慧颖琳倩悦可诗语嘉若晨心一子静",
}
YOUNGER_FROM = 1990  # birth year from which given names use the younger characters

PLACE_CHARS = (
    "大小新上下中东西南北马龙凤石沙河江山岭坡坝营田塘湾桥沟溪林松竹柏花青金银宝安平和兴隆丰富"
    "福永长双三五白红黄高阳明光太仁义德清泉岩冲箐甸哨铺庄屯寨堡湖水云星草茶桃李柳梨杏"
)


def surnames(rng: np.random.Generator, n: int) -> np.ndarray:
    """Indices into :data:`SURNAMES`, by frequency."""
    return pick(rng, [w for _, w in SURNAMES], n)


def surname_text(indices: np.ndarray) -> pa.Array:
    return take([s for s, _ in SURNAMES], indices)


def given_names(rng: np.random.Generator, male: np.ndarray, birth_year: np.ndarray) -> pa.Array:
    """One- or two-character given names by sex and birth cohort."""
    n = len(male)
    vocab, offsets = _given_vocabulary()
    group = (~male).astype(np.int64) * 2 + (birth_year >= YOUNGER_FROM)
    sizes = offsets[group + 1] - offsets[group]
    first = offsets[group] + (rng.random(n) * sizes).astype(np.int64)
    second = offsets[group] + (rng.random(n) * sizes).astype(np.int64)
    one_char = rng.random(n) < 0.22
    second_text = take([*vocab, ""], np.where(one_char, len(vocab), second))
    return join(take(vocab, first), second_text)


def _given_vocabulary() -> tuple[list[str], np.ndarray]:
    order = [("male", "older"), ("male", "younger"), ("female", "older"), ("female", "younger")]
    vocab = [c for key in order for c in _GIVEN[key]]
    sizes = [len(_GIVEN[key]) for key in order]
    return vocab, np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)


def person_names(surname_idx: np.ndarray, given: pa.Array) -> pa.Array:
    return join(surname_text(surname_idx), given)


def place_names(group_start: np.ndarray, within: np.ndarray, suffixes: pa.Array) -> pa.Array:
    """Two-character place names, distinct within a group (a county or a township).

    ``group_start`` is a random offset per place's group and ``within`` the place's number in
    the group; stepping by a number coprime with the number of pairs keeps them distinct.
    """
    chars = list(PLACE_CHARS)
    pairs = len(chars) * len(chars)
    step = 7919  # a prime that does not divide the number of pairs
    combo = (group_start.astype(np.int64) + within.astype(np.int64) * step) % pairs
    first, second = combo // len(chars), combo % len(chars)
    second = np.where(second == first, (second + 1) % len(chars), second)
    return join(take(chars, first), take(chars, second), suffixes)
