"""The sharing blueprint: suggestions.py, introductions.py and register.py attach their routes to it."""

from flask import Blueprint

bp = Blueprint("sharing", __name__)
