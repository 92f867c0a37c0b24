"""Read YAML keeping the line of every value, so a broken scorecard is reported as ``file:line: what is wrong``.

PyYAML's composer gives nodes with marks; we turn them into plain Python values and a ``{path: line}`` map.
Duplicate keys (which PyYAML silently lets the last one win) are reported, because in a scorecard they are
always a mistake. Only ``true``/``false`` are booleans: YAML 1.1 would read the Spanish words "no" and "y" as
booleans.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path_ = tuple[Any, ...]


@dataclass
class Marked:
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    problems: list[tuple[int, str]] = field(default_factory=list)

    def line(self, path: Path_) -> int:
        """Line of ``path`` or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)


def load_marked(text: str) -> Marked:
    """Parse YAML text; raises ``yaml.YAMLError`` (with its own marks) on syntax errors."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    out = Marked(data=None)
    if node is None:
        return out
    loader = yaml.SafeLoader("")
    try:
        out.data = _convert(node, (), out, loader)
    finally:
        loader.dispose()
    return out


def _convert(node: yaml.Node, path: Path_, out: Marked, loader: yaml.SafeLoader) -> Any:
    out.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                out.problems.append((key_node.start_mark.line + 1, "a key must be a plain word, not a list or mapping"))
                continue
            key = _scalar(key_node, loader)
            if key in result:
                out.problems.append((key_node.start_mark.line + 1, f"duplicate key '{key}'"))
            result[key] = _convert(value_node, path + (key,), out, loader)
            # the key's line is more useful than the value's for "unknown key"/"bad value" messages
            out.lines[path + (key,)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, path + (i,), out, loader) for i, item in enumerate(node.value)]
    return _scalar(node, loader)


def _scalar(node: yaml.ScalarNode, loader: yaml.SafeLoader) -> Any:
    # YAML 1.1 reads yes/no/on/off/y/n as booleans: in Spanish word lists "no" and "y" are words.
    # Only true/false are booleans here (as in YAML 1.2).
    if node.tag == "tag:yaml.org,2002:bool" and node.value.lower() not in ("true", "false"):
        return node.value
    return loader.construct_object(node, deep=True)
