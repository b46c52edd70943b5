"""P6, P11: an independent implementation reads our log. Go's golang.org/x/mod/sumdb/note
opens our checkpoints, sumdb/tlog recomputes our tree hash from our tlog-tiles export,
checks our inclusion and consistency proofs, and produces the same proofs from the tiles.

Needs Debian's golang-go and golang-golang-x-mod-dev (the Makefile installs them as it
installs chromium); never skipped — without them this test fails.
"""

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadreview.cli.app import main
from leadreview.store import open_store
from tests.audit_support import append_events

GOCODE = Path("/usr/share/gocode")
SOURCE = Path(__file__).parent / "interop" / "leadreview_verify.go"


@pytest.fixture(scope="module")
def go_verifier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    go = shutil.which("go")
    assert go is not None, "Go is not installed: apt-get install golang-go (see Makefile)"
    assert (GOCODE / "src/golang.org/x/mod/sumdb/tlog").is_dir(), (
        "golang.org/x/mod is not installed: apt-get install golang-golang-x-mod-dev"
    )
    work = tmp_path_factory.mktemp("go")
    binary = work / "leadreview_verify"
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": f"{work}:{GOCODE}",
        "GOCACHE": str(work / "cache"),
        "GOFLAGS": "",
    }
    subprocess.run(
        [go, "build", "-o", str(binary), str(SOURCE)], check=True, env=env, cwd=work, timeout=300
    )
    return binary


@pytest.fixture
def env(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("LEADREVIEW_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("LEADREVIEW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LEADREVIEW_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("LEADREVIEW_SIGNING_KEY_PATH", str(tmp_path / "key" / "signing.key"))
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    try:
        main(args)
    except SystemExit as exc:
        assert not exc.code, capsys.readouterr().err
    return capsys.readouterr().out


def go(binary: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(binary), *map(str, args)], check=False, capture_output=True, text=True, timeout=60
    )


def test_go_reads_our_checkpoints_tiles_and_proofs(
    go_verifier: Path, env: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store = open_store(url=sqlite_url)
    append_events(store, 300, batch=50)
    store.dispose()
    (env / "old.txt").write_text(cli(["audit", "checkpoint"], capsys))
    store = open_store(url=sqlite_url)
    append_events(store, 300 + 2 * 256 - 43, batch=97)  # 1069: full and partial tiles
    store.dispose()
    key = cli(["audit", "key"], capsys).strip()
    cli(["audit", "export", "--format", "tiles", "-o", str(env / "tiles")], capsys)
    assert (env / "tiles" / "tile" / "0" / "000").is_file()
    assert (env / "tiles" / "tile" / "1" / "000.p" / "4").is_file()
    assert (env / "tiles" / "tile" / "entries" / "004.p" / str(1069 % 256)).is_file()

    result = go(go_verifier, "tiles", key, env / "tiles")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok ") and " 1069 " in result.stdout

    new = env / "tiles" / "checkpoint"
    for seq in (1, 256, 257, 700, 1069):
        (env / "inclusion.txt").write_text(cli(["audit", "prove", "inclusion", str(seq)], capsys))
        result = go(go_verifier, "inclusion", key, new, env / "inclusion.txt", env / "tiles")
        assert result.returncode == 0, (seq, result.stderr)

    (env / "consistency.txt").write_text(
        cli(["audit", "prove", "consistency", "300", "1069"], capsys)
    )
    result = go(
        go_verifier,
        "consistency",
        key,
        env / "old.txt",
        new,
        env / "consistency.txt",
        env / "tiles",
    )
    assert result.returncode == 0, result.stderr

    # And Go refuses what it should: a tampered hash tile, a wrong signature.
    tile = env / "tiles" / "tile" / "1" / "000.p" / "4"  # read for any tree hash
    data = bytearray(tile.read_bytes())
    data[5] ^= 1
    tile.write_bytes(bytes(data))
    assert go(go_verifier, "tiles", key, env / "tiles").returncode == 1
    report = cli_fail(["audit", "verify", "--from", str(env / "tiles"), "--key", key], capsys)
    assert "tile/1/000.p/4" in report
    other_key = "other+00000000+" + "A" * 44
    assert go(go_verifier, "tiles", other_key, env / "tiles").returncode == 1


def cli_fail(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 1
    return capsys.readouterr().out


def test_our_tiles_verify_offline_and_name_a_changed_entry(
    env: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store = open_store(url=sqlite_url)
    append_events(store, 40, batch=40)
    store.dispose()
    key = cli(["audit", "key"], capsys).strip()
    cli(["audit", "export", "--format", "tiles", "-o", str(env / "tiles")], capsys)
    out = cli(["audit", "verify", "--from", str(env / "tiles"), "--key", key], capsys)
    assert out.startswith("ok: ") and "40 events" in out
    bundle = env / "tiles" / "tile" / "entries" / "000.p" / "40"
    bundle.write_bytes(bundle.read_bytes().replace(b'"lead":7,', b'"lead":8,'))
    out = cli_fail(["audit", "verify", "--from", str(env / "tiles"), "--key", key], capsys)
    assert "first bad sequence number: 7" in out
