"""Command line: parse, call the library, print, map errors to exit codes.

Exit codes (docs/format.md): 0 solved (optimal or feasible), 1 no solution, 2 bad input.
`--debug` shows the traceback of an error instead of the short message.
"""
from __future__ import annotations

import functools
import math
import os
import signal
import sys
from pathlib import Path

import click

from .errors import InputError, Problem, SolverUnavailableError
from .text import escape_controls, slug

EXIT_SOLVED, EXIT_NO_SOLUTION, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


EXIT_PIPE_CLOSED = 141  # 128 + SIGPIPE, as the shell reports a command cut by `| head`
MAX_THREADS_PER_CORE = 4  # more solver threads than this per core only exhaust memory
MAX_NAME = 100  # characters of a folder name made from a scenario's or a sweep's name


def _silence_stdout() -> None:
    """The reader of stdout is gone (`| head`): send the rest of the output nowhere, so that
    neither later prints nor Python's flush at exit fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real stdout (a test runner): nothing to redirect
        pass


def echo(message: str = "", **kwargs) -> None:
    """click.echo that survives a closed pipe: the command's work and exit code stay its own."""
    try:
        click.echo(message, **kwargs)
    except BrokenPipeError:
        _silence_stdout()


def _handle_errors(command):
    """Turn our errors into a short red message and an exit code; --debug re-raises."""

    @functools.wraps(command)
    def wrapper(*args, debug: bool = False, **kwargs):
        try:
            return command(*args, **kwargs)
        except BrokenPipeError:  # printing into a closed pipe, past our own echo
            _silence_stdout()
            sys.exit(EXIT_PIPE_CLOSED)
        except (InputError, SolverUnavailableError) as exc:
            if debug:
                raise
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except Exception as exc:  # a bug of ours: say so, briefly
            if debug:
                raise
            click.secho(f"internal error: {type(exc).__name__}: {escape_controls(str(exc))}\n"
                        "run again with --debug for the traceback, and please report it",
                        fg="red", err=True)
            sys.exit(EXIT_INTERNAL)

    return click.option("--debug", is_flag=True, help="Show the traceback of an error.")(wrapper)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="symbiosis")
def main() -> None:
    """symbiosis: find the by-product, water and energy links that pay in an industrial park."""


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@_handle_errors
def validate(path: Path) -> None:
    """Check a park model folder or a scenario file, and summarise it."""
    from .scenario import load_model_or_scenario

    from .timeline.validation import time_summary

    loaded = load_model_or_scenario(path)
    timed = time_summary(loaded.park)  # the time tables (docs/format.md, "Time")
    _print_warnings(loaded.park)
    for warning in timed.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    summary = loaded.park.summary()
    echo(f"{path}: valid")
    echo("  " + ", ".join(f"{k} {v}" for k, v in summary.items() if k != "name"))
    for line in loaded.park.facility_lines() + timed.lines:
        echo("  " + line)


def _print_warnings(park) -> None:
    """Valid but suspicious input (checks of severity warn): yellow, located, exit code kept."""
    for warning in park.warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)


def _slug(text: str) -> str:
    """A folder name made from a name: Vietnamese letters transliterated, not dropped; never
    `.`/`..`, never hidden, never a path, at most MAX_NAME characters, so that it stays
    inside the results folder."""
    return slug(text)[:MAX_NAME].strip("-.") or "result"


class FiniteFloat(click.ParamType):
    """A float that is a number (not nan or inf), within optional bounds."""

    name = "number"

    def __init__(self, minimum: float = 0.0, open_minimum: bool = False) -> None:
        self.minimum, self.open_minimum = minimum, open_minimum

    def convert(self, value, param, ctx) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        if number < self.minimum or (self.open_minimum and number == self.minimum):
            sign = ">" if self.open_minimum else ">="
            self.fail(f"{value} is not {sign} {self.minimum:g}", param, ctx)
        return number


def max_threads() -> int:
    """The most solver threads worth asking for on this machine."""
    return MAX_THREADS_PER_CORE * (os.cpu_count() or 1)


def check_threads(threads: int | None, where: str) -> None:
    """Refuse a thread count far beyond the machine's cores (it exhausts memory)."""
    if threads is not None and threads > max_threads():
        raise InputError(Problem(where, f"{threads} threads is more than "
                                        f"{MAX_THREADS_PER_CORE} per core on this machine "
                                        f"({os.cpu_count() or 1} cores): at most "
                                        f"{max_threads()}"))


def check_solver(name: str, where: str) -> None:
    """Refuse an unknown or unavailable solver before any work, without Pyomo's noise."""
    import logging

    logging.getLogger("pyomo").setLevel(logging.CRITICAL)  # its traceback of a failed lookup
    from .solve import solver_available

    ok, why = solver_available(name)
    if not ok:
        raise SolverUnavailableError(
            f"{where}: solver {name!r} is not available here ({why}); "
            f"run `symbiosis doctor` to see which solvers work")


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path),
              help="Result folder (default: results/<scenario name>).")
@click.option("--solver", help="Solver name (default: the scenario's, else auto: HiGHS on "
                                "the array path; highs: HiGHS through Pyomo).")
@click.option("--time-limit", type=FiniteFloat(0, open_minimum=True), help="Seconds.")
@click.option("--gap", type=FiniteFloat(0), help="Relative MIP gap to stop at.")
@click.option("--threads", type=click.IntRange(min=1),
              help="Solver threads (on the array path, the default: parts solved at once, "
                   "one thread each; default: every core).")
@click.option("--objective", type=click.Choice(["cost", "co2"]),
              help="Minimise cost (default) or CO2.")
@click.option("--baseline", type=click.Choice(["no_links", "firms_integrated"]),
              help="Measure savings from no links (default) or from each firm integrated "
                   "alone (its own reuse and heat recovery).")
@click.option("--dask", "dask_address", metavar="ADDRESS",
              help="On the array path (the default), solve the parts on a Dask cluster: a "
                   "scheduler address (tcp://host:8786), or 'local' for a LocalCluster of "
                   "--threads processes (default: one per core).")
@click.option("--solver-log", is_flag=True,
              help="Show the solver's log (on stderr from worker processes).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@_handle_errors
def run(path: Path, out: Path | None, solver: str | None, time_limit: float | None,
        gap: float | None, threads: int | None, objective: str | None, baseline: str | None,
        dask_address: str | None, solver_log: bool, quiet: bool) -> None:
    """Optimise a scenario file or a park model folder and write the result folder."""
    from .formulation import resolve_solver
    from .pipeline import Timer, run_loaded
    from .results import check_output_folder
    from .scenario import load_model_or_scenario

    timer = Timer()
    with timer.phase("load"):
        loaded = load_model_or_scenario(path)
    settings = loaded.scenario.solver
    source = str(path) if loaded.path is not None else "scenario"
    check_solver(resolve_solver(solver or settings.name),
                 "--solver" if solver else f"{source}, key solver.name")
    check_threads(threads, "--threads")
    check_threads(settings.threads if threads is None else None,
                  f"{source}, key solver.threads")
    if not quiet:
        _print_warnings(loaded.park)
    out = out or Path("results") / _slug(loaded.scenario.name)
    check_output_folder(out)  # before solving: refuse to overwrite what is not ours
    result = run_loaded(loaded, timer, objective=objective, baseline=baseline, solver=solver,
                        time_limit=time_limit, mip_gap=gap, threads=threads, dask=dask_address,
                        tee=solver_log)
    folder = result.to_folder(out)
    if not quiet:
        echo(result.summary())
        echo(f"  results in {folder}")
    sys.exit(EXIT_SOLVED if result.status.has_solution else EXIT_NO_SOLUTION)


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--png", "png_dir", type=click.Path(path_type=Path),
              help="Also draw composite curves and the grand composite curve into this folder.")
@_handle_errors
def targets(path: Path, png_dir: Path | None) -> None:
    """Minimum hot and cold utility and the pinch, per firm alone and for the linked park."""
    import pandas as pd

    from .outputs import check_folder, write_folder
    from .pinch import park_targets, plot_targets
    from .scenario import load_model_or_scenario

    park = load_model_or_scenario(path).park
    if png_dir is not None:
        png_dir = check_folder(png_dir, "figures", "--png",
                               allowed=lambda p: p.is_file() and p.suffix == ".png")
    if not park.has_heat:
        echo(f"{park.name}: no heat streams, nothing to target")
        return
    table = park_targets(park)
    unit = ", ".join(park.resources.unit[park.resources.category == "heat"].unique())
    echo(f"{park.name}: heat targets, ΔTmin {park.config.heat.min_approach_c:g} K "
               f"(loads in {unit})")
    with pd.option_context("display.width", 120, "display.max_rows", 500,
                           "display.float_format", "{:,.1f}".format):
        echo(table.to_string(na_rep="-"))
    if png_dir is not None:
        drawn: list[Path] = []
        write_folder(png_dir, "figures",
                     lambda tmp: drawn.extend(plot_targets(park, tmp, unit=f"({unit})")))
        for file in drawn:
            echo(f"  drawn {png_dir / file.name}")


@main.command()
@click.option("--firms", "n_firms", type=click.IntRange(min=1), required=True,
              help="Number of firms.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("-o", "--out", type=click.Path(path_type=Path), required=True,
              help="Folder for the park model.")
@_handle_errors
def generate(n_firms: int, seed: int, out: Path) -> None:
    """Write a synthetic province (a park model) for benchmarks: deterministic for a seed."""
    from .generate import generate_park

    folder = generate_park(n_firms, seed, out)
    echo(f"wrote a synthetic province of {n_firms} firms (seed {seed}) to {folder}")


@main.command()
@_handle_errors
def doctor() -> None:
    """List the solvers that work here."""
    import highspy
    import pyomo.version

    echo(f"python {sys.version.split()[0]}, pyomo {pyomo.version.version}, "
               f"highspy {getattr(highspy, '__version__', '?')}")
    from .solve import KNOWN_SOLVERS, solver_available

    for name in KNOWN_SOLVERS:
        ok, detail = solver_available(name)
        mark = click.style("ok  ", fg="green") if ok else click.style("no  ", fg="yellow")
        echo(f"  {mark}{name:<12} {detail}")


# --- report (issue 6) -------------------------------------------------------------------------


def _cost_optimum(path: Path, out: Path, quiet: bool, nothing: str):
    """What an analysis of one optimum starts from: the scenario loaded, its warnings
    printed, the output folder checked before solving (refuse to overwrite what is not
    ours), and the cost optimum; exit EXIT_NO_SOLUTION, saying `nothing`, without one."""
    from .pipeline import Timer, run_loaded
    from .results import check_output_folder
    from .scenario import load_model_or_scenario

    timer = Timer()
    with timer.phase("load"):
        loaded = load_model_or_scenario(path)
    if not quiet:
        _print_warnings(loaded.park)
    check_output_folder(out)
    result = run_loaded(loaded, timer, objective="cost")
    if not result.status.has_solution:
        click.secho(f"error: {result.name}: no solution ({result.status.value}): {nothing}",
                    fg="red", err=True)
        sys.exit(EXIT_NO_SOLUTION)
    return loaded, result


# = get_args(schema.ShareRule): schema imports pydantic, which --help need not load (a test
# checks the two agree)
SHARE_RULES = ("individually_rational", "equal_surplus", "proportional", "core")


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path), required=True,
              help="Result folder: the usual files, shares.csv, links.csv with transfers.")
@click.option("--rule", type=click.Choice(SHARE_RULES), default=None,
              help="How the savings are shared over the built links [default: the "
                   "scenario's sharing.rule, else individually_rational].")
@click.option("--samples", type=click.IntRange(min=4), default=None,
              help="Permutations for the sampled Shapley value of groups above 12 firms "
                   "[default: the scenario's sharing.samples, else 50].")
@click.option("--seed", type=int, default=None,
              help="Random seed of the sampled Shapley value [default: sharing.seed, else 0].")
@click.option("--no-gate-fees", is_flag=True, default=None,
              help="Prices at least 0: a supplier never pays a receiver to take a by-product "
                   "[default: sharing.gate_fees, else gate fees allowed].")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@_handle_errors
def share(path: Path, out: Path, rule: str | None, samples: int | None, seed: int | None,
          no_gate_fees: bool | None, quiet: bool) -> None:
    """Who gains and who pays: share an optimum's savings among its firms, with transfer
    prices over the built links (docs/format.md, "symbiosis share")."""
    from .analysis.sharing import format_shares, share as share_savings

    loaded, result = _cost_optimum(path, out, quiet, "nothing to share")
    settings = loaded.scenario.sharing  # the command line takes priority
    shares = share_savings(result, rule=rule or settings.rule,
                           samples=samples if samples is not None else settings.samples,
                           seed=seed if seed is not None else settings.seed,
                           gate_fees=not no_gate_fees if no_gate_fees else settings.gate_fees)
    folder = shares.to_folder(out)
    if not quiet:
        echo(format_shares(shares))
        echo(f"  results in {folder}")
    sys.exit(EXIT_SOLVED)


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path), required=True,
              help="Pareto folder: pareto.csv, pareto.png and one result folder per point.")
@click.option("--points", type=int, default=None,
              help="Grid points of the CO2 cap, the two ends included [default: 10].")
@click.option("--time-limit", type=FiniteFloat(0, open_minimum=True),
              help="Seconds per point [default: the scenario's].")
@click.option("--gap", type=FiniteFloat(0), help="Relative MIP gap of each point "
                                                  "[default: the scenario's].")
@click.option("--low-churn", is_flag=True,
              help="Among designs of nearly the same cost, prefer the one that changes the "
                   "fewest links from the previous point (costs at most 1e-4 of the cost "
                   "range per point).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@_handle_errors
def pareto(path: Path, out: Path, points: int | None, time_limit: float | None,
           gap: float | None, low_churn: bool, quiet: bool) -> None:
    """Cost against CO2: the efficient designs between the cost optimum and the CO2 optimum,
    with the marginal abatement cost of each step (docs/format.md, "symbiosis pareto")."""
    from .analysis.pareto import (AUGMENTATION, DEFAULT_POINTS, check_pareto_folder,
                                  format_front, pareto as front_of)
    from .pipeline import solver_options
    from .scenario import load_model_or_scenario

    points = DEFAULT_POINTS if points is None else points
    if points < 2:
        raise InputError(Problem("--points", f"{points}: at least 2 (the two ends)"))
    loaded = load_model_or_scenario(path)
    if not quiet:
        _print_warnings(loaded.park)
    check_pareto_folder(out)  # before solving: refuse to overwrite what is not ours
    options = solver_options(loaded.scenario.solver, time_limit=time_limit, mip_gap=gap)
    front = front_of(loaded, points=points, solver=options,
                     churn=AUGMENTATION if low_churn else 0.0)
    folder = front.to_folder(out)
    if not quiet:
        echo(format_front(front))
        echo(f"  results in {folder}")
    sys.exit(EXIT_SOLVED)


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path), required=True,
              help="Result folder: the optimum's usual files and resilience.csv.")
@click.option("--top", type=click.IntRange(min=0), default=5, show_default=True,
              help="Firms shown in the summary, by value at risk.")
@click.option("--design", type=click.Choice(["cost", "n_minus_1"]), default=None,
              help="Also find the design whose worst single exit keeps the most savings "
                   "(n_minus_1) [default: the scenario's resilience.design, else cost].")
@click.option("-k", "--k", "k", type=click.IntRange(min=1), default=None,
              help="Firms that leave together [default: resilience.k, else 1].")
@click.option("--sample", type=click.Choice(["all", "central", "random"]), default=None,
              help="Which exits: every set (all), the k most central together, or random "
                   "k-sets [default: resilience.sample, else all].")
@click.option("--firms", type=click.IntRange(min=1), default=None,
              help="Only the most central firms of the built design leave "
                   "[default: resilience.firms, else every linked firm].")
@click.option("--count", type=click.IntRange(min=1), default=None,
              help="Random k-sets tried with --sample random [default: resilience.count, "
                   "else 20].")
@click.option("--seed", type=int, default=None,
              help="Random seed of --sample random [default: resilience.seed, else 0].")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes for the re-planned solves.")
@click.option("--dask", "dask_address", metavar="ADDRESS",
              help="Re-planned solves on a Dask cluster: a scheduler address, or 'local' "
                   "for a LocalCluster of --workers processes.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@_handle_errors
def resilience(path: Path, out: Path, top: int, design: str | None, k: int | None,
               sample: str | None, firms: int | None, count: int | None, seed: int | None,
               workers: int, dask_address: str | None, quiet: bool) -> None:
    """A partner leaves (N-1, or k together): for every firm with a built link, the savings
    kept with the design fixed and after re-planning (docs/format.md, "symbiosis
    resilience")."""
    from .analysis.resilience import format_resilience, resilience as exits
    from .pipeline import solver_options

    loaded, result = _cost_optimum(path, out, quiet, "no partner can leave it")
    given = {"design": design, "k": k, "sample": sample, "firms": firms, "count": count,
             "seed": seed}
    settings = loaded.scenario.resilience.model_copy(
        update={key: v for key, v in given.items() if v is not None})
    res = exits(result, solver=solver_options(loaded.scenario.solver), settings=settings,
                workers=workers, dask=dask_address)
    folder = res.to_folder(out)
    if not quiet:
        echo(format_resilience(res, top))
        echo(f"  results in {folder}")
    sys.exit(EXIT_SOLVED)


@main.command("time")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path), required=True,
              help="Result folder: kpis.json, states.csv, links.csv, years.csv, scenarios.csv.")
@click.option("--time-limit", type=FiniteFloat(0, open_minimum=True), help="Seconds per solve.")
@click.option("--gap", type=FiniteFloat(0), help="Relative MIP gap to stop at.")
@click.option("--no-vss", is_flag=True, help="Skip the re-solves for VSS and EVPI.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@_handle_errors
def time_study(path: Path, out: Path, time_limit: float | None, gap: float | None,
               no_vss: bool, quiet: bool) -> None:
    """Periods, phased build-out and volume scenarios: one design over the park's operating
    states, with build years, KPIs per state and year, VSS and EVPI (docs/format.md, "Time")."""
    from .timeline.command import time_command
    folder, text, solved = time_command(path, out, time_limit, gap, not no_vss)
    if not quiet:
        echo(text)
        echo(f"  results in {folder}")
    sys.exit(EXIT_SOLVED if solved else EXIT_NO_SOLUTION)


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path),
              help="The HTML page (default: FOLDER-report.html beside the folder).")
@click.option("--png", "png_dir", type=click.Path(path_type=Path),
              help="Also draw the figures as PNG files into this folder.")
@click.option("--geojson", type=click.Path(path_type=Path),
              help="Also write firms and links as GeoJSON (models with lat, lon only).")
@click.option("--xlsx", type=click.Path(path_type=Path),
              help="Also write every table into one Excel workbook.")
@click.option("--firm", help="One firm's printable before/after page instead (a firm id).")
@click.option("--anonymise", is_flag=True,
              help="Replace firm names by pseudonyms (Firm 01, … by id order).")
@_handle_errors
def report(folder: Path, out: Path | None, png_dir: Path | None, geojson: Path | None,
           xlsx: Path | None, firm: str | None, anonymise: bool) -> None:
    """Make a self-contained HTML report of a result folder or a sweep folder."""
    from .report import make_report

    for line in make_report(folder, out, png_dir=png_dir, geojson=geojson, xlsx=xlsx,
                            firm=firm, anonymise=anonymise):
        echo(line)


# --- the association's data forms (issue 17) --------------------------------------------------

@main.command()
@click.option("-o", "--out", type=click.Path(path_type=Path), required=True,
              help="The form to write (.xlsx).")
@click.option("--model", type=click.Path(path_type=Path),
              help="A park model whose resources.csv gives the drop-down lists (default: the "
                   "default catalogue).")
@_handle_errors
def template(out: Path, model: Path | None) -> None:
    """Write the workbook a firm fills in for the association (docs/association.md)."""
    from .forms import write_template

    echo(f"wrote {write_template(out, model)}")


@main.command()
@click.argument("forms", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path), required=True,
              help="The park model folder to write.")
@click.option("--model", type=click.Path(path_type=Path),
              help="The model the forms were made from: its model.yaml and catalogue tables "
                   "are carried into the merged model.")
@click.option("--name", default="merged park", show_default=True,
              help="The merged model's name (without --model).")
@_handle_errors
def merge(forms: tuple[Path, ...], out: Path, model: Path | None, name: str) -> None:
    """Check returned forms and merge them into one park model folder."""
    from .forms import merge_forms

    folder, counts = merge_forms(list(forms), out, model, name)
    echo(f"merged {len(forms)} form(s): {counts['firms']} firms, {counts['streams']} streams, "
         f"{counts['qualities']} qualities into {folder} (provenance.csv says which form "
         "each row came from)")


# --- sweeps and comparisons (issue 5) ---------------------------------------------------------

EXIT_INTERRUPTED = 130
MAX_VARIANTS = 1000  # = batch.spec.MAX_VARIANTS, repeated so that --help does not load pandas


def _sweep_reporter(total_ref: list[int]):
    """A progress bar with counts and ETA on a terminal; a line per variant otherwise."""
    state: dict = {"bar": None}

    def on_start(to_run: int, skipped: int) -> None:
        total_ref[0] = to_run
        if to_run and sys.stderr.isatty():
            state["bar"] = click.progressbar(length=to_run, label="variants", show_pos=True,
                                             show_eta=True, file=sys.stderr)
            state["bar"].__enter__()

    def progress(row: dict, done: int, total: int) -> None:
        bar = state["bar"]
        if bar is not None:
            bar.update(1)
            if row["status"] not in ("optimal", "feasible"):
                echo(f"\n  {row['variant']}: {row['status']}: {row.get('reason', '')}",
                           err=True)
        else:
            note = f": {row.get('reason')}" if row.get("reason") else ""
            echo(f"[{done}/{total}] {row['variant']}: {row['status']}{note} "
                       f"({row.get('seconds', 0):.1f} s)", err=True)

    def close() -> None:
        if state["bar"] is not None:
            state["bar"].__exit__(None, None, None)

    return on_start, progress, close


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path),
              help="Sweep folder (default: results/<sweep name>).")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Variants solved at once (one process each, HiGHS on one thread).")
@click.option("--dask", "dask_address", metavar="ADDRESS",
              help="Run on a Dask cluster: a scheduler address (tcp://host:8786), or 'local' "
                   "for a LocalCluster of --workers processes.")
@click.option("--force", is_flag=True, help="Run every variant again, finished or not.")
@click.option("--list", "list_only", is_flag=True,
              help="Check the sweep file and list its variants (finished or not); run nothing.")
@click.option("--max-variants", type=click.IntRange(min=1), default=MAX_VARIANTS,
              show_default=True, help="Refuse a sweep of more variants than this (checked "
                                      "before they are planned).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@_handle_errors
def sweep(path: Path, out: Path | None, workers: int, dask_address: str | None, force: bool,
          list_only: bool, max_variants: int, quiet: bool) -> None:
    """Run every variant of a sweep file; re-running resumes where it stopped."""
    from .batch.runner import finished_row, run_sweep
    from .batch.spec import load_sweep

    plan = load_sweep(path, max_variants=max_variants)
    for v in plan.variants:
        check_threads(v.scenario.solver.threads, f"{path}, variant {v.name}, key solver.threads")
    out = out or Path("results") / _slug(plan.name)
    if list_only:
        echo(f"{plan.name}: {len(plan.variants)} variants of {plan.base} "
                   f"(model {plan.model})")
        for v in plan.variants:
            state = "finished" if finished_row(v, out) is not None else "to run"
            echo(f"  {v.name:<40} {v.origin:<14} {v.input_hash[:12]}  {state}")
        return
    total = [0]
    on_start, progress, close = _sweep_reporter(total)

    def started(to_run: int, skipped: int) -> None:
        if not quiet:
            where = f"Dask ({dask_address})" if dask_address else f"{workers} worker(s)"
            echo(f"{plan.name}: {len(plan.variants)} variants, {skipped} already "
                       f"finished, {to_run} to run on {where}", err=True)
        on_start(to_run, skipped)

    def stop(signum, frame):  # `timeout`, `kill` and batch schedulers send SIGTERM
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        outcome = run_sweep(plan, out, workers=workers, dask=dask_address, force=force,
                            progress=None if quiet else progress, on_start=started)
    except KeyboardInterrupt:
        close()
        click.secho(f"interrupted: finished variants are kept in {out}; run the same command "
                    "again to run the rest", fg="yellow", err=True)
        sys.exit(EXIT_INTERRUPTED)
    finally:
        signal.signal(signal.SIGTERM, previous)
    close()
    if not quiet:
        failed = outcome.failed
        echo(f"ran {len(outcome.ran)}, skipped {len(outcome.skipped)} (already "
                   f"finished), {len(failed)} failed or without a solution"
                   + (f": {', '.join(failed[:10])}{', ...' if len(failed) > 10 else ''}"
                      if failed else ""))
        echo(f"  summary in {outcome.folder / 'summary.csv'}")
    sys.exit(EXIT_NO_SOLUTION if outcome.failed else EXIT_SOLVED)


def _number(value: float) -> str:
    """Money and tonnes with thousands separators; small numbers (gaps, factors) as they are."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


@main.command()
@click.argument("dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--base", "base", help="Scenario the deltas are against (default: 'base', "
                                     "else the first).")
@click.option("--kpi", "kpis", multiple=True,
              help="KPI to show and draw (repeatable; default: total_cost, savings, co2_t, "
                   "co2_avoided_t, links_built, annualised_capex).")
@click.option("--csv", "csv_file", type=click.Path(path_type=Path),
              help="CSV file for the table (default: compare.csv in the first DIR if it is a "
                   "sweep folder, else in the current folder).")
@click.option("--png", "png_file", type=click.Path(path_type=Path),
              help="Draw the KPIs against the swept parameter --x into this PNG.")
@click.option("--x", "x_param", help="Swept parameter for the chart's x axis.")
@_handle_errors
def compare(dirs: tuple[Path, ...], base: str | None, kpis: tuple[str, ...],
            csv_file: Path | None, png_file: Path | None, x_param: str | None) -> None:
    """One table of KPIs per scenario with deltas against the base, from sweep folders
    (summary.csv) and/or result folders (kpis.json)."""
    import pandas as pd

    from .batch.collection import load_results
    from .batch.compare import DEFAULT_KPIS, compare_table, plot_kpis
    from .batch.runner import is_sweep_folder
    from .outputs import check_file, csv_text, is_chart, is_compare_table, write_file
    from .report import _check_outside

    if png_file is not None and x_param is None:
        raise InputError(Problem("--png", "needs --x, the swept parameter to draw against"))
    collection = load_results(dirs)
    table = compare_table(collection, base, list(kpis) or None)
    option = "--csv" if csv_file else "--csv (default compare.csv)"
    csv_file = csv_file or ((dirs[0] if is_sweep_folder(dirs[0]) else Path(".")) / "compare.csv")
    for member in collection.members:  # a result folder must hold result files only
        if member.folder is not None and not is_sweep_folder(member.folder):
            _check_outside(member.folder, csv_file, "the table")
    csv_file = check_file(csv_file, is_compare_table, option, "compare table")
    if png_file is not None:
        png_file = check_file(png_file, is_chart, "--png", "chart")
    with pd.option_context("display.width", 200, "display.max_rows", 1000,
                           "display.max_columns", 100, "display.float_format", _number):
        echo(f"deltas against {table.attrs['base']}")
        echo(table.to_string(na_rep="-"))
    write_file(csv_file, csv_text(table).encode("utf-8"))
    echo(f"  table in {csv_file}")
    if png_file is not None:
        drawn = plot_kpis(collection, x_param, list(kpis) or DEFAULT_KPIS[:2], png_file)
        echo(f"  chart in {drawn}")


# --- place (issue 18) --------------------------------------------------------------------------


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path), required=True,
              help="Result folder of the placed park, with placement.csv, "
                   "placement_compare.csv and placement.svg.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the random placement compared against and of the search.")
@click.option("--rounds", type=click.IntRange(min=1), default=4, show_default=True,
              help="Place-then-solve rounds of the two-level method.")
@click.option("--time-limit", type=FiniteFloat(0, open_minimum=True),
              help="Seconds per park solve [default: none].")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@_handle_errors
def place(path: Path, out: Path, seed: int, rounds: int, time_limit: float | None,
          quiet: bool) -> None:
    """Place a planned park's movable tenants on its plots (plots.csv) jointly with the links,
    with a lower bound of the joint problem (docs/placement.md)."""
    from .analysis.placement import place as place_tenants
    from .results import check_output_folder
    from .solve import SolverOptions

    check_output_folder(out)  # before solving: refuse to overwrite what is not ours
    placement = place_tenants(path, SolverOptions(time_limit=time_limit), seed=seed,
                              rounds=rounds)
    folder = placement.to_folder(out)
    if not quiet:
        echo(placement.summary())
        echo(f"  results in {folder}")
    sys.exit(EXIT_SOLVED)


@main.command("eip-check")
@click.argument("out", type=click.Path(path_type=Path))
@_handle_errors
def eip_check(out: Path) -> None:
    """Check a result folder against the eco-industrial park criteria of Decree
    35/2022/ND-CP (docs/regulation.md): what is measured, what is not quantified."""
    from .analysis.eip import eip_check as check, format_check

    echo(format_check(check(out)))


if __name__ == "__main__":  # `python -m symbiosis.cli ...`
    main()
