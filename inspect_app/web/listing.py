"""What every list page and list endpoint reads from the query string besides its own filters."""
from __future__ import annotations

from flask import request

from ..services.paging import page_params


def requested_page() -> tuple[int, int]:
    """(page, per_page) from ?page= &per_page=; a Vietnamese 400 naming the bad one."""
    return page_params(request.args.get("page"), request.args.get("per_page"))


def kept_args() -> dict[str, str]:
    """The non-empty query parameters but the page: what the pager's links and the sort links carry along."""
    return {key: value for key, value in request.args.items() if value and key != "page"}
