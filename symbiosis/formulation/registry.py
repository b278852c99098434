"""The block registry: what `formulate` adds, in order, and how each block's results are read.

A block is one concern of the model (links, balances, quality, heat, ...). It declares

- `add(lp, park, network, **options)`: adds its variables, rows and cost/CO2 terms (everything
  it adds is tagged with its name: `LinearProgram.building`);
- `applies(park, network)`: whether the park has what it models (heat streams, utility
  levels, ...); a block that does not apply adds nothing;
- `needs`: the `formulate` options it takes (e.g. `transfers`); it is added only when every
  one of them is given;
- `extract(lp, park, network, x)`: its result tables, file name → DataFrame (x None: no
  solution). It runs on every result, whether the block applied or not, so that a result
  folder's files do not depend on the data (an empty table then);
- `clean(lp, network, x)`: its own rounding of a solver's point (e.g. a build decision set
  to 0 where nothing is delivered), after the links' own (results.repair);
- `prune(lp, network, x)`: the links (a mask) that lose money together under its costs (a
  shared route whose links save less than it costs), dropped with the links that lose alone;
- `link_columns(lp, x, built)`: links.csv as it prices it (a route's cost shared by its
  links, the route id);
- `kpis(lp, x, tables)`: its entry of kpis.json under its own name (None: none), given
  the result tables the blocks extracted;
- `in_baseline`: whether its rows hold at the no-links point, which is solved with the rows
  of such blocks only (a CO2 cap or a user's extra block may exclude it).

A new capability is one more entry here (as the facilities block, after the utilities);
`formulate` never changes. A user's extra block (`optimise(park, extra_blocks=[f])`) is a
function f(lp, park, network) on the same program, added after the model's blocks (before
those taking options, which read the whole program).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

from ..network import Network
from ..park import Park
from .balances import add_balances
from .facilities import add_facilities
from .facility_results import (close_idle_facilities, facility_extract, facility_kpis,
                               has_facilities)
from .decided import add_decided, has_decisions
from .dependence import add_max_dependence, max_dependence
from .heat import add_heat, heat_transfer_table
from .heat_facilities import add_heat_facility_shares, has_ranged_heat_nodes
from .heat_pumps import add_heat_pumps, clean_pumps, pump_table
from .links import add_links
from .program import LinearProgram
from .quality import add_quality
from .regulation import add_landfill_ban, add_regulation, ban_kpis, has_ban, has_rules
from .routes import (add_routes, clean_routes, losing_routes, route_kpis, route_link_columns,
                     shares_routes)
from .transfers import add_transfers
from .utilities import add_utilities

Extractor = Callable[[LinearProgram, Park, Network, "np.ndarray | None"], dict[str, pd.DataFrame]]
Cleaner = Callable[[LinearProgram, Network, np.ndarray], np.ndarray]
Pruner = Callable[[LinearProgram, Network, np.ndarray], np.ndarray]
LinkColumns = Callable[[LinearProgram, np.ndarray, pd.DataFrame], pd.DataFrame]
Kpis = Callable[[LinearProgram, "np.ndarray | None", dict[str, pd.DataFrame]], "dict | None"]


def always(park: Park, network: Network) -> bool:
    return True


@dataclass(frozen=True)
class Block:
    name: str
    add: Callable[..., None]  # add(lp, park, network, **{option: value for option in needs})
    applies: Callable[[Park, Network], bool] = always
    needs: tuple[str, ...] = ()
    extract: Extractor | None = None
    clean: Cleaner | None = None
    prune: Pruner | None = None
    link_columns: LinkColumns | None = None
    kpis: Kpis | None = None
    in_baseline: bool = True

    def wanted(self, park: Park, network: Network, options: dict[str, Any]) -> bool:
        return all(options.get(k) is not None for k in self.needs) and self.applies(park, network)


def _has_heat(park: Park, network: Network) -> bool:
    return park.has_heat


BLOCKS: list[Block] = [
    Block("links", lambda lp, park, network: add_links(lp, network)),
    Block("routes", add_routes, applies=shares_routes, clean=clean_routes, prune=losing_routes,
          link_columns=route_link_columns, kpis=lambda lp, x, tables: route_kpis(lp, x)),
    Block("decided", add_decided, applies=has_decisions),
    Block("balances", add_balances),
    Block("quality", lambda lp, park, network: add_quality(lp, network),
          applies=lambda park, network: not network.link_qualities.empty),
    Block("heat", add_heat, applies=_has_heat,
          extract=lambda lp, park, network, x: {"heat_transfers.csv": heat_transfer_table(lp, x)}),
    Block("heat_pumps", lambda lp, park, network: add_heat_pumps(lp, park),
          applies=lambda park, network: park.has_heat and park.config.heat_pumps is not None,
          extract=lambda lp, park, network, x: {"heat_pumps.csv": pump_table(lp, x)},
          clean=clean_pumps),
    Block("utilities", lambda lp, park, network: add_utilities(lp, park),
          applies=lambda park, network: park.has_heat and not park.utilities.empty),
    # after the balances, quality and heat rows it joins (its arcs are links)
    Block("facilities", add_facilities, applies=has_facilities, extract=facility_extract,
          clean=close_idle_facilities, kpis=facility_kpis),
    # a heat facility's loop heated and cooled evenly over its range (its arcs are heat links)
    Block("heat_facilities", add_heat_facility_shares, applies=has_ranged_heat_nodes),
    # resilience.max_dependence: a cap on what one partner firm delivers to a demand
    Block("dependence", lambda lp, park, network: add_max_dependence(lp, park, network,
                                                                     max_dependence(park)),
          applies=lambda park, network: max_dependence(park) is not None),
    # hazardous waste: no mixing of codes at a receiver, the licensed-carrier surcharge
    Block("regulation", add_regulation, applies=has_rules),
    # policy.landfill_ban: no disposal of a banned resource (the no-links baseline ignores it:
    # it is the counterfactual the savings are measured from)
    Block("landfill_ban", add_landfill_ban, applies=has_ban, in_baseline=False, kpis=ban_kpis),
    Block("transfers", lambda lp, park, network, transfers: add_transfers(lp, network, transfers),
          needs=("transfers",), in_baseline=False),
]


def block_named(name: str) -> Block:
    for block in BLOCKS:
        if block.name == name:
            return block
    raise KeyError(name)


def add_blocks(lp: LinearProgram, park: Park, network: Network, options: dict[str, Any],
               extra_blocks: tuple = ()) -> None:
    """Add the registry's blocks that apply, in order, and the user's extra blocks after the
    model's own; blocks taking options (transfers) come last, as they read the whole program
    (its firm accounts)."""
    def add(block: Block) -> None:
        if block.wanted(park, network, options):
            with lp.building(block.name):
                block.add(lp, park, network, **{k: options[k] for k in block.needs})

    for block in BLOCKS:
        if not block.needs:
            add(block)
    for i, extra in enumerate(extra_blocks):
        with lp.building(extra_name(extra, i)):
            extra(lp, park, network)
    for block in BLOCKS:
        if block.needs:
            add(block)


def extra_name(extra: Callable, position: int) -> str:
    """The tag of a user's block: `extra:<function name>` (its position if it has none)."""
    return f"extra:{getattr(extra, '__name__', position)}"


def block_names() -> set[str]:
    return {b.name for b in BLOCKS}


def baseline_blocks() -> set[str]:
    """The blocks whose rows the no-links point must satisfy."""
    return {b.name for b in BLOCKS if b.in_baseline}


def extract_tables(lp: LinearProgram, park: Park, network: Network,
                   x: np.ndarray | None) -> dict[str, pd.DataFrame]:
    """Every block's result tables, in registry order."""
    tables: dict[str, pd.DataFrame] = {}
    for block in BLOCKS:
        if block.extract is not None:
            tables.update(block.extract(lp, park, network, x))
    return tables


def clean_blocks(lp: LinearProgram, network: Network, x: np.ndarray) -> np.ndarray:
    """Each block's own rounding of a point, in registry order."""
    for block in BLOCKS:
        if block.clean is not None:
            x = block.clean(lp, network, x)
    return x


def losing_together(lp: LinearProgram, network: Network, x: np.ndarray) -> np.ndarray:
    """The links that blocks find losing money together (`prune`), as one mask."""
    mask = np.zeros(len(network.links), dtype=bool)
    for block in BLOCKS:
        if block.prune is not None:
            mask |= block.prune(lp, network, x)
    return mask


def priced_links(lp: LinearProgram, x: np.ndarray, built: pd.DataFrame) -> pd.DataFrame:
    """links.csv's rows as the blocks price them (`link_columns`), in registry order."""
    for block in BLOCKS:
        if block.link_columns is not None:
            built = block.link_columns(lp, x, built)
    return built


def block_kpis(lp: LinearProgram, x: np.ndarray | None,
               tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """Each block's kpis.json entry, under its name (blocks with none are left out)."""
    out = {}
    for block in BLOCKS:
        if block.kpis is not None and (value := block.kpis(lp, x, tables)) is not None:
            out[block.name] = value
    return out
