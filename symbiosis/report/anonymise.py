"""`--anonymise`: a report that names no firm. Every firm name becomes a stable pseudonym,
"Firm 07" by the firms' id order (deterministic: the same folder gives the same page), in
the tables the page and its figures are built from and in every text of kpis.json, before
anything is rendered; ids (the model's codes) stay, so a firm can still find itself.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pandas as pd

from .folder import ResultTables

MIN_INSIDE = 4  # shorter names ("A", "B&K") are replaced where they are a whole text only


def pseudonyms(firm_ids: pd.Series) -> dict[str, str]:
    """Firm id -> "Firm 01", "Firm 02", … in sorted id order (zero-padded to one width)."""
    ids = sorted(set(firm_ids.astype(str)))
    width = max(2, len(str(len(ids))))
    return {firm: f"Firm {i:0{width}d}" for i, firm in enumerate(ids, start=1)}


def anonymise(t: ResultTables) -> ResultTables:
    """The same tables with every firm's name replaced by its pseudonym: a whole text equal
    to a name, and a name of MIN_INSIDE or more characters inside any text (a detail, a
    warning, a scenario's title)."""
    firms = t.firms
    alias = pseudonyms(firms.firm_id)
    names = firms.assign(firm_id=firms.firm_id.astype(str)).set_index("firm_id").get(
        "name", pd.Series(dtype=str)).fillna("").astype(str)
    lookup = {n: alias[f] for f, n in sorted(names.items()) if n.strip()}
    # inside longer texts, names of MIN_INSIDE characters or more, longest first (so that
    # "PCB fab A (rigid)" goes before a firm named "PCB fab A"), never inside a word
    inside = sorted((n for n in lookup if len(n) >= MIN_INSIDE), key=lambda n: (-len(n), n))
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in inside) + r")(?!\w)") \
        if inside else None

    def text(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if value in lookup:
            return lookup[value]
        return pattern.sub(lambda m: lookup[m.group()], value) if pattern else value

    def frame(df: pd.DataFrame | None) -> pd.DataFrame | None:
        if df is None or not lookup:
            return df
        df = df.copy()
        if "name" in df and "firm_id" in df:  # a firm's own name column: its pseudonym
            ids = df.firm_id.astype(str)
            df["name"] = ids.map(alias).where(ids.isin(alias), df["name"].map(text))
        for column in df.columns:
            if df[column].dtype == object:
                df[column] = df[column].map(text)
        if df.index.dtype == object:
            df.index = df.index.map(text)
        return df

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {walk(k): walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return text(value)

    return replace(t, name=text(t.name), kpis=walk(t.kpis), links=frame(t.links),
                   firms=frame(t.firms), resources=frame(t.resources),
                   objective=frame(t.objective), why_not=frame(t.why_not),
                   other={k: frame(v) for k, v in t.other.items()})
