"""Render a :class:`NoticeDocument` as a standalone HTML page and as an A4 PDF.

Both check the text they produce with :func:`check_public_text` before returning it, so a name
that smuggles in an ID number or a phone number fails loudly instead of being published. The
PDF is made by WeasyPrint from that HTML with a URL fetcher that refuses every URL: the page is
self-contained (inline CSS, no images, no links) and rendering never touches the network or
the file system. Chinese text needs a CJK font known to fontconfig (``scripts/system-deps``).
"""

from __future__ import annotations

import functools
import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, NoReturn

import jinja2

from bottomline.cases.enums import NoticeKind
from bottomline.cases.notices.document import (
    NoticeDocument,
    NoticeEntry,
    reason_for,
    risk_types_text,
)
from bottomline.cases.notices.redact import check_public_text, html_text
from bottomline.errors import IntegrityError

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcher

_NO_GROUP = "—"


class _Row(NamedTuple):
    number: int
    name: str
    group: str
    size: int
    category: str
    types: str
    reason: str


def render_html(doc: NoticeDocument) -> str:
    """The notice as a complete zh-CN HTML page, checked for personal data."""
    page = _template().render(_context(doc))
    check_public_text(html_text(page), where=f"notice {doc.file_stem} (HTML)")
    return page


def render_pdf(doc: NoticeDocument) -> bytes:
    """The notice as an A4 PDF, made from the checked HTML of :func:`render_html`."""
    return _pdf(render_html(doc))


def write_notice(doc: NoticeDocument, directory: Path) -> tuple[Path, Path]:
    """Write ``<village_code>-<year>-<kind>-<round>.html`` and ``.pdf`` into ``directory``.

    Both are rendered before either is written; each file appears by one rename.
    """
    page = render_html(doc)
    pdf = _pdf(page)
    html_path = _write_atomic(directory / f"{doc.file_stem}.html", page.encode("utf-8"))
    return html_path, _write_atomic(directory / f"{doc.file_stem}.pdf", pdf)


def write_notice_html(doc: NoticeDocument, directory: Path) -> Path:
    """Write only ``<village_code>-<year>-<kind>-<round>.html`` (no PDF, no WeasyPrint)."""
    return _write_atomic(directory / f"{doc.file_stem}.html", render_html(doc).encode("utf-8"))


@functools.cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bottomline.cases.notices", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("notice.html.j2")


def _context(doc: NoticeDocument) -> dict[str, object]:
    elimination = doc.kind is NoticeKind.elimination
    return {
        "title": doc.title,
        "starts_on": _zh_date(doc.starts_on),
        "ends_on": _zh_date(doc.ends_on),
        "types_header": "消除方式" if elimination else "风险类型",
        "kind_label": doc.kind.zh,
        "issued_by": doc.issued_by,
        "rows": [_row(i, entry, doc.kind) for i, entry in enumerate(doc.entries, start=1)],
    }


def _row(number: int, entry: NoticeEntry, kind: NoticeKind) -> _Row:
    method = entry.method.zh if entry.method else ""
    return _Row(
        number=number,
        name=entry.name,
        group=entry.village_group or _NO_GROUP,
        size=entry.household_size,
        category=entry.category.zh,
        types=method if kind is NoticeKind.elimination else risk_types_text(entry),
        reason=reason_for(entry, kind),
    )


def _zh_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _pdf(page: str) -> bytes:
    from weasyprint import HTML  # imported here: it takes a second
    from weasyprint.urls import FatalURLFetchingError

    try:
        pdf: bytes = HTML(string=page, base_url=None, url_fetcher=_refuse_all()).write_pdf()
    except FatalURLFetchingError as error:
        raise IntegrityError(
            f"公示试图加载外部资源 / a notice tried to load a resource: {error}"
        ) from None
    return pdf


def _refuse_all() -> URLFetcher:
    """A WeasyPrint URL fetcher that fetches nothing; any attempt stops the rendering."""
    from weasyprint.urls import URLFetcher

    class RefuseAll(URLFetcher):
        def __init__(self) -> None:
            super().__init__(fail_on_errors=True)

        def fetch(self, url: str, headers: object = None) -> NoReturn:
            raise IntegrityError(
                f"公示不得加载任何资源，却请求了 {url!r} / "
                f"a notice must not load anything, it asked for {url!r}"
            )

    return RefuseAll()


def _write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` beside ``path`` and rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path
