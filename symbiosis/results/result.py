"""The answer to one run: tables and KPIs that need neither the model nor the solver."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from ..formulation.facility_results import FACILITIES_FILE
from ..network import Network, firm_graph
from ..park import Park
from ..solve import Status, Termination

HEAT_TRANSFERS, HEAT_PUMPS = "heat_transfers.csv", "heat_pumps.csv"  # the heat blocks' tables

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
    # every block's result tables (formulation/registry.py), file name -> table
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def heat_transfers(self) -> pd.DataFrame:
        """Heat matched on each link by temperature interval (the heat block's table)."""
        return self.tables.get(HEAT_TRANSFERS, pd.DataFrame())

    @property
    def heat_pumps(self) -> pd.DataFrame:
        """The heat pumps built (the heat-pump block's table)."""
        return self.tables.get(HEAT_PUMPS, pd.DataFrame())

    @property
    def facilities(self) -> pd.DataFrame:
        """The candidate facilities, built or not (the facility block's table; empty without
        facilities)."""
        return self.tables.get(FACILITIES_FILE, pd.DataFrame())

    @property
    def esg(self) -> pd.DataFrame:
        """Each firm before and after, for green certification (firms_esg.csv)."""
        from .schema import ESG_FILE
        return self.tables.get(ESG_FILE, pd.DataFrame())

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
        """The most valuable compatible pairs not linked, with the reason (why_not.csv): the
        why-not study (analysis.why_not), run on demand on this Result's tables."""
        from ..analysis.why_not import why_not
        return why_not(self.network, self.links, self.streams)

    def plot_map(self):
        """Firms and built links on a plane or lon/lat map: a plotly figure for notebooks."""
        from ..report.figures import map_figure
        from ..report.folder import tables_of
        return map_figure(tables_of(self))

    def plot_sankey(self):
        """Supplying firms → resources → receiving firms: a plotly figure for notebooks."""
        from ..report.figures import sankey_figure
        from ..report.folder import tables_of
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
        from .summary import format_summary
        return format_summary(self)

    def to_folder(self, out: str | Path) -> Path:
        from .folder import write_folder
        return write_folder(self, Path(out))
