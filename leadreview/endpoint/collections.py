"""The simulated Rekognition behind the endpoint, with collections that survive restarts.

Each collection has a journal in the data directory (`<collection>.jsonl`): its creation,
the scenario worlds seeded into it, each face indexed (with the image it came from) and
each deletion, one fsynced JSON line per change. At start-up the journals are replayed
through the simulator's own operations, so face ids, image ids and creation times come
back as they were. A seeded world is stored as its scenario and seed, not as its
vectors: worlds are generated deterministically, so a 25,000-face gallery costs one line.

Searches run concurrently (they only read a collection); changes take the lock alone.
"""

import base64
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from leadreview.errors import ConfigurationError, LeadreviewError
from leadreview.search.simulated import SimulatedRekognition

WorldLoader = Callable[[str, int | None], Any]  # (scenario, seed) -> World


class ReadWriteLock:
    """Many readers or one writer. A waiting writer holds new readers back, so a steady
    stream of searches cannot keep an IndexFaces waiting for ever."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._condition:
            while self._writing or self._writers_waiting:
                self._condition.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._condition:
                self._readers -= 1
                self._condition.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._condition:
            self._writers_waiting += 1
            try:
                while self._writing or self._readers:
                    self._condition.wait()
            finally:
                self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._condition:
                self._writing = False
                self._condition.notify_all()


class _Clock:
    """The simulator's clock; during a replay it answers the journal's creation time."""

    def __init__(self) -> None:
        self.fixed: datetime | None = None

    def __call__(self) -> datetime:
        return self.fixed or datetime.now(UTC)


class PersistentCollections:
    """A `SimulatedRekognition` whose collection changes are journaled in `directory`."""

    def __init__(
        self,
        directory: Path,
        make_client: Callable[[Callable[[], datetime]], SimulatedRekognition],
        load_world: WorldLoader,
    ) -> None:
        self._directory = directory
        self._clock = _Clock()
        self.client = make_client(self._clock)
        self._load_world = load_world
        self.lock = ReadWriteLock()
        self._replay_all()

    def _journal(self, collection_id: str) -> Path:
        return self._directory / f"{collection_id}.jsonl"

    # -- replay -----------------------------------------------------------------------

    def _replay_all(self) -> None:
        if not self._directory.is_dir():
            return
        for path in sorted(self._directory.glob("*.jsonl")):
            self._replay(path.name[: -len(".jsonl")], path)

    def _replay(self, collection_id: str, path: Path) -> None:
        from leadreview.io.limits import parse_json, read_lines_limited

        try:
            for number, line in read_lines_limited(path, "collection journal"):
                if line.strip():
                    where = f"{path}: line {number}"
                    self._apply(collection_id, parse_json(line, where), where)
        except LeadreviewError as exc:
            raise ConfigurationError(f"cannot replay the collection: {exc.message}") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigurationError(f"{path}: cannot replay the collection ({exc})") from None

    def _apply(self, collection_id: str, entry: dict[str, Any], where: str) -> None:
        op = entry["op"]
        if op == "create":
            self._clock.fixed = datetime.fromisoformat(entry["created"])
            try:
                self.client.create_collection(CollectionId=collection_id, Tags=entry["tags"])
            finally:
                self._clock.fixed = None
        elif op == "seed":
            self._import_world(collection_id, entry["scenario"], entry["seed"])
        elif op == "index":
            params: dict[str, Any] = {
                "CollectionId": collection_id,
                "Image": {"Bytes": base64.b64decode(entry["image"])},
            }
            if entry.get("external_image_id"):
                params["ExternalImageId"] = entry["external_image_id"]
            records = self.client.index_faces(**params)["FaceRecords"]
            if [r["Face"]["FaceId"] for r in records] != [entry["face_id"]]:
                raise ValueError(f"{where}: the face no longer indexes as {entry['face_id']}")
        elif op == "delete":
            self.client.delete_faces(CollectionId=collection_id, FaceIds=entry["face_ids"])
        else:
            raise ValueError(f"{where}: unknown entry {op!r}")

    def _import_world(self, collection_id: str, scenario: str, seed: int | None) -> int:
        gallery = self._load_world(scenario, seed).gallery
        self.client.import_faces(
            collection_id,
            gallery.embeddings,
            Ids=gallery,  # ids computed per lead returned, not per face
        )
        return int(gallery.size)

    # -- journaling -------------------------------------------------------------------

    def _append(self, collection_id: str, entry: dict[str, Any]) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(
            self._journal(collection_id), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600
        )
        with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, separators=(",", ":")) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def created(self, collection_id: str, tags: dict[str, str], when: datetime) -> None:
        self._append(collection_id, {"op": "create", "tags": tags, "created": when.isoformat()})

    def indexed(
        self,
        collection_id: str,
        image: bytes,
        response: dict[str, Any],
        external_image_id: str | None,
    ) -> None:
        for record in response.get("FaceRecords", []):
            self._append(
                collection_id,
                {
                    "op": "index",
                    "face_id": record["Face"]["FaceId"],
                    "external_image_id": external_image_id,
                    "image": base64.b64encode(image).decode("ascii"),
                },
            )

    def deleted_faces(self, collection_id: str, face_ids: list[str]) -> None:
        if face_ids:
            self._append(collection_id, {"op": "delete", "face_ids": face_ids})

    def dropped(self, collection_id: str) -> None:
        self._journal(collection_id).unlink(missing_ok=True)

    def seed_world(self, collection_id: str, scenario: str, seed: int | None) -> int | None:
        """Create `collection_id` from a scenario's gallery unless it exists already (then
        it was restored from its journal). Returns the faces imported, None if it existed."""
        with self.lock.writing():
            if self._journal(collection_id).exists():
                return None
            self.client.create_collection(CollectionId=collection_id)
            when = self.client.describe_collection(CollectionId=collection_id)
            try:
                count = self._import_world(collection_id, scenario, seed)
            except Exception:
                self.client.delete_collection(CollectionId=collection_id)
                raise
            self.created(collection_id, {}, when["CreationTimestamp"])
            self._append(collection_id, {"op": "seed", "scenario": scenario, "seed": seed})
            return count
