"""The sharing blueprint: suggestions.py, introductions.py and arrangements.py attach their routes to it."""

from flask import Blueprint

bp = Blueprint("sharing", __name__)
