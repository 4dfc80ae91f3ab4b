"""The one reader: every kind of file it refuses gets one line naming the file, never a traceback."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from archon.cli.main import main
from archon.config.reader import MAX_DEPTH, parse, read_document
from archon.errors import ConfigError

Refuse = Callable[[Path], str]


@pytest.fixture
def refused(capsys: pytest.CaptureFixture[str]) -> Refuse:
    """Run `archon validate PATH`; return its one error line (and check there is nothing else)."""

    def run(path: Path) -> str:
        assert main(["validate", str(path)]) == 1
        captured = capsys.readouterr()
        lines = [line for line in captured.err.splitlines() if line.strip()]
        assert len(lines) == 1, captured.err
        assert "Traceback" not in captured.err + captured.out
        assert str(path) in lines[0]
        return lines[0]

    return run


def test_a_missing_file(refused: Refuse, tmp_path: Path) -> None:
    assert "file not found" in refused(tmp_path / "nowhere.yaml")


def test_a_directory_given_as_a_file(tmp_path: Path) -> None:
    (tmp_path / "system.yaml").mkdir()
    with pytest.raises(ConfigError, match="is a directory; expected a system file"):
        read_document(tmp_path / "system.yaml", "system file")


def test_a_fifo_is_refused_rather_than_read_forever(refused: Refuse, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    assert "is not a regular file" in refused(fifo)


def test_an_unreadable_file(refused: Refuse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.yaml"
    path.write_text("name: x\n")

    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", denied)  # root reads any file; the refusal is what matters
    assert "cannot read file: Permission denied" in refused(path)


def test_a_file_over_the_size_limit(refused: Refuse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("name: x\n" + "# padding\n" * 300)
    monkeypatch.setenv("ARCHON_MAX_FILE_MB", "0.001")
    assert "is 3,008 bytes, over the 1,048 bytes limit" in refused(path)


def test_bytes_that_are_not_utf8(refused: Refuse, tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: x\nnodes: []\ndescription: caf\xe9\n".encode("latin-1"))
    line = refused(path)
    assert f"{path}:3:" in line and "is not UTF-8 text (byte 0xe9" in line


def test_a_nul_byte(refused: Refuse, tmp_path: Path) -> None:
    path = tmp_path / "binary.json"
    path.write_bytes(b'{"name": "x\x00"}')
    assert "NUL character" in refused(path)


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_nesting_deeper_than_the_limit(refused: Refuse, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"deep{suffix}"
    path.write_text("[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5))
    assert f"nesting deeper than {MAX_DEPTH} levels" in refused(path)


def test_nesting_deep_enough_to_exhaust_the_parser(refused: Refuse, tmp_path: Path) -> None:
    path = tmp_path / "deeper.yaml"
    path.write_text("[" * 100_000 + "]" * 100_000)
    assert "nesting deeper than" in refused(path)


def test_yaml_aliases_that_expand_beyond_the_limit(refused: Refuse, tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, "
              f"*a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 9)]
    path = tmp_path / "laughs.yaml"
    path.write_text("\n".join(lines) + "\n")  # 10^9 values from a 1 KB file
    assert "expands to more than 1,000,000 values" in refused(path)


def test_an_alias_that_contains_itself(refused: Refuse, tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("a: &a [1, *a]\n")
    assert "refers to a value that contains it" in refused(path)


def test_invalid_yaml_and_json_name_their_line(refused: Refuse, tmp_path: Path) -> None:
    yaml_file = tmp_path / "bad.yaml"
    yaml_file.write_text("name: x\nnodes: [\n  a: b\n")
    assert f"{yaml_file}:" in refused(yaml_file) and "invalid YAML" in refused(yaml_file)
    json_file = tmp_path / "bad.json"
    json_file.write_text('{\n  "name": "x",\n  "nodes": [,]\n}\n')
    line = refused(json_file)
    assert f"{json_file}:3:" in line and "invalid JSON: Expecting value" in line


def test_huge_integers_and_odd_keys_are_refused_cleanly(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="invalid YAML value"):
        parse("n: " + "9" * 5000, "<t>")
    with pytest.raises(ConfigError, match="invalid JSON value"):
        parse('{"n": ' + "9" * 5000 + "}", "<t>", as_json=True)
    with pytest.raises(ConfigError, match="invalid YAML"):
        parse("? [a, b]\n: x\n? [a, b]\n: y\n{[1]: 2}", "<t>")
