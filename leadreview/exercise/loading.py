"""Find, read and check exercise scenario files, and the policies they name.

A problem ends in one line naming the file, the line and the field, whether pydantic
finds it (a wrong type) or a later check does (an unknown policy, a rank band that no
probe can reach).
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from leadreview.domain.policy import LoadedPolicy
from leadreview.errors import InputFileError
from leadreview.exercise.scenario import ExerciseScenario
from leadreview.io.named_files import resolve_named, shipped_files
from leadreview.io.yamlfile import _line_of, parse_model, read_bytes
from leadreview.paths import fixtures_dir
from leadreview.policy.loader import load_policy_file, resolve_policy

SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class LoadedExercise:
    scenario: ExerciseScenario
    path: Path
    data: bytes  # the file's exact bytes: stored with the exercise and exported with it
    sha256: str
    policies: tuple[LoadedPolicy, ...]  # in force first, then the shadowed ones
    policy_paths: tuple[Path, ...]


def bundled_exercises_dir() -> Path:
    return fixtures_dir() / "scenarios" / "exercises"


def bundled_exercise_paths() -> list[Path]:
    return shipped_files(bundled_exercises_dir(), SUFFIXES)


def resolve_exercise(ref: str | Path) -> Path:
    """A scenario given as a path, or as the name of a bundled exercise."""
    return resolve_named(ref, bundled_exercises_dir(), SUFFIXES, "exercise scenario")


def field_error(
    path: Path, data: bytes, loc: tuple[int | str, ...], message: str
) -> InputFileError:
    """The one-line error for a field found wrong after pydantic accepted the file."""
    try:
        root = yaml.compose(data.decode("utf-8"), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, UnicodeDecodeError):
        root = None
    line = _line_of(root, loc)
    where = f" line {line}:" if line is not None else ""
    name = ".".join(str(p) for p in loc)
    return InputFileError(f"{path}:{where} field {name!r}: {message}")


def parse_exercise(data: bytes, path: Path) -> LoadedExercise:
    scenario = parse_model(data, path, ExerciseScenario, "exercise scenario")
    problem = _cross_check(scenario)
    if problem is not None:
        raise field_error(path, data, *problem)
    policies, paths = _policies(scenario, path, data)
    return LoadedExercise(
        scenario=scenario,
        path=path,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        policies=tuple(policies),
        policy_paths=tuple(paths),
    )


def load_exercise(ref: str | Path) -> LoadedExercise:
    path = resolve_exercise(ref)
    return parse_exercise(read_bytes(path, "exercise scenario"), path)


def _policies(
    scenario: ExerciseScenario, path: Path, data: bytes
) -> tuple[list[LoadedPolicy], list[Path]]:
    folder = path.resolve().parent
    extra: dict[str, tuple[LoadedPolicy, Path]] = {}
    for index, name in enumerate(scenario.policy_files):
        file = folder / name
        if not file.is_file():
            raise field_error(path, data, ("policy_files", index), f"no such file {file}")
        loaded = load_policy_file(file)
        extra[loaded.name] = (loaded, file)
    policies: list[LoadedPolicy] = []
    paths: list[Path] = []
    fields = [("policy_in_force",)] + [("shadow_policies", i) for i in range(99)]
    for loc, name in zip(fields, scenario.policy_names, strict=False):
        if name in extra:
            loaded, file = extra[name]
        else:
            try:
                file = resolve_policy(name)
            except InputFileError as exc:
                raise field_error(path, data, loc, exc.message) from None
            loaded = load_policy_file(file)
        policies.append(loaded)
        paths.append(file)
    in_force = policies[0].policy
    for index, case in enumerate(scenario.cases):
        if case.use_case not in in_force.allowed_use_cases:
            raise field_error(
                path,
                data,
                ("cases", index, "use_case"),
                f"{case.use_case.value!r} is not allowed by the policy in force {in_force.name!r}",
            )
    return policies, paths


Problem = tuple[tuple[int | str, ...], str]


def _cross_check(scenario: ExerciseScenario) -> Problem | None:
    """What no single field can check: unique ids, and names that must refer to something."""
    for what, keys in (
        ("cases", [c.id for c in scenario.cases]),
        ("injects", [i.id for i in scenario.injects]),
        ("roles", [r.role.value for r in scenario.roles]),
    ):
        for index, key in enumerate(keys):
            if key in keys[:index]:
                return (what, index), f"{key!r} appears twice"
    known = {c.id for c in scenario.cases}
    for index, inject in enumerate(scenario.injects):
        unknown = [c for c in inject.cases if c not in known]
        if unknown:
            return ("injects", index, "cases"), f"unknown case(s) {', '.join(unknown)}"
        condition = inject.condition
        if condition is not None and condition.case not in known:
            return ("injects", index, "release", "case"), f"unknown case {condition.case!r}"
    if scenario.policy_in_force in scenario.shadow_policies:
        where = scenario.shadow_policies.index(scenario.policy_in_force)
        return ("shadow_policies", where), "the policy in force is not shadowed as well"
    for index, case in enumerate(scenario.cases):
        group = case.subject.group
        if group is not None and group not in scenario.world.group_mix:
            return ("cases", index, "subject", "group"), f"{group!r} is not in world.group_mix"
    return None
