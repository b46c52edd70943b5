"""The commands that may print ground truth (`probe render --reveal`, `scenario show
--reveal`) ask here first: you, in the role you chose, checked and recorded."""

from collections.abc import Mapping
from typing import Any


def open_truth_for(role: str, subject: Mapping[str, Any]) -> None:
    """Return if you (the OS user or your login), acting in `role`, may see the ground
    truth of `subject` — recorded as `truth.viewed`; else the refusal is recorded and
    raised. Opens the store the settings name."""
    from leadreview.cli.acting import role_named
    from leadreview.cli.context import application
    from leadreview.workflow.truth_access import open_truth

    chosen = role_named(role)
    app = application()
    open_truth(app.workflow_context(), app.principal(chosen).actor, subject)
