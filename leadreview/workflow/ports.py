"""Optional sources the workflow reads from, supplied by the simulation (or left out)."""

from typing import Protocol

from leadreview.domain.identity import PersonRecord


class ProbeImages(Protocol):
    """Images of probes known by reference (a scenario's probe ids)."""

    def image_for(self, probe_ref: str) -> bytes: ...


class GalleryRecords(Protocol):
    """The booking record behind a gallery face, when the gallery knows it."""

    def record_for(self, face_id: str, external_image_id: str | None) -> PersonRecord | None: ...
