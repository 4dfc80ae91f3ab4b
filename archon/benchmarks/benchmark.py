"""A benchmark: a dataset loader, a prompt template, a scorer and its split rule.

Loaders return items whose ``prompt`` is the raw input (the question, the
instruction...); ``Benchmark.items()`` renders the template around it, so the same
data can be asked in different ways without touching the loader. Loading and the
scorer are lazy and cached: building a Benchmark (for ``--list`` or a registry
lookup) reads no data and imports no heavy dependency.

A record that cannot be used (a missing field, say) is still an item, carrying
``meta["load_error"]``: the evaluator records it as a failure with that reason instead
of crashing or silently shrinking the benchmark.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from archon.benchmarks.splits import split, take
from archon.benchmarks.types import Item, Scorer
from archon.layers.base import ItemContext

ERROR_KEY = "load_error"  # Item.meta key of a record that could not be loaded
#: The answer format (ItemContext.answer_format) of each built-in scorer, by the scorer's name.
ANSWER_FORMATS = {"choice": "choice", "numeric": "number", "math": "math", "code-tests": "code", "exact": "text",
                  "regex": "text", "judge": "text", "ifeval": "text"}

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class Benchmark:
    name: str
    loader: Callable[[], Sequence[Item]]
    make_scorer: Callable[[], Scorer]
    template: str = "{input}"
    description: str = ""
    dev_fraction: float = 0.2
    #: Anything else that changes results (data file hash, scorer options, judge model):
    #: part of the fingerprint, so results of a different configuration are never reused.
    identity: Mapping[str, Any] = field(default_factory=dict)
    #: The kind of answer scored (ItemContext.answer_format): choice, number, math, code or text.
    answer_format: str | None = None
    _items: list[Item] | None = field(default=None, init=False, repr=False)
    _scorer: Scorer | None = field(default=None, init=False, repr=False)

    def load(self) -> list[Item]:
        """Every item of the dataset, raw (template not applied), in dataset order."""
        if self._items is None:
            self._items = list(self.loader())
        return self._items

    def items(self, which: str = "all", *, seed: int = 0, limit: int | None = None) -> list[Item]:
        """The items of a split, prompts rendered, in stable order, at most ``limit`` of them."""
        chosen = take(split(self.load(), which, self.dev_fraction, seed), limit)
        return [self.render(item) for item in chosen]

    def render(self, item: Item) -> Item:
        if item.meta.get(ERROR_KEY):
            return item
        fields = {k: v for k, v in item.meta.items() if isinstance(v, (str, int, float))}
        fields["input"] = item.prompt
        try:
            prompt = render_template(self.template, fields)
        except KeyError as exc:
            message = f"the prompt template uses {{{exc.args[0]}}}, which this record does not have"
            return replace(item, meta={**item.meta, ERROR_KEY: message})
        return replace(item, prompt=prompt, context=self.context_of(item))

    def context_of(self, item: Item) -> ItemContext:
        """What techniques may know of an item besides its prompt: its choices and their letters,
        its category (``category``, or MMLU's ``subject``) and the benchmark's answer format."""
        meta = item.meta
        found = meta.get("choices")
        choices = found if isinstance(found, list) and len(found) >= 2 and all(isinstance(c, str) for c in found) \
            else None
        category = meta.get("category", meta.get("subject"))
        letters = meta.get("letters")
        return ItemContext(
            choices=choices,
            labels=letters if choices and isinstance(letters, str) and len(letters) == len(choices) else None,
            category=None if category is None else str(category),
            answer_format=self.answer_format,  # type: ignore[arg-type]
        )

    @property
    def scorer(self) -> Scorer:
        if self._scorer is None:
            self._scorer = self.make_scorer()
        return self._scorer

    def scorer_for(self, *, client: Any = None, sandbox: Any = None) -> Scorer:
        """The scorer, using the run's model client and sandbox where it needs them (a judge's
        calls then share the run's cache and accounting; a code scorer's runs are recorded)."""
        scorer = self.scorer
        bind = getattr(scorer, "with_resources", None)
        return scorer if bind is None else bind(client=client, sandbox=sandbox)  # type: ignore[no-any-return]

    def fingerprint(self) -> str:
        """Hash of everything that determines a score, except the system under test."""
        payload = {
            "name": self.name,
            "template": self.template,
            "scorer": self.scorer.name,
            "identity": dict(self.identity),
        }
        blob = json.dumps(payload, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def render_template(template: str, fields: Mapping[str, Any]) -> str:
    """Fill ``{name}`` placeholders; ``{{``/``}}`` are literal braces.

    Braces that do not form a ``{identifier}`` are kept as they are, so LaTeX such as
    ``\\boxed{}`` or ``\\frac{1}{2}`` can be written in a template without escaping.
    A ``{name}`` with no value raises KeyError(name).
    """

    def fill(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = match.group(1)
        if name not in fields:
            raise KeyError(name)
        return str(fields[name])

    return _PLACEHOLDER.sub(fill, template)


def broken_item(item_id: str, message: str, prompt: str = "") -> Item:
    """An item standing for a record that cannot be used; the evaluator fails it with ``message``."""
    return Item(id=item_id, prompt=prompt, reference=None, meta={ERROR_KEY: message})
