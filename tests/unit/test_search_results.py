"""What the simulated searches return: order, threshold, MaxFaces, and one path for all."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadreview.search.simulated import SimulatedRekognition
from tests.support.search import (
    gallery_client,
    logistic_similarity,
    near,
    on_both_product_paths,  # noqa: F401 (a fixture: every test here on both paths)
    probe_bytes,
    unit_rows,
    without_metadata,
)


def brute_force(
    gallery: npt.NDArray[np.float32], probe: npt.NDArray[np.float32], k: int, threshold: float
) -> list[int]:
    """Rows by cosine descending (lower row first on ties), Similarity >= threshold, top k."""
    q = (probe / np.linalg.norm(probe)).astype(np.float32).astype(np.float64)
    exact = gallery.astype(np.float64) @ q
    order = np.lexsort((np.arange(len(gallery)), -exact))
    sims = logistic_similarity(exact.astype(np.float32))
    return [int(i) for i in order if sims[i] >= threshold][:k]


def external_rows(response: dict[str, Any]) -> list[int]:
    return [int(m["Face"]["ExternalImageId"].split("-")[1]) for m in response["FaceMatches"]]


def test_leads_are_ordered_and_limited() -> None:
    sim, gallery = gallery_client(n=300, seed=1)
    rng = np.random.default_rng(10)
    for mate in (0, 17, 299):
        probe = near(rng, gallery[mate], 0.05)
        response = sim.search_faces_by_image(
            CollectionId="gallery",
            Image={"Bytes": probe_bytes(probe)},
            MaxFaces=8,
            FaceMatchThreshold=0,
        )
        sims = [m["Similarity"] for m in response["FaceMatches"]]
        assert len(sims) == 8  # threshold 0 (the sheriff's practice): MaxFaces leads
        assert sims == sorted(sims, reverse=True)
        assert external_rows(response) == brute_force(gallery, probe, 8, 0.0)
        assert external_rows(response)[0] == mate


def test_default_threshold_is_80() -> None:
    sim, gallery = gallery_client(n=300, seed=2)
    rng = np.random.default_rng(11)
    counts: list[int] = []
    for noise in (0.02, 0.1, 0.3):
        probe = near(rng, gallery[5], noise)
        default = sim.search_faces_by_image(
            CollectionId="gallery", Image={"Bytes": probe_bytes(probe)}, MaxFaces=50
        )
        assert all(m["Similarity"] >= 80 for m in default["FaceMatches"])
        counts.append(len(default["FaceMatches"]))
        assert external_rows(default) == brute_force(gallery, probe, 50, 80.0)
        explicit = sim.search_faces_by_image(
            CollectionId="gallery",
            Image={"Bytes": probe_bytes(probe)},
            MaxFaces=50,
            FaceMatchThreshold=80,
        )
        assert without_metadata(explicit) == without_metadata(default)
    assert counts[0] >= 1 and counts[-1] < 50  # the threshold does filter


def test_max_faces_defaults_to_the_model_maximum() -> None:
    sim, gallery = gallery_client(n=120, seed=3)
    response = sim.search_faces_by_image(
        CollectionId="gallery", Image={"Bytes": probe_bytes(gallery[0])}, FaceMatchThreshold=0
    )
    assert len(response["FaceMatches"]) == 120


@settings(max_examples=50, deadline=None)
@given(
    n=st.integers(1, 120),
    k=st.integers(1, 40),
    threshold=st.floats(0, 100),
    seed=st.integers(0, 2**32 - 1),
    fmt=st.sampled_from(["PNG", "JPEG"]),
    dtype=st.sampled_from([np.float32, np.float16]),
    budget=st.sampled_from([None, 600]),
)
def test_search_embeddings_equals_search_faces_by_image(
    n: int, k: int, threshold: float, seed: int, fmt: Any, dtype: Any, budget: int | None
) -> None:
    # Both the float32 and a float16 gallery (exact for the vectors as stored), in one
    # block or in blocks of a few faces (a 600-byte working budget).
    sim, gallery = gallery_client(n=n, seed=seed, dtype=dtype, search_budget_bytes=budget)
    rng = np.random.default_rng(seed)
    probes = np.stack(
        [near(rng, gallery[int(rng.integers(n))].astype(np.float32), 0.5) for _ in range(3)]
    )
    batch = sim.search_embeddings("gallery", probes, MaxFaces=k, FaceMatchThreshold=threshold)
    for i, probe in enumerate(probes):
        response = sim.search_faces_by_image(
            CollectionId="gallery",
            Image={"Bytes": probe_bytes(probe, fmt)},
            MaxFaces=k,
            FaceMatchThreshold=threshold,
        )
        matches = response["FaceMatches"]
        assert batch.row(i) == [
            (row, m["Face"]["FaceId"], m["Similarity"])
            for row, m in zip(external_rows(response), matches, strict=True)
        ]
        assert int(batch.counts[i]) == len(matches)
        assert batch.row(i) == [
            (row, batch.face_ids[i, j], batch.similarities[i, j])
            for j, row in enumerate(brute_force(gallery, probe, k, threshold))
        ]
    width = batch.positions.shape[1]
    padding = np.arange(width)[None, :] >= batch.counts[:, None]
    assert np.all(batch.positions[padding] == -1)
    assert np.all(np.isnan(batch.similarities[padding]))
    assert np.all(batch.face_ids[padding] == "")


def test_search_faces_leaves_out_the_face_itself() -> None:
    sim, gallery = gallery_client(n=100, seed=4)
    face = sim.list_faces(CollectionId="gallery", MaxResults=4)["Faces"][3]
    response = sim.search_faces(
        CollectionId="gallery", FaceId=face["FaceId"], MaxFaces=5, FaceMatchThreshold=0
    )
    ids = [m["Face"]["FaceId"] for m in response["FaceMatches"]]
    assert face["FaceId"] not in ids
    assert external_rows(response) == [r for r in brute_force(gallery, gallery[3], 6, 0) if r != 3]


def test_deleted_faces_leave_every_result() -> None:
    sim, gallery = gallery_client(n=60, seed=5)
    probe = gallery[10]
    before = sim.search_faces_by_image(
        CollectionId="gallery",
        Image={"Bytes": probe_bytes(probe)},
        MaxFaces=5,
        FaceMatchThreshold=0,
    )
    doomed = [m["Face"]["FaceId"] for m in before["FaceMatches"][:3]]
    assert sim.delete_faces(CollectionId="gallery", FaceIds=doomed)["DeletedFaces"] == doomed
    after = sim.search_faces_by_image(
        CollectionId="gallery",
        Image={"Bytes": probe_bytes(probe)},
        MaxFaces=5,
        FaceMatchThreshold=0,
    )
    ids = [m["Face"]["FaceId"] for m in after["FaceMatches"]]
    assert len(ids) == 5 and not set(ids) & set(doomed)
    assert ids[:2] == [m["Face"]["FaceId"] for m in before["FaceMatches"][3:5]]
    batch = sim.search_embeddings("gallery", probe[None, :], MaxFaces=5, FaceMatchThreshold=0)
    assert [face_id for _, face_id, _ in batch.row(0)] == ids
    assert sim.describe_collection(CollectionId="gallery")["FaceCount"] == 57
    listed = sim.list_faces(CollectionId="gallery")["Faces"]
    assert len(listed) == 57 and not {f["FaceId"] for f in listed} & set(doomed)
    with pytest.raises(sim.exceptions.InvalidParameterException):
        sim.search_faces(CollectionId="gallery", FaceId=doomed[0])


def test_memory_mapped_gallery_is_not_copied(tmp_path: Path) -> None:
    rows = unit_rows(np.random.default_rng(6), 500)
    path = tmp_path / "gallery.f32"
    rows.tofile(path)
    mapped = np.memmap(path, dtype=np.float32, mode="r", shape=rows.shape)
    sim = SimulatedRekognition(logistic_similarity)
    sim.create_collection(CollectionId="big")
    positions = sim.import_faces("big", mapped)
    assert positions == range(500)
    store = sim._collections["big"].store  # white-box: the matrix must be the memmap itself
    assert np.shares_memory(store.vectors, mapped)
    result = sim.search_embeddings("big", rows[[42]], MaxFaces=1, FaceMatchThreshold=0)
    assert result.row(0)[0][0] == 42
    # Growing past an adopted read-only map copies into memory; the results do not change.
    extra = unit_rows(np.random.default_rng(7), 1)[0]
    sim.index_faces(CollectionId="big", Image={"Bytes": probe_bytes(extra)})
    assert sim.describe_collection(CollectionId="big")["FaceCount"] == 501
    again = sim.search_embeddings("big", rows[[42]], MaxFaces=1, FaceMatchThreshold=0)
    assert again.row(0) == result.row(0)
    assert sim.search_embeddings("big", extra[None, :], MaxFaces=1).row(0)[0][0] == 500


def test_responses_are_deterministic() -> None:
    def run() -> list[dict[str, Any]]:
        sim = SimulatedRekognition(
            logistic_similarity, clock=lambda: datetime(2018, 7, 26, tzinfo=UTC)
        )
        sim.create_collection(CollectionId="c")
        rng = np.random.default_rng(8)
        out = [
            sim.index_faces(
                CollectionId="c", Image={"Bytes": probe_bytes(v)}, ExternalImageId=f"x{i}"
            )
            for i, v in enumerate(unit_rows(rng, 10))
        ]
        probe = probe_bytes(unit_rows(rng, 1)[0], "JPEG")
        out.append(
            sim.search_faces_by_image(
                CollectionId="c", Image={"Bytes": probe}, FaceMatchThreshold=0
            )
        )
        out.append(sim.describe_collection(CollectionId="c"))
        return out

    assert run() == run()


def test_a_float16_gallery_stays_float16(tmp_path: Path) -> None:
    rows = unit_rows(np.random.default_rng(8), 300).astype(np.float16)
    path = tmp_path / "gallery.f16"
    rows.tofile(path)
    mapped = np.memmap(path, dtype=np.float16, mode="r", shape=rows.shape)
    sim = SimulatedRekognition(logistic_similarity)
    sim.create_collection(CollectionId="half")
    sim.import_faces("half", mapped)
    store = sim._collections["half"].store  # white-box: not converted to float32
    assert store.vectors.dtype == np.float16 and np.shares_memory(store.vectors, mapped)
    probe = rows[[17]].astype(np.float32)
    assert sim.search_embeddings("half", probe, MaxFaces=1).row(0)[0][0] == 17
    # A face indexed later joins the float16 matrix rather than converting it.
    extra = unit_rows(np.random.default_rng(9), 1)[0]
    sim.index_faces(CollectionId="half", Image={"Bytes": probe_bytes(extra)})
    assert sim._collections["half"].store.vectors.dtype == np.float16
    assert sim.search_embeddings("half", extra[None, :], MaxFaces=1).row(0)[0][0] == 300
