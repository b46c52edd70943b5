"""The decision dialog: possible lead, not a match or inconclusive, and why.

Nothing is chosen for the reviewer: the dialog opens with no decision selected, and
records nothing until one is. The rationale must meet the policy in force's minimum
(in words); the reason for a refusal is shown. Forwarding a lead, the direction that can
hurt someone, asks for confirmation with the enforcement gate's rule in view. The hint
line says what the keys do where the focus is: in the rationale box digits are text.
"""

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import DescendantFocus
from textual.screen import ModalScreen
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

from leadreview.domain.decision import DecisionKind, normalised_rationale, rationale_shortfall
from leadreview.domain.roles import Actor
from leadreview.tui.screens.confirm import ConfirmScreen
from leadreview.tui.symbols import DECISION_TEXT
from leadreview.workflow.views import CaseSummary, LeadView

GATE_RULES = (
    "A lead is not an identification. No arrest, warrant or search may rest on a lead "
    "alone: an enforcement request must cite evidence independent of it, and neither the "
    "lead nor a photo line-up built from it counts."
)

CHOICE_HINT = "1, 2 or 3 chooses and moves to the rationale; Tab moves; Esc cancels"
TYPING_HINT = (
    "Typing the rationale (digits are text here): Enter records; "
    "Tab or shift+Tab back to the choices; Esc cancels"
)


@dataclass(frozen=True)
class DecisionRequest:
    lead_id: int
    version: int  # the lead's version as shown, so a concurrent decision is detected
    kind: DecisionKind
    rationale: str


class DecisionScreen(ModalScreen[DecisionRequest | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="decision.cancel", tooltip="Decide nothing"),
        Binding(
            "ctrl+s",
            "submit",
            "Record",
            id="decision.submit",
            tooltip="Record the decision (Enter in the rationale does the same)",
        ),
        Binding(
            "1",
            "choose(0)",
            "Possible lead",
            id="decision.possible-lead",
            tooltip="Forward as a possible lead to investigate, never an identification",
        ),
        Binding("2", "choose(1)", "Not a match", id="decision.not-a-match"),
        Binding("3", "choose(2)", "Inconclusive", id="decision.inconclusive"),
    ]

    KINDS = (DecisionKind.POSSIBLE_LEAD, DecisionKind.NOT_A_MATCH, DecisionKind.INCONCLUSIVE)

    def __init__(self, lead: LeadView, case: CaseSummary, actor: Actor) -> None:
        super().__init__()
        self.lead = lead
        self.case = case
        self.actor = actor

    def compose(self) -> ComposeResult:
        lead, case = self.lead, self.case
        with Vertical(id="decision-box"):
            yield Static(
                f"Decide lead rank {lead.rank} (Similarity {lead.similarity:.2f}) "
                f"in case #{case.case_id} as {self.actor.name} ({self.actor.role.value})",
                id="decision-title",
                markup=False,
            )
            with RadioSet(id="decision-kind"):
                for number, kind in enumerate(self.KINDS, start=1):
                    yield RadioButton(f"{number} {DECISION_TEXT[kind]}", value=False)
            yield Static(self._chosen_text(), id="decision-chosen")
            yield Input(
                placeholder=(
                    f"Rationale (at least {case.min_rationale_words} words): "
                    "what you compared, and why"
                ),
                id="rationale",
            )
            yield Static("", id="decision-error")
            yield Static(CHOICE_HINT, id="decision-hint")
            yield Static(
                f"[b]Enforcement gate[/b] {GATE_RULES}\n"
                f"Policy in force: {case.policy_name}: forwarding needs "
                f"{case.reviewers_required} reviewer(s) agreeing; one 'not a match' or "
                "'inconclusive' stops the lead.",
                id="decision-gate",
            )
            with Horizontal(id="decision-buttons"):
                yield Button("Record decision", id="decision-record", variant="primary")
                yield Button("Cancel", id="decision-cancel")

    def on_mount(self) -> None:
        self.query_one("#rationale", Input).cursor_blink = getattr(self.app, "cursor_blink", True)
        self.query_one(RadioSet).focus()

    def _chosen_text(self) -> str:
        # The radio buttons differ only by colour; this line says the choice in words.
        kind = self.chosen() if self.is_mounted else None
        if kind is None:
            return "Chosen: nothing yet — choose 1, 2 or 3"
        return f"Chosen: {DECISION_TEXT[kind]}"

    @on(DescendantFocus)
    def _focus_moved(self, event: DescendantFocus) -> None:
        typing = isinstance(event.widget, Input)
        self.query_one("#decision-hint", Static).update(TYPING_HINT if typing else CHOICE_HINT)

    @on(RadioSet.Changed)
    def _kind_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        self.query_one("#decision-chosen", Static).update(self._chosen_text())

    def chosen(self) -> DecisionKind | None:
        index = self.query_one(RadioSet).pressed_index
        return self.KINDS[index] if index >= 0 else None

    def action_choose(self, index: int) -> None:
        buttons = list(self.query(RadioButton))
        buttons[index].value = True
        self.query_one("#rationale", Input).focus()

    def _refuse(self, reason: str, *, focus_choices: bool) -> None:
        self.query_one("#decision-error", Static).update(f"✖ Refused: {reason}")
        if focus_choices:
            self.query_one(RadioSet).focus()
        else:
            self.query_one("#rationale", Input).focus()

    def action_submit(self) -> None:
        kind = self.chosen()
        if kind is None:
            self._refuse("no decision chosen. Press 1, 2 or 3 first.", focus_choices=True)
            return
        rationale = normalised_rationale(self.query_one("#rationale", Input).value)
        shortfall = rationale_shortfall(
            rationale, self.case.min_rationale_words, self.case.policy_name
        )
        if shortfall is not None:
            self._refuse(shortfall + ".", focus_choices=False)
            return
        request = DecisionRequest(self.lead.lead_id, self.lead.version, kind, rationale)
        if kind is not DecisionKind.POSSIBLE_LEAD:
            self.dismiss(request)
            return
        question = ConfirmScreen(
            "Forward this lead to the investigator?",
            f"Lead rank {self.lead.rank} (Similarity {self.lead.similarity:.2f}) goes to "
            f"the investigator as a possible lead, never an identification.\n\n{GATE_RULES}",
            yes="Forward",
        )

        def answered(forward: bool | None) -> None:
            if forward:
                self.dismiss(request)

        self.app.push_screen(question, answered)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#rationale")
    def _rationale_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed, "#decision-record")
    def _record_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed, "#decision-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()
