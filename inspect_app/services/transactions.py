"""Who owns a transaction: the service (`transaction`), never the view; and what SQLite turned away.

SQLite lets one connection write at a time; the others wait up to the busy timeout (see
extensions.tune_sqlite). A service call that still found the database locked is run again from the
start, a few times; then the user is told to retry (503 with Retry-After) rather than shown a 500.
PostgreSQL never raises this; SQLite suits one worker, PostgreSQL several (README, Configuration).
"""
from __future__ import annotations

import functools
import random
import time
from typing import Any, Callable, TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from . import ServiceError

ATTEMPTS = 3
RETRY_AFTER_SECONDS = 5
BUSY_MESSAGE = "Hệ thống đang bận ghi dữ liệu của người khác; dữ liệu của bạn chưa được lưu, vui lòng thử lại sau ít giây."

Call = TypeVar("Call", bound=Callable[..., Any])


class Busy(ServiceError):
    """The database stayed locked: 503, and the client retries after `retry_after` seconds."""

    status = 503
    retry_after = RETRY_AFTER_SECONDS


def database_locked(error: BaseException) -> bool:
    return isinstance(error, OperationalError) and "database is locked" in str(error.orig)


def transaction(service: Call | None = None, *, retry: bool = True) -> Any:
    """The service owns its transaction: whatever goes wrong, the session is rolled back before the error
    leaves it, so no view ever rolls back (or commits); the service commits where it succeeds.

    A call SQLite turned away ("database is locked") is run again from the start, a few times, then
    refused with Busy. `retry=False` for a service that consumes an upload stream, which cannot be read twice.
    """
    def decorate(service: Call) -> Call:
        @functools.wraps(service)
        def owning(session: Session, *args: Any, **kwargs: Any) -> Any:
            attempt = 1
            while True:
                try:
                    return service(session, *args, **kwargs)
                except OperationalError as error:
                    session.rollback()
                    if not retry or not database_locked(error):
                        raise
                    if attempt == ATTEMPTS:
                        raise Busy(BUSY_MESSAGE) from None
                except BaseException:
                    session.rollback()
                    raise
                time.sleep(random.uniform(0.05, 0.25) * attempt)  # apart, so that the waiting writers spread out
                attempt += 1
        return owning  # type: ignore[return-value]

    return decorate(service) if service is not None else decorate
