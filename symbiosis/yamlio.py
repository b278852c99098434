"""Safe YAML reading with errors that name the file and line.

`yaml.SafeLoader` already refuses `!!python/...` tags; on top of it we refuse duplicate keys,
which PyYAML would otherwise resolve silently by keeping the last one.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .errors import InputError, Problem


class _StrictSafeLoader(yaml.SafeLoader):
    """SafeLoader that treats a repeated mapping key as an error."""


def _construct_mapping(loader: _StrictSafeLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark,
                f"found duplicate key {key!r}", key_node.start_mark,
            )
        seen[key] = key_node
    return loader.construct_mapping(node, deep=deep)


_StrictSafeLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """Read a YAML file that must hold a mapping; raise InputError naming file and line."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(Problem(source, "file not found")) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Problem(source, f"cannot read file: {exc}")) from None
    return parse_yaml_mapping(text, source)


def parse_yaml_mapping(text: str, source: str) -> dict[str, Any]:
    """YAML text that must hold a mapping (as read_yaml_mapping, from text already read)."""
    try:
        data = yaml.load(text, Loader=_StrictSafeLoader)  # noqa: S506 - strict *safe* loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = f"line {mark.line + 1}" if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        if "python/" in str(exc):
            problem = "tag not allowed: YAML files are loaded safely (no !!python tags)"
        raise InputError(Problem(source, f"invalid YAML: {problem}", row=row)) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(Problem(source, f"expected a mapping of keys, got {type(data).__name__}"))
    return data


def validate_mapping(schema: type[BaseModel], data: dict[str, Any], source: str,
                     key_prefix: str = "") -> BaseModel:
    """Validate `data` against a pydantic schema; turn its errors into located Problems."""
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise InputError([_problem_from_pydantic(err, source, key_prefix)
                          for err in exc.errors()]) from None


def _problem_from_pydantic(err: dict[str, Any], source: str, key_prefix: str) -> Problem:
    key = "".join(f"[{part}]" if isinstance(part, int) else f".{part}"
                  for part in err["loc"]).lstrip(".")  # scale[0].factor, as in other messages
    key = f"{key_prefix}{key}" if key else key_prefix.rstrip(".") or None
    kind = err["type"]
    if kind == "extra_forbidden":
        message = "unknown key"
    elif kind == "missing":
        message = "required key is missing"
    else:
        message = f"{err['msg']} (got {err.get('input')!r})"
    return Problem(source, message, key=key)


def key_lines(path: Path) -> dict[str, int]:
    """Line (1-based) of every key and list item in a YAML file, by dotted path.

    Paths are spelt as in our error keys: `grid.economics.carbon_price`, `variants[2].name`
    (a key holding dots stays one part). Only for pointing at lines in messages: a file that
    does not parse gives an empty map (reading it properly reports the error).
    """
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=_StrictSafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    lines: dict[str, int] = {}

    def walk(node: yaml.Node, prefix: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                path_ = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
                lines.setdefault(path_, key_node.start_mark.line + 1)
                walk(value_node, path_)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                path_ = f"{prefix}[{i}]"
                lines.setdefault(path_, item.start_mark.line + 1)
                walk(item, path_)

    if root is not None:
        walk(root, "")
    return lines


def line_of(lines: dict[str, int], key: str | None) -> str | None:
    """`line N` of a dotted key, or of its nearest enclosing key that has a line."""
    while key:
        if key in lines:
            return f"line {lines[key]}"
        cut = max(key.rfind("."), key.rfind("["))
        key = key[:cut] if cut > 0 else ""
    return None
