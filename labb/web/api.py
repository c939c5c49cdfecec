"""The JSON API: /api/search, /api/practices/<id>, /api/openapi.json."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__)
