"""Public notices (公示) render to a standalone HTML page and an A4 PDF with Chinese text."""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pypdf
import pytest

from bottomline.cases.notices import (
    EliminationMethod,
    NoticeDocument,
    NoticeEntry,
    NoticeKind,
    render_html,
    render_pdf,
    write_notice,
    write_notice_html,
)
from bottomline.cases.notices.redact import html_text
from bottomline.cases.notices.render import _pdf
from bottomline.errors import IntegrityError, UserError
from bottomline.screening.enums import Category, RiskType

CJK_FONTS = ("WenQuanYi", "NotoSansCJK", "NotoSansSC", "SourceHanSans")

ZHANG = NoticeEntry("张三", "第三组", 4, Category.marginal, (RiskType.illness, RiskType.schooling))
OUYANG = NoticeEntry("欧阳明月", None, 1, Category.sudden, (RiskType.disaster_flood,))


def notice(*entries: NoticeEntry, kind: NoticeKind = NoticeKind.identification) -> NoticeDocument:
    return NoticeDocument(
        kind=kind,
        village_code="430524101201",
        place="某县某镇某村",
        round_no=1,
        year=2026,
        starts_on=date(2026, 11, 23),
        ends_on=date(2026, 11, 27),
        issued_by="某村村民委员会",
        entries=entries or (ZHANG, OUYANG),
    )


def eliminated(entry: NoticeEntry, method: EliminationMethod) -> NoticeEntry:
    return replace(entry, method=method)


def require_cjk_font() -> None:
    """Fail (never skip) when fontconfig knows no Chinese font: the PDF would show boxes."""
    found = ""
    if shutil.which("fc-list"):
        found = subprocess.run(
            ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False
        ).stdout.strip()
    if not found:
        pytest.fail("no CJK font found by `fc-list :lang=zh`; run scripts/system-deps")


def pdf_text(pdf: bytes) -> str:
    """All text of a PDF as pypdf extracts it, with whitespace removed."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def pdf_fonts(pdf: bytes) -> set[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    return fonts


def test_html_shows_title_period_and_every_household() -> None:
    text = html_text(render_html(notice()))
    assert "某县某镇某村2026年第1批监测对象识别公示" in text
    assert "公示期：2026年11月23日至2026年11月27日" in text
    for label in ("张三", "第三组", "欧阳明月", "边缘易致贫户", "突发严重困难户", "因病、因学"):
        assert label in text
    assert "边缘易致贫户；风险类型：因病、因学" in text
    assert "因自然灾害（洪涝）" in text


def test_html_is_a_standalone_chinese_page() -> None:
    page = render_html(notice())
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN">' in page
    for header in ("序号", "户主姓名", "村民小组", "家庭人口", "监测类型", "风险类型", "理由"):
        assert f"<th>{header}</th>" in page
    assert "当面或书面形式向村民委员会或乡镇人民政府反映" in page


def test_html_loads_nothing_from_anywhere() -> None:
    page = render_html(notice())
    assert "http" not in page
    assert re.search(r"\b(src|href)\s*=|url\(|@import|<link|<script", page) is None


def test_names_are_html_escaped() -> None:
    page = render_html(notice(replace(ZHANG, name="<b>张</b>", village_group="A&B")))
    assert "<b>张</b>" not in page
    assert "&lt;b&gt;张&lt;/b&gt;" in page
    assert "A&amp;B" in page


def test_household_without_group_shows_a_dash() -> None:
    rows = re.findall(r"<tr>.*?</tr>", render_html(notice(OUYANG)))
    assert "<td>—</td>" in rows[-1]


def test_elimination_notice_shows_the_method() -> None:
    doc = notice(
        eliminated(ZHANG, EliminationMethod.assisted),
        eliminated(OUYANG, EliminationMethod.natural),
        kind=NoticeKind.elimination,
    )
    page = render_html(doc)
    assert "2026年第1批风险消除公示" in page
    assert "<th>消除方式</th>" in page
    assert "<td>帮扶消除</td>" in page
    assert "<td>自然消除</td>" in page
    assert "帮扶消除：因病、因学风险已消除，收入持续稳定，两不愁三保障及饮水安全有保障" in page


def test_a_notice_needs_a_household() -> None:
    with pytest.raises(UserError, match="a notice needs at least one household"):
        replace(notice(), entries=())


def test_a_notice_runs_at_least_five_days() -> None:
    replace(notice(), ends_on=date(2026, 11, 27))  # 23..27 inclusive is 5 days
    with pytest.raises(UserError, match="at least 5 days") as raised:
        replace(notice(), ends_on=date(2026, 11, 26))
    assert "2026-11-27" in str(raised.value)


@pytest.mark.parametrize(
    ("kind", "method", "message"),
    [
        (NoticeKind.elimination, None, "no elimination method"),
        (NoticeKind.identification, EliminationMethod.assisted, "has an elimination method"),
    ],
)
def test_the_method_matches_the_kind(
    kind: NoticeKind, method: EliminationMethod | None, message: str
) -> None:
    with pytest.raises(UserError, match=message):
        notice(replace(ZHANG, method=method), kind=kind)


@pytest.mark.parametrize(
    "change",
    [
        {"household_size": 0},
        {"risk_types": ()},
        {"risk_types": tuple(RiskType)[:6]},
        {"name": "  "},
    ],
)
def test_impossible_entries_are_refused(change: dict[str, object]) -> None:
    with pytest.raises(UserError):
        replace(ZHANG, **change)


@pytest.mark.parametrize("code", ["43052410120", "43052410120a", "４３０５２４１０１２０１"])
def test_the_village_code_has_twelve_ascii_digits(code: str) -> None:
    with pytest.raises(UserError, match="12 digits"):
        replace(notice(), village_code=code)


def test_pdf_has_the_chinese_text_in_a_cjk_font(caplog: pytest.LogCaptureFixture) -> None:
    require_cjk_font()
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = render_pdf(notice())
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    for shown in ("某县某镇某村2026年第1批监测对象识别公示", "张三", "欧阳明月", "第三组"):
        assert shown in text
    assert any(name in font for font in pdf_fonts(pdf) for name in CJK_FONTS), pdf_fonts(pdf)
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []


def test_pdf_is_a4() -> None:
    page = pypdf.PdfReader(io.BytesIO(render_pdf(notice()))).pages[0]
    width_mm, height_mm = (float(v) * 25.4 / 72 for v in page.mediabox[2:])
    assert (round(width_mm), round(height_mm)) == (210, 297)


@pytest.mark.parametrize(
    "element",
    [
        '<img src="http://example.invalid/logo.png">',
        '<img src="file:///etc/hostname">',
        '<link rel="stylesheet" href="https://example.invalid/a.css">',
    ],
)
def test_pdf_rendering_refuses_every_url(element: str) -> None:
    with pytest.raises(IntegrityError, match="tried to load"):
        _pdf(f"<html><head>{element}</head><body>{element}</body></html>")


def test_write_notice_writes_both_files(tmp_path: Path) -> None:
    doc = notice()
    html_path, pdf_path = write_notice(doc, tmp_path / "notices")
    assert html_path.name == "430524101201-2026-identification-1.html"
    assert pdf_path.name == "430524101201-2026-identification-1.pdf"
    assert html_path.read_text(encoding="utf-8") == render_html(doc)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in html_path.parent.iterdir()) == [html_path.name, pdf_path.name]


def test_write_notice_writes_nothing_when_a_check_fails(tmp_path: Path) -> None:
    doc = notice(replace(ZHANG, name="张三13800138000"))
    with pytest.raises(IntegrityError):
        write_notice(doc, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_write_notice_html_writes_only_the_page(tmp_path: Path) -> None:
    doc = notice()
    path = write_notice_html(doc, tmp_path / "out")
    assert path == tmp_path / "out" / "430524101201-2026-identification-1.html"
    assert path.read_text(encoding="utf-8") == render_html(doc)
    assert list(path.parent.iterdir()) == [path]
