"""Department feeds (部门数据) of a panel, written as the departments send them.

Every feed of ``ingest.catalogue`` gets one file per month, ``<out_dir>/<period>/<feed>.<ext>``,
with the catalogue's headers, the departments' own wording for coded values, dates as
YYYY-MM-DD, amounts with two decimals and the feed's ``sample_format``. Medical and
employment rows include a small share of people who are not in the registry (urban residents,
people of other provinces) with valid ID numbers, so matching has something to report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bottomline.ingest.catalogue import FEEDS, Feed
from bottomline.registry.divisions import counties_of
from bottomline.synth import medical
from bottomline.synth.identity import id_text
from bottomline.synth.names import PLACE_CHARS, given_names, person_names, surnames
from bottomline.synth.panel import Events, Panel
from bottomline.synth.population import Population, Progress
from bottomline.synth.regions import scope_name
from bottomline.synth.streams import pick, stream
from bottomline.synth.strings import join, number_text, take, yuan_decimal
from bottomline.synth.writers import write_csv, write_xlsx

OUTSIDER_SHARE = 0.005  # rows for people not in the registry (medical, employment)
OUTSIDER_PROVINCES = ("510000000000", "440000000000", "450000000000")
TITLES = {
    "education": "学生资助及辍学情况",
    "emergency": "自然灾害受灾户统计",
    "housing": "房屋安全鉴定结果",
}
Rows = Callable[[Panel, int], Iterator[dict[str, pa.Array]]]


def coded(feed: Feed, column: str, index: np.ndarray) -> pa.Array:
    """The department's wording for coded values given as indices into the column's codes."""
    return take(list(feed.column(column).codes), index)


def dates(panel: Panel, month: int, day: np.ndarray) -> pa.Array:
    start = panel.month_start(month).astype(np.int64)
    return pa.array((start + day).astype(np.int32), pa.date32())


def person_fields(panel: Panel, person: np.ndarray) -> dict[str, pa.Array]:
    index = pa.array(person.astype(np.int64))
    return {"id_number": panel.people.id_number.take(index), "name": panel.people.name.take(index)}


def head_fields(panel: Panel, household: np.ndarray) -> dict[str, pa.Array]:
    return person_fields(panel, panel.people.head[household])


def in_month(events: Events, month: int) -> Events:
    rows = events["month"] == month
    return {k: v[rows] for k, v in events.items()}


def outsider_fields(rng: np.random.Generator, n: int, panel: Panel) -> dict[str, pa.Array]:
    """Valid ID numbers and names of people of other provinces (never in the registry)."""
    home = panel.people.places.provinces
    pool = [c.code[:6] for p in OUTSIDER_PROVINCES if p[:2] not in home for c in counties_of(p)]
    region = np.array([int(code) for code in pool])[rng.integers(0, len(pool), n)]
    birth = np.datetime64("2005-01-01") - rng.integers(0, 30000, n).astype("timedelta64[D]")
    male = rng.random(n) < 0.5
    sequence = rng.integers(0, 499, n) * 2 + np.where(male, 1, 2)
    year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    name = person_names(surnames(rng, n), given_names(rng, male, year))
    return {"id_number": id_text(region, birth, sequence), "name": name}


def medical_rows(panel: Panel, month: int) -> Iterator[dict[str, pa.Array]]:
    feed = FEEDS["medical"]
    stays = in_month(panel.events["inpatient"], month)
    yield _settlements(panel, month, stays, feed)
    for start in medical.chunks(panel):
        yield _settlements(panel, month, medical.outpatient_visits(panel, month, start), feed)
    yield _outsider_settlements(panel, month, feed)


def _settlements(panel: Panel, month: int, visits: Events, feed: Feed) -> dict[str, pa.Array]:
    return (
        person_fields(panel, visits["person"])
        | _settlement_values(panel, month, visits, feed)
        | {
            "institution": _institutions(panel, month, visits),
        }
    )


def _settlement_values(panel: Panel, month: int, visits: Events, feed: Feed) -> dict[str, pa.Array]:
    return {
        "settle_date": dates(panel, month, visits["day"]),
        "visit_type": coded(feed, "visit_type", visits["kind"]),
        "total_cost": yuan_decimal(visits["total"]),
        "basic_paid": yuan_decimal(visits["basic"]),
        "serious_paid": yuan_decimal(visits["serious"]),
        "assistance_paid": yuan_decimal(visits["assistance"]),
        "self_pay": yuan_decimal(visits["self_pay"]),
    }


def _institutions(panel: Panel, month: int, visits: Events) -> pa.Array:
    """Village clinic, township health centre or county hospital, by visit type."""
    places = panel.people.places
    village = panel.people.village[panel.people.household[visits["person"]]]
    town = places.village_township[village]
    county = places.township_county[town]
    first = int(visits["person"][0]) if len(village) else 0
    rng = stream(panel.seed, "institutions", month, first, len(village))
    level = np.where(
        visits["kind"] == medical.INPATIENT,
        2 + (rng.random(len(village)) < 0.3),
        pick(rng, (0.35, 0.5, 0.15), len(village)),
    )
    names = [places.village_names, places.township_names, places.county_names, places.county_names]
    offsets = np.cumsum([0] + [len(n) for n in names[:-1]])
    own = np.choose(level.clip(0, 3), [village, town, county, county]) + offsets[level]
    suffix = take(["卫生室", "卫生院", "人民医院", "中医医院"], level)
    return join(pa.concat_arrays(names).take(pa.array(own)), suffix)


def _outsider_settlements(panel: Panel, month: int, feed: Feed) -> dict[str, pa.Array]:
    rng = stream(panel.seed, "outsiders", "medical", month)
    n = int(panel.people.count * 1.2 * OUTSIDER_SHARE)
    kind = np.where(rng.random(n) < 0.05, medical.INPATIENT, medical.OUTPATIENT).astype(np.int8)
    total = np.rint(rng.lognormal(np.log(150), 1.0, n) * 100).astype(np.int64)
    visits = medical.split_costs(rng, total, kind, np.ones(n, bool), np.zeros(n))
    visits.update(kind=kind, day=rng.integers(0, 28, n))
    hospital = take(
        list(panel.people.places.county_names.to_pylist()),
        rng.integers(0, len(panel.people.places.county_names), n),
    )
    return (
        outsider_fields(rng, n, panel)
        | _settlement_values(panel, month, visits, feed)
        | {"institution": join(hospital, "人民医院")}
    )


def civil_affairs_rows(panel: Panel, month: int) -> Iterator[dict[str, pa.Array]]:
    """The roll: every current 低保/特困 person as 续保, plus this month's 新增, 停保 and 临时救助."""
    feed = FEEDS["civil_affairs"]
    roll = panel.roll
    state = roll.state_at(month)
    change = np.where(roll.new_month[panel.people.household] == month, 0, 1)
    stopped = (roll.stop_month[panel.people.household] == month) & panel.people.dibao
    on = np.flatnonzero((state > 0) | stopped)
    change = np.where(stopped[on], 2, change[on])
    kind = np.where(state[on] == 2, 1, 0)
    amount = np.where(kind == 1, roll.tekun_amount[on], roll.dibao_amount[on])
    start = np.where(
        change == 0,
        panel.month_start(month).astype(np.int64),
        roll.since[panel.people.household[on]],
    )
    yield person_fields(panel, on) | {
        "assistance_type": coded(feed, "assistance_type", kind),
        "change": coded(feed, "change", change),
        "start_date": pa.array(start.astype(np.int32), pa.date32()),
        "amount": yuan_decimal(amount * 100),
    }
    yield _temporary_assistance(panel, month, feed)


def _temporary_assistance(panel: Panel, month: int, feed: Feed) -> dict[str, pa.Array]:
    """One-off 临时救助 for households whose house was severely damaged last month."""
    hit = in_month(panel.events["disasters"], month - 1)
    households = hit["household"][hit["damage"] >= 2]
    rng = stream(panel.seed, "temporary", month)
    amount = np.rint(1000 + 4000 * rng.random(len(households))).astype(np.int64) * 100
    n = len(households)
    return head_fields(panel, households) | {
        "assistance_type": coded(feed, "assistance_type", np.full(n, 3)),
        "change": coded(feed, "change", np.zeros(n, np.int64)),
        "start_date": dates(panel, month, rng.integers(0, 28, n)),
        "amount": yuan_decimal(amount),
    }


def education_rows(panel: Panel, month: int) -> Iterator[dict[str, pa.Array]]:
    feed = FEEDS["education"]
    rows = in_month(panel.events["school"], month)
    fee = yuan_decimal(rows["self_pay"])
    yield person_fields(panel, rows["person"]) | {
        "stage": coded(feed, "stage", rows["stage"]),
        "event": coded(feed, "event", rows["event"]),
        "event_date": dates(panel, month, rows["day"]),
        "self_pay": pc.if_else(pa.array(rows["event"] == 0), pa.scalar(None, fee.type), fee),
    }


def human_resources_rows(panel: Panel, month: int) -> Iterator[dict[str, pa.Array]]:
    feed = FEEDS["human_resources"]
    rows = in_month(panel.events["jobs"], month)
    rng = stream(panel.seed, "employers", month)
    yield person_fields(panel, rows["person"]) | {
        "event": coded(feed, "event", rows["event"]),
        "event_date": dates(panel, month, rows["day"]),
        "employer": employers(rng, len(rows["person"])),
    }
    n = int(len(rows["person"]) * OUTSIDER_SHARE) + 1
    yield outsider_fields(rng, n, panel) | {
        "event": coded(feed, "event", rng.integers(0, 3, n)),
        "event_date": dates(panel, month, rng.integers(0, 28, n)),
        "employer": employers(rng, n),
    }


def employers(rng: np.random.Generator, n: int) -> pa.Array:
    """Made-up company names (单位名称)."""
    chars = list(PLACE_CHARS)
    kinds = [
        "电子有限公司",
        "建筑工程有限公司",
        "服装厂",
        "物流有限公司",
        "餐饮管理有限公司",
        "食品有限公司",
    ]
    first, second = rng.integers(0, len(chars), n), rng.integers(0, len(chars), n)
    return join(
        take(chars, first), take(chars, second), take(kinds, rng.integers(0, len(kinds), n))
    )


def emergency_rows(panel: Panel, month: int) -> Iterator[dict[str, pa.Array]]:
    feed = FEEDS["emergency"]
    rows = in_month(panel.events["disasters"], month)
    yield head_fields(panel, rows["household"]) | {
        "disaster_type": coded(feed, "disaster_type", rows["kind"]),
        "event_date": dates(panel, month, rows["day"]),
        "loss": yuan_decimal(rows["loss"]),
        "house_damage": coded(feed, "house_damage", rows["damage"]),
    }


def public_security_rows(panel: Panel, month: int) -> Iterator[dict[str, pa.Array]]:
    feed = FEEDS["public_security"]
    for name in ("deaths", "injuries"):
        rows = in_month(panel.events[name], month)
        yield person_fields(panel, rows["person"]) | {
            "event": coded(feed, "event", rows["event"]),
            "event_date": dates(panel, month, rows["day"]),
            "cause": coded(feed, "cause", rows["cause"]),
        }


def housing_rows(panel: Panel, month: int) -> Iterator[dict[str, pa.Array]]:
    feed = FEEDS["housing"]
    rows = in_month(panel.events["housing"], month)
    yield head_fields(panel, rows["household"]) | {
        "appraisal_date": dates(panel, month, rows["day"]),
        "grade": coded(feed, "grade", rows["grade"]),
    }


def water_rows(panel: Panel, month: int) -> Iterator[dict[str, pa.Array]]:
    feed = FEEDS["water"]
    rows = in_month(panel.events["water"], month)
    yield head_fields(panel, rows["household"]) | {
        "problem": coded(feed, "problem", rows["problem"]),
        "found_date": dates(panel, month, rows["day"]),
    }


def disabled_rows(panel: Panel, month: int) -> Iterator[dict[str, pa.Array]]:
    feed = FEEDS["disabled"]
    rows = in_month(panel.events["certificates"], month)
    person = person_fields(panel, rows["person"])
    number = join(person["id_number"], number_text(rows["category"]), number_text(rows["grade"]))
    yield person | {
        "certificate_no": number,
        "category": coded(feed, "category", rows["category"] - 1),
        "grade": coded(feed, "grade", rows["grade"] - 1),
        "issue_date": dates(panel, month, rows["day"]),
    }


ROWS: dict[str, Rows] = {
    "medical": medical_rows,
    "civil_affairs": civil_affairs_rows,
    "education": education_rows,
    "human_resources": human_resources_rows,
    "emergency": emergency_rows,
    "public_security": public_security_rows,
    "housing": housing_rows,
    "water": water_rows,
    "disabled": disabled_rows,
}


def _tables(feed: Feed, parts: Iterator[dict[str, pa.Array]]) -> Iterator[pa.Table]:
    """Chunks with the department headers, in the catalogue's column order."""
    names = [c.name for c in feed.columns]
    headers = [c.header for c in feed.columns]
    for part in parts:
        yield pa.table([part[name] for name in names], names=headers)


def write_feed(panel: Panel, feed: Feed, month: int, path_dir: Path, title_scope: str) -> Path:
    parts = _tables(feed, ROWS[feed.name](panel, month))
    headers = [c.header for c in feed.columns]
    if feed.sample_format == "xlsx":
        path = path_dir / f"{feed.name}.xlsx"
        period = panel.periods[month]
        title = f"{title_scope}{period[:4]}年{int(period[5:])}月{TITLES.get(feed.name, feed.zh)}"
        write_xlsx(parts, path, headers, title)
    else:
        path = path_dir / f"{feed.name}.csv"
        write_csv(parts, path, headers, feed.sample_format)
    return path


def write_feeds(
    panel: Panel, pop: Population, out_dir: Path, *, progress: Progress | None = None
) -> list[Path]:
    """Write every feed for every month of the panel; returns the files written."""
    scope = scope_name(pop.county_codes)
    written = []
    steps = panel.months * len(FEEDS)
    for month, period in enumerate(panel.periods):
        folder = out_dir / period
        folder.mkdir(parents=True, exist_ok=True)
        for feed in FEEDS.values():
            written.append(write_feed(panel, feed, month, folder, scope))
            if progress is not None:
                progress(f"{period} {feed.name}", len(written) / steps)
    return written
