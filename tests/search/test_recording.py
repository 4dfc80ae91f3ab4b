"""Recordings: a search exported with every call and sandbox run replays exactly, or says why not."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from archon.errors import ReplayMiss
from archon.search import run_search, summarize
from archon.search.study.recording import ReplayMismatch, export_recording, replay_recording, restore_recording
from archon.search.study.rundir import RunDir
from tests.search.search_helpers import ZOO_MODELS, SearchFactory


def test_a_recording_replays_every_trial_and_the_final_table(recording: Path, tmp_path: Path) -> None:
    manifest = json.loads((recording / "manifest.json").read_text())
    assert manifest["evaluated_trials"] == 5 and manifest["responses"] > 0 and manifest["live_wall_s"] == 1.5
    for name in ("search.yaml", "responses.jsonl", "study.db", "final.json", "trials.jsonl", "magic.yaml"):
        assert (recording / name).exists(), name
    replayed = replay_recording(recording, tmp_path / "replay")
    recorded = json.loads((recording / "final.json").read_text())
    assert replayed.summary["final"]["comparison"] == recorded["comparison"]
    assert replayed.summary["final"]["best"]["score"] == recorded["best"]["score"]


def test_a_response_the_recording_lacks_stops_the_replay_with_a_clear_error(recording: Path, tmp_path: Path) -> None:
    lines = (recording / "responses.jsonl").read_text().splitlines()
    (recording / "responses.jsonl").write_text("\n".join(lines[1:]) + "\n")
    with pytest.raises(ReplayMiss, match="the recording has no model call: fake/"):
        replay_recording(recording, tmp_path / "replay")


def test_a_score_the_replay_does_not_reproduce_is_a_mismatch_naming_the_trial(recording: Path, tmp_path: Path
                                                                              ) -> None:
    lines = [json.loads(line) for line in (recording / "trials.jsonl").read_text().splitlines()]
    scored = next(line for line in lines if line["values"])
    scored["values"] = [scored["values"][0] - 0.125]
    (recording / "trials.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    final = json.loads((recording / "final.json").read_text())
    final["best"]["score"] = 0.5
    (recording / "final.json").write_text(json.dumps(final))
    with pytest.raises(ReplayMismatch) as info:
        replay_recording(recording, tmp_path / "replay")
    assert f"trial {scored['trial']} values: recorded" in str(info.value)
    assert "final best.score: recorded 0.5" in str(info.value)


def test_the_pruning_audit_replays_and_must_match(recording: Path, tmp_path: Path) -> None:
    summary = json.loads((recording / "summary.json").read_text())
    assert replay_recording(recording, tmp_path / "replay").summary["pruning"]["audit"] == summary["pruning"]["audit"]
    summary["pruning"]["audit"]["same_best"] = not summary["pruning"]["audit"]["same_best"]
    (recording / "summary.json").write_text(json.dumps(summary))
    with pytest.raises(ReplayMismatch, match="pruning audit: recorded"):
        replay_recording(recording, tmp_path / "again")


def test_a_sitting_stopped_inside_its_summary_replays_as_far_as_it_got(recording: Path, tmp_path: Path) -> None:
    """Ctrl-C in the audit (or the final evaluation): the audit's calls are partly missing, so the
    replay leaves it out, and the final table only where the recording has one."""
    manifest = json.loads((recording / "manifest.json").read_text())
    manifest["sittings"][-1]["summary_interrupted"] = True
    (recording / "manifest.json").write_text(json.dumps(manifest))
    replayed = replay_recording(recording, tmp_path / "replay")
    assert "audit" not in replayed.summary["pruning"]
    assert replayed.summary["final"]["comparison"] == json.loads((recording / "final.json").read_text())["comparison"]


def test_an_audit_cut_short_still_writes_the_report_with_its_held_out_table(
        make_search: SearchFactory, tmp_path: Path, zoo: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import archon.search.report.results as results

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt  # Ctrl-C hours into the audit

    path = make_search(models=ZOO_MODELS, space={"generators": {"count": [1, 2], "samples": [1, 3]}},
                       search={"n_trials": 3, "audit_pruning": True})
    outcome = run_search(path, run_dir=tmp_path / "live")
    monkeypatch.setattr(results, "audit_pruning", interrupted)
    with pytest.raises(KeyboardInterrupt):
        summarize(outcome, plots=False)
    summary = json.loads((outcome.run_dir / "summary.json").read_text())
    assert summary["final"]["comparison"]["n"] > 0 and summary["pruning"]["audit_interrupted"] is True
    report = (outcome.run_dir / "report.md").read_text()
    assert "## Held-out test" in report and "The pruning audit (every pruned architecture" in report


def test_a_sitting_that_skipped_the_audit_replays_without_one(recording: Path, tmp_path: Path) -> None:
    manifest = json.loads((recording / "manifest.json").read_text())
    manifest["sittings"][-1]["audit"] = False  # archon search --no-audit
    (recording / "manifest.json").write_text(json.dumps(manifest))
    replayed = replay_recording(recording, tmp_path / "replay")
    assert "audit" not in replayed.summary["pruning"] and replayed.summary["pruning"]["audit_skipped"] is True
    assert "was not run this time (`--no-audit`, or the replay" in (tmp_path / "replay" / "report.md").read_text()


def test_a_held_out_evaluation_cut_short_is_not_recorded_as_half_a_table(recording: Path, tmp_path: Path) -> None:
    live = tmp_path / "live"
    (live / "final.json").unlink()  # as if Ctrl-C came in the middle of the final evaluation
    export_recording(live, tmp_path / "cut")
    assert not (tmp_path / "cut" / "final").exists() and not (tmp_path / "cut" / "final.json").exists()
    assert json.loads((tmp_path / "cut" / "manifest.json").read_text())["final"] is False
    assert (recording / "final").is_dir()  # a finished one is


def test_restore_lets_a_search_continue_from_its_recording(recording: Path, tmp_path: Path, make_search: SearchFactory
                                                           ) -> None:
    restore_recording(recording, tmp_path / "again")
    path = tmp_path / "search.yaml"
    outcome = run_search(path, run_dir=tmp_path / "again")  # resumes the recorded study: nothing to run
    assert outcome.provider_calls == 0
    assert len(outcome.study.trials) == len((recording / "trials.jsonl").read_text().splitlines())


def test_restore_keeps_the_recorded_sittings_for_the_next_recording(recording: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "again"
    restore_recording(recording, run_dir)
    restore_recording(recording, run_dir)  # twice: each sitting still counted once
    RunDir(run_dir).add_sitting({"started": "2099-01-01T00:00:00+0000", "wall_s": 2.0, "evaluated_trials": 5})
    manifest = export_recording(run_dir, tmp_path / "grown")
    assert [s["wall_s"] for s in manifest["sittings"]] == [1.5, 2.0] and manifest["live_wall_s"] == 3.5


def test_the_committed_showcase_recording_replays_exactly(tmp_path: Path) -> None:
    from archon.search.study.recording import replay_recording

    recording = Path(__file__).parents[2] / "recordings" / "showcase-humaneval"
    if not (recording / "manifest.json").exists():
        pytest.skip("no showcase recording in this checkout")
    outcome = replay_recording(recording, tmp_path / "replay")  # raises on any call missing or score changed
    assert outcome.trials >= 36 and outcome.summary["final"]["comparison"]["n"] == 128  # the whole held-out table
    assert outcome.summary["pruning"]["audit"]["same_best"]  # and the pruning audit, every pruned trial settled


def test_the_manifest_names_the_search_file_relative_to_its_checkout(tmp_path: Path) -> None:
    from archon.search.study.recording import portable_path

    checkout = tmp_path / "worktree"
    (checkout / "configs" / "search").mkdir(parents=True)
    search_file = checkout / "configs" / "search" / "s.yaml"
    search_file.write_text("name: s\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(checkout)], check=True)
    assert portable_path(str(search_file)) == "configs/search/s.yaml"  # not the machine's absolute path
    outside = tmp_path / "loose.yaml"
    outside.write_text("name: s\n", encoding="utf-8")
    assert portable_path(str(outside)) == str(outside)  # outside a checkout it stays as given
    assert portable_path(None) is None


def test_a_trial_interrupted_live_and_run_again_replays(make_search: SearchFactory, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch, zoo: list[str]) -> None:
    import archon.search.trial.objective as objective

    path = make_search(models=ZOO_MODELS, space={"generators": {"count": [1, 2], "samples": [1, 3]}},
                       search={"n_trials": 5, "startup_trials": 2, "warm_start": []})
    real = objective.evaluate_dev

    async def interrupted_once(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(objective, "evaluate_dev", real)
        raise KeyboardInterrupt  # Ctrl-C (or a machine lost) in the middle of the second trial

    run_search(path, run_dir=tmp_path / "live", n_trials=1)
    monkeypatch.setattr(objective, "evaluate_dev", interrupted_once)
    with pytest.raises(KeyboardInterrupt):
        run_search(path, run_dir=tmp_path / "live")
    outcome = run_search(path, run_dir=tmp_path / "live")  # the next sitting runs it again, as the next trial
    retried = [line for line in map(json.loads, (outcome.run_dir / "trials.jsonl").read_text().splitlines())
               if line.get("retry_of") is not None]
    assert len(retried) == 1 and retried[0]["trial"] == retried[0]["retry_of"] + 1
    summarize(outcome)
    export_recording(outcome.run_dir, tmp_path / "recording")
    replayed = replay_recording(tmp_path / "recording", tmp_path / "replay")  # a mismatch raises
    assert replayed.trials == len(outcome.study.trials)


def test_a_rescore_runs_the_executions_the_recording_lacks_and_keeps_only_those_used(tmp_path: Path) -> None:
    import shutil

    source = Path(__file__).parents[2] / "recordings" / "showcase-humaneval"
    if not (source / "manifest.json").exists():
        pytest.skip("no showcase recording in this checkout")
    recording = tmp_path / "recording"
    shutil.copytree(source, recording)
    lines = [json.loads(line) for line in (recording / "executions.jsonl").read_text().splitlines()]
    judged = [line for line in lines if line["result"].get("completed")]  # runs of the code scorer's judge
    dropped = {line["key"] for line in judged[:5]}
    stale = {"key": "0" * 64, "result": {**judged[0]["result"], "stdout": "a run no replay asks for"}}
    kept = [line for line in lines if line["key"] not in dropped] + [stale]
    (recording / "executions.jsonl").write_text("".join(json.dumps(line) + "\n" for line in kept))

    replay_recording(recording, tmp_path / "replay", rescore=True)  # raises if any number moved

    after = {json.loads(line)["key"]: json.loads(line)["result"]
             for line in (recording / "executions.jsonl").read_text().splitlines()}
    # The dropped ones are back and the stale one is gone. (A baseline the recording cannot finish, a
    # preset added after it was made, may leave a run or two of its first items: those are kept too.)
    assert {line["key"] for line in lines} <= set(after) and stale["key"] not in after
    assert all(after[key]["completed"] is True and after[key]["returncode"] == 0 for key in dropped)
    assert json.loads((recording / "manifest.json").read_text())["executions"] == len(after)
