"""Record a batch run (`leadreview replay --record`): every search, lead and verdict.

The whole run is one transaction: a run is recorded completely or not at all, like a
single search (P7). Inside it, rows go in as multi-row INSERTs a chunk of searches at a
time, and the audit log gets one `search.recorded` event per search (its leads and every
policy's verdict on each) plus one `batch.recorded` event that closes the run. One event
per lead would multiply the serialised, hashed appends by the list length (up to 50)
and split a search's verdicts across events an auditor would have to reassemble.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING

from sqlalchemy import insert
from sqlmodel import Session

from leadreview.domain.lead import Lead
from leadreview.domain.policy import UseCase
from leadreview.domain.probe import CaptureQuality, Probe
from leadreview.domain.roles import Action, Actor
from leadreview.store.tables.workflow import BatchRunRow, ProbeRow
from leadreview.workflow.audit_port import EventType
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.permissions import require
from leadreview.workflow.policy_documents import store_policy_documents
from leadreview.workflow.policy_set import PolicySet
from leadreview.workflow.recording import SearchToRecord, record_searches
from leadreview.workflow.reviewers import reviewer_id
from leadreview.workflow.sql import table_of

if TYPE_CHECKING:
    from leadreview.search.matching import EmbeddingSearchResult

CHUNK_SEARCHES = 250


@dataclass(frozen=True)
class BatchSearch:
    """One search of the run: its probe and its ranked leads (rank 1 first)."""

    probe_ref: str
    quality: CaptureQuality
    leads: Sequence[Lead]
    source: str = "batch replay"


@dataclass(frozen=True)
class BatchRecorded:
    batch_run_id: int
    searches: int
    leads: int
    verdicts: int
    first_search_id: int | None
    last_search_id: int | None


def _chunks(items: Iterable[BatchSearch], size: int) -> Iterator[list[BatchSearch]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def record_batch(
    ctx: WorkflowContext,
    actor: Actor,
    policies: PolicySet,
    searches: Iterable[BatchSearch],
    *,
    label: str,
    use_case: UseCase,
    collection_id: str,
    max_faces: int,
    face_match_threshold: float = 0.0,
    face_model_version: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> BatchRecorded:
    """Record the run; `progress` is called with the number of searches recorded so far."""
    require(ctx, actor, Action.RECORD_BATCH, {"label": label})
    now = ctx.clock()
    with ctx.store.transaction() as session:
        run = BatchRunRow(
            label=label,
            use_case=use_case.value,
            started_by_id=reviewer_id(session, ctx.audit, actor, now),
            started_at=now,
        )
        session.add(run)
        store_policy_documents(session, policies.policies, now)
        session.flush()
        assert run.id is not None
        done = leads = 0
        first: int | None = None
        last: int | None = None
        for chunk in _chunks(searches, CHUNK_SEARCHES):
            probe_ids = _insert_probes(session, run.id, chunk)
            recorded = record_searches(
                session,
                ctx.audit,
                actor,
                policies,
                [
                    SearchToRecord(
                        probe_id=probe_id,
                        case_id=None,
                        batch_run_id=run.id,
                        use_case=use_case,
                        collection_id=collection_id,
                        face_match_threshold=face_match_threshold,
                        max_faces=max_faces,
                        face_model_version=face_model_version,
                        leads=item.leads,
                    )
                    for item, probe_id in zip(chunk, probe_ids, strict=True)
                ],
                now=now,
            )
            first = recorded[0].search_id if first is None else first
            last = recorded[-1].search_id
            done += len(chunk)
            leads += sum(len(item.leads) for item in chunk)
            if progress is not None:
                progress(done)
        run.search_count = done
        run.lead_count = leads
        result = BatchRecorded(
            batch_run_id=run.id,
            searches=done,
            leads=leads,
            verdicts=leads * len(policies.policies),
            first_search_id=first,
            last_search_id=last,
        )
        ctx.audit.append(
            session,
            actor=actor.name,
            role=actor.role.value,
            event_type=EventType.BATCH_RECORDED.value,
            payload={
                "batch_run_id": run.id,
                "label": label,
                "use_case": use_case.value,
                "collection_id": collection_id,
                "search_count": done,
                "lead_count": leads,
                "verdict_count": result.verdicts,
                "first_search_id": first,
                "last_search_id": last,
                "policy_in_force": {
                    "name": policies.in_force.name,
                    "sha256": policies.in_force.sha256,
                },
                "policies": [{"name": p.name, "sha256": p.sha256} for p in policies.policies],
            },
        )
    return result


def _insert_probes(session: Session, run_id: int, chunk: list[BatchSearch]) -> list[int]:
    table = table_of(ProbeRow)
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    rows = [
        {
            "batch_run_id": run_id,
            "probe_ref": item.probe_ref,
            "quality": item.quality.value,
            "source": item.source,
        }
        for item in chunk
    ]
    return [int(i) for i in session.execute(statement, rows).scalars()]


def searches_from_result(
    result: "EmbeddingSearchResult",
    probes: Sequence[Probe],
    external_image_id: Callable[[int], str],
) -> Iterator[BatchSearch]:
    """The searches of a simulator batch (`search_embeddings`) as `record_batch` takes them.

    `external_image_id(position)` names the gallery row at a position (the world's gallery
    knows it); row i of `result` is the search for `probes[i]`.
    """
    for i, probe in enumerate(probes):
        yield BatchSearch(
            probe_ref=probe.probe_id,
            quality=probe.quality,
            source=probe.source,
            leads=[
                Lead(
                    rank=rank,
                    similarity=similarity,
                    face_id=face_id,
                    external_image_id=external_image_id(position),
                )
                for rank, (position, face_id, similarity) in enumerate(result.row(i), start=1)
            ],
        )
