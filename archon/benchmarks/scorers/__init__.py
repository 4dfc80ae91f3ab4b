"""Scorers by name, built from options; each lives in its own module, imported on use.

``build_scorer("numeric", {"rel_tol": 1e-4})`` or ``build_scorer("pkg.mod:thing", {})``,
where ``thing`` is a Scorer class (called with the options), a Scorer object, or a
function ``(item, answer) -> Score | float | bool``.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Mapping
from typing import Any

from archon.benchmarks.types import Scorer
from archon.errors import ConfigError, UnknownNameError

__all__ = ["SCORERS", "build_scorer", "import_object"]

#: name -> "module:attribute" of the Scorer class.
SCORERS: dict[str, str] = {
    "exact": "archon.benchmarks.scorers.exact:ExactScorer",
    "numeric": "archon.benchmarks.scorers.numeric:NumericScorer",
    "regex": "archon.benchmarks.scorers.regex:RegexScorer",
    "choice": "archon.benchmarks.scorers.choice:ChoiceScorer",
    "math": "archon.benchmarks.scorers.math:MathScorer",
    "judge": "archon.benchmarks.scorers.judge:JudgeScorer",
    "ifeval": "archon.benchmarks.scorers.ifeval:IFEvalScorer",
    # Owned by the code benchmarks (sandboxed execution of unit tests).
    "code-tests": "archon.benchmarks.code:CodeTestsScorer",
}


def build_scorer(name: str, options: Mapping[str, Any] | None = None, *, source: str = "<benchmark>") -> Scorer:
    """A scorer from its name (or import path) and options; bad options are ConfigErrors."""
    options = dict(options or {})
    if ":" in name and name not in SCORERS:
        target = import_object(name, source=source, location="scorer")
    elif name in SCORERS:
        target = import_object(SCORERS[name], source=source, location="scorer")
    else:
        raise UnknownNameError("scorer", name, sorted(SCORERS))
    if options and not inspect.isclass(target):
        raise ConfigError(source, "scorer_options", f"scorer {name!r} is not a class, so it takes no options")
    scorer: Any
    if inspect.isclass(target):
        _check_options(target, options, name, source)
        try:
            scorer = target(**options)
        except (TypeError, ValueError) as exc:
            raise ConfigError(source, "scorer_options", f"invalid options for scorer {name!r}: {exc}") from None
    elif hasattr(target, "score"):
        scorer = target
    elif callable(target):
        from archon.benchmarks.scorers.base import FunctionScorer

        scorer = FunctionScorer(target, name=name)
    else:
        raise ConfigError(source, "scorer", f"{name!r} is a {type(target).__name__}, not a scorer or a function")
    if not isinstance(getattr(scorer, "name", None), str):
        # The name goes into result files and fingerprints; a plain object may lack one.
        scorer.name = name
    checked: Scorer = scorer
    return checked


def _check_options(cls: type, options: Mapping[str, Any], name: str, source: str) -> None:
    """Unknown or missing options, named, before the constructor's own checks."""
    parameters = inspect.signature(cls).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return
    accepted = [p for p in parameters if p not in ("self", "client", "verifier")]
    for key in options:
        if key not in accepted:
            allowed = ", ".join(accepted) or "(none)"
            raise ConfigError(
                source, f"scorer_options.{key}", f"unknown option for scorer {name!r}; allowed: {allowed}"
            )
    for key, parameter in parameters.items():
        if key != "self" and parameter.default is inspect.Parameter.empty and key not in options:
            raise ConfigError(source, "scorer_options", f"scorer {name!r} needs the option {key!r}")


def import_object(path: str, *, source: str, location: str) -> Any:
    """Resolve "package.module:attribute"; failures are ConfigErrors naming the path."""
    module_name, sep, attribute = path.partition(":")
    if not sep or not module_name or not attribute:
        raise ConfigError(source, location, f"expected an import path like 'package.module:name', got {path!r}")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # ImportError, or any error raised while the user's module runs
        raise ConfigError(source, location, f"cannot import {module_name!r}: {type(exc).__name__}: {exc}") from None
    target: Any = module
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise ConfigError(source, location, f"module {module_name!r} has no attribute {attribute!r}") from None
    return target
