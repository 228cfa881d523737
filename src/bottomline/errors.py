"""Errors raised by bottomline's domain code.

Delivery layers (CLI, API) map these to messages and exit codes or HTTP statuses;
domain code never prints. A message and its hint say, in domain words, what is wrong and what
is missing; they never name a CLI command or option. Where a delivery layer has its own way to
supply what is missing (the CLI's ``--visitor``), the error carries a ``reason``: a short,
stable snake_case code (``visit_needs_visitor``) that layer looks its own hint up by. The tree::

    BottomlineError                 base of everything we raise on purpose
    ├── UserError                   the user can fix it: says what is wrong and how to fix it
    │   ├── InputFileError          a missing, unreadable or malformed input file
    │   ├── PolicyError             a policy file with missing or absurd values
    │   ├── UnknownRegionError      a region code that is not in the registry or code list
    │   ├── NotFound                a record that does not exist or lies outside the actor's region
    │   ├── ConfigError             a bad setting (environment variable or option)
    │   ├── PermissionDenied        the acting user's role or region does not allow the action
    │   ├── NotAuthenticated        no valid login or token: who acts is not known
    │   ├── TransitionError         a case move the workflow does not allow, or whose guard fails
    │   └── ConflictError           someone else changed the record first (optimistic locking)
    └── IntegrityError              the data contradicts itself (a bug or a tampered store)
"""

from __future__ import annotations


class BottomlineError(Exception):
    """Base class. ``hint`` tells the user how to fix the problem, when we know; ``reason``
    names the problem for a delivery layer that says it in its own words (see above)."""

    status_code = 500

    def __init__(self, message: str, *, hint: str | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.reason = reason

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  → {self.hint}"


class UserError(BottomlineError):
    status_code = 400


class InputFileError(UserError):
    status_code = 422


class PolicyError(UserError):
    status_code = 422


class UnknownRegionError(UserError):
    status_code = 404


class NotFound(UserError):  # noqa: N818 - reads as the HTTP status it maps to
    """Absent and out of the actor's region answer alike: an access function hides existence."""

    status_code = 404


class ConfigError(UserError):
    status_code = 500


class IntegrityError(BottomlineError):
    status_code = 500


class PermissionDenied(UserError):  # noqa: N818 - reads as the HTTP status it maps to
    status_code = 403


class NotAuthenticated(UserError):  # noqa: N818 - reads as the HTTP status it maps to
    """Wrong user name or password, a locked account, or a token that is unknown, expired or
    revoked: the message is the same for each, so it tells a prober nothing."""

    status_code = 401


class TransitionError(UserError):
    status_code = 422


class ConflictError(UserError):
    status_code = 409
