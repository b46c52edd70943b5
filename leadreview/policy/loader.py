"""Find and load policy files by name or path, keeping the digest of their exact bytes."""

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from leadreview.domain.policy import LoadedPolicy, Policy
from leadreview.errors import InputFileError
from leadreview.io.yamlfile import parse_model, read_bytes
from leadreview.paths import bundled_policies_dir

POLICY_SUFFIXES = (".yaml", ".yml")


def load_policy_file(path: Path) -> LoadedPolicy:
    data = read_bytes(path, "policy")
    policy = parse_model(data, path, Policy, "policy")
    return LoadedPolicy(policy=policy, path=str(path), sha256=hashlib.sha256(data).hexdigest())


def bundled_policy_paths(directory: Path | None = None) -> list[Path]:
    folder = directory or bundled_policies_dir()
    return sorted(p for p in folder.iterdir() if p.suffix in POLICY_SUFFIXES)


def resolve_policy(ref: str, search_dirs: Sequence[Path] = ()) -> Path:
    """A policy given as a path to a file, or as the name of a file in a policy directory."""
    as_path = Path(ref)
    if as_path.suffix in POLICY_SUFFIXES or "/" in ref:
        return as_path
    for folder in (*search_dirs, bundled_policies_dir()):
        for suffix in POLICY_SUFFIXES:
            candidate = folder / f"{ref}{suffix}"
            if candidate.is_file():
                return candidate
    known = ", ".join(p.stem for p in bundled_policy_paths())
    raise InputFileError(f"policy {ref!r}: no such policy file or name (bundled: {known})")


def load_policies(refs: Iterable[str], search_dirs: Sequence[Path] = ()) -> list[LoadedPolicy]:
    loaded = [load_policy_file(resolve_policy(ref, search_dirs)) for ref in refs]
    seen: dict[str, str] = {}
    for item in loaded:
        if item.name in seen and seen[item.name] != item.sha256:
            raise InputFileError(
                f"{item.path}: policy name {item.name!r} is already used by {seen[item.name]}"
            )
        seen.setdefault(item.name, item.path)
    # The same file named twice is one policy, not two columns.
    unique: dict[str, LoadedPolicy] = {}
    for item in loaded:
        unique.setdefault(item.name, item)
    return list(unique.values())


def load_bundled_policies() -> list[LoadedPolicy]:
    return [load_policy_file(p) for p in bundled_policy_paths()]
