"""Cross-table consistency checks, one named function per rule, in the CHECKS registry.

Each takes the typed tables (with their `_row` labels and sources) and returns the problems
it finds, so that all of them are reported together. A check's severity is `raise` (the input
is wrong: exit 2) or `warn` (valid but suspicious: the run goes on and says so, PyPSA- and
Calliope-style). Checks run on whatever parsed, so they must not assume a cell parsed:
a bad number is NaN, a bad id is blank.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Literal

import numpy as np
import pandas as pd

from .errors import Problem
from .regulation import (CODE_FORMAT, EU_CODE_FORMAT, canonical_code, canonical_eu_code,
                         licence_codes)

ROW = "_row"  # column holding how a user finds the row ("line 4")


@dataclass
class Tables:
    """Typed tables of one park, each with a `_row` column, and where each came from."""

    firms: pd.DataFrame
    resources: pd.DataFrame
    streams: pd.DataFrame
    exchanges: pd.DataFrame
    qualities: pd.DataFrame
    utilities: pd.DataFrame
    exchange_qualities: pd.DataFrame
    facilities: pd.DataFrame
    distances: pd.DataFrame
    sources: dict[str, str]
    problems: list[Problem] = field(default_factory=list)  # found while parsing the cells
    broken: frozenset[str] = frozenset()  # tables that could not be read: empty stand-ins


def _problems(table: pd.DataFrame, mask: pd.Series | np.ndarray, source: str, column: str,
              message) -> list[Problem]:
    """One Problem per masked row; `message` is a string or a function of the row."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():  # the usual case: skip the frame copy (sweeps check every variant)
        return []
    rows = table[mask]
    return [Problem(source, message(r) if callable(message) else message, row=r[ROW], column=column)
            for _, r in rows.iterrows()]


def check_unique_ids(t: Tables) -> list[Problem]:
    out = []
    for name, key in (("firms", "firm_id"), ("resources", "resource"), ("streams", "stream_id")):
        table = getattr(t, name)
        dup = table[key].duplicated(keep="first") & (table[key] != "")
        out += _problems(table, dup, t.sources[name], key,
                         lambda r, key=key: f"duplicate id {r[key]!r}")
    ex = t.exchanges
    dup = ex.duplicated(["from_resource", "to_resource"], keep="first")
    out += _problems(ex, dup, t.sources["exchanges"], "to_resource",
                     lambda r: f"duplicate exchange {r.from_resource!r} -> {r.to_resource!r}")
    q = t.qualities
    dup = q.duplicated(["stream_id", "property"], keep="first")
    out += _problems(q, dup, t.sources["qualities"], "property",
                     lambda r: f"duplicate value of {r.property!r} for stream {r.stream_id!r}")
    eq = t.exchange_qualities
    dup = eq.duplicated(["from_resource", "to_resource", "property"], keep="first")
    out += _problems(eq, dup, t.sources["exchange_qualities"], "property",
                     lambda r: f"duplicate value of {r.property!r} for exchange "
                               f"{r.from_resource!r} -> {r.to_resource!r}")
    return out


ID_SEPARATORS = ("->", "=>")  # join stream ids into link and heat-pump ids


def check_id_characters(t: Tables) -> list[Problem]:
    """Stream ids may not contain the separators of link ids, so link ids stay unique."""
    s = t.streams
    bad = s.stream_id.str.contains("|".join(ID_SEPARATORS), regex=True)
    return _problems(s, bad, t.sources["streams"], "stream_id",
                     lambda r: f"stream id {r.stream_id!r} may not contain "
                               f"{' or '.join(ID_SEPARATORS)}")


def check_not_empty(t: Tables) -> list[Problem]:
    if len(t.streams):
        return []
    return [Problem(t.sources["streams"], "no streams: nothing to optimise (a scenario's "
                                          "exclude_firms may have removed every firm)")]


def _categories(t: Tables) -> tuple[pd.Series, pd.Series]:
    """The category of each exchange's from_resource and to_resource (NaN if unknown)."""
    category = t.resources.drop_duplicates("resource").set_index("resource").category
    ex = t.exchanges
    return ex.from_resource.map(category), ex.to_resource.map(category)


def check_exchange_categories(t: Tables) -> list[Problem]:
    """Heat is turned into nothing else: it has no conversion to a material or water.

    The other way is fuel substitution: a combustible material or water (spent solvent,
    biogas, waste oil) burnt for a heat demand, yield = heat per unit of fuel.
    """
    a, b = _categories(t)
    bad = (a == "heat") & b.notna() & (b != "heat")
    return _problems(t.exchanges, bad, t.sources["exchanges"], "to_resource",
                     "heat cannot be converted into a material or water (heat has no "
                     "conversion to a material); only a material or water may serve heat, "
                     "as a fuel")


def check_heat_yield(t: Tables) -> list[Problem]:
    """A heat → heat exchange delivers at most the heat it takes (yield ≤ 1)."""
    a, b = _categories(t)
    ex = t.exchanges
    bad = (a == "heat") & (b == "heat") & (ex["yield"] > 1)
    return _problems(ex, bad, t.sources["exchanges"], "yield",
                     lambda r: f"a heat exchange cannot have a yield above 1 (got "
                               f"{r['yield']:g}): heat cannot be created by an exchange; heat "
                               "pumps lift heat with electricity, see heat_pumps in model.yaml")


def check_references(t: Tables) -> list[Problem]:
    firms, resources = set(t.firms.firm_id), set(t.resources.resource)
    streams = set(t.streams.stream_id) | facility_quality_ids(t.facilities)
    checks = [
        ("streams", "firm_id", firms, "unknown firm"),
        ("streams", "resource", resources, "unknown resource"),
        ("exchanges", "from_resource", resources, "unknown resource"),
        ("exchanges", "to_resource", resources, "unknown resource"),
        ("qualities", "stream_id", streams, "unknown stream"),
        ("utilities", "resource", resources, "unknown resource"),
        ("facilities", "input_resource", resources, "unknown resource"),
        ("facilities", "output_resource", resources, "unknown resource"),
    ]
    needs = {"firm": "firms", "resource": "resources", "stream": "streams"}
    out = []
    for name, column, known, what in checks:
        if t.broken.intersection({name, needs[what.split()[-1]]}):
            continue  # a table that could not be read: its ids are unknown, not wrong
        table = getattr(t, name)
        bad = ~table[column].isin(known) & (table[column] != "")
        out += _problems(table, bad, t.sources[name], column,
                         lambda r, column=column, what=what: f"{what} {r[column]!r}")
    if t.broken.intersection({"exchanges", "exchange_qualities"}):
        return out
    return out + _unknown_exchanges(t)


def _unknown_exchanges(t: Tables) -> list[Problem]:
    """A treated level belongs to an exchange: each row must name an exchanges.csv row."""
    eq, ex = t.exchange_qualities, t.exchanges
    known = pd.MultiIndex.from_frame(ex[["from_resource", "to_resource"]])
    named = pd.MultiIndex.from_frame(eq[["from_resource", "to_resource"]])
    bad = ~named.isin(known) if len(eq) else np.zeros(0, dtype=bool)
    where = t.sources["exchanges"]
    return _problems(eq, bad, t.sources["exchange_qualities"], "from_resource",
                     lambda r: f"no exchange {r.from_resource!r} -> {r.to_resource!r} in "
                               f"{where}: a treated level needs the exchange it belongs to")


def check_coordinates(t: Tables) -> list[Problem]:
    """Every firm has x_km, y_km or lat, lon — one system for the whole park."""
    f, source = t.firms, t.sources["firms"]
    has_xy = _pair_present(f, "x_km", "y_km")
    has_ll = _pair_present(f, "lat", "lon")
    out = _problems(f, ~has_xy & ~has_ll, source, "x_km",
                    lambda r: f"firm {r.firm_id!r} has no coordinates (give x_km, y_km or lat, lon; "
                              "a tenant to place on a plot: `symbiosis place`, docs/placement.md)")
    if has_xy.any() and has_ll.any() and not (has_xy & has_ll).all():
        out.append(Problem(source, "mixes plane (x_km, y_km) and lat, lon coordinates: "
                                   "use one system for every firm"))
    if "lat" in f:
        out += _problems(f, f.lat.abs() > 90, source, "lat", "expected a latitude in [-90, 90]")
    if "lon" in f:
        out += _problems(f, f.lon.abs() > 180, source, "lon", "expected a longitude in [-180, 180]")
    return out


def _pair_present(frame: pd.DataFrame, a: str, b: str) -> pd.Series:
    if a not in frame or b not in frame:
        return pd.Series(False, index=frame.index)
    return frame[a].notna() & frame[b].notna()


def check_heat_temperatures(t: Tables) -> list[Problem]:
    """Heat streams need t_in and t_out; a supply cools down (or stays at one temperature:
    condensing, a latent load), a demand heats up (or evaporates at one temperature)."""
    s, source = t.streams, t.sources["streams"]
    heat = s.resource.map(t.resources.set_index("resource").category
                          if t.resources.resource.is_unique else {}) == "heat"
    if not heat.any():
        return []
    t_in = s.t_in if "t_in" in s else pd.Series(np.nan, index=s.index)
    t_out = s.t_out if "t_out" in s else pd.Series(np.nan, index=s.index)
    out = []
    for name, values in (("t_in", t_in), ("t_out", t_out)):
        out += _problems(s, heat & values.isna(), source, name,
                         "a heat stream needs both t_in and t_out (°C)")
    missing = heat & (t_in.isna() | t_out.isna())
    known = heat & ~missing
    out += _problems(s, known & (s.direction == "supply") & (t_out > t_in), source, "t_out",
                     "a heat supply must cool down (t_out < t_in)")
    out += _problems(s, known & (s.direction == "demand") & (t_out < t_in), source, "t_out",
                     "a heat demand must heat up (t_out > t_in)")
    return out


def check_utilities(t: Tables) -> list[Problem]:
    """Utility ids are unique, serve heat resources, and run the right way."""
    u, source = t.utilities, t.sources["utilities"]
    if u.empty:
        return []
    category = t.resources.drop_duplicates("resource").set_index("resource").category
    out = _problems(u, u.utility.duplicated(keep="first"), source, "utility",
                    lambda r: f"duplicate id {r.utility!r}")
    not_heat = u.resource.map(category).notna() & (u.resource.map(category) != "heat")
    out += _problems(u, not_heat, source, "resource",
                     lambda r: f"{r.resource!r} is not a heat resource: utilities are heat levels")
    out += _problems(u, (u.kind == "hot") & (u.t_out > u.t_in), source, "t_out",
                     "a hot utility gives heat as it cools: t_out <= t_in")
    out += _problems(u, (u.kind == "cold") & (u.t_out < u.t_in), source, "t_out",
                     "a cold utility takes heat as it warms: t_out >= t_in")
    return out


def check_utilities_reach(t: Tables, min_approach_c: float) -> list[Problem]:
    """Where a heat resource has hot (cold) utilities, they replace buying (disposing of) its
    heat at any temperature, so each demand (supply) needs one utility that can serve it
    whole: its ends at least ΔTmin beyond the stream's, counter-current."""
    u, s = t.utilities, t.streams
    if u.empty or "t_in" not in s:
        return []
    out = []
    for kind, direction, word in (("hot", "demand", "hot enough to heat"),
                                  ("cold", "supply", "cold enough to cool")):
        levels = u[u.kind == kind]
        streams = s[(s.direction == direction) & s.resource.isin(set(levels.resource))]
        if streams.empty:
            continue
        pairs = streams.reset_index().merge(levels, on="resource", suffixes=("", "_u"))
        dt = min_approach_c
        if kind == "hot":
            fits = (pairs.t_in_u >= pairs.t_out + dt) & (pairs.t_out_u >= pairs.t_in + dt)
        else:
            fits = (pairs.t_out_u + dt <= pairs.t_in) & (pairs.t_in_u + dt <= pairs.t_out)
        served = set(pairs.loc[fits.to_numpy(), "index"])
        bad = ~streams.index.isin(served)
        out += _problems(streams, bad, t.sources["streams"], "t_out",
                         lambda r, word=word, kind=kind: (
                             f"no {kind} utility of {r.resource!r} in utilities.csv is {word} "
                             f"this stream (from {r.t_in:g} to {r.t_out:g} °C with ΔTmin "
                             f"{min_approach_c:g} K): add one, or remove the resource's {kind} "
                             "utilities to buy or dispose of its heat at any temperature"))
    return out


FACILITY_SHARED = ("x_km", "y_km", "lat", "lon", "name", "capacity", "fixed_cost", "capex",
                   "capex_exponent")  # one value per facility: later rows blank or equal


def facility_quality_ids(facilities: pd.DataFrame) -> set[str]:
    """`<facility_id>:in` and `<facility_id>:out`: the stream ids of a facility's input limits
    and output levels in qualities.csv (docs/format.md, "Facilities")."""
    ids = set(facilities.facility_id) - {""}
    return {f"{f}:{side}" for f in ids for side in ("in", "out")}


def check_facilities(t: Tables) -> list[Problem]:
    """Facilities: ids apart from firm ids, one site, capacity and costs per facility (given on
    its first row, blank or equal on later ones), capacity given, 0 < capex_exponent ≤ 1, the
    coordinate system of the firms, distinct conversions, and heat conversions as
    `_check_heat_facilities` wants them."""
    f, source = t.facilities, t.sources["facilities"]
    if f.empty:
        return []
    firms = set(t.firms.firm_id)
    out = _problems(f, f.facility_id.isin(firms), source, "facility_id",
                    lambda r: f"facility id {r.facility_id!r} is also a firm id: links name "
                              "either in from_firm/to_firm, so they must differ")
    bad = f.facility_id.str.contains("|".join(ID_SEPARATORS + (":",)), regex=True)
    out += _problems(f, bad, source, "facility_id",
                     lambda r: f"facility id {r.facility_id!r} may not contain "
                               f"{', '.join(ID_SEPARATORS)} or ':'")
    out += _problems(f, f.duplicated(["facility_id", "input_resource", "output_resource"]),
                     source, "output_resource",
                     lambda r: f"duplicate conversion {r.input_resource!r} -> "
                               f"{r.output_resource!r} of facility {r.facility_id!r}")
    first = f.groupby("facility_id", sort=False).cumcount() == 0
    for column in [c for c in FACILITY_SHARED if c in f]:
        value = f.groupby("facility_id", sort=False)[column].transform("first")
        given = f[column].notna() & (f[column].astype(str) != "")
        differs = ~first & given & (f[column] != value)
        out += _problems(f, differs, source, column,
                         lambda r, c=column: f"{c} differs from the first row of facility "
                                             f"{r.facility_id!r}: one plant has one {c} (leave "
                                             "it blank on later rows)")
    if "capacity" not in f:
        out.append(Problem(source, "required column is missing", column="capacity"))
    else:
        out += _problems(f, first & f.capacity.isna(), source, "capacity",
                         lambda r: f"facility {r.facility_id!r} needs a capacity (most input "
                                   "units a year) on its first row")
    if "capex_exponent" in f:
        out += _problems(f, f.capex_exponent > 1, source, "capex_exponent",
                         lambda r: f"expected a number in (0, 1], got {r.capex_exponent:g}: "
                                   "economies of scale make capex grow at most in proportion")
    plane = "x_km" in t.firms and t.firms.x_km.notna().any()
    want = ("x_km", "y_km") if plane else ("lat", "lon")
    for column in want:
        missing = first & (f[column].isna() if column in f else True)
        out += _problems(f, missing, source, column,
                         lambda r, c=column: f"facility {r.facility_id!r} needs {c} (its site, "
                                             "in the firms' coordinate system)")
    return out + _check_heat_facilities(f, t, source)


def _check_heat_facilities(f: pd.DataFrame, t: Tables, source: str) -> list[Problem]:
    """Heat through a facility (a heat-pump hub, a hot-water loop; heat_hubs.py): heat in and
    heat out, one conversion, supply_t given, return_t ≤ supply_t, a hub's source_t below its
    supply_t and no yield of its own (it follows from the COP), a loop's yield ≤ 1; elsewhere a
    yield and no temperatures."""
    category = t.resources.drop_duplicates("resource").set_index("resource").category
    col = lambda c: f[c] if c in f else pd.Series(np.nan, index=f.index)  # noqa: E731
    heat_in = (f.input_resource.map(category) == "heat").to_numpy()
    heat_out = (f.output_resource.map(category) == "heat").to_numpy()
    heat = heat_in & heat_out
    out = _problems(f, heat_in != heat_out, source,
                    "output_resource" if "output_resource" in f else "input_resource",
                    "a heat facility takes and delivers heat (a heat-pump hub or a hot-water "
                    "loop): both resources of the conversion must be heat resources")
    several = f.groupby("facility_id").facility_id.transform("size").to_numpy() > 1
    out += _problems(f, heat & several, source, "input_resource",
                     lambda r: f"heat facility {r.facility_id!r} has several conversions: a "
                               "heat-pump hub or loop has one (heat in, heat out)")
    supply_t, return_t, source_t, cop = (col(c) for c in ("supply_t", "return_t", "source_t",
                                                          "cop"))
    out += _problems(f, heat & supply_t.isna(), source, "supply_t",
                     lambda r: f"heat facility {r.facility_id!r} needs supply_t (°C it delivers "
                               "heat from)")
    out += _problems(f, heat & (return_t > supply_t), source, "return_t",
                     lambda r: f"return_t {r.return_t:g} °C is above supply_t {r.supply_t:g} "
                               "°C: the loop's water cools from supply_t to return_t")
    hub = heat & source_t.notna().to_numpy()
    out += _problems(f, hub & ~(source_t < supply_t).to_numpy(), source, "source_t",
                     lambda r: f"a heat-pump hub lifts heat: source_t {r.source_t:g} °C must "
                               f"be below supply_t {r.supply_t:g} °C")
    given_yield = col("yield").notna().to_numpy()
    out += _problems(f, hub & given_yield, source, "yield",
                     lambda r: f"heat-pump hub {r.facility_id!r}: leave yield blank, it follows "
                               "from the COP (COP/(COP − 1) heat delivered per unit taken)")
    out += _problems(f, heat & ~hub & cop.notna().to_numpy(), source, "cop",
                     lambda r: f"facility {r.facility_id!r} has a cop but no source_t: a COP "
                               "is a heat-pump hub's, which takes heat at source_t")
    out += _problems(f, heat & ~hub & (col("yield") > 1).to_numpy(), source, "yield",
                     lambda r: f"a hot-water loop keeps at most the heat it takes (yield ≤ 1, "
                               f"got {r['yield']:g})")
    out += _problems(f, ~heat & ~given_yield, source, "yield",
                     lambda r: f"facility {r.facility_id!r} needs a yield (units of "
                               f"{r.output_resource} per unit of {r.input_resource})")
    for c in ("supply_t", "return_t", "source_t", "cop"):
        out += _problems(f, ~heat & col(c).notna().to_numpy(), source, c,
                         lambda r, c=c: f"{c} is for heat facilities only (facility "
                                        f"{r.facility_id!r} converts {r.input_resource})")
    return out


def check_distances(t: Tables) -> list[Problem]:
    """distances.csv names firms or facilities, each pair (in a direction) once."""
    d, source = t.distances, t.sources["distances"]
    if d.empty:
        return []
    known = set(t.firms.firm_id) | set(t.facilities.facility_id)
    out = []
    for column in ("from", "to"):
        out += _problems(d, ~d[column].isin(known) & (d[column] != ""), source, column,
                         lambda r, c=column: f"unknown firm or facility {r[c]!r}")
    out += _problems(d, d.duplicated(["from", "to"]), source, "to",
                     lambda r: f"duplicate distance {r['from']!r} -> {r['to']!r}")
    return out


# --- warnings: valid but suspicious input -----------------------------------------------------


def _compatible(t: Tables) -> pd.DataFrame:
    """Resource pairs (from_resource, to_resource) a supply may serve: same resource or an
    exchange."""
    ids = t.resources.resource.drop_duplicates()
    same = pd.DataFrame({"from_resource": ids, "to_resource": ids})
    return pd.concat([same, t.exchanges[["from_resource", "to_resource"]]]).drop_duplicates()


def warn_unused_resources(t: Tables) -> list[Problem]:
    """A resource no stream (nor facility) uses is often a misspelt id in streams.csv."""
    r, f = t.resources, t.facilities
    used = set(t.streams.resource) | set(f.input_resource) | set(f.output_resource)
    unused = ~r.resource.isin(used) & (r.resource != "")
    return _problems(r, unused, t.sources["resources"], "resource",
                     lambda row: f"resource {row.resource!r} is used by no stream (a misspelt "
                                 "id in streams.csv?)")


def warn_zero_quantities(t: Tables) -> list[Problem]:
    """A stream of quantity 0 takes part in nothing."""
    s = t.streams
    return _problems(s, s.quantity == 0, t.sources["streams"], "quantity",
                     lambda row: f"{row.direction} {row.stream_id!r} has quantity 0: it takes "
                                 "part in no link (remove it, or give its quantity)")


def warn_unreachable_demands(t: Tables) -> list[Problem]:
    """A demand whose resource no supply of the park has, nor turns into by an exchange, is
    always purchased: often a missing exchanges.csv row."""
    s, compat = t.streams, _compatible(t)
    supplied = set(s.resource[s.direction == "supply"])
    servable = set(compat.to_resource[compat.from_resource.isin(supplied)])
    bad = ((s.direction == "demand") & ~s.resource.isin(servable)
           & s.resource.isin(set(t.resources.resource)))
    return _problems(s, bad, t.sources["streams"], "resource",
                     lambda row: f"no supply can ever serve demand {row.stream_id!r}: no supply "
                                 f"of {row.resource!r} nor of a resource exchanges.csv turns "
                                 "into it, so it is always purchased")


def warn_unmeasured_supplies(t: Tables) -> list[Problem]:
    """A supply with no value for a property that a demand it could serve limits is never
    linked to that demand (docs/format.md, "A park model"): silently, unless we say so.

    Worked out per (supply resource, property), then looked up for each supply: never a
    table of supplies × demands (a province has tens of thousands of each)."""
    s, q = t.streams, t.qualities
    demands = s.loc[s.direction == "demand", ["stream_id", "resource"]]
    limits = q.merge(demands, on="stream_id").rename(
        columns={"stream_id": "demand", "resource": "to_resource"})[
        ["demand", "property", "to_resource"]]
    if limits.empty:
        return []
    limits["limit_pos"] = np.arange(len(limits))
    compat = _compatible(t).reset_index(drop=True)
    compat["rule_pos"] = np.arange(len(compat))
    # Each rule's limited properties, and the demands limiting them, unless treated.
    rules = compat.merge(limits, on="to_resource")
    treated = pd.MultiIndex.from_frame(
        t.exchange_qualities[["from_resource", "to_resource", "property"]])
    rules = rules[~pd.MultiIndex.from_frame(rules[["from_resource", "to_resource", "property"]])
                  .isin(treated)]
    if rules.empty:
        return []
    # Per (from_resource, property): the demands a supply without the value is never linked
    # to, and where the property first appears among a supply's pairs (rule, then limit row).
    rules = rules.sort_values(["rule_pos", "limit_pos"], kind="stable")
    keys = (rules.groupby(["from_resource", "property"], sort=False).demand
            .agg(lambda d: ", ".join(sorted(set(d)))).reset_index())
    keys["first"] = np.arange(len(keys))  # groups in order of first appearance
    supplies = s.loc[s.direction == "supply", ["stream_id", "resource"]].reset_index()
    supplies["supply_pos"] = np.arange(len(supplies))
    pairs = supplies.merge(keys, left_on="resource", right_on="from_resource")
    measured = pd.MultiIndex.from_frame(q[["stream_id", "property"]])
    pairs = pairs[~pd.MultiIndex.from_frame(pairs[["stream_id", "property"]]).isin(measured)]
    if pairs.empty:
        return []
    grouped = pairs.sort_values(["supply_pos", "first"], kind="stable")
    rows = s.loc[grouped["index"], ROW].to_numpy()
    def message(g) -> str:
        many = "," in g.demand
        return (f"supply {g.stream_id!r} has no {g.property!r} value in qualities.csv, which "
                f"demand{'s' if many else ''} {g.demand} limit{'' if many else 's'}: it is never "
                f"linked to {'them' if many else 'it'} (give its level, 0 if it has none)")
    return [Problem(t.sources["streams"], message(g), row=row, column="stream_id")
            for g, row in zip(grouped.itertuples(), rows)]


def check_hazard_codes(t: Tables) -> list[Problem]:
    """hazard_code, eu_code and every licence must be codes (docs/regulation.md)."""
    out = []
    r = t.resources
    for column, parse, expected in (("hazard_code", canonical_code, CODE_FORMAT),
                                    ("eu_code", canonical_eu_code, EU_CODE_FORMAT)):
        if column in r:
            cells = r[column].fillna("").astype(str).str.strip()
            bad = (cells != "") & cells.map(parse).isna()
            out += _problems(r, bad, t.sources["resources"], column,
                             lambda row, c=column, e=expected: f"{row[c]!r} is not {e}")
    for name, f in _licence_tables(t):
        cells = f.licences.fillna("").astype(str)
        bad = cells.map(lambda c: [x for x in licence_codes(c) if canonical_code(x) is None])
        out += _problems(f, bad.map(bool), t.sources[name], "licences",
                         lambda row, bad=bad: f"{', '.join(map(repr, bad[row.name]))} is not "
                                              f"{CODE_FORMAT} (codes are separated by ';')")
    return out


def _licence_tables(t: Tables) -> list[tuple[str, pd.DataFrame]]:
    """The read tables with a `licences` column: firms.csv, facilities.csv."""
    return [(name, frame) for name, frame in (("firms", t.firms), ("facilities", t.facilities))
            if frame is not None and "licences" in frame]


def warn_hazard_codes(t: Tables) -> list[Problem]:
    """A licence for a code no resource of the park has (a typo, or a permit wider than the
    park: it grants nothing here), and an EU code marked hazardous with no Vietnamese code
    (not gated)."""
    out = []
    r = t.resources
    codes = set()
    if "hazard_code" in r:
        codes = set(r.hazard_code.fillna("").astype(str).map(canonical_code)) - {None}
    for name, f in _licence_tables(t):
        unused = f.licences.fillna("").astype(str).map(
            lambda c: [x for x in licence_codes(c)
                       if canonical_code(x) is not None and canonical_code(x) not in codes])
        out += _problems(f, unused.map(bool), t.sources[name], "licences",
                         lambda row, unused=unused: f"licence for {', '.join(unused[row.name])}, "
                                                    "which no resource of this park has as "
                                                    "hazard_code: it allows nothing here")
    if "eu_code" in r:
        eu = r.eu_code.fillna("").astype(str).str.strip()
        vn = (r.hazard_code.fillna("").astype(str).str.strip() if "hazard_code" in r
              else eu.map(lambda _: ""))
        starred = eu.str.endswith("*") & (vn == "")
        out += _problems(r, starred, t.sources["resources"], "hazard_code",
                         lambda row: f"eu_code {row.eu_code} is hazardous but hazard_code is "
                                     "blank: links of this resource are not gated")
    return out


Severity = Literal["raise", "warn"]


@dataclass(frozen=True)
class Check:
    """A named rule: what it reads (skipped when one of those tables could not be read)."""

    function: Callable[[Tables], list[Problem]]
    severity: Severity
    tables: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.function.__name__


CHECKS: tuple[Check, ...] = (
    Check(check_not_empty, "raise", ("streams",)),
    Check(check_unique_ids, "raise", ()),
    Check(check_id_characters, "raise", ("streams",)),
    Check(check_references, "raise", ()),  # skips the references into unread tables itself
    Check(check_exchange_categories, "raise", ("resources", "exchanges")),
    Check(check_heat_yield, "raise", ("resources", "exchanges")),
    Check(check_coordinates, "raise", ("firms",)),
    Check(check_heat_temperatures, "raise", ("resources", "streams")),
    Check(check_utilities, "raise", ("resources", "utilities")),
    Check(check_facilities, "raise", ("firms", "resources", "facilities")),
    Check(check_distances, "raise", ("firms", "facilities", "distances")),
    Check(check_hazard_codes, "raise", ("firms", "resources")),
    Check(warn_unused_resources, "warn", ("resources", "streams")),
    Check(warn_zero_quantities, "warn", ("streams",)),
    Check(warn_hazard_codes, "warn", ("firms", "resources")),
    Check(warn_unreachable_demands, "warn", ("resources", "streams", "exchanges")),
    Check(warn_unmeasured_supplies, "warn", ("streams", "qualities", "exchanges",
                                             "exchange_qualities")),
)


def run_checks(t: Tables, severity: Severity = "raise") -> list[Problem]:
    """Problems (or warnings) of every check of that severity that can run on these tables.

    A problem at a cell the parser already reported (a blank or bad cell) is left out: one
    message per cell."""
    reported = {(p.source, p.row, p.column) for p in t.problems}
    problems: list[Problem] = []
    for check in CHECKS:
        if check.severity == severity and not t.broken.intersection(check.tables):
            problems += [p for p in check.function(t)
                         if (p.source, p.row, p.column) not in reported]
    return problems
