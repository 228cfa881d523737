"""Match department rows to registry members by resident ID number, fast and exactly.

The index holds one 64-bit key per registry person: the first 18 characters of the member's
number (a disability certificate number is the resident ID plus two or four characters, so it
matches the person's resident ID too), 17 digits and the check character packed into an
integer, looked up in a hash table built once per import. A key held by two members of
different households is ambiguous and matches nobody: such rows need a person.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from bottomline.ids import valid_id_mask

_NO_KEY = np.int64(-1)


def id_keys(ids: pa.Array) -> np.ndarray:
    """int64 key of each valid 18-character ID (the first 18 characters of longer numbers).

    ``-1`` for values that are not a valid resident ID.
    """
    head = pc.utf8_upper(pc.utf8_slice_codeunits(pc.fill_null(ids, ""), 0, 18))
    ok = valid_id_mask(head)
    keys = np.full(len(head), _NO_KEY, dtype=np.int64)
    if ok.any():
        valid = head if ok.all() else pc.filter(head, pa.array(ok))
        keys[ok] = _packed(valid)
    return keys


_POWERS = 10 ** np.arange(16, -1, -1, dtype=np.int64)


def _packed(valid: pa.Array) -> np.ndarray:
    """Keys of 18-character IDs already checked: 17 digits as a number, times 11, plus the check."""
    valid = pa.concat_arrays([valid])  # contiguous, offset 0
    chars = np.frombuffer(valid.buffers()[2], dtype=np.uint8)[: len(valid) * 18].reshape(-1, 18)
    body = (chars[:, :17].astype(np.int64) - ord("0")) @ _POWERS
    last = chars[:, 17].astype(np.int64)
    check = np.where(last == ord("X"), 10, last - ord("0"))
    return body * 11 + check


@dataclass(slots=True)
class Matches:
    member_id: np.ndarray  # int64, -1 where not matched
    household_id: np.ndarray  # int64, -1 where not matched
    found: np.ndarray  # bool
    ambiguous: np.ndarray  # bool: the ID is in more than one household


class MemberIndex:
    """Registry members by ID key; built once per import from ``registry.queries.member_index``.

    Lookups go through a hash table of the keys (pandas' ``Index``), which stays fast when
    the registry is a province's 17 million people and a binary search would miss the cache.
    """

    def __init__(self, members: pa.Table) -> None:
        keys = id_keys(members["id_number"].combine_chunks())
        keep = keys != _NO_KEY
        order = np.argsort(keys[keep], kind="stable")
        keys = keys[keep][order]
        member = members["member_id"].to_numpy()[keep][order]
        household = members["household_id"].to_numpy()[keep][order]
        first = np.ones(len(keys), dtype=bool)
        first[1:] = keys[1:] != keys[:-1]
        same = ~first[1:]
        clash = np.zeros(len(keys), dtype=bool)
        clash[1:] |= same & (household[1:] != household[:-1])
        ambiguous_keys = np.unique(keys[clash])
        self._lookup = pd.Index(keys[first])
        self._member = member[first]
        self._household = household[first]
        self._ambiguous = np.isin(keys[first], ambiguous_keys)
        self.members = members
        self.size = int(first.sum())

    def match(self, ids: pa.Array, *, checked: bool = False) -> Matches:
        """Match ID numbers; ``checked``: they are valid 18-character IDs already (the ingest
        validated them), so their keys are packed without checking them again."""
        keys = _packed(ids) if checked and len(ids) else id_keys(ids)
        pos = self._lookup.get_indexer(keys)
        hit = (pos >= 0) & (keys != _NO_KEY)
        at = np.where(hit, pos, 0)
        ambiguous = hit & self._ambiguous[at] if self.size else hit
        found = hit & ~ambiguous
        member = np.where(found, self._member[at] if self.size else -1, -1)
        household = np.where(found, self._household[at] if self.size else -1, -1)
        return Matches(member, household, found, ambiguous)
