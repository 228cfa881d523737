"""A loaded policy document (one region × year) and the reference other records keep to it.

A document holds only what its file sets; inheritance happens in :mod:`.resolve`. Its
``content_hash`` is the sha256 of a canonical JSON of its meta and values, so reformatting
the file, reordering keys or adding comments does not change it, while any change to a
value, the title or the citation does. Where a file lives is not part of its content.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bottomline.errors import PolicyError
from bottomline.policy.schema import FIELDS, Value

_ORDER = {spec.path: i for i, spec in enumerate(FIELDS)}


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """What an effective policy records about each document it used."""

    region: str
    year: int
    source_path: str
    content_hash: str

    @property
    def label(self) -> str:
        return f"{self.region}/{self.year} ({self.source_path})"

    def to_dict(self) -> dict[str, str | int]:
        return {
            "region": self.region,
            "year": self.year,
            "source_path": self.source_path,
            "content_hash": self.content_hash,
        }


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    region: str  # 12-digit division code; "000000000000" = the nation
    year: int
    title: str
    source: str  # citation (S-id, issuer, document number, address)
    source_path: str  # where it was loaded from
    settings: tuple[tuple[str, Value], ...]  # (dotted key path, value), in schema order
    content_hash: str  # sha256 hex of canonical JSON of meta + values

    @property
    def values(self) -> dict[str, Any]:
        """What the file sets, nested by section: ``{"standard": {"income_line": 8700}}``."""
        return nest(dict(self.settings))

    @property
    def ref(self) -> DocumentRef:
        return DocumentRef(self.region, self.year, self.source_path, self.content_hash)

    def get(self, path: str) -> Value | None:
        return dict(self.settings).get(path)

    def meta(self) -> dict[str, str | int]:
        return {
            "region": self.region,
            "year": self.year,
            "title": self.title,
            "source": self.source,
        }

    def to_dict(self) -> dict[str, Any]:
        """The document as TOML-shaped data; :func:`~.loader.document_from_dict` reads it back."""
        return {"meta": self.meta(), **self.values}


def make_document(
    meta: Mapping[str, str | int], settings: Mapping[str, Value], *, source_path: str
) -> PolicyDocument:
    """Build a document from already validated meta and settings."""
    ordered = tuple(sorted(settings.items(), key=lambda item: _ORDER[item[0]]))
    region, year = str(meta["region"]), int(meta["year"])
    title, source = str(meta["title"]), str(meta["source"])
    canonical_meta = {"region": region, "year": year, "title": title, "source": source}
    digest = sha256_json({"meta": canonical_meta, "values": nest(dict(ordered))})
    return PolicyDocument(region, year, title, source, source_path, ordered, digest)


def nest(dotted: Mapping[str, Value]) -> dict[str, Any]:
    """``{"a.b.c": 1}`` → ``{"a": {"b": {"c": 1}}}``."""
    out: dict[str, Any] = {}
    for path, value in dotted.items():
        *parents, leaf = path.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def sha256_json(data: object) -> str:
    """sha256 hex of the canonical JSON of ``data`` (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def unique_documents(documents: Iterable[PolicyDocument]) -> list[PolicyDocument]:
    """Documents sorted by region, year and path, one per region × year.

    Identical copies (same content hash) are kept once, the first by path; two different
    documents for the same region and year are refused, naming both files.
    """
    kept: dict[tuple[str, int], PolicyDocument] = {}
    conflicts: list[str] = []
    for doc in sorted(documents, key=lambda d: (d.region, d.year, d.source_path)):
        first = kept.setdefault((doc.region, doc.year), doc)
        if first.content_hash != doc.content_hash:
            conflicts.append(f"{doc.region}/{doc.year}: {first.source_path} and {doc.source_path}")
    if conflicts:
        raise PolicyError(
            "同一区域同一年度有两份不同的政策文件 / "
            "two different policy documents for the same region and year:\n  - "
            + "\n  - ".join(conflicts),
            hint="每个区域每年只保留一份文件：合并两个文件，或改正其中一个的区域或年度"
            "（每个版本都按哈希保存在数据库中） / "
            "keep one document per region × year: merge the two files or correct the "
            "region or year in one of them (every version stays in the store by its hash)",
        )
    return list(kept.values())
