"""Command line: parse, call the library, print, map errors to exit codes.

Exit codes (FORMAT §4): 0 solved (optimal or feasible), 1 no solution, 2 bad input.
`--debug` shows the traceback of an error instead of the short message.
"""
from __future__ import annotations

import functools
import re
import sys
from pathlib import Path

import click

from .errors import InputError, SolverUnavailableError
from .solve import KNOWN_SOLVERS, solver_available

EXIT_SOLVED, EXIT_NO_SOLUTION, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


def _handle_errors(command):
    """Turn our errors into a short red message and an exit code; --debug re-raises."""

    @functools.wraps(command)
    def wrapper(*args, debug: bool = False, **kwargs):
        try:
            return command(*args, **kwargs)
        except (InputError, SolverUnavailableError) as exc:
            if debug:
                raise
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except Exception as exc:  # a bug of ours: say so, briefly
            if debug:
                raise
            click.secho(f"internal error: {type(exc).__name__}: {exc}\n"
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

    loaded = load_model_or_scenario(path)
    summary = loaded.park.summary()
    click.echo(f"{path}: valid")
    click.echo("  " + ", ".join(f"{k} {v}" for k, v in summary.items() if k != "name"))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-").lower() or "result"


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path),
              help="Result folder (default: results/<scenario name>).")
@click.option("--solver", help="Solver name (default: the scenario's, else highs).")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), help="Seconds.")
@click.option("--gap", type=click.FloatRange(min=0), help="Relative MIP gap to stop at.")
@click.option("--threads", type=click.IntRange(min=1), help="Solver threads.")
@click.option("--objective", type=click.Choice(["cost", "co2"]),
              help="Minimise cost (default) or CO2.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@_handle_errors
def run(path: Path, out: Path | None, solver: str | None, time_limit: float | None,
        gap: float | None, threads: int | None, objective: str | None, quiet: bool) -> None:
    """Optimise a scenario file or a park model folder and write the result folder."""
    from .pipeline import Timer, run_loaded
    from .results import check_output_folder
    from .scenario import load_model_or_scenario

    timer = Timer()
    with timer.phase("load"):
        loaded = load_model_or_scenario(path)
    out = out or Path("results") / _slug(loaded.scenario.name)
    check_output_folder(out)  # before solving: refuse to overwrite what is not ours
    result = run_loaded(loaded, timer, objective=objective, solver=solver,
                        time_limit=time_limit, mip_gap=gap, threads=threads)
    folder = result.to_folder(out)
    if not quiet:
        click.echo(result.summary())
        click.echo(f"  results in {folder}")
    sys.exit(EXIT_SOLVED if result.status.has_solution else EXIT_NO_SOLUTION)


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--png", "png_dir", type=click.Path(path_type=Path),
              help="Also draw composite curves and the grand composite curve into this folder.")
@_handle_errors
def targets(path: Path, png_dir: Path | None) -> None:
    """Minimum hot and cold utility and the pinch, per firm alone and for the linked park."""
    import pandas as pd

    from .pinch import park_targets, plot_targets
    from .scenario import load_model_or_scenario

    park = load_model_or_scenario(path).park
    if not park.has_heat:
        click.echo(f"{park.name}: no heat streams, nothing to target")
        return
    table = park_targets(park)
    unit = ", ".join(park.resources.unit[park.resources.category == "heat"].unique())
    click.echo(f"{park.name}: heat targets, ΔTmin {park.config.heat.min_approach_c:g} K "
               f"(loads in {unit})")
    with pd.option_context("display.width", 120, "display.max_rows", 500,
                           "display.float_format", "{:,.1f}".format):
        click.echo(table.to_string(na_rep="-"))
    if png_dir is not None:
        for file in plot_targets(park, png_dir, unit=f"({unit})"):
            click.echo(f"  drawn {file}")


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
    click.echo(f"wrote a synthetic province of {n_firms} firms (seed {seed}) to {folder}")


@main.command()
def doctor() -> None:
    """List the solvers that work here."""
    import highspy
    import pyomo.version

    click.echo(f"python {sys.version.split()[0]}, pyomo {pyomo.version.version}, "
               f"highspy {getattr(highspy, '__version__', '?')}")
    for name in KNOWN_SOLVERS:
        ok, detail = solver_available(name)
        mark = click.style("ok  ", fg="green") if ok else click.style("no  ", fg="yellow")
        click.echo(f"  {mark}{name:<12} {detail}")


# --- report (issue 6) -------------------------------------------------------------------------


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
@_handle_errors
def report(folder: Path, out: Path | None, png_dir: Path | None, geojson: Path | None,
           xlsx: Path | None) -> None:
    """Make a self-contained HTML report of a result folder or a sweep folder."""
    from .report import make_report

    for line in make_report(folder, out, png_dir=png_dir, geojson=geojson, xlsx=xlsx):
        click.echo(line)
