"""Who at the council hears about its application: the officer who applied while they can act for
the council, and every active officer of the lead council once they have left it, so that an
offer, a matched expert or an outcome report to confirm never goes unheard."""

from __future__ import annotations

from datetime import date

from grants.extensions import db
from grants.models import Application, OutboundEmail, Reminder, Role
from tests.builders.applications import drafted, scored
from tests.builders.engagements import agency_report
from tests.builders.people import account_of, expert
from tests.builders.rounds import expert_grant_round
from workflows import accounts, applications, engagements, outcomes

TODAY = date.today()


def emailed(template: str) -> list[str]:
    return sorted(db.session.scalars(db.select(OutboundEmail.to_address).where(OutboundEmail.template == template)))


def decided(people, councils) -> Application:  # type: ignore[no-untyped-def]
    application = drafted(expert_grant_round(), councils["babergh"], people["officer"])
    applications.submit(application, actor=people["officer"], expected_version=None, today=TODAY)
    applications.check_eligibility(application, TODAY)
    applications.confirm_eligibility(application, actor=people["programme"], reason=None, expected_version=None)
    scored(application, people["assessor"])
    scored(application, people["assessor2"])
    db.session.commit()
    return application


def test_the_officer_who_applied_hears_and_no_one_else(people, councils, make_user):  # type: ignore[no-untyped-def]
    make_user(Role.COUNCIL_OFFICER, email="sam@babergh.example.gov.uk", name="Sam Colleague")
    application = decided(people, councils)
    applications.approve(application, actor=people["approver"], expected_version=None)
    db.session.commit()
    assert applications.council_contacts(application) == [people["officer"]]
    assert emailed("application_offered") == ["priya@babergh.example.gov.uk"]


def test_once_the_applicant_has_left_every_active_officer_of_the_council_hears(people, councils, make_user):  # type: ignore[no-untyped-def]
    sam = make_user(Role.COUNCIL_OFFICER, email="sam@babergh.example.gov.uk", name="Sam Colleague")
    gone = make_user(Role.COUNCIL_OFFICER, email="gone@babergh.example.gov.uk", name="Gone Before")
    make_user(Role.COUNCIL_OFFICER, email="ian@ipswich.example.gov.uk", name="Ian Elsewhere", council="ipswich")
    accounts.deactivate_user(gone, actor=people["programme"], reason="Left the council")
    application = decided(people, councils)
    accounts.deactivate_user(people["officer"], actor=people["programme"], reason="Left the council")
    applications.approve(application, actor=people["approver"], expected_version=None)
    db.session.commit()
    assert applications.council_contacts(application) == [sam]
    assert emailed("application_offered") == ["sam@babergh.example.gov.uk"]


def test_an_applicant_who_moved_council_no_longer_hears_about_the_old_councils_work(people, councils, make_user):  # type: ignore[no-untyped-def]
    sam = make_user(Role.COUNCIL_OFFICER, email="sam@babergh.example.gov.uk", name="Sam Colleague")
    application = decided(people, councils)
    people["officer"].council = councils["ipswich"]
    db.session.commit()
    assert applications.council_contacts(application) == [sam]


def test_the_expert_matched_and_the_report_to_confirm_reach_a_colleague(people, councils, make_user, tmp_path):  # type: ignore[no-untyped-def]
    make_user(Role.COUNCIL_OFFICER, email="sam@babergh.example.gov.uk", name="Sam Colleague")
    application = decided(people, councils)
    applications.approve(application, actor=people["approver"], expected_version=None)
    applications.accept_offer(
        application,
        actor=people["officer"],
        signatory_name="A Signatory",
        signatory_role="Chief Executive",
        expected_version=None,
    )
    accounts.deactivate_user(people["officer"], actor=people["programme"], reason="Left the council")
    chosen = expert("Amira Local")
    engagement = engagements.offer(application, chosen.id, actor=people["programme"], today=TODAY)
    engagements.accept(engagement, actor=account_of(chosen), today=TODAY)
    outcomes.log_work(
        engagement, actor=account_of(chosen), worked_on=TODAY, days_tenths=10, milestone="Baseline agreed", today=TODAY
    )
    outcomes.complete(engagement, actor=account_of(chosen), today=TODAY)
    agency_report(engagement, tmp_path, None)
    db.session.commit()
    assert emailed("outcome_report_to_confirm") == ["sam@babergh.example.gov.uk"]
    assert emailed("expert_matched") == ["sam@babergh.example.gov.uk"]
    council_reminders = list(db.session.scalars(db.select(Reminder).where(Reminder.kind.like("report:%:council"))))
    assert council_reminders and {r.user.email for r in council_reminders} == {"sam@babergh.example.gov.uk"}
