"""Text as the public types it: normalised, control characters removed, length bounded.

Markup is not removed here: it is stored as typed and escaped wherever it is shown (Django templates
escape by default, and no intake template marks report text safe), so ``<script>`` is shown, never run.
"""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(value: str, limit: int = 20000) -> str:
    """Multi-line text: NFC, no control or bidi-override characters, unified line breaks."""
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value).strip()[:limit]


def clean_line(value: str, limit: int = 200) -> str:
    """A one-line field: as ``clean_text`` with line breaks turned into spaces."""
    return " ".join(clean_text(value, limit * 2).split())[:limit]


def ngrams(text: str, n: int = 2) -> set[str]:
    """Character n-grams of the text without spaces and punctuation (works for Chinese, no segmenter)."""
    chars = [ch for ch in unicodedata.normalize("NFKC", text).lower() if ch.isalnum()]
    joined = "".join(chars)
    if len(joined) < n:
        return {joined} if joined else set()
    return {joined[i : i + n] for i in range(len(joined) - n + 1)}


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' character bigrams, 0 … 1."""
    first, second = ngrams(a), ngrams(b)
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)
