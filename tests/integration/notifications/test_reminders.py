"""The reminder engine over Christmas 2026, when Friday 25 December and Monday 28 December (the
Boxing Day substitute) are bank holidays in England and Wales, as is Friday 1 January 2027."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from grants.extensions import db
from grants.models import Notification, OutboundEmail, Reminder, ReminderStatus, Role
from notifications import reminders
from tests.support.database import counting_statements
from workflows.working_days import add_working_days

CHRISTMAS_EVE = date(2026, 12, 24)  # a Thursday


@pytest.fixture
def people(make_user):  # type: ignore[no-untyped-def]
    return {
        "expert": make_user(Role.COUNCIL_OFFICER, email="lead@example.gov.uk", name="Lee Lead"),
        "officer": make_user(Role.PROGRAMME_OFFICER, email="officer@lga.example.gov.uk", name="Olu Officer"),
        "approver": make_user(Role.APPROVER, email="approver@lga.example.gov.uk", name="Ada Approver"),
    }


def schedule_report(people, subject_id: int = 1, *, escalate_to=None) -> Reminder:  # type: ignore[no-untyped-def]
    """A report due two working days after Christmas Eve, escalated three working days later."""
    due = add_working_days(CHRISTMAS_EVE, 2)
    return reminders.schedule(
        subject_type="outcome_report",
        subject_id=subject_id,
        kind="report-due",
        user=people["expert"],
        due_on=due,
        escalate_on=add_working_days(due, 3),
        template="password_changed",
        escalation_template="password_changed",
        link=f"/reports/{subject_id}",
        escalate_to=escalate_to,
    )


def sent_to(address: str) -> int:
    return db.session.scalar(
        db.select(db.func.count()).select_from(OutboundEmail).where(OutboundEmail.to_address == address)
    )


def test_due_dates_skip_the_christmas_bank_holidays(people, session):  # type: ignore[no-untyped-def]
    reminder = schedule_report(people)
    # Thu 24 → (Fri 25 holiday, weekend, Mon 28 holiday) Tue 29, Wed 30.
    assert reminder.due_on == date(2026, 12, 30)
    # Wed 30 → Thu 31, (Fri 1 January holiday, weekend) Mon 4, Tue 5.
    assert reminder.escalate_on == date(2027, 1, 5)
    assert reminder.next_due_on == date(2026, 12, 30)


def test_a_reminder_is_sent_on_its_due_date_once_then_escalated_once(people, session, mailbox):  # type: ignore[no-untyped-def]
    reminder = schedule_report(people)
    db.session.commit()

    assert reminders.send_due(date(2026, 12, 29)) == reminders.SweepResult(0, 0)
    assert mailbox.messages == []

    assert reminders.send_due(date(2026, 12, 30)) == reminders.SweepResult(reminded=1, escalated=0)
    assert len(mailbox.to("lead@example.gov.uk")) == 1
    db.session.refresh(reminder)
    assert reminder.status is ReminderStatus.SENT and reminder.sent_at is not None
    assert reminder.next_due_on == date(2027, 1, 5)
    [notice] = db.session.scalars(db.select(Notification).where(Notification.user_id == people["expert"].id))
    assert notice.link == "http://localhost:5000/reports/1" and notice.read_at is None

    # The next runs, before the escalation date, send nothing more.
    assert reminders.send_due(date(2026, 12, 31)) == reminders.SweepResult(0, 0)
    assert reminders.send_due(date(2027, 1, 4)) == reminders.SweepResult(0, 0)

    # Still outstanding on the escalation date: every programme officer hears, once.
    assert reminders.send_due(date(2027, 1, 5)) == reminders.SweepResult(reminded=0, escalated=1)
    assert sent_to("officer@lga.example.gov.uk") == 1
    assert sent_to("lead@example.gov.uk") == 1
    assert sent_to("approver@lga.example.gov.uk") == 0
    db.session.refresh(reminder)
    assert reminder.status is ReminderStatus.ESCALATED and reminder.next_due_on is None

    assert reminders.send_due(date(2027, 1, 20)) == reminders.SweepResult(0, 0)
    assert len(mailbox.messages) == 2


def test_an_escalation_can_go_to_a_named_person(people, session, mailbox):  # type: ignore[no-untyped-def]
    schedule_report(people, escalate_to=people["approver"])
    db.session.commit()
    reminders.send_due(date(2026, 12, 30))
    reminders.send_due(date(2027, 1, 5))
    assert sent_to("approver@lga.example.gov.uk") == 1
    assert sent_to("officer@lga.example.gov.uk") == 0


def test_a_sweep_that_missed_days_catches_up_in_order(people, session, mailbox):  # type: ignore[no-untyped-def]
    reminder = schedule_report(people)
    db.session.commit()
    # The beat was down over the new year: the first run afterwards sends the reminder, the next
    # the escalation, never both to the same person at once.
    assert reminders.send_due(date(2027, 1, 6)) == reminders.SweepResult(reminded=1, escalated=0)
    assert reminders.send_due(date(2027, 1, 6)) == reminders.SweepResult(reminded=0, escalated=1)
    db.session.refresh(reminder)
    assert reminder.status is ReminderStatus.ESCALATED


def test_closing_the_subject_cancels_its_reminders(people, session, mailbox):  # type: ignore[no-untyped-def]
    open_report = schedule_report(people, subject_id=1)
    filed_report = schedule_report(people, subject_id=2)
    db.session.commit()

    assert reminders.cancel("outcome_report", 2) == 1
    db.session.commit()
    assert reminders.send_due(date(2026, 12, 30)) == reminders.SweepResult(reminded=1, escalated=0)
    db.session.refresh(filed_report)
    assert filed_report.status is ReminderStatus.CANCELLED and filed_report.sent_at is None

    # Filed after the reminder but before the escalation: the escalation never goes.
    assert reminders.cancel("outcome_report", 1) == 1
    db.session.commit()
    assert reminders.send_due(date(2027, 1, 5)) == reminders.SweepResult(0, 0)
    db.session.refresh(open_report)
    assert open_report.status is ReminderStatus.CANCELLED and open_report.escalated_at is None
    assert [m["To"] for m in mailbox.messages] == ["lead@example.gov.uk"]
    assert reminders.cancel("outcome_report", 1) == 0  # cancelling again changes nothing


def test_rescheduling_moves_the_dates_and_keeps_one_reminder(people, session, mailbox):  # type: ignore[no-untyped-def]
    first = schedule_report(people)
    db.session.commit()
    later = reminders.schedule(
        subject_type="outcome_report",
        subject_id=1,
        kind="report-due",
        user=people["expert"],
        due_on=date(2027, 1, 11),
        template="password_changed",
        link="/reports/1",
    )
    db.session.commit()
    assert later.id == first.id
    assert db.session.scalar(db.select(db.func.count()).select_from(Reminder)) == 1
    assert reminders.send_due(date(2026, 12, 30)) == reminders.SweepResult(0, 0)
    assert reminders.send_due(date(2027, 1, 11)) == reminders.SweepResult(reminded=1, escalated=0)
    db.session.refresh(later)
    assert later.status is ReminderStatus.SENT and later.next_due_on is None  # no escalation now


def test_bad_schedules_are_refused(people, session):  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="both a date and a template"):
        reminders.schedule(
            subject_type="x",
            subject_id=1,
            kind="k",
            user=people["expert"],
            due_on=date(2027, 1, 4),
            escalate_on=date(2027, 1, 8),
            template="password_changed",
            link="/x",
        )
    with pytest.raises(ValueError, match="cannot come before"):
        reminders.schedule(
            subject_type="x",
            subject_id=1,
            kind="k",
            user=people["expert"],
            due_on=date(2027, 1, 4),
            escalate_on=date(2027, 1, 1),
            escalation_template="password_changed",
            template="password_changed",
            link="/x",
        )


def test_the_sweep_finds_due_reminders_with_one_query_however_many_there_are(people, session, mailbox):  # type: ignore[no-untyped-def]
    for subject_id in range(1, 41):
        schedule_report(people, subject_id=subject_id)
    db.session.commit()

    with counting_statements() as statements:
        result = reminders.send_due(date(2026, 12, 30), batch_size=500)
    assert result.reminded == 40
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "FROM reminders" in s]
    assert len(selects) == 1, selects
    assert "FOR UPDATE OF reminders SKIP LOCKED" in selects[0]


def test_an_unaccepted_invitation_reminds_the_invitee_then_tells_who_invited_them(client, make_user, councils, mailbox):  # type: ignore[no-untyped-def]
    from tests.support.client import post_form, sign_in

    admin = make_user(Role.ADMINISTRATOR, name="Ann Admin")
    with time_machine.travel(datetime(2026, 12, 22, 10, 0, tzinfo=UTC), tick=False):  # a Tuesday
        sign_in(client, admin.email)
        response = post_form(
            client,
            "/admin/users/invite",
            {
                "name": "Nadia Officer",
                "email": "nadia@ipswich.example.gov.uk",
                "roles": ["council_officer"],
                "council": str(councils["ipswich"].id),
                "expert": "",
            },
        )
    assert response.status_code == 302
    [reminder] = db.session.scalars(db.select(Reminder).where(Reminder.kind == "invitation"))
    # The link expires 72 hours later, on Friday 25 December: the reminder goes the day before,
    # and the escalation the next working day after it expired (Tuesday 29, after two holidays).
    assert (reminder.due_on, reminder.escalate_on) == (date(2026, 12, 24), date(2026, 12, 29))
    mailbox.clear()

    reminders.send_due(date(2026, 12, 24))
    [nudge] = mailbox.to("nadia@ipswich.example.gov.uk")
    assert nudge["Subject"] == "Your invitation to Productivity Broker expires soon"
    assert "25 December 2026 at 10:00am" in mailbox.text(nudge)
    assert "http://localhost:5000/invitation/new" in mailbox.text(nudge)

    reminders.send_due(date(2026, 12, 29))
    [told] = mailbox.to(admin.email)
    assert told["Subject"] == "Nadia Officer has not accepted their invitation"
    assert f"http://localhost:5000/admin/users/{reminder.subject_id}" in mailbox.text(told)
    assert len(mailbox.messages) == 2


def test_accepting_an_invitation_cancels_its_reminder(client, make_user, councils, mailbox):  # type: ignore[no-untyped-def]
    from tests.support.client import post_form, sign_in

    sign_in(client, make_user(Role.ADMINISTRATOR).email)
    post_form(
        client,
        "/admin/users/invite",
        {
            "name": "Nadia Officer",
            "email": "nadia@ipswich.example.gov.uk",
            "roles": ["council_officer"],
            "council": str(councils["ipswich"].id),
            "expert": "",
        },
    )
    link = mailbox.link_in(mailbox.to("nadia@ipswich.example.gov.uk")[0], "/invitation/")
    path = link.split("localhost:5000", 1)[1]
    post_form(client, "/sign-out", {}, token_from="/home")
    password = "copper-lantern-meadow-17"
    assert post_form(client, path, {"password": password, "confirm": password}).status_code == 302

    [reminder] = db.session.scalars(db.select(Reminder).where(Reminder.kind == "invitation"))
    assert reminder.status is ReminderStatus.CANCELLED and reminder.next_due_on is None
    mailbox.clear()
    assert reminders.send_due(reminder.due_on + timedelta(days=30)) == reminders.SweepResult(0, 0)
    assert mailbox.messages == []
