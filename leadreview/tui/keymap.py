"""The user's keymap: binding id → keys, applied with `App.set_keymap`.

Read from the `[keymap]` table of the config file, then from a keymap file (the
`$LEADREVIEW_KEYMAP_FILE` file, else `keymap.toml` in the config directory), the file winning.
Keys are comma-separated Textual key names, e.g. `"lead.next" = "n,down"`. An unknown
binding id is an error naming the file and the id, so a typo does not pass silently.
"""

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from leadreview.errors import ConfigurationError, LeadreviewError
from leadreview.settings import config_file_path, user_config_dir


def keymap_file_path() -> Path:
    override = os.environ.get("LEADREVIEW_KEYMAP_FILE")
    return Path(override) if override else user_config_dir() / "keymap.toml"


def _read_table(path: Path, *, table_only: bool) -> dict[str, str]:
    from leadreview.io.limits import parse_toml, read_limited

    if not path.is_file():
        return {}
    try:
        data = parse_toml(read_limited(path, "keymap"), f"{path}: keymap")
    except LeadreviewError as exc:
        raise ConfigurationError(exc.message) from None
    table = data.get("keymap", {} if table_only else data)
    if not isinstance(table, dict):
        raise ConfigurationError(f"{path}: [keymap] must be a table of binding id = keys")
    keymap: dict[str, str] = {}
    for binding_id, keys in table.items():
        if not isinstance(keys, str) or not keys.strip():
            raise ConfigurationError(
                f"{path}: keymap entry {binding_id!r} must be a non-empty string of keys"
            )
        keymap[binding_id] = keys
    return keymap


def load_keymap(
    known_ids: Iterable[str],
    config_path: Path | None = None,
    keymap_path: Path | None = None,
) -> dict[str, str]:
    """The merged keymap, every id checked against `known_ids`."""
    known = set(known_ids)
    merged: dict[str, str] = {}
    for path, table_only in (
        (config_path or config_file_path(), True),
        (keymap_path or keymap_file_path(), False),
    ):
        entries = _read_table(path, table_only=table_only)
        check_keymap(entries, known, str(path))
        merged.update(entries)
    return merged


def check_keymap(keymap: Mapping[str, str], known: set[str], where: str) -> None:
    unknown = sorted(set(keymap) - known)
    if unknown:
        raise ConfigurationError(
            f"{where}: unknown binding id {unknown[0]!r} in keymap "
            f"(known: {', '.join(sorted(known))})"
        )
