"""Emit a LinearProgram as a Pyomo ConcreteModel with named, indexed components.

Variables keep their block names and labels (`m.flow['S1->D2']`, `m.purchase['D2']`),
constraints likewise (`m.supply_balance['S1']`, `m.quality['D2', 'cod_mg_l']`), and the
objective's parts are Expressions (`m.cost_terms['transport']`, `m.total_co2`), so a notebook
user can read the model and add constraints before solving it.
"""
from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from .program import LinearProgram

COLUMNS_ATTR = "_symbiosis_columns"  # the Pyomo variables in program column order


def _labels(index) -> list:
    return list(index)


def to_pyomo(lp: LinearProgram) -> pyo.ConcreteModel:
    m = pyo.ConcreteModel(name="symbiosis")
    columns: list = []
    for block in lp.variables.values():
        labels = _labels(block.index)
        domain = pyo.Binary if block.integer else pyo.Reals
        var = pyo.Var(labels, domain=domain, dense=True)
        m.add_component(block.name, var)
        datas = [var[k] for k in labels]
        for v, lo, up in zip(datas, block.lower, block.upper):
            v.setlb(None if np.isneginf(lo) else float(lo))
            v.setub(None if np.isposinf(up) else float(up))
        columns.extend(datas)
    setattr(m, COLUMNS_ATTR, columns)

    for block in lp.constraints.values():
        _add_constraint_block(m, block, columns)

    m.cost_terms = pyo.Expression(list(lp.cost_terms),
                                  rule=lambda _, k: _linear(lp.cost_terms[k], columns))
    m.co2_terms = pyo.Expression(list(lp.co2_terms),
                                 rule=lambda _, k: _linear(lp.co2_terms[k], columns))
    m.total_co2 = pyo.Expression(expr=sum(m.co2_terms[k] for k in lp.co2_terms))
    m.total_cost = pyo.Expression(
        expr=sum(m.cost_terms[k] for k in lp.cost_terms) + lp.carbon_price * m.total_co2)
    m.objective = pyo.Objective(expr=m.total_cost if lp.objective == "cost" else m.total_co2,
                                sense=pyo.minimize)
    return m


def _linear(term, columns) -> LinearExpression:
    keep = term.coefs != 0
    return LinearExpression(constant=float(term.constant),
                            linear_coefs=term.coefs[keep].tolist(),
                            linear_vars=[columns[j] for j in term.cols[keep]])


def _add_constraint_block(m: pyo.ConcreteModel, block, columns) -> None:
    order = np.argsort(block.rows, kind="stable")
    rows, cols, coefs = block.rows[order], block.cols[order], block.coefs[order]
    bounds = np.searchsorted(rows, np.arange(len(block.index) + 1))
    labels = _labels(block.index)
    position = {label: i for i, label in enumerate(labels)}

    def rule(_, *key):
        i = position[key[0] if len(key) == 1 else tuple(key)]
        lo, up = block.lower[i], block.upper[i]
        span = slice(bounds[i], bounds[i + 1])
        if span.start == span.stop:  # a row nothing has joined (yet): no constraint
            return pyo.Constraint.Skip
        expr = LinearExpression(constant=0.0, linear_coefs=coefs[span].tolist(),
                                linear_vars=[columns[j] for j in cols[span]])
        if lo == up:
            return expr == float(lo)
        return (None if np.isneginf(lo) else float(lo), expr,
                None if np.isposinf(up) else float(up))

    m.add_component(block.name, pyo.Constraint(labels, rule=rule, doc=block.description))


def column_values(m: pyo.ConcreteModel) -> np.ndarray:
    """Solution values in program column order (NaN for a variable without a value)."""
    return np.array([np.nan if v.value is None else v.value for v in getattr(m, COLUMNS_ATTR)],
                    dtype=float)
