"""The one search path: exact top-k by cosine, mapped to Similarity, filtered, truncated.

`search_faces_by_image`, `search_faces` and the batch extension `search_embeddings` all
come through `rank_faces`, so a probe gives the same leads whichever way it is sent.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from types import ModuleType

import numpy as np
import numpy.typing as npt

from leadreview.search.block_scoring import GalleryMatrix
from leadreview.search.client_errors import ServiceError
from leadreview.search.face_store import FaceStore
from leadreview.search.topk import DEFAULT_BUDGET_BYTES, exact_top_k, selection_pool
from leadreview.search.topk_whole import batch_kernels, row_spans

FloatMatrix = npt.NDArray[np.float32]
SimilarityMap = Callable[[npt.NDArray[np.float32]], npt.NDArray[np.float64]]
"""Cosine similarity -> Rekognition `Similarity` (0-100), elementwise and monotone."""

NO_MATCH = -1
# Candidates taken from the BLAS product beyond those needed, then rescored exactly.
_RESCORE_MARGIN = 16
_RESCORE_BLOCK_ELEMENTS = 4_000_000


@dataclass(frozen=True)
class EmbeddingSearchResult:
    """Leads for m probes, best first; row i holds `counts[i]` leads, then padding.

    `positions` are rows of the collection's gallery matrix (the order faces were
    imported or indexed), padded with -1; `face_ids` are padded with ""; `similarities`
    and `cosines` with NaN.

    `face_ids` are looked up the first time they are read, not by the search: a batch
    that only counts leads (replay, compare) never builds them, and they cost about as
    much as the rest of a small gallery's search after its product. A face keeps its id
    and its row for the life of its collection, so a later lookup gives what the search
    would have. The result holds the collection's id lookup, and through it the
    collection's store (its gallery matrix), for as long as the result is kept.
    """

    positions: npt.NDArray[np.int64]
    similarities: npt.NDArray[np.float64]
    cosines: npt.NDArray[np.float32]
    counts: npt.NDArray[np.int64]
    ids_of: Callable[[list[int]], list[str]] = field(repr=False, compare=False)
    """The collection's FaceIds of gallery rows (`FaceStore.face_ids`)."""

    @cached_property
    def face_ids(self) -> npt.NDArray[np.str_]:
        valid = self.positions != NO_MATCH
        face_ids = np.full(self.positions.shape, "", dtype="<U36")  # 36-character UUIDs
        face_ids[valid] = self.ids_of(self.positions[valid].tolist())
        return face_ids

    def row(self, i: int) -> list[tuple[int, str, float]]:
        """(position, face id, similarity) of probe i's leads."""
        n = int(self.counts[i])
        return [
            (int(p), str(f), float(s))
            for p, f, s in zip(
                self.positions[i, :n], self.face_ids[i, :n], self.similarities[i, :n], strict=True
            )
        ]


def prepare_queries(embeddings: npt.ArrayLike, dimension: int | None) -> FloatMatrix:
    """Probe embeddings as unit float32 rows; the same arithmetic for every path."""
    queries = np.asarray(embeddings, dtype=np.float32)
    if queries.ndim == 1:
        queries = queries.reshape(1, -1)
    if queries.ndim != 2 or queries.shape[1] == 0:
        raise ServiceError(
            "InvalidParameterException",
            f"Embeddings must be an (m, d) array, got shape {queries.shape}",
        )
    if dimension is not None and queries.shape[1] != dimension:
        raise ServiceError(
            "InvalidParameterException",
            f"face descriptors have {queries.shape[1]} dimensions; "
            f"the collection holds {dimension}-dimensional faces",
        )
    norms = np.linalg.norm(queries, axis=1, keepdims=True)
    if not np.all(np.isfinite(queries)) or np.any(norms == 0):
        raise ServiceError(
            "InvalidParameterException", "face descriptors must be finite and non-zero"
        )
    return np.ascontiguousarray(queries / norms, dtype=np.float32)


def _rescore(
    gallery: GalleryMatrix,
    queries: FloatMatrix,
    candidates: npt.NDArray[np.int64],
    kernels: ModuleType | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Candidates re-ranked by cosines recomputed in float64, one probe at a time.

    A BLAS product rounds differently with the shape of the block it is given, so the
    same probe could score a hair differently alone and in a batch. Rescoring each
    (probe, candidate) pair the same way makes a probe's leads independent of its batch.
    `kernels`: the compiled `_batch_kernels` (its `rescore` gives numpy's float64 sums
    bit for bit), or None for numpy.
    """
    m, k = candidates.shape
    if candidates.size == 0:
        return candidates, np.zeros((m, k), dtype=np.float32)
    exact = (
        _exact_numpy(gallery, queries, candidates)
        if kernels is None
        else _exact_compiled(kernels, gallery, queries, candidates)
    )
    order = np.lexsort((candidates, -exact), axis=1)
    ranked = np.take_along_axis(candidates, order, axis=1)
    return ranked, np.take_along_axis(exact, order, axis=1).astype(np.float32)


def _exact_numpy(
    gallery: GalleryMatrix, queries: FloatMatrix, candidates: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    m, k = candidates.shape
    exact = np.zeros((m, k), dtype=np.float64)
    # Blocks of probes keep the gathered (probes, k, d) float64 rows to a few tens of MB.
    block = max(1, _RESCORE_BLOCK_ELEMENTS // (k * gallery.shape[1]))
    for start in range(0, m, block):
        stop = min(start + block, m)
        rows = gallery[candidates[start:stop]].astype(np.float64)
        # Elementwise product, then a sum over the contiguous last axis: the same
        # arithmetic for every pair, whatever else is in the block.
        exact[start:stop] = (rows * queries[start:stop, None, :].astype(np.float64)).sum(axis=2)
    return exact


def _exact_compiled(
    kernels: ModuleType,
    gallery: GalleryMatrix,
    queries: FloatMatrix,
    candidates: npt.NDArray[np.int64],
) -> npt.NDArray[np.float64]:
    m, k = candidates.shape
    exact = np.empty((m, k), dtype=np.float64)
    rows = np.ascontiguousarray(candidates, dtype=np.int64)
    spans = row_spans(m, candidates.size * gallery.shape[1])
    if len(spans) == 1:
        kernels.rescore(gallery, queries, rows, exact, 0, m)
    else:
        # list(): wait for every span and re-raise the first error here.
        pool = selection_pool()
        list(pool.map(lambda span: kernels.rescore(gallery, queries, rows, exact, *span), spans))
    return exact


def rank_faces(
    store: FaceStore,
    queries: FloatMatrix,
    *,
    similarity: SimilarityMap,
    max_faces: int,
    threshold: float,
    exclude: npt.NDArray[np.int64] | None = None,
    budget_bytes: int = DEFAULT_BUDGET_BYTES,
) -> EmbeddingSearchResult:
    """Top `max_faces` live faces per query with Similarity >= `threshold`, best first.

    `exclude[i]` is a position query i must not return (SearchFaces leaves out the face
    searched for), or NO_MATCH. `budget_bytes` bounds the working memory of the
    top-k over the gallery (see `topk`).
    """
    # Ask top-k for enough extra rows that deleted or excluded faces cannot crowd out
    # live ones: the result stays exact.
    extra = store.deleted_count + (0 if exclude is None else 1)
    k = min(max_faces + extra + _RESCORE_MARGIN, store.size)
    top, _ = exact_top_k(store.vectors, queries, k, budget_bytes=budget_bytes)
    top, cosines = _rescore(store.vectors, queries, top, batch_kernels())
    sims = np.asarray(similarity(cosines), dtype=np.float64)
    if sims.shape != cosines.shape:
        raise TypeError(f"similarity map returned shape {sims.shape}, expected {cosines.shape}")
    sims = np.clip(sims, 0.0, 100.0)  # Similarity is a percentage in the model
    keep = store.alive[top] & (sims >= threshold)
    if exclude is not None:
        keep &= top != exclude[:, None]
    # Stable sort of "not kept" moves kept entries to the front, in rank order.
    order = np.argsort(~keep, axis=1, kind="stable")[:, :max_faces]
    counts = np.minimum(keep.sum(axis=1), max_faces).astype(np.int64)
    width = order.shape[1]
    valid = np.arange(width)[None, :] < counts[:, None]
    positions = np.where(valid, np.take_along_axis(top, order, axis=1), NO_MATCH)
    return EmbeddingSearchResult(
        positions=positions.astype(np.int64),
        # Only the ids returned, when read: the whole id list would cost O(gallery).
        ids_of=store.face_ids,
        similarities=np.where(valid, np.take_along_axis(sims, order, axis=1), np.nan),
        cosines=np.where(valid, np.take_along_axis(cosines, order, axis=1), np.nan).astype(
            np.float32
        ),
        counts=counts,
    )
