"""Shared services: partner suggestions for matchmaking requests (suggestions.py), introductions
brokered with every council's consent (introductions.py), and the register of shared arrangements
(register.py). One blueprint, "sharing", at /sharing."""

from flask import Blueprint

bp = Blueprint("sharing", __name__)
