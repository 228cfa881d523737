"""The views rules read: one row per household, with its features and its policy's parameters.

``household_view`` joins the registry snapshot with the per-village policy table and derives
what rules compare (size, net and per-capita net income, rigid expenditure, guarantee problems).
Each department feed has a view that aggregates its rows per household for the cycle (or the
policy's window) and joins the household view, so a feed rule sees household, policy and feed
values side by side. Everything is an Ibis expression: the same views run on DuckDB or Spark.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
from ibis import _

from bottomline.ingest.catalogue import period_index
from bottomline.registry.columns import INCOME_COLUMNS
from bottomline.registry.reference import FOLLOWUP, Window, window

CAN_WORK = ("skilled", "able", "weak")
COMPULSORY_AGES = (6, 15)  # ages of compulsory schooling (义务教育) used for dropout checks
EDUCATION_COST_WINDOW = 12  # months of non-compulsory school costs summed (yearly feed)
MAX_WINDOW = 36  # the longest window a policy may set (policy validation bounds)

# Months of staged rows each feed's views can read (the cycle and the months before it);
# feeds not listed are read for the cycle's month only.
FEED_WINDOWS = {"medical": MAX_WINDOW, "education": EDUCATION_COST_WINDOW}

DAMAGE_RANK = {"none": 0, "minor": 1, "severe": 2, "collapsed": 3}
GRADE_RANK = {"A": 1, "B": 2, "C": 3, "D": 4}


@dataclass(frozen=True, slots=True)
class Cycle:
    """A screening cycle: a month ``YYYY-MM``; its year selects incomes and policy."""

    period: str

    @property
    def year(self) -> int:
        return int(self.period[:4])

    @property
    def index(self) -> int:
        return period_index(self.period)

    @property
    def month(self) -> int:
        return int(self.period[5:7])


@dataclass(slots=True)
class Stages:
    """Named intermediate relations, in order, each computed once and read by name.

    A relation that several others read (the income records, the chosen income) is added here
    and read back as a table of that name, so a backend computes it once: ``plan.py`` makes
    each a ``MATERIALIZED`` common table expression on DuckDB (a Spark runner would cache it
    as a temporary view). Without stages (``None``) the views are plain nested expressions."""

    relations: dict[str, ir.Table] = field(default_factory=dict)

    def add(self, name: str, relation: ir.Table) -> ir.Table:
        if name in self.relations:
            raise ValueError(f"stage {name!r} added twice")
        self.relations[name] = relation
        return ibis.table(relation.schema(), name=name)


def _stage(stages: Stages | None, name: str, relation: ir.Table) -> ir.Table:
    return relation if stages is None else stages.add(name, relation)


def _age(birth: ir.DateValue, cycle: Cycle) -> ir.IntegerValue:
    """Completed years at the end of the cycle's month (day 28 is close enough for ages)."""
    before_birthday = (birth.month() * 100 + birth.day()) > (cycle.month * 100 + 28)
    return (cycle.year - birth.year()) - before_birthday.cast("int32")


def member_view(members: ir.Table, cycle: Cycle) -> ir.Table:
    age = _age(members.birth_date, cycle)
    return members.mutate(
        age=age,
        can_work=members.labour_capacity.isin(CAN_WORK),
        compulsory_age=age.between(*COMPULSORY_AGES),
    )


def _member_aggregates(members: ir.Table) -> ir.Table:
    return members.group_by("household_id").aggregate(
        size=_.count(),
        n_can_work=_.can_work.cast("int64").sum(),
        any_ill=_.health.isin(("chronic", "serious")).any(),
        any_disabled=(_.health == "disabled").any(),
        dropouts=((_.schooling == "dropout") & _.compulsory_age).cast("int64").sum(),
        uninsured=(~_.insured_medical).cast("int64").sum(),
        n_migrant=(_.can_work & (_.migrant_months > 0)).cast("int64").sum(),
    )


def _net(rows: ir.Table) -> ir.NumericValue:
    total = sum((rows[c] for c in INCOME_COLUMNS[1:]), rows[INCOME_COLUMNS[0]])
    return total - rows.production_costs


def _annual(incomes: ir.Table) -> ir.Table:
    """Every annual record with its net income and effective date (reference.annual_effective)."""
    year_end = ibis.date(incomes.year.cast("int32"), 12, 31)
    return incomes.select(
        "household_id",
        "medical_oop",
        "education_oop",
        "business",
        net=_net(incomes),
        income_year=incomes.year.cast("int32"),
        income_source=incomes.source,
        income_on=ibis.least(year_end, incomes.as_of),
    )


def _first(rows: ir.Table, *order: object) -> ir.Table:
    """Per household, the first row in ``order``."""
    ranked = rows.mutate(_rank=ibis.row_number().over(group_by="household_id", order_by=order))
    return ranked.filter(ranked._rank == 0).drop("_rank")


def _income_choice(
    incomes: ir.Table,
    followups: ir.Table,
    sizes: ir.Table,
    win: Window,
    stages: Stages | None = None,
) -> ir.Table:
    """Per household, the income that counts for the cycle (registry.reference), its source,
    its year or date, the latest valid annual record's accounts and the previous annual income.

    Chosen: the valid record with the latest effective date; ties go to the annual record,
    then the later year, then the lower follow-up figure. Previous: the latest annual record,
    valid or not, effective before the chosen one and of another year.
    """
    annual = _annual(incomes).join(sizes, "household_id")
    annual = _stage(stages, "income_annual", annual.mutate(pc=annual.net / annual.size))
    valid = annual.filter(annual.income_year.between(win.first_year, win.last_year))
    best_annual = _first(valid, ibis.desc("income_on"), ibis.desc("income_year"))
    best_annual = _stage(stages, "income_best_annual", best_annual)
    fu = followups.filter(followups.followed_on.between(win.ref_start, win.cycle_end))
    fu = fu.select(
        "household_id",
        pc=fu.per_capita_income,
        income_year=ibis.null("int32"),
        income_source=ibis.literal(FOLLOWUP),
        income_on=fu.followed_on,
        is_annual=ibis.literal(0),
    )
    candidates = best_annual.select(
        "household_id", "pc", "income_year", "income_source", "income_on", is_annual=ibis.literal(1)
    ).union(fu)
    chosen = _first(
        candidates, ibis.desc("income_on"), ibis.desc("is_annual"), ibis.desc("income_year"), "pc"
    ).drop("is_annual")
    chosen = _stage(stages, "income_chosen", chosen)
    before = annual.join(
        chosen.select("household_id", c_on="income_on", c_year="income_year"), "household_id"
    )
    before = before.filter(
        (before.income_on < before.c_on)
        & (before.c_year.isnull() | (before.income_year != before.c_year))
    )
    prev = _first(before, ibis.desc("income_on"), ibis.desc("income_year")).select(
        "household_id", prev_pc="pc"
    )
    accounts = best_annual.select(
        "household_id",
        "medical_oop",
        "education_oop",
        annual_business="business",
    )
    out = chosen.left_join(accounts, "household_id").drop("household_id_right")
    return out.left_join(prev, "household_id").drop("household_id_right")


def _cause() -> ibis.Deferred:
    """The likely cause behind a low or falling income, from the household's members, its
    accounts, the medical feed and its guarantees (docs/rules.md, Risk types); ``other`` only
    when nothing points anywhere."""
    return ibis.cases(
        (_.any_ill | (_.medical_spend > _.education_oop), "illness"),
        (_.any_disabled, "disability"),
        ((_.education_oop > 0) | (_.dropouts > 0), "schooling"),
        (_.n_can_work == 0, "lack_of_labour"),
        (_.housing_unsafe, "housing"),
        (_.water_unsafe, "drinking_water"),
        (_.annual_business < 0, "industry_failure"),
        (_.n_migrant > 0, "unstable_employment"),
        else_="other",
    )


def _medical_feed(feed: ir.Table, joined: ir.Table, cycle: Cycle) -> ir.Table:
    """Compliant medical self-pay of the medical-insurance feed over the policy's window (every
    settlement: rigid expenditure), and the self-pay and number of the settlements the policy
    counts toward the medical thresholds (what ``dept.medical_bill`` reads), in one pass."""
    return _medical(feed, joined, cycle).select(
        "household_id",
        feed_medical_self_pay="self_pay_total",
        medical_self_pay_total="counted_total",
        medical_settlements="counted",
    )


def household_view(
    tables: dict[str, ir.Table],
    cycle: Cycle,
    medical: ir.Table | None = None,
    stages: Stages | None = None,
) -> ir.Table:
    """One row per household with features, the income that counts for the cycle, rigid
    expenditure and its policy's parameters. ``medical``: the medical-insurance feed (its
    compliant self-pay over the policy's window counts as rigid expenditure beside the
    registry's figure). ``stages``: where the relations read more than once go."""
    members = member_view(tables["members"], cycle)
    guar = (
        tables["guarantees"]
        .filter(_.year == cycle.year)
        .drop("year", "source", "source_ref", "as_of")
    )
    hh = tables["households"].select(
        "household_id", "village_code", "formerly_poor", "no_labour_household"
    )
    policy = tables["policy"]
    windows = hh.join(policy, hh.village_code == policy.region_code).select(
        "household_id", *MEDICAL_POLICY
    )
    aggregates = _stage(stages, "hh_members", _member_aggregates(members))
    joined = hh.join(aggregates, "household_id")
    income = _income_choice(
        tables["incomes"],
        tables["followups"],
        aggregates.select("household_id", "size"),
        window(cycle.period),
        stages,
    )
    extras = [income, guar]
    if medical is not None:
        extras.append(_medical_feed(medical, windows, cycle))
    for extra in extras:
        joined = joined.left_join(extra, "household_id").drop("household_id_right")
    if medical is None:
        joined = joined.mutate(
            feed_medical_self_pay=ibis.literal(0.0),
            medical_self_pay_total=ibis.null("float64"),
            medical_settlements=ibis.null("int64"),
        )
    medical_oop = joined.medical_oop.fill_null(0)
    feed_medical = joined.feed_medical_self_pay.fill_null(0)
    medical_spend = ibis.greatest(medical_oop, feed_medical)
    rigid = medical_spend + joined.education_oop.fill_null(0)
    joined = joined.mutate(
        has_income=joined.pc.notnull(),
        net=joined.pc * joined.size,
        medical_oop=medical_oop,
        education_oop=joined.education_oop.fill_null(0),
        feed_medical_self_pay=feed_medical,
        medical_spend=medical_spend,
        rigid=rigid,
        pc_after_rigid=joined.pc - rigid / joined.size,
        food_clothing_insecure=joined.food_clothing_insecure.fill_null(False),
        housing_unsafe=joined.housing_unsafe.fill_null(False),
        water_unsafe=joined.water_unsafe.fill_null(False),
    )
    # the policy's parameters last: the steps above carry only the household's own columns
    joined = joined.join(policy, joined.village_code == policy.region_code).drop("region_code")
    return joined.mutate(in_range=_.has_income & (_.pc < _.income_line), cause=_cause())


def _this_cycle(feed: ir.Table, cycle: Cycle) -> ir.Table:
    return feed.filter(feed.period_index == cycle.index)


# The policy's medical parameters the feed's aggregate reads: its window, and which kinds of
# settlement (the feed's 就诊类型) count toward the thresholds of ``dept.medical_bill``.
MEDICAL_POLICY = (
    "medical_window_months",
    "medical_inpatient",
    "medical_chronic_outpatient",
    "medical_outpatient",
)


def _medical(feed: ir.Table, base: ir.Table, cycle: Cycle) -> ir.Table:
    rows = feed.filter(feed.period_index.between(cycle.index - MAX_WINDOW + 1, cycle.index))
    rows = rows.join(base.select("household_id", *MEDICAL_POLICY), "household_id")
    rows = rows.filter(rows.period_index > cycle.index - rows.medical_window_months)
    counted = (
        ((rows.visit_type == "inpatient") & rows.medical_inpatient)
        | ((rows.visit_type == "chronic_outpatient") & rows.medical_chronic_outpatient)
        | ((rows.visit_type == "outpatient") & rows.medical_outpatient)
    ).fill_null(False)
    rows = rows.mutate(counted=counted)
    return rows.group_by("household_id").aggregate(
        self_pay_total=_.self_pay.sum(),
        counted_total=_.self_pay.sum(where=_.counted),
        counted=_.counted.sum(),
    )


def _civil_affairs(feed: ir.Table, base: ir.Table, cycle: Cycle) -> ir.Table:
    rows = _this_cycle(feed, cycle)
    rows = rows.filter((rows.change == "new") & rows.assistance_type.isin(("dibao", "tekun")))
    return rows.group_by("household_id").aggregate(
        new_tekun=(_.assistance_type == "tekun").any(), new_assistance_members=_.count()
    )


def _school_dropout(feed: ir.Table, base: ir.Table, cycle: Cycle) -> ir.Table:
    rows = _this_cycle(feed, cycle)
    rows = rows.filter((rows.event == "dropout") & rows.stage.isin(("primary", "junior")))
    return rows.group_by("household_id").aggregate(reported_dropouts=_.member_id.nunique())


def _education_cost(feed: ir.Table, base: ir.Table, cycle: Cycle) -> ir.Table:
    lo = cycle.index - EDUCATION_COST_WINDOW + 1
    rows = feed.filter(feed.period_index.between(lo, cycle.index) & (feed.event == "enrolled"))
    rows = rows.filter(~rows.stage.isin(("primary", "junior")))
    return rows.group_by("household_id").aggregate(education_self_pay_total=_.self_pay.sum())


def _job_loss(feed: ir.Table, base: ir.Table, members: ir.Table, cycle: Cycle) -> ir.Table:
    rows = _this_cycle(feed, cycle)
    rows = rows.filter(rows.event.isin(("unemployed", "contract_ended")))
    affected = members.semi_join(rows, "household_id")
    order = ibis.window(
        group_by="household_id",
        order_by=[
            ibis.desc(affected.can_work),
            ibis.desc(affected.migrant_months),
            ibis.desc(affected.relationship == "head"),
            affected.member_id,
        ],
    )
    ranked = affected.mutate(rank=ibis.row_number().over(order))
    earners = ranked.filter((ranked.rank == 0) & ranked.can_work).select("member_id")
    hit = rows.semi_join(earners, "member_id")
    return hit.group_by("household_id").aggregate(main_earner_id=_.member_id.min())


def _death_disability(
    security: ir.Table, disabled: ir.Table, members: ir.Table, cycle: Cycle
) -> ir.Table:
    events = _this_cycle(security, cycle)
    events = events.filter(events.event.isin(("death", "disabling_injury")))
    events = events.select("household_id", "member_id", code=(events.event == "death").ifelse(1, 2))
    certs = _this_cycle(disabled, cycle).select("household_id", "member_id", code=ibis.literal(3))
    working = members.filter(members.can_work).select("member_id")
    both = events.union(certs).semi_join(working, "member_id")
    order = ibis.window(group_by="household_id", order_by=[both.code, both.member_id])
    first = both.mutate(rank=ibis.row_number().over(order)).filter(_.rank == 0)
    return first.select("household_id", worker_event=_.code, affected_worker_id=_.member_id)


def _disaster(feed: ir.Table, base: ir.Table, cycle: Cycle) -> ir.Table:
    rows = _this_cycle(feed, cycle)
    damage = ibis.cases(*((rows.house_damage == k, v) for k, v in DAMAGE_RANK.items()), else_=0)
    rows = rows.mutate(damage_rank=damage)
    order = ibis.window(
        group_by="household_id", order_by=[ibis.desc(rows.loss), rows.disaster_type]
    )
    rows = rows.mutate(main_type=rows.disaster_type.first().over(order))
    return rows.group_by("household_id").aggregate(
        disaster_loss_total=_.loss.sum(),
        damage_rank=_.damage_rank.max(),
        disaster_type=_.main_type.first(),
    )


def _housing(feed: ir.Table, base: ir.Table, cycle: Cycle) -> ir.Table:
    rows = _this_cycle(feed, cycle)
    grade = ibis.cases(*((rows.grade == k, v) for k, v in GRADE_RANK.items()), else_=0)
    return rows.mutate(g=grade).group_by("household_id").aggregate(grade_rank=_.g.max())


def _water(feed: ir.Table, base: ir.Table, cycle: Cycle) -> ir.Table:
    rows = _this_cycle(feed, cycle)
    return rows.group_by("household_id").aggregate(water_reports=_.count())


FeedAggregate = Callable[[ir.Table, ir.Table, Cycle], ir.Table]

FEED_VIEWS: dict[str, tuple[str, FeedAggregate]] = {
    "civil_affairs": ("civil_affairs", _civil_affairs),
    "school_dropout": ("education", _school_dropout),
    "education_cost": ("education", _education_cost),
    "disaster": ("emergency", _disaster),
    "housing": ("housing", _housing),
    "water": ("water", _water),
}


def feed_views(
    base: ir.Table, feeds: dict[str, ir.Table], members: ir.Table, cycle: Cycle
) -> dict[str, ir.Table]:
    """Every feed view: the feed's per-household aggregate joined to the household view.

    The medical feed's aggregate is already in the household view (it counts as rigid
    expenditure): its view is the households with a settlement in the policy's window."""
    views = {
        name: build(feeds[feed], base, cycle).join(base, "household_id")
        for name, (feed, build) in FEED_VIEWS.items()
    }
    views["medical"] = base.filter(base.medical_settlements > 0).mutate(
        self_pay_total=base.medical_self_pay_total, settlements=base.medical_settlements
    )
    mv = member_view(members, cycle)
    views["job_loss"] = _job_loss(feeds["human_resources"], base, mv, cycle).join(
        base, "household_id"
    )
    views["death_disability"] = _death_disability(
        feeds["public_security"], feeds["disabled"], mv, cycle
    ).join(base, "household_id")
    return views


def family(risk: ir.StringValue) -> ir.StringValue:
    """What a risk type is covered as: every natural disaster is one (national code 02)."""
    return risk.startswith("disaster_").ifelse("disaster", risk)


def monitored_risks(households: ir.Table) -> ir.Table:
    """(household_id, risk_type) of the households the national system records as monitored
    and not yet eliminated: they are already under monitoring for these risks."""
    monitored = households.filter(
        households.monitoring_category.notnull() & households.risk_eliminated_on.isnull()
    )
    return monitored.select("household_id", risk_type=monitored.monitoring_risks.unnest())


def leads_view(hits: ir.Table, covered: ir.Table, households: ir.Table) -> ir.Table:
    """One lead per household with a hit whose risk (family) nothing covers yet: neither
    ``covered`` (open leads and cases) nor the registry's own monitoring."""
    cover = covered.union(monitored_risks(households).cast(covered.schema()))
    cover = cover.select("household_id", family=family(cover.risk_type))
    keyed = hits.mutate(family=family(hits.risk_type))
    new = keyed.anti_join(cover, ["household_id", "family"]).select("household_id").distinct()
    raised = hits.semi_join(new, "household_id")
    category = ibis.cases(
        (raised.in_range & raised.formerly_poor, "unstable"),
        (raised.in_range, "marginal"),
        else_="sudden",
    )
    return (
        raised.mutate(category=category)
        .group_by("household_id")
        .aggregate(
            village_code=raised.village_code.arbitrary(),
            category=_.category.arbitrary(),
            risk_types=raised.risk_type.collect(distinct=True),
            rule_ids=raised.rule_id.collect(distinct=True),
            hits=raised.rule_id.count(),
            pc_net_income=raised.pc.arbitrary(),
            policy_ref=raised.policy_ref.arbitrary(),
        )
    )
