"""Sweep files (docs/format.md): parse, expand the grid, merge each variant into the base scenario,
and hash what each variant's run depends on.

Everything is checked before anything runs: a sweep file that names an unknown key, firm or
resource is one InputError naming the sweep file, its line and key (exit 2), never a failed
variant discovered an hour into the batch.

Merging a variant into the base scenario (priority, lowest first: model.yaml < base scenario <
variant):
- `set`: the variant's keys replace the base's same keys; a variant key that covers, or is
  covered by, a base key (`links.truck` against `links.truck.fixed_cost`) is a conflict: error;
- `exclude_firms`: the base's firms and then the variant's (each once); `links` (force,
  forbid) likewise;
- `scale`, `adjust`: the base's rules, then the variant's (they apply on top);
- `objective`, `baseline`: the variant's if given, else the base's;
- `solver`, `sharing`, `resilience`: the keys the variant gives replace the base's; the
  solver's `threads`
  defaults to 1, because variants run side by side, one per worker.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

import yaml

from .. import files
from ..errors import InputError, Problem, raise_if
from ..io import MODEL_FILE, ModelInputs, read_model, read_model_files, resolve_model_path
from ..scenario import _is_schema_key, apply_scenario, load_scenario
from ..schema import (AdjustRule, GridChange, LinkDecisions, ModelConfig, ResilienceSettings,
                      ScaleRule, Scenario, SharingSettings, SolverSettings, Sweep, SweepVariant)
from ..text import safe_chars
from ..yamlio import key_lines, line_of, read_yaml_mapping, validate_mapping

BASE = "base"
EXCLUDE_AXIS = "exclude_firms"
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._=+-]*$")
RESERVED_NAMES = {"summary.csv", "timings.csv", "sweep.yaml", "compare.csv"}
# A variant's folder is written as `.<name>.XXXXXXXX` and replaced through `.<name>.old-<pid>`:
# those must fit a file name (255 bytes on common filesystems), so a name is at most 200.
MAX_NAME_LENGTH = 200
# Planning checks every variant applied to the model (up to about 16 ms each): a sweep of more
# variants than this is refused before it is planned, unless max_variants raises the limit.
MAX_VARIANTS = 1000
PLAN_SECONDS_PER_VARIANT = 0.016


@dataclass(frozen=True)
class Variant:
    """One scenario of a sweep, resolved: the base scenario with this variant's changes."""

    name: str
    scenario: Scenario  # `model` is the model folder's absolute path
    params: dict[str, Any]  # axis -> value, for the summary's columns
    origin: str  # where it comes from in the sweep file: "base", "grid", "variants[3]"
    input_hash: str = ""
    keys: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    # keys of the merged scenario -> keys of the sweep file, to point messages at lines

    def scenario_yaml(self, folder: Path) -> str:
        """The resolved scenario as a runnable scenario file placed in `folder`."""
        data = self.scenario.model_dump(mode="json")
        data["model"] = _relative(Path(self.scenario.model), folder)
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


@dataclass(frozen=True)
class SweepPlan:
    """A validated sweep: its variants in file order (base, grid points, explicit variants)."""

    name: str
    source: str  # the sweep file, or "sweep (dict)"
    text: str  # the sweep file as given (copied to DIR/sweep.yaml)
    base: Path  # the base scenario file
    model: Path  # the park model folder
    axes: list[str]
    variants: list[Variant] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [v.name for v in self.variants]


# --- reading ------------------------------------------------------------------------------


def load_sweep(path_or_spec: str | Path | Mapping[str, Any],
               max_variants: int = MAX_VARIANTS) -> SweepPlan:
    """A sweep file, or a dict of the same keys (`base` relative to the current folder).

    More than `max_variants` variants is an error found before any is planned: a grid of
    100,000 points is more often a typo than a plan, and checking them all takes minutes.
    """
    if isinstance(path_or_spec, Mapping):
        spec = dict(path_or_spec)
        text = yaml.safe_dump(spec, sort_keys=False, allow_unicode=True)
        return plan_sweep(spec, "sweep (dict)", Path.cwd(), text, {}, max_variants)
    path = Path(path_or_spec)
    data = read_yaml_mapping(path)
    text = files.read_text(path, files.MAX_YAML_BYTES, "sweep file")  # read_yaml_mapping checked it
    return plan_sweep(data, str(path), path.parent, text, key_lines(path), max_variants)


def plan_sweep(data: dict[str, Any], source: str, root: Path, text: str,
               lines: dict[str, int], max_variants: int = MAX_VARIANTS) -> SweepPlan:
    def located(problems: list[Problem]) -> InputError:
        return InputError([replace(p, row=p.row or line_of(lines, p.key)) for p in problems])

    try:
        sweep: Sweep = validate_mapping(Sweep, data, source)
    except InputError as exc:
        raise located(exc.problems) from None
    base_path = root / sweep.base
    if not base_path.is_file():
        raise located([Problem(source, f"base scenario not found: {base_path}", key="base")])
    base = load_scenario(base_path).scenario  # the base's own errors name the base file
    model = resolve_model_path(base_path.parent / base.model).parent.resolve()
    try:
        axes, grid_changes = _grid(sweep, source)
        _check_count(sweep, grid_changes, source, max_variants)
        variants = _expand(sweep, grid_changes, axes, source)
        resolved = [_resolve(base, v, model, source) for v in variants]
    except InputError as exc:
        raise located(exc.problems) from None
    model_files = read_model_files(model)  # read once: what is checked is what is hashed
    inputs = read_model(model, model_files)
    config = validate_mapping(ModelConfig, inputs.config, str(model / MODEL_FILE))
    resolved = [_fill_params(v, axes, config) for v in resolved]
    _check_applies(resolved, inputs, source, lines)
    digest = model_files.digest()
    resolved = [replace(v, input_hash=input_hash(v.scenario, digest)) for v in resolved]
    return SweepPlan(name=sweep.name, source=source, text=text, base=base_path, model=model,
                     axes=axes, variants=resolved)


# --- the grid -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Change:
    """What one grid value changes, as variant keys."""

    key: str  # sweep-file key of the value, for messages
    set: dict[str, Any] = field(default_factory=dict)
    scale: tuple[ScaleRule, ...] = ()
    adjust: tuple[AdjustRule, ...] = ()
    exclude_firms: tuple[str, ...] = ()


def _grid(sweep: Sweep, source: str) -> tuple[list[str], list[list[tuple[Any, _Change]]]]:
    """The axes in file order, and per axis its (value, change) pairs."""
    if sweep.grid is None:
        return [], []
    if not sweep.grid:
        raise InputError(Problem(source, "empty grid: give at least one axis, or leave grid out",
                                 key="grid"))
    axes, changes, problems = [], [], []
    for axis, spec in sweep.grid.items():
        key = f"grid.{axis}"
        axes.append(axis)
        if isinstance(spec, dict):
            try:
                change: GridChange = validate_mapping(GridChange, spec, source,
                                                      key_prefix=f"{key}.")
            except InputError as exc:
                problems += exc.problems
                changes.append([])
                continue
            pairs = []
            for j, value in enumerate(change.values):
                vkey = f"{key}.values[{j}]"
                try:
                    if change.scale is not None:
                        rule = validate_mapping(
                            ScaleRule, {**change.scale.model_dump(exclude_none=True),
                                        "factor": value}, source, key_prefix=f"{vkey}.")
                        pairs.append((value, _Change(f"{key}.scale", scale=(rule,))))
                    else:
                        target = change.adjust.model_dump(exclude_none=True)
                        use_as = target.pop("use_as")
                        rule = validate_mapping(AdjustRule, {**target, use_as: value}, source,
                                                key_prefix=f"{vkey}.")
                        pairs.append((value, _Change(f"{key}.adjust", adjust=(rule,))))
                except InputError as exc:
                    problems += exc.problems
            changes.append(pairs)
            continue
        if not isinstance(spec, list):
            problems.append(Problem(source, "an axis is a list of values, or a mapping with "
                                            "`values` and `scale` or `adjust`", key=key))
            changes.append([])
            continue
        if not spec:
            problems.append(Problem(source, "empty axis: give at least one value", key=key))
            changes.append([])
            continue
        if axis == EXCLUDE_AXIS:
            pairs = []
            for j, value in enumerate(spec):
                firms = value if isinstance(value, list) else [value]
                if not firms or not all(isinstance(f, str) for f in firms):
                    problems.append(Problem(source, "a firm id or a list of firm ids",
                                            key=f"{key}[{j}]"))
                    continue
                pairs.append((value, _Change(f"{key}[{j}]", exclude_firms=tuple(firms))))
            changes.append(pairs)
            continue
        if not _is_schema_key(ModelConfig, axis.split(".")):
            problems.append(Problem(source, "unknown axis key (not a key of model.yaml, nor "
                                            "exclude_firms; an axis over scale or adjust is a "
                                            "mapping with `values`)", key=key))
            changes.append([])
            continue
        changes.append([(v, _Change(f"{key}[{j}]", set={axis: v})) for j, v in enumerate(spec)])
    raise_if(problems)
    return axes, changes


def _check_count(sweep: Sweep, grid: list[list[tuple[Any, _Change]]], source: str,
                 max_variants: int) -> None:
    """Refuse more than `max_variants` variants, counted from the axes' lengths alone."""
    points = math.prod(len(pairs) for pairs in grid) if grid else 0
    named = {v.name for v in sweep.variants}
    base = int(sweep.include_base and BASE not in named)
    total = base + points + len(sweep.variants)
    if total <= max_variants:
        return
    minutes = total * PLAN_SECONDS_PER_VARIANT / 60
    raise InputError(Problem(
        source, f"{total:,} variants ({points:,} grid points"
                f"{f', {len(sweep.variants):,} explicit' if sweep.variants else ''}"
                f"{', the base' if base else ''}), more than the limit of {max_variants:,}: "
                f"give --max-variants {total} (sb.sweep(..., max_variants={total})) to run "
                f"them all; checking them before the sweep starts takes up to about "
                f"{minutes:.0f} min", key="grid" if points > max_variants else None))


def _short_axis_names(axes: list[str]) -> dict[str, str]:
    """Shortest dotted suffix of each axis that no other axis ends with."""
    short = {}
    for axis in axes:
        parts = axis.split(".")
        for n in range(1, len(parts) + 1):
            candidate = ".".join(parts[-n:])
            if not any(o != axis and (o == candidate or o.endswith("." + candidate))
                       for o in axes):
                break
        short[axis] = candidate
    return short


def value_label(value: Any) -> str:
    """A grid value as it appears in a variant name: stable and filesystem-safe."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float)):
        text = repr(value)
    elif isinstance(value, list):
        text = "+".join(value_label(v) for v in value)
    elif isinstance(value, dict):
        text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    else:
        text = str(value)
    # keep a minus sign: -5 is not 5; Vietnamese letters transliterated (text.py), not dropped
    return safe_chars(text, keep="._+-") or "-"


def _param(value: Any) -> Any:
    """A grid value as a summary cell."""
    if isinstance(value, list):
        return "+".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return value


@dataclass(frozen=True)
class _Draft:
    """A variant before merging: its changes, grid values, origin and where its keys are."""

    changes: SweepVariant
    params: dict[str, Any]
    origin: str
    keymap: dict[str, str]  # "set.K", "scale+i", "adjust+i", "exclude_firms+i" -> sweep key


def _expand(sweep: Sweep, grid: list[list[tuple[Any, _Change]]], axes: list[str],
            source: str) -> list[_Draft]:
    """Every variant's changes, in file order: base, grid points, explicit variants."""
    short = _short_axis_names(axes)
    out: list[_Draft] = []
    named = {v.name for v in sweep.variants}
    if sweep.include_base and BASE not in named:
        out.append(_Draft(SweepVariant(name=BASE), {}, BASE, {}))
    for point in itertools.product(*grid) if grid else ():
        name = "_".join(f"{short[a]}={value_label(v)}" for a, (v, _) in zip(axes, point))
        keymap, set_, scale, adjust, exclude = {}, {}, [], [], []
        for _, change in point:
            set_.update(change.set)
            keymap.update({f"set.{k}": change.key for k in change.set})
            keymap.update({f"scale+{len(scale) + i}": change.key
                           for i in range(len(change.scale))})
            keymap.update({f"adjust+{len(adjust) + i}": change.key
                           for i in range(len(change.adjust))})
            keymap.update({f"exclude_firms+{len(exclude) + i}": change.key
                           for i in range(len(change.exclude_firms))})
            scale += change.scale
            adjust += change.adjust
            exclude += change.exclude_firms
        variant = SweepVariant(name=name, set=set_, scale=scale, adjust=adjust,
                               exclude_firms=exclude)
        out.append(_Draft(variant, {a: _param(v) for a, (v, _) in zip(axes, point)}, "grid",
                          keymap))
    for i, v in enumerate(sweep.variants):
        key = f"variants[{i}]"
        keymap = {f"set.{k}": f"{key}.set.{k}" for k in v.set}
        keymap.update({f"scale+{j}": f"{key}.scale[{j}]" for j in range(len(v.scale))})
        keymap.update({f"adjust+{j}": f"{key}.adjust[{j}]" for j in range(len(v.adjust))})
        keymap.update({f"exclude_firms+{j}": f"{key}.exclude_firms[{j}]"
                       for j in range(len(v.exclude_firms))})
        keymap["name"] = f"{key}.name"
        out.append(_Draft(v, {}, key, keymap))
    problems, seen, too_long = [], {}, []
    for draft in out:
        variant, origin = draft.changes, draft.origin
        key = draft.keymap.get("name", "grid" if origin == "grid" else None)
        if variant.name in seen:
            problems.append(Problem(source, f"duplicate variant name {variant.name!r} (also "
                                            f"{seen[variant.name]})", key=key))
        elif not SAFE_NAME.match(variant.name) or variant.name in RESERVED_NAMES:
            problems.append(Problem(source, f"variant name {variant.name!r} is not a safe "
                                            "folder name (letters, digits and . _ = + -, "
                                            "starting with a letter or digit)", key=key))
        elif len(variant.name) > MAX_NAME_LENGTH and origin == "grid":
            too_long.append(variant.name)
        elif len(variant.name) > MAX_NAME_LENGTH:
            problems.append(Problem(source, f"variant name {variant.name[:40]!r}... is "
                                            f"{len(variant.name)} characters long, more than "
                                            f"{MAX_NAME_LENGTH} (it names a folder)", key=key))
        seen.setdefault(variant.name, origin if origin != "grid" else "a grid point")
    if too_long:  # one message for the grid, not one per point
        more = f" (and {len(too_long) - 1} more)" if len(too_long) > 1 else ""
        problems.append(Problem(source, f"the grid point name {too_long[0][:40]!r}...{more} is "
                                        f"{len(too_long[0])} characters long, more than "
                                        f"{MAX_NAME_LENGTH} (it names a folder): shorten the "
                                        "axes' values, or give these as explicit variants "
                                        "with short names", key="grid"))
    raise_if(problems)
    if len(out) == 0:
        raise InputError(Problem(source, "nothing to run: give a grid, variants or "
                                         "include_base: true"))
    return out


# --- merging ------------------------------------------------------------------------------


def _resolve(base: Scenario, draft: _Draft, model: Path, source: str) -> Variant:
    """The base scenario with a variant's changes (merge rules: module docstring)."""
    variant, keymap = draft.changes, draft.keymap
    problems = []
    for key in variant.set:
        for other in base.set:
            if key != other and (key.startswith(other + ".") or other.startswith(key + ".")):
                problems.append(Problem(source, f"conflicts with the base scenario's "
                                                f"set.{other}: give one or the other",
                                        key=keymap.get(f"set.{key}", f"set.{key}")))
    raise_if(problems)
    exclude = list(dict.fromkeys([*base.exclude_firms, *variant.exclude_firms]))
    solver = base.solver.model_dump()
    if variant.solver is not None:
        solver.update(variant.solver.model_dump(include=variant.solver.model_fields_set))
    if solver["threads"] is None:
        solver["threads"] = 1
    sharing = base.sharing.model_dump()
    if variant.sharing is not None:
        sharing.update(variant.sharing.model_dump(include=variant.sharing.model_fields_set))
    resilience = base.resilience.model_dump()
    if variant.resilience is not None:
        resilience.update(variant.resilience.model_dump(
            include=variant.resilience.model_fields_set))
    scenario = Scenario(
        name=variant.name, description=variant.description or base.description,
        model=str(model), set={**base.set, **variant.set},
        scale=[*base.scale, *variant.scale], adjust=[*base.adjust, *variant.adjust],
        exclude_firms=exclude, objective=variant.objective or base.objective,
        baseline=variant.baseline or base.baseline, solver=SolverSettings(**solver),
        sharing=SharingSettings(**sharing), resilience=ResilienceSettings(**resilience),
        links=_links(base, variant))
    # keys of the merged lists -> keys of the sweep file
    located = {k: v for k, v in keymap.items() if k.startswith("set.")}
    for prefix, n_base in (("scale", len(base.scale)), ("adjust", len(base.adjust))):
        for k, v in keymap.items():
            if k.startswith(prefix + "+"):
                located[f"{prefix}[{n_base + int(k.split('+')[1])}]"] = v
    for k, v in keymap.items():
        if k.startswith("exclude_firms+"):
            firm = variant.exclude_firms[int(k.split("+")[1])]
            located[f"exclude_firms[{exclude.index(firm)}]"] = v
    return Variant(name=variant.name, scenario=scenario, params=draft.params,
                   origin=draft.origin, keys=located)


def _fill_params(v: Variant, axes: list[str], config: ModelConfig) -> Variant:
    """Axis values of every row: a `set` axis reads the value in effect for non-grid rows."""
    params = dict(v.params)
    for axis in axes:
        if axis in params:
            continue
        if axis in v.scenario.set:
            params[axis] = _param(v.scenario.set[axis])
        elif axis != EXCLUDE_AXIS and _is_schema_key(ModelConfig, axis.split(".")):
            node: Any = config
            for part in axis.split("."):
                node = getattr(node, part, None)
            params[axis] = _param(node.model_dump() if hasattr(node, "model_dump") else node)
        else:
            params[axis] = None
    return replace(v, params={a: params[a] for a in axes})


def _check_applies(variants: list[Variant], inputs: ModelInputs, source: str,
                   lines: dict[str, int]) -> None:
    """Apply every variant to the model now, so a bad one stops the sweep before it starts."""
    found: dict[Problem, list[str]] = {}  # one problem of a grid axis hits many variants
    memo: dict[str, list] = {}  # table checks, once per distinct set of table changes
    for v in variants:
        try:
            apply_scenario(inputs, v.scenario, source, table_memo=memo)
        except InputError as exc:
            for p in exc.problems:
                key = _map_key(p.key, v.keys)
                located = replace(p, row=p.row or line_of(lines, key), key=key)
                found.setdefault(located, []).append(v.name)
    raise_if([replace(p, message=f"variant {names[0]}"
                      f"{f' (and {len(names) - 1} more)' if len(names) > 1 else ''}: {p.message}")
              for p, names in found.items()])


def _map_key(key: str | None, keymap: dict[str, str]) -> str | None:
    """A key of the merged scenario as the key of the sweep file that gave it."""
    if key is None:
        return None
    best = max((k for k in keymap if key == k or key.startswith(k + ".")
                or key.startswith(k + "[")), key=len, default=None)
    return keymap[best] + key[len(best):] if best else key


# --- hashing ------------------------------------------------------------------------------


def input_hash(scenario: Scenario, model_digest: str) -> str:
    """sha256 of the resolved scenario (canonical JSON, without the model's path) and of the
    model's input files (`model_digest`: `ModelFiles.digest()`): the same hash means the same
    run."""
    data = scenario.model_dump(mode="json", exclude={"model"})
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(f"{canonical}\n{model_digest}".encode()).hexdigest()


def _relative(target: Path, folder: Path) -> str:
    import os

    try:
        return Path(os.path.relpath(target, folder.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return target.as_posix()


def _links(base: Scenario, variant: SweepVariant) -> LinkDecisions:
    """The base's forced and forbidden links, then the variant's."""
    if variant.links is None:
        return base.links
    return LinkDecisions(
        force=list(dict.fromkeys([*base.links.force, *variant.links.force])),
        forbid=list(dict.fromkeys([*base.links.forbid, *variant.links.forbid])))
