"""Did-you-mean: the codes of a codelist most like an unknown code, for a finding or a spec error.

A code of letters and digits (``Y5T15``) is most likely a typing slip: the most similar codes, the
nearest numbers first (``Y5T14``). A code of digits only is a position in a hierarchy (ICCS ``0401``
is in ``04``, M49 ``764`` is a country): its siblings at the same level under the longest shared
prefix come first, then its nearest ancestor, then the most similar others (``0488`` -> ``0409``,
``0401``, ``04``; not ``0808``, which only looks alike).
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable

__all__ = ["nearest_codes"]


def nearest_codes(code: str, codes: Iterable[str], n: int = 3) -> list[str]:
    """The codes most like ``code`` (a typing slip, another edition's code), best first, at most ``n``."""
    codes = list(codes)
    similar = _similar(code, codes)
    if not code.isdigit():
        return similar[:n]
    near = _siblings(code, codes) + _ancestor(code, set(codes)) + similar
    return list(dict.fromkeys(near))[:n]


def _similar(code: str, codes: list[str]) -> list[str]:
    """The most similar codes (difflib), the nearest numbers first among equally similar ones."""
    near = difflib.get_close_matches(code, codes, n=10, cutoff=0.6)
    mine = [int(d) for d in re.findall(r"\d+", code)]

    def distance(c: str) -> tuple[float, int]:
        theirs = [int(d) for d in re.findall(r"\d+", c)]
        gap = sum(abs(a - b) for a, b in zip(mine, theirs)) if len(theirs) == len(mine) else 10**9
        return -round(difflib.SequenceMatcher(None, code, c).ratio(), 6), gap
    return sorted(near, key=distance)


def _siblings(code: str, codes: list[str]) -> list[str]:
    """Digit codes of the same length sharing the longest prefix (at least one digit) with ``code``: the
    most similar, then the nearest numbers, first."""
    level = [c for c in codes if len(c) == len(code) and c.isdigit() and c != code]
    shared = {c: len(os.path.commonprefix([code, c])) for c in level}
    longest = max(shared.values(), default=0)
    if longest == 0:
        return []
    return sorted((c for c in level if shared[c] == longest),
                  key=lambda c: (-round(difflib.SequenceMatcher(None, code, c).ratio(), 6), abs(int(c) - int(code))))


def _ancestor(code: str, codes: set[str]) -> list[str]:
    """The longest proper prefix of ``code`` that is a code (its parent in a hierarchical codelist)."""
    return next(([code[:i]] for i in range(len(code) - 1, 0, -1) if code[:i] in codes), [])
