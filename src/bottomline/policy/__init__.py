"""Policy as data: monitoring standards per region × year, inherited down the division tree.

Documents are TOML files (``policies/``), one per region and year; see docs/policy.md.

- :func:`load_document`, :func:`load_directory` read and validate them;
- :func:`resolve` gives the :class:`EffectivePolicy` of a region and year, with provenance
  and a short ``ref`` that screening results record;
- :func:`policy_table` gives the flat per-region table screening joins to households, and
  :func:`effective_policies` the distinct policies behind it.
"""

from bottomline.policy.document import DocumentRef, PolicyDocument
from bottomline.policy.effective import EffectivePolicy, ValueSource, value_sources
from bottomline.policy.loader import (
    document_from_dict,
    load_directory,
    load_document,
    parse_document,
)
from bottomline.policy.resolve import PolicyIndex, index_documents, region_chain, resolve
from bottomline.policy.schema import FIELDS, FLAT_KEYS
from bottomline.policy.table import effective_policies, policy_schema, policy_table

__all__ = [
    "FIELDS",
    "FLAT_KEYS",
    "DocumentRef",
    "EffectivePolicy",
    "PolicyDocument",
    "PolicyIndex",
    "ValueSource",
    "document_from_dict",
    "effective_policies",
    "index_documents",
    "load_directory",
    "load_document",
    "parse_document",
    "policy_schema",
    "policy_table",
    "region_chain",
    "resolve",
    "value_sources",
]
