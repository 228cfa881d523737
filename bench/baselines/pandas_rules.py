"""The "plain pandas" baseline: every screening rule written the way an analyst would in pandas.

Reads the snapshot and the staged feeds with ``pandas.read_parquet`` (only the columns it
needs), builds the household frame with merges and group-bys, and evaluates each rule as a
boolean mask. Same semantics as the engine (``bottomline.screening``): policy joined by
village code, ages at the cycle, per-feed windows, the main earner ranking, the
death/disability union, the disaster's main type by largest loss, switches, and nulls (a
comparison with a missing value is false, exactly like a SQL NULL filled with false).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from baselines.common import (
    HIT_COLUMNS,
    HITS_SCHEMA,
    cycle_index,
    feed_files,
    feed_schema,
    reference_dates,
)
from baselines.common import rule_version as _version
from bottomline.registry.columns import INCOME_COLUMNS
from bottomline.screening.rules import EVIDENCE_SLOTS
from bottomline.screening.views import (
    CAN_WORK,
    COMPULSORY_AGES,
    DAMAGE_RANK,
    EDUCATION_COST_WINDOW,
    GRADE_RANK,
    MAX_WINDOW,
)

COMPULSORY_STAGES = ("primary", "junior")
DISASTER_TYPES = ("flood", "drought", "biological", "meteorological", "earthquake")
_OOP = ("medical_oop", "education_oop")
BASE_COLUMNS = (
    "household_id",
    "village_code",
    "formerly_poor",
    "in_range",
    "pc",
    "policy_ref",
    "income_source",
    "income_year",
    "income_on",
)


def screen_pandas(
    snapshot_dir: Path, staged_dir: Path | None, policy: pa.Table, cycle: str
) -> pa.Table:
    """Every rule's hits for ``cycle``, with the engine's hits columns, sorted like the engine."""
    year, month, idx = int(cycle[:4]), int(cycle[5:7]), cycle_index(cycle)
    members = _members(snapshot_dir, year, month)
    feeds = {name: _read_feed(staged_dir, name, cycle) for name in _FEED_NAMES}
    hh = _household_frame(snapshot_dir, policy.to_pandas(), members, cycle, feeds["medical"])
    parts = _household_hits(hh)
    parts += _feed_hits(hh, feeds, members, idx)
    hits = pd.concat([p for p in parts if len(p)] or [parts[0]], ignore_index=True)
    hits = hits.sort_values(["household_id", "rule_id"], kind="stable")
    table = pa.Table.from_pandas(hits[list(HIT_COLUMNS)], schema=HITS_SCHEMA, preserve_index=False)
    return table.replace_schema_metadata(None)  # plain Arrow, like the other two


# --- inputs -------------------------------------------------------------------------------

_FEED_NAMES = (
    "medical",
    "civil_affairs",
    "education",
    "human_resources",
    "emergency",
    "public_security",
    "disabled",
    "housing",
    "water",
)
_FEED_COLUMNS: dict[str, list[str]] = {
    "medical": ["self_pay", "visit_type"],
    "civil_affairs": ["assistance_type", "change"],
    "education": ["stage", "event", "self_pay"],
    "human_resources": ["event"],
    "emergency": ["disaster_type", "loss", "house_damage"],
    "public_security": ["event"],
    "disabled": [],
    "housing": ["grade"],
    "water": [],
}


def _read_feed(staged_dir: Path | None, feed: str, cycle: str) -> pd.DataFrame:
    cols = ["household_id", "member_id", "period_index", *_FEED_COLUMNS[feed]]
    files = feed_files(staged_dir, feed, cycle)
    if not files:
        return feed_schema(feed).empty_table().select(cols).to_pandas()
    return pd.concat([pd.read_parquet(f, columns=cols) for f in files], ignore_index=True)


def _members(snapshot_dir: Path, year: int, month: int) -> pd.DataFrame:
    m = pd.read_parquet(
        snapshot_dir / "members.parquet",
        columns=[
            "member_id",
            "household_id",
            "relationship",
            "birth_date",
            "schooling",
            "health",
            "labour_capacity",
            "migrant_months",
            "insured_medical",
        ],
    )
    birth = pd.to_datetime(m["birth_date"])
    # completed years at the end of the cycle's month (the engine takes day 28 of it)
    before_birthday = (birth.dt.month * 100 + birth.dt.day) > (month * 100 + 28)
    m["age"] = year - birth.dt.year - before_birthday.astype(int)
    m["can_work"] = m["labour_capacity"].isin(CAN_WORK)
    return m.drop(columns="birth_date")


def _net(incomes: pd.DataFrame) -> pd.Series:
    total = incomes[INCOME_COLUMNS[0]]
    for col in INCOME_COLUMNS[1:]:
        total = total + incomes[col]
    return total - incomes["production_costs"]


def _income(snapshot_dir: Path, sizes: pd.Series, cycle: str) -> pd.DataFrame:
    """Per household: the income of the cycle (latest effective valid record, ties to the annual
    one), its source, year and day, the latest valid annual record's costs and business
    income, and the previous income (the latest other annual record effective before it)."""
    start, end = reference_dates(cycle)
    inc = pd.read_parquet(
        snapshot_dir / "incomes.parquet",
        columns=[
            "household_id",
            "year",
            *INCOME_COLUMNS,
            "production_costs",
            *_OOP,
            "source",
            "as_of",
        ],
    )
    year_end = pd.to_datetime(inc["year"].astype(str) + "-12-31")
    inc["eff"] = np.minimum(year_end, pd.to_datetime(inc["as_of"]))
    inc["pc"] = _net(inc) / inc["household_id"].map(sizes)
    desc = ["household_id", "eff", "year"]
    inc = inc.sort_values(desc, ascending=[True, False, False], kind="stable")
    valid = inc[inc["year"].between(start.year, end.year)]
    annual = valid.drop_duplicates("household_id").assign(annual=1)
    fu = _followups(snapshot_dir, start, end)
    cand = pd.concat(
        [annual[["household_id", "eff", "annual", "year", "pc", "source"]], fu], ignore_index=True
    )
    chosen = cand.sort_values(
        ["household_id", "eff", "annual", "year", "pc"],
        ascending=[True, False, False, False, True],
        kind="stable",
        na_position="last",
    ).drop_duplicates("household_id")
    before = inc.merge(
        chosen[["household_id", "eff", "year"]].rename(columns={"eff": "c_eff", "year": "c_year"}),
        on="household_id",
    )
    before = before[
        (before["eff"] < before["c_eff"])
        & (before["c_year"].isna() | (before["year"] != before["c_year"]))
    ]
    prev = before.drop_duplicates("household_id")[["household_id", "pc"]]
    out = chosen.rename(
        columns={"source": "income_source", "year": "income_year", "eff": "income_on"}
    )[["household_id", "pc", "income_source", "income_year", "income_on"]]
    costs = annual[["household_id", *_OOP, "business"]].rename(
        columns={"business": "annual_business"}
    )
    out = out.merge(costs, on="household_id", how="left")
    return out.merge(prev.rename(columns={"pc": "prev_pc"}), on="household_id", how="left")


def _followups(snapshot_dir: Path, start: dt.date, end: dt.date) -> pd.DataFrame:
    path = snapshot_dir / "followups.parquet"
    cols = ["household_id", "eff", "annual", "year", "pc", "source"]
    if not path.exists():
        return pd.DataFrame(columns=cols)
    fu = pd.read_parquet(path)
    fu = fu[(fu["followed_on"] >= start) & (fu["followed_on"] <= end)]
    return pd.DataFrame(
        {
            "household_id": fu["household_id"],
            "eff": pd.to_datetime(fu["followed_on"]),
            "annual": 0,
            "year": np.nan,
            "pc": fu["per_capita_income"],
            "source": "followup",
        }
    )[cols]


def _medical_window(hh: pd.DataFrame, feed: pd.DataFrame, idx: int) -> pd.DataFrame:
    """Per household, medical-insurance self-pay over its policy's window."""
    rows = feed[feed["period_index"].between(idx - MAX_WINDOW + 1, idx)]
    flags = ["medical_inpatient", "medical_chronic_outpatient", "medical_outpatient"]
    rows = rows.merge(hh[["household_id", "medical_window_months", *flags]], on="household_id")
    rows = rows[rows["period_index"] > idx - rows["medical_window_months"]]
    kind = rows["visit_type"]
    counted = (
        ((kind == "inpatient") & rows["medical_inpatient"].fillna(False).astype(bool))
        | (
            (kind == "chronic_outpatient")
            & rows["medical_chronic_outpatient"].fillna(False).astype(bool)
        )
        | ((kind == "outpatient") & rows["medical_outpatient"].fillna(False).astype(bool))
    )
    rows = rows.assign(counted=counted, counted_pay=rows["self_pay"].where(counted, 0.0))
    return rows.groupby("household_id").agg(
        self_pay_total=("self_pay", "sum"),
        settlements=("self_pay", "size"),
        counted_total=("counted_pay", "sum"),
        counted=("counted", "sum"),
    )


def _household_frame(
    snapshot_dir: Path,
    policy: pd.DataFrame,
    members: pd.DataFrame,
    cycle: str,
    medical: pd.DataFrame,
) -> pd.DataFrame:
    year = int(cycle[:4])
    hh = pd.read_parquet(
        snapshot_dir / "households.parquet",
        columns=["household_id", "village_code", "formerly_poor"],
    )
    hh = hh.merge(policy, left_on="village_code", right_on="region_code").drop(
        columns="region_code"
    )

    m = members.assign(
        ill=members["health"].isin(("chronic", "serious")),
        disabled=members["health"] == "disabled",
        dropout=(members["schooling"] == "dropout") & members["age"].between(*COMPULSORY_AGES),
        uninsured=~members["insured_medical"],
        migrant=members["can_work"] & (members["migrant_months"] > 0),
    )
    agg = m.groupby("household_id").agg(
        size=("member_id", "size"),
        n_can_work=("can_work", "sum"),
        any_ill=("ill", "any"),
        any_disabled=("disabled", "any"),
        dropouts=("dropout", "sum"),
        uninsured=("uninsured", "sum"),
        n_migrant=("migrant", "sum"),
    )
    hh = hh.merge(agg, left_on="household_id", right_index=True)
    income = _income(snapshot_dir, agg["size"], cycle)
    guar = pd.read_parquet(
        snapshot_dir / "guarantees.parquet",
        columns=["household_id", "food_clothing_insecure", "housing_unsafe", "water_unsafe"],
        filters=[("year", "==", year)],
    )
    feed = _medical_window(hh, medical, cycle_index(cycle))[["self_pay_total"]]
    feed = feed.rename(columns={"self_pay_total": "feed_medical_self_pay"}).reset_index()
    for extra in (income, guar, feed):
        hh = hh.merge(extra, on="household_id", how="left")

    for flag in ("food_clothing_insecure", "housing_unsafe", "water_unsafe"):
        hh[flag] = hh[flag].fillna(False).astype(bool)
    hh["income_on"] = pd.to_datetime(hh["income_on"]).dt.date
    hh["income_year"] = hh["income_year"].astype("Int32")
    hh["has_income"] = hh["pc"].notna()
    hh["net"] = hh["pc"] * hh["size"]
    for col in ("medical_oop", "education_oop", "feed_medical_self_pay"):
        hh[col] = hh[col].fillna(0.0)
    hh["medical_spend"] = np.maximum(hh["medical_oop"], hh["feed_medical_self_pay"])
    hh["rigid"] = hh["medical_spend"] + hh["education_oop"]
    hh["pc_after_rigid"] = hh["pc"] - hh["rigid"] / hh["size"]
    # unknown (as in SQL) when there is an income but no line to compare it with
    in_range = (hh["has_income"] & (hh["pc"] < hh["income_line"])).astype("boolean")
    in_range[hh["has_income"] & hh["income_line"].isna()] = pd.NA
    hh["in_range"] = in_range
    hh["cause"] = np.select(
        [
            hh["any_ill"] | (hh["medical_spend"] > hh["education_oop"]),
            hh["any_disabled"],
            (hh["education_oop"] > 0) | (hh["dropouts"] > 0),
            hh["n_can_work"] == 0,
            hh["housing_unsafe"],
            hh["water_unsafe"],
            hh["annual_business"] < 0,
            hh["n_migrant"] > 0,
        ],
        [
            "illness",
            "disability",
            "schooling",
            "lack_of_labour",
            "housing",
            "drinking_water",
            "industry_failure",
            "unstable_employment",
        ],
        default="other",
    )
    return hh


# --- rules --------------------------------------------------------------------------------


def _switch(frame: pd.DataFrame, key: str) -> pd.Series:
    return frame[key].fillna(False).astype(bool)


def _hits(
    frame: pd.DataFrame,
    mask: pd.Series,
    rule_id: str,
    risk: str | pd.Series,
    *values: str | float | pd.Series,
) -> pd.DataFrame:
    """The rows of ``frame`` under ``mask`` in the hits layout; values are columns or constants."""
    mask = mask.fillna(False).astype(bool)
    rows = frame.loc[mask, list(BASE_COLUMNS)].copy()
    rows["rule_id"] = rule_id
    rows["rule_version"] = np.int32(_version(rule_id))
    rows["risk_type"] = risk[mask] if isinstance(risk, pd.Series) else risk
    for i in range(EVIDENCE_SLOTS):
        value = values[i] if i < len(values) else np.nan
        if isinstance(value, str):
            value = frame[value]
        if isinstance(value, pd.Series):
            rows[f"v{i + 1}"] = value[mask].astype("float64")
        else:
            rows[f"v{i + 1}"] = np.float64(value)
    return rows


def _household_hits(hh: pd.DataFrame) -> list[pd.DataFrame]:
    rigid_set = (
        hh["rigid_absolute"].notna()
        | hh["rigid_income_share"].notna()
        | hh["rigid_disposable_share"].notna()
    )
    # a threshold that is not set (or not known) is never exceeded, like a SQL NULL
    never = np.inf
    rigid_over = (
        (hh["rigid"] > hh["rigid_absolute"].fillna(never))
        | (hh["rigid"] > (hh["rigid_income_share"] * hh["net"]).fillna(never))
        | (
            hh["rigid"]
            > (hh["rigid_disposable_share"] * hh["prior_disposable_income"]).fillna(never)
        )
    )
    rigid = (
        hh["has_income"]
        & (hh["rigid"] > 0)
        & (hh["pc_after_rigid"] < hh["income_line"])
        & (~rigid_set | rigid_over)
    )
    drop = hh["prev_pc"] - hh["pc"]
    sharp_drop = (
        hh["has_income"]
        & (hh["prev_pc"] > 0)
        & (drop >= hh["drop_share"] * hh["prev_pc"])
        & (hh["pc"] < hh["drop_watch_multiple"] * hh["income_line"])
    )
    rigid_risk = pd.Series(
        np.where(hh["medical_spend"] >= hh["education_oop"], "illness", "schooling"),
        index=hh.index,
    )
    rigid_evidence = (
        "pc",
        "medical_oop",
        "feed_medical_self_pay",
        "education_oop",
        "pc_after_rigid",
        "income_line",
    )
    uninsured = (hh["uninsured"] > 0) & _switch(hh, "trig_uninsured")
    return [
        _hits(hh, hh["in_range"], "income.within_range", hh["cause"], "pc", "income_line", "size"),
        _hits(hh, rigid, "expenditure.rigid", rigid_risk, *rigid_evidence),
        _hits(
            hh, sharp_drop, "income.sharp_drop", hh["cause"], "prev_pc", "pc", drop / hh["prev_pc"]
        ),
        _hits(hh, hh["food_clothing_insecure"], "guarantee.food_clothing", hh["cause"], 1.0),
        _hits(hh, hh["housing_unsafe"], "guarantee.housing", "housing", 1.0),
        _hits(hh, hh["dropouts"] > 0, "guarantee.compulsory_dropout", "schooling", "dropouts"),
        _hits(hh, hh["water_unsafe"], "guarantee.water", "drinking_water", 1.0),
        _hits(hh, uninsured, "guarantee.medical_insurance", "illness", "uninsured"),
    ]


def _with_household(agg: pd.DataFrame, hh: pd.DataFrame) -> pd.DataFrame:
    return agg.reset_index().merge(hh, on="household_id")


def _feed_hits(
    hh: pd.DataFrame, feeds: dict[str, pd.DataFrame], members: pd.DataFrame, idx: int
) -> list[pd.DataFrame]:
    now = {name: f[f["period_index"] == idx] for name, f in feeds.items()}
    return [
        _medical(hh, feeds["medical"], idx),
        _new_assistance(hh, now["civil_affairs"]),
        _school_dropout(hh, now["education"]),
        _education_cost(hh, feeds["education"], idx),
        _disaster(hh, now["emergency"]),
        _housing(hh, now["housing"]),
        _water(hh, now["water"]),
        _job_loss(hh, now["human_resources"], members),
        _death_disability(hh, now["public_security"], now["disabled"], members),
    ]


def _medical(hh: pd.DataFrame, feed: pd.DataFrame, idx: int) -> pd.DataFrame:
    agg = _medical_window(hh, feed, idx)
    agg = agg[agg["counted"] > 0]  # only the settlements the policy counts (count_*)
    agg = agg.assign(self_pay_total=agg["counted_total"], settlements=agg["counted"])
    v = _with_household(agg, hh)
    threshold = v["medical_formerly_poor"].where(v["formerly_poor"], v["medical_other"])
    return _hits(
        v,
        v["self_pay_total"] >= threshold,
        "dept.medical_bill",
        "illness",
        "self_pay_total",
        threshold,
        "settlements",
    )


def _new_assistance(hh: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows[(rows["change"] == "new") & rows["assistance_type"].isin(("dibao", "tekun"))]
    agg = (
        rows.assign(tekun=rows["assistance_type"] == "tekun")
        .groupby("household_id")
        .agg(new_tekun=("tekun", "any"), members=("tekun", "size"))
    )
    v = _with_household(agg, hh)
    return _hits(
        v,
        (v["members"] > 0) & _switch(v, "trig_new_assistance"),
        "dept.new_assistance",
        v["cause"],
        "new_tekun",
        "members",
    )


def _school_dropout(hh: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows[(rows["event"] == "dropout") & rows["stage"].isin(COMPULSORY_STAGES)]
    agg = rows.groupby("household_id").agg(reported=("member_id", "nunique"))
    v = _with_household(agg, hh)
    return _hits(
        v,
        (v["reported"] > 0) & _switch(v, "trig_school_dropout"),
        "dept.school_dropout",
        "schooling",
        "reported",
    )


def _education_cost(hh: pd.DataFrame, feed: pd.DataFrame, idx: int) -> pd.DataFrame:
    rows = feed[
        feed["period_index"].between(idx - EDUCATION_COST_WINDOW + 1, idx)
        & (feed["event"] == "enrolled")
        & ~feed["stage"].isin(COMPULSORY_STAGES)
    ]
    # min_count=1: a household whose rows all lack the amount has no total, as in SQL
    agg = rows.groupby("household_id")[["self_pay"]].sum(min_count=1)
    v = _with_household(agg, hh)
    return _hits(
        v,
        v["self_pay"] > v["education_self_pay"],
        "dept.education_cost",
        "schooling",
        "self_pay",
        "education_self_pay",
    )


def _disaster(hh: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.assign(damage_rank=rows["house_damage"].map(DAMAGE_RANK).fillna(0).astype("int64"))
    agg = rows.groupby("household_id").agg(loss=("loss", "sum"), damage_rank=("damage_rank", "max"))
    # the household's main disaster is the type of its largest single loss
    main = rows.sort_values(["loss", "disaster_type"], ascending=[False, True], kind="stable")
    main = main.drop_duplicates("household_id")
    agg["disaster_type"] = main.set_index("household_id")["disaster_type"]
    v = _with_household(agg, hh)
    risk = pd.Series(
        np.where(
            v["disaster_type"].isin(DISASTER_TYPES),
            "disaster_" + v["disaster_type"],
            "disaster_other",
        ),
        index=v.index,
    )
    return _hits(
        v,
        (v["loss"] >= v["disaster_loss"]) | (v["damage_rank"] >= v["disaster_min_damage_rank"]),
        "dept.disaster",
        risk,
        "loss",
        "disaster_loss",
        "damage_rank",
    )


def _housing(hh: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    agg = (
        rows.assign(grade_rank=rows["grade"].map(GRADE_RANK).fillna(0).astype("int64"))
        .groupby("household_id")
        .agg(grade_rank=("grade_rank", "max"))
    )
    v = _with_household(agg, hh)
    return _hits(
        v,
        v["grade_rank"] >= v["housing_min_grade_rank"],
        "dept.housing_appraisal",
        "housing",
        "grade_rank",
    )


def _water(hh: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    agg = rows.groupby("household_id").agg(reports=("member_id", "size"))
    v = _with_household(agg, hh)
    return _hits(
        v, (v["reports"] > 0) & _switch(v, "trig_water"), "dept.water", "drinking_water", "reports"
    )


def _job_loss(hh: pd.DataFrame, rows: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    rows = rows[rows["event"].isin(("unemployed", "contract_ended"))]
    # the main earner of each affected household: able to work first, then most months of
    # migrant work, then the head, then the smallest member id
    affected = members[members["household_id"].isin(rows["household_id"])]
    ranked = affected.assign(is_head=affected["relationship"] == "head").sort_values(
        ["household_id", "can_work", "migrant_months", "is_head", "member_id"],
        ascending=[True, False, False, False, True],
    )
    first = ranked.drop_duplicates("household_id")
    earners = first.loc[first["can_work"], "member_id"]
    hit = rows[rows["member_id"].isin(earners)]
    agg = hit.groupby("household_id").agg(main_earner_id=("member_id", "min"))
    v = _with_household(agg, hh)
    return _hits(
        v,
        v["main_earner_id"].notna() & _switch(v, "trig_job_loss"),
        "dept.job_loss",
        "unstable_employment",
        "main_earner_id",
    )


def _death_disability(
    hh: pd.DataFrame, security: pd.DataFrame, disabled: pd.DataFrame, members: pd.DataFrame
) -> pd.DataFrame:
    events = security[security["event"].isin(("death", "disabling_injury"))]
    events = events.assign(code=np.where(events["event"] == "death", 1, 2))
    certs = disabled.assign(code=3)
    cols = ["household_id", "member_id", "code"]
    both = pd.concat([events[cols], certs[cols]], ignore_index=True)
    both = both[both["member_id"].isin(members.loc[members["can_work"], "member_id"])]
    first = both.sort_values(["code", "member_id"]).drop_duplicates("household_id")
    agg = first.set_index("household_id").rename(columns={"code": "event", "member_id": "worker"})
    v = _with_household(agg, hh)
    risk = pd.Series(np.where(v["event"] == 1, "accident", "disability"), index=v.index)
    return _hits(
        v,
        v["event"].notna() & _switch(v, "trig_death_disability"),
        "dept.death_disability",
        risk,
        "event",
        "worker",
    )
