"""A failed search ends in one line and a `search.failed` event; a throttled search that then
succeeds is recorded once. The rekognition backend is a real boto3 client answered by
botocore's Stubber (no network), injected where `case open` asks `make_search_client`."""

import functools
import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from leadreview.search import rekognition
from leadreview.settings import load_settings
from leadreview.store.store import Store
from leadreview.store.tables.workflow import CaseRow, LeadRow, PolicyVerdictRow
from leadreview.workflow import search_failures
from tests.support.cli import events, payload, png, principal_of, run
from tests.support.rekognition_shapes import match, response
from tests.support.workflow import count, rows

COLLECTION = "wcso-bookings"
METHOD = "search_faces_by_image"
TOP = 5  # MaxFaces: wcso-practice, the policy in force, asks for its top 5
PROBE = png()


@pytest.fixture
def probe_file(tmp_path: Path) -> Path:
    path = tmp_path / "cctv-still-0042.png"
    path.write_bytes(PROBE)
    return path


@pytest.fixture(autouse=True)
def no_backoff_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """Throttle retries without the waits: the same search call, sleeping no time."""
    quick = functools.partial(rekognition.search_faces_by_image, sleep=lambda _: None)
    monkeypatch.setattr(search_failures, "search_faces_by_image", quick)


@pytest.fixture
def stubber(cli_env: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    """A real boto3 rekognition client from settings, stubbed, handed to `case open`;
    the backend is chosen as a user would, in settings (here the environment)."""
    monkeypatch.setenv("LEADREVIEW_BACKEND", "rekognition")
    monkeypatch.setenv("LEADREVIEW_AWS__REGION", "us-east-1")
    settings = load_settings()
    client: Any = rekognition.make_rekognition_client(settings)
    monkeypatch.setattr(rekognition, "make_search_client", lambda _settings: client)
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


def open_case(capsys: pytest.CaptureFixture[str], image: Path, *extra: str) -> Any:
    return run(
        capsys,
        "case", "open", "--image", str(image), "--offense", "theft from a store",
        "--collection", COLLECTION, *extra,
    )  # fmt: skip


def request() -> dict[str, Any]:
    return {
        "CollectionId": COLLECTION,
        "Image": {"Bytes": PROBE},
        "MaxFaces": TOP,
        "FaceMatchThreshold": 0.0,
        "QualityFilter": "NONE",
    }


def assert_one_failure(db: Store, code: str, attempts: int, image: bytes = PROBE) -> None:
    """One `search.failed` event saying who, what, where and how often; no case."""
    (failed,) = events(db, "search.failed")
    assert (failed.actor, failed.role) == (principal_of(db), "investigator")
    body = payload(failed)
    assert body["operation"] == "SearchFacesByImage"
    assert body["error_code"] == code
    assert body["collection_id"] in (COLLECTION, "booking-photos")
    assert body["image"] == {
        "name": "cctv-still-0042.png",
        "sha256": hashlib.sha256(image).hexdigest(),
        "size": len(image),
    }
    assert body["attempts"] == attempts
    assert count(db, CaseRow) == 0
    assert events(db, "search.recorded") == []


# --- an image without a face: both search backends ----------------------------------------


def test_simulated_png_without_a_descriptor_is_one_line_and_an_event(
    db: Store, probe_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "case", "open", "--image", str(probe_file), "--offense", "theft")
    line = result.one_error_line()
    assert result.code == 2
    assert "'cctv-still-0042.png'" in line and "InvalidParameterException" in line
    assert_one_failure(db, "InvalidParameterException", attempts=1)


def test_rekognition_png_without_a_face_is_one_line_and_an_event(
    db: Store, stubber: Stubber, probe_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stubber.add_client_error(
        METHOD, "InvalidParameterException", "There are no faces in the image.", 400
    )
    line = open_case(capsys, probe_file).one_error_line()
    assert "'cctv-still-0042.png'" in line and "no detectable face" in line
    assert_one_failure(db, "InvalidParameterException", attempts=1)


def test_an_image_refused_before_sending_is_on_record_with_no_attempt(
    db: Store, stubber: Stubber, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = tmp_path / "cctv-still-0042.png"
    small = png(40, 40)
    image.write_bytes(small)
    line = open_case(capsys, image).one_error_line()
    assert "40x40 px" in line and "80 px" in line
    assert_one_failure(db, "InvalidParameterException", attempts=0, image=small)


def test_an_image_over_5_mb_is_on_record_too(
    db: Store, stubber: Stubber, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = tmp_path / "cctv-still-0042.png"
    huge = PROBE + b"\x00" * (5 * 1024 * 1024)
    image.write_bytes(huge)
    line = open_case(capsys, image).one_error_line()
    assert "'cctv-still-0042.png'" in line and "too large" in line
    assert_one_failure(db, "ImageTooLargeException", attempts=0, image=huge)


# --- the rekognition backend through boto3 -------------------------------------------------


def test_rekognition_success_records_the_leads_and_verdicts(
    db: Store, stubber: Stubber, probe_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stubber.add_response(METHOD, response(match(7, 96.03), match(3, 93.5)), request())
    result = open_case(capsys, probe_file)
    assert result.code == 0, result.err
    assert "opened on rekognition collection 'wcso-bookings'" in result.out
    leads = rows(db, LeadRow, case_id=1)
    assert [(r["rank"], r["face_id"]) for r in leads] == [
        (1, str(uuid.UUID(int=7))),
        (2, str(uuid.UUID(int=3))),
    ]
    assert count(db, PolicyVerdictRow) == 2 * 4  # k leads x p bundled policies
    assert len(events(db, "search.recorded")) == 1
    assert events(db, "search.failed") == []


def test_throttled_twice_then_success_is_recorded_once(
    db: Store, stubber: Stubber, probe_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stubber.add_client_error(METHOD, "ThrottlingException", "Rate exceeded", 400)
    stubber.add_client_error(METHOD, "ThrottlingException", "Rate exceeded", 400)
    stubber.add_response(METHOD, response(match(7, 96.03)), request())
    result = open_case(capsys, probe_file)
    assert result.code == 0, result.err
    assert len(events(db, "search.recorded")) == 1
    assert events(db, "search.failed") == []
    assert count(db, CaseRow) == 1 and count(db, LeadRow) == 1


def test_throttled_past_the_retries_is_one_line_and_one_event(
    db: Store, stubber: Stubber, probe_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(4):  # the first call and our three retries
        stubber.add_client_error(METHOD, "ProvisionedThroughputExceededException", "Slow down", 400)
    line = open_case(capsys, probe_file).one_error_line()
    assert "provisioned throughput exceeded after 4 attempts" in line
    assert_one_failure(db, "ProvisionedThroughputExceededException", attempts=4)


@pytest.mark.parametrize(
    ("code", "status", "words"),
    [
        ("AccessDeniedException", 403, "rekognition:SearchFacesByImage permission"),
        ("ResourceNotFoundException", 400, "collection 'wcso-bookings' not found"),
    ],
)
def test_a_refused_search_is_one_line_and_an_event(
    db: Store,
    stubber: Stubber,
    probe_file: Path,
    capsys: pytest.CaptureFixture[str],
    code: str,
    status: int,
    words: str,
) -> None:
    stubber.add_client_error(METHOD, code, "no", status)
    result = open_case(capsys, probe_file)
    assert words in result.one_error_line()
    assert result.code == 2
    assert_one_failure(db, code, attempts=1)


def test_missing_region_is_one_line_naming_the_setting(
    db: Store, probe_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = open_case(capsys, probe_file, "--backend", "rekognition")
    assert "aws.region" in result.one_error_line()
    assert "LEADREVIEW_AWS__REGION" in result.one_error_line()
    assert count(db, CaseRow) == 0  # no client, so no search was attempted
