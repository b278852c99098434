"""Scenarios (docs/format.md): a park model plus overrides, applied before validation ends.

Priority, lowest first: model.yaml < the scenario's `set` < command-line options. Within a
scenario the overrides apply in this order: `set`, `exclude_firms`, `scale`, `adjust`.
An override that names something that does not exist is an error, never a no-op.
"""
from __future__ import annotations

import copy
import json
import os
import typing
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from .checks import Tables, facility_quality_ids
from .decisions import FORCED_FROM, conflict_problems, link_id_problems
from .errors import InputError, Problem, raise_if
from .io import MODEL_FILE, ModelInputs, read_model
from .park import Park, build_park
from .policy import policy_problems
from .schema import LARGEST_MONEY, ModelConfig, Scenario
from .yamlio import read_yaml_mapping, validate_mapping


@dataclass(frozen=True)
class LoadedScenario:
    """A scenario file resolved to its validated Park and its run settings."""

    scenario: Scenario
    park: Park
    path: Path | None


def is_scenario_file(path: str | Path) -> bool:
    path = Path(path)
    return path.is_file() and path.suffix in (".yaml", ".yml") and path.name != MODEL_FILE


def load_scenario(path: str | Path) -> LoadedScenario:
    """Read a scenario file, load the model it names and apply its overrides."""
    path = Path(path)
    source = str(path)
    data = read_yaml_mapping(path)
    if "base" in data and "model" not in data:
        raise InputError(Problem(source, "this is a sweep file (it has `base`, not `model`): "
                                         "run it with `symbiosis sweep`", key="base"))
    scenario = validate_mapping(Scenario, data, source)
    model_path = (path.parent / scenario.model)
    if model_path.is_file() and model_path.name != MODEL_FILE:
        what = "this scenario file itself" if model_path.resolve() == path.resolve() \
            else f"the file {model_path}"
        raise InputError(Problem(source, f"points at {what}: give the park model's folder "
                                         f"(the one with {MODEL_FILE})", key="model"))
    if not (model_path / MODEL_FILE).exists() and not (model_path.is_file()):
        raise InputError(Problem(source, f"model not found: {model_path} (no {MODEL_FILE} there)",
                                 key="model"))
    inputs = read_model(model_path)
    park = apply_scenario(inputs, scenario, source)
    return LoadedScenario(scenario=scenario, park=park, path=path)


def load_model_or_scenario(path: str | Path) -> LoadedScenario:
    """A scenario file, or a model folder run as a scenario with no overrides."""
    if is_scenario_file(path):
        return load_scenario(path)
    path = Path(path)
    if path.suffix in (".yaml", ".yml") and path.name != MODEL_FILE and not path.is_dir():
        if not os.path.lexists(path):
            raise InputError(Problem(str(path), "scenario file not found"))
        return load_scenario(path)  # not a regular file: reading it says what it is
    inputs = read_model(path)
    park = build_park(inputs.config, inputs.config_source, inputs.tables)
    scenario = Scenario(name=park.name, model=str(path))
    return LoadedScenario(scenario=scenario, park=park, path=None)


def apply_scenario(inputs: ModelInputs, scenario: Scenario, source: str,
                   table_memo: dict[str, list] | None = None) -> Park:
    """Apply a scenario's overrides to a model as read; validate and return the Park.

    table_memo: shared by calls on the same `inputs` and `source` (a sweep's check of every
    variant), it keeps the table checks' problems per distinct exclude_firms, scale and adjust.
    """
    # The model must be valid on its own first, so its own errors name model.yaml. Its cells'
    # problems are listed with those of the overrides; a table that could not be read at all
    # stops here (overrides naming its ids would only add noise).
    model_problems = list(inputs.tables.problems)
    try:
        validate_mapping(ModelConfig, inputs.config, inputs.config_source)
    except InputError as exc:
        raise InputError(exc.problems + model_problems) from None
    if inputs.tables.broken:
        raise_if(model_problems)
    try:
        config = apply_set(inputs.config, scenario.set, source)
        tables = copy.copy(inputs.tables)
        tables = exclude_firms(tables, scenario.exclude_firms, source)
        tables = scale_streams(tables, scenario, source)
        tables = adjust_prices(tables, scenario, source)
        if scenario.set:
            checked = validate_mapping(ModelConfig, config, source, key_prefix="set.")
            if any(k.split(".")[0] in ("policy", "regulation") for k in scenario.set):
                raise_if(policy_problems(checked, tables, source, "set."))  # the set's lines
    except InputError as exc:
        raise InputError(model_problems + exc.problems) from None
    if table_memo is None:
        park = build_park(config, inputs.config_source, tables)
    else:
        key = json.dumps(scenario.model_dump(mode="json", include={"exclude_firms", "scale",
                                                                   "adjust"}), sort_keys=True)
        park = build_park(config, inputs.config_source, tables, table_memo=(table_memo, key))
    if scenario.exclude_firms:
        gone = inputs.tables.streams.stream_id[~inputs.tables.streams.stream_id.isin(
            tables.streams.stream_id)]
        park = replace(park, excluded_streams=frozenset(gone))
    return with_decisions(park, scenario, source)


def with_decisions(park: Park, scenario: Scenario, source: str) -> Park:
    """The park with the scenario's `links` (force, forbid) added to model.yaml's, each id
    checked against the streams at the scenario's key (symbiosis.decisions)."""
    decided = scenario.links
    if not decided.force and not decided.forbid:
        return park
    raise_if(link_id_problems(park, decided.force, source, "links.force")
             + link_id_problems(park, decided.forbid, source, "links.forbid"))
    links = park.config.links
    links = links.model_copy(update={
        "force": list(dict.fromkeys([*links.force, *decided.force])),
        "forbid": list(dict.fromkeys([*links.forbid, *decided.forbid]))})
    park = replace(park, config=park.config.model_copy(update={"links": links}),
                   sources={**park.sources, FORCED_FROM: source})
    raise_if(conflict_problems(park, source))
    return park


def apply_set(config: dict[str, Any], overrides: dict[str, Any], source: str) -> dict[str, Any]:
    """Set dotted keys of model.yaml; a key outside model.yaml's schema is an error."""
    config = copy.deepcopy(config)
    problems = []
    for key in overrides:
        covered = [other for other in overrides if key.startswith(other + ".")]
        if covered:
            problems.append(Problem(source, f"conflicts with set.{covered[0]}, which sets the "
                                            "whole section: give one or the other",
                                    key=f"set.{key}"))
    raise_if(problems)
    for key, value in overrides.items():
        if not _is_schema_key(ModelConfig, key.split(".")):
            problems.append(Problem(source, "unknown key (not a key of model.yaml)",
                                    key=f"set.{key}"))
            continue
        node = config
        *parents, leaf = key.split(".")
        for part in parents:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[leaf] = value
    raise_if(problems)
    return config


def _is_schema_key(schema: type[BaseModel], parts: list[str]) -> bool:
    field = schema.model_fields.get(parts[0])
    if field is None:
        return False
    if len(parts) == 1:
        return True
    candidates = (field.annotation, *typing.get_args(field.annotation))  # `Model | None` too
    if typing.get_origin(field.annotation) is dict:  # a mapping by id: any one key below it
        return len(parts) == 2
    nested = next((a for a in candidates if isinstance(a, type) and issubclass(a, BaseModel)),
                  None)
    return nested is not None and _is_schema_key(nested, parts[1:])


def exclude_firms(t: Tables, firm_ids: list[str], source: str) -> Tables:
    known = set(t.firms.firm_id)
    raise_if([Problem(source, f"unknown firm {f!r}", key=f"exclude_firms[{i}]")
              for i, f in enumerate(firm_ids) if f not in known])
    if not firm_ids:
        return t
    gone = set(firm_ids)
    streams = t.streams[~t.streams.firm_id.isin(gone)]
    kept = set(streams.stream_id) | facility_quality_ids(t.facilities)  # facilities stay
    qualities = t.qualities[t.qualities.stream_id.isin(kept)]
    d = t.distances
    distances = d[~d["from"].isin(gone) & ~d["to"].isin(gone)]
    return replace(t, firms=t.firms[~t.firms.firm_id.isin(gone)], streams=streams,
                   qualities=qualities, distances=distances)


def _stream_mask(t: Tables, rule, key: str, source: str) -> pd.Series:
    """Streams matching a selector; unknown ids and empty matches are errors."""
    s = t.streams
    category = s.resource.map(t.resources.set_index("resource").category)
    mask = pd.Series(True, index=s.index)
    checks = (("resource", s.resource, set(t.resources.resource)),
              ("firm", s.firm_id, set(t.firms.firm_id)),
              ("stream", s.stream_id, set(s.stream_id)),
              ("direction", s.direction, None),
              ("category", category, None))
    for field, column, known in checks:
        wanted = getattr(rule, field, None)
        if wanted is None:
            continue
        if known is not None and wanted not in known:
            raise InputError(Problem(source, f"unknown {field} {wanted!r}",
                                     key=f"{key}.{field}"))
        mask &= column == wanted
    if not mask.any():
        raise InputError(Problem(source, "matches no stream", key=key))
    return mask


def scale_streams(t: Tables, scenario: Scenario, source: str) -> Tables:
    if not scenario.scale:
        return t
    streams = t.streams.copy()
    for i, rule in enumerate(scenario.scale):
        mask = _stream_mask(replace(t, streams=streams), rule, f"scale[{i}]", source)
        streams.loc[mask, "quantity"] = streams.loc[mask, "quantity"] * rule.factor
    return replace(t, streams=streams)


# columns of resources.csv that may not be negative (tables.py), so neither may an adjustment
NON_NEGATIVE = ("transport_cost", "transport_co2")


def _check_changed(values: pd.Series, what: str, key: str, source: str, largest: float,
                   minimum: float | None = None) -> None:
    """A rule's results must stay numbers the model can take: finite, not too large (and not
    negative where the column forbids it), blamed on the rule rather than on the tables."""
    v = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    if (~np.isfinite(v)).any() or (np.abs(v) > largest).any():
        worst = v[~np.isfinite(v) | (np.abs(v) > largest)][0]
        raise InputError(Problem(source, f"makes {what} {worst:g}, beyond {largest:g} (see "
                                         "docs/format.md, 'Magnitudes and verification')",
                                 key=key))
    if minimum is not None and (v < minimum).any():
        raise InputError(Problem(source, f"makes {what} negative ({v[v < minimum][0]:g}); it "
                                         f"must be ≥ {minimum:g}", key=key))


_STREAM_OVERRIDE = {  # resources column -> (stream direction, stream override column)
    "purchase_price": ("demand", "price"), "purchase_co2": ("demand", "co2"),
    "disposal_cost": ("supply", "price"), "disposal_co2": ("supply", "co2"),
}


def adjust_prices(t: Tables, scenario: Scenario, source: str) -> Tables:
    """Change a resources.csv column, and the matching per-stream overrides with it."""
    if not scenario.adjust:
        return t
    resources, streams = t.resources.copy(), t.streams.copy()
    for i, rule in enumerate(scenario.adjust):
        key = f"adjust[{i}]"
        chosen = pd.Series(True, index=resources.index)
        if rule.resource is not None:
            if rule.resource not in set(resources.resource):
                raise InputError(Problem(source, f"unknown resource {rule.resource!r}",
                                         key=f"{key}.resource"))
            chosen &= resources.resource == rule.resource
        if rule.category is not None:
            chosen &= resources.category == rule.category
        if rule.sign is not None:
            chosen &= _has_sign(resources[rule.column], rule.sign)
        if not chosen.any():
            raise InputError(Problem(source, "matches no resource", key=key))
        resources.loc[chosen, rule.column] = _changed(resources.loc[chosen, rule.column], rule)
        number = "factor" if rule.factor is not None else "value"
        _check_changed(resources.loc[chosen, rule.column], rule.column, f"{key}.{number}",
                       source, LARGEST_MONEY, 0.0 if rule.column in NON_NEGATIVE else None)
        if rule.column in _STREAM_OVERRIDE:
            direction, column = _STREAM_OVERRIDE[rule.column]
            if column in streams:
                hit = (streams.resource.isin(set(resources.resource[chosen]))
                       & (streams.direction == direction) & streams[column].notna())
                if rule.sign is not None:
                    hit &= _has_sign(streams[column], rule.sign)
                streams.loc[hit, column] = _changed(streams.loc[hit, column], rule)
                _check_changed(streams.loc[hit, column], f"a stream's {column}",
                               f"{key}.{'factor' if rule.factor is not None else 'value'}",
                               source, LARGEST_MONEY)
    return replace(t, resources=resources, streams=streams)


def _has_sign(values: pd.Series, sign: str) -> pd.Series:
    return values > 0 if sign == "positive" else values < 0


def _changed(values: pd.Series, rule) -> pd.Series | float:
    return values * rule.factor if rule.factor is not None else np.full(len(values), rule.value)
