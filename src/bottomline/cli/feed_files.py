"""Which files ``import feed`` was given, and each one's feed and month.

Arguments are files, folders (their department files, sub-folders included) or glob patterns
the shell did not expand (``"收件箱/*.xlsx"``). Each file's feed and month are the options when
given, else what ``ingest.detect`` reads from the file's name, its folder and its header; a file
whose feed or month cannot be told fails on its own, with the option that settles it.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path

from bottomline.errors import InputFileError, UserError

# What a department sends (an .xls workbook is listed so that its import says how to convert it).
DATA_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".parquet"})


@dataclass(slots=True)
class FeedFile:
    path: Path
    problem: UserError | None = None  # the argument names no file to import


def feed_files(arguments: list[Path], *, skip: Path | None = None) -> list[FeedFile]:
    """The files to import, in the order given (a folder's files sorted), each file once.

    A folder's files inside ``skip`` (the data directory: the feed store and reports bottomline
    wrote) are left out, so that importing a parent folder does not read them back.
    """
    out: list[FeedFile] = []
    seen: set[Path] = set()
    for argument in arguments:
        for entry in _expand(argument, skip.resolve() if skip else None):
            key = entry.path.resolve()
            if entry.problem is None and key in seen:
                continue
            seen.add(key)
            out.append(entry)
    return out


def _expand(argument: Path, skip: Path | None) -> list[FeedFile]:
    if argument.is_dir():
        files = sorted(p for p in argument.rglob("*") if _is_data_file(p, skip))
        if not files:
            return [
                _nothing(
                    argument,
                    f"文件夹 {argument} 中没有部门数据文件 / the folder {argument} holds no "
                    "department files",
                )
            ]
        return [FeedFile(p) for p in files]
    text = str(argument)
    if not argument.exists() and glob.has_magic(text):
        found = sorted(Path(p) for p in glob.glob(text, recursive=True))
        files = [p for p in found if p.is_file()]
        if not files:
            return [_nothing(argument, f"没有与 {text} 相符的文件 / no file matches {text}")]
        return [FeedFile(p) for p in files]
    return [FeedFile(argument)]  # a missing file is refused by its import, as one file is


def _is_data_file(path: Path, skip: Path | None) -> bool:
    hidden = path.name.startswith((".", "~$"))  # ~$…: the lock file Excel leaves
    if hidden or not path.is_file() or path.suffix.lower() not in DATA_SUFFIXES:
        return False
    return skip is None or not path.resolve().is_relative_to(skip)


def _nothing(argument: Path, message: str) -> FeedFile:
    suffixes = "、".join(sorted(DATA_SUFFIXES))
    return FeedFile(
        argument,
        InputFileError(
            message,
            hint=f"请给出部门数据文件（{suffixes}）或存放它们的文件夹 / give department files "
            f"({suffixes}) or a folder that holds them",
        ),
    )


def feed_for(path: Path, *, given: str | None, encoding: str | None) -> tuple[str, str]:
    """The file's feed and where it came from ("" when given)."""
    from bottomline.ingest.catalogue import FEEDS
    from bottomline.ingest.detect import feed_in_name, feed_of_header, known_headers
    from bottomline.sources import open_source

    if given is not None:
        return given, ""
    named = feed_in_name(path.name)
    if named is not None:
        return named.name, "文件名 / the file's name"
    source = open_source(path, known_headers=known_headers(), min_known=2, encoding=encoding)
    guess = feed_of_header(source.header, path.name)
    if guess.feed is not None:
        return guess.feed.name, "表头 / its header"
    feeds = ", ".join(sorted(FEEDS))
    if guess.fitting:
        raise UserError(
            f"{path.name}：表头符合多种部门数据，无法判断 / the header of {path.name} fits the "
            f"feeds {', '.join(guess.fitting)}",
            hint=f"用 --feed 指明数据类型（{'、'.join(guess.fitting)}） / name the feed with --feed "
            f"({', '.join(guess.fitting)}), or import this file on its own with it",
        )
    closest = ""
    if guess.closest is not None:
        missing = "、".join(guess.missing)
        closest = (
            f"；最接近{guess.closest.zh}，但缺少列 {missing} / closest is {guess.closest.name}, "
            f"which needs the columns {missing}"
        )
    raise UserError(
        f"{path.name}：无法从文件名或表头判断是哪个部门的数据 / cannot tell which feed "
        f"{path.name} is from its name or header{closest}",
        hint=f"用 --feed 指明数据类型 / name the feed with --feed (one of: {feeds}); "
        "docs/feeds.md 列出各类数据的表头 / lists every feed's headers",
    )


def period_for(path: Path, *, given: str | None) -> tuple[str, str]:
    """The file's month and where it came from ("" when given)."""
    from bottomline.ingest.catalogue import parse_period
    from bottomline.ingest.detect import guess_period

    if given is not None:
        return given, ""
    guess = guess_period(path)
    if guess.period is not None:
        if guess.source == path.stem:
            where = "文件名 / the file's name"
        else:
            where = f"文件夹 {guess.source} / the folder {guess.source}"
        return parse_period(guess.period), where
    if guess.conflicting:
        months = "、".join(guess.conflicting)
        raise UserError(
            f"{path.name}：名称“{guess.source}”中有多个月份（{months}） / the name "
            f"{guess.source!r} holds several months ({', '.join(guess.conflicting)})",
            hint="用 --period 指明月份 / name the month with --period YYYY-MM, e.g. --period 2025-10",
        )
    raise UserError(
        f"{path.name}：文件名和所在文件夹名中没有月份 / cannot tell the month of {path.name}: "
        "neither its name nor its folder's holds one (2025-10, 202510, 2025年10月)",
        hint="用 --period 指明月份，或把文件放进以月份命名的文件夹 / name the month with --period "
        "YYYY-MM, e.g. --period 2025-10, or put the month's files in a folder named after it "
        "(2025-10)",
    )
