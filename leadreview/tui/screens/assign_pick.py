"""Assigning one case to one participant by hand, from the facilitator's console.

Two lists: the exercise's cases (with who already has each) and the participants who
review. Enter in either list assigns the highlighted case to the highlighted participant;
the console then asks the exercise service, which checks and records it.
"""

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from leadreview.domain.roles import Role

if TYPE_CHECKING:
    from leadreview.exercise.views import ExerciseProgress

# Who may be given a case: the exercise service assigns to these roles only.
REVIEWING = frozenset({Role.REVIEWER, Role.SUPERVISOR})
NOBODY = "Nobody has joined as a reviewer or supervisor yet: nothing to assign."


class AssignPickScreen(ModalScreen[tuple[str, str] | None]):
    CSS_PATH = "assign_pick.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="assign.cancel", tooltip="Assign nothing"),
    ]

    def __init__(self, progress: "ExerciseProgress") -> None:
        super().__init__()
        self.progress = progress

    def _case_options(self) -> list[Option]:
        holders: dict[str, list[str]] = {key: [] for key in self.progress.case_keys}
        for person in self.progress.participants:
            for key in person.assigned_cases:
                holders.setdefault(key, []).append(person.name)
        return [
            Option(f"{key}  ({', '.join(names) or 'nobody yet'})", id=key)
            for key, names in holders.items()
        ]

    def _people_options(self) -> list[Option]:
        return [
            Option(f"{p.name}  ({p.role.value}, {len(p.assigned_cases)} case(s))", id=p.name)
            for p in self.progress.participants
            if p.role in REVIEWING
        ]

    def compose(self) -> ComposeResult:
        people = self._people_options()
        with Vertical(id="assign-box"):
            yield Static(
                f"Assign a case by hand — exercise #{self.progress.exercise.exercise_id}",
                id="assign-title",
            )
            with Horizontal(id="assign-lists"):
                with Vertical(classes="assign-column"):
                    yield Static("Case", classes="assign-heading")
                    yield OptionList(*self._case_options(), id="assign-cases")
                with Vertical(classes="assign-column"):
                    yield Static("Participant", classes="assign-heading")
                    yield OptionList(*people, id="assign-people")
            yield Static(
                NOBODY
                if not people
                else "Tab moves between the lists; Enter assigns the highlighted case to "
                "the highlighted participant; Esc cancels",
                id="assign-hint",
            )

    def on_mount(self) -> None:
        for selector in ("#assign-cases", "#assign-people"):
            options = self.query_one(selector, OptionList)
            if options.option_count:
                options.highlighted = 0
        self.query_one("#assign-cases", OptionList).focus()

    def chosen(self) -> tuple[str, str] | None:
        cases = self.query_one("#assign-cases", OptionList)
        people = self.query_one("#assign-people", OptionList)
        if cases.highlighted is None or people.highlighted is None:
            return None
        case = cases.get_option_at_index(cases.highlighted).id
        person = people.get_option_at_index(people.highlighted).id
        return (case, person) if case and person else None

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        pair = self.chosen()
        if pair is None:
            self.notify(NOBODY, severity="warning")
            return
        self.dismiss(pair)

    def action_cancel(self) -> None:
        self.dismiss(None)
