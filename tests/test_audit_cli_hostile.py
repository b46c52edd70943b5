"""Issue 12's findings on main, tried as a hostile operator would: each ends in ONE line
`leadreview: error: …` (or one verdict line) and the right exit status, never a traceback."""

import json
from pathlib import Path

import pytest

from leadreview.cli.app import main
from leadreview.store import open_store
from tests.audit_support import append_events


@pytest.fixture
def env(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LEADREVIEW_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("LEADREVIEW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LEADREVIEW_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("LEADREVIEW_SIGNING_KEY_PATH", str(tmp_path / "key" / "signing.key"))
    store = open_store(url=sqlite_url)
    append_events(store, 6)
    store.dispose()
    return tmp_path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def one_error_line(err: str, *words: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("leadreview: error: "), err
    for word in words:
        assert word in lines[0], err


def _checkpoint_folder(env: Path) -> Path:
    (folder,) = (env / "data" / "checkpoints").iterdir()
    return folder


@pytest.mark.parametrize(
    "content", [b"", b"garbage\n", b"\xff\xfe\x00checkpoint", "directory"], ids=str
)
@pytest.mark.parametrize("command", [["audit", "checkpoint"], ["audit", "export", "-o", "out"]])
def test_a_bad_file_among_the_checkpoint_copies_is_one_line(
    env: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes | str,
    command: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(env)
    assert run(["audit", "checkpoint"], capsys)[0] == 0
    bad = _checkpoint_folder(env) / "checkpoint-000000000003.txt"
    if content == "directory":
        bad.mkdir()
    else:
        bad.write_bytes(content)  # type: ignore[arg-type]
    code, _, err = run(command, capsys)
    assert code == 1
    one_error_line(err, "checkpoint-000000000003.txt")


@pytest.mark.parametrize(
    "command", [["audit", "key"], ["audit", "checkpoint"], ["audit", "verify"]]
)
def test_a_non_utf8_signing_key_is_one_line(
    env: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    key = env / "key" / "signing.key"
    key.parent.mkdir()
    key.write_bytes(b"PRIVATE+KEY+\xff\xfe\n")
    key.chmod(0o600)
    code, _, err = run(command, capsys)
    assert code == 2
    one_error_line(err, "signing.key", "UTF-8")


def test_a_non_utf8_public_key_file_is_one_line(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pub = env / "pub.txt"
    pub.write_bytes(b"\xff\xfe")
    code, _, err = run(["audit", "verify", "--from", str(env), "--key", str(pub)], capsys)
    assert code == 2
    one_error_line(err, "UTF-8")


@pytest.mark.parametrize("origin", ["", "   ", "a\nb", "tab\there"])
@pytest.mark.parametrize("command", [["audit", "key"], ["audit", "checkpoint"]])
def test_an_empty_or_multiline_origin_is_one_line(
    env: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    origin: str,
    command: list[str],
) -> None:
    monkeypatch.setenv("LEADREVIEW_LOG_ORIGIN", origin)
    code, _, err = run(command, capsys)
    assert code == 2
    one_error_line(err, "log origin")


def test_deleting_the_key_after_signing_is_an_error_not_a_new_key(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["audit", "checkpoint"], capsys)[0] == 0
    (env / "key" / "signing.key").unlink()
    for command in (["audit", "checkpoint"], ["audit", "key"]):
        code, _, err = run(command, capsys)
        assert code == 2
        one_error_line(err, "is missing, but it has signed checkpoints")
    assert not (env / "key" / "signing.key").exists()


def _export(env: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, str]:
    out = env / "export"
    assert run(["audit", "export", "-o", str(out)], capsys)[0] == 0
    code, key, _ = run(["audit", "key"], capsys)
    assert code == 0
    return out, key.strip()


def test_a_200000_deep_json_line_is_one_verdict_not_a_recursion_error(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, key = _export(env, capsys)
    events = out / "events.jsonl"
    lines = events.read_text().splitlines(keepends=True)
    lines[2] = "[" * 200_000 + "]" * 200_000 + "\n"
    events.write_text("".join(lines))
    code, stdout, err = run(["audit", "verify", "--from", str(out), "--key", key], capsys)
    assert code == 1 and not err
    assert stdout.startswith("FAILED") and "first bad sequence number: 3" in stdout


def test_one_trailing_newline_in_events_jsonl_still_verifies(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, key = _export(env, capsys)
    with (out / "events.jsonl").open("a") as handle:
        handle.write("\n")
    code, stdout, _ = run(["audit", "verify", "--from", str(out), "--key", key], capsys)
    assert code == 0, stdout
    # A blank line with records after it is still a break.
    events = out / "events.jsonl"
    lines = events.read_text().splitlines(keepends=True)
    events.write_text("".join([*lines[:2], "\n", *lines[2:]]))
    code, stdout, _ = run(["audit", "verify", "--from", str(out), "--key", key], capsys)
    assert code == 1


def test_prove_and_verify_a_proof_offline(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, old_cp, _ = run(["audit", "checkpoint"], capsys)
    assert code == 0
    (env / "old.txt").write_text(old_cp)
    store = open_store(url=f"sqlite:///{env / 'data' / 'x.db'}")  # unrelated, ignored
    store.dispose()
    code, key, _ = run(["audit", "key"], capsys)
    key = key.strip()
    code, proof, _ = run(["audit", "prove", "inclusion", "4"], capsys)
    assert code == 0 and proof.startswith("leadreview-proof inclusion\n")
    (env / "inclusion.txt").write_text(proof)
    code, stdout, _ = run(
        [
            "audit",
            "verify",
            "--proof",
            str(env / "inclusion.txt"),
            "--checkpoint",
            str(env / "old.txt"),
            "--key",
            key,
        ],
        capsys,
    )
    assert code == 0 and stdout.startswith("ok: event 4 is in"), stdout
    # The entry is the envelope: the decision itself, checkable without the rest.
    entry_line = proof.splitlines()[4]
    assert entry_line.startswith("entry ")
    # A forged entry fails.
    import base64

    entry = json.loads(base64.b64decode(entry_line[6:]))
    entry["actor"] = "mallory"
    forged = proof.replace(
        entry_line,
        "entry " + base64.b64encode(json.dumps(entry, separators=(",", ":")).encode()).decode(),
    )
    (env / "forged.txt").write_text(forged)
    code, _, err = run(
        [
            "audit",
            "verify",
            "--proof",
            str(env / "forged.txt"),
            "--checkpoint",
            str(env / "old.txt"),
            "--key",
            key,
        ],
        capsys,
    )
    assert code == 1
    one_error_line(err, "forged.txt")
    # Consistency between two checkpoints.
    store = open_store(url=str(__import__("os").environ["LEADREVIEW_DATABASE_URL"]))
    append_events(store, 5)
    store.dispose()
    code, new_cp, _ = run(["audit", "checkpoint"], capsys)
    (env / "new.txt").write_text(new_cp)
    code, proof, _ = run(["audit", "prove", "consistency", "6", "11"], capsys)
    (env / "consistency.txt").write_text(proof)
    code, stdout, _ = run(
        [
            "audit",
            "verify",
            "--proof",
            str(env / "consistency.txt"),
            "--checkpoint",
            str(env / "old.txt"),
            "--checkpoint",
            str(env / "new.txt"),
            "--key",
            key,
        ],
        capsys,
    )
    assert code == 0 and "at size 11 extends size 6" in stdout, stdout
    code, _, err = run(["audit", "prove", "inclusion", "99"], capsys)
    assert code == 1
    one_error_line(err, "99")
