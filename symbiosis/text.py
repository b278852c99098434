"""Text a user's file puts in front of a user again: escaped, shortened, made into names.

A message that echoes a cell or a YAML value must not let that value drive the terminal
(ESC and BEL sequences), break the message over lines, or run to megabytes; a folder name made
from a Vietnamese scenario name should keep its letters. This module imports nothing of ours.
"""
from __future__ import annotations

import re
import reprlib
import unicodedata
from typing import Any

# C0 and C1 controls, DEL, and the Unicode line separators and bidirectional overrides (which
# reorder what a terminal shows: "Trojan source").
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_controls(text: str) -> str:
    """`text` with each control character shown as an escape (`\\x1b`, `\\n`, `\\u202e`)."""
    def one(match: re.Match) -> str:
        char = match.group()
        if char in _NAMED:
            return _NAMED[char]
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return _CONTROL.sub(one, text)


_SHORT = reprlib.Repr()
_SHORT.maxstring = 60
_SHORT.maxother = 60
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = _SHORT.maxset = 5
_SHORT.maxlevel = 3
_SHORT.maxlong = 40


def short_repr(value: Any, limit: int = 80) -> str:
    """repr() of a value, bounded: a YAML alias bomb or a 10,000-character cell is quoted as
    its beginning, without ever building the full repr (which may not fit in memory)."""
    text = _SHORT.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# Letters that NFKD does not split into a base letter and a mark.
_EXTRA = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "ø": "o", "Ø": "O",
                        "ł": "l", "Ł": "L", "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe",
                        "Œ": "OE", "þ": "th", "Þ": "Th"})


def transliterate(text: str) -> str:
    """ASCII letters for Latin letters with diacritics: `Khu công nghiệp Yên Phong` →
    `Khu cong nghiep Yen Phong`, `Đình Vũ` → `Dinh Vu` (NFKD, then drop the marks)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_EXTRA))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def safe_chars(text: str, keep: str = "._-") -> str:
    """`text` transliterated, each run of characters other than ASCII letters, digits and
    `keep` made one `-` (case and ends kept: a variant label keeps the minus of `-5`)."""
    return re.sub(f"[^A-Za-z0-9{re.escape(keep)}]+", "-", transliterate(text))


def slug(text: str, keep: str = "._-", default: str = "result") -> str:
    """A folder name: transliterated, lower case, other characters runs of `-`."""
    return safe_chars(text, keep).strip("-").lower() or default
