"""Firm accounts with shared facilities: a facility's own costs shared by the firms that use it.

The firm accounts (LinearProgram.account_matrix, docs/model.md "Firm accounts") give each cost
and CO2 term to its owner. A shared facility (facilities.csv) owns columns of its own (build,
input treated, surplus, capex segments) and is the receiver of the arcs into it, so those
terms belong to no firm. Rule (docs/model.md, "Firm accounts", shared facilities): each
facility's own account at a point x (the same owner rule with the facility as owner: fixed
cost, capex annuity, processing and surplus disposal, the arcs into it, and carbon_price × the
CO2 of each) is shared by the firms with an arc into or out of it, **pro rata to each firm's
flow over those arcs at x** (what it delivers in plus what it takes out, each arc's flow
column, in its own units). A facility used by no firm at x (cost 0 once idle facilities are
closed) is shared equally by the firms with a candidate arc to or from it. So the firms'
costs still add up to the program's, exactly, at every point; the split is a function of x
(not linear in it), which is why it is applied at a point and not inside a MILP.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .program import LinearProgram


def facility_ids(lp: LinearProgram) -> pd.Index:
    """The shared facilities of the program (none without facilities.csv)."""
    conversions = lp.annotations.get("facility_conversions")
    if conversions is None or not len(conversions):
        return pd.Index([], dtype=object)
    return pd.Index(pd.unique(conversions.facility_id.astype(object)))


def facility_weights(lp: LinearProgram, firms: pd.Index, x: np.ndarray) -> sp.csr_matrix:
    """W (firms × facilities): each firm's share of each facility's account at x (every
    column of W sums to 1 where the facility has a firm with a candidate arc)."""
    facilities = facility_ids(lp)
    flow = lp.variables["flow"]
    first, second = flow.firms
    f_in, f_out = firms.get_indexer(first), firms.get_indexer(second)
    p_in, p_out = facilities.get_indexer(second), facilities.get_indexer(first)
    into = (f_in >= 0) & (p_in >= 0)  # firm -> facility
    out = (f_out >= 0) & (p_out >= 0)  # facility -> firm
    firm = np.r_[f_in[into], f_out[out]]
    plant = np.r_[p_in[into], p_out[out]]
    amount = np.abs(np.r_[x[flow.columns[into]], x[flow.columns[out]]])
    shape = (len(firms), len(facilities))
    used = sp.csr_matrix((amount, (firm, plant)), shape=shape).toarray()
    candidate = sp.csr_matrix((np.ones(len(firm)), (firm, plant)), shape=shape).toarray() > 0
    total = used.sum(axis=0)
    scale = max(1.0, float(total.max(initial=0.0)))
    idle = total <= 1e-9 * scale
    weights = np.where(idle, candidate, used)
    sums = weights.sum(axis=0)
    return sp.csr_matrix(weights / np.where(sums > 0, sums, 1.0))


def firm_costs(lp: LinearProgram, firms: pd.Index, x: np.ndarray,
               accounts: tuple[sp.csr_matrix, np.ndarray] | None = None) -> np.ndarray:
    """Each firm's cost at x (carbon included): its own account (M x + k) plus its share of
    each facility's (the module's rule). `accounts`: the firms' (M, k), if already built."""
    m, k = accounts if accounts is not None else lp.account_matrix(firms)
    cost = m @ x + k
    facilities = facility_ids(lp)
    if not len(facilities):
        return cost
    mf, kf = lp.account_matrix(facilities)
    return cost + facility_weights(lp, firms, x) @ (mf @ x + kf)


def accounts_by_term(lp: LinearProgram, firms: pd.Index, x: np.ndarray
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """LinearProgram.accounts_by_term with each facility's terms shared by the rule above:
    (cost, co2), firms × term, adding up over firms to the program's terms."""
    cost, co2 = lp.accounts_by_term(firms, x)
    facilities = facility_ids(lp)
    if not len(facilities):
        return cost, co2
    w = facility_weights(lp, firms, x)
    fc, fco2 = lp.accounts_by_term(facilities, x)
    return (cost + pd.DataFrame(w @ fc.to_numpy(), index=firms, columns=cost.columns),
            co2 + pd.DataFrame(w @ fco2.to_numpy(), index=firms, columns=co2.columns))
