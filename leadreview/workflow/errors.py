"""Errors the review workflow raises: each a one-line LeadreviewError naming the value at fault."""

from leadreview.errors import LeadreviewError


class NotFound(LeadreviewError):
    """A case, lead or policy that does not exist."""


class InvalidRequest(LeadreviewError):
    """A request the workflow cannot accept as given (nothing is written)."""


class EmptyRationale(InvalidRequest):
    """A decision without a rationale."""


class LeadNotOpen(InvalidRequest):
    """A decision on a lead that is filtered, or already forwarded, rejected or disputed."""


class DecisionConflict(LeadreviewError):
    """Another session decided the lead first: reported, never overwritten."""

    def __init__(self, message: str, *, lead_id: int, decided_by: tuple[str, ...]) -> None:
        super().__init__(message)
        self.lead_id = lead_id
        self.decided_by = decided_by


class EnforcementRefused(LeadreviewError):
    """An enforcement request the gate refused; the refusal is already in the audit log."""

    exit_code = 3

    def __init__(self, message: str, *, request_id: int) -> None:
        super().__init__(message)
        self.request_id = request_id
