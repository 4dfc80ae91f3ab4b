"""unit_test_generate: its parser of the tests a model writes, natural-language and code."""

from __future__ import annotations

from archon.layers.unit_test_generate import parse_tests


def test_parse_tests_natural_and_code() -> None:
    natural = ("Here are tests:\n1. The answer mentions 42.\n2) The answer is short.\n"
               "- The answer is polite.\n1. The answer mentions 42.")
    expected = ["The answer mentions 42.", "The answer is short.", "The answer is polite."]
    assert parse_tests(natural, "natural", 10) == expected
    assert parse_tests(natural, "natural", 2) == ["The answer mentions 42.", "The answer is short."]
    code = "1. `assert add(1, 2) == 3`\n2. check that it works\n3. assert add(0, 0) == 0"
    assert parse_tests(code, "code", 5) == ["assert add(1, 2) == 3", "assert add(0, 0) == 0"]
    unnumbered = "```python\nassert f(1) == 1\nassert f(2) == 4\n```"
    assert parse_tests(unnumbered, "code", 5) == ["assert f(1) == 1", "assert f(2) == 4"]
