"""Comparing scenarios: KPIs per scenario with deltas against a base, and a chart of KPIs
against a swept parameter."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError, Problem
from .collection import ResultCollection
from .spec import _short_axis_names, value_label

DEFAULT_KPIS = ["total_cost", "savings", "co2_t", "co2_avoided_t", "links_built",
                "annualised_capex"]
DELTA = "_delta"


def base_name(collection: ResultCollection, base: str | None = None) -> str:
    """The scenario deltas are taken against: `base` if given, else the one named `base`,
    else the first."""
    names = collection.scenarios
    if base is not None:
        if base not in names:
            raise InputError(Problem("--base", f"no scenario named {base!r} (there are: "
                                               f"{', '.join(names[:8])}"
                                               f"{', ...' if len(names) > 8 else ''})"))
        return base
    return next((n for n in names if n == "base" or n.endswith("/base")), names[0])


def compare_table(collection: ResultCollection, base: str | None = None,
                  kpis: list[str] | None = None) -> pd.DataFrame:
    """Status, swept parameters and each KPI followed by `<kpi>_delta` (KPI − base's KPI)."""
    table = collection.kpis
    kpis = list(kpis or DEFAULT_KPIS)
    unknown = [k for k in kpis if k not in table.columns]
    if unknown:
        known = [c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])]
        raise InputError(Problem("--kpi", f"unknown KPI {', '.join(unknown)} (known: "
                                          f"{', '.join(known)})"))
    name = base_name(collection, base)
    values = table[kpis].astype(float)
    deltas = (values - values.loc[name]).add_suffix(DELTA)
    kind = table["objective_kind"] if "objective_kind" in table else None
    if "objective" in kpis and kind is not None:
        # the objective is in the currency for `cost`, in t CO2 for `co2`: no delta across kinds
        deltas.loc[kind != kind.loc[name], "objective" + DELTA] = float("nan")
    ordered = [c for k in kpis for c in (k, k + DELTA)]
    if "objective" in kpis and kind is not None:
        at = ordered.index("objective")
        ordered[at:at] = ["objective_kind"]
        values = values.assign(objective_kind=kind)
    front = ["status", *collection.parameters]
    out = pd.concat([table[front], values, deltas], axis=1)[front + ordered]
    out.attrs["base"] = name
    return out


def _same_value(label: str, value: Any) -> bool:
    """A variant name's value label against a summary cell (1 and 1.0 read back alike)."""
    if label == value_label(value):
        return True
    try:
        return float(label) == float(value)
    except (TypeError, ValueError):
        return False


def chart_points(collection: ResultCollection, x: str) -> pd.DataFrame:
    """The KPI rows of grid points that have a value of `x`.

    The base and named variants have the axis values in effect in their rows too (the base's
    carbon price, say), so a value of `x` does not make a grid point: a row is one when its
    name is the name the grid gives the point of its axis values (`axis=value_…`, docs/
    sweeps.md; a named variant may not take a grid point's name)."""
    table = collection.kpis
    axes = collection.parameters
    short = _short_axis_names(axes)
    keep = []
    for scenario, row in table.iterrows():
        own = [a for a in axes if pd.notna(row[a])]
        if x not in own:
            keep.append(False)
            continue
        pattern = "_".join(re.escape(short[a]) + "=([^_]*)" for a in own)
        found = re.fullmatch(pattern, str(scenario).rsplit("/", 1)[-1])
        keep.append(found is not None and all(_same_value(label, row[a]) for label, a in
                                              zip(found.groups(), own)))
    return table[keep]


def plot_kpis(collection: ResultCollection, x: str, kpis: list[str], file: Path) -> Path:
    """One panel per KPI against the swept parameter `x`; one line per combination of the
    other parameters. Only grid points are drawn: the base and named variants are left out
    (`chart_points`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = collection.kpis
    if x not in collection.parameters:
        raise InputError(Problem("--x", f"not a swept parameter: {x!r} (swept: "
                                        f"{', '.join(collection.parameters) or 'none'})"))
    unknown = [k for k in kpis if k not in table.columns]
    if unknown:
        raise InputError(Problem("--kpi", f"unknown KPI {', '.join(unknown)}"))
    data = chart_points(collection, x).copy()
    data[x] = pd.to_numeric(data[x], errors="coerce")
    if data[x].isna().any():
        raise InputError(Problem("--x", f"{x!r} is not numeric: draw against a numeric axis"))
    others = [p for p in collection.parameters if p != x and table.loc[data.index, p].nunique() > 1]
    fig, axes = plt.subplots(len(kpis), 1, figsize=(7, 3 * len(kpis)), squeeze=False,
                             sharex=True)
    groups = data.groupby(others, sort=False) if others else [((), data)]
    for ax, kpi in zip(axes[:, 0], kpis):
        for key, group in groups:
            key = key if isinstance(key, tuple) else (key,)
            label = ", ".join(f"{p}={v}" for p, v in zip(others, key)) or None
            group = group.sort_values(x)
            ax.plot(group[x], group[kpi].astype(float), marker="o", label=label)
        ax.set_ylabel(kpi)
        ax.grid(True, alpha=0.3)
        if others:
            ax.legend(fontsize="small")
    axes[-1, 0].set_xlabel(x)
    fig.tight_layout()
    import io

    from ..outputs import PNG_SOFTWARE, write_file

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120, metadata={"Software": PNG_SOFTWARE})
    plt.close(fig)
    return write_file(Path(file), buffer.getvalue())
