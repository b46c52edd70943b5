"""The SQLite database, its WAL and SHM files and its folder are readable by the owner
only: another local user must not read ground truth or decisions from the file."""

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _cli(tmp_path: Path, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADREVIEW_")}
    env |= {
        "LEADREVIEW_CONFIG": str(tmp_path / "absent.toml"),
        "LEADREVIEW_DATA_DIR": str(data_dir),
        "LEADREVIEW_SIGNING_KEY_PATH": str(tmp_path / "key" / "signing.key"),
    }

    def permissive_umask() -> None:  # the common default, which made 0644 files
        os.umask(0o022)

    return subprocess.run(
        [sys.executable, "-m", "leadreview", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=permissive_umask,
    )


def test_a_new_database_and_its_folders_are_owner_only(tmp_path: Path) -> None:
    data_dir = tmp_path / "deep" / "data"
    result = _cli(tmp_path, data_dir, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    database = data_dir / "leadreview.db"
    assert _mode(database) == 0o600
    assert _mode(data_dir) == 0o700
    assert _mode(tmp_path / "deep") == 0o700
    # While a connection is open, SQLite keeps -wal and -shm: they take the file's mode.
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("SELECT count(*) FROM audit_event").fetchone()
        assert _mode(Path(f"{database}-wal")) == 0o600
        assert _mode(Path(f"{database}-shm")) == 0o600
    connection.close()


def test_an_existing_world_readable_database_is_narrowed(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert _cli(tmp_path, data_dir, "db", "upgrade").returncode == 0
    database = data_dir / "leadreview.db"
    database.chmod(0o644)  # as main created it before this fix
    result = _cli(tmp_path, data_dir, "audit", "verify")
    assert result.returncode == 0, result.stderr
    assert _mode(database) == 0o600
