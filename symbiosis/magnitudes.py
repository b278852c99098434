"""Refuse numbers the solver cannot represent exactly, naming the cell (docs/format.md,
"Magnitudes and verification").

HiGHS treats bounds and costs of 1e20 or more as infinite, drops matrix values of 1e-9 or
less and counts a row as met within 1e-6 absolute (its MIP feasibility tolerance) in the
units it is handed. On the Pyomo path those are the user's units, so a stream of 1e20 t has no
balance at all, a yield of 1e-9 vanishes from the demand balance, and a stream of 1e-6 t can be
left unmet "within tolerance". The limits below keep every number of the program where the
solver resolves it to about 1e-9 relative or better; `symbiosis.verify` checks every answer
in any case. The checks run on the final tables (after a scenario's `scale` and `adjust`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .checks import ROW, Tables
from .errors import Problem
from .schema import LARGEST_MONEY

LARGEST_AMOUNT = 1e12  # quantities, quality levels: 1e8 below HiGHS's infinite bound (1e20)
SMALLEST_QUANTITY = 1e-3  # 1000 × HiGHS's absolute MIP feasibility tolerance (1e-6)
YIELD_RANGE = (1e-6, 1e6)  # products with quantities stay within [1e-9, 1e18]
# money and CO2 per unit (and model.yaml's money keys): coefficients stay below 1e20 even
# when the fast path multiplies a column by its bound (≤ LARGEST_AMOUNT) and rescales
SMALLEST_LEVEL = 1e-6  # quality levels (times yields in quality rows; verification catches
# a product the unscaled path drops at 1e-9)
DOC = "see docs/format.md, 'Magnitudes and verification'"


@dataclass(frozen=True)
class Limit:
    table: str
    column: str
    smallest: float | None  # smallest nonzero magnitude accepted (None: any)
    largest: float  # largest magnitude accepted
    too_small: str  # what to do about a value below `smallest`
    too_large: str  # ... above `largest`


_AMOUNT_SMALL = "give this resource in a smaller unit (e.g. kg instead of t)"
_AMOUNT_LARGE = "give this resource in a larger unit (e.g. kt instead of t)"
_MONEY_LARGE = ("give money in a larger currency unit (e.g. million VND) or the resource in "
                "a smaller unit")
_CO2_LARGE = "give the resource in a smaller unit"

LIMITS: tuple[Limit, ...] = (
    Limit("streams", "quantity", SMALLEST_QUANTITY, LARGEST_AMOUNT, _AMOUNT_SMALL,
          _AMOUNT_LARGE),
    Limit("exchanges", "yield", YIELD_RANGE[0], YIELD_RANGE[1],
          "give to_resource in a smaller unit (e.g. kg instead of t) or from_resource in a "
          "larger one", "give to_resource in a larger unit or from_resource in a smaller one"),
    Limit("qualities", "value", SMALLEST_LEVEL, LARGEST_AMOUNT,
          "give the property in a smaller unit (e.g. µg/L instead of mg/L)",
          "give the property in a larger unit"),
    *(Limit("resources", c, None, LARGEST_MONEY, "", _MONEY_LARGE)
      for c in ("transport_cost", "purchase_price", "disposal_cost")),
    *(Limit("resources", c, None, LARGEST_MONEY, "", _CO2_LARGE)
      for c in ("transport_co2", "purchase_co2", "disposal_co2")),
    Limit("streams", "price", None, LARGEST_MONEY, "", _MONEY_LARGE),
    Limit("streams", "co2", None, LARGEST_MONEY, "", _CO2_LARGE),
    Limit("exchanges", "processing_cost", None, LARGEST_MONEY, "", _MONEY_LARGE),
    Limit("exchanges", "processing_co2", None, LARGEST_MONEY, "", _CO2_LARGE),
    Limit("exchange_qualities", "value", SMALLEST_LEVEL, LARGEST_AMOUNT,
          "give the property in a smaller unit (e.g. µg/L instead of mg/L)",
          "give the property in a larger unit"),
    Limit("utilities", "price", None, LARGEST_MONEY, "", _MONEY_LARGE),
    Limit("utilities", "co2", None, LARGEST_MONEY, "", _CO2_LARGE),
    Limit("utilities", "max_quantity", SMALLEST_QUANTITY, LARGEST_AMOUNT, _AMOUNT_SMALL,
          _AMOUNT_LARGE),
)


def _accepted(limit: Limit) -> str:
    if limit.smallest is None:
        return f"a magnitude of at most {limit.largest:g}"
    zero = "" if limit.column == "yield" else "0 or "  # a yield is > 0 (tables.py)
    return f"{zero}a magnitude from {limit.smallest:g} to {limit.largest:g}"


def check_magnitudes(t: Tables) -> list[Problem]:
    """Every cell of LIMITS' columns is 0 or within its magnitudes."""
    out: list[Problem] = []
    for limit in LIMITS:
        table = getattr(t, limit.table)
        if limit.column not in table or table.empty:
            continue
        size = np.abs(table[limit.column].to_numpy(dtype=float))
        large = size > limit.largest
        small = (size > 0) & (size < limit.smallest) if limit.smallest is not None \
            else np.zeros(len(size), bool)
        for mask, advice in ((large, limit.too_large), (small, limit.too_small)):
            for value, row in zip(table[limit.column].to_numpy()[mask], table[ROW][mask]):
                out.append(Problem(
                    t.sources[limit.table],
                    f"{value:g} is beyond what the solver represents exactly: expected "
                    f"{_accepted(limit)}; {advice} ({DOC})", row=row, column=limit.column))
    return out
