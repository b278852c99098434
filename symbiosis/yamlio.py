"""Safe YAML reading with errors that name the file and line.

`yaml.SafeLoader` already refuses `!!python/...` tags; on top of it we refuse duplicate keys,
which PyYAML would otherwise resolve silently by keeping the last one, and hostile input that
would exhaust memory or the stack further on (a pydantic check, a message, a deep copy):
aliases expanding beyond MAX_NODES values ("billion laughs"), nesting deeper than MAX_DEPTH,
integers longer than MAX_INT_DIGITS, scalars longer than files.MAX_CELL_CHARS, and control
characters (ESC, NUL ...) in strings, which would reach terminals and XML outputs.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from . import files
from .errors import InputError, Problem
from .text import short_repr

MAX_NODES = 100_000  # values a document holds once its aliases are expanded
MAX_DEPTH = 50  # nesting of mappings and lists, aliases expanded
MAX_INT_DIGITS = 30  # beyond any count, id or amount of a park model
# C0 controls but tab, newline and carriage return; DEL and C1 controls
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class Refused(yaml.MarkedYAMLError):
    """Valid YAML we will not load: too big once expanded, too deep, a huge integer."""


class _StrictSafeLoader(yaml.SafeLoader):
    """SafeLoader that treats a repeated mapping key as an error and bounds what it builds."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        # PyYAML composes recursively: refuse deep nesting before Python's stack runs out
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise Refused(problem=f"nesting deeper than {MAX_DEPTH} levels: flatten it",
                              problem_mark=self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_document(self):
        node = super().compose_document()
        if node is not None:
            _measure(node)
        return node


def _measure(root: yaml.Node) -> None:
    """Refuse a document too large or too deep once its aliases are expanded, long scalars and
    control characters; each node is visited once (an alias is the node it names)."""
    memo: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded size, height)
    open_: set[int] = set()

    def walk(node: yaml.Node, depth: int) -> tuple[int, int]:
        key = id(node)
        if key in memo:
            size, height = memo[key]
            if depth + height > MAX_DEPTH:
                raise Refused(problem=f"aliases nest deeper than {MAX_DEPTH} levels",
                              problem_mark=node.start_mark)
            return memo[key]
        if key in open_:
            raise Refused(problem="an alias refers to the value that contains it (recursive "
                                  "YAML): write the value out", problem_mark=node.start_mark)
        if depth > MAX_DEPTH:
            raise Refused(problem=f"nesting deeper than {MAX_DEPTH} levels (aliases expanded)",
                          problem_mark=node.start_mark)
        if isinstance(node, yaml.ScalarNode):
            _check_scalar(node)
            memo[key] = (1, 0)
            return memo[key]
        children = ([c for pair in node.value for c in pair]
                    if isinstance(node, yaml.MappingNode) else list(node.value))
        open_.add(key)
        size, height = 1, 0
        for child in children:
            s, h = walk(child, depth + 1)
            size, height = size + s, max(height, h + 1)
            if size > MAX_NODES:
                raise Refused(problem=f"aliases expand this value to more than {MAX_NODES:,} "
                                      "values (an alias bomb?): write the values out, or use "
                                      "fewer aliases", problem_mark=node.start_mark)
        open_.discard(key)
        memo[key] = (size, height)
        return memo[key]

    walk(root, 1)


def _check_scalar(node: yaml.ScalarNode) -> None:
    value = node.value
    if len(value) > files.MAX_CELL_CHARS:
        raise Refused(problem=f"a value of {len(value):,} characters, more than the limit of "
                              f"{files.MAX_CELL_CHARS:,}", problem_mark=node.start_mark)
    found = CONTROL.search(value)
    if found:
        raise Refused(problem=f"control character {found.group()!r} in {short_repr(value)}: "
                              "remove it (escapes such as \\e or \\x1b are not allowed in "
                              "text)", problem_mark=node.start_mark)


def _construct_int(loader: _StrictSafeLoader, node: yaml.ScalarNode):
    digits = sum(c.isdigit() for c in node.value)
    if digits > MAX_INT_DIGITS:
        raise Refused(problem=f"an integer of {digits:,} digits, more than {MAX_INT_DIGITS}: "
                              "give a shorter number (or a float, e.g. 1e30)",
                      problem_mark=node.start_mark)
    return loader.construct_yaml_int(node)


def _construct_mapping(loader: _StrictSafeLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark,
                f"found duplicate key {short_repr(key)}", key_node.start_mark,
            )
        seen[key] = key_node
    return loader.construct_mapping(node, deep=deep)


_StrictSafeLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)
_StrictSafeLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """Read a YAML file that must hold a mapping; raise InputError naming file and line."""
    source = str(path)
    return parse_yaml_mapping(files.read_text(path, files.MAX_YAML_BYTES, "YAML file"), source)


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
        prefix = "" if isinstance(exc, Refused) else "invalid YAML: "
        raise InputError(Problem(source, f"{prefix}{problem}", row=row)) from None
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
        message = f"{err['msg']} (got {short_repr(err.get('input'))})"
    return Problem(source, message, key=key)


def key_lines(path: Path) -> dict[str, int]:
    """Line (1-based) of every key and list item in a YAML file, by dotted path.

    Paths are spelt as in our error keys: `grid.economics.carbon_price`, `variants[2].name`
    (a key holding dots stays one part). Only for pointing at lines in messages: a file that
    does not parse gives an empty map (reading it properly reports the error).
    """
    try:
        root = yaml.compose(files.read_text(path, files.MAX_YAML_BYTES, "YAML file"),
                            Loader=_StrictSafeLoader)
    except (InputError, yaml.YAMLError):
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
