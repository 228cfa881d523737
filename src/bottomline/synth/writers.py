"""Department file writers: CSV in UTF-8, UTF-8 with BOM or GB18030, and XLSX with a title row.

Tables arrive in chunks whose column names are already the department headers; the CSV writer
streams each chunk through Arrow's CSV writer (and, for GB18030, re-encodes the chunk), and the
XLSX writer uses xlsxwriter's constant-memory mode, starting a new sheet (with the title and
header again) every million rows.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import xlsxwriter

SHEET_ROWS = 1_000_000
_CSV_OPTIONS = pcsv.WriteOptions(include_header=False, quoting_style="none", batch_size=1 << 16)
ENCODINGS = {"csv-utf8": "utf-8", "csv-utf8-bom": "utf-8-sig", "csv-gb18030": "gb18030"}


def write_csv(chunks: Iterable[pa.Table], path: Path, header: list[str], sample_format: str) -> int:
    """Write the chunks as one CSV file in the format's encoding; returns the data rows."""
    encoding = ENCODINGS[sample_format]
    rows = 0
    with path.open("wb") as fh:
        fh.write((",".join(header) + "\n").encode(encoding))
        for chunk in chunks:
            rows += chunk.num_rows
            if encoding == "gb18030":
                buffer = io.BytesIO()
                pcsv.write_csv(chunk, buffer, _CSV_OPTIONS)
                fh.write(buffer.getvalue().decode("utf-8").encode("gb18030"))
            else:
                pcsv.write_csv(chunk, fh, _CSV_OPTIONS)
    return rows


def _cells(chunk: pa.Table) -> list[list[object]]:
    """Columns as Python lists: dates as YYYY-MM-DD text, decimals as floats."""
    columns = []
    for column in chunk.columns:
        if pa.types.is_date(column.type):
            column = pc.strftime(column.cast(pa.timestamp("s")), format="%Y-%m-%d")
        elif pa.types.is_decimal(column.type):
            column = column.cast(pa.float64())
        columns.append(column.to_pylist())
    return columns


class _Sheets:
    """Sheets of one workbook, each with the title row and the header row."""

    def __init__(self, book: xlsxwriter.Workbook, title: str, header: list[str]) -> None:
        self.book, self.title, self.header = book, title, header
        self.money = book.add_format({"num_format": "0.00"})
        self.sheet = None
        self.row = SHEET_ROWS + 2

    def write(self, values: list[object]) -> None:
        if self.row >= SHEET_ROWS + 2:
            self._new_sheet()
        assert self.sheet is not None
        for col, value in enumerate(values):
            if isinstance(value, float):
                self.sheet.write_number(self.row, col, value, self.money)
            elif value is not None:
                self.sheet.write_string(self.row, col, str(value))
        self.row += 1

    def _new_sheet(self) -> None:
        sheet = self.book.add_worksheet()
        sheet.write_string(0, 0, self.title)
        sheet.write_row(1, 0, self.header)
        self.sheet, self.row = sheet, 2


def write_xlsx(chunks: Iterable[pa.Table], path: Path, header: list[str], title: str) -> int:
    """Write the chunks as an XLSX workbook with a one-line title above the header."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheets = _Sheets(book, title, header)
    rows = 0
    for chunk in chunks:
        for values in zip(*_cells(chunk), strict=True):  # xlsxwriter writes cell by cell
            sheets.write(list(values))
        rows += chunk.num_rows
    if sheets.sheet is None:
        sheets._new_sheet()
    book.close()
    return rows
