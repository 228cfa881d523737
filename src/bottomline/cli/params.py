"""What the case, assistance and audit commands share: their options and how they read them.

Every value a user types is checked here and refused with a :class:`UserError` saying what is
wrong and what to type instead (exit code 2 through ``main``): dates, region codes, money, and
words from a code list (stage, channel, role …), which are listed with their Chinese labels.
Free text a command shows (reasons, notes, evidence) passes :func:`shown`, which withholds text
holding an ID, phone or bank-account number or a health detail.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.markup import escape

from bottomline.errors import UnknownRegionError, UserError
from bottomline.labels import LabelledEnum
from bottomline.users.actor import Actor

if TYPE_CHECKING:  # the store, policies and the calendar are imported when a command uses them
    from sqlalchemy.orm import Session

    from bottomline.policy.resolve import PolicyIndex
    from bottomline.users.scope import Scope

E = TypeVar("E", bound=LabelledEnum)

AsOpt = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="经办人 / the acting user's name (see `bottomline user list`); once the store "
        "requires logins, the logged-in user (default).",
    ),
]
DateOpt = Annotated[
    str | None,
    typer.Option(
        "--date", help="日期 / the day it happened, YYYY-MM-DD (default: today in China)."
    ),
]
RegionOpt = Annotated[
    str, typer.Option("--region", help="区域 / 12-digit region code, e.g. 532328000000.")
]
ScopeOpt = Annotated[
    str | None,
    typer.Option(
        "--region",
        help="区域 / 12-digit code of a region inside yours (default: the acting user's region).",
    ),
]
PoliciesOpt = Annotated[Path, typer.Option("--policies", help="Directory of policy TOML files.")]
LevelOpt = Annotated[
    str, typer.Option("--level", help="汇总层级 / rows per county, township or village.")
]
DEFAULT_POLICIES = Path("policies")
LEVELS = ("county", "township", "village")


def day(value: str | None, *, option: str = "--date") -> dt.date:
    """The day typed as YYYY-MM-DD; today in China when not given."""
    from bottomline.workdays import today_in_china

    if value is None:
        return today_in_china()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UserError(
            f"{option} {value!r} 不是日期 / {option} {value!r} is not a date",
            hint="日期格式为 YYYY-MM-DD，例如 2026-03-02 / give it as YYYY-MM-DD, e.g. 2026-03-02",
        ) from None


def optional_day(value: str | None, *, option: str) -> dt.date | None:
    return None if value is None else day(value, option=option)


def money(value: str | None, *, option: str) -> Decimal | None:
    """Yuan typed as a plain number (``9200`` or ``9200.50``), if given."""
    return None if value is None else amount(value, option=option)


def amount(value: str, *, option: str) -> Decimal:
    """Yuan typed as a plain number (``9200`` or ``9200.50``)."""
    try:
        yuan = Decimal(value.replace(",", ""))
    except InvalidOperation:
        yuan = Decimal("NaN")
    if not yuan.is_finite():
        raise UserError(
            f"{option} {value!r} 不是金额 / {option} {value!r} is not an amount",
            hint="以元为单位，例如 9200 / give yuan, e.g. 9200",
        )
    return yuan


def region_code(value: str) -> str:
    """A 12-digit code (its shape only; :func:`known_region` also checks the registry)."""
    if not re.fullmatch(r"\d{12}", value):
        raise UnknownRegionError(
            f"{value!r} 不是区划代码 / {value!r} is not a region code",
            hint="请用12位统计用区划代码，例如 532328000000（元谋县） / "
            "use the 12-digit statistical division code, e.g. 532328000000 (元谋县)",
        )
    return value


def known_region(session: Session, value: str) -> str:
    """A region code of the registry (raises UnknownRegionError naming it otherwise)."""
    from bottomline.registry.queries import village_code_range

    village_code_range(session=session, region_code=region_code(value))
    return value


def scope(session: Session, as_: str | Actor | None, region: str | None) -> Scope:
    """The acting user's region (``--as`` or the login, or the actor), or the region
    ``--region`` names inside it (a code outside it answers like one the registry does not
    hold)."""
    from bottomline.cli.credentials import acting
    from bottomline.registry.access import access_region

    actor = as_ if isinstance(as_, Actor) else acting(session, as_)
    return access_region(session, actor=actor, code=None if region is None else region_code(region))


def level(value: str) -> str:
    if value not in LEVELS:
        raise UserError(
            f"--level {value!r} 未知 / --level {value!r} is unknown",
            hint=f"可选 / choose one of: {', '.join(LEVELS)}",
        )
    return value


def choice(enum: type[E], value: str, *, option: str, allowed: tuple[E, ...] = ()) -> E:
    """The member of ``enum`` (or of ``allowed``) that ``value`` names; the choices if none.

    A member is named by its value, its Chinese label or its English label (``illness``,
    ``因病``, ``Illness`` …; case and surrounding spaces do not matter), or by a part of its
    Chinese label that no other member's holds (``自主申报``), so what a hint or a table shows
    can be typed back.
    """
    members = allowed or tuple(enum)
    found = next((m for m in members if _names(m, value)), None) or _by_part(members, value)
    if found is None:
        listed = ", ".join(f"{m.value} ({m.zh})" for m in members)
        raise UserError(
            f"{option} {value!r} 不是可选值之一 / is not one of the choices",
            hint=f"可选 / choose: {listed}",
        )
    return found


def _by_part(members: tuple[E, ...], value: str) -> E | None:
    """The one member whose Chinese label holds ``value`` (``自主申报`` for 农户自主申报)."""
    typed = value.strip()
    fits = [m for m in members if len(typed) >= 2 and typed in m.zh]
    return fits[0] if len(fits) == 1 else None


def _names(member: LabelledEnum, value: str) -> bool:
    typed = value.strip().casefold()
    return typed in (member.value.casefold(), member.zh.casefold(), member.en.casefold())


def choices(enum: type[E], values: list[str] | None, *, option: str) -> list[E]:
    return [choice(enum, v, option=option) for v in values or []]


def policies(path: Path) -> PolicyIndex:
    from bottomline.policy import load_directory
    from bottomline.policy.resolve import index_documents

    return index_documents(load_directory(path))


def region_names(session: Session, codes: set[str]) -> dict[str, str]:
    """Names of the registry's regions with these codes."""
    from sqlalchemy import select

    from bottomline.registry.models import Region

    rows = session.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))
    return {code: name for code, name in rows}


def shown(text: Any) -> str:
    """Free text for the terminal, markup escaped; withheld when it holds personal data."""
    from bottomline.cases.notices.redact import find_personal_data

    if text is None or text == "":
        return "—"
    text = str(text)
    found = find_personal_data(text)
    if found:
        kinds = sorted({f.kind for f in found})
        zh, en = "、".join(k.zh for k in kinds), ", ".join(k.en for k in kinds)
        return f"[dim]（含{zh}，不显示 / withheld: holds {en}）[/dim]"
    return escape(text)


def labels(enum: type[LabelledEnum], values: list[str] | None) -> str:
    """Code-list values as their Chinese labels (unknown values as they are)."""
    known = {m.value: m.zh for m in enum}
    return "、".join(known.get(v, v) for v in values or []) or "—"


def yes_no(value: bool | None) -> str:
    return "—" if value is None else ("✓" if value else "✗")
