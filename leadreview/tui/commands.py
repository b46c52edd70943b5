"""Command palette: go to a case, verify or export the audit log, open the audit or debrief."""

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from leadreview.tui.app import LeadReviewApp


class LeadReviewCommands(Provider):
    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app: LeadReviewApp = self.app  # type: ignore[assignment]
        commands: list[tuple[str, Callable[[], object], str]] = [
            ("Open case queue", app.action_queue, "Every case and your progress"),
        ]
        # Only what the role may do is offered (the services refuse the rest on record).
        if app.may_open("audit"):
            commands += [
                ("Verify audit log", app.action_verify_audit, "Walk the hash chain now"),
                ("Export audit log (JSONL)", partial(app.export_audit, "jsonl"), "One a line"),
                ("Export audit log (CSV)", partial(app.export_audit, "csv"), "For spreadsheets"),
                ("Open audit log", app.action_audit, "Events, filters, verification"),
            ]
        if app.may_open("debrief"):
            commands.append(("Open debrief", app.action_debrief, "Ground truth, facilitator only"))
        for case in app.cases:
            commands.append(
                (
                    f"Go to case #{case.case_id}: {case.offense}",
                    partial(app.open_case, case.case_id),
                    f"{case.use_case.value}, {case.shown_count} lead(s)",
                )
            )
        return commands

    async def discover(self) -> Hits:
        for text, run, help_text in self._commands():
            yield DiscoveryHit(text, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, run, help_text in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), run, help=help_text)
