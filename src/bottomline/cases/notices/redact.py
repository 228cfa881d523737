"""Find personal data in text meant for the public: the second line of defence for notices.

The first line is :class:`~bottomline.cases.notices.document.NoticeEntry`, which has no field
for personal data. This scanner reads what a notice actually shows and refuses it if it holds:

- resident ID numbers: 18 characters (17 digits and a digit or ``X``, either case), whatever
  the check character; 15-digit old IDs;
- disability certificate numbers: an 18-character ID followed by 2 digits, or 4 characters
  (2 digits, or ``B`` and a digit for a reissue);
- mainland mobile numbers ``1[3-9]`` + 9 digits, also behind ``+86``, ``86`` or ``0086``;
- landlines: ``0``, a 2–3 digit area code and 7–8 digits (or ``+86`` without the ``0``);
- bank accounts: **any** other run of 16 or more digits, Luhn-valid or not. Passbook and rural
  credit cooperative account numbers often fail the Luhn check, and a notice has no honest
  reason to show a number that long, so we do not ask;
- health details: the words in :data:`HEALTH_TERMS` (diseases, treatments, disability), found
  with all whitespace removed. The risk-type labels 因病 and 因残 are national categories, not
  health details, and match none of them.

Text is NFKC-normalised first (full-width digits and letters become ASCII), and up to three
spaces, line breaks, hyphens, dashes or brackets between two digits are ignored, so
``138 0013-8000`` and ``(0731) 8888-1234`` are one number each. A number must not touch
another digit, but may end at a separator: ``13800138000 6222…`` is a phone and a card. Write dates in Chinese (2026年11月23日) or with 至 between two dates: two hyphenated
dates joined only by a space or a dash read as one 16-digit number.

A :class:`Finding` carries a masked excerpt (as :func:`bottomline.ids.mask_id` masks), never
the value found; so does :class:`PersonalDataError`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser

from bottomline.errors import IntegrityError
from bottomline.ids import mask_id, mask_phone
from bottomline.labels import LabelledEnum

# Diseases, treatments and disability words a notice must not show (policy-notes §4).
# "残疾" covers 残疾等级, 残疾人证, 一级/二级…残疾, 肢体/视力/听力/言语/智力/精神/多重残疾.
HEALTH_TERMS: tuple[str, ...] = (
    "癌", "肿瘤", "白血病", "淋巴瘤", "尿毒症", "透析", "肾衰", "精神病", "精神分裂",
    "精神障碍", "抑郁症", "双相情感", "癫痫", "艾滋", "HIV", "乙肝", "肝硬化", "结核",
    "残疾", "偏瘫", "瘫痪", "截瘫", "截肢", "脑梗", "脑出血", "脑溢血", "中风", "心脏病",
    "冠心病", "心衰", "糖尿病", "高血压", "慢阻肺", "帕金森", "阿尔茨海默", "痴呆",
    "血友病", "地中海贫血", "红斑狼疮", "先天性", "化疗", "放疗", "器官移植", "重大疾病",
    "慢性病", "大病", "重病", "住院", "手术", "病危", "植物人", "失明", "聋哑", "确诊",
)  # fmt: skip

_SEP = r"[\s\-‐‑‒–—―−()]{0,3}"  # allowed between two digits (after NFKC, so ASCII forms)


def _digits(low: int, high: int | None = None) -> str:
    """A regex for ``low`` (to ``high``) digits with separators allowed between them."""
    more = f"{low - 1}" if high is None else f"{low - 1},{high - 1}"
    return rf"[0-9](?:{_SEP}[0-9]){{{more}}}"


_ID = rf"{_digits(17)}{_SEP}[0-9Xx]"
_MOBILE = rf"(?:(?:\+|00)?86{_SEP})?1{_SEP}[3-9]{_SEP}{_digits(9)}"
_AREA_AND_NUMBER = rf"[1-9]{_SEP}{_digits(8, 10)}"  # 2-3 digit area code + 7-8 digits
_LANDLINE = rf"0{_SEP}{_AREA_AND_NUMBER}|(?:\+|00)86{_SEP}(?:0{_SEP})?{_AREA_AND_NUMBER}"
# A match must not touch another digit; a separator may follow (another number can start there).
_NUMBER = re.compile(
    rf"""(?<![0-9])(?:
      (?P<disability_certificate>{_ID}{_SEP}{_digits(2)}(?:{_SEP}(?:{_digits(2)}|[Bb][0-9]))?)
    | (?P<id_number>{_ID})
    | (?P<mobile>{_MOBILE})
    | (?P<landline>{_LANDLINE})
    | (?P<old_id_number>{_digits(15)})
    | (?P<bank_account>{_digits(16, 19)}|[0-9]{{20,}})
    )(?![0-9])""",
    re.VERBOSE,
)
_HEALTH = re.compile(
    "|".join(re.escape(t) for t in sorted(HEALTH_TERMS, key=len, reverse=True)), re.IGNORECASE
)


class PersonalDataKind(LabelledEnum):
    """What kind of personal data was found."""

    id_number = ("id_number", "身份证号码", "resident ID number")
    old_id_number = ("old_id_number", "15位身份证号码", "15-digit resident ID number")
    disability_certificate = (
        "disability_certificate",
        "残疾人证号",
        "disability certificate number",
    )
    mobile = ("mobile", "手机号码", "mobile phone number")
    landline = ("landline", "固定电话号码", "landline phone number")
    bank_account = ("bank_account", "银行账号", "bank account or card number")
    health = ("health", "健康信息", "health detail")


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of personal data: its kind and a masked excerpt (never the value)."""

    kind: PersonalDataKind
    excerpt: str


class PersonalDataError(IntegrityError):
    """Text meant for the public holds personal data; the message shows masked excerpts only."""

    def __init__(self, message: str, *, findings: Sequence[Finding] = ()) -> None:
        super().__init__(
            message,
            hint="从记录中删去；公示从不显示这些信息 / remove it from the record; notices never show it",
        )
        self.findings = tuple(findings)


def find_personal_data(text: str) -> list[Finding]:
    """Every ID number, phone number, bank account and health detail in ``text``, masked."""
    normal = unicodedata.normalize("NFKC", text)
    return _numbers(normal) + _health(normal)


def check_public_text(text: str, *, where: str) -> None:
    """Raise :class:`PersonalDataError` if ``text`` (to be shown at ``where``) holds personal data."""
    findings = find_personal_data(text)
    if findings:
        found = "; ".join(f"{f.kind.en} ({f.kind.zh}) {f.excerpt}" for f in findings)
        raise PersonalDataError(
            f"{where} 含个人信息 / personal data in {where}: {found}", findings=findings
        )


def html_text(html: str) -> str:
    """The text a reader of an HTML page sees (title included, styles and scripts not)."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.parts)


def _numbers(normal: str) -> list[Finding]:
    return [_number_finding(m) for m in _NUMBER.finditer(normal)]


def _number_finding(match: re.Match[str]) -> Finding:
    kind = PersonalDataKind(str(match.lastgroup))  # the name of the group that matched
    value = re.sub(r"[^0-9Xx+]", "", match.group())
    if kind is PersonalDataKind.mobile:
        return Finding(kind, mask_phone(value[-11:]))
    if kind is PersonalDataKind.landline:
        return Finding(kind, mask_phone(value.lstrip("+")))
    return Finding(kind, mask_id(value.upper()))


def _health(normal: str) -> list[Finding]:
    squeezed = re.sub(r"\s+", "", normal)
    return [
        Finding(PersonalDataKind.health, _mask_term(m.group())) for m in _HEALTH.finditer(squeezed)
    ]


def _mask_term(term: str) -> str:
    return "*" if len(term) == 1 else term[0] + "*" * (len(term) - 1)


class _TextParser(HTMLParser):
    """Collects text nodes outside ``<style>`` and ``<script>``."""

    _HIDDEN = frozenset({"style", "script"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)
