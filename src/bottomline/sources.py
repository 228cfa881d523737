"""Read the files departments and the national system send: CSV, XLSX and Parquet, streamed.

:func:`open_source` looks at a file once (format, encoding, where the header is) and returns a
:class:`Source` whose :meth:`Source.chunks` yields the data rows in bounded pieces, every cell
as text, each row with the number a spreadsheet program shows for it. Nothing here knows
about feeds or the registry: callers pass the header names they expect.

What is handled, as departments' systems export it:

* CSV in UTF-8, UTF-8 with a BOM, GB18030 (and so GBK/GB2312) or UTF-16 with a BOM; the
  encoding is detected or stated, and a file that is neither is refused, never mis-decoded.
  Comma, tab, semicolon or vertical-bar separated.
* Title rows above the header (``2025年10月医保结算明细``), in CSV and XLSX alike: the header
  is the first of the first rows that holds enough known header names.
* A header spread over two rows, as merged cells leave it (``费用`` over ``总费用 | 自付``): the
  lower row's names are used where it has them.
* XLSX with several sheets: every sheet with the header is read; sheets without it (notes,
  summaries) are listed in :attr:`Source.skipped_sheets`.
* Parquet with typed columns (dates, numbers) turned into the same text form.

Row numbers count records as a spreadsheet shows them (the header row included), so a cell
with a line break inside does not shift them. A CSV record with the wrong number of fields is
not dropped: it comes out in :attr:`SourceChunk.malformed` with its row number.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import logging
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from bottomline.errors import InputFileError

Format = Literal["csv", "xlsx", "parquet", "arrow"]

BLOCK_BYTES = 16 << 20  # CSV is parsed in blocks of this size; a larger record is refused
HEADER_SCAN_ROWS = 10
ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "gbk", "gb2312", "utf-16")
_SNIFF_BYTES = 1 << 16
_DELIMITERS = (",", "\t", ";", "|")
_UNIT_SUFFIX = re.compile(r"[（(][^）)]{1,6}[）)]$")
_SPACE = re.compile(r"\s+")


def normalise_header(name: object) -> str:
    """A header cell as compared with known names: no spaces, BOM, line breaks or unit suffix.

    ``" 医疗总费用\\n（元）"`` → ``"医疗总费用"``.
    """
    text = _SPACE.sub("", str(name or "")).lstrip("\ufeff")
    return _UNIT_SUFFIX.sub("", text)


@dataclass(slots=True)
class Malformed:
    row: int
    reason_zh: str
    reason_en: str
    text: str  # the start of the record as read (callers mask or drop it)
    full_text: str = field(default="", repr=False)  # the whole record, for checks only


@dataclass(slots=True)
class SourceChunk:
    table: pa.Table  # every column pa.string(), "" for empty cells, named by the header
    row_numbers: np.ndarray  # int64: each row's number as a spreadsheet shows it
    sheet: str | None = None
    malformed: list[Malformed] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.table.num_rows + len(self.malformed)


@dataclass(slots=True)
class Source:
    path: Path | None
    name: str
    format: Format
    header: list[str]
    encoding: str | None = None
    delimiter: str = ","
    header_rows: int = 1  # rows the header takes (2 for a merged two-row header)
    data_start: int = 2  # row number of the first data row
    skipped_sheets: list[str] = field(default_factory=list)
    size_bytes: int = 0
    title: str = ""  # the text of the rows above the header (a title row), cells joined by spaces
    _table: pa.Table | None = None
    _sha256: str | None = None

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the content (the file's bytes; an Arrow table's IPC stream)."""
        if self._sha256 is None:
            self._sha256 = _hash_file(self.path) if self.path else _hash_table(self._table)
        return self._sha256

    def chunks(self, rows: int = 65_536) -> Iterator[SourceChunk]:
        """The data rows in pieces of about ``rows`` rows (CSV: about 16 MB)."""
        if self.format == "csv":
            assert self.path is not None
            yield from _csv_chunks(self)
        elif self.format == "xlsx":
            yield from _xlsx_chunks(self, rows)
        elif self.format == "parquet":
            assert self.path is not None
            for i, batch in enumerate(pq.ParquetFile(self.path).iter_batches(batch_size=rows)):
                yield _typed_chunk(pa.Table.from_batches([batch]), i * rows, self.header)
        else:
            assert self._table is not None
            for i, batch in enumerate(self._table.to_batches(max_chunksize=rows)):
                yield _typed_chunk(pa.Table.from_batches([batch]), i * rows, self.header)


def open_source(
    path: Path,
    *,
    known_headers: Collection[str],
    min_known: int = 2,
    encoding: str | None = None,
) -> Source:
    """Look at ``path`` and say how to read it; InputFileError with a fix when it cannot be."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(
            f"找不到文件 / file not found: {path}",
            hint="请核对路径后重试 / check the path and try again",
        )
    size = path.stat().st_size
    if size == 0:
        raise InputFileError(
            f"{path.name} 是空文件（0 字节） / {path.name} is empty (0 bytes)",
            hint="请重新发送带表头行的文件 / send the file again with a header row",
        )
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    known = {normalise_header(h) for h in known_headers}
    kind = _kind(path, head)
    if kind == "xlsx":
        source = _open_xlsx(path, known, min_known)
    elif kind == "parquet":
        source = _open_parquet(path, known)
    else:
        source = _open_csv(path, head, known, min_known, encoding)
    source.size_bytes = size
    return source


def source_from_table(table: pa.Table, *, name: str) -> Source:
    """A source over an Arrow table pushed by a program (the department push API)."""
    return Source(
        path=None,
        name=name,
        format="arrow",
        header=list(table.column_names),
        data_start=1,
        size_bytes=table.nbytes,
        _table=table,
    )


# ---------------------------------------------------------------- format and encoding


def _kind(path: Path, head: bytes) -> Literal["csv", "xlsx", "parquet"]:
    suffix = path.suffix.lower()
    if head.startswith(b"PK\x03\x04"):
        if suffix not in (".xlsx", ".xlsm", ""):
            raise _unsupported(
                path, "是 ZIP 压缩包（不是 .xlsx 工作簿）", "a ZIP archive (not an .xlsx workbook)"
            )
        return "xlsx"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputFileError(
            f"{path.name} 是旧版 Excel 97-2003（.xls）工作簿 / "
            f"{path.name} is an old Excel 97-2003 (.xls) workbook",
            hint="请用 Excel 或 WPS 打开，另存为 .xlsx（或 CSV UTF-8）后再导入 / open it in Excel or "
            "WPS and save it as .xlsx (or CSV UTF-8), then import that",
        )
    if suffix in (".xlsx", ".parquet", ".xls"):
        raise _unsupported(
            path,
            f"不是真正的 {suffix} 文件（内容与扩展名不符）",
            f"not a real {suffix} file (its content does not match)",
        )
    return "csv"


def _unsupported(path: Path, what_zh: str, what: str) -> InputFileError:
    return InputFileError(
        f"{path.name} {what_zh}，无法读取 / {path.name} is {what}",
        hint="请发送 CSV（UTF-8 或 GB18030）、XLSX 或 Parquet 文件 / "
        "send CSV (UTF-8 or GB18030), XLSX or Parquet",
    )


def sniff_encoding(head: bytes, *, at_end: bool) -> str:
    """The encoding of a CSV file from its first bytes; InputFileError for binary data."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise InputFileError(
            "文件不是文本（含二进制数据） / the file is not text (it holds binary data)",
            hint="请发送部门系统导出的 CSV、XLSX 或 Parquet 文件 / "
            "send CSV, XLSX or Parquet as the department's system exports it",
        )
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError as err:
            if not at_end and err.start >= len(head) - 4:
                return encoding  # only a character cut at the sample's end
            continue
        return encoding
    raise InputFileError(
        "文件编码既不是 UTF-8 也不是 GB18030 / the file's text is neither UTF-8 nor GB18030",
        hint="请另存为 CSV UTF-8（Excel：另存为 → CSV UTF-8），或指明文件的编码 / "
        "save it as CSV UTF-8 (Excel: 另存为 → CSV UTF-8) or state the file's encoding",
        reason="file_encoding",
    )


def _check_encoding(encoding: str) -> str:
    name = encoding.lower().replace("_", "-")
    if name in ("utf8", "utf-8"):
        return "utf-8"
    if name not in ENCODINGS:
        raise InputFileError(
            f"未知编码 / unknown encoding {encoding!r}",
            hint=f"可用编码 / use one of: {', '.join(ENCODINGS)}",
        )
    return name


# ---------------------------------------------------------------- CSV


def _open_csv(
    path: Path, head: bytes, known: set[str], min_known: int, encoding: str | None
) -> Source:
    at_end = path.stat().st_size <= len(head)
    encoding = _check_encoding(encoding) if encoding else sniff_encoding(head, at_end=at_end)
    text = _decode_head(path, head, encoding, at_end)
    delimiter = max(_DELIMITERS, key=lambda d: _find_header(_head_records(text, d), known)[3])
    records = _head_records(text, delimiter)
    at, rows, header, score = _find_header(records, known)
    if at is None or score < min_known:
        raise _no_header(path, known)
    _refuse_repeats(path.name, header, known)
    return Source(
        path=path,
        name=path.name,
        format="csv",
        header=_unique(header),
        encoding=encoding,
        delimiter=delimiter,
        header_rows=rows,
        data_start=at + rows + 1,
        title=_title(records[:at]),
    )


def _title(rows: Sequence[Sequence[object]]) -> str:
    """The non-empty cells of the rows above the header, joined by spaces."""
    return " ".join(str(v).strip() for row in rows for v in row if v is not None and str(v).strip())


def _decode_head(path: Path, head: bytes, encoding: str, at_end: bool) -> str:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        return decoder.decode(head, final=at_end).lstrip("\ufeff")
    except UnicodeDecodeError:
        raise InputFileError(
            f"{path.name} 不是有效的 {encoding} 文本 / {path.name} is not valid {encoding} text",
            hint="请指明正确编码（utf-8、gb18030 或 utf-16） / "
            "state the right encoding (utf-8, gb18030 or utf-16)",
            reason="file_encoding",
        ) from None


def _head_records(text: str, delimiter: str) -> list[list[str]]:
    """The first records of the file's text, split as Arrow splits them (CR, LF or CRLF ends a
    record, quotes may hold line breaks); a head that does not parse with this delimiter has none.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
            if len(records) > HEADER_SCAN_ROWS:
                break
    except csv.Error:
        return records
    return records


def _known_count(names: Sequence[object], known: set[str]) -> int:
    return len({normalise_header(v) for v in names} & known)


def _find_header(
    rows: Sequence[Sequence[object]], known: set[str]
) -> tuple[int | None, int, list[str], int]:
    """Where the header is: (first row index, rows it spans, names, known names it holds).

    The header is the row holding the most known names, or two rows read together when a
    merged cell above leaves a group name in the upper row and the column names in the lower
    one (either row may hold more of the known names). None when no row holds any.
    """
    best: tuple[int | None, int, list[str], int] = (None, 1, [], 0)
    head = rows[:HEADER_SCAN_ROWS]
    for i, row in enumerate(head):
        single = [normalise_header(v) for v in row]
        score = _known_count(single, known)
        if score > best[3]:
            best = (i, 1, single, score)
        if i + 1 < len(head):
            merged = _merged(single, [normalise_header(v) for v in head[i + 1]])
            both = _known_count(merged, known)
            lower = _known_count(head[i + 1], known)
            if both > max(score, lower, best[3]) and lower and score:
                best = (i, 2, merged, both)
    return best


def _merged(upper: list[str], lower: list[str]) -> list[str]:
    width = max(len(upper), len(lower))
    upper, lower = upper + [""] * (width - len(upper)), lower + [""] * (width - len(lower))
    return [lo or up for up, lo in zip(upper, lower, strict=True)]


def _unique(header: list[str]) -> list[str]:
    """Header names made distinct: empty ones become ``_col<i>``, repeats get ``#2``, ``#3``."""
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(header):
        name = name or f"_col{i + 1}"
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return out


def _refuse_repeats(where: str, header: Sequence[str], known: Collection[str]) -> None:
    """A known column named twice in one header is refused: which of the two holds the data?

    Names are compared after :func:`normalise_header` (``月救助金额（元）`` is ``月救助金额``).
    Two different aliases of one column are the caller's to refuse (it knows the aliases);
    repeated names the caller does not know (two ``备注`` columns) are kept apart as ``备注#2``
    by :func:`_unique`.
    """
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(header):
        if name and name in known:
            positions.setdefault(name, []).append(i + 1)
    repeated = {name: at for name, at in positions.items() if len(at) > 1}
    if not repeated:
        return
    name, at = next(iter(repeated.items()))
    numbers = "、".join(str(i) for i in at)
    letters = ", ".join(column_letter(i) for i in at)
    raise InputFileError(
        f"{where}: 表头“{name}”出现了 {len(at)} 次（第 {numbers} 列） / the header {name} "
        f"appears {len(at)} times (columns {', '.join(str(i) for i in at)}: {letters})",
        hint="删除多余的列或改正其表头，每列只出现一次 / delete the extra column or correct its "
        "header, so that each column is named once",
    )


def column_letter(number: int) -> str:
    """A spreadsheet's name for column ``number`` (1 → A, 27 → AA)."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _no_header(path: Path, known: set[str]) -> InputFileError:
    names = sorted(known, key=lambda h: (h.isascii(), h))[:6]  # the Chinese headers first
    return InputFileError(
        f"{path.name}：前 {HEADER_SCAN_ROWS} 行中没有找到表头行 / "
        f"{path.name}: no header row found in its first {HEADER_SCAN_ROWS} rows",
        hint="表头行写明各列名称，例如 / the header row names the columns, e.g. "
        + "、".join(names),
    )


def _not_text(source: Source) -> InputFileError:
    return InputFileError(
        f"{source.name} 并非通篇为有效的 {source.encoding} 文本：文件混用了编码或含二进制数据 / "
        f"{source.name} is not valid {source.encoding} text throughout: the file mixes "
        "encodings or holds binary data",
        hint="请用 Excel 或 WPS 重新另存为 CSV UTF-8，或指明编码 / "
        "save it again as CSV UTF-8 from Excel or WPS, or state the encoding",
        reason="file_encoding",
    )


def _csv_chunks(source: Source) -> Iterator[SourceChunk]:
    """Arrow's streaming CSV reader, with every record's row number kept exact.

    The reader runs on one thread so it reports the number of each record it cannot take
    (wrong number of fields, or a blank line, which it is told not to skip); valid rows take
    the numbers in between. Arrow keeps quotes right: a quoted cell may hold line breaks and
    delimiters, and a quote inside an unquoted cell is text.
    """
    names = source.header
    invalid: list[tuple[int, str, int]] = []

    def handle(row: pcsv.InvalidRow) -> str:
        invalid.append((row.number or 0, row.text or "", row.actual_columns))
        return "skip"

    reader = _open_reader(source, handle)
    numbers = _RowNumbers(source.data_start, source.delimiter)
    last: SourceChunk | None = None
    try:
        for batch in reader:
            if last is not None:
                yield last
            last = numbers.chunk(pa.Table.from_batches([batch]), invalid, len(names))
    except (pa.ArrowInvalid, UnicodeDecodeError) as err:
        raise _csv_error(source, err) from None
    finally:
        reader.close()
    rest = numbers.rest(invalid, names)
    _refuse_unclosed_quote(source, rest or last)
    yield from (chunk for chunk in (last, rest) if chunk is not None)


def _refuse_unclosed_quote(source: Source, final: SourceChunk | None) -> None:
    """A quote never closed makes a cell swallow the rest of the file: refuse that.

    Arrow reads such a quote as a cell that runs to the end of the file. So the file is refused
    when its last record is malformed with an odd number of quotes in its text, or when a cell
    of its last row runs over rows (a line break, then the delimiter) and is the very end of the
    file (a cell whose quote was closed is followed by that quote).
    """
    if final is None:
        return
    last = final.malformed[-1] if final.malformed else None
    if last is not None and (final.row_numbers.size == 0 or last.row > final.row_numbers[-1]):
        swallowed = last.full_text.count('"') % 2 == 1
        row = last.row
    elif final.table.num_rows:
        cells = final.table.slice(final.table.num_rows - 1).to_pylist()[0].values()
        tail = _file_tail(source)
        swallowed = any(
            _runs_over_rows(c, source.delimiter) and tail.endswith(c[-2000:]) for c in cells
        )
        row = int(final.row_numbers[-1])
    else:
        return
    if swallowed:
        raise InputFileError(
            f'{source.name}：第 {row} 行的引号 " 没有闭合，其后各行会被读成一个单元格 / '
            f'{source.name}: a quote " opened in row {row} is never closed; the rows after it '
            "would be read as one cell",
            hint='请闭合该单元格的引号，单元格内的引号要写两次（""） / '
            'close the quoted cell, or write a quote inside a cell twice ("")',
        )


def _runs_over_rows(cell: str, delimiter: str) -> bool:
    """A cell with a line break followed later by the delimiter: rows a quote ran into."""
    lines = cell.replace("\r", "\n")
    return "\n" in lines and delimiter in lines.partition("\n")[2]


def _file_tail(source: Source) -> str:
    """The last few thousand characters of the file as text (for the unclosed-quote check)."""
    assert source.path is not None
    with source.path.open("rb") as fh:
        fh.seek(max(source.size_bytes - 8192, 0) & ~1)  # even: UTF-16 stays aligned
        return fh.read().decode(source.encoding or "utf-8", errors="ignore")


def _open_reader(
    source: Source, handle: Callable[[pcsv.InvalidRow], str]
) -> pcsv.CSVStreamingReader:
    encoding = source.encoding or "utf-8"
    arrow_encoding = "utf8" if encoding in ("utf-8", "utf-8-sig") else encoding
    try:
        return pcsv.open_csv(
            source.path,
            read_options=pcsv.ReadOptions(
                use_threads=False,  # row numbers of invalid records need the serial reader
                block_size=BLOCK_BYTES,
                skip_rows=source.data_start - 1,
                column_names=source.header,
                encoding=arrow_encoding,
            ),
            parse_options=pcsv.ParseOptions(
                delimiter=source.delimiter,
                newlines_in_values=True,
                ignore_empty_lines=False,  # blank lines keep their row number
                invalid_row_handler=handle,
            ),
            convert_options=pcsv.ConvertOptions(
                column_types=dict.fromkeys(source.header, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as err:
        raise _csv_error(source, err) from None


def _csv_error(source: Source, err: Exception) -> InputFileError:
    text = str(err)
    if isinstance(err, UnicodeDecodeError) or "UTF8" in text or "utf8" in text.lower():
        return _not_text(source)
    if "straddling" in text or "block size" in text:
        return InputFileError(
            f'{source.name}：某行超过 {BLOCK_BYTES >> 20} MB，或有引号 " 没有闭合 / '
            f'{source.name}: a row is larger than {BLOCK_BYTES >> 20} MB, or a quote " is '
            "never closed",
            hint="请检查文件中未闭合的引号或超大的单元格 / "
            "check the file for an unclosed quote or a huge cell",
        )
    return InputFileError(
        f"{source.name} 无法按 CSV 读取 / {source.name} cannot be read as CSV: "
        f"{text.splitlines()[0][:200]}",
        hint='请检查是否有未闭合的引号 "；引号单元格内的引号要写两次（""） / '
        'check for a quote " that is never closed; a quote inside a quoted cell is written '
        'twice ("")',
    )


class _RowNumbers:
    """Numbers valid rows between the numbers the reader gave to records it could not take."""

    def __init__(self, first: int, delimiter: str) -> None:
        self.next = first
        self.delimiter = delimiter

    def chunk(
        self, table: pa.Table, invalid: list[tuple[int, str, int]], width: int
    ) -> SourceChunk:
        n = table.num_rows
        bad = np.asarray(sorted(number for number, _, _ in invalid), dtype=np.int64)
        candidates = np.arange(self.next, self.next + n + len(bad), dtype=np.int64)
        rows = candidates[~np.isin(candidates, bad)][:n]
        last = int(rows[-1]) if n else self.next - 1
        taken = [item for item in invalid if item[0] <= last]
        invalid[:] = [item for item in invalid if item[0] > last]
        self.next = last + 1
        blank = _blank_rows(table)
        if blank.any():  # blank lines: not rows, but they keep their numbers
            table, rows = table.filter(pa.array(~blank)), rows[~blank]
        malformed = _malformed_rows(taken, width, self.delimiter)
        return SourceChunk(table=table, row_numbers=rows, malformed=malformed)

    def rest(self, invalid: list[tuple[int, str, int]], names: list[str]) -> SourceChunk | None:
        """Records the reader could not take after the last valid row (None if none)."""
        taken = _malformed_rows(sorted(invalid), len(names), self.delimiter)
        invalid.clear()
        if not taken:
            return None
        empty = pa.table({name: pa.array([], pa.string()) for name in names})
        return SourceChunk(table=empty, row_numbers=np.empty(0, dtype=np.int64), malformed=taken)


def _blank_rows(table: pa.Table) -> np.ndarray:
    """Rows whose every cell is empty (a blank line reads as one)."""
    blank = np.ones(table.num_rows, dtype=bool)
    for column in table.columns:
        blank &= pc.equal(pc.binary_length(column), 0).to_numpy(zero_copy_only=False)
        if not blank.any():
            break
    return blank


def _malformed_rows(
    invalid: list[tuple[int, str, int]], width: int, delimiter: str
) -> list[Malformed]:
    """Records with the wrong number of fields; blank lines and lines of only delimiters are
    not rows and are dropped (they keep their numbers)."""
    return [
        _malformed(number, fields, width, text)
        for number, text, fields in sorted(invalid)
        if text.strip(f'{delimiter}" \t\r\n')
    ]


def _malformed(row: int, fields: int, width: int, text: str) -> Malformed:
    return Malformed(
        row=row,
        reason_zh=f"列数不符：应为 {width} 列，实为 {fields} 列",
        reason_en=f"wrong number of fields: {fields} instead of {width}",
        text=text[:200],
        full_text=text,
    )


# ---------------------------------------------------------------- XLSX


def _open_xlsx(path: Path, known: set[str], min_known: int) -> Source:
    header: list[str] | None = None
    skipped: list[str] = []
    data_start = 2
    header_rows = 1
    title = ""
    with _workbook(path) as workbook:
        for sheet in workbook.worksheets:
            found = _sheet_header(sheet, known, min_known, f"{path.name} [{sheet.title}]")
            if found is None:
                skipped.append(sheet.title)
                continue
            names, start, rows = found
            if header is None:
                header, data_start, header_rows = names, start, rows
                title = _sheet_title(sheet, start - rows - 1)
            elif set(names) != set(header):
                raise InputFileError(
                    f"{path.name}：工作表 {sheet.title!r} 的列与第一个有数据的工作表不同 / "
                    f"{path.name}: sheet {sheet.title!r} has different columns from the first "
                    "sheet with data",
                    hint="请让每个工作表表头一致，或每个文件只放一个工作表 / "
                    "give every sheet the same header, or send one sheet per file",
                )
    if header is None:
        raise _no_header(path, known)
    return Source(
        path=path,
        name=path.name,
        format="xlsx",
        header=header,
        header_rows=header_rows,
        data_start=data_start,
        skipped_sheets=skipped,
        title=title,
    )


def _sheet_title(sheet: object, above: int) -> str:
    """The text of a sheet's first ``above`` rows (those above its header)."""
    if above < 1:
        return ""
    return _title([list(r) for r in sheet.iter_rows(max_row=above, values_only=True)])  # type: ignore[attr-defined]


@contextmanager
def _workbook(path: Path) -> Iterator[Any]:
    """openpyxl's streaming reader, closed on exit; an unreadable workbook is a user error."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many kinds for a damaged file
        raise InputFileError(
            f"{path.name} 无法作为 Excel 工作簿打开 / "
            f"{path.name} cannot be opened as an Excel workbook ({type(err).__name__})",
            hint="请用 Excel 或 WPS 打开，重新另存为 .xlsx 后再导入 / "
            "open it in Excel or WPS, save it again as .xlsx, and import that",
        ) from None
    try:
        yield book
    finally:
        book.close()


def _sheet_header(
    sheet: object, known: set[str], min_known: int, where: str | None = None
) -> tuple[list[str], int, int] | None:
    head = [list(r) for r in sheet.iter_rows(max_row=HEADER_SCAN_ROWS + 1, values_only=True)]  # type: ignore[attr-defined]
    at, rows, header, score = _find_header(head, known)
    if at is None or score < min_known:
        return None
    if where is not None:
        _refuse_repeats(where, header, known)
    return _unique(header), at + rows + 1, rows


def _xlsx_chunks(source: Source, size: int) -> Iterator[SourceChunk]:
    """Every data sheet's rows: calamine (fastexcel) reads the cells, openpyxl only the header.

    A sheet whose columns each hold one kind of cell (text, numbers, dates, booleans) is read
    by fastexcel in one pass and its typed columns turned into text as :func:`_cell` does.
    When a column mixes kinds (an ID column with some IDs typed as numbers), fastexcel would
    give its numbers as text of its own making, so that sheet is read cell by cell by openpyxl.
    """
    assert source.path is not None
    known = set(source.header)
    with _workbook(source.path) as workbook:
        heads = {
            sheet.title: _sheet_header(sheet, known, 1)
            for sheet in workbook.worksheets
            if sheet.title not in source.skipped_sheets
        }
    reader = _calamine(source.path)
    for title, found in heads.items():
        assert found is not None
        names, start, _rows = found
        order = [names.index(h) if h in names else None for h in source.header]
        table = _calamine_sheet(reader, source.path, title, start)
        if table is None:  # a column mixes kinds of cell
            yield from _openpyxl_chunks(source, title, start, order, size)
            continue
        yield from _table_chunks(table, start, order, source.header, title, size)


def _calamine(path: Path) -> Any:
    import fastexcel

    # calamine's notes on columns it types as text ("Could not determine dtype …") reach
    # Python's logging and, with no handler set, a user's terminal: the fallback is ours.
    logging.getLogger("fastexcel").setLevel(logging.ERROR)
    try:
        return fastexcel.read_excel(path)
    except fastexcel.FastExcelError as err:
        raise _unreadable(path, err) from None


def _unreadable(path: Path, err: Exception) -> InputFileError:
    return InputFileError(
        f"{path.name} 无法作为 Excel 工作簿打开 / "
        f"{path.name} cannot be opened as an Excel workbook ({type(err).__name__})",
        hint="请用 Excel 或 WPS 打开，重新另存为 .xlsx 后再导入 / "
        "open it in Excel or WPS, save it again as .xlsx, and import that",
    )


def _calamine_sheet(reader: Any, path: Path, title: str, start: int) -> dict[int, pa.Array] | None:
    """The sheet's cells from row ``start`` on, as text, by absolute column index (0 = A).

    Rows are not trimmed: position i is spreadsheet row ``start + i`` (fastexcel keeps empty
    rows inside the range, and with ``header_row=None`` an integer ``skip_rows`` counts from
    the sheet's first row). None when a column holds more than one kind of cell.
    """
    import fastexcel

    try:
        sheet = reader.load_sheet(
            title,
            header_row=None,
            skip_rows=start - 1,
            schema_sample_rows=None,  # every row decides the column's type
            dtype_coercion="strict",  # a mixed column is an error, not text of fastexcel's own
        )
        batch = sheet.to_arrow()
    except fastexcel.UnsupportedColumnTypeCombinationError:
        return None
    except fastexcel.InvalidParametersError as err:
        if "rows skipped" in str(err):  # nothing below the header: no data rows
            return {}
        raise _unreadable(path, err) from None
    except fastexcel.FastExcelError as err:
        raise _unreadable(path, err) from None
    if any(_has_long_integers(column) for column in batch.columns):
        return None
    columns = {info.absolute_index: i for i, info in enumerate(sheet.selected_columns)}
    return {index: column_text(batch.column(i)) for index, i in columns.items()}


def _has_long_integers(column: pa.Array) -> bool:
    """Whole numbers of 16 digits or more (ID numbers typed as numbers).

    openpyxl gives such a cell as the digits the file holds when written as an integer and as
    a float otherwise (``_cell`` then shows it with its exponent); calamine gives a float either
    way, so which it was is known only from the file's text: such sheets go to openpyxl.
    """
    if not pa.types.is_floating(column.type):
        return False
    big = pc.greater_equal(pc.abs(column), 1e15)
    whole = pc.equal(pc.floor(column), column)
    return bool(pc.any(pc.and_(big, whole)).as_py())


def column_text(column: pa.Array) -> pa.Array:
    """A typed column as the text :func:`_cell` gives each value (``pa.string()``, "" for
    empty cells), computed column-wise: text trimmed, whole numbers below 10^15 as integers,
    booleans 是/否; other values (fractions, dates, times) through :func:`_cell` once per
    distinct value."""
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        text = pc.fill_null(pc.utf8_trim_whitespace(column), "")
        return text if pa.types.is_string(kind) else text.cast(pa.string())
    if pa.types.is_null(kind):
        return pa.repeat(pa.scalar("", pa.string()), len(column))
    if pa.types.is_boolean(kind):
        return pc.fill_null(pc.if_else(column, "是", "否"), "")
    if pa.types.is_integer(kind):
        return pc.fill_null(pc.cast(column, pa.string()), "")
    if pa.types.is_floating(kind):
        whole = pc.and_(pc.equal(pc.floor(column), column), pc.less(pc.abs(column), 1e15))
        whole = pc.fill_null(whole, False)
        as_int = pc.cast(pc.cast(pc.if_else(whole, column, None), pa.int64()), pa.string())
        rest = _each_distinct(pc.if_else(whole, None, column), _cell)
        return pc.fill_null(pc.coalesce(as_int, rest), "")
    if pa.types.is_timestamp(kind):
        return pc.fill_null(_each_distinct(column, lambda v: _cell(_calamine_time(v))), "")
    return pc.fill_null(_each_distinct(column, _cell), "")


def _each_distinct(column: pa.Array, convert: Callable[[Any], str]) -> pa.Array:
    """``convert`` of every value, called once per distinct value; null stays null."""
    encoded = pc.dictionary_encode(column, null_encoding="mask")
    texts = [convert(value) for value in encoded.dictionary.to_pylist()]
    return pa.array(texts, pa.string()).take(encoded.indices)


_CALAMINE_DAY_ZERO = dt.date(1899, 12, 31)  # calamine's date for a serial below 1 (a time of day)


def _calamine_time(value: dt.datetime | None) -> dt.datetime | dt.time | None:
    """A time-of-day cell (serial below 1) as openpyxl gives it: a time, not a date in 1899."""
    if value is not None and value.date() == _CALAMINE_DAY_ZERO:
        return value.time()
    return value


def _table_chunks(
    columns: dict[int, pa.Array],
    start: int,
    order: list[int | None],
    header: list[str],
    sheet: str,
    size: int,
) -> Iterator[SourceChunk]:
    height = max((len(c) for c in columns.values()), default=0)
    empty = pa.repeat(pa.scalar("", pa.string()), height)
    picked = [columns.get(i, empty) if i is not None else empty for i in order]
    numbers = np.arange(start, start + height, dtype=np.int64)
    table = pa.table(dict(zip(header, picked, strict=True)))
    keep = ~_blank_rows(table)
    if not keep.all():  # blank rows are not rows, but they keep their numbers
        table, numbers = table.filter(pa.array(keep)), numbers[keep]
    for offset in range(0, table.num_rows, size):
        yield SourceChunk(
            table=table.slice(offset, size),
            row_numbers=numbers[offset : offset + size],
            sheet=sheet,
        )


def _openpyxl_chunks(
    source: Source, title: str, start: int, order: list[int | None], size: int
) -> Iterator[SourceChunk]:
    """One sheet read cell by cell by openpyxl (exact for columns that mix kinds of cell)."""
    assert source.path is not None
    with _workbook(source.path) as workbook:
        sheet = workbook[title]
        rows: list[list[str]] = []
        numbers: list[int] = []
        for number, values in enumerate(
            sheet.iter_rows(min_row=start, values_only=True), start=start
        ):
            cells = [_cell(values[i]) if i is not None and i < len(values) else "" for i in order]
            if not any(cells):
                continue
            rows.append(cells)
            numbers.append(number)
            if len(rows) >= size:
                yield _rows_chunk(rows, numbers, source.header, title)
                rows, numbers = [], []
        if rows:
            yield _rows_chunk(rows, numbers, source.header, title)


def read_xlsx_with_openpyxl(source: Source, rows: int = 65_536) -> Iterator[SourceChunk]:
    """The same chunks as :meth:`Source.chunks`, every sheet read by openpyxl alone.

    The reader before fastexcel, kept as the exact fallback and as the benchmark's baseline.
    """
    assert source.format == "xlsx"
    assert source.path is not None
    known = set(source.header)
    with _workbook(source.path) as workbook:
        heads = [
            (sheet.title, _sheet_header(sheet, known, 1))
            for sheet in workbook.worksheets
            if sheet.title not in source.skipped_sheets
        ]
    for title, found in heads:
        assert found is not None
        names, start, _ = found
        order = [names.index(h) if h in names else None for h in source.header]
        yield from _openpyxl_chunks(source, title, start, order, rows)


def _rows_chunk(
    rows: list[list[str]], numbers: list[int], header: list[str], sheet: str
) -> SourceChunk:
    columns = list(zip(*rows, strict=True))
    table = pa.table(
        {name: pa.array(col, pa.string()) for name, col in zip(header, columns, strict=True)}
    )
    return SourceChunk(table=table, row_numbers=np.asarray(numbers, dtype=np.int64), sheet=sheet)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        # Above 15 digits a spreadsheet number has lost digits (an ID number typed as a number):
        # give it as the number it is, which no ID check accepts, rather than invent digits.
        return str(int(value)) if abs(value) < 1e15 else repr(value)
    if isinstance(value, float):
        # A formula's result carries binary noise (8699.990000000002): a spreadsheet keeps and
        # shows 15 significant digits, so read what the official sees in the cell.
        shown = float(f"{value:.15g}")
        return str(int(shown)) if shown.is_integer() else repr(shown)
    return str(value).strip()


# ---------------------------------------------------------------- Parquet and Arrow


def _open_parquet(path: Path, known: set[str]) -> Source:
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowInvalid, OSError) as err:
        raise InputFileError(
            f"{path.name} 无法按 Parquet 读取 / {path.name} cannot be read as Parquet: "
            f"{str(err).splitlines()[0]}",
            hint="请重新发送该文件，它可能不完整 / send the file again; it may be cut short",
        ) from None
    names = [normalise_header(n) for n in schema.names]
    _refuse_repeats(path.name, names, known)
    return Source(
        path=path,
        name=path.name,
        format="parquet",
        header=_unique(names),
        data_start=1,
    )


def _typed_chunk(table: pa.Table, offset: int, header: list[str]) -> SourceChunk:
    """Typed columns as the text a CSV would hold: dates ISO, numbers plain, nulls empty."""
    columns = [_as_text(table.column(i)) for i in range(table.num_columns)]
    text = pa.table(dict(zip(header, columns, strict=True)))
    rows = np.arange(offset + 1, offset + 1 + table.num_rows, dtype=np.int64)
    return SourceChunk(table=text, row_numbers=rows)


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    kind = column.type
    if pa.types.is_timestamp(kind):
        column = pc.cast(column, pa.date32())
    elif pa.types.is_boolean(kind):
        column = pc.if_else(column, "是", "否")
    elif pa.types.is_dictionary(kind):
        column = pc.cast(column, kind.value_type)
    if not pa.types.is_string(column.type):
        column = pc.cast(column, pa.string())
    return pc.fill_null(column, "")


def _hash_file(path: Path | None) -> str:
    assert path is not None
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _hash_table(table: pa.Table | None) -> str:
    assert table is not None
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()


__all__ = [
    "Malformed",
    "Source",
    "SourceChunk",
    "normalise_header",
    "open_source",
    "source_from_table",
]
