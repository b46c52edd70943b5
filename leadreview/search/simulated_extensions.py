"""SIMULATOR ONLY: the batch extensions of the simulated Rekognition, not in boto3.

`import_faces` adds a generated gallery (a memory map is adopted, not copied; its ids
are computed per lead, not stored per face) and `search_embeddings` searches many probe
embeddings at once along the very path `search_faces_by_image` takes.
"""

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from leadreview.search.client_errors import ServiceError
from leadreview.search.face_ids import GalleryIds, SequentialIds
from leadreview.search.gallery_import import (
    check_computed_ids,
    check_external_ids,
    check_gallery,
    check_ids,
)
from leadreview.search.matching import EmbeddingSearchResult, prepare_queries, rank_faces
from leadreview.search.requests import Response
from leadreview.search.simulated_core import (
    DEFAULT_FACE_MATCH_THRESHOLD,
    DEFAULT_MAX_FACES,
    SimulatorCore,
)


class SimulatorExtensions(SimulatorCore):
    """`import_faces` and `search_embeddings`, inherited by `SimulatedRekognition`."""

    def import_faces(
        self,
        CollectionId: str,  # noqa: N803 - named as the boto3 operations name it
        Embeddings: npt.NDArray[np.float32] | npt.NDArray[np.float16],  # noqa: N803
        ExternalImageIds: Sequence[str] | None = None,  # noqa: N803
        FaceIds: Sequence[str] | None = None,  # noqa: N803
        Ids: GalleryIds | None = None,  # noqa: N803
    ) -> range:
        """SIMULATOR ONLY. Add a generated gallery without encoding images.

        `Embeddings` is (n, d) of unit rows; a float32 or float16 C-contiguous array (a
        `np.memmap` included) is used as it is when the collection is empty, not copied,
        so do not change it afterwards. Rekognition's 20-million-face quota on a
        collection applies to `index_faces`, not here: a generated gallery stands in
        for galleries far larger than one collection (Michigan's held about 50 million).

        `ExternalImageIds` (pattern of IndexFaces) and `FaceIds` (UUID-shaped, unique)
        are per row and stored as given. `Ids` instead computes both from the row on
        demand (a generated gallery: nothing per face is stored, only a sample of rows
        is checked; see `face_ids.GalleryIds`). Without either, FaceIds are derived
        from the collection and row, also on demand. Returns the positions given to
        the rows: position i is row i of a first import, and `search_embeddings`
        reports positions.
        """
        params = {"CollectionId": CollectionId}

        def run() -> Response:
            collection = self._collection(CollectionId)
            store = collection.store
            matrix = check_gallery(Embeddings, store.dimension)
            n = matrix.shape[0]
            if Ids is not None:
                if FaceIds is not None or ExternalImageIds is not None:
                    raise ServiceError(
                        "InvalidParameterException",
                        "pass Ids, or FaceIds and ExternalImageIds, not both",
                    )
                check_computed_ids(Ids, n, store.contains_id)
                return {"Positions": store.extend_computed(matrix, Ids)}
            if FaceIds is None:
                if ExternalImageIds is not None:
                    check_external_ids(ExternalImageIds, n)
                sequential = SequentialIds(CollectionId, store.size, n, ExternalImageIds)
                check_computed_ids(sequential, n, store.contains_id)
                return {"Positions": store.extend_computed(matrix, sequential)}
            external = [None] * n if ExternalImageIds is None else list(ExternalImageIds)
            check_ids(FaceIds, external, n, store.contains_id)
            return {"Positions": store.extend(matrix, FaceIds, external)}

        response = self._call("ImportFaces", params, run, validate_as="DescribeCollection")
        positions: range = response["Positions"]
        return positions

    def search_embeddings(
        self,
        CollectionId: str,  # noqa: N803 - named as the boto3 operations name it
        Embeddings: npt.ArrayLike,  # noqa: N803
        MaxFaces: int = DEFAULT_MAX_FACES,  # noqa: N803
        FaceMatchThreshold: float = DEFAULT_FACE_MATCH_THRESHOLD,  # noqa: N803
    ) -> EmbeddingSearchResult:
        """SIMULATOR ONLY. `search_faces_by_image` for m probe embeddings at once.

        Same validation (CollectionId, MaxFaces, FaceMatchThreshold as SearchFacesByImage
        checks them), same defaults and the same ranking path, so row i equals the
        FaceMatches of an image carrying `Embeddings[i]`. One BLAS product per block of
        probes; results are numpy arrays (see EmbeddingSearchResult).
        """
        # The embeddings stand in for the image; a placeholder satisfies the model.
        params = {
            "CollectionId": CollectionId,
            "Image": {"Bytes": b"\x00"},
            "MaxFaces": MaxFaces,
            "FaceMatchThreshold": FaceMatchThreshold,
        }

        def run() -> Response:
            collection = self._collection(CollectionId)
            queries = prepare_queries(Embeddings, collection.store.dimension)
            return {
                "Result": rank_faces(
                    collection.store,
                    queries,
                    similarity=self._similarity,
                    max_faces=MaxFaces,
                    threshold=FaceMatchThreshold,
                    budget_bytes=self._search_budget,
                )
            }

        response = self._call("SearchEmbeddings", params, run, validate_as="SearchFacesByImage")
        result: EmbeddingSearchResult = response["Result"]
        return result
