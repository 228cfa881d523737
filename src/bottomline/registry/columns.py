"""Columnar layout of a registry snapshot: the contract between the store, synth and screening.

A snapshot is a directory of Parquet files, one per table below. The operational store exports
it (``registry.snapshot.export_snapshot``); the synthetic generator writes the same layout
directly; screening reads only this layout. Money is float64 yuan here (columnar analytics);
the operational store keeps exact decimals.

Enum-valued columns hold the values of ``bottomline.registry.enums``.
"""

from __future__ import annotations

import pyarrow as pa

REGIONS = pa.schema(
    [
        pa.field("code", pa.string(), nullable=False),  # 12-digit statistical division code
        pa.field("name", pa.string(), nullable=False),
        pa.field("level", pa.string(), nullable=False),  # RegionLevel
        pa.field("parent_code", pa.string()),  # null for a province
    ]
)

HOUSEHOLDS = pa.schema(
    [
        pa.field("household_id", pa.int64(), nullable=False),
        pa.field("household_no", pa.string(), nullable=False),  # 户编号
        pa.field("village_code", pa.string(), nullable=False),
        pa.field("address", pa.string()),
        pa.field("phone", pa.string()),  # personal data: never logged or published
        pa.field("household_type", pa.string(), nullable=False),  # HouseholdType
        pa.field("formerly_poor", pa.bool_(), nullable=False),  # 建档立卡 (脱贫户)
        pa.field("poverty_exit_year", pa.int16()),  # year the household left poverty
        pa.field("relocated", pa.bool_(), nullable=False),  # 易地扶贫搬迁
        pa.field("no_labour_household", pa.bool_(), nullable=False),  # 整户无劳动力 (as recorded)
        # Monitoring as the national system records it; null category: not monitored there.
        pa.field("monitoring_category", pa.string()),  # Category (监测对象类别)
        pa.field("monitoring_risks", pa.list_(pa.string()), nullable=False),  # RiskType values
        pa.field("monitored_on", pa.date32()),  # 识别 / 纳入监测时间
        pa.field("risk_eliminated_on", pa.date32()),  # 风险消除时间
    ]
)

MEMBERS = pa.schema(
    [
        pa.field("member_id", pa.int64(), nullable=False),
        pa.field("household_id", pa.int64(), nullable=False),
        pa.field("id_number", pa.string(), nullable=False),  # personal data
        pa.field("id_kind", pa.string(), nullable=False),  # IdKind
        pa.field("name", pa.string(), nullable=False),
        pa.field("relationship", pa.string(), nullable=False),  # Relationship
        pa.field("sex", pa.string(), nullable=False),  # Sex
        pa.field("birth_date", pa.date32(), nullable=False),
        pa.field("ethnicity", pa.string(), nullable=False),  # GB 3304 two-digit code, "01" = 汉族
        pa.field("education", pa.string(), nullable=False),  # Education
        pa.field("schooling", pa.string(), nullable=False),  # Schooling
        pa.field("health", pa.string(), nullable=False),  # Health (personal data)
        pa.field("disability_grade", pa.int8()),  # 1-4 when health == disabled
        pa.field("labour_capacity", pa.string(), nullable=False),  # LabourCapacity
        pa.field("migrant_months", pa.int8(), nullable=False),  # months of migrant work last year
        pa.field("migrant_place", pa.string()),  # county-level code of the workplace
        pa.field("insured_medical", pa.bool_(), nullable=False),  # 城乡居民基本医疗保险
        pa.field("insured_serious_illness", pa.bool_(), nullable=False),  # 大病保险
        pa.field("insured_pension", pa.bool_(), nullable=False),  # 城乡居民基本养老保险
        pa.field("dibao", pa.bool_(), nullable=False),  # 低保
        pa.field("tekun", pa.bool_(), nullable=False),  # 特困
    ]
)

# One row per household and year. Net income and per-capita net income are derived, never stored.
# ``source`` (registry.enums.IncomeSource) and ``as_of`` say where the year's figures came from and
# the day they were collected; insurance claims are recorded beside net income, not in it.
INCOMES = pa.schema(
    [
        pa.field("household_id", pa.int64(), nullable=False),
        pa.field("year", pa.int16(), nullable=False),
        pa.field("wage", pa.float64(), nullable=False),  # 工资性收入
        pa.field("business", pa.float64(), nullable=False),  # 生产经营性收入
        pa.field("property", pa.float64(), nullable=False),  # 财产性收入
        pa.field("transfer_dibao", pa.float64(), nullable=False),  # 低保金
        pa.field("transfer_tekun", pa.float64(), nullable=False),  # 特困供养金
        pa.field("transfer_pension", pa.float64(), nullable=False),  # 养老金
        pa.field("transfer_eco", pa.float64(), nullable=False),  # 生态补偿金
        pa.field("transfer_relief", pa.float64(), nullable=False),  # 救灾款 / 临时救助
        pa.field("transfer_insurance", pa.float64(), nullable=False),  # 防贫保险赔付
        pa.field("transfer_other", pa.float64(), nullable=False),  # 其他转移性收入
        pa.field("production_costs", pa.float64(), nullable=False),  # 生产经营性支出
        pa.field("medical_oop", pa.float64(), nullable=False),  # 合规自付医疗支出
        pa.field("education_oop", pa.float64(), nullable=False),  # 合规自付教育支出
        pa.field("insurance_claims", pa.float64(), nullable=False),  # 家庭理赔收入
        pa.field("source", pa.string(), nullable=False),  # IncomeSource
        pa.field("source_ref", pa.int64()),  # the import that gave the figures
        pa.field("as_of", pa.date32(), nullable=False),  # the day they were collected
    ]
)

# 两不愁三保障 + drinking water, as assessed (one row per household and year). Compulsory-school
# dropout and "a member without basic medical insurance" are derived from members, not stored twice.
GUARANTEES = pa.schema(
    [
        pa.field("household_id", pa.int64(), nullable=False),
        pa.field("year", pa.int16(), nullable=False),
        pa.field("food_clothing_insecure", pa.bool_(), nullable=False),  # 吃穿不愁有问题
        pa.field("housing_unsafe", pa.bool_(), nullable=False),  # 住房安全有问题
        pa.field("water_unsafe", pa.bool_(), nullable=False),  # 饮水安全有问题
        pa.field("source", pa.string(), nullable=False),  # IncomeSource
        pa.field("source_ref", pa.int64()),
        pa.field("as_of", pa.date32(), nullable=False),
    ]
)

# Income follow-ups (收入跟踪) cadres record after a visit: an annualised per-capita net income on
# a day. They live in the assistance domain's store table; ``export_snapshot`` writes them from a
# query its caller gives (registry sits below assistance), or an empty file.
FOLLOWUPS = pa.schema(
    [
        pa.field("household_id", pa.int64(), nullable=False),
        pa.field("followed_on", pa.date32(), nullable=False),
        pa.field("per_capita_income", pa.float64(), nullable=False),  # yuan per person per year
    ]
)

SNAPSHOT_TABLES: dict[str, pa.Schema] = {
    "regions": REGIONS,
    "households": HOUSEHOLDS,
    "members": MEMBERS,
    "incomes": INCOMES,
    "guarantees": GUARANTEES,
}
# Tables a snapshot carries beside the registry's own, from other domains (screening reads them;
# a snapshot without one reads as empty).
EXTRA_TABLES: dict[str, pa.Schema] = {"followups": FOLLOWUPS}

# Net income = wage + business + property + transfers - production costs.
TRANSFER_COLUMNS = (
    "transfer_dibao",
    "transfer_tekun",
    "transfer_pension",
    "transfer_eco",
    "transfer_relief",
    "transfer_insurance",
    "transfer_other",
)
INCOME_COLUMNS = ("wage", "business", "property", *TRANSFER_COLUMNS)
# The amounts of an income row (yuan), in the layout's order.
MONEY_COLUMNS = (
    *INCOME_COLUMNS,
    "production_costs",
    "medical_oop",
    "education_oop",
    "insurance_claims",
)
