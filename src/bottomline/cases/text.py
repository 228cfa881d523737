"""Free text that officials type (reasons, evidence notes).

Reasons and evidence are kept in case events and the audit log, so they must not carry ID
numbers, phone numbers or bank accounts: such text is refused with a message, not stored.
"""

from __future__ import annotations

from bottomline.cases.notices.redact import find_personal_data
from bottomline.errors import UserError


def check_free_text(text: str | None) -> None:
    """Refuse text holding an ID, phone or bank-account number."""
    if not text:
        return
    found = [f for f in find_personal_data(text) if f.kind != "health"]
    if found:
        kinds = ", ".join(sorted({str(f.kind) for f in found}))
        kinds_zh = "、".join(sorted({f.kind.zh for f in found}))
        raise UserError(
            f"文字中含个人信息（{kinds_zh}） / "
            f"the text contains personal data ({kinds}): {found[0].excerpt}",
            hint="理由和证据会记入审计日志，请勿写入证件号、电话和银行账号 / "
            "reasons and evidence are kept in the audit log; leave out ID, phone and "
            "bank-account numbers",
        )
