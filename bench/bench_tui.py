"""The review app's responsiveness.

- Launch to first screen ready: a fresh `python` process builds the app the way
  `leadreview tui` does (settings, store, workflow, demo world) on an already seeded SQLite
  database, runs it headless, and exits once the case queue shows its cases. Target:
  under 1 s. Baseline: a process that only runs `import textual`.
- A case with 4,096 leads, on the real gateway over a SQLite store (the demo exercise cut
  to one case, under a policy in force that returns 4,096 leads): the median time from a
  key press (j) to the next lead open — cursor moved, the lead's booking record and
  picture read through the gateway by its worker (the picture drawn from the exercise's
  world) and handed to the widgets, which paint on the next frame (at most 1/60 s
  later). Target: under 50 ms per key press.
  Baseline: the same key press on a case with 8 leads, which shows how the table scales.
"""

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bench import BenchResult, Deadline, scaled, tiny

if TYPE_CHECKING:
    from leadreview.tui.app import LeadReviewApp
    from leadreview.tui.service_gateway import ServiceGateway

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


def _exercise_files(folder: Path, leads: int) -> Path:
    """The demo exercise reduced to one case whose policy in force returns `leads` leads,
    over a gallery large enough to hold them: written beside a policy file of its own."""
    import yaml

    from leadreview.paths import bundled_policies_dir, fixtures_dir

    demo = fixtures_dir() / "scenarios" / "exercises" / "blurry-cctv.yaml"
    scenario = yaml.safe_load(demo.read_text(encoding="utf-8"))
    in_force = bundled_policies_dir() / "wcso-practice.yaml"
    policy = yaml.safe_load(in_force.read_text(encoding="utf-8"))
    name = f"bench-top-{leads}"
    policy.update(name=name, max_candidates=leads)
    (folder / f"{name}.yaml").write_text(yaml.safe_dump(policy), encoding="utf-8")
    scenario.update(
        name=f"bench-{leads}-leads",
        policy_in_force=name,
        policy_files=[f"{name}.yaml"],
        cases=[c for c in scenario["cases"] if c["id"] == "car-break-in"],
        injects=[],
    )
    scenario["world"]["gallery_size"] = max(2 * leads, 2000)
    path = folder / f"bench-{leads}.yaml"
    path.write_text(yaml.safe_dump(scenario), encoding="utf-8")
    return path


def _gateway(folder: Path, leads: int) -> "ServiceGateway":
    """The real gateway (workflow, exercise, audit; pictures and records from the
    exercise's world) over a SQLite store holding that exercise, started."""
    from leadreview.app.bootstrap import Application
    from leadreview.domain.roles import Actor, Role
    from leadreview.exercise.loading import load_exercise
    from leadreview.exercise.service import ExerciseService
    from leadreview.exercise.world import build_exercise_world
    from leadreview.settings import load_settings
    from leadreview.tui.factory import open_session

    url = f"sqlite:///{folder / f'bench-{leads}.db'}"
    application = Application(load_settings(data_dir=folder / "data"), database_url=url)
    session = open_session(application, demo=False)
    world = build_exercise_world(load_exercise(_exercise_files(folder, leads)))
    # Not the demo's system name: that starts the bundled demo and nothing else.
    facilitator = Actor(name="bench facilitator", role=Role.FACILITATOR)
    ExerciseService(session.gateway.workflow.ctx).start(facilitator, world)
    return session.gateway


async def _key_press_ms(leads: int) -> float:
    from leadreview.domain.roles import Actor, Role
    from leadreview.tui.app import LeadReviewApp

    actor = Actor(name="bench", role=Role.SUPERVISOR)
    with tempfile.TemporaryDirectory() as folder:
        gateway = _gateway(Path(folder), leads)
        try:
            app = LeadReviewApp(gateway, actor, cursor_blink=False)
            return await _presses_on(app)
        finally:
            gateway.workflow.ctx.store.dispose()


async def _workers_settled(app: "LeadReviewApp") -> None:
    """Every worker done. A load superseded by a newer one (exclusive workers: the live
    view reloads when the log moves) ends cancelled, which is no failure: wait again."""
    from textual.worker import WorkerCancelled

    deadline = Deadline(WAIT_LIMIT_S, "the app's workers to finish")
    while True:
        try:
            await app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            deadline.check()


async def _presses_on(app: "LeadReviewApp") -> float:
    from textual import events

    from leadreview.tui.screens.case_review import CaseReviewScreen

    async with app.run_test(size=(120, 40)) as pilot:
        app.open_case(1)
        deadline = Deadline(WAIT_LIMIT_S, f"the case screen (the app shows {app.screen!r})")
        while not (isinstance(app.screen, CaseReviewScreen) and app.screen.leads):
            deadline.check()
            await pilot.pause(0.01)
        await _workers_settled(app)
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
