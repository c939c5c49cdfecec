"""The map (/map) and the region panels (/regions/<code>)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("maps", __name__)
