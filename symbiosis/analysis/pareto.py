"""The cost–CO2 front: AUGMECON2 (Mavrotas & Florios 2013) on one program re-solved.

`pareto(result_or_park_or_path, points=N)` returns `Front`: `front` (pareto.csv, docs/format.md
"symbiosis pareto"), one `Result` per point, and `kpis`. docs/model.md ("The cost–CO2 front")
gives the mathematics:

- the two ends: the cost optimum and the CO2 optimum (min CO2, then the cheapest design at
  that CO2, as the pipeline's co2 objective does), both on the network posed for the co2
  objective (every link that could lower CO2, not only those that pay);
- a grid of N caps ε_k on CO2 from the cost optimum's CO2 down to the minimum; at each,
  min cost − δ·s subject to CO2 + s = ε_k, s ≥ 0, with δ = AUGMENTATION × (cost range) /
  (CO2 range): the slack's reward makes each point efficient, not only weakly efficient;
- the bypass: a point with slack s also solves the next ⌊s / step⌋ grid points (their caps
  still hold it, and the objective differs by a constant), which are skipped;
- one program: the cost MILP with one more column (s) and one more row, whose bounds alone
  change from point to point; each solve starts from the cheapest point found so far that
  the cap admits (the CO2 optimum admits every cap), and is scaled and split as every solve;
- duplicates (the same design) and dominated points are dropped; the rest sorted by CO2,
  highest first, with the marginal abatement cost between neighbours.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..formulation import formulate
from ..formulation.highs_model import MatrixProgram
from ..network import Network, build_network
from ..park import Park
from ..results import Result, baseline_point, extract
from ..solve import Solution, SolverOptions, solve

PARETO_COLUMNS = ["point", "total_cost", "co2_t", "savings", "co2_avoided_t", "links_built",
                  "mip_gap"]  # docs/format.md, "`symbiosis pareto`", in this order
PARETO_EXTRA_COLUMNS = ["marginal_abatement_cost", "links_added", "links_removed", "co2_cap_t",
                        "status"]
DEFAULT_POINTS = 10
# δ·(CO2 range) = AUGMENTATION × (cost range): within Mavrotas's 1e-6 to 1e-3; a point costs
# at most this share of the range more than the cheapest under its cap (a tie-break, in effect)
AUGMENTATION = 1e-4
CAP_TOLERANCE = 1e-6  # relative slack on the CO2 optimum as the last cap (pipeline's)
SAME = 1e-7  # relative: two costs or two CO2 totals this close are equal
PLOT_FILE = "pareto.png"


@dataclass
class Front:
    """`front`: one row per efficient point (pareto.csv); `results`: the Result of each row,
    in the same order; `kpis`: grid, solves, bypassed points, seconds."""

    front: pd.DataFrame
    results: list[Result]
    kpis: dict

    def to_folder(self, out: str | Path) -> Path:
        """pareto.csv, pareto.png and one result folder per point (DIR/<point>/), all at once
        (docs/format.md, "symbiosis pareto")."""
        from .. import outputs
        from ..results import SIGNIFICANT, write_folder
        out = check_pareto_folder(out)
        text = outputs.csv_text(self.front, False, f"%.{SIGNIFICANT}g")
        png = plot_png(self)

        def fill(tmp: Path) -> None:
            (tmp / "pareto.csv").write_text(text, encoding="utf-8")
            (tmp / PLOT_FILE).write_bytes(png)
            for point, result in zip(self.front.point, self.results):
                write_folder(result, tmp / str(point))

        return outputs.write_folder(Path(out), "pareto", fill)


def check_pareto_folder(out: str | Path, option: str = "-o") -> Path:
    """Refuse, before solving, a folder that is not a pareto folder symbiosis wrote."""
    from .. import outputs
    from ..results import check_output_folder

    def ours(path: Path) -> bool:
        if path.is_file():
            return path.name in ("pareto.csv", PLOT_FILE)
        if not (path.is_dir() and path.name.isdigit()):
            return False
        try:
            check_output_folder(path, option)
        except outputs.OutputError:
            return False
        return True

    return outputs.check_folder(Path(out), "pareto", option, allowed=ours)


def pareto(subject, points: int = DEFAULT_POINTS,
           solver: SolverOptions | None = None,
           augmentation: float = AUGMENTATION, churn: float = 0.0) -> Front:
    """The cost–CO2 front of a park (see the module's docstring). `subject`: a Result (its
    park is used), a Park, a LoadedScenario, or a scenario file or model folder (its solver
    settings are used:
    MIP gap, time limit per point, threads; always on the HiGHS array path)."""
    from ..errors import InputError, Problem
    if not isinstance(points, (int, np.integer)) or isinstance(points, bool) or points < 2:
        raise InputError(Problem("--points", "at least 2 points (the two ends)"))
    if not (0 < augmentation < 1):
        raise InputError(Problem("augmentation", "a small positive number below 1"))
    if not (0 <= churn < 1):
        raise InputError(Problem("churn", "0 (off) or a small positive number below 1"))
    began = time.perf_counter()
    park, name, options = _subject(subject, solver)
    network, selected = selected_network(park, build_network(park, objective="co2"))
    if selected["selected"] and options.time_limit is None:  # a province: see pipeline
        from ..pipeline import PROVINCE_SECONDS
        options = replace(options, time_limit=PROVINCE_SECONDS)
    lp = formulate(park, network, "cost")
    n = lp.n_columns
    x0 = baseline_point(lp, park)
    base = MatrixProgram.of(lp)
    c_co2, k_co2 = lp.co2_vector()
    solves = 0

    def solved(program: MatrixProgram, start: np.ndarray, what: str) -> Solution:
        nonlocal solves
        solves += 1
        s = solve(program, options, fallback=start)
        if not s.status.has_solution:
            raise InputError(Problem(name, f"the {what} has no solution ({s.status.value})"))
        return s

    cost_end = solved(base, x0, "cost optimum")
    # the CO2 end starts from the lower-CO2 of no links and the cost optimum: a solve cut by
    # a time limit (a province) is then never above the cost end
    start = min((x0, cost_end.values), key=lp.co2)
    co2_end = solved(replace(base, cost=c_co2, offset=k_co2), start, "CO2 optimum")
    x_cost, x_co2 = cost_end.values, co2_end.values
    co2_max, co2_min = lp.co2(x_cost), lp.co2(x_co2)
    if co2_max < co2_min:  # the cost optimum within its gap emits less: it is the CO2 end
        x_co2, co2_min = x_cost, co2_max
    tol = CAP_TOLERANCE * max(1.0, abs(co2_min))
    span = co2_max - co2_min
    if span <= tol:
        grid = np.array([co2_min + tol])
    else:
        grid = np.linspace(co2_max, co2_min, points)
        grid[0] += tol
        grid[-1] = co2_min + tol
    step = span / (points - 1) if span > tol else np.inf

    # the augmented program: the cost MILP, a slack column s ≥ 0 (cost −δ) and the row
    # Σ co2·x + s = ε − (CO2 constant), whose bounds alone change from point to point
    cols = np.flatnonzero(c_co2)
    row = sp.csr_matrix((np.r_[c_co2[cols], 1.0], (np.zeros(len(cols) + 1, np.int64),
                                                   np.r_[cols, n])), shape=(1, n + 1))
    a = sp.vstack([sp.hstack([base.a, sp.csc_matrix((base.a.shape[0], 1))]), row]).tocsc()
    aug = MatrixProgram(a, np.r_[base.row_lower, 0.0], np.r_[base.row_upper, 0.0],
                        np.r_[base.col_lower, 0.0], np.r_[base.col_upper, np.inf],
                        np.r_[base.cost, 0.0], base.offset, np.r_[base.integer, False])
    known = [x_cost, x_co2]  # feasible points: each solve starts from the cheapest admitted

    builds = lp.variables["build"].columns

    def at_cap(eps: float, delta: float, gamma: float = 0.0,
               previous: np.ndarray | None = None) -> tuple[np.ndarray, Solution]:
        admitted = [x for x in known if lp.co2(x) <= eps]
        start = min(admitted, key=lp.cost)
        rhs = eps - k_co2
        cost = aug.cost.copy()
        cost[n] = -delta
        if gamma and previous is not None:  # γ·(links changed from `previous`), less a constant
            cost[builds] += gamma * (1.0 - 2.0 * (previous[builds] > 0.5))
        program = replace(aug, cost=cost, row_lower=np.r_[base.row_lower, rhs],
                          row_upper=np.r_[base.row_upper, rhs])
        s = solved(program, np.r_[start, eps - lp.co2(start)],
                   f"point under a cap of {eps:,.6g} t CO2")
        known.append(s.values[:n])
        return s.values[:n], s

    # the CO2 end first (the cheapest design at the lowest CO2, no augmentation: the
    # pipeline's second stage): its cost sets the cost range of the payoff table, hence δ
    x_end, s_end = at_cap(grid[-1], 0.0)
    cost_span = lp.cost(x_end) - lp.cost(x_cost)
    delta = augmentation * max(cost_span, 1e-9) / span if span > tol else 0.0
    # the low-churn tie-break: each point pays γ per link changed from the previous point,
    # at most churn × (cost range) in all
    gamma = churn * max(cost_span, 1e-9) / max(1, len(builds))
    found: list[tuple[float, np.ndarray, Solution]] = []
    k, bypassed = 0, 0
    while k < len(grid) - 1:
        eps = grid[k]
        x, s = at_cap(eps, delta, gamma, found[-1][1] if found else x_cost)
        found.append((eps, x, s))
        skip = int(np.floor((eps - lp.co2(x)) / step + 1e-9)) if np.isfinite(step) else 0
        skip = max(0, min(skip, len(grid) - 1 - k))
        bypassed += skip
        k += 1 + skip
    found.append((grid[-1], x_end, s_end))

    co2_lp = lp.copy()  # extracted as the co2 results are: no link pruned for not paying
    co2_lp.objective = "co2"
    results, rows = [], []
    settings = {"time_limit": options.time_limit, "mip_gap": options.mip_gap,
                "threads": options.threads}
    for eps, x, s in found:
        result = extract(park, network, co2_lp, replace(s, values=x, bound=None), name,
                         settings, baseline_x=x0)
        k_ = result.kpis
        k_.update(objective_kind="cost", objective=k_["total_cost"],
                  objective_bound=None if s.bound is None else s.bound, mip_gap=s.mip_gap,
                  co2_cap_t=float(eps))
        result.network = network
        results.append(result)
        rows.append({"total_cost": k_["total_cost"], "co2_t": k_["co2_t"],
                     "savings": k_["savings"], "co2_avoided_t": k_["co2_avoided_t"],
                     "links_built": k_["links_built"], "mip_gap": s.mip_gap,
                     "co2_cap_t": float(eps), "status": s.status.value,
                     "_links": frozenset(result.links.index)})
    table, results = _efficient(pd.DataFrame(rows), results)
    for i, result in enumerate(results):
        result.name = f"{name} point {i}"
        result.kpis["name"] = result.name
        result.kpis["pareto"] = {"point": i, "co2_cap_t": float(table.co2_cap_t.iloc[i]),
                                 "points": len(results), "churn": churn,
                                 "selected": selected["selected"],
                                 "in_program": selected["in_program"]}
    seconds = time.perf_counter() - began
    kpis = {"name": name, "points_asked": int(points), "points": int(len(table)),
            "grid": [float(g) for g in grid], "solves": solves, "bypassed": bypassed,
            "augmentation": augmentation, "delta": float(delta), "churn": churn,
            "churn_gamma": float(gamma),
            "links_changed": int(sum(len(a.split()) + len(r.split()) for a, r in
                                     zip(table.links_added, table.links_removed))),
            "candidate_links": selected["candidates"], "in_program": selected["in_program"],
            "selected": selected["selected"], "time_limit": options.time_limit,
            "seconds": seconds,
            "currency": park.config.currency}
    return Front(table, results, kpis)


def selected_network(park: Park, network: Network) -> tuple[Network, dict]:
    """The candidates the front's program takes: all of them below the selection's size; on
    a province, the links the default fast path selects (symbiosis.selection) for the cost
    objective and for the co2 objective together, so no point solves the unpruned MILP (the
    points are then efficient among those links; docs/model.md, "The cost–CO2 front")."""
    from ..selection import select
    cost = select(park, network, "cost")
    kpis = {"candidates": int(len(network.links)), "selected": bool(cost.priced)}
    if not cost.priced:
        return network, {**kpis, "in_program": int(cost.kept.sum())}
    keep = cost.kept | select(park, network, "co2").kept
    return network.restrict(keep), {**kpis, "in_program": int(keep.sum())}


def _subject(subject, solver: SolverOptions | None) -> tuple[Park, str, SolverOptions]:
    """The park, its name and the solver options (always the HiGHS array path)."""
    from ..pipeline import solver_options
    from ..scenario import LoadedScenario, load_model_or_scenario
    if isinstance(subject, Result):
        park, name, options = subject.park, subject.name, solver or SolverOptions()
    elif isinstance(subject, Park):
        park, name, options = subject, subject.name, solver or SolverOptions()
    else:
        loaded = subject if isinstance(subject, LoadedScenario) else \
            load_model_or_scenario(subject)
        park, name = loaded.park, loaded.scenario.name
        options = solver or solver_options(loaded.scenario.solver)
    return park, name, replace(options, name="highspy")


def _efficient(table: pd.DataFrame, results: list[Result]) -> tuple[pd.DataFrame, list[Result]]:
    """Drop duplicates (the same cost and CO2) and dominated points (another costs no more and emits
    no more, one of the two less beyond rounding); sort by CO2, highest first; number the
    points; add the marginal abatement cost and the links changed from the previous point."""
    table = table.assign(_result=range(len(table)))
    table = table.sort_values(["co2_t", "total_cost"], kind="stable")
    keep, best = [], None
    for i, r in table.iterrows():
        if best is None or r.total_cost < best - SAME * max(1.0, abs(best)):
            keep.append(i)
            best = r.total_cost
    table = table.loc[keep]
    table = table.iloc[::-1].reset_index(drop=True)  # CO2 descending
    table.insert(0, "point", np.arange(len(table)))
    d_cost = table.total_cost.diff()
    d_co2 = -table.co2_t.diff()
    table["marginal_abatement_cost"] = (d_cost / d_co2).where(d_co2 > 0)
    before = [frozenset()] + list(table._links[:-1])
    table["links_added"] = ["" if i == 0 else " ".join(sorted(now - then))
                            for i, (now, then) in enumerate(zip(table._links, before))]
    table["links_removed"] = ["" if i == 0 else " ".join(sorted(then - now))
                              for i, (now, then) in enumerate(zip(table._links, before))]
    ordered = [results[i] for i in table._result]
    table = table[PARETO_COLUMNS + PARETO_EXTRA_COLUMNS]
    table = table.astype({"point": int, "links_built": int})
    numbers = table.select_dtypes("float").columns
    table[numbers] = table[numbers] + 0.0  # no -0 in the file
    return table, ordered


def plot(front: Front, labels: int = 3):
    """Cost against CO2, each point numbered; beside the chart, the links each step adds (+)
    and removes (−), at most `labels` of each step named."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = front.front
    cur = front.kpis.get("currency", "")
    fig, (ax, side) = plt.subplots(1, 2, figsize=(12, 5.5),
                                   gridspec_kw={"width_ratios": [3, 2]})
    ax.plot(t.co2_t, t.total_cost, marker="o", color="#2b6c8f", linestyle="--")  # between
    # points the front is not known: the dashes only join them
    notes = []
    for _, r in t.iterrows():
        added, removed = r.links_added.split(), r.links_removed.split()
        ax.annotate(str(r.point), (r.co2_t, r.total_cost), textcoords="offset points",
                    xytext=(6, 4), fontsize=8)
        if not r.point:
            notes.append("0: the cost optimum")
            continue
        changes = [f"+{x}" for x in added] + [f"−{x}" for x in removed]
        mac = r.marginal_abatement_cost
        head = f"{r.point}: +{len(added)} −{len(removed)} links" + (
            f", {mac:,.0f} {cur}/t" if pd.notna(mac) else "")
        more = f" … (+{len(changes) - labels})" if len(changes) > labels else ""
        notes.append(head + ("\n   " + ", ".join(changes[:labels]) + more if changes else ""))
    ax.set_xlabel("CO2 (t/yr)")
    ax.set_ylabel(f"total cost ({cur}/yr)")
    ax.set_title(f"{front.kpis.get('name', '')}: cost against CO2 ({len(t)} efficient points)",
                 fontsize=10)
    ax.grid(True, alpha=0.3)
    side.axis("off")
    side.text(0, 1, "\n".join(notes), va="top", ha="left", fontsize=6.5, family="monospace",
              wrap=True)
    fig.tight_layout()
    return fig


def plot_png(front: Front) -> bytes:
    import io

    import matplotlib.pyplot as plt

    from ..outputs import PNG_SOFTWARE
    fig = plot(front)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120, metadata={"Software": PNG_SOFTWARE})
    plt.close(fig)
    return buffer.getvalue()


def format_front(front: Front) -> str:
    """The console summary of `symbiosis pareto`."""
    t, k = front.front, front.kpis
    cur = k.get("currency", "")
    lines = [f"{k['name']}: {len(t)} efficient points of {k['points_asked']} asked "
             f"({k['solves']} solves, {k['bypassed']} grid points bypassed, "
             f"{k['links_changed']} link changes along the front, {k['seconds']:.1f} s)",
             f"  {'point':>5} {'total cost':>14} {'CO2 t':>12} {'links':>6} "
             f"{'MAC ' + cur + '/t':>14}"]
    for _, r in t.iterrows():
        mac = "" if pd.isna(r.marginal_abatement_cost) else f"{r.marginal_abatement_cost:,.0f}"
        lines.append(f"  {r.point:>5} {r.total_cost:>14,.0f} {r.co2_t:>12,.1f} "
                     f"{r.links_built:>6} {mac:>14}")
    return "\n".join(lines)
