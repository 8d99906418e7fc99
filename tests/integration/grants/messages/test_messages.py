"""Messages in the service: the list, the unread count in the header, marking them read."""

from __future__ import annotations

import re

from sqlalchemy import select

from grants.extensions import db
from grants.messages.views import is_own_address
from grants.models import AuditEvent, Notification, Role, User
from notifications.outbox import notify_in_app, queue_email
from tests.support.client import csrf_token, post_form, sign_in
from tests.support.database import counting_statements
from workflows.messages import summary


def give_messages(user: User, count: int, *, link: str = "/home") -> list[int]:
    """`count` messages for the user, oldest first; their ids."""
    ids = []
    for number in range(1, count + 1):
        made = notify_in_app(
            user,
            title=f"Message number {number}",
            body=f"Dear {user.name},\n\nThis is what message {number} is about.\n\nA second paragraph.",
            link=link,
            key=f"test-message-{user.id}-{number}-{link}",
        )
        assert made is not None
        ids.append(made)
    db.session.commit()
    return ids


def unread_tags(page: str) -> int:
    return len(re.findall(r'class="govuk-tag[^"]*">\s*Unread\s*<', page))


def audit_events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def read_at(notification_id: int) -> object:
    db.session.expire_all()
    return db.session.get(Notification, notification_id).read_at  # type: ignore[union-attr]


def test_the_header_shows_how_many_messages_are_unread(client, make_user):
    user = make_user(Role.COUNCIL_OFFICER)
    sign_in(client, user.email)
    assert ">Messages<" in client.get("/home").get_data(as_text=True).replace("\n", "").replace(" ", "")

    give_messages(user, 3)
    page = client.get("/home").get_data(as_text=True)
    assert "Messages (3 unread)" in page


def test_an_email_sent_with_an_in_app_copy_is_listed_newest_first(client, make_user, mailbox):
    user = make_user(Role.PROGRAMME_OFFICER, name="Ola Brown")
    queue_email(
        to=user, template="password_changed", key="test-in-app-email", link="/account", context={"name": user.name}
    )
    queue_email(
        to=user,
        template="password_changed",
        key="test-in-app-email-2",
        link="/account",
        context={"name": user.name},
        in_app=True,
    )
    give_messages(user, 2)
    db.session.commit()
    assert len(mailbox.to(user.email)) == 2

    sign_in(client, user.email)
    page = client.get("/messages").get_data(as_text=True)
    assert "You have 3 unread messages." in page
    assert page.index("Message number 2") < page.index("Message number 1") < page.index("password has changed")
    # The list shows the first paragraph that says something, not the greeting.
    assert "This is what message 2 is about." in page
    assert "Dear Ola Brown" not in page
    assert unread_tags(page) == 3
    assert page.count("Mark as read<span") == 3


def test_marking_one_message_read_lowers_the_count_and_is_audited(client, make_user):
    user = make_user(Role.ASSESSOR)
    first, second, third = give_messages(user, 3)
    sign_in(client, user.email)

    response = post_form(client, f"/messages/{second}/read", {}, token_from="/messages")
    assert response.status_code == 302
    assert response.headers["Location"] == "/messages"
    page = client.get("/messages").get_data(as_text=True)
    assert "Message marked as read" in page
    assert "Messages (2 unread)" in page
    assert unread_tags(page) == 2
    assert read_at(second) is not None
    assert read_at(first) is None and read_at(third) is None

    events = audit_events("notification.read")
    assert [(e.actor_id, e.subject_type, e.subject_id) for e in events] == [(user.id, "notification", second)]

    # A second press changes and records nothing.
    again = post_form(client, f"/messages/{second}/read", {}, token_from="/messages")
    assert again.status_code == 302
    assert "already been marked as read" in client.get("/messages").get_data(as_text=True)
    assert len(audit_events("notification.read")) == 1


def test_mark_all_as_read(client, make_user):
    user = make_user(Role.APPROVER)
    other = make_user(Role.ASSESSOR)
    give_messages(user, 4)
    theirs = give_messages(other, 1)
    sign_in(client, user.email)

    response = post_form(client, "/messages/read-all", {}, token_from="/messages")
    assert response.status_code == 302
    page = client.get("/messages").get_data(as_text=True)
    assert "4 messages marked as read" in page
    assert "You have no unread messages." in page
    assert "unread)" not in page
    assert unread_tags(page) == 0
    assert "Mark all as read" not in page
    assert read_at(theirs[0]) is None

    [event_] = audit_events("notifications.read_all")
    assert (event_.actor_id, event_.subject_type, event_.subject_id) == (user.id, "user", user.id)
    assert event_.detail["count"] == 4

    post_form(client, "/messages/read-all", {}, token_from="/messages")
    assert "You have no unread messages" in client.get("/messages").get_data(as_text=True)
    assert len(audit_events("notifications.read_all")) == 1


def test_the_list_is_paginated_and_the_button_returns_to_its_page(client, make_user):
    user = make_user(Role.EXPERT)
    ids = give_messages(user, 27)
    sign_in(client, user.email)
    first_page = client.get("/messages").get_data(as_text=True)
    assert unread_tags(first_page) == 25
    second_page = client.get("/messages?page=2").get_data(as_text=True)
    assert "Message number 1<" in second_page and "Message number 2<" in second_page
    assert "Message number 3<" not in second_page

    response = client.post(
        f"/messages/{ids[0]}/read", data={"csrf_token": csrf_token(client, "/messages?page=2"), "page": "2"}
    )
    assert response.headers["Location"] == "/messages?page=2"
    assert "There are no messages on this page" in client.get("/messages?page=9").get_data(as_text=True)


def test_someone_else_s_message_is_not_found(client, make_user):
    owner = make_user(Role.ASSESSOR)
    intruder = make_user(Role.APPROVER)
    [theirs] = give_messages(owner, 1)
    sign_in(client, intruder.email)

    assert client.get(f"/messages/{theirs}").status_code == 404
    assert post_form(client, f"/messages/{theirs}/read", {}, token_from="/messages").status_code == 404
    assert client.get("/messages/999999").status_code == 404
    assert read_at(theirs) is None
    assert audit_events("notification.read") == []


def test_a_post_without_the_csrf_token_is_refused(client, make_user):
    user = make_user(Role.ASSESSOR)
    [mine] = give_messages(user, 1)
    sign_in(client, user.email)
    assert client.post(f"/messages/{mine}/read").status_code == 400
    assert client.post("/messages/read-all").status_code == 400
    assert read_at(mine) is None


def test_anonymous_visitors_are_sent_to_sign_in(client, make_user):
    user = make_user(Role.ASSESSOR)
    [mine] = give_messages(user, 1)
    for path in ("/messages", f"/messages/{mine}"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/sign-in")


def test_opening_a_message_marks_it_read_and_follows_its_link_in_the_service(app, client, make_user):
    user = make_user(Role.ASSESSOR)
    [mine] = give_messages(user, 1, link="/rounds")
    sign_in(client, user.email)
    response = client.get(f"/messages/{mine}")
    assert response.status_code == 302
    assert response.headers["Location"] == app.config["SERVICE_URL"] + "/rounds"
    assert read_at(mine) is not None
    assert len(audit_events("notification.read")) == 1


def test_a_link_outside_the_service_is_shown_not_followed(client, make_user):
    user = make_user(Role.ASSESSOR)
    [elsewhere] = give_messages(user, 1, link="https://phishing.example/sign-in")
    [lookalike] = give_messages(user, 1, link="http://localhost:5000.phishing.example/home")
    sign_in(client, user.email)
    for notification_id, address in ((elsewhere, "https://phishing.example"), (lookalike, "phishing.example")):
        response = client.get(f"/messages/{notification_id}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "outside this service" in page
        assert address in page
        assert f'href="{address}' not in page
        assert read_at(notification_id) is not None


def test_own_addresses_are_told_apart_from_lookalikes():
    ours = "https://broker.example.gov.uk"
    assert is_own_address("https://broker.example.gov.uk/rounds/1", ours)
    assert is_own_address("https://broker.example.gov.uk", ours)
    assert not is_own_address("http://broker.example.gov.uk/rounds", ours)
    assert not is_own_address("https://broker.example.gov.uk.evil.test/rounds", ours)
    assert not is_own_address("https://broker.example.gov.uk@evil.test/rounds", ours)
    assert not is_own_address("https://evil.test/https://broker.example.gov.uk/", ours)
    assert not is_own_address("//evil.test/", ours)
    assert not is_own_address("https://broker.example.gov.uk\\@evil.test/", ours)
    assert is_own_address("https://lga.example/broker/home", "https://lga.example/broker/")
    assert not is_own_address("https://lga.example/brokerage/home", "https://lga.example/broker")


def test_the_summary_is_the_first_paragraph_after_any_greeting():
    assert summary("Dear Sam,\n\nYour offer is ready.\nSee it.\n\nThanks") == "Your offer is ready. See it."
    assert summary("Your offer is ready.\n\nThanks") == "Your offer is ready."
    assert summary("Dear Sam,") == "Dear Sam,"
    assert summary("") == ""
    long = summary("word " * 200)
    assert len(long) <= 301 and long.endswith("…")


def test_an_empty_list_says_so(client, make_user):
    user = make_user(Role.COUNCIL_OFFICER)
    sign_in(client, user.email)
    page = client.get("/messages").get_data(as_text=True)
    assert "You have no messages." in page
    assert "Mark all as read" not in page


def _statements_for_the_list(client, user: User, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    give_messages(user, count)
    with counting_statements() as statements:
        response = client.get("/messages")
    assert response.status_code == 200
    return statements


def test_the_number_of_queries_does_not_grow_with_the_number_of_messages(client, make_user):
    few = make_user(Role.ASSESSOR, email="few@example.gov.uk")
    many = make_user(Role.ASSESSOR, email="many@example.gov.uk")
    sign_in(client, few.email)
    with_three = _statements_for_the_list(client, few, 3)
    post_form(client, "/sign-out", {}, token_from="/home")
    sign_in(client, many.email)
    with_thirty = _statements_for_the_list(client, many, 30)
    assert len(with_three) == len(with_thirty)
    # The unread count is taken once, for the header and the page together.
    assert sum("read_at IS NULL" in s for s in with_thirty) == 1
