"""The account page: changing one's own password."""

from __future__ import annotations

from grants.extensions import db
from grants.models import Notification, Role
from tests.builders.people import PASSWORD
from tests.support.client import post_form, sign_in

NEW_PASSWORD = "marble-orchard-tangent-88"


def test_changing_the_password_emails_and_tells_the_person_in_the_service(client, make_user, mailbox):  # type: ignore[no-untyped-def]
    user = make_user(Role.ASSESSOR, email="sam@lga.example.gov.uk", name="Sam Reader")
    sign_in(client, user.email)
    response = post_form(
        client, "/account", {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    [email] = mailbox.to("sam@lga.example.gov.uk")
    assert email["Subject"] == "Your Productivity Broker password has changed"
    assert "http://localhost:5000/account" in mailbox.text(email)
    [notice] = db.session.scalars(db.select(Notification).where(Notification.user_id == user.id))
    assert notice.title == "Your Productivity Broker password has changed" and notice.read_at is None
    page = client.get("/home").get_data(as_text=True)
    assert "Messages (1 unread)" in page
