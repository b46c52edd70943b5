"""The review app's responsiveness.

- Launch to first screen ready: a fresh `python` process builds the app the way
  `leadreview tui` does (settings, store, workflow, demo world) on an already seeded SQLite
  database, runs it headless, and exits once the case queue shows its cases. Target:
  under 1 s. Baseline: a process that only runs `import textual`.
- A case with 4,096 leads (an in-memory gateway, so only the UI is measured): the
  median time from a key press (j) to the next lead open — cursor moved, the lead's record
  and picture loaded by its worker and handed to the widgets, which paint on the next
  frame (at most 1/60 s later). Target: under 50 ms per key press.
  Baseline: the same key press on a case with 8 leads, which shows how the table scales.
"""

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, cast

from bench import BenchResult, Deadline, scaled, tiny

if TYPE_CHECKING:
    from PIL.Image import Image

    from leadreview.exercise.views import ParticipantBoard
    from leadreview.tui.gateway import ReviewGateway
    from leadreview.workflow.views import CaseDetail, LeadDetail

LAUNCH_TARGET_S = 1.0
KEY_TARGET_MS = 50.0
SMALL_CASE = 8
# Every wait gives up after this long, so a broken app ends the bench with an error.
WAIT_LIMIT_S = 120.0


def _big_case_size() -> int:
    return scaled(4096, 64)


def _presses() -> int:
    return scaled(40, 3)


def _launch_repeats() -> int:
    return scaled(5, 1)


# Run as `python -c URL UNTIL T0`: builds the app as `leadreview tui` does and prints the
# seconds since T0 (the parent's clock at spawn) at the first paint of the case queue
# ("paint") or once its cases are listed ("cases"); then leaves at once, without waiting
# for the worker that is still opening the store.
_LAUNCH = """
import os, sys, time
from leadreview.cli.tui_cmd import build_app
from leadreview.domain.roles import Role
app = build_app(role=Role.SUPERVISOR, database=sys.argv[1])
async def ready(pilot):
    from leadreview.tui.screens.case_queue import CaseQueueScreen
    give_up = time.monotonic() + float(sys.argv[4])
    while True:
        if time.monotonic() > give_up:
            print(f"no case queue; the app shows {app.screen!r}", file=sys.stderr, flush=True)
            os._exit(3)
        screen = app.screen
        if isinstance(screen, CaseQueueScreen) and screen.is_mounted:
            if sys.argv[2] == "paint" or screen.query_one("#case-table").row_count:
                break
        await pilot.pause(0.005)
    print(time.time() - float(sys.argv[3]), flush=True)
    os._exit(0)
app.run(headless=True, size=(120, 40), auto_pilot=ready)
"""


def _launch(url: str, until: str, env: dict[str, str]) -> float:
    argv = [sys.executable, "-c", _LAUNCH, url, until, repr(time.time()), repr(WAIT_LIMIT_S)]
    done = subprocess.run(
        argv, check=False, env=env, capture_output=True, text=True, timeout=2 * WAIT_LIMIT_S
    )
    if done.returncode or not done.stdout.strip():
        raise RuntimeError(f"the app did not reach its case queue: {done.stderr.strip()}")
    return float(done.stdout.strip().splitlines()[-1])


def _wall(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, env=env, capture_output=True, timeout=WAIT_LIMIT_S)
    return time.perf_counter() - start


def bench_launch() -> list[BenchResult]:
    import os

    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "LEADREVIEW_DATA_DIR": folder, "LEADREVIEW_CONFIG": f"{folder}/c"}
        env["LEADREVIEW_KEYMAP_FILE"] = f"{folder}/k"
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        baseline = [sys.executable, "-c", "import textual"]
        if not tiny():
            _launch(url, "cases", env)  # opens the demo's cases; not counted
        results = []
        # A tiny run launches once: the listing is the path that needs the store.
        for until in ("cases",) if tiny() else ("paint", "cases"):
            pairs = [
                (_launch(url, until, env), _wall(baseline, env)) for _ in range(_launch_repeats())
            ]
            value = statistics.median(a for a, _ in pairs)
            painted = until == "paint"
            results.append(
                BenchResult(
                    name=f"launch to case queue {'painted' if until == 'paint' else 'listed'}",
                    value=value,
                    unit="s",
                    baseline_name="python -c 'import textual'",
                    baseline=statistics.median(b for _, b in pairs),
                    target=f"< {LAUNCH_TARGET_S:g} s" if painted else "(information)",
                    passed=tiny() or not painted or value < LAUNCH_TARGET_S,
                    value_best=min(a for a, _ in pairs),
                    baseline_best=min(b for _, b in pairs),
                )
            )
    return results


class _BigCaseGateway:
    """One case of `leads` leads, everything precomputed: only the UI is timed. No
    exercise is running. Handed to the app as a `ReviewGateway` and checked against it
    in `_gateway` (the methods the queue calls first must exist, or the app shows an
    error screen and the bench would wait for the case screen in vain)."""

    def __init__(self, leads: int) -> None:
        self.case, self.details = _big_case(leads)
        self._picture: Image | None = None

    def list_cases(self, actor: object) -> list[object]:
        return [self.case.summary]

    def get_case(self, actor: object, case_id: int) -> "CaseDetail":
        return self.case

    def get_lead(self, actor: object, lead_id: int) -> "LeadDetail":
        return self.details[lead_id]

    def join_exercise(self, actor: object) -> "ParticipantBoard | None":
        return None  # no exercise running: the queue lists every case

    def exercise_board(self, actor: object, exercise_id: int) -> "ParticipantBoard":
        raise LookupError("no exercise is running in the bench")

    def probe_picture(self, case_id: int) -> "Image | None":
        return None

    # What the key-press bench never reaches: present, so the protocol check passes,
    # and loud if a screen starts to call one.
    def _not_benched(self, *args: object, **kwargs: object) -> NoReturn:
        raise NotImplementedError("the bench's gateway serves one case only")

    decide = list_events = verify_audit = export_audit = debrief = _not_benched
    exercise_state = exercise_progress = exercise_debrief = reveal_truth = _not_benched
    write_debrief_report = _not_benched
    answer_hotwash = assign_cases = close_exercise = export_exercise = _not_benched
    extend_exercise = hotwash_sheet = pause_exercise = release_inject = _not_benched
    request_enforcement = sign_in = start_exercise = validate_expectation = _not_benched

    def change_mark(self) -> int:
        return 0  # nothing changes behind the bench's back: no reload mid-measurement

    def log_disagreements(self, case_id: int) -> dict[int, list[str]]:
        return {}  # the bench's case agrees with its (absent) log

    def lead_picture(self, lead_id: int) -> "Image | None":
        from PIL import Image

        # A new picture per lead, as a real gallery gives: the widget redraws each time.
        shade = lead_id % 200
        return Image.new("RGB", (96, 96), (shade, 120, 200 - shade))


def _big_case(count: int) -> tuple["CaseDetail", dict[int, "LeadDetail"]]:
    from leadreview.domain.case import CaseStatus
    from leadreview.domain.decision import LeadStatus
    from leadreview.domain.identity import AgeBand, PersonRecord, Sex
    from leadreview.domain.policy import DecidingRule, UseCase, Verdict
    from leadreview.domain.probe import CaptureQuality
    from leadreview.domain.roles import Role
    from leadreview.workflow.views import (
        CaseDetail,
        CaseSummary,
        LeadDetail,
        LeadView,
        PolicyRef,
        ProbeView,
        VerdictView,
    )

    now = datetime(2026, 1, 1, tzinfo=UTC)
    policies = (("wcso-practice", None), ("rekognition-default", 80.0), ("amazon-police-95", 95.0))
    summary = CaseSummary(
        case_id=1, offense="bench", use_case=UseCase.INVESTIGATION, status=CaseStatus.OPEN,
        opened_by="bench", opened_by_role=Role.SUPERVISOR, opened_at=now,
        policy_name="wcso-practice", policy_sha256="0" * 64, reviewers_required=1,
        lead_count=count, shown_count=count, awaiting_count=count, forwarded_count=0,
        rejected_count=0, inconclusive_count=0, disputed_count=0, viewer_decided=0,
        viewer_pending=count,
    )  # fmt: skip
    probe = ProbeView(
        probe_id=1, probe_ref="bench", quality=CaptureQuality.CCTV, source="bench",
        captured_at=now, image_sha256=None, image_size=0,
    )  # fmt: skip
    leads = []
    for rank in range(1, count + 1):
        similarity = 99.0 * (1 - rank / (count + 1))
        leads.append(
            LeadView(
                lead_id=rank, case_id=1, search_id=1, rank=rank, similarity=similarity,
                face_id=f"face-{rank}", external_image_id=None, shown=True,
                status=LeadStatus.AWAITING_REVIEW, version=1, reviewers_required=1,
                verdicts=tuple(
                    VerdictView(
                        policy_name=name, policy_sha256="0" * 64,
                        verdict=Verdict.SHOWN if t is None or similarity >= t else Verdict.FILTERED,
                        rule=DecidingRule.NO_RULE_FILTERS, reason="bench", in_force=i == 0,
                    )
                    for i, (name, t) in enumerate(policies)
                ),
                decisions=(), possible_lead_votes=0, disagreement=False,
            )
        )  # fmt: skip
    case = CaseDetail(
        summary=summary, probe=probe, search=None,
        policies=tuple(PolicyRef(name=n, sha256="0" * 64, in_force=i == 0)
                       for i, (n, _) in enumerate(policies)),
        leads=tuple(leads), hidden_filtered=0, enforcement=(),
    )  # fmt: skip
    record = PersonRecord(
        person_id="P1", name="Bench Person", group="g", sex=Sex.FEMALE,
        age_band=AgeBand.ADULT, booking_date=date(2010, 1, 1), booking_charge="bench",
    )  # fmt: skip
    details = {
        lead.lead_id: LeadDetail(
            lead=lead, case=summary, probe=probe, record=record, enforcement=()
        )
        for lead in leads
    }
    return case, details


async def _key_press_ms(leads: int) -> float:
    from textual import events

    from leadreview.domain.roles import Actor, Role
    from leadreview.tui.app import LeadReviewApp
    from leadreview.tui.screens.case_review import CaseReviewScreen

    gateway = _gateway(leads)
    actor = Actor(name="bench", role=Role.SUPERVISOR)
    app = LeadReviewApp(gateway, actor, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_case(1)
        deadline = Deadline(WAIT_LIMIT_S, f"the case screen (the app shows {app.screen!r})")
        while not (isinstance(app.screen, CaseReviewScreen) and app.screen.leads):
            deadline.check()
            await pilot.pause(0.01)
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CaseReviewScreen)
        times = []
        for press in range(_presses()):
            # The key arrives as the terminal driver delivers it (Pilot.press adds ~60 ms
            # of its own waiting, which would swamp what is measured here).
            start = time.perf_counter()
            app.post_message(events.Key("j", "j"))
            deadline = Deadline(WAIT_LIMIT_S, f"lead {press + 2} to open")
            while not (screen.lead_detail and screen.lead_detail.lead.rank == press + 2):
                deadline.check()
                await asyncio.sleep(0.0005)
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _gateway(leads: int) -> "ReviewGateway":
    """The fake, checked against every method the protocol names: a method added to the
    app's gateway since must be added here too, or the bench stops with this error."""
    from leadreview.tui.gateway import ReviewGateway

    gateway = _BigCaseGateway(leads)
    wanted = {n for n in vars(ReviewGateway) if not n.startswith("_")}
    missing = sorted(n for n in wanted if not hasattr(gateway, n))
    if missing:
        raise RuntimeError(f"the bench's gateway lacks {', '.join(missing)}: add them")
    return cast("ReviewGateway", gateway)


def bench_key_press() -> BenchResult:
    presses = _presses()
    small_case = max(SMALL_CASE, presses + 1)
    big_case = _big_case_size()
    big = asyncio.run(_key_press_ms(big_case))
    small = asyncio.run(_key_press_ms(small_case))
    return BenchResult(
        name=f"key press to lead shown, {big_case} leads (median of {presses} presses)",
        value=big,
        unit="ms",
        baseline_name=f"same on {small_case} leads",
        baseline=small,
        target=f"< {KEY_TARGET_MS:g} ms",
        passed=tiny() or big < KEY_TARGET_MS,
    )


def run() -> list[BenchResult]:
    return [*bench_launch(), bench_key_press()]
