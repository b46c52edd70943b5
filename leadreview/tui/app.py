"""The Textual app: dependencies in through the constructor, screens pushed on demand."""

from collections.abc import Mapping
from typing import ClassVar

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.worker import Worker, WorkerState

from leadreview.domain.roles import Action, Actor, Role, may
from leadreview.errors import LeadreviewError, PermissionRefused
from leadreview.tui.commands import LeadReviewCommands
from leadreview.tui.gateway import ReviewGateway
from leadreview.tui.messages import AuditExported, AuditVerified, ChangesSeen, ScreenRefused
from leadreview.tui.screens.audit import AuditScreen
from leadreview.tui.screens.base import AppScreen
from leadreview.tui.screens.case_queue import CaseQueueScreen
from leadreview.tui.screens.case_review import CaseReviewScreen
from leadreview.tui.screens.console import ConsoleScreen
from leadreview.tui.screens.debrief import DebriefScreen
from leadreview.tui.screens.error import ErrorScreen
from leadreview.tui.screens.help import HelpScreen, binding_rows
from leadreview.tui.screens.hotwash import HotwashScreen
from leadreview.tui.screens.sign_in import SignInScreen
from leadreview.tui.widgets.face_picture import PictureMode
from leadreview.workflow.views import CaseSummary

# How often the app asks whether anything was recorded: a one-row read, so a few seconds
# costs nothing and a participant sees an assignment or an inject without pressing `r`.
LIVE_SECONDS = 2.0


class LeadReviewApp(App[None]):
    TITLE = "leadreview"
    SUB_TITLE = "face-search lead review — synthetic identities only"
    CSS_PATH = "app.tcss"
    COMMANDS: ClassVar = App.COMMANDS | {LeadReviewCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "question_mark,f1",
            "help",
            "Help",
            id="app.help",
            tooltip="The keys in effect here, built from the live bindings",
        ),
        Binding("a", "audit", "Audit", id="app.audit", tooltip="The audit log and its status"),
        Binding("b", "debrief", "Debrief", id="app.debrief", tooltip="Facilitator: the truth"),
        Binding("c", "queue", "Cases", id="app.queue", tooltip="Back to the case queue"),
        Binding(
            "f",
            "console",
            "Console",
            id="app.console",
            tooltip="Facilitator: run the exercise (assign, injects, reveal, export, close)",
        ),
        Binding(
            "o",
            "hotwash",
            "Hot wash",
            id="app.hotwash",
            tooltip="After the reveal: answer the debrief questions (facilitator: judge)",
        ),
        Binding("t", "change_theme", "Theme", id="app.theme", tooltip="Pick a colour theme"),
        # The same keys for a role that may not open these screens: hidden from its
        # footer and help, but pressed anyway they ask the service, which refuses on
        # record. Each shares its screen's id, so a user keymap moves both together.
        *(
            Binding(key, f"refused('{screen}')", show=False, id=f"app.{screen}")
            for key, screen in (("b", "debrief"), ("f", "console"), ("a", "audit"))
        ),
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Leave leadreview"),
    ]

    def __init__(
        self,
        gateway: ReviewGateway,
        actor: Actor,
        *,
        keymap: Mapping[str, str] | None = None,
        picture_mode: PictureMode = "halfblock",
        theme: str | None = None,
        initial_case: int | None = None,
        cursor_blink: bool = True,
        join_code: bool = False,
        live_seconds: float | None = LIVE_SECONDS,
    ) -> None:
        super().__init__()
        self.gateway = gateway
        self.actor = actor
        self.picture_mode: PictureMode = picture_mode
        self.cases: tuple[CaseSummary, ...] = ()
        # The exercise this participant has joined, or why they could not (asked once:
        # every refusal is audited, so a refresh must not ask again).
        self.exercise_id: int | None = None
        self.exercise_refused: str | None = None
        self._user_keymap = dict(keymap or {})
        self._initial_theme = theme
        self._initial_case = initial_case
        # Tests and snapshots turn blinking off so that every frame is the same.
        self.cursor_blink = cursor_blink
        # A served room: the principal is whoever the join code names (see SignInScreen).
        self._join_code = join_code
        self._live_seconds = live_seconds
        self._change_mark: int | None = None

    @property
    def may_debrief(self) -> bool:
        return self.actor.role is Role.FACILITATOR

    def on_mount(self) -> None:
        if self._user_keymap:
            self.set_keymap(self._user_keymap)
        if self._initial_theme:
            self.theme = self._initial_theme
        if self._join_code:
            self.push_screen(SignInScreen(), self._signed_in)
            return
        self._start()

    def _signed_in(self, actor: Actor | None) -> None:
        if actor is None:
            self.exit()  # no principal, no session
            return
        self.actor = actor
        self._start()

    def _start(self) -> None:
        self.sub_title = f"{self.actor.name} ({self.actor.role.value}) — synthetic identities only"
        self.push_screen(CaseQueueScreen())
        if self._initial_case is not None:
            self.open_case(self._initial_case)
        if self._live_seconds:
            self.set_interval(self._live_seconds, self._poll_changes)

    # Live views: poll the change mark; when it moves, the screen on top reads again.

    @work(thread=True, exclusive=True, group="live-poll", exit_on_error=False)
    def _poll_changes(self) -> None:
        self.post_message(ChangesSeen(self.gateway.change_mark()))

    @on(ChangesSeen)
    def _changes_seen(self, message: ChangesSeen) -> None:
        if self._change_mark is None:
            self._change_mark = message.mark  # what the first screen loaded
            return
        # Only a screen of the app refreshes: with a dialog (a decision, a confirmation)
        # on top, nothing moves under the reviewer, and the change stays unseen until the
        # dialog has closed.
        if message.mark == self._change_mark or not isinstance(self.screen, AppScreen):
            return
        self._change_mark = message.mark
        self.screen.live_refresh()

    def may_open(self, screen: str) -> bool:
        """Whether the actor's role may open the debrief, the console or the audit log
        (the service checks again, and records a refusal)."""
        if screen == "audit":
            return may(self.actor.role, Action.VIEW_AUDIT)
        return self.may_debrief

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Hidden from the footer for roles that may not use them; their keys then run
        # `refused` instead, which asks the service to refuse on record.
        if action in ("debrief", "console", "audit"):
            return self.may_open(action)
        if action == "refused":
            return not self.may_open(str(parameters[0]))
        return True

    # Navigation.

    def open_case(self, case_id: int) -> None:
        self._pop_to_queue()
        self.push_screen(CaseReviewScreen(case_id))

    def _pop_to_queue(self) -> None:
        while len(self.screen_stack) > 2 and not isinstance(self.screen, CaseQueueScreen):
            self.pop_screen()

    def action_queue(self) -> None:
        self._pop_to_queue()

    def action_audit(self) -> None:
        if not self.may_open("audit"):
            self.action_refused("audit")
        elif not isinstance(self.screen, AuditScreen):
            self.push_screen(AuditScreen())

    def action_debrief(self) -> None:
        if not self.may_open("debrief"):
            self.action_refused("debrief")
        elif not isinstance(self.screen, DebriefScreen):
            self.push_screen(DebriefScreen())

    def action_console(self) -> None:
        if not self.may_open("console"):
            self.action_refused("console")
        elif not isinstance(self.screen, ConsoleScreen):
            self.push_screen(ConsoleScreen())

    def action_refused(self, screen: str) -> None:
        """A screen this role may not open: the service is asked, so that the attempt
        is refused on record under the real principal, and the refusal is shown."""
        self._ask_for_refused(screen)

    @work(thread=True, exit_on_error=False, group="app-refused")
    def _ask_for_refused(self, screen: str) -> None:
        from leadreview.tui.read_models import EventFilter

        fallback = f"A {self.actor.role.value} may not open the {screen}."
        try:
            if screen == "audit":
                self.gateway.list_events(self.actor, EventFilter(limit=1))
            else:
                self.gateway.exercise_state(self.actor, screen=screen)
        except PermissionRefused as refused:
            self.post_message(ScreenRefused(refused.message))
            return
        # Not refused (a gateway without the rule, such as a test's fake): still not
        # opened, since the role table says no.
        self.post_message(ScreenRefused(fallback))

    @on(ScreenRefused)
    def _show_refusal(self, message: ScreenRefused) -> None:
        self.notify(message.reason, title="Refused", severity="error", timeout=15)

    def action_hotwash(self) -> None:
        if not isinstance(self.screen, HotwashScreen):
            self.push_screen(HotwashScreen())

    def action_help(self) -> None:
        screen = self.screen
        if isinstance(screen, HelpScreen | CommandPalette):
            return
        focused = screen.focused
        where = type(focused).__name__ if focused is not None else type(screen).__name__
        self.push_screen(HelpScreen(binding_rows(screen), where))

    # Audit log actions reachable from anywhere (the command palette).

    def action_verify_audit(self) -> None:
        self._verify_audit()

    @work(thread=True, exclusive=True, group="app-verify", exit_on_error=False)
    def _verify_audit(self) -> None:
        self.post_message(AuditVerified(self.gateway.verify_audit(self.actor)))

    def export_audit(self, fmt: str) -> None:
        self._export_audit(fmt)

    @work(thread=True, exit_on_error=False, group="app-export")
    def _export_audit(self, fmt: str) -> None:
        self.post_message(AuditExported(self.gateway.export_audit(self.actor, fmt)))

    @on(AuditVerified)
    def _show_verification(self, message: AuditVerified) -> None:
        result = message.result
        if result.ok:
            self.notify(f"✔ Audit log verified: {result.event_count} events.")
        else:
            self.notify(
                f"✖ Audit log FAILED verification at seq {result.first_bad_seq}",
                severity="error",
                timeout=30,
            )

    @on(AuditExported)
    def _show_export(self, message: AuditExported) -> None:
        self.notify(f"Audit log exported to {message.where}")

    # A failed worker opens an error modal; the app keeps running.

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        if event.worker.group == "live-poll":
            return  # a failed poll is retried; an error modal every few seconds helps no one
        error = event.worker.error
        if isinstance(error, LeadreviewError):
            message = error.message
        else:
            message = f"{type(error).__name__}: {error}"
        self.push_screen(ErrorScreen(f"Could not {_describe(event.worker.group)}", message))


def _describe(group: str) -> str:
    return {
        "queue-load": "load the case queue",
        "case-load": "load the case",
        "probe-picture": "load the probe's picture",
        "lead-open": "open the lead",
        "decide": "record the decision",
        "enforce": "send the enforcement request",
        "audit-load": "load the audit log",
        "audit-verify": "verify the audit log",
        "audit-export": "export the audit log",
        "app-verify": "verify the audit log",
        "app-export": "export the audit log",
        "app-refused": "ask for the screen",
        "debrief-load": "load the debrief",
        "debrief-progress": "load the exercise's progress",
        "debrief-reveal": "reveal the ground truth",
        "debrief-report": "write the report",
        "console-load": "load the exercise",
        "hotwash-load": "load the hot wash",
        "hotwash-save": "record the answers",
        "hotwash-judge": "record the judgement",
        "console-board": "load the exercise's board",
        "console-start": "start the exercise",
        "console-assign": "assign the cases",
        "console-release": "release the inject",
        "console-clock": "change the exercise clock",
        "console-reveal": "reveal the ground truth",
        "console-export": "export the exercise",
        "console-close": "close the exercise",
    }.get(group, "finish the task")


def known_binding_ids() -> set[str]:
    """Every binding id a user keymap may name: the app's, each screen's and widget's."""
    from leadreview.tui.screens.assign_pick import AssignPickScreen
    from leadreview.tui.screens.confirm import ConfirmScreen
    from leadreview.tui.screens.decision import DecisionScreen
    from leadreview.tui.screens.enforcement import EnforcementScreen
    from leadreview.tui.screens.error import ErrorScreen
    from leadreview.tui.screens.scenario_pick import ScenarioPickScreen
    from leadreview.tui.widgets.nav_table import NavTable

    classes: tuple[type, ...] = (
        LeadReviewApp,
        CaseQueueScreen,
        CaseReviewScreen,
        DecisionScreen,
        EnforcementScreen,
        AuditScreen,
        DebriefScreen,
        ConsoleScreen,
        ScenarioPickScreen,
        AssignPickScreen,
        HotwashScreen,
        ConfirmScreen,
        HelpScreen,
        ErrorScreen,
        SignInScreen,
        NavTable,
    )
    ids: set[str] = set()
    for cls in classes:
        for binding in cls.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding) and binding.id:
                ids.add(binding.id)
    return ids
