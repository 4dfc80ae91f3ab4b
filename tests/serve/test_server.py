"""`archon serve`: a real server process on loopback, driven by the openai client, litellm and httpx."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

KEY = "test-bearer-key-0123456789"
SYSTEMS = {
    "fast": """\
name: fast
runtime: {max_retries: 1, retry_base_s: 0.01}
models: {m: {model: fake/served}}
nodes:
  - {id: samples, type: generate, models: [m], samples: 3}
  - {id: answer, type: fuse, models: [m]}
""",
    "direct": "name: direct\nnodes:\n  - {id: answer, type: generate, models: [fake/direct]}\n",
    "slow": """\
name: slow
models: {m: {model: fake/slow, extra: {fake_latency: 4}}}
nodes:
  - {id: answer, type: generate, models: [m]}
""",
    "failing": """\
name: failing
runtime: {max_retries: 1, retry_base_s: 0.01}
models: {m: {model: fake/broken, extra: {fake_failure_rate: 1.0}}}
nodes:
  - {id: answer, type: generate, models: [m]}
""",
    "voter": """\
name: voter
nodes:
  - {id: samples, type: generate, models: [fake/a], samples: 3}
  - {id: answer, type: vote}
""",
    "shuffler": """\
name: shuffler
nodes:
  - {id: samples, type: choice_shuffle, models: [fake/a], samples: 3}
  - {id: answer, type: vote, extractor: choice}
""",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(tmp: Path, files: list[Path], *extra: str, env: dict[str, str] | None = None
                 ) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    log = (tmp / f"server-{port}.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "archon.cli.main", "serve", *map(str, files), "--port",
                                str(port), *extra], stdout=log, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, **(env or {})})
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError((tmp / f"server-{port}.log").read_text())
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("the server did not start")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp("serve")
    files = []
    for name, text in SYSTEMS.items():
        path = tmp / f"{name}.yaml"
        path.write_text(text)
        files.append(path)
    trace = tmp / "trace.jsonl"
    env = {"SERVE_TEST_KEY": KEY, "ARCHON_HOME": str(tmp / "home")}
    process, base = start_server(tmp, files, "--api-key-env", "SERVE_TEST_KEY", "--request-timeout", "2",
                                 "--keepalive", "0.2", "--trace", str(trace), env=env)
    yield base, trace
    process.terminate()  # SIGTERM: a clean shutdown (uvicorn then exits by the same signal)
    assert process.wait(30) in (0, -15)
    log = next(tmp.glob("server-*.log")).read_text()
    assert "stopped; caches flushed, local engines released" in log and "Traceback" not in log


def post(base: str, body: Any, key: str | None = KEY, timeout: float = 30) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    content = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return httpx.post(f"{base}/v1/chat/completions", content=content, headers=headers, timeout=timeout)


def ask(model: str, question: str = "What is the answer?", **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": question}], **extra}


def test_the_openai_client_gets_the_systems_answer_with_usage(server: tuple[str, Path]) -> None:
    from openai import OpenAI

    base, _ = server
    client = OpenAI(base_url=f"{base}/v1", api_key=KEY)
    assert sorted(m.id for m in client.models.list()) == sorted(SYSTEMS)
    question = f"Which number? {time.time()}"  # a fresh question: nothing cached
    first = client.chat.completions.create(model="fast", messages=[{"role": "user", "content": question}])
    assert first.choices[0].message.content.startswith("The answer is")
    assert first.usage is not None and first.usage.prompt_tokens > 0 and first.usage.completion_tokens > 0
    extension = first.model_extra["archon"]  # type: ignore[index]
    assert extension["calls"] == 4 and extension["cache_hits"] == 0 and extension["trace_id"]
    again = client.chat.completions.create(model="fast", messages=[{"role": "user", "content": question}])
    assert again.choices[0].message.content == first.choices[0].message.content
    assert again.usage is not None and again.usage.total_tokens == 0  # cache hits cost no tokens...
    assert again.model_extra["archon"]["cache_hits"] == 4  # type: ignore[index]  # ...and are counted apart


def test_streaming_sends_openai_chunks_and_ends_with_done(server: tuple[str, Path]) -> None:
    from openai import OpenAI

    base, _ = server
    client = OpenAI(base_url=f"{base}/v1", api_key=KEY)
    question = f"Stream this {time.time()}"
    pieces = [chunk.choices[0].delta.content for chunk in client.chat.completions.create(
        model="direct", messages=[{"role": "user", "content": question}], stream=True) if chunk.choices]
    text = "".join(p for p in pieces if p)
    assert text.startswith("The answer is") and len([p for p in pieces if p]) >= 4  # token by token
    with httpx.stream("POST", f"{base}/v1/chat/completions", headers={"Authorization": f"Bearer {KEY}"},
                      json=ask("fast", f"Also {time.time()}", stream=True,
                               stream_options={"include_usage": True}), timeout=30) as response:
        lines = [line for line in response.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line[6:]) for line in lines if line.startswith("data: {")]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert any(c.get("usage") for c in chunks) and any(c.get("archon") for c in chunks)


def test_keepalive_comments_flow_while_internal_layers_work(server: tuple[str, Path]) -> None:
    base, _ = server
    with httpx.stream("POST", f"{base}/v1/chat/completions", headers={"Authorization": f"Bearer {KEY}"},
                      json=ask("slow", f"Slowly {time.time()}", stream=True), timeout=30) as response:
        lines = [line for line in response.iter_lines() if line]
    assert ": archon is working" in lines
    # The request timeout (2 s) is shorter than the system (4 s): the stream says so, then ends.
    assert any('"code": "timeout"' in line for line in lines) and lines[-1] == "data: [DONE]"


def test_litellm_calls_a_served_system_as_an_openai_model(server: tuple[str, Path]) -> None:
    from archon.models.providers import ensure_litellm

    base, _ = server
    litellm = ensure_litellm()
    response = litellm.completion(model="openai/direct", api_base=f"{base}/v1", api_key=KEY,
                                  messages=[{"role": "user", "content": "Via litellm?"}])
    assert response.choices[0].message.content.startswith("The answer is")


def test_a_served_system_is_a_model_inside_another_system(server: tuple[str, Path],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import archon

    base, _ = server
    monkeypatch.setenv("SERVED_KEY", KEY)
    outer = archon.System.from_dict({
        "name": "outer",
        "models": {"inner": {"model": "openai/fast", "api_base": f"{base}/v1", "api_key_env": "SERVED_KEY"}},
        "nodes": [{"id": "samples", "type": "generate", "models": ["inner", "fake/a"]},
                  {"id": "answer", "type": "fuse", "models": ["fake/a"]}],
    }, cache=False)
    result = outer.run("Two layers of archon?")
    inner_calls = [c for c in result.trace[0]["calls"] if c["model"] == "openai/fast"]
    assert len(inner_calls) == 1 and inner_calls[0]["response"].startswith("The answer is")
    assert "SERVED_KEY" not in json.dumps(result.to_dict()) or KEY not in json.dumps(result.to_dict())
    assert KEY not in json.dumps(result.to_dict())


def test_temperature_and_max_tokens_apply_to_the_final_node(server: tuple[str, Path]) -> None:
    base, trace = server
    question = f"Tuned {time.time()}"
    assert post(base, ask("fast", question, temperature=1.3, max_tokens=7)).status_code == 200
    line = next(json.loads(t) for t in reversed(trace.read_text().splitlines()) if question in t)
    by_node = {entry["node"]: entry["calls"] for entry in line["trace"]}
    assert [c["params"] for c in by_node["answer"]] == [{"temperature": 1.3, "max_tokens": 7}]
    assert all(c["params"].get("temperature") == 0.7 for c in by_node["samples"])  # the rest as written
    refused = post(base, ask("voter", temperature=0.5))
    assert refused.status_code == 400 and refused.json()["error"]["param"] == "temperature"


def test_multi_turn_and_system_messages_become_one_query(server: tuple[str, Path]) -> None:
    base, trace = server
    marker = f"turns {time.time()}"
    response = post(base, {"model": "direct", "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": [{"type": "text", "text": marker}]}]})
    assert response.status_code == 200
    line = next(json.loads(t) for t in reversed(trace.read_text().splitlines()) if marker in t)
    assert line["query"] == f"Be brief.\n\nConversation so far:\nUser: Hi\nAssistant: Hello!\n\n{marker}"


@pytest.mark.parametrize(("body", "status", "param", "snippet"), [
    ("{not json", 400, None, "not valid JSON"),
    ({"messages": [{"role": "user", "content": "x"}]}, 400, "model", "missing required parameter 'model'"),
    ({"model": "fast"}, 400, "messages", "missing required parameter 'messages'"),
    (ask("fast", n=2), 400, "n", "n=2 is not supported"),
    (ask("fast", tools=[{"type": "function"}]), 400, "tools", "parameter 'tools' is not supported"),
    (ask("fast", response_format={"type": "json_object"}), 400, "response_format", "is not supported"),
    ({"model": "fast", "messages": [{"role": "assistant", "content": "x"}]}, 400, "messages[0].role",
     "the last message must be the user's"),
    ({"model": "fast", "messages": [{"role": "user", "content": [{"type": "image_url"}]}]}, 400,
     "messages[0].content", "only text parts"),
    (ask("nope"), 404, "model",
     "model 'nope' is not served here; served: direct, failing, fast, shuffler, slow, voter"),
    (ask("slow", "Too slow?"), 504, None, "did not answer within 2 s"),
    (ask("failing"), 502, None, "the system failed: node 'answer' produced no candidates"),
])
def test_every_error_is_openai_json_with_its_status(server: tuple[str, Path], body: Any, status: int,
                                                    param: str | None, snippet: str) -> None:
    base, _ = server
    response = post(base, body)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert snippet in error["message"] and error["param"] == param
    assert "Traceback" not in response.text and KEY not in response.text


def test_a_missing_or_wrong_key_is_401_and_health_is_open(server: tuple[str, Path]) -> None:
    base, _ = server
    for key in (None, "wrong"):
        response = post(base, ask("fast"), key=key)
        assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_api_key"
    assert httpx.get(f"{base}/v1/models", timeout=5).status_code == 401
    assert httpx.get(f"{base}/health", timeout=5).json()["models"] == sorted(SYSTEMS)


def test_metrics_count_requests_calls_and_cache_hits(server: tuple[str, Path]) -> None:
    base, _ = server
    question = f"Counted {time.time()}"
    post(base, ask("direct", question))
    post(base, ask("direct", question))
    text = httpx.get(f"{base}/metrics", headers={"Authorization": f"Bearer {KEY}"}, timeout=5).text
    assert 'archon_requests_total{model="direct",status="200"}' in text
    assert 'archon_provider_calls_total{model="fake/direct"}' in text
    assert 'archon_cache_hits_total{model="fake/direct"}' in text
    assert "archon_request_seconds_bucket" in text and 'archon_provider_failures_total{model="fake/broken"}' in text


def test_a_client_that_goes_away_cancels_its_run(server: tuple[str, Path]) -> None:
    base, trace = server
    marker = f"abandoned {time.time()}"
    with pytest.raises(httpx.ReadTimeout):
        post(base, ask("slow", marker), timeout=0.5)
    time.sleep(2.5)
    assert marker not in trace.read_text()  # never answered, so never traced
    assert post(base, ask("direct", f"still serving {time.time()}")).status_code == 200


def test_binding_beyond_loopback_without_a_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "direct.yaml"
    path.write_text(SYSTEMS["direct"])
    done = subprocess.run([sys.executable, "-m", "archon.cli.main", "serve", str(path), "--host", "0.0.0.0"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "without an API key would let anyone who can reach this machine" in done.stderr
    assert "Traceback" not in done.stderr


def test_serving_a_run_directory_serves_its_best_system(tmp_path: Path) -> None:
    from archon.errors import ConfigError
    from archon.serve.server import load_systems

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    with pytest.raises(ConfigError, match=r"without best_system\.yaml"):
        load_systems([run_dir])
    (run_dir / "best_system.yaml").write_text(SYSTEMS["direct"])
    assert [s.name for s in load_systems([run_dir], cache=False)] == ["direct"]


def test_the_archon_context_reaches_techniques_that_need_it(server: tuple[str, Path]) -> None:
    base, _ = server
    question = "Which is prime?\nA. 4\nB. 7\nC. 9"
    context = {"choices": ["4", "7", "9"], "answer_format": "choice"}
    answered = post(base, ask("shuffler", question, archon={"context": context}))
    assert answered.status_code == 200, answered.text
    assert answered.json()["archon"]["calls"] == 3  # three samples, each with its own order of the options
    # Without the item's choices the technique cannot work: a 400 naming the field, not a 502.
    refused = post(base, ask("shuffler", question))
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["param"] == "archon.context" and "needs the item's choices" in error["message"]
    unknown = post(base, ask("shuffler", question, archon={"context": {"choises": ["4", "7"]}}))
    assert unknown.status_code == 400 and "choises" in unknown.text
