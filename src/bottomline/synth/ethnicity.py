"""Ethnic groups (民族) by province, as GB 3304 two-digit codes.

Shares of minority peoples are rounded from the 7th census province tables [B]; the generator
draws a household's group from its province's list and lets the spouse differ sometimes.
Provinces not listed get a small generic minority share.
"""

from __future__ import annotations

import numpy as np

from bottomline.synth.streams import pick

HAN = "01"
# province prefix -> ((code, share), ...); the Han share is the remainder.
MINORITIES: dict[str, tuple[tuple[str, float], ...]] = {
    "53": (
        ("07", 0.11),
        ("14", 0.035),
        ("16", 0.035),
        ("18", 0.027),
        ("08", 0.026),
        ("06", 0.026),
        ("03", 0.015),
        ("20", 0.015),
        ("24", 0.01),
        ("21", 0.009),
        ("27", 0.007),
    ),  # 云南: 彝 白 哈尼 傣 壮 苗 回 傈僳 拉祜 佤 纳西
    "52": (
        ("06", 0.11),
        ("09", 0.07),
        ("15", 0.04),
        ("12", 0.04),
        ("07", 0.02),
        ("37", 0.013),
        ("25", 0.01),
    ),  # 贵州: 苗 布依 土家 侗 彝 仡佬 水
    "45": (("08", 0.31), ("13", 0.03), ("06", 0.01), ("12", 0.007), ("32", 0.004)),  # 广西
    "50": (("15", 0.045), ("06", 0.016)),  # 重庆: 土家 苗
    "51": (("07", 0.035), ("04", 0.02), ("33", 0.004)),  # 四川: 彝 藏 羌
    "62": (("03", 0.05), ("04", 0.02), ("26", 0.02)),  # 甘肃: 回 藏 东乡
    "43": (("15", 0.04), ("06", 0.03), ("12", 0.012), ("13", 0.01)),  # 湖南
    "42": (("15", 0.035), ("06", 0.004)),  # 湖北
    "64": (("03", 0.36),),  # 宁夏
    "63": (("04", 0.25), ("03", 0.15), ("30", 0.04), ("35", 0.02)),  # 青海
    "65": (("05", 0.45), ("17", 0.07), ("03", 0.04)),  # 新疆
    "54": (("04", 0.86),),  # 西藏
    "15": (("02", 0.17), ("11", 0.02), ("03", 0.01)),  # 内蒙古
    "22": (("10", 0.03), ("11", 0.03)),  # 吉林
    "21": (("11", 0.12), ("02", 0.015), ("03", 0.006)),  # 辽宁
}
GENERIC: tuple[tuple[str, float], ...] = (("03", 0.006), ("11", 0.004))


def ethnicity_table(province_prefix: str) -> tuple[list[str], list[float]]:
    """Codes and weights for a province, Han first."""
    minorities = MINORITIES.get(province_prefix, GENERIC)
    codes = [HAN, *(code for code, _ in minorities)]
    weights = [1.0 - sum(share for _, share in minorities), *(s for _, s in minorities)]
    return codes, weights


def draw_ethnicity(rng: np.random.Generator, province_prefix: str, n: int) -> np.ndarray:
    """Ethnic group codes (as indices into the province's code list) for ``n`` households."""
    _, weights = ethnicity_table(province_prefix)
    return pick(rng, weights, n)
