"""The enforcement dialog: an investigator asks for an arrest, a warrant or a search on a
forwarded lead, citing the evidence it rests on.

Nothing is chosen for the investigator; each evidence item has a kind, a description and
whether it was found only by following the lead. The gate, not this dialog, decides: a
request without independent evidence is sent all the same, refused by the gate and kept
on record, so that the pressure to act on a lead alone shows in the debrief.
"""

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, RadioButton, RadioSet, Select, Static

from leadreview.domain.enforcement import EnforcementKind, EvidenceItem, EvidenceKind
from leadreview.domain.roles import Actor
from leadreview.tui.screens.decision import GATE_RULES
from leadreview.workflow.views import LeadView

NO_EVIDENCE = "Evidence cited: none yet (the gate refuses a request that rests on the lead alone)"


@dataclass(frozen=True)
class EnforcementDraft:
    lead_id: int
    kind: EnforcementKind
    evidence: tuple[EvidenceItem, ...]


def evidence_text(items: tuple[EvidenceItem, ...]) -> str:
    if not items:
        return NO_EVIDENCE
    lines = ["Evidence cited:"]
    for number, item in enumerate(items, start=1):
        found = " (found by following the lead)" if item.derived_from_lead else ""
        lines.append(f"{number}. {item.kind.value}: {item.description}{found}")
    return "\n".join(lines)


class EnforcementScreen(ModalScreen[EnforcementDraft | None]):
    CSS_PATH = "enforcement.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="enforcement.cancel", tooltip="Ask for nothing"),
        Binding(
            "ctrl+s",
            "submit",
            "Send",
            id="enforcement.submit",
            tooltip="Send the request to the enforcement gate",
        ),
        Binding(
            "ctrl+n",
            "add_evidence",
            "Add evidence",
            id="enforcement.add-evidence",
            tooltip="Add the evidence item typed below (Enter in the description does too)",
        ),
    ]

    KINDS = tuple(EnforcementKind)

    def __init__(self, lead: LeadView, actor: Actor) -> None:
        super().__init__()
        self.lead = lead
        self.actor = actor
        self.items: tuple[EvidenceItem, ...] = ()

    def compose(self) -> ComposeResult:
        lead = self.lead
        with Vertical(id="enforcement-box"):
            yield Static(
                f"Enforcement request on lead rank {lead.rank} (Similarity "
                f"{lead.similarity:.2f}) in case #{lead.case_id} as {self.actor.name} "
                f"({self.actor.role.value})",
                id="enforcement-title",
                markup=False,
            )
            with RadioSet(id="enforcement-kind"):
                for kind in self.KINDS:
                    yield RadioButton(kind.value, value=False)
            with Horizontal(id="evidence-row"):
                yield Select(
                    [(k.value, k) for k in EvidenceKind],
                    prompt="evidence kind",
                    id="evidence-kind",
                )
                yield Input(placeholder="what it is and shows", id="evidence-text")
                yield Checkbox("found by following the lead", id="evidence-derived")
            yield Static(NO_EVIDENCE, id="evidence-items", markup=False)
            yield Static("", id="enforcement-error", markup=False)
            yield Static(f"[b]Enforcement gate[/b] {GATE_RULES}", id="enforcement-gate")
            with Horizontal(id="enforcement-buttons"):
                yield Button("Add evidence", id="enforcement-add")
                yield Button("Send request", id="enforcement-send", variant="primary")
                yield Button("Cancel", id="enforcement-cancel")

    def on_mount(self) -> None:
        self.query_one("#evidence-text", Input).cursor_blink = getattr(
            self.app, "cursor_blink", True
        )
        self.query_one(RadioSet).focus()

    def chosen(self) -> EnforcementKind | None:
        index = self.query_one(RadioSet).pressed_index
        return self.KINDS[index] if index >= 0 else None

    def _error(self, text: str) -> None:
        self.query_one("#enforcement-error", Static).update(f"✖ {text}" if text else "")

    def action_add_evidence(self) -> None:
        kind = self.query_one("#evidence-kind", Select).value
        text = self.query_one("#evidence-text", Input).value.strip()
        if not isinstance(kind, EvidenceKind):
            self._error("choose the evidence's kind first")
            self.query_one("#evidence-kind", Select).focus()
            return
        if not text:
            self._error("describe the evidence: what it is, and what it shows")
            self.query_one("#evidence-text", Input).focus()
            return
        derived = self.query_one("#evidence-derived", Checkbox).value
        item = EvidenceItem(kind=kind, description=text[:2000], derived_from_lead=derived)
        self.items = (*self.items, item)
        self.query_one("#evidence-items", Static).update(evidence_text(self.items))
        self.query_one("#evidence-text", Input).value = ""
        self.query_one("#evidence-derived", Checkbox).value = False
        self.query_one("#evidence-kind", Select).clear()
        self._error("")

    def action_submit(self) -> None:
        kind = self.chosen()
        if kind is None:
            self._error("choose what you ask for: arrest, warrant or search")
            self.query_one(RadioSet).focus()
            return
        self.dismiss(EnforcementDraft(self.lead.lead_id, kind, self.items))

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#evidence-text")
    def _text_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_add_evidence()

    @on(Button.Pressed, "#enforcement-add")
    def _add_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_add_evidence()

    @on(Button.Pressed, "#enforcement-send")
    def _send_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed, "#enforcement-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()
