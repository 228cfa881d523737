"""The "plain pandas" baseline of a department-feed import: read, validate, merge, write.

What a competent pandas user would write for the job ``bottomline.ingest.actions.import_feed``
does: ``pandas.read_csv`` of the whole file (every cell as text), the feed's rules as
vectorised pandas/numpy column operations (no Python loop per row), a merge with the registry
members on the ID number, exact duplicate rows dropped, and the accepted rows written to
Parquet. The whole file is held in memory at once: that is how pandas works, and the
benchmark measures what it costs.

The rules are those of ``bottomline.ingest.validate`` written out again (the column
definitions — headers, codes, maxima, lengths — come from the catalogue, like the screening
baselines take their constants from the engine's modules):

* every cell is trimmed of whitespace; a required column's empty cell rejects the row;
* a cell longer than the column's ``max_length`` characters rejects the row;
* ID number: 17 ASCII digits and a check digit or ``X`` (a lower-case ``x`` is upper-cased)
  matching GB 11643's ISO 7064 MOD 11-2 check; a number that fails is tried again after NFKC
  normalisation with spaces removed (full-width digits from word processors);
* coded columns: the department's wording or our code;
* dates: ``%Y-%m-%d``, ``%Y/%m/%d``, ``%Y%m%d`` or ``%Y.%m.%d`` (a time of day after the date
  is dropped; impossible dates are bad), in [1950-01-01, the last day of the period];
* numbers: plain non-negative decimals (thousands separators allowed), at most the column's
  ``maximum``;
* a valid row identical to an earlier valid row (every feed column, as typed values) is a
  duplicate and rejected;
* a valid row matches the member whose ID number's first 18 characters are its ID; an ID held
  by members of two households matches nobody (ambiguous), like an ID nobody holds: unmatched.

Not done here, and done by ``import_feed``: the rejects report with a reason per problem, the
unmatched rows' file and report, the secondary match by name and birth date, the batch row
in the operational store, and reading files in other encodings than stated, XLSX, title rows
above the header or records with too many fields (``read_csv`` stops at those).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from bottomline.ids import WEIGHTS
from bottomline.ingest.catalogue import EARLIEST_DATE, FEEDS, Feed, FeedColumn, period_end
from bottomline.ingest.validate import DATE_FORMATS

_CHECK = np.array(list("10X98765432"))  # GB 11643 check character by weighted sum mod 11
_ID_SHAPE = r"[0-9]{17}[0-9X]"
_DECIMAL = r"[0-9]+(\.[0-9]+)?"
_INTEGER = r"[0-9]+"
_TIME_OF_DAY = r"[ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$"  # 2025-10-03 14:30:00


@dataclass(slots=True)
class PandasImport:
    rows_in: int
    accepted: int
    rejected: int  # rows with a problem, and duplicates
    unmatched: int
    invalid: int  # rows with a problem (before duplicates)
    duplicates: int
    matched_before_dedupe: int  # valid rows that match a member, duplicates included
    unmatched_before_dedupe: int
    problems: dict[str, int] = field(default_factory=dict)  # "column:reason" → rows
    seconds: dict[str, float] = field(default_factory=dict)  # step → seconds


def member_keys(members: pd.DataFrame) -> pd.DataFrame:
    """One row per ID key (the first 18 characters, upper-cased) with its member and household.

    ``ambiguous`` marks keys held by members of more than one household. Columns of
    ``members``: id_number, member_id, household_id.
    """
    key = members["id_number"].str.slice(0, 18).str.upper()
    ok = valid_ids(key)
    m = pd.DataFrame(
        {
            "id_number": key[ok].to_numpy(),
            "member_id": members["member_id"].to_numpy()[ok],
            "household_id": members["household_id"].to_numpy()[ok],
        }
    )
    households = m.groupby("id_number", sort=False)["household_id"].nunique()
    first = m.drop_duplicates("id_number", keep="first").set_index("id_number")
    first["ambiguous"] = households.reindex(first.index).to_numpy() > 1
    return first


def valid_ids(ids: pd.Series) -> np.ndarray:
    """Whether each (already upper-cased) value is an 18-character ID with the right check."""
    shape = ids.str.fullmatch(_ID_SHAPE).fillna(False).to_numpy(dtype=bool)
    out = np.zeros(len(ids), dtype=bool)
    if not shape.any():
        return out
    candidates = ids[shape]
    body = candidates.str.slice(0, 17).astype("int64").to_numpy()
    total = np.zeros(len(body), dtype=np.int64)
    for i, weight in enumerate(WEIGHTS):  # 17 column operations, not a loop over rows
        total += (body // 10 ** (16 - i)) % 10 * weight
    last = candidates.str.slice(17, 18).to_numpy(dtype=object).astype("<U1")
    out[shape] = _CHECK[total % 11] == last
    return out


def import_pandas(
    path: Path,
    members: pd.DataFrame,
    *,
    feed: str = "medical",
    period: str,
    out: Path,
    encoding: str = "utf-8",
    engine: str = "c",
) -> PandasImport:
    """Import ``path`` (a department CSV with the header on its first row) the pandas way.

    ``members`` is :func:`member_keys` of the registry. Accepted rows go to ``out`` (Parquet).
    """
    spec = FEEDS[feed]
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    df = pd.read_csv(
        path,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        encoding=encoding,
        engine=engine,  # type: ignore[arg-type]
    )
    df.columns = [str(c).strip() for c in df.columns]
    seconds["read"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    values, bad, problems = _validate(df, spec, period_end(period))
    n = len(df)
    del df  # the typed values replace the text
    seconds["validate"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    valid = pd.DataFrame(values)[~bad]
    valid["source_row"] = np.flatnonzero(~bad) + 2  # the header is row 1
    merged = valid.merge(members, how="left", left_on="id_number", right_index=True, sort=False)
    found = (merged["member_id"].notna() & ~merged["ambiguous"].fillna(False)).to_numpy(bool)
    seconds["merge"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    own = [c.name for c in spec.columns]
    duplicate = merged.duplicated(subset=own, keep="first").to_numpy(bool)
    seconds["dedupe"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    accepted = merged[found & ~duplicate].drop(columns="ambiguous")
    dates = {c.name: pd.ArrowDtype(pa.date32()) for c in spec.columns if c.type == "date"}
    accepted = accepted.astype({"member_id": "int64", "household_id": "int64", **dates})
    accepted["period"] = period
    accepted.to_parquet(out, compression="zstd", index=False)
    seconds["write"] = time.perf_counter() - t0

    invalid, dups = int(bad.sum()), int(duplicate.sum())
    return PandasImport(
        rows_in=n,
        accepted=len(accepted),
        rejected=invalid + dups,
        unmatched=int((~found & ~duplicate).sum()),
        invalid=invalid,
        duplicates=dups,
        matched_before_dedupe=int(found.sum()),
        unmatched_before_dedupe=int((~found).sum()),
        problems=problems,
        seconds=seconds,
    )


# --- the rules ------------------------------------------------------------------------------


def _validate(
    df: pd.DataFrame, spec: Feed, latest: dt.date
) -> tuple[dict[str, Any], np.ndarray, dict[str, int]]:
    """Typed values per canonical column, the rejected-rows mask and rows per problem."""
    n = len(df)
    headers = _headers(df, spec)
    bad = np.zeros(n, dtype=bool)
    problems: dict[str, int] = {}

    def problem(col: FeedColumn, reason: str, mask: np.ndarray) -> None:
        nonlocal bad
        if mask.any():
            problems[f"{col.name}:{reason}"] = int(mask.sum())
            bad |= mask

    values: dict[str, Any] = {}
    for col in spec.columns:
        if col.name in headers:
            text = df[headers[col.name]].fillna("").str.strip()
        else:
            text = pd.Series([""] * n, dtype="str")
        empty = (text == "").to_numpy(bool)
        problem(col, "too_long", (text.str.len() > col.max_length).to_numpy(bool))
        if col.required:
            problem(col, "missing", empty)
        if col.name == "id_number":
            values[col.name] = _ids(text, empty, col, problem)
        elif col.codes:
            values[col.name] = _codes(text, empty, col, problem)
        elif col.type == "date":
            values[col.name] = _dates(text, empty, col, latest, problem)
        elif col.type in ("float", "int"):
            values[col.name] = _numbers(text, empty, col, problem)
        else:
            values[col.name] = text.where(~empty)
    return values, bad, problems


def _headers(df: pd.DataFrame, spec: Feed) -> dict[str, str]:
    """Canonical column → the file's header (the catalogue's header, an alias or the name)."""
    out = {}
    for col in spec.columns:
        for name in (col.header, *col.aliases, col.name):
            if name in df.columns:
                out[col.name] = name
                break
        else:
            if col.required:
                raise ValueError(f"{spec.name}: the file has no column {col.header}")
    return out


def _ids(text: pd.Series, empty: np.ndarray, col: FeedColumn, problem: Any) -> pd.Series:
    upper = text.str.upper()
    ok = valid_ids(upper)
    if not ok.all():  # full-width digits, spaces: normalise the failing ones and look again
        fixed = text[~ok].str.normalize("NFKC").str.replace(" ", "", regex=False).str.upper()
        again = valid_ids(fixed)
        upper = upper.copy()
        upper.iloc[np.flatnonzero(~ok)[again]] = fixed[again].to_numpy()
        ok[np.flatnonzero(~ok)[again]] = True
    problem(col, "bad_id", ~ok & ~empty)
    return upper.where(ok)


def _codes(text: pd.Series, empty: np.ndarray, col: FeedColumn, problem: Any) -> pd.Series:
    lookup = {**{code: code for code in col.codes.values()}, **col.codes}
    known = text.isin(list(lookup)).to_numpy(bool)
    problem(col, "bad_code", ~known & ~empty)
    return text.map(lookup)


def _dates(
    text: pd.Series, empty: np.ndarray, col: FeedColumn, latest: dt.date, problem: Any
) -> pd.Series:
    parsed = pd.to_datetime(text, format=DATE_FORMATS[0], errors="coerce")
    todo = parsed.isna().to_numpy(bool) & ~empty
    if todo.any():  # the other forms, and a time of day after the date, on those cells only
        rest = text[todo].str.replace(_TIME_OF_DAY, "", regex=True)
        for fmt in DATE_FORMATS:
            parsed[todo] = parsed[todo].fillna(pd.to_datetime(rest, format=fmt, errors="coerce"))
    missing = parsed.isna().to_numpy(bool)
    problem(col, "bad_date", missing & ~empty)
    earliest = pd.Timestamp(EARLIEST_DATE)
    outside = ((parsed < earliest) | (parsed > pd.Timestamp(latest))).to_numpy(bool)
    problem(col, "date_out_of_range", outside)
    return parsed.where(~outside & ~missing)  # datetime64; written to Parquet as date32


def _numbers(text: pd.Series, empty: np.ndarray, col: FeedColumn, problem: Any) -> pd.Series:
    plain = text.str.replace(",", "", regex=False)
    pattern = _DECIMAL if col.type == "float" else _INTEGER
    ok = plain.str.fullmatch(pattern).fillna(False).to_numpy(bool)
    problem(col, "bad_number", ~ok & ~empty)
    values = pd.to_numeric(plain.where(ok), errors="coerce")
    if col.maximum is not None:
        high = (values > col.maximum).to_numpy(bool)
        problem(col, "implausible", high)
        values = values.where(~high)
    return values.astype("float64" if col.type == "float" else "Int64")
