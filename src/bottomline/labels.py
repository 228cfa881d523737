"""Bilingual labels for enums: the Chinese term first, then English (domain terms keep both)."""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A string enum whose members carry ``zh`` and ``en`` labels.

    Declare members as ``name = ("value", "中文", "English")``.
    """

    zh: str
    en: str

    def __new__(cls, value: str, zh: str = "", en: str = "") -> LabelledEnum:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.zh = zh
        obj.en = en
        return obj

    @property
    def label(self) -> str:
        return f"{self.zh} / {self.en}"
