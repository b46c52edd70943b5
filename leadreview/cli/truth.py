"""Ground truth from the command line: the facilitator's, recorded, refusals too."""

from collections.abc import Mapping
from typing import Any


def open_truth_as(actor_name: str | None, role: str, subject: Mapping[str, Any]) -> None:
    """Check (and record) that the acting principal may see the truth of `subject`, in
    the composition root's store; raises PermissionRefused, after recording it, if not."""
    from leadreview.cli.context import application
    from leadreview.domain.roles import Role
    from leadreview.errors import InputFileError
    from leadreview.workflow.truth_access import open_truth

    try:
        chosen = Role(role)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise InputFileError(f"--role {role!r}: use one of {names}") from None
    app = application()
    actor = app.principal(chosen, actor_name, named_by="--actor").actor
    open_truth(app.workflow_context(), actor, subject)
