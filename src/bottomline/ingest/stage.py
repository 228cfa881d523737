"""Stage one department file: read → map headers → validate → match persons → Parquet.

This is the foundation's minimal importer (issue 3 builds the full ingest on it: rejects files,
batches, idempotency). It already keeps the invariant that matters: every row of the file ends
accepted, rejected (with a reason) or unmatched, and the counts add up to the rows read.

Reading: CSV in UTF-8, UTF-8 with BOM or GB18030 (detected), and XLSX (a title row above the
header is skipped; every sheet with the same header is read).
"""

from __future__ import annotations

import csv
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from bottomline.errors import InputFileError
from bottomline.ids import valid_id_mask
from bottomline.ingest.catalogue import FEEDS, Feed, FeedColumn, period_index, staged_schema

log = logging.getLogger(__name__)

_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d")
_NUMBER = r"^\s*\d+(\.\d+)?\s*$"
_HEADER_SCAN_ROWS = 10


@dataclass(slots=True)
class StageReport:
    feed: str
    period: str
    source: str
    rows_in: int = 0
    accepted: int = 0
    unmatched: int = 0
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    output: Path | None = None

    @property
    def balanced(self) -> bool:
        return self.accepted + self.rejected + self.unmatched == self.rows_in


def parse_period(value: str) -> str:
    """Check a ``YYYY-MM`` period and return it; a clear error otherwise."""
    ok = len(value) == 7 and value[4] == "-" and value[:4].isdigit() and value[5:].isdigit()
    if not ok or not 1 <= int(value[5:]) <= 12 or not 2000 <= int(value[:4]) <= 2100:
        raise InputFileError(
            f"period {value!r} is not a month like 2025-10",
            hint="give the period as YYYY-MM, e.g. --period 2025-10",
        )
    return value


def feed_named(name: str) -> Feed:
    feed = FEEDS.get(name)
    if feed is None:
        raise InputFileError(
            f"unknown feed {name!r}", hint=f"choose one of: {', '.join(sorted(FEEDS))}"
        )
    return feed


def _sniff_encoding(path: Path) -> str:
    head = path.read_bytes()[: 1 << 16]
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as err:
        if err.start < len(head) - 4:  # not just a character cut at the sample's end
            return "gb18030"
    return "utf-8"


def _csv_header(path: Path, encoding: str) -> list[str]:
    with path.open(encoding=encoding, newline="") as fh:
        first = next(csv.reader(fh), None)
    if not first:
        raise InputFileError(
            f"{path.name} is empty", hint="send a file with a header row and data rows"
        )
    return [n.lstrip("\ufeff").strip() for n in first]


def _read_csv(path: Path) -> pa.Table:
    encoding = _sniff_encoding(path)
    names = _csv_header(path, encoding)
    read = pcsv.ReadOptions(
        encoding="utf8" if encoding.startswith("utf-8") else encoding,
        block_size=1 << 24,
        skip_rows=1,
        column_names=names,
    )
    convert = pcsv.ConvertOptions(
        column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
    )
    return pcsv.read_csv(path, read_options=read, convert_options=convert)


def _header_row(rows: list[tuple[object, ...]], feed: Feed) -> int | None:
    wanted = {h for c in feed.columns for h in (c.header, *c.aliases)}
    for i, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        cells = {str(v).strip() for v in row if v is not None}
        if len(cells & wanted) >= max(2, len([c for c in feed.columns if c.required]) // 2):
            return i
    return None


def _read_xlsx(path: Path, feed: Feed) -> pa.Table:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    parts: list[pa.Table] = []
    for sheet in workbook.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        at = _header_row(rows, feed)
        if at is None:
            continue
        header = [str(v).strip() if v is not None else f"_col{i}" for i, v in enumerate(rows[at])]
        body = [r for r in rows[at + 1 :] if any(v not in (None, "") for v in r)]
        cols = list(zip(*body, strict=False)) if body else [()] * len(header)
        parts.append(
            pa.table(
                {
                    h: pa.array([_cell(v) for v in col], pa.string())
                    for h, col in zip(header, cols, strict=False)
                }
            )
        )
    workbook.close()
    if not parts:
        raise InputFileError(
            f"{path.name}: no sheet has the header of the {feed.label} feed",
            hint=f"the header row must contain: {', '.join(c.header for c in feed.columns if c.required)}",
        )
    return pa.concat_tables(parts, promote_options="permissive")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")  # type: ignore[union-attr]
    return str(value)


def read_department_file(path: Path, feed: Feed) -> pa.Table:
    """All cells as strings, with the file's own headers."""
    if not path.is_file():
        raise InputFileError(f"file not found: {path}", hint="check the path and try again")
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            return _read_xlsx(path, feed)
        if suffix in (".csv", ".txt"):
            return _read_csv(path)
    except (pa.ArrowInvalid, UnicodeDecodeError, OSError, ValueError, KeyError) as err:
        raise InputFileError(
            f"{path.name} could not be read as {suffix[1:].upper()}: {str(err).splitlines()[0]}",
            hint="send the file as CSV (UTF-8 or GB18030) or XLSX with one header row",
        ) from err
    raise InputFileError(f"{path.name}: unsupported file type {suffix!r}", hint="send CSV or XLSX")


def _map_headers(table: pa.Table, feed: Feed, path: Path) -> dict[str, str]:
    present = set(table.schema.names)
    mapping, missing = {}, []
    for col in feed.columns:
        found = next((h for h in (col.header, *col.aliases) if h in present), None)
        if found is not None:
            mapping[col.name] = found
        elif col.required:
            missing.append(col.header)
    if missing:
        raise InputFileError(
            f"{path.name}: the {feed.label} feed needs columns {missing}; "
            f"the file has {sorted(present)}",
            hint="rename the columns to the headers above (see docs/feeds.md)",
        )
    return mapping


def _convert(col: FeedColumn, raw: pa.Array) -> tuple[pa.Array, np.ndarray, str]:
    """Typed values, a mask of bad cells, and the reason for them."""
    text = pc.utf8_trim_whitespace(raw)
    empty = pc.equal(text, "").to_numpy(zero_copy_only=False)
    if col.codes:
        keys = pa.array(list(col.codes), pa.string())
        idx = pc.index_in(text, value_set=keys)
        values = pc.take(pa.array(list(col.codes.values()), pa.string()), idx)
        bad = pc.is_null(idx).to_numpy(zero_copy_only=False) & ~empty
        return values, bad, f"unknown code in {col.header}"
    if col.type == "date":
        parsed = [pc.strptime(text, format=f, unit="s", error_is_null=True) for f in _DATE_FORMATS]
        values = pc.cast(pc.coalesce(*parsed), pa.date32())
        return (
            values,
            pc.is_null(values).to_numpy(zero_copy_only=False) & ~empty,
            f"bad date in {col.header}",
        )
    if col.type in ("float", "int"):
        ok = pc.match_substring_regex(text, _NUMBER)
        values = pc.cast(
            pc.if_else(ok, text, None), pa.float64() if col.type == "float" else pa.int64()
        )
        return (
            values,
            ~ok.to_numpy(zero_copy_only=False) & ~empty,
            f"not a non-negative number in {col.header}",
        )
    return pc.if_else(pc.equal(text, ""), None, text), np.zeros(len(raw), bool), ""


def _validate(
    table: pa.Table, feed: Feed, mapping: dict[str, str]
) -> tuple[dict[str, pa.Array], np.ndarray, Counter[str]]:
    n = table.num_rows
    reasons: Counter[str] = Counter()
    rejected = np.zeros(n, dtype=bool)
    out: dict[str, pa.Array] = {}
    for col in feed.columns:
        raw = (
            table[mapping[col.name]].combine_chunks()
            if col.name in mapping
            else pa.nulls(n, pa.string())
        )
        values, bad, why = _convert(col, pc.fill_null(raw, ""))
        if col.required:
            missing = pc.is_null(values).to_numpy(zero_copy_only=False) & ~bad
            _reject(missing, rejected, reasons, f"missing {col.header}")
        _reject(bad, rejected, reasons, why)
        out[col.name] = values
    _reject(
        ~valid_id_mask(out["id_number"]) & ~rejected,
        rejected,
        reasons,
        "invalid ID number (GB 11643)",
    )
    return out, rejected, reasons


def _reject(mask: np.ndarray, rejected: np.ndarray, reasons: Counter[str], why: str) -> None:
    new = mask & ~rejected
    if new.any():
        reasons[why] += int(new.sum())
        rejected |= new


def stage_feed(
    path: Path, *, feed: str, period: str, members: pa.Table, out_dir: Path
) -> StageReport:
    """Stage ``path`` as ``feed`` for ``period``; ``members`` maps id_number → member_id, household_id.

    Writes ``<out_dir>/<feed>/<period>.parquet`` (replacing an earlier staging of that period).
    """
    spec, period = feed_named(feed), parse_period(period)
    table = read_department_file(path, spec)
    report = StageReport(feed=feed, period=period, source=path.name, rows_in=table.num_rows)
    mapping = _map_headers(table, spec, path)
    values, rejected, reasons = _validate(table, spec, mapping)
    report.reasons = reasons
    report.rejected = int(rejected.sum())
    keep = pa.array(~rejected)
    rows = pa.table({k: pc.filter(v, keep) for k, v in values.items()}).append_column(
        "source_row", pc.filter(pa.array(np.arange(1, table.num_rows + 1, dtype=np.int64)), keep)
    )
    matched = rows.join(
        members.select(["id_number", "member_id", "household_id"]), "id_number", join_type="inner"
    )
    report.unmatched = rows.num_rows - matched.num_rows
    report.accepted = matched.num_rows
    staged = _finish(matched, spec, period, path)
    target = out_dir / feed / f"{period}.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".parquet.tmp")
    pq.write_table(staged, tmp)
    tmp.replace(target)
    report.output = target
    log.info(
        "staged feed=%s period=%s rows_in=%d accepted=%d rejected=%d unmatched=%d",
        feed,
        period,
        report.rows_in,
        report.accepted,
        report.rejected,
        report.unmatched,
    )
    return report


def _finish(matched: pa.Table, feed: Feed, period: str, path: Path) -> pa.Table:
    n = matched.num_rows
    extra = {
        "period": pa.array([period] * n, pa.string()) if n else pa.array([], pa.string()),
        "period_index": pa.array(np.full(n, period_index(period), dtype=np.int32)),
        "source_file": pa.array([path.name] * n, pa.string()) if n else pa.array([], pa.string()),
    }
    for name, arr in extra.items():
        matched = matched.append_column(name, arr)
    schema = staged_schema(feed)
    return matched.select(schema.names).cast(schema).sort_by("source_row")
