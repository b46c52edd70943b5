"""The fixed hostile examples: every case in issue 13, and what the harness found since.

Each runs through the real entry point (in-process, as the harness does; a real process
where the point is the process: no terminal, a memory limit) and must end in one line
naming the thing at fault, with the documented exit code, and leave the log verifying.
"""

import json
import os
import resource
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.fuzz.conftest import Workspace, make_workspace
from tests.fuzz.harness import assert_refused, assert_well_behaved, run_main
from tests.fuzz.images import (
    declared_size_png,
    huge_dim_descriptor,
    probe_dims,
    with_descriptor_text,
    with_embedding,
)

HUGE = str(10**20)
POLICY_HEAD = "name: hostile\ntitle: t\nsources: [s]\nallowed_use_cases: [investigation]\n"


def deep(opening: str, closing: str, depth: int = 20_000) -> str:
    return opening * depth + closing * depth


# --- structure ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "text", "needle"),
    [
        (["policy", "validate"], "a: " + deep("[", "]") + "\n", "nested more than 64"),
        (["policy", "validate"], POLICY_HEAD + "x: " + deep("{a: ", "}"), "nested more than 64"),
        (["policy", "validate"], POLICY_HEAD + "min_similarity: " + "9" * 5001, "5001 digits"),
        (["scenario", "validate", "--quick"], "a: " + deep("[", "]"), "nested more than 64"),
        (["replay"], deep("- ", "", 5000) + "x\n", "nested more than 64"),
        (["replay"], "seed: " + "1" * 5001 + "\n", "5001 digits"),
    ],
    ids=["policy-flow", "policy-mapping", "policy-int", "exercise", "batch-block", "batch-int"],
)
def test_deep_or_huge_yaml_is_one_line(
    workspace: Workspace, command: list[str], text: str, needle: str
) -> None:
    path = workspace.file("hostile.yaml", text)
    assert_refused(run_main([*command, str(path)], workspace.env), str(path), needle)


def test_a_yaml_alias_bomb_is_refused(workspace: Workspace) -> None:
    lines = ['a0: ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for level in range(1, 9):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines[0] = lines[0].replace("a0: ", "a0: &a0 ")
    path = workspace.file("laughs.yaml", POLICY_HEAD + "\n".join(lines) + "\n")
    assert_refused(run_main(["policy", "validate", str(path)], workspace.env), "aliases")


def test_a_policy_file_that_is_a_fifo_or_a_device_is_refused(workspace: Workspace) -> None:
    fifo = workspace.root / "policy-fifo.yaml"
    os.mkfifo(fifo)
    for path in (str(fifo), "/dev/zero"):
        assert_refused(run_main(["policy", "validate", path], workspace.env), path, "regular")


def test_a_huge_policy_file_is_refused_unread(workspace: Workspace) -> None:
    path = workspace.file("big.yaml", POLICY_HEAD + "# " + "x" * (3 * 1024 * 1024) + "\n")
    assert_refused(run_main(["policy", "validate", str(path)], workspace.env), "at most")


@pytest.mark.parametrize(
    ("config", "needle"),
    [
        ("a = " + deep("[", "]") + "\n", "nested more than 64"),
        ("a = " + "{b = " * 100 + "1" + "}" * 100 + "\n", "nested more than 64"),
        ("backend = 'simulated'\n[aws]\nmax_attempts = " + "9" * 5001 + "\n", "digits"),
        ("\xff\xfe = 1\n", "config"),
    ],
    ids=["deep-array", "deep-table", "huge-int", "not-utf8"],
)
def test_hostile_config_is_one_line(workspace: Workspace, config: str, needle: str) -> None:
    path = workspace.root / "hostile-config.toml"
    path.write_bytes(config.encode("latin-1"))
    env = {**workspace.env, "LEADREVIEW_CONFIG": str(path)}
    assert_refused(run_main(["case", "list"], env), needle)


def test_a_config_path_that_is_a_directory_is_refused(workspace: Workspace) -> None:
    env = {**workspace.env, "LEADREVIEW_CONFIG": str(workspace.root)}
    assert_refused(run_main(["case", "list"], env), str(workspace.root), "directory")


# --- images and descriptors ---------------------------------------------------------------


def _search_failures(workspace: Workspace) -> list[dict[str, object]]:
    outcome = run_main(
        ["audit", "show", "--type", "search.failed", "--json", "--limit", "1000"], workspace.env
    )
    assert outcome.code == 0, outcome.describe()
    return [json.loads(line) for line in outcome.stdout.splitlines() if line.strip()]


def _open(workspace: Workspace, image: Path | str) -> list[str]:
    return [
        "case", "open", "--image", str(image), "--offense", "theft",
        "--scenario", str(workspace.scenario),
    ]  # fmt: skip


def test_a_decompression_bomb_is_one_line_and_a_failed_search(workspace: Workspace) -> None:
    before = len(_search_failures(workspace))
    bomb = workspace.file("bomb.png", declared_size_png(20_000, 20_000))
    line = assert_refused(run_main(_open(workspace, bomb), workspace.env), "ImageTooLarge")
    assert "bomb.png" in line
    failures = _search_failures(workspace)
    assert len(failures) == before + 1
    assert "ImageTooLarge" in json.dumps(failures[-1])
    workspace.verify_log()


@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
def test_a_device_or_fifo_as_the_image_is_refused(workspace: Workspace, special: str) -> None:
    path = special
    if special == "fifo":
        path = str(workspace.root / "image-fifo.png")
        if not os.path.exists(path):
            os.mkfifo(path)
    assert_refused(run_main(_open(workspace, path), workspace.env), path, "regular")


def test_a_descriptor_with_an_absurd_dim_is_no_face(workspace: Workspace) -> None:
    image = workspace.file(
        "dim.png", with_descriptor_text(workspace.probe, huge_dim_descriptor(5000))
    )
    assert_refused(run_main(_open(workspace, image), workspace.env), "no faces")
    workspace.verify_log()


@pytest.mark.parametrize("value", [3e38, 1e7, -3e38])
def test_a_descriptor_of_huge_values_is_no_face_and_no_warning(
    workspace: Workspace, value: float
) -> None:
    values = np.full(probe_dims(workspace.probe), value, dtype=np.float32)
    image = workspace.file("huge-values.png", with_embedding(workspace.probe, values))
    assert_refused(run_main(_open(workspace, image), workspace.env), "no faces")


def test_the_valid_probe_still_opens_a_case(workspace: Workspace) -> None:
    outcome = run_main(_open(workspace, workspace.probe), workspace.env)
    assert_well_behaved(outcome)
    assert outcome.code == 0, outcome.describe()
    workspace.verify_log()


# --- numbers and values --------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["case", "show", HUGE],
        ["case", "show", "-1"],
        ["audit", "show", "--limit", HUGE],
        ["audit", "show", "--limit", "-1"],
        ["audit", "show", "--limit", "0"],
        ["audit", "show", "--since-seq", HUGE],
        ["audit", "show", "--case", HUGE],
        ["exercise", "status", "--exercise", HUGE],
        [
            "exercise",
            "decide",
            HUGE,
            "--decision",
            "inconclusive",
            "--rationale",
            "r",
        ],
        ["replay", "--seed", HUGE],
        ["replay", "--gallery-size", "-5"],
        ["compare", "--seeds", "1000000"],
        ["sweep", "--max-candidates", "5000"],
        ["probe", "render", "-o", "x.png", "--probe", HUGE],
        ["serve", "--port", "70000"],
        ["exercise", "revoke-invite", HUGE],
    ],
)
def test_out_of_range_numbers_are_usage_errors(workspace: Workspace, argv: list[str]) -> None:
    line = assert_refused(run_main(argv, workspace.env, cwd=workspace.root))
    said = ("than or equal to", "No such option: -1")
    assert any(words in line for words in said), line


def test_ranges_are_stated_in_help(workspace: Workspace) -> None:
    outcome = run_main(["audit", "show", "--help"], workspace.env)
    assert outcome.code == 0
    assert "9223372036854775807" in outcome.stdout


def test_cli_bounds_match_the_scenario_model() -> None:
    from leadreview.cli import bounds
    from leadreview.simulation import scenario

    assert bounds.MAX_GALLERY == scenario.MAX_GALLERY
    probes = scenario.ProbeSpec.model_fields["count"].metadata
    assert any(getattr(m, "le", None) == bounds.MAX_PROBES for m in probes)


@pytest.mark.parametrize(
    ("command", "name", "said"),
    [
        (["exercise", "invite"], "ana\nbob", "no quotes, backslashes or control characters"),
        (["exercise", "invite"], "a" * 5000, "at most 120 characters, not 5000"),
        (["db", "grant"], "", "a name needs a visible character"),
        (["db", "grant"], 'a"b', "no quotes, backslashes or control characters"),
        (["db", "revoke"], "a\x00b", "control characters"),
    ],
)
def test_a_name_the_log_cannot_record_is_one_line(
    workspace: Workspace, command: list[str], name: str, said: str
) -> None:
    role = ["reviewer"] if command[0] == "db" else ["--role", "reviewer"]
    assert_refused(run_main([*command, name, *role], workspace.env), said)


@pytest.mark.parametrize("command", ["board", "join"])
def test_an_unknown_role_is_one_line(workspace: Workspace, command: str) -> None:
    argv = ["exercise", command, "--role", "god"]
    assert_refused(run_main(argv, workspace.env), "--role 'god'", "reviewer")


def test_a_database_at_an_unknown_revision_is_one_line(tmp_path: Path) -> None:
    space = make_workspace(tmp_path)
    assert run_main(["case", "list"], space.env).code == 0
    database = tmp_path / "data" / "leadreview.db"
    with sqlite3.connect(database) as connection:  # behind the app's back
        connection.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    line = assert_refused(run_main(["case", "list"], space.env), "9999_from_the_future")
    assert "does not know" in line


def test_a_postgresql_database_at_an_unknown_revision_is_one_line(
    tmp_path: Path, postgres_url: str
) -> None:
    from sqlalchemy import create_engine, text

    space = make_workspace(tmp_path, database_url=postgres_url)
    assert run_main(["case", "list"], space.env).code == 0
    engine = create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'zz_unknown'"))
    engine.dispose()
    assert_refused(run_main(["case", "list"], space.env), "zz_unknown")


# --- processes: nothing waits forever -------------------------------------------------------


def _cli_process(
    args: list[str], env: dict[str, str], **kwargs: object
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "leadreview", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **kwargs,
    )


def test_the_review_app_without_a_terminal_exits_at_once(workspace: Workspace) -> None:
    started = time.monotonic()
    result = _cli_process(
        ["tui", "--database", "postgresql+psycopg://postgres@127.0.0.1:1/none"],
        workspace.env,
        stdin=subprocess.DEVNULL,
    )
    assert time.monotonic() - started < 60
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "needs a terminal" in lines[0], result.stderr


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_serve_on_a_busy_port_is_one_line(workspace: Workspace, busy_port: int) -> None:
    argv = ["serve", "--host", "127.0.0.1", "--port", str(busy_port), "--no-demo"]
    outcome = run_main(argv, workspace.env)
    line = assert_refused(outcome, f"--port {busy_port}")
    assert "Serving" not in outcome.stdout, line


def test_a_database_server_that_never_answers_times_out(
    workspace: Workspace, busy_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The listener accepts connections (the kernel completes the handshake) and never says
    # a word: the PostgreSQL client would wait for the OS's TCP timeout, minutes.
    from leadreview.store import engine

    monkeypatch.setattr(engine, "DB_CONNECT_TIMEOUT_S", 2)
    env = {
        **workspace.env,
        "LEADREVIEW_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{busy_port}/none",
    }
    started = time.monotonic()
    line = assert_refused(run_main(["case", "list"], env))
    assert time.monotonic() - started < 30
    assert "timeout" in line.lower() or "timed out" in line.lower(), line


def test_a_gallery_too_big_for_the_memory_limit_says_what_it_needs(workspace: Workspace) -> None:
    limit = 3 * 1024**3

    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    result = _cli_process(
        ["replay", "--gallery-size", "20000000"], workspace.env, preexec_fn=cap_memory
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "a gallery of 20,000,000 faces" in lines[0], lines[0]
    assert "needs about" in lines[0] and "GiB" in lines[0], lines[0]


# --- found by the harness -------------------------------------------------------------------


def test_an_image_in_pillows_warning_band_is_one_line(workspace: Workspace) -> None:
    # 100 million pixels: past half Pillow's bomb limit, where it only warns (a second
    # line on stderr) — refused as too large, like the bomb, and on record.
    image = workspace.file("warning-band.png", declared_size_png(10_000, 10_000))
    outcome = run_main(_open(workspace, image), workspace.env)
    assert_refused(outcome, "ImageTooLarge")
    workspace.verify_log()


@pytest.mark.parametrize(
    "argv",
    [
        ["policy", "show", "x" * 300],
        ["scenario", "show", "x" * 300],
        ["replay", "x" * 300],
        ["replay", "--policy", "x" * 300],
    ],
)
def test_a_name_too_long_for_the_file_system_is_one_line(
    workspace: Workspace, argv: list[str]
) -> None:
    assert_refused(run_main(argv, workspace.env), "File name too long")


def test_a_saved_response_with_a_number_past_float_range_is_skipped(
    workspace: Workspace, tmp_path: Path
) -> None:
    from leadreview.paths import fixtures_dir

    source = fixtures_dir() / "responses"
    folder = tmp_path / "responses"
    folder.mkdir()
    name = "wcso-18-0112.json"
    response = json.loads((source / name).read_text(encoding="utf-8"))
    text = json.dumps(response).replace(
        str(response["FaceMatches"][0]["Similarity"]), "1" + "0" * 400, 1
    )
    (folder / name).write_text(text, encoding="utf-8")
    (folder / "manifest.yaml").write_bytes((source / "manifest.yaml").read_bytes())
    outcome = run_main(["audit", "import-responses", str(folder)], workspace.env)
    assert_well_behaved(outcome)
    assert outcome.code == 1 and name in outcome.error_lines[0], outcome.describe()
    workspace.verify_log()


def test_dev_zero_as_a_checkpoint_is_a_break_not_a_memory_error(workspace: Workspace) -> None:
    outcome = run_main(["audit", "verify", "--checkpoint", "/dev/zero"], workspace.env)
    assert_well_behaved(outcome)
    assert outcome.code == 1, outcome.describe()
    assert "/dev/zero: not a regular checkpoint file" in outcome.stdout + outcome.stderr


def test_dev_zero_as_the_signing_key_is_one_line(workspace: Workspace) -> None:
    env = {**workspace.env, "LEADREVIEW_SIGNING_KEY_PATH": "/dev/zero"}
    assert_refused(run_main(["audit", "checkpoint"], env), "signing key /dev/zero")
