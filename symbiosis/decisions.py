"""Decided links: links that already exist, and links a planner forces or forbids
(docs/format.md, "Existing and decided links"; docs/model.md, "Decided links").

Ids are link ids as the network writes them, `SUPPLY_STREAM->DEMAND_STREAM` (why_not.csv's
from_stream and to_stream). Checked twice: against streams.csv when the park is loaded (an id
naming no supply and demand is an error at its file and key, so `symbiosis validate` finds
it), and against the candidates when the network is built (a forced link that is no
candidate, e.g. too far, is an error giving the reason).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .errors import Problem, raise_if

if TYPE_CHECKING:  # typing only: park.py checks the decisions when it builds a Park
    from .network import Network
    from .park import Park

ARROW = "->"
FORCED_FROM = "links.force"  # park.sources key: the file that forced links, for errors


def link_id_problems(park: Park, ids: list[str], source: str, key: str) -> list[Problem]:
    """Ids that name no supply and demand stream of the park, located at `key[i]`."""
    s = park.streams
    supplies = set(s.index[s.direction == "supply"])
    demands = set(s.index[s.direction == "demand"])
    problems = []
    for i, link in enumerate(ids):
        parts = link.split(ARROW)
        if len(parts) != 2 or parts[0] not in supplies or parts[1] not in demands:
            problems.append(Problem(
                source, f"unknown link id {link!r}: expected SUPPLY_STREAM->DEMAND_STREAM, a "
                        "supply and a demand stream_id of streams.csv (as in why_not.csv)",
                key=f"{key}[{i}]"))
    return problems


def decision_problems(park: Park, source: str, prefix: str = "links") -> list[Problem]:
    """Every decided link id of the park's config checked against its streams; a link both
    forced and forbidden, or listed twice as existing, is an error too."""
    cfg = park.config.links
    problems = (link_id_problems(park, cfg.force, source, f"{prefix}.force")
                + link_id_problems(park, cfg.forbid, source, f"{prefix}.forbid")
                + link_id_problems(park, [e.link for e in cfg.existing], source,
                                   f"{prefix}.existing"))
    return problems + conflict_problems(park, source, prefix)


def conflict_problems(park: Park, source: str, prefix: str = "links") -> list[Problem]:
    """Links both forced and forbidden; links listed twice as existing."""
    cfg = park.config.links
    problems = []
    for i, link in enumerate(cfg.forbid):
        if link in cfg.force:
            problems.append(Problem(source, f"link {link!r} is both forced and forbidden",
                                    key=f"{prefix}.forbid[{i}]"))
    seen: set[str] = set()
    for i, e in enumerate(cfg.existing):
        if e.link in seen:
            problems.append(Problem(source, f"link {e.link!r} is listed twice",
                                    key=f"{prefix}.existing[{i}]"))
        seen.add(e.link)
    return problems


def existing_links(park: Park) -> pd.DataFrame:
    """links.existing as a table indexed by link id: capacity, fixed_cost (NaN: default)."""
    rows = [(e.link, np.nan if e.capacity is None else e.capacity,
             np.nan if e.fixed_cost is None else e.fixed_cost)
            for e in park.config.links.existing]
    return pd.DataFrame(rows, columns=["link_id", "capacity", "fixed_cost"]).set_index("link_id")


def check_forced_candidates(park: Park, network: Network) -> None:
    """A forced link must be a candidate: else an error with the reason it is not."""
    forced = park.config.links.force
    missing = [(i, link) for i, link in enumerate(forced) if link not in network.links.index]
    source = park.sources.get(FORCED_FROM, "model.yaml")
    raise_if([Problem(source, f"link {link!r} cannot be forced: it is not a candidate ("
                              f"{network.why_not(*link.split(ARROW))})",
                      key=f"links.force[{i}]") for i, link in missing])


def decided_bounds(park: Park, links: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per link of `links`: whether it is forced, whether it is forbidden."""
    cfg = park.config.links
    return links.index.isin(cfg.force), links.index.isin(cfg.forbid)


def decided_kept(park: Park, links: pd.DataFrame) -> np.ndarray:
    """Per link of `links`: forced or existing, so no cap or selection may leave it out (a
    forced link is built whatever it earns; an existing one is there)."""
    cfg = park.config.links
    return links.index.isin(cfg.force) | links.index.isin([e.link for e in cfg.existing])
