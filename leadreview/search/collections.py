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
    # Ids computed for the leads returned, not built per face (a million-face gallery
    # would spend seconds and hundreds of megabytes on strings nobody reads).
    client.import_faces(CollectionId=collection_id, Embeddings=gallery.embeddings, Ids=gallery)
