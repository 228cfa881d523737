"""``bottomline household``: show a household, and keep it current with audited edits.

``show`` reads through ``registry.access.access_household`` (out of the user's region answers
like "no such household"); every other verb is one ``registry.edits`` action (docs/households.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from bottomline.cli import household_view as view
from bottomline.cli import params as p
from bottomline.cli.params import AsOpt
from bottomline.cli.ui import console
from bottomline.errors import UserError
from bottomline.registry.enums import MoveReason

household_app = typer.Typer(
    help="农户信息 / show a household and keep it current (deaths, births, moves, fields).",
    no_args_is_help=True,
)

NumberArg = Annotated[str, typer.Argument(help="户编号 / the household number (or internal id).")]
MemberOpt = Annotated[
    str, typer.Option("--member", help="成员 / ID number, member id or masked number as shown.")
]
OnOpt = Annotated[str, typer.Option("--on", help="日期 / the day it happened, YYYY-MM-DD.")]
NewHeadOpt = Annotated[
    str | None, typer.Option("--new-head", help="新户主 / the new head, when the head leaves.")
]
NameOpt = Annotated[str, typer.Option("--name", help="姓名 / the member's name.")]
IdOpt = Annotated[str, typer.Option("--id-number", help="公民身份号码 / 18-character ID number.")]
SexOpt = Annotated[
    str | None, typer.Option("--sex", help="性别 / 男 or 女 (default: from the ID).")
]
BornOpt = Annotated[
    str | None, typer.Option("--born", help="出生日期 / YYYY-MM-DD (default: from the ID).")
]
EthnicityOpt = Annotated[
    str | None, typer.Option("--ethnicity", help="民族 / e.g. 汉族 or 01 (default: the head's).")
]
Text = Annotated[
    str | None, typer.Option(help="见 / see docs/households.md (the national form's wording).")
]


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add this module's commands to the ``bottomline`` app."""
    app.add_typer(household_app, name="household")


@household_app.command("show")
def household_show(
    number: NumberArg,
    as_: AsOpt = None,
    feeds: Annotated[
        Path | None,
        typer.Option("--feeds", help="部门数据 / feed store (default: <data dir>/feeds)."),
    ] = None,
    months: Annotated[
        int, typer.Option("--months", min=1, max=120, help="部门数据月数 / months of feed rows.")
    ] = 12,
    date: p.DateOpt = None,
) -> None:
    """农户详情 / Members (IDs masked), incomes, guarantees, monitoring, assistance, cases, feeds."""
    from bottomline.cli.credentials import acting
    from bottomline.config import get_settings
    from bottomline.db import open_store, session_scope
    from bottomline.registry.access import access_household

    today = p.day(date)
    with session_scope(open_store()) as session:
        household = access_household(
            session, actor=acting(session, as_), number=number, removed=True
        )
        record = view.gather(session, household, today)
    view.print_household(record)
    view.print_department_rows(
        household.id, feeds or get_settings().data_dir / "feeds", today, months
    )


@household_app.command("death")
def household_death(
    number: NumberArg, member: MemberOpt, on: OnOpt, as_: AsOpt = None, new_head: NewHeadOpt = None
) -> None:
    """死亡减员 / Record a member's death: removed from the household, the date kept."""
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope
    from bottomline.ids import mask_id
    from bottomline.registry import edits

    died_on = p.day(on, option="--on")
    with write_scope(open_store()) as session:
        actor = acting(session, as_)
        gone = edits.record_death(
            session, actor=actor, number=number, member=member, died_on=died_on, new_head=new_head
        )
    console.print(f"已记录死亡 / death recorded: {mask_id(gone.id_number)} on {died_on}")


@household_app.command("reveal")
def household_reveal(
    number: NumberArg,
    member: MemberOpt,
    purpose: Annotated[
        str,
        typer.Option(
            help="用途 / why: identity_check (入户核实身份), benefit_payment, department_query, "
            "national_system (or the Chinese name)."
        ),
    ],
    as_: AsOpt = None,
) -> None:
    """查看完整证件号码 / Show one member's full ID number (village, township and county
    officials); each reveal is an audited action with its purpose."""
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope
    from bottomline.registry.enums import RevealPurpose
    from bottomline.registry.reveal import reveal_id_number

    why = p.choice(RevealPurpose, purpose, option="--purpose")
    with write_scope(open_store()) as session:
        actor = acting(session, as_)
        shown = reveal_id_number(session, actor=actor, number=number, member=member, purpose=why)
    console.print(
        f"户 / household {shown.household_no} · 成员 / member {shown.member_id}: "
        f"{shown.id_number}（已记入审计日志：{why.zh} / recorded in the audit log: {why.en}）"
    )


@household_app.command("birth")
def household_birth(
    number: NumberArg,
    name: NameOpt,
    id_number: IdOpt,
    as_: AsOpt = None,
    sex: SexOpt = None,
    born: BornOpt = None,
    relationship: Annotated[
        str,
        typer.Option("--relationship", help="与户主关系 / child (子女) or grandchild (孙子女)."),
    ] = "child",
    ethnicity: EthnicityOpt = None,
) -> None:
    """出生增员 / Add a newborn (ID number required: issued at birth registration)."""
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope
    from bottomline.ids import mask_id
    from bottomline.registry import edits

    person = edits.NewPerson(
        name=name,
        id_number=id_number,
        relationship=_relationship(relationship),
        sex=sex,
        birth_date=p.optional_day(born, option="--born"),
        ethnicity=ethnicity,
    )
    with write_scope(open_store()) as session:
        added = edits.record_birth(
            session, actor=acting(session, as_), number=number, person=person
        )
    console.print(f"已增员 / newborn added: {mask_id(added.id_number)} (member {added.id})")


@household_app.command("move-in")
def household_move_in(
    number: NumberArg,
    name: NameOpt,
    id_number: IdOpt,
    relationship: Annotated[str, typer.Option("--relationship", help="与户主关系 / e.g. 配偶.")],
    reason: Annotated[
        str, typer.Option("--reason", help="原因 / marriage_in (婚入), returned, other.")
    ],
    on: OnOpt,
    education: Annotated[str, typer.Option("--education", help="文化程度 / e.g. 初中.")],
    schooling: Annotated[str, typer.Option("--schooling", help="在校生状况 / e.g. 非在校生.")],
    health: Annotated[str, typer.Option("--health", help="健康状况 / e.g. 健康, 患有大病.")],
    labour: Annotated[str, typer.Option("--labour", help="劳动技能 / e.g. 普通劳动力.")],
    as_: AsOpt = None,
    sex: SexOpt = None,
    born: BornOpt = None,
    ethnicity: EthnicityOpt = None,
    disability_grade: Annotated[str | None, typer.Option("--disability-grade")] = None,
    migrant_months: Annotated[int | None, typer.Option("--migrant-months")] = None,
    migrant_place: Annotated[str | None, typer.Option("--migrant-place")] = None,
    insured_medical: Annotated[
        bool, typer.Option("--insured-medical/--no-insured-medical")
    ] = False,
    insured_serious_illness: Annotated[
        bool, typer.Option("--insured-serious-illness/--no-insured-serious-illness")
    ] = False,
    insured_pension: Annotated[
        bool, typer.Option("--insured-pension/--no-insured-pension")
    ] = False,
    dibao: Annotated[bool, typer.Option("--dibao/--no-dibao")] = False,
    tekun: Annotated[bool, typer.Option("--tekun/--no-tekun")] = False,
) -> None:
    """迁入增员 / A member moves in (marriage, return) with all member fields."""
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope
    from bottomline.ids import mask_id
    from bottomline.registry import edits

    moved_on = p.day(on, option="--on")
    fields: dict[str, Any] = {
        "education": education,
        "schooling": schooling,
        "health": health,
        "labour_capacity": labour,
        "insured_medical": insured_medical,
        "insured_serious_illness": insured_serious_illness,
        "insured_pension": insured_pension,
        "dibao": dibao,
        "tekun": tekun,
    }
    optional = {"disability_grade": disability_grade, "migrant_months": migrant_months,
                "migrant_place": migrant_place}  # fmt: skip
    fields |= {k: v for k, v in optional.items() if v is not None}
    person = edits.NewPerson(
        name=name,
        id_number=id_number,
        relationship=_relationship(relationship),
        sex=sex,
        birth_date=p.optional_day(born, option="--born"),
        ethnicity=ethnicity,
        fields=fields,
    )
    with write_scope(open_store()) as session:
        added = edits.record_move_in(
            session,
            actor=acting(session, as_),
            number=number,
            person=person,
            moved_on=moved_on,
            reason=_reason(reason),
        )
    console.print(f"已迁入 / moved in: {mask_id(added.id_number)} (member {added.id})")


@household_app.command("move-out")
def household_move_out(
    number: NumberArg,
    member: MemberOpt,
    reason: Annotated[
        str,
        typer.Option(
            "--reason", help="原因 / marriage_out (婚出), moved_away, army, study, prison, other."
        ),
    ],
    on: OnOpt,
    as_: AsOpt = None,
    new_head: NewHeadOpt = None,
) -> None:
    """迁出减员 / A member moves out (married out, moved away, joined the army …)."""
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope
    from bottomline.ids import mask_id
    from bottomline.registry import edits

    moved_on = p.day(on, option="--on")
    with write_scope(open_store()) as session:
        gone = edits.record_move_out(
            session,
            actor=acting(session, as_),
            number=number,
            member=member,
            moved_on=moved_on,
            reason=_reason(reason),
            new_head=new_head,
        )
    console.print(f"已迁出 / moved out: {mask_id(gone.id_number)} on {moved_on}")


@household_app.command("guarantee")
def household_guarantee(
    number: NumberArg,
    year: Annotated[int, typer.Option("--year", help="年度 / the year assessed.")],
    as_: AsOpt = None,
    food_clothing_insecure: Annotated[
        bool | None, typer.Option("--food-clothing-insecure/--no-food-clothing-insecure")
    ] = None,
    housing_unsafe: Annotated[
        bool | None, typer.Option("--housing-unsafe/--no-housing-unsafe")
    ] = None,
    water_unsafe: Annotated[bool | None, typer.Option("--water-unsafe/--no-water-unsafe")] = None,
) -> None:
    """两不愁三保障 / Set the year's guarantees (吃穿, 住房, 饮水) as assessed (source: edit)."""
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope
    from bottomline.registry import edits

    given = {"food_clothing_insecure": food_clothing_insecure, "housing_unsafe": housing_unsafe,
             "water_unsafe": water_unsafe}  # fmt: skip
    changes = {k: v for k, v in given.items() if v is not None}
    _some(changes, "--housing-unsafe/--no-housing-unsafe, --water-unsafe …")
    with write_scope(open_store()) as session:
        row = edits.set_guarantees(
            session, actor=acting(session, as_), number=number, year=year, changes=changes
        )
    console.print(f"{year} 年保障情况已更新 / guarantees of {year} set ({row.source}, {row.as_of})")


@household_app.command("set")
def household_set(
    number: NumberArg,
    as_: AsOpt = None,
    phone: Annotated[str | None, typer.Option("--phone", help="联系电话 / phone.")] = None,
    address: Annotated[str | None, typer.Option("--address", help="家庭住址 / address.")] = None,
    no_labour_household: Annotated[
        bool | None,
        typer.Option(
            "--no-labour-household/--has-labour", help="整户无劳动力 / no member can work."
        ),
    ] = None,
) -> None:
    """户信息 / Change household fields (phone, address, whole household without labour)."""
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope
    from bottomline.registry import edits

    given = {"phone": phone, "address": address, "no_labour_household": no_labour_household}
    changes = {k: v for k, v in given.items() if v is not None}
    _some(changes, "--phone, --address, --no-labour-household/--has-labour")
    with write_scope(open_store()) as session:
        edits.set_household_fields(
            session, actor=acting(session, as_), number=number, changes=changes
        )
    console.print(f"户 {number} 已更新 / household updated: {', '.join(changes)}")


@household_app.command("member-set")
def household_member_set(
    number: NumberArg,
    member: MemberOpt,
    as_: AsOpt = None,
    relationship: Text = None,
    education: Text = None,
    schooling: Annotated[str | None, typer.Option(help="在校生状况 / e.g. 义务教育在校.")] = None,
    health: Annotated[str | None, typer.Option(help="健康状况 / e.g. 患有大病 or serious.")] = None,
    labour: Annotated[str | None, typer.Option(help="劳动技能 / e.g. 丧失劳动力.")] = None,
    disability_grade: Text = None,
    migrant_months: Annotated[int | None, typer.Option()] = None,
    migrant_place: Text = None,
    insured_medical: Annotated[
        bool | None, typer.Option("--insured-medical/--no-insured-medical")
    ] = None,
    insured_serious_illness: Annotated[
        bool | None, typer.Option("--insured-serious-illness/--no-insured-serious-illness")
    ] = None,
    insured_pension: Annotated[
        bool | None, typer.Option("--insured-pension/--no-insured-pension")
    ] = None,
    dibao: Annotated[bool | None, typer.Option("--dibao/--no-dibao")] = None,
    tekun: Annotated[bool | None, typer.Option("--tekun/--no-tekun")] = None,
) -> None:
    """成员信息 / Change a member's fields (schooling, health, labour, insurance, migrant work)."""
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope
    from bottomline.ids import mask_id
    from bottomline.registry import edits

    given: dict[str, Any] = {
        "relationship": relationship, "education": education, "schooling": schooling,
        "health": health, "labour_capacity": labour, "disability_grade": disability_grade,
        "migrant_months": migrant_months, "migrant_place": migrant_place,
        "insured_medical": insured_medical, "insured_serious_illness": insured_serious_illness,
        "insured_pension": insured_pension, "dibao": dibao, "tekun": tekun,
    }  # fmt: skip
    changes = {k: v for k, v in given.items() if v is not None}
    _some(changes, "--schooling, --health, --labour, --insured-medical …")
    with write_scope(open_store()) as session:
        found = edits.set_member_fields(
            session, actor=acting(session, as_), number=number, member=member, changes=changes
        )
    console.print(f"成员 {mask_id(found.id_number)} 已更新 / member updated: {', '.join(changes)}")


def _some(changes: dict[str, Any], options: str) -> None:
    if not changes:
        raise UserError(
            "没有要修改的内容 / nothing to change",
            hint=f"至少给出一项 / give at least one of {options}",
        )


def _reason(value: str) -> MoveReason:
    for reason in MoveReason:
        if value in (reason.value, reason.zh):
            return reason
    listed = ", ".join(f"{r.value} ({r.zh})" for r in MoveReason)
    raise UserError(
        f"--reason {value!r} 不是可选值之一 / --reason {value!r} is not one of the choices",
        hint=f"可选 / choose: {listed}",
    )


def _relationship(value: str) -> str:
    from bottomline.registry.field_values import field_value

    return str(field_value("relationship", value))
