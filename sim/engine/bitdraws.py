"""numpy's random draws from inside compiled loops, the same numbers in the same order.

A :class:`numpy.random.Generator` call costs a few microseconds of set-up (argument parsing,
an array, for ``integers`` with a ``size`` a ``np.prod`` of it), more than its few draws; and
passing the Generator itself into a compiled function costs more still. Its bit generator
exposes its C functions (``bit_generator.ctypes``: the state's address and the addresses of
``next_uint32`` and ``next_double``); :func:`source` reads those once per generator and a
compiled loop calls them by address (:func:`next_uint32`, :func:`next_double`), exactly as
numpy's own fill loops do. The draws and the generator's state afterwards are those of the
numpy calls each function names (``tests/engine/test_bitdraws.py`` checks them).

Only the addresses are passed into compiled code (integers), so the kernels stay cacheable.
(The engine layer holds this module: it reads the addresses with ``ctypes`` and calls them
through an LLVM intrinsic, which the kernels package, numeric libraries only, does not use.)
"""

from __future__ import annotations

import ctypes

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from sim.kernels.commission import fitting_posts


@intrinsic
def _call_uint32(typingctx, fn, state):
    """``((uint32 (*)(void *)) fn)(state)``: a bit generator's ``next_uint32``."""
    sig = types.uint32(types.uintp, types.uintp)

    def codegen(context, builder, signature, args):
        ptr = ir.IntType(8).as_pointer()
        fnty = ir.FunctionType(ir.IntType(32), [ptr])
        f = builder.inttoptr(args[0], fnty.as_pointer())
        return builder.call(f, [builder.inttoptr(args[1], ptr)])

    return sig, codegen


@intrinsic
def _call_double(typingctx, fn, state):
    """``((double (*)(void *)) fn)(state)``: a bit generator's ``next_double``."""
    sig = types.float64(types.uintp, types.uintp)

    def codegen(context, builder, signature, args):
        ptr = ir.IntType(8).as_pointer()
        fnty = ir.FunctionType(ir.DoubleType(), [ptr])
        f = builder.inttoptr(args[0], fnty.as_pointer())
        return builder.call(f, [builder.inttoptr(args[1], ptr)])

    return sig, codegen


@njit(inline="always")
def next_uint32(src):
    """One ``next_uint32`` of the bit generator ``src`` (:func:`source`)."""
    return _call_uint32(src[0], src[2])


@njit(inline="always")
def next_double(src):
    """One uniform on [0, 1) of the bit generator ``src`` (:func:`source`): what
    ``Generator.random()`` draws."""
    return _call_double(src[1], src[2])


@njit(inline="always")
def bounded(src, high):
    """One of ``Generator.integers(high)``'s draws (int64 ``high``, 2 ≤ high ≤ 2**32 − 1):
    numpy's Lemire rejection on 32-bit draws for the range ``high − 1``."""
    rng_excl = np.uint64(high)
    m = np.uint64(next_uint32(src)) * rng_excl
    leftover = m & np.uint64(0xFFFFFFFF)
    if leftover < rng_excl:
        threshold = (np.uint64(0xFFFFFFFF) - (rng_excl - np.uint64(1))) % rng_excl
        while leftover < threshold:
            m = np.uint64(next_uint32(src)) * rng_excl
            leftover = m & np.uint64(0xFFFFFFFF)
    return np.int64(m >> np.uint64(32))


@njit(cache=True)
def integers(src, high, size):
    """``Generator.integers(high, size=size)`` (int64) for 1 ≤ ``high`` ≤ 2**32 − 1 (high 1:
    zeros, no draw, as numpy)."""
    out = np.zeros(size, dtype=np.int64)
    if high > 1:
        for j in range(size):
            out[j] = bounded(src, high)
    return out


@njit(cache=True)
def uniforms(src, size):
    """``Generator.random(size)`` (float64)."""
    out = np.empty(size, dtype=np.float64)
    for j in range(size):
        out[j] = next_double(src)
    return out


@njit(cache=True)
def draw_posts(u32, dbl, state, fees, budget, cheapest, cap):
    """A day's commissioned posts of one tier, drawing from a bit generator
    (:func:`source` gives ``(u32, dbl, state)``): creators are drawn in
    blocks and paid while they fit, as :meth:`sim.engine.agents.Retailer._commission` does
    with numpy::

        picked, spent, count = [], 0.0, 0
        while count < cap:
            k = min(cap - count, int(max(0.0, budget - spent) // cheapest) + 1)
            draw = rng.integers(len(fees), size=k)
            n, spent = fitting_posts(fees, draw, spent, budget)
            picked.append(draw[:n]); count += n
            if n < k:
                break

    ``fees`` yuan per creator (1 ≤ len ≤ 2**32 − 1), ``budget`` yuan, ``cheapest`` > 0 the
    smallest fee, ``cap`` ≥ 0 the most posts. Returns (the picks, int64, the yuan spent): the
    same draws, and the bit generator left where numpy's calls leave it.
    """
    src = (u32, dbl, state)
    high = len(fees)
    picks = np.empty(cap, dtype=np.int64)
    spent = 0.0
    count = 0
    while count < cap:
        q = max(0.0, budget - spent) // cheapest
        k = cap - count if q >= cap - count else int(q) + 1
        block = picks[count:count + k]  # k ≤ cap − count: the block fits after the picks
        for j in range(k):
            block[j] = bounded(src, high) if high > 1 else 0
        n, spent = fitting_posts(fees, block, spent, budget)
        count += n
        if n < k:
            break
    return picks[:count], spent


@njit(cache=True)
def draw_paid_posts(u32, dbl, state, fees, budget, cheapest, cap, line_limit):
    """:func:`draw_posts`, then, if a line that accepts up to ``line_limit`` yuan
    (:meth:`sim.engine.agents.Retailer.book`: line + 1e-9) pays the yuan spent, the posts'
    four uniforms each, ``rng.random((len(picks), 4))``. Returns (picks, yuan spent, the
    uniforms, True), or the uniforms' array empty and False when the line refuses (nothing
    more drawn)."""
    picks, spent = draw_posts(u32, dbl, state, fees, budget, cheapest, cap)
    if spent > 0 and spent > line_limit:  # Retailer.book refuses it
        return picks, spent, np.empty((0, 4), dtype=np.float64), False
    src = (u32, dbl, state)
    u = np.empty((len(picks), 4), dtype=np.float64)
    for j in range(len(picks)):
        for t in range(4):
            u[j, t] = next_double(src)
    return picks, spent, u, True


_SOURCES: dict[int, tuple] = {}


def source(rng: np.random.Generator) -> tuple[int, int, int] | None:
    """(address of ``next_uint32``, of ``next_double``, of the state) of ``rng``'s bit
    generator as a tuple of three uintp for the kernels, kept per bit generator; None for a
    bit generator other than numpy's PCG64 (callers then use the Generator's own calls)."""
    bit = rng.bit_generator
    key = id(bit)
    cached = _SOURCES.get(key)
    if cached is not None and cached[0] is bit:
        return cached[1]
    if type(bit) is not np.random.PCG64:
        return None
    iface = bit.ctypes
    src = (np.uintp(ctypes.cast(iface.next_uint32, ctypes.c_void_p).value),
           np.uintp(ctypes.cast(iface.next_double, ctypes.c_void_p).value),
           np.uintp(iface.state_address))
    if len(_SOURCES) > 64:  # generators of finished runs
        _SOURCES.clear()
    _SOURCES[key] = (bit, src)
    return src


__all__ = ["bounded", "draw_paid_posts", "draw_posts", "integers", "next_double",
           "next_uint32", "source", "uniforms"]
