"""Loading a simulated world's gallery into a simulated collection: one way, used by the
batch runs, `case open` on the simulated backend and the exercises.

The gallery's faces go in by embedding (`import_faces`, no image encoding), under the
gallery's own face ids and external image ids, so a lead names the same face whichever
path found it.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from leadreview.search.simulated import SimulatedRekognition
    from leadreview.simulation.gallery import Gallery


def load_gallery(client: "SimulatedRekognition", collection_id: str, gallery: "Gallery") -> None:
    """Create `collection_id` in `client` and import every face of `gallery` into it."""
    client.create_collection(CollectionId=collection_id)
    client.import_faces(
        CollectionId=collection_id,
        Embeddings=gallery.embeddings,
        ExternalImageIds=[gallery.external_image_id(i) for i in range(gallery.size)],
        FaceIds=[gallery.face_id(i) for i in range(gallery.size)],
    )
