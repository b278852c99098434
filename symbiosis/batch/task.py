"""One variant's run, as done inside a worker: build, solve and write its folder, return a row.

The task takes a resolved scenario (small and picklable) and returns a small dict; the Pyomo
model never leaves the worker. Every exception is caught and returned as a failed row, so
one bad variant never stops the others.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..schema import Scenario

KPI_COLUMNS = ["objective", "total_cost", "baseline_cost", "savings", "co2_t", "baseline_co2_t",
               "co2_avoided_t", "links_built", "annualised_capex", "mip_gap", "candidate_links",
               "baseline_kind", "savings_within_firms", "savings_between_firms",
               "co2_avoided_within_firms_t", "co2_avoided_between_firms_t"]
HEAT_COLUMNS = ["hot_utility", "baseline_hot_utility", "cold_utility", "baseline_cold_utility",
                "recovered_within_firms", "recovered_between_firms", "pumped",
                "heat_pumps_built"]
ERROR = "error"


@dataclass(frozen=True)
class Task:
    variant: str
    scenario: Scenario  # resolved; `model` is an absolute path
    input_hash: str
    out: str  # the variant's result folder
    scenario_yaml: str  # written beside the results, so the variant can be re-run alone


def run_task(task: Task) -> dict[str, Any]:
    """Run one variant; return its summary row plus `seconds` (wall clock, this run)."""
    start = time.perf_counter()
    try:
        from ..io import read_model, read_model_files
        from ..pipeline import Timer, run_loaded
        from ..results import write_folder
        from ..scenario import LoadedScenario, apply_scenario
        from .spec import input_hash

        timer = Timer()
        with timer.phase("load"):
            model_files = read_model_files(task.scenario.model)  # parsed bytes = hashed bytes
            inputs = read_model(task.scenario.model, model_files)
            park = apply_scenario(inputs, task.scenario, f"variant {task.variant}")
        read_hash = input_hash(task.scenario, model_files.digest())
        loaded = LoadedScenario(scenario=task.scenario, park=park, path=None)
        result = run_loaded(loaded, timer)
        # The hash of what this run read, not of what was planned: a folder computed on an
        # edited model must never pass for a result of the model as planned.
        result.kpis["input_hash"] = read_hash
        folder = write_folder(result, Path(task.out),
                              extra_files={"scenario.yaml": task.scenario_yaml})
        if read_hash != task.input_hash:
            row = {"variant": task.variant, "status": ERROR,
                   "reason": "the model's files changed while the sweep ran: this variant "
                             "read other files than were checked when the sweep started "
                             f"(input hash {read_hash[:12]}, planned {task.input_hash[:12]}); "
                             "run the sweep again"}
        else:
            row = row_from_kpis(task.variant, read_kpis(folder))
    except Exception as exc:  # recorded as this variant's failure; the others go on
        row = error_row(task.variant, exc)
    row["seconds"] = time.perf_counter() - start
    return row


def read_kpis(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "kpis.json").read_text(encoding="utf-8"))


def row_from_kpis(variant: str, kpis: dict[str, Any]) -> dict[str, Any]:
    """The summary row of a finished variant, from its kpis.json as written (so a resumed
    sweep reads back exactly what an uninterrupted one computed)."""
    solved = kpis.get("objective") is not None
    row: dict[str, Any] = {
        "variant": variant, "status": kpis["status"],
        "reason": "" if solved else f"no solution: solver stopped with {kpis['termination']}",
    }
    row.update({k: kpis.get(k) for k in KPI_COLUMNS})
    for k in HEAT_COLUMNS if "heat" in kpis else ():
        row[f"heat.{k}"] = kpis["heat"].get(k)
    row["input_hash"] = kpis.get("input_hash")
    row["timings_s"] = kpis.get("timings_s", {})
    return row


def error_row(variant: str, exc: BaseException) -> dict[str, Any]:
    from ..errors import InputError

    message = str(exc) if isinstance(exc, InputError) else f"{type(exc).__name__}: {exc}"
    return {"variant": variant, "status": ERROR, "reason": " | ".join(message.splitlines())}
