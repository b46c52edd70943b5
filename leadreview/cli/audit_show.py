"""`leadreview audit show`: browse the log by type, actor, case, reviewer and decision,
or list the forwarded leads a policy would have filtered (`--filtered-by`).

Reading the log needs the `view-audit` permission (auditor, supervisor, facilitator,
analyst), as `ReviewWorkflow.case_events` does: a refusal is recorded in the log and
exits 3; a permitted read is not recorded. `--actor` was already the "only this actor"
filter, so who reads is `--as NAME` (as in `exercise`) with `--role` (default auditor).
"""

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Annotated, Any

import typer

from leadreview.cli.bounds import DB_INT_MAX, ROW_ID_MAX, ROWS_MAX
from leadreview.domain.decision import DecisionKind
from leadreview.domain.roles import Role

if TYPE_CHECKING:
    from leadreview.audit.models import AuditEvent
    from leadreview.domain.roles import Actor
    from leadreview.workflow.audit_filters import FilteredLeadRow
    from leadreview.workflow.context import WorkflowContext


def show_command(
    event_type: Annotated[str | None, typer.Option("--type", help="only this event type")] = None,
    actor: Annotated[str | None, typer.Option("--actor", help="only this actor")] = None,
    since_seq: Annotated[
        int | None,
        typer.Option("--since-seq", help="from this sequence number on", min=0, max=DB_INT_MAX),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", help="at most this many rows", min=1, max=ROWS_MAX)
    ] = 100,
    case_id: Annotated[
        int | None,
        typer.Option("--case", help="only events about this case", min=1, max=ROW_ID_MAX),
    ] = None,
    reviewer: Annotated[
        str | None,
        typer.Option("--reviewer", help="only this person's decisions (lead.decided)"),
    ] = None,
    decision: Annotated[
        DecisionKind | None,
        typer.Option("--decision", help="only lead.decided events with this decision"),
    ] = None,
    filtered_by: Annotated[
        str | None,
        typer.Option(
            "--filtered-by", help="instead: forwarded leads this policy would have filtered"
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines, full payloads")] = False,
    role: Annotated[Role, typer.Option("--role", help="the role you read in")] = Role.AUDITOR,
) -> None:
    """Events oldest first, one summary line each; filters combine.

    --reviewer NAME keeps the decisions NAME made; --actor NAME keeps all NAME did.
    With --filtered-by POLICY, --case, --reviewer and --limit narrow the leads listed.
    """
    from leadreview.cli.context import application
    from leadreview.workflow.audit_filters import EventQuery, show_events

    if filtered_by is not None:
        unused = {"--type": event_type, "--actor": actor, "--since-seq": since_seq}
        given = [k for k, v in {**unused, "--decision": decision}.items() if v is not None]
        if given:
            raise typer.BadParameter(f"{', '.join(given)} cannot be used with --filtered-by")
    viewer = application().principal(role).actor
    store = application().store()
    try:
        ctx = application().workflow_context()
        if filtered_by is not None:
            rows = _filtered_rows(ctx, viewer, filtered_by, case_id, reviewer, limit)
        else:
            query = EventQuery(
                event_type=event_type,
                actor=actor,
                since_seq=since_seq,
                limit=limit,
                case_id=case_id,
                reviewer=reviewer,
                decision=decision,
            )
            events = show_events(ctx, viewer, query)
    finally:
        store.dispose()
    if filtered_by is not None:
        _print_filtered(rows, filtered_by, as_json)
    else:
        _print_events(events, as_json)


def _filtered_rows(
    ctx: "WorkflowContext",
    viewer: "Actor",
    policy: str,
    case_id: int | None,
    reviewer: str | None,
    limit: int,
) -> "list[FilteredLeadRow]":
    from leadreview.policy.loader import load_bundled_policies
    from leadreview.workflow.audit_filters import forwarded_filtered_by
    from leadreview.workflow.policy_set import DEFAULT_POLICY, PolicySet
    from leadreview.workflow.service import ReviewWorkflow

    bundled = load_bundled_policies()
    in_force = next((p for p in bundled if p.name == DEFAULT_POLICY), bundled[0]).name
    # Reads only: the policy set is required by the workflow but never applied here.
    workflow = ReviewWorkflow(ctx=ctx, policies=PolicySet.of(bundled, in_force))
    return forwarded_filtered_by(
        workflow,
        viewer,
        policy,
        bundled=[p.name for p in bundled],
        case_id=case_id,
        reviewer=reviewer,
        limit=limit,
    )


def _print_events(events: "list[AuditEvent]", as_json: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    if as_json:
        for e in events:
            typer.echo(json.dumps(_event_json(e), ensure_ascii=False))
        return
    table = Table(title=f"Audit events ({len(events)})")
    for column in ("seq", "time (UTC)", "actor", "role", "type"):
        table.add_column(column, no_wrap=True)
    # One line per event: the summary is cut with an ellipsis; --json has everything.
    table.add_column("summary", no_wrap=True, overflow="ellipsis", ratio=1)
    table.add_column("digest", no_wrap=True)
    for e in events:
        table.add_row(
            str(e.seq), e.time_text, e.actor, e.role, e.event_type, summarize(e), e.digest[:12]
        )
    Console().print(table)


def _event_json(event: "AuditEvent") -> dict[str, object]:
    return {
        "seq": event.seq,
        "time": event.time_text,
        "actor": event.actor,
        "role": event.role,
        "event_type": event.event_type,
        "payload": event.payload,
        "prev_digest": event.prev_digest,
        "digest": event.digest,
    }


def _print_filtered(rows: "list[FilteredLeadRow]", policy: str, as_json: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    if as_json:
        for row in rows:
            data = row.lead.model_dump(mode="json")
            typer.echo(json.dumps({**data, "decision_seqs": list(row.decision_seqs)}))
        return
    table = Table(title=f"Forwarded leads {policy} would have filtered ({len(rows)})")
    for column in ("case", "lead", "rank", "Similarity"):
        table.add_column(column, justify="right")
    for column in ("rule", "reason", "forwarded by"):
        table.add_column(column)
    table.add_column("decision seq", justify="right")
    for row in rows:
        v = row.lead
        table.add_row(
            str(v.case_id),
            str(v.lead_id),
            str(v.rank),
            f"{v.similarity:.2f}",
            v.rule.value,
            v.reason,
            ", ".join(v.forwarded_by),
            ", ".join(str(s) for s in row.decision_seqs),
        )
    Console().print(table)


# --- one-line summaries -----------------------------------------------------------------

_RATIONALE_WIDTH = 40


def summarize(event: "AuditEvent") -> str:
    """The payload as one line a reader scans; unknown types list their scalar fields."""
    payload = event.payload
    describe = _SUMMARIES.get(event.event_type)
    try:
        text = describe(payload) if describe else _scalars(payload)
    except (KeyError, TypeError, ValueError):
        text = _scalars(payload)  # an older payload shape: still one readable line
    return " ".join(text.split())


def _quoted(text: object, width: int = _RATIONALE_WIDTH) -> str:
    flat = " ".join(str(text).split())
    return repr(flat if len(flat) <= width else flat[: width - 1] + "…")


def _case(p: Mapping[str, Any]) -> str:
    return f"case {p['case_id']}" if p.get("case_id") is not None else "no case"


def _case_opened(p: Mapping[str, Any]) -> str:
    policy = p["policy_in_force"]["name"]
    return (
        f"{_case(p)}: {p['offense']} ({p['use_case']}) under {policy}, "
        f"{p['reviewers_required']} reviewer(s)"
    )


def _search_recorded(p: Mapping[str, Any]) -> str:
    where = _case(p) if p.get("case_id") is not None else f"batch {p.get('batch_run_id')}"
    leads = p["leads"]
    shown = sum(1 for lead in leads if lead.get("shown"))
    return f"{where}: {len(leads)} leads ({shown} shown), {p['verdict_count']} verdicts"


def _lead_decided(p: Mapping[str, Any]) -> str:
    return (
        f"{_case(p)} lead {p['lead_id']} rank {p['rank']}: {p['decision']} "
        f"→ {p['status_after']} — {_quoted(p['rationale'])}"
    )


def _enforcement(p: Mapping[str, Any]) -> str:
    outcome = "granted" if p["granted"] else "refused"
    return f"{_case(p)} lead {p['lead_id']}: {p['kind']} {outcome} — {_quoted(p['reason'], 60)}"


def _refused(p: Mapping[str, Any]) -> str:
    subject = ", ".join(f"{k}={v}" for k, v in p["subject"].items() if v is not None)
    return f"{p['action']} refused ({subject or 'no subject'})"


def _registered(p: Mapping[str, Any]) -> str:
    return f"{p['name']} registered as {p['role']} (reviewer {p['reviewer_id']})"


def _batch(p: Mapping[str, Any]) -> str:
    return (
        f"batch {p['batch_run_id']} {_quoted(p['label'])}: {p['search_count']} searches, "
        f"{p['lead_count']} leads, {p['verdict_count']} verdicts"
    )


def _scalars(p: Mapping[str, Any]) -> str:
    return ", ".join(
        f"{k}={_quoted(v) if isinstance(v, str) else v}"
        for k, v in p.items()
        if v is None or isinstance(v, str | int | float | bool)
    )


_SUMMARIES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "case.opened": _case_opened,
    "search.recorded": _search_recorded,
    "lead.decided": _lead_decided,
    "enforcement.granted": _enforcement,
    "enforcement.refused": _enforcement,
    "permission.refused": _refused,
    "reviewer.registered": _registered,
    "batch.recorded": _batch,
}
