"""Every exercise's own world behind its pictures and records: a participant in
`wcso-cold-cases` sees that exercise's booking photo and record for a lead, in the app and
through the gateway, rebuilt from the scenario stored with the exercise."""

from pathlib import Path

from sqlalchemy import update
from sqlmodel import col, select

from leadreview.exercise.loading import load_exercise
from leadreview.exercise.service import ExerciseService
from leadreview.exercise.world import build_exercise_world
from leadreview.exercise.worlds import ExerciseWorlds
from leadreview.settings import load_settings
from leadreview.store.tables.exercise import ExerciseRow
from leadreview.store.tables.workflow import LeadRow
from leadreview.tui.factory import Session, open_session
from leadreview.tui.screens.case_review import CaseReviewScreen
from tests.tui.conftest import FAY, RAE, SAM, SIZE, make_app, settle, sync


def _cold_cases(database_url: str) -> tuple[Session, int]:
    """A database with no demo, and the facilitator's `wcso-cold-cases` running in it."""
    real = open_session(load_settings(), database_url=database_url, role=SAM.role, demo=False)
    world = build_exercise_world(load_exercise("wcso-cold-cases"))
    exercise_id = ExerciseService(real.gateway.workflow.ctx).start(FAY, world).exercise_id
    return real, exercise_id


def _first_lead(real: Session, exercise_id: int) -> LeadRow:
    case_id = ExerciseService(real.gateway.workflow.ctx).summary(exercise_id).case_ids[0]
    with real.store.reading() as session:
        lead = session.exec(
            select(LeadRow).where(col(LeadRow.case_id) == case_id).order_by(col(LeadRow.rank))
        ).first()
        assert lead is not None
        return LeadRow.model_validate(lead.model_dump())  # detached: read outside


def test_a_lead_of_another_exercise_has_its_own_picture_and_record(
    isolated_home: Path, database_url: str
) -> None:
    real, exercise_id = _cold_cases(database_url)
    try:
        lead = _first_lead(real, exercise_id)
        assert lead.id is not None
        detail = real.gateway.get_lead(SAM, lead.id)
        expected = build_exercise_world(load_exercise("wcso-cold-cases"))
        index = expected.gallery.index_of(lead.face_id)
        assert index is not None  # the face is one of that exercise's gallery
        assert detail.record == expected.gallery.person(index)
        picture = real.gateway.lead_picture(lead.id)
        assert picture is not None
        wanted = expected.picture_for(lead.face_id)
        assert wanted is not None and picture.tobytes() == wanted.tobytes()
        # Another process (a fresh cache) rebuilds the same world from the stored scenario.
        again = ExerciseWorlds(real.store).picture_for(lead.face_id)
        assert again is not None and again.tobytes() == wanted.tobytes()
    finally:
        real.store.dispose()


def test_the_world_comes_from_the_stored_scenario_not_the_file(
    isolated_home: Path, database_url: str
) -> None:
    """As the adversary: the seed stored with the exercise changed behind the app's back.
    The world is rebuilt from what is stored, so the lead's face is no longer in it and
    the app says so rather than showing another exercise's (or the file's) face."""
    real, exercise_id = _cold_cases(database_url)
    try:
        lead = _first_lead(real, exercise_id)
        assert lead.id is not None
        with real.store.transaction() as session:
            row = session.get(ExerciseRow, exercise_id)
            assert row is not None
            text = row.scenario_text.replace("seed: 2019", "seed: 2020")
            assert text != row.scenario_text
            session.execute(
                update(ExerciseRow)
                .where(col(ExerciseRow.id) == exercise_id)
                .values(scenario_text=text, scenario_sha256="0" * 64)
            )
        fresh = ExerciseWorlds(real.store)
        assert fresh.record_for(lead.face_id, None) is None
        assert fresh.picture_for(lead.face_id) is None
    finally:
        real.store.dispose()


@sync
async def test_the_app_shows_the_lead_of_a_cold_case_with_its_record(
    isolated_home: Path, database_url: str
) -> None:
    real, exercise_id = _cold_cases(database_url)
    try:
        lead = _first_lead(real, exercise_id)
        assert lead.case_id is not None
        exercises = ExerciseService(real.gateway.workflow.ctx)
        exercises.join(RAE, exercise_id)
        exercises.assign(FAY, exercise_id)
        app = make_app(real.gateway, SAM, initial_case=lead.case_id)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, CaseReviewScreen)
            await settle(app, pilot)
            info = str(screen.query_one("#lead-info").render())
            assert "none in the gallery" not in info
            assert "(synthetic)" in info
            caption = str(screen.query_one("#lead-picture .caption").render())
            assert "no picture" not in caption
    finally:
        real.store.dispose()


def test_a_probe_reference_names_no_case_key_and_old_ones_still_find_their_truth(
    isolated_home: Path, sqlite_url: str
) -> None:
    """A case key may be named after its answer: the probe reference a participant sees
    on the case screen names the case's position instead. A database written when the
    reference held the key still finds each probe's truth."""
    from leadreview.exercise.world import key_probe_ref
    from leadreview.store.tables.exercise import ExerciseCaseRow
    from leadreview.store.tables.workflow import ProbeRow

    real, _ = _cold_cases(sqlite_url)
    try:
        world = build_exercise_world(load_exercise("wcso-cold-cases"))
        scenario = world.exercise.scenario
        with real.store.reading() as session:
            keys = {r.case_id: r.case_key for r in session.exec(select(ExerciseCaseRow)).all()}
            probes = {p.case_id: p.probe_ref for p in session.exec(select(ProbeRow)).all()}
        assert probes and set(probes) == set(keys)
        assert not [ref for case_id, ref in probes.items() if keys[case_id] in str(ref)]
        truths = {ref: ExerciseWorlds(real.store).truth_for(str(ref)) for ref in probes.values()}
        assert None not in truths.values()

        # As an older database stored them: the key in the reference.
        with real.store.transaction() as session:
            for case_id, key in keys.items():
                old = key_probe_ref(scenario.name, scenario.world.seed, key)
                session.execute(
                    update(ProbeRow).where(col(ProbeRow.case_id) == case_id).values(probe_ref=old)
                )
        for case_id, key in keys.items():
            old = key_probe_ref(scenario.name, scenario.world.seed, key)
            found = ExerciseWorlds(real.store).truth_for(old)
            assert found is not None
            assert found.mated == truths[str(probes[case_id])].mated  # type: ignore[union-attr]
    finally:
        real.store.dispose()
