"""Generate the reference part of docs/format.md from the schemas and table specs.

`python -m symbiosis.docgen` rewrites the region between the markers in docs/format.md;
`tests/test_docs.py` fails when the file and the code disagree.
"""
from __future__ import annotations

import sys
import typing
from pathlib import Path

from pydantic import BaseModel

from .schema import GridChange, ModelConfig, Scenario, Sweep
from .tables import ALWAYS_ALLOWED, PLOTS, TABLES

BEGIN, END = "<!-- generated:begin -->", "<!-- generated:end -->"
FORMAT_DOC = Path(__file__).resolve().parent.parent / "docs" / "format.md"


def _type_name(annotation) -> str:
    text = str(annotation).replace("typing.", "")
    if isinstance(annotation, type):
        text = annotation.__name__
    text = text.replace("NoneType", "None").replace(" | ", " or ")  # no pipes in a table cell
    return text.replace("|", "\\|")  # a literal '|' (a CSV separator) escaped


def _keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    rows = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        candidates = (annotation, *typing.get_args(annotation))  # unwrap `Model | None`
        nested = next((a for a in candidates if isinstance(a, type) and issubclass(a, BaseModel)
                       and typing.get_origin(annotation) is not list), None)
        if nested is not None:
            rows += _keys(nested, f"{prefix}{name}.")
            continue
        args = typing.get_args(annotation)
        item = args[0] if args and isinstance(args[0], type) and issubclass(args[0], BaseModel) \
            else None
        default = "required" if field.is_required() else repr(field.get_default(
            call_default_factory=True))
        rows.append(f"| `{prefix}{name}` | {_type_name(annotation)} | {default} | "
                    f"{field.description or ''} |")
        if item is not None:
            rows += _keys(item, f"{prefix}{name}[].")
    return rows


def reference() -> str:
    parts = ["### Tables", ""]
    for spec in (*TABLES, PLOTS):
        need = "required" if spec.required else "optional"
        parts += [f"#### {spec.name}.csv ({need}): {spec.description}", "",
                  "| column | type | column required | blank allowed | meaning |",
                  "|---|---|---|---|---|"]
        for c in spec.columns:
            kind = c.kind if c.kind != "choice" else " / ".join(c.choices)
            rng = []
            if c.minimum is not None:
                rng.append(f"≥ {c.minimum:g}")
            if c.above is not None:
                rng.append(f"> {c.above:g}")
            blank = "no" if c.needs_value else ("yes (= 0)" if c.default is not None else "yes")
            parts.append(f"| `{c.name}` | {kind}{' ' + ', '.join(rng) if rng else ''} | "
                         f"{'yes' if c.required else 'no'} | {blank} | {c.description} |")
        parts.append("")
    parts += [f"Any table may also have the free-text columns {', '.join(ALWAYS_ALLOWED)}; "
              "any other column is an error.", ""]
    for title, model in (("model.yaml keys", ModelConfig), ("Scenario keys", Scenario),
                         ("Sweep keys", Sweep), ("Grid axis over a rule (`grid.<name>`)",
                                                 GridChange)):
        parts += [f"### {title}", "", "| key | type | default | meaning |", "|---|---|---|---|"]
        parts += _keys(model)
        parts.append("")
    return "\n".join(parts)


def rewrite(path: Path = FORMAT_DOC) -> bool:
    """Replace the generated region of `path`; return whether it changed."""
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{BEGIN}\n{reference()}\n{END}{tail}"
    path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    changed = rewrite(Path(sys.argv[1]) if len(sys.argv) > 1 else FORMAT_DOC)
    print("docs/format.md updated" if changed else "docs/format.md already up to date")
