"""The few unit conversions symbiosis needs: sizing heat pumps in kW from annual heat."""
from __future__ import annotations

from .errors import InputError, Problem

# kWh per unit of an energy, kW per unit of a power (an average load)
ENERGY_KWH = {"kwh": 1.0, "mwh": 1000.0, "gwh": 1e6, "gj": 277.7777777778}
POWER_KW = {"kw": 1.0, "mw": 1000.0}


def kw_per_annual_unit(units: list[str], operating_hours: float, source: str) -> float:
    """kW of capacity needed per unit of heat a year, for the park's one heat unit."""
    found = sorted({u.lower() for u in units})
    if len(found) == 1 and found[0] in ENERGY_KWH:
        return ENERGY_KWH[found[0]] / operating_hours
    if len(found) == 1 and found[0] in POWER_KW:
        return POWER_KW[found[0]] * 8760.0 / operating_hours
    raise InputError(Problem(source, "heat pumps need every heat resource in one unit among "
                                     f"{sorted(ENERGY_KWH) + sorted(POWER_KW)}; found {found}",
                             column="unit"))
