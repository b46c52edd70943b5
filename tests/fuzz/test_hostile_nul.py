"""Fixed examples: text no database column can hold, arriving in JSON or TOML.

JSON's `\\u0000` escape and TOML's are valid syntax, and SQLite stores the NUL they make,
but PostgreSQL refuses the whole row ("text fields cannot contain NUL"); JSON's lone
surrogate `\\ud800` is not even UTF-8. The bounded parsers (`io/limits.py`) now refuse
both, naming the file and the field, so every reader of outside JSON and TOML refuses
them before anything is stored: saved responses and their sidecars, exports read back,
the config file, the access-key file, the witness's state, and the endpoint's request
bodies (a Rekognition `InvalidParameterException`, never a 500). Each case runs on both
backends, and the log verifies afterwards.
"""

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from leadreview.paths import fixtures_dir
from tests.fuzz.conftest import Workspace
from tests.fuzz.harness import assert_refused, assert_well_behaved, environment, run_main

NUL = "\u0000"
SURROGATE = "\ud800"
NUL_NEEDLE = "a NUL character"
SURROGATE_NEEDLE = "a lone surrogate"


def _dump(value: object) -> str:
    # json.dumps escapes both as `\u0000` / `\ud800`: the file is valid JSON and UTF-8.
    return json.dumps(value)


# --- saved responses and their sidecars ------------------------------------------------------


def _response_folder(root: Path, response: dict[str, Any], sidecar: dict[str, Any]) -> Path:
    """A folder of one saved response (wcso-18-0590's, with its sidecar) and a manifest."""
    source = fixtures_dir() / "responses"
    folder = root / "responses"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "wcso-18-0590.json").write_text(_dump(response), encoding="utf-8")
    (folder / "wcso-18-0590.meta.json").write_text(_dump(sidecar), encoding="utf-8")
    manifest = (source / "manifest.yaml").read_text(encoding="utf-8")
    (folder / "manifest.yaml").write_text(
        manifest.split("responses:")[0] + "responses:\n  wcso-18-0590.json: {}\n", encoding="utf-8"
    )
    return folder


def _saved(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (fixtures_dir() / "responses" / name).read_text(encoding="utf-8")
    )
    return loaded


def _external_image_id(response: dict[str, Any], sidecar: dict[str, Any], bad: str) -> str:
    response["FaceMatches"][0]["Face"]["ExternalImageId"] = f"booking{bad}0931"
    return "wcso-18-0590.json"


def _key(response: dict[str, Any], sidecar: dict[str, Any], bad: str) -> str:
    response["FaceMatches"][0][f"Note{bad}"] = 1
    return "wcso-18-0590.json"


def _offense(response: dict[str, Any], sidecar: dict[str, Any], bad: str) -> str:
    sidecar["offense"] = f"fraud{bad}ulent use"
    return "wcso-18-0590.meta.json"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (_external_image_id, "FaceMatches[0].Face.ExternalImageId"),
        (_key, "FaceMatches[0].Note"),
        (_offense, "field offense"),
    ],
    ids=["external-image-id", "key", "sidecar-offense"],
)
@pytest.mark.parametrize(
    ("bad", "needle"),
    [(NUL, NUL_NEEDLE), (SURROGATE, SURROGATE_NEEDLE)],
    ids=["nul", "surrogate"],
)
def test_unstorable_text_in_a_saved_response_is_skipped_naming_the_field(
    db_workspace: Workspace, tmp_path: Path, mutate: Any, field: str, bad: str, needle: str
) -> None:
    """The sidecar's NUL offense reached PostgreSQL before: "not recorded: PostgreSQL text
    fields cannot contain NUL" after the case was built, and SQLite stored it."""
    response, sidecar = _saved("wcso-18-0590.json"), _saved("wcso-18-0590.meta.json")
    # A response not imported before in this workspace (the import is by content digest).
    response["FaceMatches"][0]["Similarity"] = 12.34
    culprit = mutate(response, sidecar, bad)
    folder = _response_folder(tmp_path, response, sidecar)
    outcome = run_main(["audit", "import-responses", str(folder)], db_workspace.env)
    assert_well_behaved(outcome)
    assert outcome.code == 1, outcome.describe()
    assert "wcso-18-0590.json" in outcome.error_lines[0], outcome.describe()
    table = "".join(outcome.stdout.split())
    for part in (culprit, field, needle):
        assert "".join(part.split()) in table, outcome.stdout
    assert "0imported" in table, outcome.stdout
    db_workspace.verify_log()


# --- the config file --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "field"),
    [
        ('log_origin = "leadreview.local/audit\\u0000"\n', "field log_origin"),
        ('data_dir = "/tmp/leadreview\\u0000data"\n', "field data_dir"),
        ('[keymap]\n"quit\\u0000" = "q"\n', "field keymap.quit"),
    ],
    ids=["log-origin", "data-dir", "keymap-key"],
)
def test_a_nul_in_the_config_is_refused_naming_the_field(
    db_workspace: Workspace, tmp_path: Path, toml: str, field: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(toml, encoding="utf-8")
    env = {**db_workspace.env, "LEADREVIEW_CONFIG": str(config)}
    assert_refused(run_main(["audit", "checkpoint"], env), str(config), field, NUL_NEEDLE)
    db_workspace.verify_log()


# --- exports read back, the access-key file, the witness's state ---------------------------


@pytest.fixture(scope="module")
def export(db_workspace: Workspace) -> tuple[Path, str]:
    """A real export of the workspace's log (a case opened in it), and its key."""
    opened = run_main(
        ["case", "open", "--image", str(db_workspace.probe), "--offense", "seed",
         "--scenario", str(db_workspace.scenario)],
        db_workspace.env,
    )  # fmt: skip
    assert opened.code == 0, opened.describe()
    assert run_main(["audit", "checkpoint"], db_workspace.env).code == 0
    directory = db_workspace.root / "nul-export"
    outcome = run_main(["audit", "export", "-o", str(directory)], db_workspace.env)
    assert outcome.code == 0, outcome.describe()
    key = run_main(["audit", "key"], db_workspace.env).stdout.strip()
    return directory, key


def test_a_nul_in_an_exported_event_is_a_break_not_a_crash(
    db_workspace: Workspace, export: tuple[Path, str], tmp_path: Path
) -> None:
    directory, key = export
    broken = tmp_path / "export"
    shutil.copytree(directory, broken)
    events = broken / "events.jsonl"
    lines = events.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["actor"] = f"system{NUL}"
    lines[0] = _dump(first)
    events.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outcome = run_main(["audit", "verify", "--from", str(broken), "--key", key], db_workspace.env)
    assert_well_behaved(outcome)
    assert outcome.code == 1, outcome.describe()
    assert "seq 1: malformed" in outcome.stdout, outcome.describe()


@pytest.fixture
def keys_file(db_workspace: Workspace) -> Iterator[Path]:
    """The workspace's access-key file, put back as it was after the test."""
    path = Path(db_workspace.env["LEADREVIEW_DATA_DIR"]) / "rekognition" / "access-keys.json"
    before = path.read_bytes() if path.exists() else None
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        yield path
    finally:
        if before is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(before)


def test_a_nul_in_the_access_key_file_is_refused_naming_the_field(
    db_workspace: Workspace, keys_file: Path
) -> None:
    keys_file.write_text(_dump({"keys": [{"principal": f"ivan{NUL}"}]}), encoding="utf-8")
    outcome = run_main(["rekognition", "keys", "list"], db_workspace.env)
    assert_refused(outcome, str(keys_file), "keys[0].principal", NUL_NEEDLE)


def test_a_nul_in_the_witness_state_is_refused_before_serving(
    db_workspace: Workspace, tmp_path: Path
) -> None:
    """Refused before it listens: the harness's alarm would fail a witness that served."""
    state = tmp_path / "witness-state.json"
    state.write_text(_dump({f"leadreview.local/audit{NUL}": {"size": 1}}), encoding="utf-8")
    verifier = run_main(["audit", "key"], db_workspace.env).stdout.strip()
    argv = [
        "witness", "serve", "--key", str(tmp_path / "witness.key"), "--state", str(state),
        "--log", f"leadreview.local/audit={verifier}", "--listen", "127.0.0.1:0",
    ]  # fmt: skip
    assert_refused(run_main(argv, db_workspace.env), str(state), NUL_NEEDLE)


# --- the endpoint's request bodies -------------------------------------------------------------


@pytest.fixture(scope="module")
def endpoint(db_workspace: Workspace) -> Iterator[Any]:
    """The simulated endpoint on the workspace's database (its settings, its log)."""
    from leadreview.settings import load_settings
    from leadreview.store.store import open_store
    from tests.support.endpoint import Endpoint, issue, start_endpoint, write_small_scenario

    with environment(db_workspace.env):
        settings = load_settings()
    store = open_store(settings.resolved_database_url())
    key = issue(settings, store, "ivan")
    world = write_small_scenario(db_workspace.root)
    server = start_endpoint(settings, store, key, world=world)
    try:
        yield Endpoint(server=server, url=server.url, key=key, settings=settings, store=store)
    finally:
        server.shutdown()
        server.server_close()
        store.dispose()


def _image() -> str:
    import base64

    from tests.support.endpoint import plain_png

    return base64.b64encode(plain_png()).decode()


@pytest.mark.parametrize(
    ("target", "body", "field"),
    [
        ("IndexFaces", {"CollectionId": "booking-photos", "ExternalImageId": f"a{NUL}b"},
         "field ExternalImageId"),
        ("CreateCollection", {"CollectionId": f"wcso{NUL}"}, "field CollectionId"),
        ("CreateCollection", {"CollectionId": "tagged", "Tags": {"unit": f"robbery{NUL}"}},
         "field Tags.unit"),
        ("SearchFacesByImage", {"CollectionId": "booking-photos", f"Offense{NUL}": "theft"},
         "field Offense"),
        ("DeleteFaces", {"CollectionId": "booking-photos", "FaceIds": [SURROGATE]},
         "field FaceIds[0]"),
    ],
    ids=["external-image-id", "collection-id", "tag-value", "unknown-key", "surrogate"],
)  # fmt: skip
def test_unstorable_text_in_a_request_is_an_invalid_parameter(
    db_workspace: Workspace, endpoint: Any, target: str, body: dict[str, Any], field: str
) -> None:
    """CreateCollection took a NUL in a tag's value before (200, kept in the collections
    journal); the rest were pattern failures or reached the database."""
    from tests.support.endpoint import events, send_raw

    if target in ("IndexFaces", "SearchFacesByImage"):
        body = {**body, "Image": {"Bytes": _image()}}
    recorded = len(events(endpoint.store))
    status, answer = send_raw(endpoint, _dump(body).encode(), target=f"RekognitionService.{target}")
    assert (status, answer["__type"]) == (400, "InvalidParameterException"), answer
    assert field in answer["message"], answer
    assert len(events(endpoint.store)) == recorded
    db_workspace.verify_log()


def test_a_clean_request_is_still_answered(endpoint: Any) -> None:
    """The refusal is of the character, not of the operation (a guard refusing every body
    would pass the test above)."""
    from tests.support.endpoint import send_raw

    body = {"CollectionId": "tagged-clean", "Tags": {"unit": "robbery"}}
    status, answer = send_raw(
        endpoint, _dump(body).encode(), target="RekognitionService.CreateCollection"
    )
    assert status == 200, answer
