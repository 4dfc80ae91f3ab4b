"""Map a path inside a YAML document (``("nodes", 2, "top_k")``) to its line number."""

from __future__ import annotations

from collections.abc import Sequence

import yaml


class YamlLocator:
    def __init__(self, text: str | None) -> None:
        self._root: yaml.Node | None = None
        if text:
            try:
                self._root = yaml.compose(text, Loader=yaml.SafeLoader)
            except yaml.YAMLError:
                self._root = None

    def line(self, path: Sequence[str | int]) -> int | None:
        """1-based line of the deepest node of ``path`` that exists in the document."""
        node = self._root
        if node is None:
            return None
        best = node.start_mark.line + 1
        for part in path:
            child = None
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                        child = value
                        best = key.start_mark.line + 1
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                child = node.value[part]
                best = child.start_mark.line + 1
            if child is None:
                return best
            node = child
        return best


def format_path(path: Sequence[str | int]) -> str:
    """("nodes", 2, "top_k") -> "nodes[2].top_k"."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
