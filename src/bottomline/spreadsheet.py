"""Write reports people open in Excel or WPS: UTF-8 CSV with a BOM, formula cells defused.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by spreadsheet programs (CSV/formula injection). Every value bottomline writes into a
CSV or XLSX report goes through :func:`safe_cell`, which prefixes such text with an apostrophe
so it shows as text. Numbers are written as numbers and are never touched.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """The value as a spreadsheet should get it: text that would be a formula is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class ReportWriter:
    """A CSV report written beside its place and renamed into it on :meth:`close`.

    UTF-8 with a BOM so Excel and WPS open Chinese text correctly. Usable as a context
    manager; :meth:`discard` drops the partial file instead.
    """

    def __init__(self, path: Path, header: Sequence[str]) -> None:
        self.path = path
        self.rows = 0
        self._partial = path.with_name(path.name + ".partial")
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: IO[str] | None = self._partial.open("w", encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._fh)
        self._writer.writerow([safe_cell(h) for h in header])

    def write(self, row: Sequence[object]) -> None:
        self._writer.writerow([safe_cell(v) for v in row])
        self.rows += 1

    def write_many(self, rows: Iterable[Sequence[object]]) -> None:
        for row in rows:
            self.write(row)

    def close(self) -> Path:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
            os.replace(self._partial, self.path)
        return self.path

    def discard(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        self._partial.unlink(missing_ok=True)

    def __enter__(self) -> ReportWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.discard()


# The columns of every rejects report (feed batches and registry imports alike): where the
# bad value is, what it is (personal values masked), and why, in Chinese and English.
REJECT_HEADER = (
    "文件 file",
    "工作表 sheet",
    "行号 row",
    "列 column",
    "值 value",
    "代码 code",
    "原因",
    "reason",
)
