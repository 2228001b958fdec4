"""The service layer: transactions, authorisation and audit live here, never in views.

Views turn a request into a call; services raise the errors below, which the web layer maps
to HTTP statuses and Vietnamese messages.
"""
from __future__ import annotations

from typing import Any

MAX_ID = 2**31 - 1  # the largest id an INTEGER column of PostgreSQL holds: no row has a larger one


class ServiceError(Exception):
    """A refusal with a Vietnamese message for the user."""

    status = 400

    def __init__(self, message: str, **details: Any):
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(ServiceError):
    status = 404


class Forbidden(ServiceError):
    status = 403


class Conflict(ServiceError):
    """A stale version or a locked (finalised) inspection: 409."""

    status = 409


class Invalid(ServiceError):
    """Input that breaks a rule; `details['errors']` maps each field or item code to a message."""

    status = 422
