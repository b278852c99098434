"""Operating states: which years, periods and volume scenarios a park's time tables make, each
state's weight and each stream's quantity in it (docs/model.md, "Time").

A state s = (year t, period p, scenario ξ) has the weight ω_s = δ_t · w_p · π_ξ (δ_t the
discount factor of year t, w_p the period's share of the year, π_ξ the scenario's
probability). Its quantities are annual *rates*: a stream's amount in the period divided by
w_p, times the scenario's factor, zero while its firm is absent. With rates, every yearly
capacity and price of the one-year model means what it meant, and the state's program is the
one-year program of a park with those quantities.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..park import Park
from .inputs import WEIGHT_TOLERANCE, TimeTables, check_time_tables

ALL = "all"  # the name of the one period, scenario or year when there is no dimension
FACILITY = "facility"  # the green-channel mode and first_build key of shared facilities


@dataclass(frozen=True)
class TimePlan:
    """The states of a park's year(s) and the quantities of its streams in each.

    `states`: one row per state (index: its name), columns year (None without a horizon),
    period, scenario, weight (w_p · π_ξ), discount (δ_t), omega (their product).
    `rates`: streams × states, the annual rate of each stream in each state.
    `present`: firms × years, whether a firm is there (all true without a horizon).
    `first_build`: per link mode, the first year a new link of that mode may be built, and
    under FACILITY the first year a shared facility may be (docs/model.md, "Time").
    """

    states: pd.DataFrame
    rates: pd.DataFrame
    present: pd.DataFrame
    years: tuple
    first_build: dict[str, int] = field(default_factory=dict)

    @property
    def phased(self) -> bool:
        return self.years != (None,)

    @property
    def scenarios(self) -> pd.Series:
        """Each scenario's probability."""
        s = self.states
        return s.groupby("scenario", sort=False).probability.first()

    @property
    def trivial(self) -> bool:
        """One state of weight 1 with the park's own quantities: today's one-year model."""
        return len(self.states) == 1 and not self.phased and \
            abs(float(self.states.omega.iloc[0]) - 1.0) <= 0.0

    def restrict_scenario(self, scenario: str) -> TimePlan:
        """Only one scenario's states, with probability 1 (its wait-and-see model)."""
        keep = self.states.scenario == scenario
        states = self.states[keep].copy()
        states["weight"] = states.weight / states.probability
        states["probability"] = 1.0
        states["omega"] = states.weight * states.discount
        return replace(self, states=states, rates=self.rates.loc[:, keep.to_numpy()])

    def mean_volumes(self) -> TimePlan:
        """The scenarios replaced by one of the expected volumes (the mean-value model)."""
        s = self.states
        if s.scenario.nunique() == 1:
            return self
        groups = s.groupby(["year", "period"], sort=False, dropna=False)
        rows, columns = [], []
        for (year, period), g in groups:
            first = g.iloc[0]
            name = _state_name(year, period, ALL)
            rows.append({"state": name, "year": first.year, "period": period, "scenario": ALL,
                         "probability": 1.0, "weight": first.weight / first.probability,
                         "discount": first.discount})
            columns.append(self.rates[g.index].mul(g.probability.to_numpy(), axis=1)
                           .sum(axis=1).rename(name))
        states = pd.DataFrame(rows).set_index("state")
        states["omega"] = states.weight * states.discount
        return replace(self, states=states, rates=pd.concat(columns, axis=1))


def _state_name(year, period: str, scenario: str) -> str:
    parts = [str(year)] if year is not None and not pd.isna(year) else []
    parts += [p for p in (period, scenario) if p != ALL]
    return "/".join(parts) or ALL


def firm_presence(park: Park, years: tuple) -> pd.DataFrame:
    """firms × years: arrives ≤ year < leaves (blank: from before the horizon, never leaves)."""
    firms = park.firms
    if years == (None,):
        return pd.DataFrame(True, index=firms.index, columns=[None])
    arrives = firms["arrives"].to_numpy(float) if "arrives" in firms else \
        np.full(len(firms), np.nan)
    leaves = firms["leaves"].to_numpy(float) if "leaves" in firms else \
        np.full(len(firms), np.nan)
    y = np.asarray(years, float)
    mask = (np.nan_to_num(arrives, nan=-np.inf)[:, None] <= y[None, :]) & \
        (y[None, :] < np.nan_to_num(leaves, nan=np.inf)[:, None])
    return pd.DataFrame(mask, index=firms.index, columns=list(years))


def _period_rates(park: Park, t: TimeTables) -> tuple[pd.DataFrame, pd.Series]:
    """streams × periods of annual rates, and the periods' weights."""
    q = park.streams.quantity
    if t.periods.empty:
        if len(t.stream_periods):
            raise InputError(Problem(t.sources.get("stream_periods", "stream_periods"),
                                     "stream_periods.csv needs periods.csv beside it"))
        return pd.DataFrame({ALL: q.to_numpy(float)}, index=q.index), pd.Series({ALL: 1.0})
    weights = t.periods.set_index("period").weight.astype(float)
    rates = pd.DataFrame(np.outer(q.to_numpy(float), np.ones(len(weights))), index=q.index,
                         columns=weights.index)
    sp = t.stream_periods
    if len(sp):
        amounts = sp.pivot(index="stream_id", columns="period", values="quantity") \
            .reindex(columns=weights.index).fillna(0.0)
        total = amounts.sum(axis=1)
        annual = q.reindex(amounts.index)
        off = (total - annual).abs() > WEIGHT_TOLERANCE * np.maximum(1.0, annual.abs())
        if off.any():
            problems = [Problem(t.sources.get("stream_periods", "stream_periods"),
                                f"the periods of stream {sid!r} sum to {total[sid]:g}, "
                                f"not its annual quantity {annual[sid]:g} (streams.csv)",
                                column="quantity") for sid in total.index[off]]
            raise InputError(problems)
        rates.loc[amounts.index] = amounts.to_numpy() / weights.to_numpy()[None, :]
    return rates, weights


def _scenario_factors(park: Park, t: TimeTables) -> tuple[pd.DataFrame, pd.Series]:
    """streams × scenarios of volume factors, and the scenarios' probabilities."""
    vs = t.volume_scenarios
    streams = park.streams
    if vs.empty:
        return pd.DataFrame({ALL: 1.0}, index=streams.index), pd.Series({ALL: 1.0})
    probability = vs.groupby("scenario", sort=False).probability.first()
    factors = pd.DataFrame(1.0, index=streams.index, columns=probability.index)
    res = vs["resource"] if "resource" in vs else pd.Series("", index=vs.index)
    sid = vs["stream_id"] if "stream_id" in vs else pd.Series("", index=vs.index)
    for scenario, r, s, f in zip(vs.scenario, res, sid, vs.factor):
        hit = (streams.resource == r) if r else (streams.index == s)
        factors.loc[np.asarray(hit), scenario] *= f
    return factors, probability


def plan_of(park: Park, tables: TimeTables = TimeTables(),
            green_channel: dict[str, int] | None = None) -> TimePlan:
    """The states of a park and its time tables (checked first, every problem at once).
    `green_channel`: per link mode (or FACILITY), the permitting years it takes instead of the
    horizon's `permit_years` (docs/format.md, "Time")."""
    check_time_tables(park, tables)
    h = park.config.horizon
    years: tuple = tuple(range(h.start, h.end + 1)) if h is not None else (None,)
    rate = park.config.economics.discount_rate
    present = firm_presence(park, years)
    period_rates, weights = _period_rates(park, tables)
    factors, probability = _scenario_factors(park, tables)
    owner = park.streams.firm_id
    rows, columns = [], []
    for year in years:
        discount = 1.0 if year is None else (1.0 + rate) ** -(year - h.start)
        here = present[year].reindex(owner).to_numpy(float)
        for period, w in weights.items():
            for scenario, p in probability.items():
                name = _state_name(year, period, scenario)
                rows.append({"state": name, "year": year, "period": period,
                             "scenario": scenario, "probability": float(p),
                             "weight": float(w) * float(p), "discount": discount})
                columns.append(pd.Series(period_rates[period].to_numpy() *
                                         factors[scenario].to_numpy() * here,
                                         index=park.streams.index, name=name))
    states = pd.DataFrame(rows).set_index("state")
    states["omega"] = states.weight * states.discount
    first = {}
    if h is not None:
        for mode in ("truck", "pipe", FACILITY):
            permit = (green_channel or {}).get(mode, h.permit_years)
            first[mode] = h.start + min(permit, h.permit_years)
    return TimePlan(states=states, rates=pd.concat(columns, axis=1), present=present,
                    years=years, first_build=first)


def state_park(park: Park, plan: TimePlan, state: str) -> Park:
    """The one-year park of a state: its streams' quantities are the state's rates."""
    streams = park.streams.copy()
    streams["quantity"] = plan.rates[state].to_numpy()
    return replace(park, streams=streams)


def envelope_park(park: Park, plan: TimePlan) -> Park:
    """The park with each stream at its largest rate over the states: its candidate links are
    those of every state (a link that cannot pay at the largest rates pays in no state, the
    weights of a year summing to 1)."""
    streams = park.streams.copy()
    streams["quantity"] = plan.rates.max(axis=1).to_numpy()
    return replace(park, streams=streams)
