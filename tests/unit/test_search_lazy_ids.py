"""Ids computed per lead, not per face: a generated gallery's FaceIds and ExternalImageIds
are built only for the faces a response names, map back to their row arithmetically,
and an import checks only a sample of them (plus every id a caller lists)."""

import tracemalloc
import uuid

import numpy as np
import pytest
from botocore.exceptions import ClientError

from leadreview.search.face_ids import SequentialIds
from leadreview.search.simulated import SimulatedRekognition
from tests.support.search import logistic_similarity, probe_bytes, unit_rows


class CountingIds:
    """A generated gallery's ids (uuid5 of the row), counting every id it builds."""

    def __init__(self, size: int, namespace: str = "world") -> None:
        self._size = size
        self._namespace = uuid.uuid5(uuid.NAMESPACE_URL, namespace)
        self.built = 0

    @property
    def size(self) -> int:
        return self._size

    def face_id(self, index: int) -> str:
        self.built += 1
        # The row in the last 12 hex digits, so that it maps back arithmetically.
        return str(uuid.uuid5(self._namespace, str(index)))[:24] + f"{index:012x}"

    def index_of(self, face_id_text: str) -> int | None:
        try:
            index = int(face_id_text[24:], 16)
        except ValueError:
            return None
        if not 0 <= index < self._size or self.face_id(index) != face_id_text:
            return None
        return index

    def external_image_id(self, index: int) -> str | None:
        return f"booking:P{index:08d}"


def _client(n: int, ids: CountingIds) -> tuple[SimulatedRekognition, np.ndarray]:
    gallery = unit_rows(np.random.default_rng(7), n)
    client = SimulatedRekognition(logistic_similarity)
    client.create_collection(CollectionId="c")
    client.import_faces("c", gallery, Ids=ids)
    return client, gallery


def test_only_the_leads_returned_get_ids() -> None:
    ids = CountingIds(50_000)
    client, gallery = _client(50_000, ids)
    checked_at_import = ids.built
    assert checked_at_import <= 10  # a sample, not 50,000
    response = client.search_faces_by_image(
        CollectionId="c", Image={"Bytes": probe_bytes(gallery[123])}, MaxFaces=5,
        FaceMatchThreshold=0.0,
    )  # fmt: skip
    matches = response["FaceMatches"]
    assert len(matches) == 5
    assert matches[0]["Face"]["FaceId"] == CountingIds(50_000).face_id(123)
    assert matches[0]["Face"]["ExternalImageId"] == "booking:P00000123"
    # One id per lead (the bounding box and confidence derive from the same string).
    assert ids.built - checked_at_import <= 5


def test_computed_ids_map_back_for_list_and_delete() -> None:
    ids = CountingIds(1_000)
    client, _ = _client(1_000, ids)
    wanted = [ids.face_id(999), ids.face_id(0)]
    listed = client.list_faces(CollectionId="c", FaceIds=wanted)["Faces"]
    assert [f["FaceId"] for f in listed] == [wanted[1], wanted[0]]  # in position order
    other_world = CountingIds(1_000, "another world").face_id(5)
    deleted = client.delete_faces(CollectionId="c", FaceIds=[wanted[0], other_world])
    assert deleted["DeletedFaces"] == [wanted[0]]
    assert deleted["UnsuccessfulFaceDeletions"][0]["FaceId"] == other_world
    assert client.list_faces(CollectionId="c", FaceIds=[wanted[0]])["Faces"] == []
    # A computed id is as taken as a listed one: importing it again is refused.
    with pytest.raises(ClientError, match="unique"):
        client.import_faces("c", unit_rows(np.random.default_rng(1), 1), FaceIds=[wanted[1]])


class Broken(CountingIds):
    def index_of(self, face_id_text: str) -> int | None:
        return 0  # does not invert face_id: the ids could collide


@pytest.mark.parametrize(
    ("ids", "message"),
    [(CountingIds(9), "ids"), (Broken(10), "map back"), ],
)  # fmt: skip
def test_a_bad_id_source_is_refused(ids: CountingIds, message: str) -> None:
    client = SimulatedRekognition(logistic_similarity)
    client.create_collection(CollectionId="c")
    with pytest.raises(ClientError, match=message):
        client.import_faces("c", unit_rows(np.random.default_rng(2), 10), Ids=ids)
    with pytest.raises(ClientError, match="not both"):
        client.import_faces(
            "c", unit_rows(np.random.default_rng(2), 10), Ids=CountingIds(10), FaceIds=["x"] * 10
        )
    assert client.describe_collection(CollectionId="c")["FaceCount"] == 0


def test_default_ids_are_sequential_and_reversible() -> None:
    ids = SequentialIds("gallery", 1_000, 500, None)
    for row in (0, 1, 499):
        assert ids.index_of(ids.face_id(row)) == row
    assert ids.index_of(ids.face_id(0).upper()) is None
    assert ids.index_of(SequentialIds("gallery", 0, 2_000, None).face_id(999)) is None
    assert ids.index_of(SequentialIds("other", 1_000, 500, None).face_id(0)) is None


def test_a_large_import_stores_nothing_per_face() -> None:
    n = 400_000
    gallery = unit_rows(np.random.default_rng(3), n, 8)
    client = SimulatedRekognition(logistic_similarity)
    client.create_collection(CollectionId="c")
    client.create_collection(CollectionId="warm-up")  # loads the service model's shapes
    client.import_faces("warm-up", gallery[:10], Ids=CountingIds(10))
    tracemalloc.start()
    try:
        client.import_faces("c", gallery, Ids=CountingIds(n))
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The alive flags, 1 byte a face (ids as strings took ~315), and while checking,
    # one block of norms.
    assert kept < 1.1 * n
    assert peak < 2 * n + 8_000_000


def test_many_ids_at_once_match_one_at_a_time_across_runs() -> None:
    from leadreview.search.face_ids import FaceDirectory

    directory = FaceDirectory()
    directory.add(0, SequentialIds("c", 0, 5, None))
    directory.add_listed(5, ["listed-a", "listed-b"], [None, None])
    directory.add(7, CountingIds(4))
    positions = [10, 0, 5, 6, 4, 7, 10, 3]
    assert directory.face_ids(positions) == [directory.face_id(p) for p in positions]
    assert directory.face_ids([]) == []
    for outside in ([11], [3, 11], [-1]):
        with pytest.raises(IndexError, match="no face at position"):
            directory.face_ids(outside)
