"""Create or resume the optuna study of a search, refusing one made for another search.

A study records a fingerprint of everything that gives its trials their meaning
(benchmark and dev split, models, space, budget, objectives), section by section.
Resuming with the same definition continues it; a study of the same name made with
a different definition is an error that names the sections that differ, because
mixing their trials would compare architectures scored under different rules.
Run settings (sampler, n_trials, workers...) may change between runs.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from typing import Any

import optuna

from archon.errors import ConfigError
from archon.search.define.spec import SearchSpec, search_spec_model, technique_space_fields
from archon.search.trial.attributes import SECTIONS_ATTR, SPEC_ATTR, STUDY_FINGERPRINT_ATTR


def section_fingerprints(spec: SearchSpec, benchmark_fingerprint: str) -> dict[str, str]:
    bench = spec.benchmark.model_dump(exclude={"test_limit", "baseline_limit"})  # the held-out side only
    sections: dict[str, Any] = {
        "benchmark": {**bench, "data": benchmark_fingerprint},
        "models": {a: c.model_dump() for a, c in spec.aliases().items()},
        "space": space_identity(spec),
        "budget": spec.budget.model_dump(),
        "objectives": spec.objectives,
    }
    return {name: _hash(value) for name, value in sections.items()}


#: Generator knobs added after studies were first recorded. Their defaults change no architecture,
#: so at their default they are left out of the fingerprint: a study recorded before them resumes.
ADDED_GENERATOR_KNOBS = ("shuffle_choices", "route", "route_min_items")


def space_identity(spec: SearchSpec) -> dict[str, Any]:
    """The space as fingerprinted: every knob, except added ones still at their defaults (the
    techniques say which of their knobs those are: ``SpaceField.fingerprinted_at_default``)."""
    space = spec.space
    data = space.model_dump()
    defaults = type(space)().model_dump()
    added = [(data["generators"], defaults["generators"], name) for name in ADDED_GENERATOR_KNOBS]
    added += [(data, defaults, name) for name, field in technique_space_fields().items()
              if not field.fingerprinted_at_default]
    for mine, theirs, name in added:
        if mine.get(name) == theirs.get(name):
            mine.pop(name, None)
    return data


def open_study(
    spec: SearchSpec,
    storage: optuna.storages.BaseStorage,
    study_name: str,
    benchmark_fingerprint: str,
    sampler: optuna.samplers.BaseSampler,
    pruner: optuna.pruners.BasePruner,
) -> tuple[optuna.Study, bool]:
    """(study, created): the existing study if its definition matches, else a new one."""
    sections = section_fingerprints(spec, benchmark_fingerprint)
    fingerprint = _hash(sections)
    check_compatible(storage, study_name, sections, fingerprint)
    created = _study_id(storage, study_name) is None
    study = optuna.create_study(storage=storage, study_name=study_name, sampler=sampler, pruner=pruner,
                                directions=spec.directions, load_if_exists=True)
    if STUDY_FINGERPRINT_ATTR not in study.user_attrs:
        study.set_user_attr(SECTIONS_ATTR, sections)
        study.set_user_attr(SPEC_ATTR, spec.model_dump(mode="json"))
        study.set_user_attr(STUDY_FINGERPRINT_ATTR, fingerprint)
    if study.metric_names is None:  # optuna-dashboard's axis titles ("dev score", not "Objective 0")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            study.set_metric_names([f"dev {name} (per query)" if name != "score" else "dev score"
                                    for name in spec.objectives])
    return study, created


def check_compatible(storage: optuna.storages.BaseStorage, study_name: str, sections: dict[str, str],
                     fingerprint: str) -> None:
    study_id = _study_id(storage, study_name)
    if study_id is None:
        return
    attrs = storage.get_study_user_attrs(study_id)
    theirs = attrs.get(STUDY_FINGERPRINT_ATTR)
    if theirs is None:
        if storage.get_all_trials(study_id, deepcopy=False):
            raise ConfigError("--study", "", f"study {study_name!r} already exists in this storage and was not "
                              "made by archon search; choose another --study name")
        return  # created by a process that died before recording its definition
    if theirs != fingerprint:
        old = attrs.get(SECTIONS_ATTR) or {}
        changed = [name for name, value in sections.items() if old.get(name) != value]
        raise ConfigError(
            "--study", "",
            f"study {study_name!r} exists with a different search definition (changed: "
            f"{', '.join(changed) or 'unknown'}); its trials were scored under other rules. Use another "
            "--study name or --run-dir, or restore the original definition to resume it",
        )


def load_study(storage: optuna.storages.BaseStorage, study_name: str) -> optuna.Study:
    if _study_id(storage, study_name) is None:
        names = [s.study_name for s in optuna.get_all_study_summaries(storage, include_best_trial=False)]
        from archon.errors import UnknownNameError

        raise UnknownNameError("study", study_name, names)
    return optuna.load_study(study_name=study_name, storage=storage)


def stored_spec(study: optuna.Study) -> SearchSpec:
    data = study.user_attrs.get(SPEC_ATTR)
    if not data:
        raise ConfigError("--study", "", f"study {study.study_name!r} was not made by archon search")
    return search_spec_model().model_validate(data)


def _study_id(storage: optuna.storages.BaseStorage, name: str) -> int | None:
    try:
        return storage.get_study_id_from_name(name)
    except KeyError:
        return None


def _hash(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]
