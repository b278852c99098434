"""Heat targets by the problem table algorithm (Linnhoff & Flower 1978; Kemp 2007, ch. 2).

For a set of heat streams and a ΔTmin: the minimum hot and cold utility, the pinch, the
composite curves and the grand composite curve. These are the planner's first look at how
much heat is worth chasing, per firm alone and for the park with every firm linked. The MILP
reaches the same utilities when link costs are zero (tests check it).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .park import Park


@dataclass(frozen=True)
class Targets:
    hot_utility: float
    cold_utility: float
    pinch_shifted_c: float | None  # None: a threshold problem, or no heat streams
    dt_min: float
    cascade: pd.DataFrame  # per shifted temperature: net heat flowing down past it
    hot_streams_load: float
    cold_streams_load: float

    @property
    def pinch_hot_c(self) -> float | None:
        return None if self.pinch_shifted_c is None else self.pinch_shifted_c + self.dt_min / 2

    @property
    def pinch_cold_c(self) -> float | None:
        return None if self.pinch_shifted_c is None else self.pinch_shifted_c - self.dt_min / 2

    @property
    def recovered(self) -> float:
        """Heat recovered between streams at the target."""
        return self.hot_streams_load - self.cold_utility


def problem_table(streams: pd.DataFrame, dt_min: float) -> Targets:
    """Targets for heat streams with columns direction, t_in, t_out, quantity (the load).

    A constant-temperature stream (t_in = t_out) puts its whole load at one shifted
    temperature: the cascade then steps by that load at that point.
    """
    hot = (streams.direction == "supply").to_numpy()
    t_in, t_out = streams.t_in.to_numpy(float), streams.t_out.to_numpy(float)
    load = streams.quantity.to_numpy(float)
    span = np.abs(t_in - t_out)
    point = span == 0
    cp = np.where(point, 0.0, load / np.where(point, 1.0, span))
    shift = np.where(hot, -dt_min / 2, dt_min / 2)
    top = np.round(np.maximum(t_in, t_out) + shift, 9)
    bottom = np.round(np.minimum(t_in, t_out) + shift, 9)
    grid = np.unique(np.concatenate([top, bottom]))[::-1]
    if grid.size < 1 or (grid.size < 2 and not point.any()):
        empty = pd.DataFrame({"shifted_c": grid, "heat_flow": np.zeros(grid.size)})
        return Targets(0.0, 0.0, None, dt_min, empty, float(load[hot].sum()),
                       float(load[~hot].sum()))
    high, low = grid[:-1], grid[1:]
    present = (top[None, :] >= high[:, None] - 1e-9) & (bottom[None, :] <= low[:, None] + 1e-9)
    surplus = (present @ np.where(hot, cp, -cp)) * (high - low)
    at_point = np.zeros(grid.size)  # latent loads: heat entering (+) or leaving (-) at a point
    np.add.at(at_point, np.searchsorted(-grid, -top[point]), np.where(hot, load, -load)[point])
    # Heat flowing down just above and just below each grid point, hottest first.
    steps = np.empty(2 * grid.size)
    steps[0::2] = at_point
    steps[1::2] = np.r_[surplus, 0.0]
    below = np.cumsum(steps)
    cascade = np.concatenate([[0.0], below[:-1]])  # above point i, below point i, ...
    hot_utility = max(0.0, -cascade.min())
    flow = cascade + hot_utility
    cold_utility = flow[-1]
    tol = 1e-9 * max(1.0, load.sum())
    inner = np.flatnonzero(np.abs(flow[2:-2]) <= tol) + 2  # not at the ends: a threshold
    pinch = float(grid[inner[0] // 2]) if inner.size else None
    table = pd.DataFrame({"shifted_c": np.repeat(grid, 2), "heat_flow": flow})
    table = table.drop_duplicates(ignore_index=True)
    return Targets(float(hot_utility), float(cold_utility), pinch, dt_min, table,
                   float(load[hot].sum()), float(load[~hot].sum()))


def heat_streams(park: Park) -> pd.DataFrame:
    s = park.streams
    return s[s.category == "heat"]


def park_targets(park: Park) -> pd.DataFrame:
    """Targets of each firm alone and of the whole park with every firm linked."""
    dt = park.config.heat.min_approach_c
    streams = heat_streams(park)
    rows = []
    for firm, group in streams.groupby("firm_id", sort=True):
        rows.append(_row(firm, problem_table(group, dt)))
    alone = pd.DataFrame(rows)
    park_row = _row("park (all firms linked)", problem_table(streams, dt))
    if len(alone):
        sum_row = {"scope": "sum of firms alone",
                   **{c: alone[c].sum() for c in ("hot_utility", "cold_utility", "recovered",
                                                  "hot_streams", "cold_streams")},
                   "pinch_hot_c": np.nan, "pinch_cold_c": np.nan}
        alone = pd.concat([alone, pd.DataFrame([sum_row])], ignore_index=True)
    return pd.concat([alone, pd.DataFrame([park_row])], ignore_index=True).set_index("scope")


def _row(scope: str, t: Targets) -> dict:
    return {"scope": scope, "hot_utility": t.hot_utility, "cold_utility": t.cold_utility,
            "recovered": t.recovered, "hot_streams": t.hot_streams_load,
            "cold_streams": t.cold_streams_load,
            "pinch_hot_c": np.nan if t.pinch_hot_c is None else t.pinch_hot_c,
            "pinch_cold_c": np.nan if t.pinch_cold_c is None else t.pinch_cold_c}


def composite_curve(streams: pd.DataFrame) -> pd.DataFrame:
    """Temperature against cumulative load (from the cold end) of a set of streams."""
    t_in, t_out = streams.t_in.to_numpy(float), streams.t_out.to_numpy(float)
    top, bottom = np.maximum(t_in, t_out), np.minimum(t_in, t_out)
    load = streams.quantity.to_numpy(float)
    point = top == bottom  # a constant-temperature load: a horizontal step at its temperature
    cp = np.where(point, 0.0, load / np.where(point, 1.0, top - bottom))
    grid = np.unique(np.concatenate([top, bottom]))
    present = (top[None, :] >= grid[1:, None]) & (bottom[None, :] <= grid[:-1, None])
    at_point = np.zeros(grid.size)
    np.add.at(at_point, np.searchsorted(grid, top[point]), load[point])
    steps = np.empty(2 * grid.size)  # coldest first: the step at a point, then the interval
    steps[0::2] = at_point
    steps[1::2] = np.r_[(present @ cp) * np.diff(grid), 0.0]
    heat = np.concatenate([[0.0], np.cumsum(steps)[:-1]])
    curve = pd.DataFrame({"heat": heat, "temperature_c": np.repeat(grid, 2)})
    return curve.drop_duplicates(ignore_index=True)


def plot_targets(park: Park, out_dir: str | Path, unit: str = "") -> list[Path]:
    """Composite curves and the grand composite curve of the park, as PNG files."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    streams = heat_streams(park)
    t = problem_table(streams, park.config.heat.min_approach_c)
    hot = composite_curve(streams[streams.direction == "supply"])
    cold = composite_curve(streams[streams.direction == "demand"])
    files = []

    fig, ax = plt.subplots(figsize=(7, 5))
    ax.plot(hot.heat, hot.temperature_c, color="tab:red", label="hot composite (waste heat)")
    ax.plot(cold.heat + t.cold_utility, cold.temperature_c, color="tab:blue",
            label="cold composite (heat demands)")
    ax.set_xlabel(f"heat load {unit}".strip())
    ax.set_ylabel("temperature (°C)")
    ax.set_title(f"{park.name}: composite curves, ΔTmin {t.dt_min:g} K\n"
                 f"hot utility {t.hot_utility:,.0f}, cold utility {t.cold_utility:,.0f}")
    ax.legend()
    ax.grid(alpha=0.3)
    files.append(out_dir / "composite_curves.png")
    fig.savefig(files[-1], dpi=120, bbox_inches="tight")
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 5))
    ax.plot(t.cascade.heat_flow, t.cascade.shifted_c, color="tab:purple")
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlabel(f"net heat flow {unit}".strip())
    ax.set_ylabel("shifted temperature (°C)")
    pinch = "none (threshold)" if t.pinch_shifted_c is None else f"{t.pinch_shifted_c:g} °C"
    ax.set_title(f"{park.name}: grand composite curve\npinch (shifted) {pinch}")
    ax.grid(alpha=0.3)
    files.append(out_dir / "grand_composite_curve.png")
    fig.savefig(files[-1], dpi=120, bbox_inches="tight")
    plt.close(fig)
    return files
