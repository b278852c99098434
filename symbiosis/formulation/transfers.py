"""Transfer block: a payment over each link between two firms, and no firm worse off.

For each candidate link l between two firms (from_firm ≠ to_firm) a payment τ_l per year from
the receiver to the supplier, within price bounds times the flow (so zero when not built):

    p⁻_l · x_l ≤ τ_l ≤ p⁺_l · x_l                                      (transfer_price)

    p⁺_l = η_l (π_d + λ e_d)   what the receiver saves per unit vs buying
    p⁻_l = −(δ_s + λ ε_s)       minus what the supplier avoids per unit vs disposal
                                (0 with `gate_fees=False`: a receiver is never paid to take)

and one row per firm f, its gain after transfers at least zero (individual rationality):

    M_f · x − Σ_{l from f} τ_l + Σ_{l to f} τ_l ≤ C⁰_f                   (individual_rationality)

with M_f · x the firm's account (LinearProgram.account_matrix: every link term is the
receiver's) and C⁰_f its standalone (no-links) cost. The τ carry no cost: the objective is
unchanged, so with these rows the MILP finds the best design that can be shared this way
(docs/model.md, "Transfers and the cost of fairness").
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..network import Network
from .program import LinearProgram


@dataclass(frozen=True)
class Transfers:
    """The option of `formulate`: each firm's standalone cost C⁰_f (indexed by firm_id) and
    whether a supplier may pay a receiver (a gate fee, a negative price)."""

    standalone: pd.Series
    gate_fees: bool = True


def between_firms(network: Network) -> pd.DataFrame:
    """The candidate links between two different firms: those that can carry a payment."""
    links = network.links
    return links[(links.from_firm != links.to_firm).to_numpy()]


def price_bounds(links: pd.DataFrame, carbon_price: float, gate_fees: bool = True
                 ) -> pd.DataFrame:
    """Per link: `price_min` and `price_max` per unit of flow (currency per unit of supply)."""
    upper = links["yield"].to_numpy() * (links.demand_unit_cost.to_numpy()
                                         + carbon_price * links.demand_unit_co2.to_numpy())
    lower = -(links.supply_unit_cost.to_numpy() + carbon_price * links.supply_unit_co2.to_numpy())
    if not gate_fees:
        lower = np.maximum(lower, 0.0)
    return pd.DataFrame({"price_min": lower, "price_max": upper}, index=links.index)


def add_transfers(lp: LinearProgram, network: Network, options: Transfers) -> None:
    links = between_firms(network)
    firms = options.standalone.index
    n = len(links)
    bounds = price_bounds(links, lp.carbon_price, options.gate_fees)
    ends = (links.from_firm.to_numpy(), links.to_firm.to_numpy())
    flow = lp.variables["flow"]
    flow_cols = flow.start + flow.index.get_indexer(links.index)
    pay = lp.add_variables("transfer", links.index, -np.inf, np.inf, ends)
    rows = np.tile(np.arange(n), 2)
    lp.add_constraints(
        "transfer_price_max", links.index, rows, np.concatenate([pay.columns, flow_cols]),
        np.concatenate([np.ones(n), -bounds.price_max.to_numpy()]), upper=0.0,
        description="a payment at most the receiver's saving per unit times the flow")
    lp.add_constraints(
        "transfer_price_min", links.index, rows, np.concatenate([pay.columns, flow_cols]),
        np.concatenate([np.ones(n), -bounds.price_min.to_numpy()]), lower=0.0,
        description="a payment at least minus the supplier's avoided cost per unit times "
                    "the flow")
    m, constants = lp.account_matrix(firms)
    m = m.tocoo()
    supplier = firms.get_indexer(ends[0])
    receiver = firms.get_indexer(ends[1])
    lp.add_constraints(
        "individual_rationality", firms,
        np.concatenate([m.row, supplier, receiver]),
        np.concatenate([m.col, pay.columns, pay.columns]),
        np.concatenate([m.data, -np.ones(n), np.ones(n)]),
        upper=options.standalone.to_numpy(float) - constants,
        description="each firm's cost after transfers at most its standalone cost")
