"""Exports of any search: /export.csv, /export.json, and the Atom feed of new practices."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("exports", __name__)
