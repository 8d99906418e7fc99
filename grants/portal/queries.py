"""Reads behind the expert's portal: their own record and their own offers and engagements."""

from __future__ import annotations

from grants.experts.queries import get_own_expert
from grants.extensions import db
from grants.models import Engagement
from workflows import engagements

__all__ = ["get_own_expert", "list_engagements_of_expert"]


def list_engagements_of_expert(expert_id: int) -> list[Engagement]:
    """Every offer made to the expert and every engagement of theirs, with what the portal shows."""
    return list(db.session.scalars(engagements.offers_for_expert(expert_id)))
