"""Errors, answered in the shape of the address: JSON under /api/, an HTML page elsewhere.

One handler sees every HTTP error (routing errors included: an unknown path, a
POST), a missing index and any uncaught exception, so no endpoint or blueprint
order decides how an error looks.
"""

from __future__ import annotations

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from ..search import NoIndex
from .i18n import gettext as _
from .views import MESSAGES, error_response


def is_api(path: str) -> bool:
    return path.startswith("/api/")


PAGES = (400, 404, 500, 503)
"""The statuses with an error page of their own."""


def _page(status: int) -> tuple[str, str]:
    """The HTML page's title and message for `status`."""
    if status == 404:
        return _("Page not found"), _(
            "There is no page at this address. It may have moved, or the link may be mistyped."
        )
    if status == 503:
        return _("The search index is being prepared"), _("Please try again in a minute.")
    if status >= 500:
        return _("Something went wrong"), _("The page could not be shown. Please try again later.")
    return _("Bad request"), _("The request could not be understood.")


def answer(status: int, headers: dict[str, str] | None = None, message: str | None = None) -> Response:
    """The error response for the current request's path."""
    if is_api(request.path):
        return error_response(status, message, headers)
    title, text = _page(status)
    return Response(
        render_template("error.html", status=status, title=title, message=text), status, headers=headers or {}
    )


def _http_error(error: HTTPException) -> Response | HTTPException:
    status = error.code or 500
    if status < 400 or (not is_api(request.path) and status not in PAGES):
        return error  # a redirect raised as an exception, or a rare status: Flask's own answer
    headers = {}
    allow = dict(error.get_headers()).get("Allow")
    if allow:
        headers["Allow"] = allow
    message = MESSAGES.get(status) if status in MESSAGES else error.description
    return answer(status, headers, message)


def _no_index(error: NoIndex) -> Response:
    return answer(503)


def _server_error(error: InternalServerError) -> Response:
    return answer(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(NoIndex, _no_index)
    app.register_error_handler(InternalServerError, _server_error)
