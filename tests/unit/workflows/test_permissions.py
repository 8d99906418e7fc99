"""What each role allows. Users are built in memory: no database is involved."""

from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin

from grants.models import Role, User, UserRole
from workflows.permissions import Permission, can, permissions_of

P = Permission

# Written out by hand, not read from ROLE_PERMISSIONS, so that a change there shows up here.
EXPECTED = {
    Role.COUNCIL_OFFICER: {P.SIGNED_IN, P.APPLY_FOR_COUNCIL},
    Role.PROGRAMME_OFFICER: {
        P.SIGNED_IN,
        P.VIEW_PROGRAMME,
        P.VIEW_EXPERT_POOL,
        P.VIEW_REGISTER,
        P.CHECK_APPLICATIONS,
        P.MANAGE_MESSAGES,
        P.MANAGE_EXPERT_POOL,
    },
    Role.ASSESSOR: {P.SIGNED_IN, P.VIEW_PROGRAMME, P.VIEW_EXPERT_POOL, P.VIEW_REGISTER, P.ASSESS_APPLICATIONS},
    Role.APPROVER: {
        P.SIGNED_IN,
        P.VIEW_PROGRAMME,
        P.VIEW_EXPERT_POOL,
        P.VIEW_REGISTER,
        P.DECIDE_APPLICATIONS,
        P.ISSUE_BOARD_REPORTS,
    },
    Role.EXPERT: {P.SIGNED_IN, P.USE_EXPERT_PORTAL},
    Role.ADMINISTRATOR: {
        P.SIGNED_IN,
        P.VIEW_PROGRAMME,
        P.VIEW_EXPERT_POOL,
        P.VIEW_REGISTER,
        P.MANAGE_USERS,
        P.MANAGE_SCHEMES,
        P.MANAGE_MESSAGES,
        P.MANAGE_EXPERT_POOL,
        P.ISSUE_BOARD_REPORTS,
    },
}


def user_with(*roles: Role, active: bool = True) -> User:
    return User(
        email="someone@example.gov.uk",
        name="Someone",
        is_active=active,
        role_links=[UserRole(role=role) for role in roles],
    )


def test_every_role_is_covered() -> None:
    assert set(EXPECTED) == set(Role)


@pytest.mark.parametrize("role", list(Role))
def test_permissions_of_each_role(role: Role) -> None:
    assert permissions_of(user_with(role)) == EXPECTED[role]


def test_a_council_officer_cannot_manage_users_or_see_the_programme() -> None:
    officer = user_with(Role.COUNCIL_OFFICER)
    assert can(officer, P.APPLY_FOR_COUNCIL)
    assert not can(officer, P.MANAGE_USERS)
    assert not can(officer, P.VIEW_PROGRAMME)
    assert not can(officer, P.VIEW_EXPERT_POOL)


def test_an_administrator_can_manage_users_but_not_decide_applications() -> None:
    admin = user_with(Role.ADMINISTRATOR)
    assert can(admin, P.MANAGE_USERS)
    assert can(admin, P.MANAGE_SCHEMES)
    assert not can(admin, P.DECIDE_APPLICATIONS)
    assert not can(admin, P.APPLY_FOR_COUNCIL)


def test_only_staff_roles_see_the_expert_pool() -> None:
    assert not can(user_with(Role.EXPERT), P.VIEW_EXPERT_POOL)
    assert can(user_with(Role.EXPERT), P.USE_EXPERT_PORTAL)
    assert can(user_with(Role.ASSESSOR), P.VIEW_EXPERT_POOL)


def test_only_programme_officers_and_administrators_manage_the_expert_pool() -> None:
    managers = {role for role in Role if can(user_with(role), P.MANAGE_EXPERT_POOL)}
    assert managers == {Role.PROGRAMME_OFFICER, Role.ADMINISTRATOR}


def test_several_roles_give_everything_each_gives() -> None:
    user = user_with(Role.ASSESSOR, Role.APPROVER)
    assert permissions_of(user) == EXPECTED[Role.ASSESSOR] | EXPECTED[Role.APPROVER]


def test_a_user_without_roles_is_only_signed_in() -> None:
    assert permissions_of(user_with()) == {P.SIGNED_IN}


@pytest.mark.parametrize("role", list(Role))
def test_an_inactive_user_has_no_permissions_at_all(role: Role) -> None:
    user = user_with(role, active=False)
    assert permissions_of(user) == frozenset()
    assert not any(can(user, permission) for permission in Permission)


@pytest.mark.parametrize("permission", list(Permission))
def test_an_anonymous_visitor_can_do_nothing(permission: Permission) -> None:
    assert can(AnonymousUserMixin(), permission) is False


def test_an_object_that_is_not_a_user_can_do_nothing() -> None:
    assert can(None, P.SIGNED_IN) is False
