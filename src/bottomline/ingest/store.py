"""Where imported department rows live: Parquet partitioned by feed and period.

::

    <feeds>/<feed>/period=<YYYY-MM>/batch-<id>.parquet            accepted rows (screening reads these)
    <feeds>/_unmatched/<feed>/period=<YYYY-MM>/batch-<id>.parquet  valid rows of people not in the registry
    <feeds>/_incoming/batch-<id>/                                  an import at work (never read)
    <feeds>/_retired/<feed>/period=<YYYY-MM>/batch-<id>.parquet    a superseded or withdrawn batch (kept, never read)
    <feeds>/_retired/_unmatched/<feed>/period=<YYYY-MM>/batch-<id>.parquet
    <feeds>/.import.lock                                           held by the one import at work

A batch's accepted file appears by one rename after its batch row is committed in the
operational store, so a reader sees a batch whole or not at all.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bottomline.errors import UserError
from bottomline.ingest.catalogue import period_index

INCOMING = "_incoming"
UNMATCHED = "_unmatched"
RETIRED = "_retired"


def staged_path(feeds_dir: Path, feed: str, period: str, batch_id: int) -> Path:
    return feeds_dir / feed / f"period={period}" / f"batch-{batch_id}.parquet"


def unmatched_path(feeds_dir: Path, feed: str, period: str, batch_id: int) -> Path:
    return feeds_dir / UNMATCHED / feed / f"period={period}" / f"batch-{batch_id}.parquet"


def retire_files(feeds_dir: Path, feed: str, period: str, batch_id: int) -> None:
    """Move a superseded or withdrawn batch's files out of what readers see (kept for audit).

    Idempotent: files already moved (or never written) are left as they are.
    """
    retired = feeds_dir / RETIRED
    for live in (
        staged_path(feeds_dir, feed, period, batch_id),
        unmatched_path(feeds_dir, feed, period, batch_id),
    ):
        if live.exists():
            publish(live, retired / live.relative_to(feeds_dir))


def incoming_dir(feeds_dir: Path, batch_id: int) -> Path:
    return feeds_dir / INCOMING / f"batch-{batch_id}"


def staged_files(feeds_dir: Path | None, feed: str, first: int, last: int) -> list[Path]:
    """Accepted-row files of one feed whose period index lies in [first, last], oldest first."""
    if feeds_dir is None or not (feeds_dir / feed).is_dir():
        return []
    out = []
    for part in sorted((feeds_dir / feed).glob("period=*")):
        try:
            index = period_index(part.name.removeprefix("period="))
        except ValueError:
            continue
        if first <= index <= last:
            out.extend(sorted(part.glob("batch-*.parquet")))
    return out


def publish(source: Path, target: Path) -> None:
    """Move a finished file into place with one rename (same file system), made durable."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with source.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(source, target)
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


@contextmanager
def import_lock(feeds_dir: Path) -> Iterator[None]:
    """Hold the feed store's import lock: one import at a time, so a batch found ``importing``
    by the holder was abandoned by a process that stopped."""
    feeds_dir.mkdir(parents=True, exist_ok=True)
    with (feeds_dir / ".import.lock").open("a") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(
                f"另一个导入正在写入 {feeds_dir} / another import into {feeds_dir} is running",
                hint="等它结束后再导入 / wait for it to finish, then import again",
            ) from None
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
