"""Check one chunk of department rows against its feed's schema, column by column, vectorised.

Every check is an Arrow compute or numpy operation over the whole chunk: no Python loop runs
per row except to word the reason of a rejected ID number. A problem is recorded as (column,
reason, mask of rows); a row with any problem is rejected, and every problem it has is
reported, so the department can fix the row in one go.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bottomline.errors import InputFileError
from bottomline.ids import valid_id_mask
from bottomline.ingest.catalogue import EARLIEST_DATE, Feed, FeedColumn
from bottomline.ingest.enums import RejectReason
from bottomline.sources import Source, normalise_header

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d")
_NUMBER = r"^\d+(\.\d+)?$"
_NULL_TEXT = pa.scalar(None, pa.string())


@dataclass(slots=True)
class Problem:
    column: str  # canonical column name
    reason: RejectReason
    rows: np.ndarray  # bool mask over the chunk
    detail_zh: str = ""
    detail_en: str = ""


@dataclass(slots=True)
class Checked:
    values: dict[str, pa.Array]  # canonical name → typed values (null where empty or bad)
    rejected: np.ndarray  # bool mask: rows with at least one problem
    problems: list[Problem] = field(default_factory=list)


def map_headers(source: Source, feed: Feed) -> tuple[dict[str, str], list[str]]:
    """Canonical column → the file's column, and the file's columns the feed does not use.

    InputFileError when a required column is missing or two of the file's columns claim the
    same one.
    """
    present = {normalise_header(h): h for h in source.header}
    mapping: dict[str, str] = {}
    missing: list[str] = []
    for col in feed.columns:
        found = [present[n] for n in _names(col) if n in present]
        if len(set(found)) > 1:
            raise InputFileError(
                f"{source.name}：列 {'、'.join(sorted(set(found)))} 都是“{col.header}” / "
                f"{source.name}: columns {sorted(set(found))} all mean {col.header}",
                hint="保留其中一列，删除其余 / keep one of them and delete the others",
            )
        if found:
            mapping[col.name] = found[0]
        elif col.required:
            missing.append(col.header)
    if missing:
        raise InputFileError(
            f"{source.name}：{feed.zh}数据缺少列 {'、'.join(missing)}，文件的列为 "
            f"{'、'.join(source.header)} / {source.name}: the {feed.label} feed needs the columns "
            f"{'、'.join(missing)}; the file has {'、'.join(source.header)}",
            hint="把列名改为这些表头（docs/feeds.md 列出可用的名称）；跨两行的合并表头须合为一行 / "
            "rename the columns to these headers (docs/feeds.md lists the accepted names); a "
            "header that spans two rows of merged cells must be made one row",
        )
    used = set(mapping.values())
    return mapping, [h for h in source.header if h not in used]


def _names(col: FeedColumn) -> list[str]:
    return list(dict.fromkeys(normalise_header(n) for n in (col.header, *col.aliases, col.name)))


def check_chunk(
    table: pa.Table, feed: Feed, mapping: dict[str, str], *, latest: dt.date
) -> Checked:
    """Typed values and problems of one chunk; dates must lie in [1950-01-01, latest]."""
    n = table.num_rows
    checked = Checked(values={}, rejected=np.zeros(n, dtype=bool))
    for col in feed.columns:
        raw = _one(table[mapping[col.name]]) if col.name in mapping else pa.nulls(n, pa.string())
        text = pc.utf8_trim_whitespace(pc.fill_null(raw, "") if raw.null_count else raw)
        empty = pc.equal(text, "").to_numpy(zero_copy_only=False)
        values = _convert(col, text, empty, checked, latest)
        if col.required:
            _add(checked, col, RejectReason.missing, empty)
        checked.values[col.name] = values
    return checked


def _one(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _add(
    checked: Checked,
    col: FeedColumn,
    reason: RejectReason,
    mask: np.ndarray,
    detail: tuple[str, str] = ("", ""),
) -> None:
    if mask.any():
        checked.problems.append(Problem(col.name, reason, mask, *detail))
        checked.rejected |= mask


def _convert(
    col: FeedColumn, text: pa.Array, empty: np.ndarray, checked: Checked, latest: dt.date
) -> pa.Array:
    longest = pc.max(pc.binary_length(text)).as_py() or 0
    if longest > col.max_length:  # bytes ≥ characters: only then count characters
        too_long = pc.greater(pc.utf8_length(text), col.max_length)
        _add(
            checked,
            col,
            RejectReason.too_long,
            too_long.to_numpy(zero_copy_only=False),
            _limit(col),
        )
    if col.name == "id_number":
        return _id_numbers(col, text, empty, checked)
    if col.codes:
        return _codes(col, text, empty, checked)
    if col.type == "date":
        return _dates(col, text, empty, checked, latest)
    if col.type in ("float", "int"):
        return _numbers(col, text, empty, checked)
    return pc.if_else(pa.array(empty), pa.scalar(None, pa.string()), text)


def _limit(col: FeedColumn) -> tuple[str, str]:
    return f"最多 {col.max_length} 个字符", f"at most {col.max_length} characters"


def _id_numbers(col: FeedColumn, text: pa.Array, empty: np.ndarray, checked: Checked) -> pa.Array:
    upper = pc.utf8_upper(text)  # a lower-case x check character is common and harmless
    ok = valid_id_mask(upper)
    if not ok.all():
        # Full-width digits and stray spaces from word processors: normalise, check again.
        fixed = pc.utf8_upper(pc.replace_substring(pc.utf8_normalize(text, "NFKC"), " ", ""))
        again = valid_id_mask(fixed)
        upper = pc.if_else(pa.array(again & ~ok), fixed, upper)
        ok |= again
    _add(checked, col, RejectReason.bad_id, ~ok & ~empty)
    return pc.if_else(pa.array(ok), upper, pa.scalar(None, pa.string()))


def _codes(col: FeedColumn, text: pa.Array, empty: np.ndarray, checked: Checked) -> pa.Array:
    wording = list(col.codes) + sorted(set(col.codes.values()))
    codes = list(col.codes.values()) + sorted(set(col.codes.values()))
    idx = pc.index_in(text, value_set=pa.array(wording, pa.string()))
    values = pc.take(pa.array(codes, pa.string()), idx)
    allowed = "、".join(col.codes)
    bad = pc.is_null(idx).to_numpy(zero_copy_only=False) & ~empty
    _add(checked, col, RejectReason.bad_code, bad, (f"可选：{allowed}", f"allowed: {allowed}"))
    return values


def _dates(
    col: FeedColumn, text: pa.Array, empty: np.ndarray, checked: Checked, latest: dt.date
) -> pa.Array:
    values = _iso_dates(text, empty)
    if values is None:  # some cells are not ISO dates: the other forms, on those cells only
        values = _any_dates(text, empty)
    bad = pc.is_null(values).to_numpy(zero_copy_only=False) & ~empty
    _add(checked, col, RejectReason.bad_date, bad)
    earliest = dt.date.fromisoformat(EARLIEST_DATE)
    outside = pc.or_(pc.less(values, earliest), pc.greater(values, latest))
    out = pc.fill_null(outside, False).to_numpy(zero_copy_only=False)
    span = (f"应在 {earliest} 至 {latest} 之间", f"must lie between {earliest} and {latest}")
    _add(checked, col, RejectReason.date_out_of_range, out, span)
    return pc.if_else(pa.array(bad | out), pa.scalar(None, pa.date32()), values)


def _iso_dates(text: pa.Array, empty: np.ndarray) -> pa.Array | None:
    """The fast path: every non-empty cell a YYYY-MM-DD date (None when one is not)."""
    try:
        return pc.cast(_nulled(text, empty), pa.date32())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


_DATE_PARTS = r"^(?P<y>\d{4})[-/.]?(?P<m>\d{1,2})[-/.]?(?P<d>\d{1,2})$"
_TIME_OF_DAY = r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$"  # 2025-10-03 14:30:00 from a spreadsheet


def _any_dates(text: pa.Array, empty: np.ndarray) -> pa.Array:
    """Dates in every accepted form; impossible dates (2025-02-30) are null, never rolled over."""
    text = pc.replace_substring_regex(text, _TIME_OF_DAY, "")
    parsed = pc.cast(
        pc.strptime(text, format=DATE_FORMATS[0], unit="s", error_is_null=True), pa.date32()
    )
    for fmt in DATE_FORMATS[1:]:
        todo = pc.is_null(parsed).to_numpy(zero_copy_only=False) & ~empty
        if not todo.any():
            break
        rest = pc.strptime(
            pc.filter(text, pa.array(todo)), format=fmt, unit="s", error_is_null=True
        )
        parsed = pc.replace_with_mask(parsed, pa.array(todo), pc.cast(rest, pa.date32()))
    parts = pc.extract_regex(text, _DATE_PARTS)
    same = pc.and_(
        pc.and_(
            pc.equal(pc.cast(pc.struct_field(parts, "y"), pa.int64()), pc.year(parsed)),
            pc.equal(pc.cast(pc.struct_field(parts, "m"), pa.int64()), pc.month(parsed)),
        ),
        pc.equal(pc.cast(pc.struct_field(parts, "d"), pa.int64()), pc.day(parsed)),
    )
    return pc.if_else(pc.fill_null(same, False), parsed, pa.scalar(None, pa.date32()))


def _nulled(text: pa.Array, empty: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(empty), pa.scalar(None, pa.string()), text) if empty.any() else text


def _numbers(col: FeedColumn, text: pa.Array, empty: np.ndarray, checked: Checked) -> pa.Array:
    """Plain non-negative numbers (``1234.5``, ``1,234.50``); each cell judged on its own."""
    if pc.any(pc.match_substring(text, ",")).as_py():
        text = pc.replace_substring(text, ",", "")  # 1,234.50 as spreadsheets format it
    pattern = _NUMBER if col.type == "float" else r"^\d+$"
    ok = pc.match_substring_regex(text, pattern).to_numpy(zero_copy_only=False)
    _add(checked, col, RejectReason.bad_number, ~ok & ~empty)
    kind = pa.float64() if col.type == "float" else pa.int64()
    values = pc.cast(text if ok.all() else pc.if_else(pa.array(ok), text, _NULL_TEXT), kind)
    if col.maximum is not None and (pc.max(values).as_py() or 0) > col.maximum:
        high = pc.fill_null(pc.greater(values, col.maximum), False).to_numpy(zero_copy_only=False)
        limit = f"{col.maximum:,.0f}"
        _add(checked, col, RejectReason.implausible, high, (f"不超过 {limit}", f"at most {limit}"))
        values = pc.if_else(pa.array(high), pa.scalar(None, kind), values)
    return values
