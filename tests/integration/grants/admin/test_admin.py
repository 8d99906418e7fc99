"""The administrator's pages: inviting, changing roles, deactivating."""

from __future__ import annotations

from grants.extensions import db
from grants.models import AuditEvent, Role, User
from tests.builders.people import PASSWORD
from tests.support.client import post_form, sign_in


def test_only_administrators_reach_the_user_pages(client, make_user):
    for role in (Role.COUNCIL_OFFICER, Role.PROGRAMME_OFFICER, Role.ASSESSOR, Role.APPROVER):
        user = make_user(role)
        sign_in(client, user.email)
        assert client.get("/admin/users").status_code == 403
        assert client.get("/admin/users/invite").status_code == 403
        post_form(client, "/sign-out", {}, token_from="/home")


def test_an_invitation_with_bad_input_shows_errors_beside_the_fields_and_stores_nothing(
    client, make_user, councils, mailbox
):
    sign_in(client, make_user(Role.ADMINISTRATOR).email)
    before = db.session.scalar(db.select(db.func.count()).select_from(User))

    missing = post_form(
        client, "/admin/users/invite", {"name": "", "email": "not-an-email", "council": "", "expert": ""}
    )
    page = missing.get_data(as_text=True)
    assert missing.status_code == 200
    assert "There is a problem" in page
    assert "Enter the person&#39;s full name" in page
    assert "Enter an email address in the correct format" in page

    no_council = post_form(
        client,
        "/admin/users/invite",
        {"name": "Ola", "email": "ola@example.gov.uk", "roles": ["council_officer"], "council": "", "expert": ""},
    )
    assert "Select the council a council officer works for" in no_council.get_data(as_text=True)

    mixed = post_form(
        client,
        "/admin/users/invite",
        {
            "name": "Ola",
            "email": "ola@example.gov.uk",
            "roles": ["council_officer", "approver"],
            "council": str(councils["ipswich"].id),
            "expert": "",
        },
    )
    assert "A council officer cannot also hold a staff or expert role" in mixed.get_data(as_text=True)

    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == before
    assert mailbox.messages == []


def test_an_address_already_in_use_is_refused(client, make_user, mailbox):
    admin = make_user(Role.ADMINISTRATOR)
    existing = make_user(Role.ASSESSOR)
    sign_in(client, admin.email)
    response = post_form(
        client,
        "/admin/users/invite",
        {"name": "Copy", "email": existing.email.upper(), "roles": ["assessor"], "council": "", "expert": ""},
    )
    assert "An account with this email address already exists" in response.get_data(as_text=True)
    assert mailbox.messages == []


def test_changing_roles_takes_effect_at_once_and_is_audited(app, client, make_user):
    admin = make_user(Role.ADMINISTRATOR)
    assessor = make_user(Role.ASSESSOR)
    their_browser = app.test_client()
    sign_in(their_browser, assessor.email)
    assert their_browser.get("/rounds").status_code == 200

    sign_in(client, admin.email)
    saved = post_form(client, f"/admin/users/{assessor.id}", {"roles": ["approver"], "council": "", "expert": ""})
    assert saved.status_code == 302
    db.session.refresh(assessor)
    assert assessor.roles == {Role.APPROVER}
    assert their_browser.get("/home").status_code == 302, "the old session ended with the change"
    event = db.session.scalar(
        db.select(AuditEvent).where(AuditEvent.action == "user.roles_changed", AuditEvent.subject_id == assessor.id)
    )
    assert event.actor_id == admin.id
    assert event.detail == {"before": ["assessor"], "after": ["approver"], "council_id": None}


def test_an_administrator_cannot_remove_their_own_administrator_role(client, make_user):
    admin = make_user(Role.ADMINISTRATOR)
    sign_in(client, admin.email)
    response = post_form(client, f"/admin/users/{admin.id}", {"roles": ["assessor"], "council": "", "expert": ""})
    assert "You cannot remove your own administrator role" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.roles == {Role.ADMINISTRATOR}


def test_deactivation_needs_a_reason_signs_the_person_out_and_can_be_undone(app, client, make_user):
    admin = make_user(Role.ADMINISTRATOR)
    officer = make_user(Role.PROGRAMME_OFFICER)
    their_browser = app.test_client()
    sign_in(their_browser, officer.email)

    sign_in(client, admin.email)
    no_reason = post_form(client, f"/admin/users/{officer.id}/deactivate", {"reason": ""})
    assert "Enter why the account is being deactivated" in no_reason.get_data(as_text=True)
    db.session.refresh(officer)
    assert officer.is_active

    done = post_form(client, f"/admin/users/{officer.id}/deactivate", {"reason": "Left the LGA"})
    assert done.status_code == 302
    db.session.refresh(officer)
    assert not officer.is_active
    assert their_browser.get("/home").status_code == 302
    assert sign_in(their_browser, officer.email).status_code == 200  # refused with the generic message

    post_form(client, f"/admin/users/{officer.id}/reactivate", {}, token_from=f"/admin/users/{officer.id}")
    db.session.refresh(officer)
    assert officer.is_active
    assert sign_in(their_browser, officer.email, PASSWORD).status_code == 302
    actions = db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.subject_id == officer.id)).all()
    assert {"user.deactivated", "user.reactivated"} <= set(actions)


def test_the_user_list_filters_by_role_and_escapes_names(client, make_user):
    admin = make_user(Role.ADMINISTRATOR)
    make_user(Role.ASSESSOR, name="<script>alert(1)</script>")
    sign_in(client, admin.email)
    page = client.get("/admin/users?role=assessor").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page
    assert admin.email not in page
