"""Write a file all at once: a temporary file beside it, then a rename (nothing half-written).

Kept for the report's modules; the one implementation is `symbiosis.outputs.write_file`.
"""
from __future__ import annotations

from pathlib import Path

from ..outputs import write_file


def write_bytes(path: str | Path, data: bytes) -> Path:
    return write_file(path, data)
