"""Fixtures for the workflow tests: policies, the workflow over the shared `store`
fixture (tests/conftest.py: SQLite and PostgreSQL), a simulated Rekognition whose probe
gives known similarities, and helpers that read rows and events.
"""

from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
from PIL import Image
from sqlmodel import SQLModel

from leadreview.audit.log import AuditLog
from leadreview.audit.models import AuditEvent
from leadreview.domain.case import CaseOpening
from leadreview.domain.probe import CaptureQuality
from leadreview.domain.roles import Actor, Role
from leadreview.policy.loader import load_policy_file
from leadreview.store.store import Store
from leadreview.workflow.cases import SearchBackend
from leadreview.workflow.policy_set import PolicySet
from leadreview.workflow.sql import table_of

COLLECTION = "wcso-booking"
# The probe's similarity to each gallery face, best first: the sheriff's 96.03 true lead,
# the 93.5 wrong person, and one just under the API default of 80 inside the top 5.
SIMILARITIES = (99.6, 96.03, 93.5, 88.0, 79.0, 62.0, 40.0)
TOP = 5  # wcso-practice's max_candidates

TWO_REVIEWERS_POLICY = """\
name: two-reviewers
title: "No threshold, top 5, two reviewers must agree"
sources: ["leadreview test policy"]
min_similarity: null
max_candidates: 5
reviewers_required: 2
allowed_use_cases: [investigation, missing-person]
"""

ALICE = Actor(name="alice", role=Role.REVIEWER)
BOB = Actor(name="bob", role=Role.REVIEWER)
INVESTIGATOR = Actor(name="ivy", role=Role.INVESTIGATOR)
SUPERVISOR = Actor(name="sam", role=Role.SUPERVISOR)
AUDITOR = Actor(name="audrey", role=Role.AUDITOR)


def _identity(c: Any) -> Any:
    return np.clip(np.asarray(c, dtype=np.float64), 0.0, 1.0) * 100.0


def _gallery_and_probe() -> tuple[np.ndarray, np.ndarray]:
    """Faces g_i = c_i·e0 + sqrt(1-c_i²)·e_i and the probe e0, so probe·g_i = c_i exactly."""
    n = len(SIMILARITIES)
    gallery = np.zeros((n, n + 1), dtype=np.float32)
    for i, s in enumerate(SIMILARITIES):
        c = s / 100.0
        gallery[i, 0] = c
        gallery[i, i + 1] = np.sqrt(1.0 - c * c)
    gallery /= np.linalg.norm(gallery, axis=1, keepdims=True)
    probe = np.zeros(n + 1, dtype=np.float32)
    probe[0] = 1.0
    return gallery, probe


def probe_image_bytes() -> bytes:
    from leadreview.search.probe_image import encode_probe_image

    _, probe = _gallery_and_probe()
    return encode_probe_image(probe, Image.new("RGB", (96, 96), (128, 110, 100)))


def make_backend() -> SearchBackend:
    from leadreview.search.simulated import SimulatedRekognition

    client = SimulatedRekognition(_identity)
    client.create_collection(CollectionId=COLLECTION)
    gallery, _ = _gallery_and_probe()
    client.import_faces(
        COLLECTION,
        np.ascontiguousarray(gallery),
        ExternalImageIds=[f"booking-{i + 1:03d}" for i in range(len(SIMILARITIES))],
    )
    return SearchBackend(client=client, collection_id=COLLECTION)


def opening(**overrides: Any) -> CaseOpening:
    fields: dict[str, Any] = {
        "offense": "theft from a store",
        "quality": CaptureQuality.CCTV,
        "source": "store CCTV, aisle 4",
        "image": probe_image_bytes(),
        "probe_ref": "probe-001",
    }
    fields.update(overrides)
    return CaseOpening(**fields)


def policy_set(policy_dir: Path, in_force: str = "wcso-practice") -> PolicySet:
    loaded = [load_policy_file(p) for p in sorted(policy_dir.glob("*.yaml"))]
    return PolicySet.of(loaded, in_force)


def count(store: Store, model: type[SQLModel], **where: Any) -> int:
    table = table_of(model)
    query = sa.select(sa.func.count()).select_from(table)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    with store.reading() as session:
        return int(session.execute(query).scalar_one())


def rows(store: Store, model: type[SQLModel], **where: Any) -> list[dict[str, Any]]:
    table = table_of(model)
    query = sa.select(table)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    with store.reading() as session:
        return [
            dict(r._mapping)
            for r in session.execute(query.order_by(table.c[table.primary_key.columns.keys()[0]]))
        ]


def events(store: Store, event_type: str | None = None) -> list[AuditEvent]:
    with store.reading() as session:
        return AuditLog.events(session, event_type=event_type)
