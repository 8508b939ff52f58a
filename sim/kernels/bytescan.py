"""Scans of one-byte codes eight at a time, for the daily passes over all consumers.

Stage codes (:mod:`sim.world.population`) and boolean flags are one byte per consumer × retailer.
The scans here read them as uint64 words: for a byte v in 0..127 and a threshold t in 0..128,
v + (128 − t) sets the byte's high bit exactly when v ≥ t and never carries into the next
byte, so one addition and one mask test eight entries against the threshold. Each function
states the plain numpy expression it equals (tests/test_fast_bookkeeping.py checks them).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba.cpython.unsafe.numbers import trailing_zeros

ONES = np.uint64(0x0101010101010101)
HIGH = np.uint64(0x8080808080808080)
_U1 = np.uint64(1)
_B3 = np.uint64(3)
_B7 = np.uint64(7)
_B56 = np.uint64(56)


def byte_words(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Views of a C-contiguous array of 1-byte items (bool, int8, uint8) as (uint64 words of
    its first 8·⌊size/8⌋ bytes, uint8 remaining bytes), in flat (row-major) order. Raises
    ValueError for other arrays."""
    if a.itemsize != 1 or not a.flags.c_contiguous:
        raise ValueError("byte_words needs a C-contiguous array of 1-byte items")
    flat = a.reshape(-1).view(np.uint8)
    cut = len(flat) - len(flat) % 8
    return flat[:cut].view(np.uint64), flat[cut:]


def threshold_add(threshold: int) -> np.uint64:
    """The word added to eight byte codes (0–127) to set the high bit of those ≥ ``threshold``
    (0–128)."""
    if not 0 <= threshold <= 128:
        raise ValueError(f"threshold must be in 0..128, got {threshold}")
    return np.uint64((128 - threshold) * 0x0101010101010101)


@njit(inline="always")
def count_high_bits(word):
    """Number of bytes of ``word`` whose high bit is set (0–8)."""
    return np.int64(((word >> _B7) & ONES) * ONES >> _B56)


_LOW16 = np.uint64(0x00FF00FF00FF00FF)
_ONES16 = np.uint64(0x0001000100010001)
_B8 = np.uint64(8)
_B48 = np.uint64(48)


@njit(inline="always")
def byte_total(word):
    """Sum of the eight bytes of ``word`` (each 0–255)."""
    pairs = (word & _LOW16) + ((word >> _B8) & _LOW16)  # four 16-bit sums ≤ 510
    return np.int64((pairs * _ONES16) >> _B48)


@njit(cache=True)
def count_set_bytes(raw, start, stop):
    """Number of set entries of ``raw[start:stop]``, a range of 0/1 bytes (a vectorised sum)."""
    total = 0
    for x in raw[start:stop]:
        total += x
    return total


@njit(cache=True)
def _scan_at_least(words, tail, add, threshold, skip_words, skip_tail, skip):
    """Flat indices (ascending) of byte codes ≥ ``threshold`` whose ``skip`` flag (0/1 bytes,
    if ``skip``) is 0."""
    # room for every entry: untouched pages of the buffer cost nothing, and one pass with no
    # bounds checks beats counting first
    out = np.empty(8 * len(words) + len(tail), dtype=np.int64)
    k = 0
    for w in range(len(words)):
        hit = (words[w] + add) & HIGH
        if skip:
            hit &= ~(skip_words[w] << _B7)
        while hit:
            out[k] = 8 * w + np.int64(trailing_zeros(hit) >> _B3)
            k += 1
            hit &= hit - _U1
    base = 8 * len(words)
    for j in range(len(tail)):
        if tail[j] >= threshold and not (skip and skip_tail[j]):
            out[k] = base + j
            k += 1
    return out[:k].copy()


def entries_at_least(codes: np.ndarray, threshold: int,
                     unless: np.ndarray | None = None) -> np.ndarray:
    """Flat indices of the entries of ``codes`` (1-byte codes in 0–127, e.g. ``stage``) that
    are ≥ ``threshold`` (0–128) and, if given, whose ``unless`` flag (bool, same shape) is
    not set: ``np.flatnonzero((codes >= threshold) & ~unless)`` (int64, ascending)."""
    words, tail = _words_of(codes)
    add = _ADD.get(threshold)
    if add is None:
        add = _ADD[threshold] = threshold_add(threshold)
    if unless is None:
        skip_words, skip_tail, skip = words, tail, False
    else:
        if unless.shape != codes.shape:
            raise ValueError("unless must have the shape of codes")
        (skip_words, skip_tail), skip = _words_of(unless), True
    return _scan_at_least(words, tail, add, threshold, skip_words, skip_tail, skip)


_ADD: dict = {}  # threshold -> threshold_add(threshold)
_WORDS: list = []  # [(array, its shape, its byte_words)] of the last two arrays asked for


def _words_of(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`byte_words` of ``a``, kept for the last two arrays asked for (the daily scans
    ask for the same ``stage`` and ``churned`` arrays every day). An array object keeps its
    memory while it lives (and it lives while kept here), so the same object with the same
    shape has the same views; an entry is dropped once two other arrays were asked for."""
    for kept, shape, views in _WORDS:
        if kept is a and shape == a.shape:
            return views
    views = byte_words(a)
    _WORDS.insert(0, (a, a.shape, views))
    del _WORDS[2:]
    return views
