"""Village public notices (公示): what they show, how they render, and the personal-data check.

``document`` defines the only input the renderer accepts (no field can carry personal data),
``render`` makes the HTML page and the PDF, ``redact`` scans what they show for ID numbers,
phone numbers, bank accounts and health details.
"""

from bottomline.cases.enums import EliminationMethod, NoticeKind
from bottomline.cases.notices.document import (
    NoticeDocument,
    NoticeEntry,
    NoticeSource,
    entry_for,
    reason_for,
)
from bottomline.cases.notices.redact import (
    Finding,
    PersonalDataError,
    PersonalDataKind,
    check_public_text,
    find_personal_data,
)
from bottomline.cases.notices.render import (
    render_html,
    render_pdf,
    write_notice,
    write_notice_html,
)

__all__ = [
    "EliminationMethod",
    "Finding",
    "NoticeDocument",
    "NoticeEntry",
    "NoticeKind",
    "NoticeSource",
    "PersonalDataError",
    "PersonalDataKind",
    "check_public_text",
    "entry_for",
    "find_personal_data",
    "reason_for",
    "render_html",
    "render_pdf",
    "write_notice",
    "write_notice_html",
]
