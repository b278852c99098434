"""The association's data forms: a workbook a firm fills in (`symbiosis template`) and the
merge of returned forms into one park model folder (`symbiosis merge`); docs/format.md
("Data forms") gives the layout, docs/association.md the how-to.

- layout: sheet names, columns and the instructions (English and Vietnamese)
- cells: writing a cell that stays text, reading one that must not be a formula
- template: the blank form, with drop-down lists from a park's catalogue
- merge: reading, checking and merging returned forms, with provenance.csv
"""
from __future__ import annotations

from .merge import merge_forms
from .template import write_template

__all__ = ["merge_forms", "write_template"]
