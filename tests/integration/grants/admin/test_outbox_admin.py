"""The staff page for the email outbox, sending a failed email again, and the `flask outbox`
commands."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from grants.extensions import db
from grants.models import AuditEvent, EmailStatus, OutboundEmail, Role, utcnow
from notifications.outbox import queue_email
from tests.support.client import post_form, sign_in

ADDRESS = "bounced@example.org"


def outbox_email(key: str, *, status: EmailStatus, to: str = ADDRESS, **values: object) -> OutboundEmail:
    """An outbox row in the given state. It is changed before the commit, so the delivery that
    the commit sets off finds it no longer waiting and leaves it alone."""
    email_id = queue_email(to=to, template="password_changed", key=key, link="/account", context={"name": "Sam"})
    assert email_id is not None
    email = db.session.get(OutboundEmail, email_id)
    assert email is not None
    email.status = status
    for name, value in values.items():
        setattr(email, name, value)
    db.session.commit()
    return email


def failed_email(key: str = "test-failed", **values: object) -> OutboundEmail:
    failure: dict[str, object] = {
        "attempts": 10,
        "last_error": "550 5.1.1 Mailbox does not exist",
        "failed_at": utcnow(),
    }
    return outbox_email(key, status=EmailStatus.FAILED, **{**failure, **values})


def reloaded(email_id: int) -> OutboundEmail:
    db.session.expire_all()
    email = db.session.get(OutboundEmail, email_id)
    assert email is not None
    return email


def resent_events(email_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "email.resent",
                AuditEvent.subject_type == "outbound_email",
                AuditEvent.subject_id == email_id,
            )
        )
    )


def test_a_programme_officer_sends_a_failed_email_again(client, make_user, mailbox):
    officer = make_user(Role.PROGRAMME_OFFICER)
    email = failed_email()
    assert mailbox.to(ADDRESS) == []
    sign_in(client, officer.email)

    assert '<a class="govuk-service-navigation__link" href="/admin/emails"' in client.get("/home").get_data(
        as_text=True
    )
    listing = client.get("/admin/emails").get_data(as_text=True)
    assert ADDRESS in listing
    assert "Mailbox does not exist" in listing
    assert f'href="/admin/emails/{email.id}"' in listing

    detail = client.get(f"/admin/emails/{email.id}").get_data(as_text=True)
    assert "Send again" in detail
    assert email.message_id.replace("<", "&lt;").replace(">", "&gt;") in detail

    response = post_form(client, f"/admin/emails/{email.id}/resend", {}, token_from=f"/admin/emails/{email.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/emails/{email.id}"

    [delivered] = mailbox.to(ADDRESS)
    assert delivered["Message-ID"] == email.message_id
    row = reloaded(email.id)
    assert row.status is EmailStatus.SENT
    assert row.attempts == 1
    [event_] = resent_events(email.id)
    assert event_.actor_id == officer.id
    assert event_.detail["attempts"] == 10
    assert event_.detail["last_error"] == "550 5.1.1 Mailbox does not exist"

    after = client.get(f"/admin/emails/{email.id}").get_data(as_text=True)
    assert f"The email to {ADDRESS} will be sent again" in after
    assert "Send again<" not in after.replace("\n", "").replace(" ", "")
    assert "Sent again" in after  # the history


def test_an_email_that_is_not_failed_is_not_sent_again(client, make_user, mailbox):
    officer = make_user(Role.ADMINISTRATOR)
    sent = outbox_email("test-sent", status=EmailStatus.SENT, attempts=1, sent_at=utcnow())
    waiting = outbox_email("test-waiting", status=EmailStatus.SENDING, attempts=1, claimed_at=utcnow())
    sign_in(client, officer.email)

    for email, message in ((sent, "already been sent"), (waiting, "still waiting to be sent")):
        before = (email.status, email.attempts, email.due_at)
        response = post_form(client, f"/admin/emails/{email.id}/resend", {}, token_from="/admin/emails")
        assert response.status_code == 302
        assert message in client.get(response.headers["Location"]).get_data(as_text=True)
        row = reloaded(email.id)
        assert (row.status, row.attempts, row.due_at) == before
        assert resent_events(email.id) == []
    assert mailbox.to(ADDRESS) == []


def test_the_list_is_filtered_by_status(client, make_user):
    officer = make_user(Role.PROGRAMME_OFFICER)
    failed_email(to="failed@example.org")
    outbox_email("test-sent", status=EmailStatus.SENT, to="delivered@example.org", sent_at=utcnow())
    sign_in(client, officer.email)

    failed_only = client.get("/admin/emails").get_data(as_text=True)
    assert "failed@example.org" in failed_only and "delivered@example.org" not in failed_only
    sent_only = client.get("/admin/emails?status=sent").get_data(as_text=True)
    assert "delivered@example.org" in sent_only and "failed@example.org" not in sent_only
    everything = client.get("/admin/emails?status=all").get_data(as_text=True)
    assert "delivered@example.org" in everything and "failed@example.org" in everything
    assert "No email has failed." not in failed_only
    assert "There are no emails in this state." in client.get("/admin/emails?status=pending").get_data(as_text=True)
    assert client.get("/admin/emails?status=nonsense").status_code == 200


def test_the_list_says_when_nothing_has_failed(client, make_user):
    sign_in(client, make_user(Role.PROGRAMME_OFFICER).email)
    assert "No email has failed." in client.get("/admin/emails").get_data(as_text=True)
    assert client.get("/admin/emails/999999").status_code == 404


def test_what_an_email_says_is_shown_as_text_never_as_markup(client, make_user):
    officer = make_user(Role.PROGRAMME_OFFICER)
    email = failed_email(
        subject="<script>alert('subject')</script>",
        text_body="Hello\n\n<script>alert('text')</script>",
        html_body="<p>Hello</p><script>alert('html')</script><img src=x onerror=alert(1)>",
        last_error="<b>refused</b>",
    )
    sign_in(client, officer.email)
    for path in ("/admin/emails", f"/admin/emails/{email.id}"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "<b>refused" not in page
        assert "&lt;script&gt;alert(" in page
    detail = client.get(f"/admin/emails/{email.id}").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in detail


def test_only_staff_who_manage_messages_reach_the_outbox(client, make_user):
    email = failed_email()
    for role in (Role.COUNCIL_OFFICER, Role.EXPERT, Role.ASSESSOR, Role.APPROVER):
        user = make_user(role)
        sign_in(client, user.email)
        assert client.get("/admin/emails").status_code == 403
        assert client.get(f"/admin/emails/{email.id}").status_code == 403
        refused = post_form(client, f"/admin/emails/{email.id}/resend", {}, token_from="/home")
        assert refused.status_code == 403
        assert "/admin/emails" not in client.get("/home").get_data(as_text=True)
        post_form(client, "/sign-out", {}, token_from="/home")
    assert reloaded(email.id).status is EmailStatus.FAILED
    assert resent_events(email.id) == []


def test_sending_again_needs_the_csrf_token(client, make_user):
    email = failed_email()
    sign_in(client, make_user(Role.PROGRAMME_OFFICER).email)
    assert client.post(f"/admin/emails/{email.id}/resend").status_code == 400
    assert reloaded(email.id).status is EmailStatus.FAILED


def test_the_outbox_status_command_counts_each_state(app, session):
    failed_email()
    outbox_email("test-sent", status=EmailStatus.SENT)
    outbox_email("test-sent-2", status=EmailStatus.SENT)
    result = app.test_cli_runner().invoke(args=["outbox", "status"])
    assert result.exit_code == 0, result.output
    lines = {line.rsplit(None, 1)[0].strip(): int(line.rsplit(None, 1)[1]) for line in result.output.splitlines()}
    assert lines == {"Waiting to be sent": 0, "Being sent": 0, "Sent": 2, "Failed": 1, "Total": 3}


def test_the_outbox_replay_command_sends_an_email_left_half_sent(app, session, mailbox):
    long_ago = utcnow() - timedelta(hours=2)
    stuck = outbox_email("test-stuck", status=EmailStatus.SENDING, attempts=1, claimed_at=long_ago, due_at=long_ago)
    result = app.test_cli_runner().invoke(args=["outbox", "replay"])
    assert result.exit_code == 0, result.output
    assert "1 email enqueued again." in result.output
    assert len(mailbox.to(ADDRESS)) == 1
    assert reloaded(stuck.id).status is EmailStatus.SENT
