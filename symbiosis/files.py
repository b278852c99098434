"""Reading a user's file safely: a regular file, of bounded size, in UTF-8.

A named pipe given as `firms.csv` would block a read forever, and a 200 MB one-line CSV took
7 GB; so every input file (tables, workbooks, model.yaml, scenario and sweep files) is read
through `read_bytes`, which refuses what is not a regular file and what is larger than its
limit, and text through `read_text`, which says which line is not UTF-8 and how to fix it.
The limits are documented in docs/format.md ("Limits of one file"); tests lower them.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import InputError, Problem

MB = 1024 * 1024
MAX_TABLE_BYTES = 100 * MB  # one CSV file or workbook
MAX_WORKBOOK_UNPACKED_BYTES = 500 * MB  # an .xlsx is a zip: what it unpacks to
MAX_YAML_BYTES = 10 * MB  # model.yaml, a scenario or a sweep file
MAX_CELL_CHARS = 10_000  # one table cell or YAML scalar
MAX_LINE_CHARS = 100_000  # one line of a CSV file

SAVE_AS_UTF8 = ("save it as UTF-8 (Excel: Save As > 'CSV UTF-8 (Comma delimited)'; LibreOffice: "
                "Save As > Text CSV, character set 'Unicode (UTF-8)'; an editor: Save with "
                "Encoding > UTF-8)")


def _size(n: int) -> str:
    return f"{n / MB:,.1f} MB" if n >= MB else f"{n:,} bytes"


def read_bytes(path: Path, limit: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most `limit` bytes; else an InputError."""
    source = str(path)
    try:
        info = os.stat(path)  # never opens: a FIFO does not block here
    except FileNotFoundError:
        raise InputError(Problem(source, "file not found")) from None
    except OSError as exc:
        raise InputError(Problem(source, f"cannot read file: {exc.strerror or exc}")) from None
    if not stat.S_ISREG(info.st_mode):
        kind = ("a folder" if stat.S_ISDIR(info.st_mode) else
                "a named pipe (FIFO)" if stat.S_ISFIFO(info.st_mode) else
                "a device or socket")
        raise InputError(Problem(source, f"not a regular file: it is {kind}; give the "
                                         f"{what} as an ordinary file"))
    if info.st_size > limit:
        raise InputError(Problem(source, _too_large(info.st_size, limit, what)))
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)  # a file growing while read is still bounded
    except OSError as exc:
        raise InputError(Problem(source, f"cannot read file: {exc.strerror or exc}")) from None
    if len(data) > limit:
        raise InputError(Problem(source, _too_large(len(data), limit, what)))
    return data


def _too_large(size: int, limit: int, what: str) -> str:
    return (f"file is {_size(size)}, more than the limit of {_size(limit)} for a {what}: "
            "split it, or check that it is the right file")


def decode_utf8(data: bytes, source: str) -> str:
    """Text of UTF-8 bytes (a byte-order mark is dropped); else an InputError naming the line."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        start = data.rfind(b"\n", 0, exc.start) + 1
        column = len(data[start:exc.start].decode("utf-8", errors="replace")) + 1
        byte = data[exc.start]
        raise InputError(Problem(
            source, f"not UTF-8 text: byte 0x{byte:02x} at character {column} is not UTF-8 "
                    "(the file is probably in Windows-1258, Windows-1252 or Latin-1); "
                    + SAVE_AS_UTF8, row=f"line {line}")) from None


def read_text(path: Path, limit: int, what: str = "file") -> str:
    """A regular file of bounded size, decoded as UTF-8 (with or without a byte-order mark)."""
    return decode_utf8(read_bytes(path, limit, what), str(path))
