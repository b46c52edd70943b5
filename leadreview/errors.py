"""Errors a user can cause.

Every such error carries one line that names the file, field or value at fault; the CLI
prints that line and exits non-zero, never a traceback. Code below the CLI raises these
(or subclasses) at the boundary where user input is checked.
"""


class LeadreviewError(Exception):
    """A problem the user can fix: bad file, bad argument, unreachable database."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        # One line, always: a user reads it in a terminal or a CI log.
        super().__init__(" ".join(message.split()))

    @property
    def message(self) -> str:
        return str(self)


class InputFileError(LeadreviewError):
    """A policy, scenario, profile or image file that cannot be used."""


class ConfigurationError(LeadreviewError):
    """Settings that cannot work: unreachable database, missing key file."""


class PermissionRefused(LeadreviewError):
    """A role tried an action it may not take. The refusal is itself audited."""

    exit_code = 3


class VerificationFailed(LeadreviewError):
    """The audit log (or an export of it) does not verify."""

    exit_code = 1
