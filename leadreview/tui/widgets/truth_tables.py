"""The debrief built from the demo world's truth, for a database without an exercise:
each case's truth, what each policy would have changed for every decision, and
disparities by group."""

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from leadreview.domain.decision import DecisionKind
from leadreview.domain.policy import Verdict
from leadreview.tui.read_models import Debrief, DebriefDecision
from leadreview.tui.symbols import column_label, decision_text
from leadreview.tui.widgets.nav_table import NavTable


def policy_effect(decision: DebriefDecision, verdict: Verdict) -> str:
    """What the policy would have changed about this decision, in words."""
    if verdict is Verdict.SHOWN:
        return "= shown"
    forwarded = decision.kind is DecisionKind.POSSIBLE_LEAD
    if forwarded and not decision.is_mate:
        return "✓ wrong lead avoided"
    if forwarded and decision.is_mate:
        return "✗ true lead lost"
    if decision.is_mate:
        return "✗ true lead hidden"
    return "· hidden, no change"


def truth_text(decision: DebriefDecision) -> str:
    return "✔ the subject" if decision.is_mate else "✘ someone else"


class TruthTables(Vertical):
    DEFAULT_CSS = "TruthTables { height: auto; }"

    def compose(self) -> ComposeResult:
        yield Static("[b]Cases[/b]", classes="section")
        yield NavTable(id="truth-table")
        yield Static("[b]Decisions, and what each policy would have changed[/b]", classes="section")
        yield NavTable(id="decision-table")
        yield Static(
            "[b]Disparities[/b]: innocent people (non-mates) a reviewer was shown, by group",
            classes="section",
        )
        yield NavTable(id="disparity-table")

    def fill(self, debrief: Debrief) -> None:
        truths = self.query_one("#truth-table", NavTable)
        truths.clear(columns=True)
        truths.add_columns("case", "offense", "subject in gallery", "subject's rank", "group")
        for case in debrief.cases:
            truths.add_row(
                f"#{case.case_id}",
                case.offense,
                "✔ yes (mated)" if case.mated else "✘ no (non-mated)",
                str(case.mate_rank) if case.mate_rank is not None else "— not returned",
                case.subject_group,
            )
        decisions = self.query_one("#decision-table", NavTable)
        decisions.clear(columns=True)
        policies = [name for name, _ in debrief.decisions[0].verdicts] if debrief.decisions else []
        decisions.header_height = 2
        decisions.add_columns(
            "case",
            "rank",
            "Similarity",
            "reviewer",
            "decision",
            "truth",
            *(column_label(name, False) for name in policies),
        )
        for d in debrief.decisions:
            decisions.add_row(
                f"#{d.case_id}",
                str(d.rank),
                f"{d.similarity:6.2f}",
                d.reviewer,
                decision_text(d.kind),
                truth_text(d),
                *(policy_effect(d, verdict) for _, verdict in d.verdicts),
            )
        self._fill_disparities(debrief)

    def _fill_disparities(self, debrief: Debrief) -> None:
        disparity = self.query_one("#disparity-table", NavTable)
        disparity.clear(columns=True)
        disparity.add_columns(
            "group", "policy", "non-mate leads", "shown", "shown rate", "vs. lowest group"
        )
        # As Fairlearn's MetricFrame does: each group's rate beside the best group's.
        lowest: dict[str, float] = {}
        for row in debrief.disparities:
            lowest[row.policy_name] = min(lowest.get(row.policy_name, 1.0), row.shown_rate)
        for row in debrief.disparities:
            base = lowest[row.policy_name]
            ratio = f"×{row.shown_rate / base:.2f}" if base > 0 else "— (lowest is 0)"
            disparity.add_row(
                row.group,
                row.policy_name,
                str(row.non_mate_leads),
                str(row.non_mate_shown),
                f"{row.shown_rate:.1%}",
                ratio,
            )
