"""A case under review: the probe, the ranked leads, the highlighted lead beside the probe."""

from collections.abc import Sequence
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Static

from leadreview.domain.decision import LeadStatus
from leadreview.domain.roles import Action, may
from leadreview.errors import LeadreviewError
from leadreview.tui.messages import (
    CaseLoaded,
    DecisionRefused,
    EnforcementAnswered,
    LeadDecided,
    LeadOpened,
    ProbePictureLoaded,
)
from leadreview.tui.screens.base import AppScreen
from leadreview.tui.screens.decision import DecisionRequest, DecisionScreen
from leadreview.tui.screens.enforcement import EnforcementDraft, EnforcementScreen
from leadreview.tui.screens.error import ErrorScreen
from leadreview.tui.symbols import STATUS_TEXT, VERDICT_TEXT, column_label, decision_text
from leadreview.tui.widgets.face_picture import FacePicture
from leadreview.tui.widgets.lead_panels import lead_text, probe_text, verdict_lines
from leadreview.tui.widgets.nav_table import NavTable
from leadreview.workflow.errors import DecisionConflict, EnforcementRefused
from leadreview.workflow.views import CaseDetail, LeadDetail, LeadView

# Marks a lead whose row disagrees with the audit log (text, not colour alone).
LOG_MARK = " ≠ log"


class CaseReviewScreen(AppScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "d",
            "decide",
            "Decide",
            id="lead.decide",
            tooltip="Decide the highlighted lead: possible lead, not a match, inconclusive",
        ),
        Binding(
            "n",
            "next_undecided",
            "Next undecided",
            id="lead.next-undecided",
            tooltip="Jump to the next lead you have not decided",
        ),
        Binding(
            "e",
            "enforce",
            "Enforce",
            id="lead.enforce",
            tooltip="Investigator: ask for an arrest, warrant or search on a forwarded lead",
        ),
        Binding("y", "copy_lead", "Copy", id="lead.copy", tooltip="Copy the lead's summary"),
        Binding("r", "refresh", "Refresh", id="case.refresh", tooltip="Reload the case"),
        Binding("h,escape", "back", "Back", id="case.back", tooltip="Back to the case queue"),
        # Priority, or the focused table would take the arrow to scroll sideways.
        Binding(
            "left",
            "back",
            "Back",
            id="case.back-arrow",
            show=False,
            priority=True,
            tooltip="Back to the case queue",
        ),
    ]

    def __init__(self, case_id: int) -> None:
        super().__init__()
        self.case_id = case_id
        self.case: CaseDetail | None = None
        self.leads: dict[int, LeadView] = {}
        self.disagreements: dict[int, list[str]] = {}
        self.lead_detail: LeadDetail | None = None

    def compose(self) -> ComposeResult:
        mode = self.lr_app.picture_mode
        yield Header()
        yield Static(
            f"Case #{self.case_id} — loading…",
            id="case-title",
            classes="screen-title",
            markup=False,
        )
        with Horizontal(id="faces"):
            yield FacePicture("probe", mode=mode, id="probe-picture")
            yield Static("", id="probe-info", classes="facts")
            yield FacePicture("lead", mode=mode, id="lead-picture")
            yield Static("", id="lead-info", classes="facts")
        yield Static("", id="verdicts", classes="facts")
        yield NavTable(id="lead-table")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#lead-table", NavTable).focus()
        self.load_case()
        self.load_probe_picture()

    # Loading: exclusive workers, so a newer request cancels a stale one.

    @work(thread=True, exclusive=True, group="case-load", exit_on_error=False)
    def load_case(self) -> None:
        app = self.lr_app
        case = app.gateway.get_case(app.actor, self.case_id)
        self.post_message(CaseLoaded(case, app.gateway.log_disagreements(self.case_id)))

    def live_refresh(self) -> None:
        # Another reviewer's decision changes a lead's status; the highlighted lead stays.
        self.load_case()

    @work(thread=True, exclusive=True, group="probe-picture", exit_on_error=False)
    def load_probe_picture(self) -> None:
        image = self.lr_app.gateway.probe_picture(self.case_id)
        self.post_message(ProbePictureLoaded(self.case_id, image))

    @work(thread=True, exclusive=True, group="lead-open", exit_on_error=False)
    def open_lead(self, lead_id: int) -> None:
        app = self.lr_app
        detail = app.gateway.get_lead(app.actor, lead_id)
        image = app.gateway.lead_picture(lead_id)
        self.post_message(LeadOpened(detail, image))

    @on(CaseLoaded)
    def show_case(self, message: CaseLoaded) -> None:
        case = self.case = message.case
        self.leads = {lead.lead_id: lead for lead in case.leads}
        self.disagreements = message.disagreements or {}
        summary = case.summary
        hidden = f", {case.hidden_filtered} filtered lead(s) hidden" if case.hidden_filtered else ""
        self.query_one("#case-title", Static).update(
            f"Case #{summary.case_id} — {summary.offense} — {summary.use_case.value} — "
            f"policy in force: {summary.policy_name} "
            f"({summary.reviewers_required} reviewer(s) must agree){hidden}"
        )
        self.query_one("#probe-info", Static).update(probe_text(case))
        table = self.query_one("#lead-table", NavTable)
        highlighted = self.highlighted_lead()
        table.clear(columns=True)
        table.add_column("rank", key="rank")
        table.add_column("Similarity", key="similarity")
        for policy in case.policies:
            table.add_column(
                column_label(policy.name, policy.in_force), key=f"policy:{policy.name}"
            )
        table.add_column("status", key="status")
        table.add_column("your decision", key="decision")
        table.header_height = 2
        names = [p.name for p in case.policies]
        for lead in case.leads:
            table.add_row(*self._cells(lead, names), key=str(lead.lead_id))
        if highlighted is not None and str(highlighted.lead_id) in table.rows:
            table.move_cursor(row=table.get_row_index(str(highlighted.lead_id)), animate=False)
        self._show_lead()

    def _cells(self, lead: LeadView, policy_names: Sequence[str]) -> list[str]:
        verdicts = {v.policy_name: v.verdict for v in lead.verdicts}
        own = lead.decided_by(self.lr_app.actor.name)
        return [
            str(lead.rank),
            f"{lead.similarity:6.2f}",
            *(VERDICT_TEXT[verdicts[n]] if n in verdicts else "— none" for n in policy_names),
            STATUS_TEXT[lead.status] + (LOG_MARK if lead.lead_id in self.disagreements else ""),
            decision_text(own.kind if own else None),
        ]

    @on(ProbePictureLoaded)
    def show_probe_picture(self, message: ProbePictureLoaded) -> None:
        picture = self.query_one("#probe-picture", FacePicture)
        picture.show(message.image, f"probe (case #{message.case_id})")

    @on(DataTable.RowHighlighted, "#lead-table")
    def _lead_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_lead()

    def _show_lead(self) -> None:
        lead = self.highlighted_lead()
        if lead is None:
            return
        # What the table already knows shows at once; record and picture follow.
        self.query_one("#lead-info", Static).update(
            lead_text(lead, self.lead_detail, self.lr_app.actor.name)
        )
        differs = self.disagreements.get(lead.lead_id)
        warning = f"\n≠ disagrees with the audit log: {'; '.join(differs)}" if differs else ""
        self.query_one("#verdicts", Static).update(verdict_lines(lead) + warning)
        if self.lead_detail is None or self.lead_detail.lead.lead_id != lead.lead_id:
            self.open_lead(lead.lead_id)

    @on(LeadOpened)
    def show_opened_lead(self, message: LeadOpened) -> None:
        lead = self.highlighted_lead()
        if lead is None or lead.lead_id != message.detail.lead.lead_id:
            return  # the cursor has moved on
        self.lead_detail = message.detail
        self.query_one("#lead-picture", FacePicture).show(
            message.image, f"lead rank {lead.rank} ({lead.face_id[:8]})"
        )
        self.query_one("#lead-info", Static).update(
            lead_text(lead, message.detail, self.lr_app.actor.name)
        )

    def highlighted_lead(self) -> LeadView | None:
        table = self.query_one("#lead-table", NavTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.leads.get(int(key)) if key is not None else None

    # Deciding: a write, so never exclusive; the service writes decision and event together.

    def action_decide(self) -> None:
        lead = self.highlighted_lead()
        if lead is None or self.case is None:
            return
        # Refuse before the reviewer writes a rationale that cannot be recorded.
        own = lead.decided_by(self.lr_app.actor.name)
        if own is not None:
            self.notify(
                f"You decided lead rank {lead.rank} already ({decision_text(own.kind)}); "
                "a decision stands once recorded, and a second opinion must be someone else's.",
                title="Already decided",
                severity="warning",
            )
            return
        if not lead.status.open_for_decision:
            self.notify(
                f"Lead rank {lead.rank} is {STATUS_TEXT[lead.status]}: it is not open for a "
                "decision.",
                title="Not open",
                severity="warning",
            )
            return
        dialog = DecisionScreen(lead, self.case.summary, self.lr_app.actor)
        self.app.push_screen(dialog, self._decision_made)

    @on(DataTable.RowSelected, "#lead-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_decide()

    def _decision_made(self, request: DecisionRequest | None) -> None:
        if request is not None:
            self.decide(request)

    @work(thread=True, exit_on_error=False, group="decide")
    def decide(self, request: DecisionRequest) -> None:
        app = self.lr_app
        try:
            lead = app.gateway.decide(
                app.actor, request.lead_id, request.kind, request.rationale, request.version
            )
        except DecisionConflict as conflict:
            self.post_message(
                DecisionRefused(conflict.lead_id, conflict.message, tuple(conflict.decided_by))
            )
            return
        except LeadreviewError as refused:
            self.post_message(DecisionRefused(request.lead_id, refused.message))
            return
        self.post_message(LeadDecided(lead))

    @on(LeadDecided)
    def show_decision(self, message: LeadDecided) -> None:
        lead = message.lead
        self.leads[lead.lead_id] = lead
        table = self.query_one("#lead-table", NavTable)
        row = str(lead.lead_id)
        if row in table.rows:
            own = lead.decided_by(self.lr_app.actor.name)
            table.update_cell(row, "decision", decision_text(own.kind if own else None))
            mark = LOG_MARK if lead.lead_id in self.disagreements else ""
            table.update_cell(row, "status", STATUS_TEXT[lead.status] + mark)
        self._show_lead()
        self.notify(f"Lead rank {lead.rank}: decision recorded in the audit log.")

    @on(DecisionRefused)
    def show_refusal(self, message: DecisionRefused) -> None:
        if message.decided_by:
            who = ", ".join(message.decided_by)
            self.app.push_screen(
                ErrorScreen(
                    "Decided in another session",
                    f"{who} decided this lead while you were looking at it. Your decision "
                    f"was not recorded and theirs stands; the case has been reloaded so you "
                    f"can see it. ({message.reason})",
                )
            )
            self.load_case()
            return
        self.notify(message.reason, title="Decision not recorded", severity="error")

    # Enforcement: the investigator's request, answered by the gate and kept on record.

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "enforce":
            return may(self.lr_app.actor.role, Action.REQUEST_ENFORCEMENT)
        return True

    def action_enforce(self) -> None:
        lead = self.highlighted_lead()
        if lead is None or not may(self.lr_app.actor.role, Action.REQUEST_ENFORCEMENT):
            return
        if lead.status is not LeadStatus.FORWARDED:
            self.notify(
                f"Lead rank {lead.rank} is {STATUS_TEXT[lead.status]}: only a lead that "
                "review forwarded may be acted on.",
                title="Not forwarded",
                severity="warning",
            )
            return
        self.app.push_screen(EnforcementScreen(lead, self.lr_app.actor), self._drafted)

    def _drafted(self, draft: EnforcementDraft | None) -> None:
        if draft is not None:
            self.request_enforcement(draft)

    @work(thread=True, exit_on_error=False, group="enforce")
    def request_enforcement(self, draft: EnforcementDraft) -> None:
        app = self.lr_app
        try:
            view = app.gateway.request_enforcement(
                app.actor, draft.lead_id, draft.kind, draft.evidence
            )
        except EnforcementRefused as refused:
            self.post_message(EnforcementAnswered(draft.lead_id, False, refused.message))
            return
        self.post_message(
            EnforcementAnswered(draft.lead_id, True, f"{view.kind.value} granted: {view.reason}")
        )

    @on(EnforcementAnswered)
    def show_enforcement(self, message: EnforcementAnswered) -> None:
        if message.granted:
            self.notify(message.reason, title="Enforcement request granted", timeout=15)
        else:
            self.notify(
                message.reason, title="Enforcement request refused", severity="error", timeout=30
            )
        # The lead's panel lists its requests: read it again.
        self.lead_detail = None
        self._show_lead()

    # Navigation and the rest.

    def action_next_undecided(self) -> None:
        table = self.query_one("#lead-table", NavTable)
        me = self.lr_app.actor.name
        order = list(self.leads.values())
        start = table.cursor_row + 1
        for index in [*range(start, len(order)), *range(start)]:
            lead = order[index]
            if lead.status.open_for_decision and lead.decided_by(me) is None:
                table.move_cursor(row=index)
                return
        self.notify("Every open lead in this case has your decision.")

    def action_copy_lead(self) -> None:
        lead = self.highlighted_lead()
        if lead is None:
            return
        text = f"case #{self.case_id} lead rank {lead.rank} similarity {lead.similarity:.2f}"
        self.app.copy_to_clipboard(f"{text}\n{verdict_lines(lead)}")
        self.notify("Lead summary copied.")

    def action_refresh(self) -> None:
        self.load_case()

    def action_back(self) -> None:
        self.app.pop_screen()
