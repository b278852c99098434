"""Results: tidy tables and KPIs extracted from a solution, and the result folder (FORMAT §4).

Once extracted, a Result needs neither the Pyomo model nor the solver: reports, plots and
comparisons read Results only.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from . import outputs
from .outputs import EXTRA_RESULT_FILES, RESULT_FILES
from .baselines import summary_lines as _split_lines
from .errors import InputError, Problem
from .formulation.program import LinearProgram
from .greedy import greedy_point
from .network import CAPPED, Network, firm_graph
from .park import Park
from .solve import Solution, SolverOptions, Status, Termination, relative_gap, solve
from .verify import checked

LINK_COLUMNS = ["from_firm", "from_stream", "to_firm", "to_stream", "from_resource",
                "to_resource", "flow", "delivered", "distance_km", "mode", "annual_cost", "co2_t"]
LINK_EXTRA_COLUMNS = ["transport_cost", "processing_cost", "fixed_cost", "annualised_capex"]
FIRM_COLUMNS = ["firm_id", "baseline_cost", "cost", "savings", "baseline_co2_t", "co2_t"]
HEAT_FIRM_COLUMNS = ["baseline_hot_utility", "hot_utility", "baseline_cold_utility",
                     "cold_utility", "heat_recovered_within", "heat_received_between",
                     "heat_given_between", "heat_pumped"]
HEAT_LINK_BLOCKS = ("heat_take", "heat_give", "heat_residual")  # per (link, interval)
SIGNIFICANT = 10  # digits written: hides solver round-off, keeps files byte-stable


@dataclass
class Result:
    """The answer to one run, as pandas tables and a KPI dictionary."""

    name: str
    status: Status
    kpis: dict[str, Any]
    links: pd.DataFrame  # built links
    firms: pd.DataFrame  # indexed by firm_id; firms.csv's columns, then the firm's `name`
    resources: pd.DataFrame
    streams: pd.DataFrame
    objective_breakdown: pd.DataFrame  # cost and CO2 by term, optimum and baseline
    network: Network
    heat_transfers: pd.DataFrame = field(default_factory=pd.DataFrame)  # matches by temperature
    heat_pumps: pd.DataFrame = field(default_factory=pd.DataFrame)  # pumps built
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def park(self) -> Park:
        return self.network.park

    @property
    def rejected_pairs(self) -> pd.DataFrame:
        """Compatible supply-demand pairs that are not candidate links, with the reason."""
        return self.network.rejected

    @property
    def candidates(self) -> pd.DataFrame:
        return self.network.links

    @property
    def why_not(self) -> pd.DataFrame:
        """The most valuable compatible pairs not linked, with the reason (why_not.csv)."""
        from .why_not import why_not
        return why_not(self.network, self.links, self.streams)

    def plot_map(self):
        """Firms and built links on a plane or lon/lat map: a plotly figure for notebooks."""
        from .report.figures import map_figure
        from .report.folder import tables_of
        return map_figure(tables_of(self))

    def plot_sankey(self):
        """Supplying firms → resources → receiving firms: a plotly figure for notebooks."""
        from .report.figures import sankey_figure
        from .report.folder import tables_of
        return sankey_figure(tables_of(self))

    def graph(self) -> nx.MultiDiGraph:
        """Firms as nodes, built links as edges with their flows."""
        built = self.network.links.loc[self.links.index]
        return firm_graph(self.park, built, self.links.flow)

    @property
    def termination_note(self) -> str:
        if self.kpis.get("termination") == Termination.TIME_LIMIT.value:
            return "stopped by the time limit: this result may differ between runs"
        return ""

    def summary(self) -> str:
        return format_summary(self)

    def to_folder(self, out: str | Path) -> Path:
        return write_folder(self, Path(out))


# --- extraction -------------------------------------------------------------------------------


def extract(park: Park, network: Network, lp: LinearProgram, solution: Solution, name: str,
            settings: dict[str, Any], baseline_x: np.ndarray | None = None,
            greedy_x: np.ndarray | None = None) -> Result:
    """Turn a solution into tables and KPIs; built = carries flow.

    `baseline_x`, `greedy_x`: the no-links point (`baseline_point`) and the greedy design
    (`greedy_point`) of `lp`, when the caller has them already.
    """
    if baseline_x is None:
        baseline_x = baseline_point(lp, park)
    x, pruned = None, 0
    if solution.status.has_solution:
        x = clean_solution(lp, network, solution.values)
        if lp.objective == "cost":
            x, pruned = prune_unprofitable_links(lp, network, x)
        solution = checked(lp, replace(solution, values=x))  # the point reported holds
        if not solution.status.has_solution:
            x, pruned = None, 0
    links = _built_links(network, lp, x)
    kpis = _kpis(park, network, lp, solution, x, baseline_x, links, name, settings)
    kpis["links_pruned"] = pruned
    kpis["verification"] = solution.verification.as_kpi() if solution.verification else None
    greedy = greedy_point(lp, network, baseline_x) if greedy_x is None else greedy_x
    kpis["greedy"] = {"scope": "material and water", "total_cost": lp.cost(greedy),
                      "savings": lp.cost(baseline_x) - lp.cost(greedy),
                      "co2_t": lp.co2(greedy),
                      "links_built": int((greedy[lp.variables["build"].columns] > 0.5).sum())}
    firms = _firm_table(park, lp, x, baseline_x)
    pumps = _heat_pump_table(lp, x)
    if park.has_heat:
        kpis["heat"] = _heat_kpis(park, lp, x, links)
        kpis["heat"]["pumped"] = float(pumps.heat_delivered.sum())
        kpis["heat"]["pump_electricity"] = float(pumps.electricity.sum())
        kpis["heat"]["heat_pumps_built"] = int(len(pumps))
        firms = firms.join(_heat_firm_table(park, lp, x, links, pumps))
    firms["name"] = park.firms["name"].reindex(firms.index).to_numpy()  # ids alone are opaque
    return Result(
        name=name, status=solution.status, kpis=kpis, links=links, firms=firms,
        heat_transfers=_heat_transfers(lp, x), heat_pumps=pumps,
        resources=pd.DataFrame.from_dict(kpis["resources"], orient="index").rename_axis(
            "resource").join(park.resources[["category", "unit"]]),
        streams=_stream_table(park, lp, x), objective_breakdown=_breakdown(lp, x, baseline_x),
        network=network)


def baseline_point(lp: LinearProgram, park: Park) -> np.ndarray:
    """The no-links solution: every demand purchased, every supply disposed of.

    With utility levels (utilities.csv) each stream's heat is bought from (cooled by) the
    cheapest mix of utilities that its temperatures allow: the program's LP with every
    link and heat pump off.
    """
    x = np.zeros(lp.n_columns)
    for name in ("purchase", "dispose"):
        block = lp.variables[name]
        x[block.columns] = park.streams.quantity.reindex(block.index).to_numpy()
    if not any(k in lp.constraints for k in ("hot_utility_total", "cold_utility_total")):
        return x
    from .formulation import DIRECT_HIGHS
    from .formulation.highs_model import MatrixProgram

    program = MatrixProgram.of(lp)
    upper = np.where(program.integer, 0.0, program.col_upper)
    lp_only = replace(program, col_upper=upper, integer=np.zeros_like(program.integer))
    solution = solve(lp_only, SolverOptions(name=DIRECT_HIGHS))  # scaled, like every solve
    if not solution.status.has_solution:
        raise InputError(Problem(park.sources.get("utilities", "utilities"),
                                 "the utilities cannot meet every heat demand and supply even "
                                 f"with no links (the LP without links is "
                                 f"{solution.status.value}): check their temperatures and "
                                 "max_quantity"))
    return np.where(np.abs(solution.values) <= 1e-9, 0.0, solution.values)


def drop_links(lp: LinearProgram, network: Network, x: np.ndarray,
               mask: np.ndarray) -> np.ndarray:
    """Remove the masked links from point x: their supply is disposed of and their demand
    purchased instead, their heat matches go with them. Always feasible: balances hold,
    quality and heat-interval rows only loosen."""
    x = x.copy()
    flow, build = lp.variables["flow"], lp.variables["build"]
    links = network.links
    f = np.where(mask, x[flow.columns], 0.0)
    dispose, purchase = lp.variables["dispose"], lp.variables["purchase"]
    np.add.at(x, dispose.start + dispose.index.get_indexer(links.from_stream), f)
    np.add.at(x, purchase.start + purchase.index.get_indexer(links.to_stream),
              f * links["yield"].to_numpy())
    x[flow.columns[mask]] = 0.0
    x[build.columns[mask]] = 0.0
    for name in HEAT_LINK_BLOCKS:
        if name in lp.variables:
            block = lp.variables[name]
            gone = block.index.get_level_values("link").isin(links.index[mask])
            x[block.columns[gone]] = 0.0
    return x


def clean_solution(lp: LinearProgram, network: Network, values: np.ndarray) -> np.ndarray:
    """Round solver noise: tiny values to 0, build = 1 exactly where a link carries flow.

    Dropping an empty built link only lowers the cost, so the solver's bound stays valid.
    """
    x = np.where(np.abs(values) <= 1e-9, 0.0, values)
    flow, build = lp.variables["flow"], lp.variables["build"]
    idle = x[flow.columns] <= 1e-9 * np.maximum(1.0, flow.upper)
    x = drop_links(lp, network, x, idle)
    x[build.columns[~idle]] = 1.0
    if "heat_pump_build" in lp.variables:  # a pump that delivers nothing is not built
        heat = lp.variables["heat_pump_heat"].values(x)
        delivering = heat.groupby(level="pump").sum() > 1e-9
        pump_build = lp.variables["heat_pump_build"]
        x[pump_build.columns] = delivering.reindex(pump_build.index, fill_value=False).to_numpy()
    return x


def prune_unprofitable_links(lp: LinearProgram, network: Network,
                             x: np.ndarray) -> tuple[np.ndarray, int]:
    """Drop built links whose removal lowers cost; return the new point and how many.

    A solver stopped at a gap may keep a link that loses money. Removing a link is always
    feasible (see `drop_links`) and changes cost by fixed + capex - flow x unit_value,
    independently of other links.
    """
    links = network.links
    f = x[lp.variables["flow"].columns]
    gain = f * links.unit_value.to_numpy() - links.fixed_cost.to_numpy() \
        - links.annualised_capex.to_numpy()
    losing = (f > 0) & (gain < -1e-9 * np.maximum(1.0, np.abs(gain)))
    if not losing.any():
        return x, 0
    return drop_links(lp, network, x, losing), int(losing.sum())


def _built_links(network: Network, lp: LinearProgram, x: np.ndarray | None) -> pd.DataFrame:
    if x is None:
        return pd.DataFrame(columns=LINK_COLUMNS + LINK_EXTRA_COLUMNS).rename_axis("link_id")
    flow = lp.variables["flow"].values(x)
    built = network.links.loc[flow.index[flow > 0]].copy()
    f = flow[built.index]
    built["flow"] = f
    built["delivered"] = f * built["yield"]
    built["transport_cost"] = f * built.transport_unit_cost
    built["processing_cost"] = f * built.processing_cost
    built["annual_cost"] = (built.transport_cost + built.processing_cost + built.fixed_cost
                            + built.annualised_capex)
    built["co2_t"] = f * built.unit_co2
    return built[LINK_COLUMNS + LINK_EXTRA_COLUMNS]


def _kpis(park, network, lp, solution, x, baseline_x, links, name, settings) -> dict[str, Any]:
    baseline_cost, baseline_co2 = lp.cost(baseline_x), lp.co2(baseline_x)
    solved = x is not None
    total_cost = lp.cost(x) if solved else None
    co2 = lp.co2(x) if solved else None
    return {
        "name": name,
        "model": park.name,
        "currency": park.config.currency,
        "status": solution.status.value,
        "termination": solution.termination.value,
        "objective_kind": lp.objective,
        "objective": lp.objective_value(x) if solved else None,
        "objective_bound": solution.bound,
        "mip_gap": relative_gap(lp.objective_value(x), solution.bound) if solved else None,
        "reproducible": solution.reproducible,
        "total_cost": total_cost,
        "baseline_cost": baseline_cost,
        "savings": baseline_cost - total_cost if solved else None,
        "co2_t": co2,
        "baseline_co2_t": baseline_co2,
        "co2_avoided_t": baseline_co2 - co2 if solved else None,
        "links_built": int(len(links)),
        "annualised_capex": sum(t.value(x) for name, t in lp.cost_terms.items()
                                if name.endswith("_capex")) if solved else None,
        "candidate_links": int(len(network.links)),
        "rejected_pairs": int(len(network.rejected)),
        "rejected_by_reason": {str(k): int(v) for k, v in
                               network.rejected.reason.value_counts().sort_index().items()},
        "objective_breakdown": lp.breakdown(x) if solved else None,
        "baseline_breakdown": lp.breakdown(baseline_x),
        "warnings": [str(w) for w in getattr(park, "warnings", ())],  # checks of severity warn
        "resources": _resource_kpis(park, lp, x, links),
        "solver": {"name": solution.solver, "version": solution.solver_version, **settings,
                   "parts": solution.parts, "parts_at_fallback": solution.parts_at_fallback},
    }


def _heat_amounts(park: Park, lp: LinearProgram, x: np.ndarray | None, links: pd.DataFrame):
    """Hot utility (heat purchased), cold utility (heat disposed of) per stream, and heat links."""
    heat = park.streams[park.streams.category == "heat"]
    if x is None:
        nan = pd.Series(np.nan, index=heat.index)
        return heat, nan, nan, links.iloc[0:0]
    hot = lp.variables["purchase"].values(x).reindex(heat.index[heat.direction == "demand"])
    cold = lp.variables["dispose"].values(x).reindex(heat.index[heat.direction == "supply"])
    heat_links = links[park.resources.category.reindex(links.from_resource).to_numpy() == "heat"]
    return heat, hot, cold, heat_links


def _heat_kpis(park, lp, x, links) -> dict[str, Any]:
    heat, hot, cold, heat_links = _heat_amounts(park, lp, x, links)
    within = heat_links.from_firm == heat_links.to_firm
    units = park.resources.unit[park.resources.category == "heat"].unique()
    solved = x is not None
    return {
        "unit": ", ".join(units),
        "min_approach_c": float(park.config.heat.min_approach_c),  # for the composite curves
        "baseline_hot_utility": float(heat.quantity[heat.direction == "demand"].sum()),
        "hot_utility": float(hot.sum()) if solved else None,
        "baseline_cold_utility": float(heat.quantity[heat.direction == "supply"].sum()),
        "cold_utility": float(cold.sum()) if solved else None,
        "recovered_within_firms": float(heat_links.delivered[within].sum()) if solved else None,
        "recovered_between_firms": float(heat_links.delivered[~within].sum()) if solved else None,
        "lost_in_pipes": float((heat_links.flow - heat_links.delivered).sum()) if solved else None,
        "grid_exact": bool(lp.annotations["heat_grid"].exact.all())
        if "heat_grid" in lp.annotations else True,
        "fuel_substituted": float(links.delivered[_fuel_links(park, links)].sum())
        if solved else None,
        **({"utilities": _utility_loads(park, lp, x)} if len(park.utilities) else {}),
    }


def _utility_loads(park: Park, lp: LinearProgram, x: np.ndarray | None) -> dict[str, Any]:
    """Heat each utility level of utilities.csv gives (hot) or takes away (cold) a year."""
    out = {}
    for utility, row in park.utilities.sort_index().iterrows():
        block = f"{row.kind}_utility"
        load = None
        if x is not None:
            load = 0.0
            if block in lp.variables:
                values = lp.variables[block].values(x)
                used = lp.annotations[block].utility.to_numpy() == utility
                load = float(values.to_numpy()[used].sum())
        out[str(utility)] = {"kind": row.kind, "resource": row.resource, "heat": load}
    return out


def _fuel_links(park: Park, links: pd.DataFrame) -> np.ndarray:
    """Links burning a material or water for a heat demand (outside the heat cascade)."""
    category = park.resources.category
    return ((category.reindex(links.to_resource).to_numpy() == "heat")
            & (category.reindex(links.from_resource).to_numpy() != "heat"))


def _heat_firm_table(park, lp, x, links, pumps: pd.DataFrame) -> pd.DataFrame:
    """Per firm: hot_utility falls by heat_recovered_within + heat_received_between +
    heat_pumped (+ heat from fuel links, not a column here); cold_utility by what the firm's
    links and pumps take from its supplies."""
    heat, hot, cold, heat_links = _heat_amounts(park, lp, x, links)
    firms = park.firms.index

    def by_firm(values: pd.Series) -> pd.Series:
        return values.groupby(heat.firm_id.reindex(values.index)).sum().reindex(
            firms, fill_value=0.0)

    within = heat_links[heat_links.from_firm == heat_links.to_firm]
    between = heat_links[heat_links.from_firm != heat_links.to_firm]
    table = pd.DataFrame(index=firms)
    table["baseline_hot_utility"] = by_firm(heat.quantity[heat.direction == "demand"])
    table["hot_utility"] = by_firm(hot) if x is not None else np.nan
    table["baseline_cold_utility"] = by_firm(heat.quantity[heat.direction == "supply"])
    table["cold_utility"] = by_firm(cold) if x is not None else np.nan
    table["heat_recovered_within"] = within.groupby("to_firm").delivered.sum().reindex(
        firms, fill_value=0.0)
    table["heat_received_between"] = between.groupby("to_firm").delivered.sum().reindex(
        firms, fill_value=0.0)
    table["heat_given_between"] = between.groupby("from_firm").flow.sum().reindex(
        firms, fill_value=0.0)
    table["heat_pumped"] = pumps.groupby("firm_id").heat_delivered.sum().reindex(
        firms, fill_value=0.0)
    if x is None:
        table[["heat_recovered_within", "heat_received_between", "heat_given_between",
               "heat_pumped"]] = np.nan
    return table[HEAT_FIRM_COLUMNS]


HEAT_PUMP_COLUMNS = ["pump", "firm_id", "from_stream", "to_stream", "heat_delivered",
                     "heat_from_source", "electricity", "cop", "capacity_kw", "annual_cost"]


def _heat_pump_table(lp: LinearProgram, x: np.ndarray | None) -> pd.DataFrame:
    """Each heat pump built: heat pumped, source heat, electricity, its average COP."""
    if x is None or "heat_pump_heat" not in lp.variables:
        return pd.DataFrame(columns=HEAT_PUMP_COLUMNS)
    parts = lp.annotations["heat_pump_heat"].reset_index(drop=True)
    parts["heat_delivered"] = lp.variables["heat_pump_heat"].values(x).to_numpy()
    parts = parts[parts.heat_delivered > 1e-9]
    parts["electricity"] = parts.heat_delivered / parts.cop
    table = parts.groupby("pump").agg(firm_id=("firm_id", "first"),
                                      from_stream=("from_stream", "first"),
                                      to_stream=("to_stream", "first"),
                                      heat_delivered=("heat_delivered", "sum"),
                                      electricity=("electricity", "sum"))
    table["heat_from_source"] = table.heat_delivered - table.electricity
    table["cop"] = table.heat_delivered / table.electricity
    table["capacity_kw"] = lp.variables["heat_pump_capacity_kw"].values(x).reindex(table.index)
    per_pump = pd.Series(0.0, index=table.index)
    pump_terms = [t for name, t in lp.cost_terms.items() if name.startswith("heat_pump")]
    for term in pump_terms:  # each pump's own share of each heat-pump cost term
        owner = _column_owner(lp, term.cols)
        contrib = pd.Series(term.coefs * x[term.cols], index=owner)
        per_pump = per_pump.add(contrib.groupby(level=0).sum(), fill_value=0.0)
    table["annual_cost"] = per_pump.reindex(table.index).to_numpy()
    return table.reset_index()[HEAT_PUMP_COLUMNS]


def _column_owner(lp: LinearProgram, cols: np.ndarray) -> np.ndarray:
    """The pump each heat-pump column belongs to (first level of its block's index)."""
    owners = np.empty(len(cols), dtype=object)
    for block in (lp.variables[n] for n in ("heat_pump_heat", "heat_pump_build",
                                             "heat_pump_capacity_kw")):
        inside = (cols >= block.start) & (cols < block.start + len(block.index))
        labels = block.index.get_level_values(0) if isinstance(block.index, pd.MultiIndex) \
            else block.index
        owners[inside] = np.asarray(labels)[cols[inside] - block.start]
    return owners


def _heat_transfers(lp: LinearProgram, x: np.ndarray | None) -> pd.DataFrame:
    """Heat matched on each link by temperature interval (only matches carrying heat).

    The program holds, per link, the heat taken in each supply interval and given in each
    demand interval (a cascade); matches are read off it hottest first on both sides (the
    north-west corner rule), which the cascade rows guarantee respects the approach.
    """
    columns = ["link_id", "from_stream", "to_stream", "hot_t_high", "hot_t_low", "cold_t_high",
               "cold_t_low", "approach_c", "heat"]
    if x is None or "heat_take" not in lp.variables:
        return pd.DataFrame(columns=columns)
    grid = lp.annotations["heat_grid"]
    take = lp.variables["heat_take"].values(x)
    give = lp.variables["heat_give"].values(x)
    network_links = lp.annotations["heat_links"]
    rows = []
    for link in take.index.get_level_values("link")[take.to_numpy() > 1e-9].unique():
        h, g = take.loc[link], give.loc[link]
        eta = network_links.at[link, "yield"]
        hot_cum, cold_cum = np.cumsum(eta * h.to_numpy()), np.cumsum(g.to_numpy())
        cuts = np.unique(np.concatenate([hot_cum, cold_cum]))
        cuts = cuts[cuts > 1e-9]
        amount = np.diff(np.r_[0.0, cuts])
        keep = amount > 1e-9 * max(1.0, cuts[-1]) if len(cuts) else amount > 0
        k = h.index.to_numpy()[np.minimum(np.searchsorted(hot_cum, cuts - 1e-9), len(h) - 1)]
        j = g.index.to_numpy()[np.minimum(np.searchsorted(cold_cum, cuts - 1e-9), len(g) - 1)]
        rows.append(pd.DataFrame({"link_id": link, "hot": k[keep], "cold": j[keep],
                                  "heat": amount[keep] / eta}))
    if not rows:
        return pd.DataFrame(columns=columns)
    table = pd.concat(rows, ignore_index=True).groupby(["link_id", "hot", "cold"], sort=False,
                                                      as_index=False).heat.sum()
    info = network_links.loc[table.link_id]
    dt = float(grid.min_approach_c.iloc[0])
    table["from_stream"] = info.from_stream.to_numpy()
    table["to_stream"] = info.to_stream.to_numpy()
    table["hot_t_high"] = grid.high.to_numpy()[table.hot]
    table["hot_t_low"] = grid.low.to_numpy()[table.hot]
    table["cold_t_high"] = grid.high.to_numpy()[table.cold] - dt
    table["cold_t_low"] = grid.low.to_numpy()[table.cold] - dt
    table["approach_c"] = info.approach_c.to_numpy()
    return table[columns]


def _resource_kpis(park, lp, x, links) -> dict[str, dict[str, float]]:
    s = park.streams
    table = pd.DataFrame(index=park.resources.index.sort_values())
    table["supply"] = s[s.direction == "supply"].groupby("resource").quantity.sum()
    table["demand"] = s[s.direction == "demand"].groupby("resource").quantity.sum()
    table["exchanged"] = links.groupby("from_resource", observed=True).flow.sum() if x is not None else np.nan
    table["delivered"] = links.groupby("to_resource", observed=True).delivered.sum() if x is not None else np.nan
    for column, block in (("purchased", "purchase"), ("disposed", "dispose")):
        if x is None:
            table[column] = np.nan
            continue
        values = lp.variables[block].values(x)
        table[column] = values.groupby(s.resource.reindex(values.index)).sum()
    table["pumped"] = 0.0 if x is not None else np.nan
    if x is not None and "heat_pump_heat" in lp.variables:
        delivered = lp.variables["heat_pump_heat"].values(x)
        sinks = lp.annotations["heat_pump_heat"].to_stream.to_numpy()
        table["pumped"] = delivered.groupby(s.resource.reindex(sinks).to_numpy()).sum()
    table = table.fillna({c: 0.0 for c in ("supply", "demand")})
    if x is not None:
        table = table.fillna(0.0)
    return {r: {k: _num(v) for k, v in row.items()} for r, row in table.iterrows()}


def firm_split(lp: LinearProgram, x: np.ndarray, firms: pd.Index) -> pd.DataFrame:
    """Each firm's cost and CO2 at point x: every term split by its columns' owners.

    A link's (or heat match's) cost and CO2 go half to each end; purchases, disposals and a
    firm's own heat pump to that firm; the carbon price applies to each firm's CO2. The
    firms' costs therefore add up to the park's total, whatever blocks the model has.
    """
    first, second = lp.column_firms()
    columns = {}
    for kind, terms in (("cost", lp.cost_terms), ("co2", lp.co2_terms)):
        cols = np.concatenate([t.cols for t in terms.values()])
        value = np.concatenate([t.coefs * x[t.cols] for t in terms.values()]) / 2
        owners = np.concatenate([first[cols], second[cols]])
        columns[kind] = pd.Series(np.concatenate([value, value])).groupby(owners).sum()
    table = pd.DataFrame(columns).reindex(firms, fill_value=0.0).fillna(0.0)
    table["cost"] += lp.carbon_price * table.co2
    return table


def _firm_table(park, lp, x, baseline_x) -> pd.DataFrame:
    base = firm_split(lp, baseline_x, park.firms.index)
    table = pd.DataFrame({"firm_id": park.firms.index, "baseline_cost": base.cost.to_numpy(),
                          "baseline_co2_t": base.co2.to_numpy()})
    if x is None:
        table["cost"] = table["savings"] = table["co2_t"] = np.nan
    else:
        now = firm_split(lp, x, park.firms.index)
        table["cost"] = now.cost.to_numpy()
        table["savings"] = table.baseline_cost - table.cost
        table["co2_t"] = now.co2.to_numpy()
    return table[FIRM_COLUMNS].set_index("firm_id")  # a notebook looks firms up by id


def _stream_table(park, lp, x) -> pd.DataFrame:
    """Each stream with its outcome; heat streams keep `t_in, t_out` (last, blank for the
    others) so that a report can draw the park's composite curves from the folder alone."""
    s = park.streams
    table = s[["firm_id", "direction", "resource", "quantity", "unit_cost", "unit_co2"]].copy()
    if x is None:
        table["purchased"] = table["disposed"] = table["linked"] = np.nan
    else:
        purchased = lp.variables["purchase"].values(x)
        disposed = lp.variables["dispose"].values(x)
        table["purchased"] = purchased.reindex(table.index).fillna(0.0)
        table["disposed"] = disposed.reindex(table.index).fillna(0.0)
        table["linked"] = table.quantity - table.purchased - table.disposed
    for column in ("t_in", "t_out"):
        table[column] = s[column] if column in s else np.nan
    return table


def _breakdown(lp, x, baseline_x) -> pd.DataFrame:
    terms = list(lp.breakdown(baseline_x))
    table = pd.DataFrame(index=pd.Index(terms, name="term"))
    table["baseline_cost"] = pd.Series(lp.breakdown(baseline_x))
    table["cost"] = pd.Series(lp.breakdown(x)) if x is not None else np.nan
    table["baseline_co2_t"] = pd.Series(lp.co2_breakdown(baseline_x))
    table["co2_t"] = pd.Series(lp.co2_breakdown(x)) if x is not None else np.nan
    no_co2 = ~table.index.isin(list(lp.co2_terms))  # fixed, capex, carbon: money only
    table.loc[no_co2, ["baseline_co2_t", "co2_t"]] = 0.0
    return table


# --- writing ----------------------------------------------------------------------------------


def _num(value) -> float | None:
    """A float rounded to SIGNIFICANT digits (None for NaN): stable across runs."""
    if value is None:
        return None
    value = float(value)
    if not np.isfinite(value):
        return None
    return float(f"{value:.{SIGNIFICANT}g}") + 0.0  # + 0.0 turns -0.0 into 0.0


def _json_ready(obj):
    if isinstance(obj, dict):
        return {k: _json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_ready(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return _num(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def check_output_folder(out: str | Path, option: str = "-o") -> Path:
    """Refuse, before solving, a folder that is not a result folder symbiosis wrote (it
    would be replaced whole), and any location that cannot be written."""
    return outputs.check_folder(Path(out), "result", option, allowed=_is_result_entry,
                                legacy=outputs.legacy_result)


def _is_result_entry(path: Path) -> bool:
    return path.is_file() and path.name in RESULT_FILES + EXTRA_RESULT_FILES


def _csv(frame: pd.DataFrame, path: Path, index: bool = True) -> None:
    """A result table as CSV: 10 significant digits, text cells safe for spreadsheets."""
    path.write_bytes(outputs.csv_text(frame, index, f"%.{SIGNIFICANT}g").encode("utf-8"))


def write_folder(result: Result, out: Path, extra_files: dict[str, str] | None = None) -> Path:
    """Write every result file into `out`, all at once: a temporary folder, then a swap.

    `out` may be an earlier result folder, which is replaced; anything else is refused.
    `extra_files` (name -> text, names from EXTRA_RESULT_FILES) go in with the rest, e.g. the
    resolved `scenario.yaml` of a sweep variant.
    """
    start = time.perf_counter()
    out = check_output_folder(out)
    for name in extra_files or {}:
        if name not in EXTRA_RESULT_FILES:  # else the folder could not be replaced later
            raise ValueError(f"{name} is not one of EXTRA_RESULT_FILES")
    written: dict[str, Any] = {}

    def fill(tmp: Path) -> None:
        _csv(result.links, tmp / "links.csv", index=False)
        _csv(result.firms.rename_axis("firm_id"), tmp / "firms.csv")
        _csv(result.resources, tmp / "resources.csv")
        _csv(result.streams, tmp / "streams.csv")
        _csv(result.objective_breakdown, tmp / "objective.csv")
        rejected = result.rejected_pairs  # capped pairs: counted in kpis.json, not listed
        _csv(rejected[rejected.reason != CAPPED], tmp / "rejected_pairs.csv", index=False)
        _csv(result.heat_transfers, tmp / "heat_transfers.csv", index=False)
        _csv(result.heat_pumps, tmp / "heat_pumps.csv", index=False)
        _csv(result.why_not, tmp / "why_not.csv", index=False)
        nx.write_graphml(_graphml_ready(result.graph()), tmp / "network.graphml")
        timings = dict(result.timings)
        timings["write"] = time.perf_counter() - start
        kpis = dict(result.kpis, timings_s={k: round(v, 4) for k, v in timings.items()})
        (tmp / "kpis.json").write_text(json.dumps(_json_ready(kpis), indent=2) + "\n",
                                       encoding="utf-8")
        for name, text in (extra_files or {}).items():
            (tmp / name).write_text(text, encoding="utf-8")
        written.update(timings=timings, kpis=kpis)

    outputs.write_folder(out, "result", fill)
    result.timings = written["timings"]
    result.kpis = written["kpis"]
    return out


def write_folder_with(result: Result, out: str | Path, name: str, table: pd.DataFrame) -> Path:
    """A result folder with one analysis table beside the usual files (`name` one of
    EXTRA_RESULT_FILES, e.g. shares.csv), written as the others are, all at once."""
    text = outputs.csv_text(table, False, f"%.{SIGNIFICANT}g")
    return write_folder(result, Path(out), extra_files={name: text})


def _graphml_ready(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """GraphML takes plain scalars only: drop missing values, round floats."""
    h = nx.MultiDiGraph(name=g.graph.get("name", ""))
    for n, data in g.nodes(data=True):
        h.add_node(n, **{k: (_num(v) if isinstance(v, float) else v) for k, v in data.items()
                         if not (isinstance(v, float) and np.isnan(v))})
    for u, v, k, data in g.edges(keys=True, data=True):
        h.add_edge(u, v, key=k, **{a: (_num(b) if isinstance(b, float) else b)
                                   for a, b in data.items()})
    return h


# --- printing ---------------------------------------------------------------------------------


def format_summary(result: Result) -> str:
    k = result.kpis
    cur = k["currency"]
    lines = [f"{k['name']}: {k['status']}"
             + (f" (gap {k['mip_gap']:.2%})" if k.get("mip_gap") else "")]
    if not result.status.has_solution:
        lines.append(f"  no solution: solver stopped with {k['termination']}")
        if result.status == Status.NUMERICAL_ERROR:
            lines.append(f"  {k['verification']['message']}")
        return "\n".join(lines)
    lines += [
        f"  total cost     {k['total_cost']:>16,.0f} {cur}/yr   baseline {k['baseline_cost']:,.0f}",
        f"  savings        {k['savings']:>16,.0f} {cur}/yr   ({_share(k['savings'], k['baseline_cost'])})",
        *(_split_lines(k, cur, "savings") if "baseline_kind" in k else []),
        f"  CO2            {k['co2_t']:>16,.1f} t/yr      baseline {k['baseline_co2_t']:,.1f}",
        f"  CO2 avoided    {k['co2_avoided_t']:>16,.1f} t/yr      ({_share(k['co2_avoided_t'], k['baseline_co2_t'])})",
        *(_split_lines(k, cur, "co2") if "baseline_kind" in k else []),
        f"  links built    {k['links_built']:>16d}   of {k['candidate_links']} candidates",
        f"  annualised capex {k['annualised_capex']:>14,.0f} {cur}/yr",
        f"  greedy matcher saves {k['greedy']['savings']:>10,.0f} {cur}/yr with "
        f"{k['greedy']['links_built']} links ({k['greedy']['scope']} only)",
    ]
    lines += _candidate_lines(k, cur)
    if result.termination_note:
        lines.append(f"  note: {result.termination_note}")
    return "\n".join(lines)


def _candidate_lines(k: dict, cur: str) -> list[str]:
    """What the MILP left out, and what that (or the cap) may have cost."""
    c = k.get("candidates") or {}
    lines = []
    if c.get("left_out_by_reduced_cost"):
        lines.append(f"  MILP took {c['in_program']:,} of {c['candidates']:,} candidates (the "
                     "others priced out by reduced cost; the gap is against all of them)")
    if c.get("default_time_limit") and k.get("termination") == "time_limit":
        lines.append(f"  the MILP had {k['solver']['time_limit']:.0f} s, the default for a "
                     "province: set --time-limit (or solver.time_limit) for more")
    cap = k.get("capped")
    if cap and cap.get("may_cost") is not None:
        lines.append(f"  links.max_candidates_per_demand left out {c['left_out_by_cap']:,} "
                     f"candidates: it may have cost up to {cap['may_cost']:,.0f} {cur}/yr")
    return lines


def _share(part: float, whole: float) -> str:
    return f"{part / whole:.1%}" if whole else "n/a"

