"""Read a result folder or a sweep folder (docs/format.md) into plain tables for the report.

Reports read Results only: everything here comes from the files a run wrote, or from an
in-memory Result (`tables_of`), never from the model or the solver.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..outputs import check_numeric, csv_unescape, read_kpis_file

if TYPE_CHECKING:
    from ..results.result import Result

REQUIRED = ("kpis.json", "links.csv", "firms.csv", "network.graphml")
OPTIONAL = ("resources.csv", "objective.csv", "why_not.csv", "streams.csv",
            "rejected_pairs.csv", "heat_transfers.csv", "heat_pumps.csv",
            "shares.csv",  # shares.csv: `symbiosis share` (docs/format.md)
            "resilience.csv", "robust_links.csv", "robust_resilience.csv",  # `resilience`
            "facilities.csv",  # models with facilities
            "firms_esg.csv")  # the green-certification sheet (report/firms.py)
FIRM_ATTRIBUTES = ["name", "park", "sector", "x_km", "y_km", "lat", "lon"]
CSV = {"float_precision": "round_trip"}
# the page shows exactly the numbers in the files (pandas 3 parses floats exactly by default)
ROUND_TRIP = {"float_precision": "round_trip"} if pd.__version__ < "3" else {}
IDS = ("firm_id", "from_firm", "to_firm", "from_stream", "to_stream", "stream_id", "resource",
       "from_resource", "to_resource", "variant", "link_id", "facility_id")  # ids: strings
LINK_COLUMNS = ["from_firm", "from_stream", "to_firm", "to_stream", "from_resource",
                "to_resource", "flow", "delivered", "distance_km", "mode", "annual_cost", "co2_t"]
TEXT_COLUMNS = ("term", "category", "unit", "direction", "mode", "reason", "detail", "kind",
                "status", "pump", "property", "rule", "group", "name", "dependants",
                "reoptimised_status", "standby", "inputs", "outputs")
LINK_NUMBERS = ["flow", "delivered", "distance_km", "annual_cost", "co2_t"]
FIRM_NUMBERS = ["baseline_cost", "cost", "savings", "baseline_co2_t", "co2_t"]
FIRM_COLUMNS = ["firm_id", "baseline_cost", "cost", "savings", "baseline_co2_t", "co2_t"]  # the page shows exactly the numbers in the files


@dataclass
class ResultTables:
    """One result as the report needs it: KPIs and tidy tables, firms with their places."""

    name: str
    kpis: dict[str, Any]
    links: pd.DataFrame  # links.csv, one row per built link
    firms: pd.DataFrame  # firms.csv + name, park, sector, coordinates, links (count)
    resources: pd.DataFrame  # index resource; category and unit when the folder has them
    objective: pd.DataFrame  # index term: baseline_cost, cost, baseline_co2_t, co2_t
    why_not: pd.DataFrame | None  # None: an older folder without why_not.csv
    coordinates: str  # "geographic" (lat, lon) or "plane" (x_km, y_km)
    other: dict[str, pd.DataFrame] = field(default_factory=dict)  # for the workbook

    @property
    def currency(self) -> str:
        return str(self.kpis.get("currency", ""))


@dataclass
class SweepTables:
    """A sweep folder: summary.csv (one row per variant) and the base variant's name."""

    name: str
    summary: pd.DataFrame
    base: str
    currency: str


def is_sweep_folder(path: Path) -> bool:
    return (path / "summary.csv").is_file() and not (path / "kpis.json").exists()


def read_folder(path: str | Path) -> ResultTables | SweepTables:
    """A result folder or a sweep folder; InputError naming the file when it is neither."""
    path = Path(path)
    if not path.is_dir():
        raise InputError(Problem(str(path), "is not a folder: give a result folder written by "
                                            "`symbiosis run` or a sweep folder"))
    return read_sweep_folder(path) if is_sweep_folder(path) else read_result_folder(path)


def read_result_folder(path: str | Path) -> ResultTables:
    path = Path(path)
    missing = [f for f in REQUIRED if not (path / f).is_file()]
    if missing:
        raise InputError(Problem(str(path / missing[0]), "missing: this is not a result folder "
                                 "(it needs " + ", ".join(REQUIRED) + ")"))
    kpis = read_kpis_file(path / "kpis.json")
    links = check_numeric(_read_csv(path / "links.csv"), path / "links.csv", LINK_NUMBERS)
    firms = check_numeric(_read_csv(path / "firms.csv"), path / "firms.csv", FIRM_NUMBERS)
    for file, table, columns in (("links.csv", links, LINK_COLUMNS),
                                 ("firms.csv", firms, FIRM_COLUMNS)):
        absent = [c for c in columns if c not in table]
        if absent:
            raise InputError(Problem(str(path / file), "lacks the column(s) " + ", ".join(absent)))
    try:
        graph = nx.read_graphml(path / "network.graphml")
    except Exception as exc:  # ElementTree, networkx and key errors alike
        raise InputError(Problem(str(path / "network.graphml"), f"cannot be read: {exc}"))
    attributes = pd.DataFrame.from_dict(dict(graph.nodes(data=True)), orient="index")
    optional = {f: _read_csv(path / f) for f in OPTIONAL if (path / f).is_file()}
    for f, frame in optional.items():  # every column but ids and known text is a number
        check_numeric(frame, path / f, [c for c in frame.columns if c not in IDS
                                        and c not in TEXT_COLUMNS])
    resources = optional.pop("resources.csv", pd.DataFrame(columns=["resource"]))
    objective = optional.pop("objective.csv", pd.DataFrame(columns=["term"]))
    return _assemble(kpis.get("name") or path.name, kpis, links, firms, attributes,
                     resources.set_index("resource"), objective.set_index("term"),
                     optional.pop("why_not.csv", None),
                     {Path(k).stem: v for k, v in optional.items()})


def tables_of(result: "Result") -> ResultTables:
    """The same tables from an in-memory Result (for notebooks: `Result.plot_map()`)."""
    from ..results.schema import json_ready  # here: reading a folder needs no solver

    attributes = result.park.firms.reindex(columns=FIRM_ATTRIBUTES).dropna(axis=1, how="all")
    resources = result.resources.copy()
    if "category" not in resources:
        resources = resources.join(result.park.resources[["category", "unit"]])
    why = result.why_not if result.status.has_solution else None
    return _assemble(result.name, json_ready(result.kpis), result.links.reset_index(drop=True),
                     result.firms.rename_axis("firm_id").reset_index(), attributes, resources,
                     result.objective_breakdown, why,
                     {"streams": result.streams.reset_index(),
                      "rejected_pairs": result.rejected_pairs,
                      **({"firms_esg": result.esg} if len(result.esg) else {}),
                      **({"facilities": result.facilities} if len(result.facilities) else {})})


def _assemble(name, kpis, links, firms, attributes, resources, objective, why_not,
              other) -> ResultTables:
    attributes = attributes.reindex(columns=[c for c in FIRM_ATTRIBUTES if c in attributes])
    for column in ("name", "park", "sector"):
        attributes[column] = attributes[column].fillna("").astype(str) \
            if column in attributes else ""
    geographic = {"lat", "lon"} <= set(attributes.columns)
    # the firm's name is also the last column of firms.csv: the page takes it from the model
    firms = firms.drop(columns=["name"], errors="ignore").join(attributes, on="firm_id")
    ends = pd.concat([links.from_firm, links.to_firm[links.to_firm != links.from_firm]])
    firms["links"] = firms.firm_id.map(ends.value_counts()).fillna(0).astype(int)
    firms["co2_avoided_t"] = firms.baseline_co2_t - firms.co2_t
    return ResultTables(name=str(name), kpis=kpis, links=links, firms=firms,
                        resources=resources, objective=objective, why_not=why_not,
                        coordinates="geographic" if geographic else "plane", other=other)


def read_sweep_folder(path: str | Path) -> SweepTables:
    """summary.csv (docs/format.md): `variant, status,` scalar KPIs, axis columns."""
    path = Path(path)
    summary = _read_csv(path / "summary.csv")
    for column in ("variant", "status"):
        if column not in summary:
            raise InputError(Problem(str(path / "summary.csv"), f"has no {column} column"))
    summary["variant"] = summary.variant.astype(str)
    base = "base" if (summary.variant == "base").any() else summary.variant.iloc[0] \
        if len(summary) else ""
    currency = ""
    for variant in summary.variant:  # the currency of the first variant folder that says it
        kpis = path / variant / "kpis.json"
        if kpis.is_file():
            currency = str(_read_json(kpis).get("currency", ""))
            break
    kinds = {}
    for variant in summary.variant:  # cost (currency) or co2 (t): the objective's unit
        kpis = path / variant / "kpis.json"
        if kpis.is_file() and "objective_kind" not in summary:
            kinds[variant] = _read_json(kpis).get("objective_kind")
    if kinds and "objective" in summary:
        at = list(summary.columns).index("objective") + 1
        summary.insert(at, "objective_kind", summary.variant.map(kinds))
    return SweepTables(name=_sweep_name(path), summary=summary, base=base, currency=currency)


def _sweep_name(path: Path) -> str:
    """The `name:` of the sweep file copied into the folder (sweep.yaml), else the folder's."""
    import yaml

    try:
        data = yaml.safe_load((path / "sweep.yaml").read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError):
        return path.name
    name = data.get("name") if isinstance(data, dict) else None
    return str(name) if name else path.name


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(Problem(str(path), f"cannot be read as JSON: {exc}"))
    if not isinstance(data, dict):
        raise InputError(Problem(str(path), "is not a JSON object"))
    return data


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return csv_unescape(pd.read_csv(path, dtype={c: str for c in IDS}, **ROUND_TRIP))
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise InputError(Problem(str(path), f"cannot be read as CSV: {exc}"))


def resource_kpis(tables: ResultTables) -> pd.DataFrame:
    """Per resource: the kpis.json amounts, with category and unit where known."""
    res = pd.DataFrame.from_dict(tables.kpis.get("resources") or {}, orient="index")
    for column in ("category", "unit"):
        res[column] = tables.resources[column].reindex(res.index) \
            if column in tables.resources else np.nan
    return res
