"""Vectorised string building: millions of codes, numbers and names without Python loops.

Fixed-width ASCII values (ID numbers, phone numbers, codes) are built as ``(n, width)`` byte
arrays and handed to Arrow as one buffer; variable text is joined by Arrow's compute kernels.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ZERO = ord("0")


def digits(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of non-negative integers as an ``(n, width)`` uint8 array."""
    rest = np.asarray(values, dtype=np.uint64).copy()
    out = np.empty((len(rest), width), dtype=np.uint8)
    for column in range(width - 1, -1, -1):  # a loop over digit positions, not values
        out[:, column] = rest % 10
        rest //= 10
    out += ZERO
    return out


def ascii_array(chars: np.ndarray) -> pa.StringArray:
    """An Arrow string array from an ``(n, width)`` uint8 array of ASCII characters."""
    n, width = chars.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    data = np.ascontiguousarray(chars, dtype=np.uint8)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


def ascii_codes(codes: list[str]) -> np.ndarray:
    """Equal-length ASCII strings as an ``(n, width)`` uint8 array."""
    joined = "".join(codes).encode("ascii")
    return np.frombuffer(joined, dtype=np.uint8).reshape(len(codes), -1).copy()


def number_text(values: np.ndarray) -> pa.Array:
    """Integers as decimal text (no padding)."""
    return pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())


def join(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation of string arrays and literal strings."""
    return pc.binary_join_element_wise(*parts, "")


def take(values: list[str] | pa.Array, indices: np.ndarray) -> pa.Array:
    """``values[indices]`` as an Arrow string array."""
    array = values if isinstance(values, pa.Array) else pa.array(values, pa.string())
    return array.take(pa.array(np.asarray(indices, dtype=np.int64)))


def yuan_decimal(fen: np.ndarray) -> pa.Array:
    """Amounts in integer fen as ``decimal128(14, 2)`` yuan, written with exactly 2 decimals."""
    words = np.zeros((len(fen), 2), dtype=np.int64)
    words[:, 0] = fen
    words[:, 1] = np.where(np.asarray(fen) < 0, -1, 0)
    return pa.Array.from_buffers(pa.decimal128(14, 2), len(fen), [None, pa.py_buffer(words)])
