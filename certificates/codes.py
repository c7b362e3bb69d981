"""Verification codes: 140 random bits from ``secrets``, written in Crockford's base 32
(digits and capital letters without I, L, O and U, so nothing reads as something else),
shown in seven groups of four: ``7K3M-Q9TX-0B4R-...``.

Reading is forgiving of what people do when they copy a code by hand or by voice: case,
spaces, hyphens, and I/L for 1 and O for 0. Anything else is malformed.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BITS = 140
LENGTH = BITS // 5  # 28 characters
GROUP = 4
_CONFUSABLE = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = re.compile(r"[\s\-_.]+")
_VALID = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")


def new_code() -> str:
    """A fresh code, normalized (no separators)."""
    value = secrets.randbits(BITS)
    chars = []
    for _ in range(LENGTH):
        value, digit = divmod(value, 32)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars))


def display(code: str) -> str:
    """``7K3MQ9TX...`` -> ``7K3M-Q9TX-...``."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalize(text: str) -> str | None:
    """The stored form of a code as typed, or None when it cannot be one."""
    if not isinstance(text, str) or len(text) > 3 * LENGTH:
        return None
    cleaned = _SEPARATORS.sub("", text).upper().translate(_CONFUSABLE)
    return cleaned if _VALID.fullmatch(cleaned) else None
