"""What command modules ask of the composition root in the same way: who acts, the
policies a case is judged under, the review workflow, the exercise service."""

from typing import TYPE_CHECKING

from leadreview.domain.roles import Role

if TYPE_CHECKING:
    from leadreview.domain.roles import Actor
    from leadreview.exercise.service import ExerciseService
    from leadreview.store.store import Store
    from leadreview.workflow.cases import SearchBackend
    from leadreview.workflow.policy_set import PolicySet
    from leadreview.workflow.service import ReviewWorkflow


def acting_as(role: Role) -> "Actor":
    """You, in `role`: the OS user (SQLite) or your login (PostgreSQL), if granted it."""
    from leadreview.cli.context import application

    return application().principal(role).actor


def facilitator() -> "Actor":
    """You, as the facilitator: the role an exercise command acts in unless it names one."""
    return acting_as(Role.FACILITATOR)


def role_named(value: str) -> Role:
    """The role named by `--role`, or one line listing the roles there are."""
    from leadreview.errors import InputFileError

    try:
        return Role(value)
    except ValueError:
        raise InputFileError(f"--role {value!r}: use one of {', '.join(Role)}") from None


def policy_set(refs: list[str] | None, in_force: str | None) -> "PolicySet":
    """The policies named (default: every bundled one) and the one in force."""
    from leadreview.policy.loader import load_bundled_policies, load_policies
    from leadreview.workflow.policy_set import DEFAULT_POLICY, PolicySet

    loaded = load_policies(refs) if refs else load_bundled_policies()
    names = [p.name for p in loaded]
    return PolicySet.of(
        loaded,
        in_force or (DEFAULT_POLICY if DEFAULT_POLICY in names else names[0]),
        chosen=bool(refs) or in_force is not None,
    )


def review_workflow(
    store: "Store", policies: "PolicySet", backend: "SearchBackend | None" = None
) -> "ReviewWorkflow":
    from leadreview.audit.log import AuditLog
    from leadreview.workflow.context import WorkflowContext
    from leadreview.workflow.service import ReviewWorkflow

    ctx = WorkflowContext(store=store, audit=AuditLog())
    return ReviewWorkflow(ctx=ctx, policies=policies, backend=backend)


def open_exercises() -> "tuple[ExerciseService, Store]":
    """The exercise service and its store (the caller disposes of the store)."""
    from leadreview.cli.context import application

    app = application()
    return app.exercise_service(), app.store()


def chosen_exercise(service: "ExerciseService", given: int | None) -> int:
    """The exercise named by `--exercise`, else the newest running one."""
    return given if given is not None else service.current_exercise_id()
