"""An application's life from the draft to the decision, and the council's answer to an offer:
sections saved, partners confirmed, submission, the eligibility check, assessments, approval or
rejection while the round's budget lasts, and payments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from devdata import answers as forms
from devdata.common import POUND
from devdata.national.life import Life
from devdata.national.shapes import Application, Assessment, Award, Event, Partner, Payment
from devdata.national.words import BUDGET_SPENT, JUSTIFICATIONS, OVERRIDE, PROJECTS, REASONS, SHARING, THEMES
from grants.models import ApplicationStatus, SchemeKind, Specialism
from workflows.money import pounds

# The combined score (tenths of a percent) at or above which approvers approve.
APPROVAL_SCORE = 500


def draft_to_decision(life: Life, a: Application) -> None:
    """Sections saved, a joint bid's partners, submission; then the eligibility check and the
    assessments. A draft not submitted before its round closed stays a draft."""
    rng = life.rng
    a.changed_at = a.stage_entered_at = a.created_at
    a.columns = {"amount_requested_pence": a.scheme.settings.fixed_amount_pence}
    a.events.append(Event(a.created_at, "create", a.officer.id, None, ApplicationStatus.DRAFT.value, None, 1, 1))
    answers = _answers(life, a)
    sections = a.scheme.sections
    submit_at = life.g.later(a.created_at, 3, 40)
    if rng.random() < 0.03 or submit_at is None or submit_at.date() > a.round.closes_on:
        _save(life, a, answers, sections[: rng.randint(0, len(sections) - 1)], min(submit_at or life.now, life.now))
        return
    _save(life, a, answers, sections, submit_at)
    if a.scheme.settings.kind is SchemeKind.MATCH_FUNDING and rng.random() < 0.3:
        _bring_in_partners(life, a, submit_at)
    _submit(life, a, submit_at)


def _save(
    life: Life,
    a: Application,
    answers: forms.Answers,
    keys: Sequence[str],
    by: datetime,
) -> None:
    for key, at in zip(keys, sorted(life.g.moment_between(a.created_at, by) for _ in keys), strict=True):
        section, columns = answers[key]
        a.answers[key] = section
        a.title = columns.pop("title", a.title)
        a.columns.update(columns)
        life.bump(a, at)
    a.sections_done = [k for k in a.scheme.sections if k in a.answers]


def _answers(life: Life, a: Application) -> forms.Answers:
    """Each section's answers and the columns they feed, as the forms save them."""
    rng, scheme = life.rng, a.scheme
    contact = forms.contact(a.officer.name, "Head of Service", a.officer.email)
    declaration = forms.declaration(life.g.name())
    if scheme.settings.kind is SchemeKind.FIXED_GRANT:
        title, area = rng.choice(PROJECTS)
        skills = [s.value for s in rng.sample(list(Specialism), rng.randint(1, 2))]
        yearly = rng.randrange(20_000, 400_000, 1_000) * POUND
        savings = (yearly * 6 // 10, yearly // 4, yearly - yearly * 6 // 10 - yearly // 4)
        return forms.expert_grant(
            title=title,
            area=area,
            problem="Costs rise faster than the budget",
            skills=skills,
            savings=savings,
            contact=contact,
            declaration=declaration,
        )
    maximum = scheme.settings.max_amount_pence or 20_000 * POUND
    amount = min(maximum, max(1, round(maximum * rng.uniform(0.3, 1.0) / (500 * POUND))) * 500 * POUND)
    if scheme.settings.kind is SchemeKind.MATCH_FUNDING:
        title, theme = rng.choice(THEMES)
        needed = amount * scheme.settings.match_ratio_percent // 100
        # A few offer less match than the scheme asks for: the eligibility check finds them out.
        match = needed * 8 // 10 if rng.random() < 0.04 else round(needed * rng.uniform(1.0, 1.5) / POUND) * POUND
        return forms.trial(
            title=title,
            theme=theme,
            description="A randomised trial of a new approach",
            outcomes="Less demand on the service",
            amount=amount,
            match=match,
            contact=contact,
            declaration=declaration,
        )
    areas = rng.sample(SHARING, rng.randint(1, 3))
    what = rng.choice(("services", "management", "both"))
    reach = rng.choice(("county", "neighbours", "region"))
    wanted = rng.choice(("expert", "mediation", "both"))
    return forms.sharing(
        what=what,
        areas=areas,
        title=f"Sharing {areas[0].replace('_', ' ')}",
        reach=reach,
        wanted=wanted,
        amount=amount,
        contact=contact,
        declaration=declaration,
    )


def _bring_in_partners(life: Life, a: Application, by: datetime) -> None:
    """A joint bid: the lead names one to three councils of its region and their shares of the
    match; each partner's officer confirms before the lead submits."""
    rng, g = life.rng, life.g
    near = [c for c in g.councils if c.region == a.council.region and c.id != a.council.id]
    chosen = rng.sample(near, min(len(near), rng.randint(1, 3)))
    if not chosen:
        return
    match = a.columns.get("match_pence") or 0
    invited_at, invited_version = g.moment_between(a.changed_at, by), a.version
    life.bump(a, invited_at)
    for council, at in zip(chosen, sorted(g.moment_between(invited_at, by) for _ in chosen), strict=True):
        officer = g.officers[council.id][0]
        share = round(match * rng.uniform(0.1, 0.3) / POUND) * POUND
        a.partners.append(Partner(council, share, officer, at, invited_at, invited_version))
        life.bump(a, at)
        life.note(a, at, "partner_confirmed", officer.id, council.name)
    lead = match - sum(p.share for p in a.partners)
    a.columns["match_pence"] = lead
    a.answers["funding"] = {**a.answers["funding"], "match": str(lead // POUND)}
    shares = forms.partner_shares((p.council.gss_code, p.council.name, p.share) for p in a.partners)
    a.answers["partners"] = {"partners": shares}


def _submit(life: Life, a: Application, at: datetime) -> None:
    """Submit, and record the eligibility check the task runs straight after."""
    life.move(a, at, "submit", a.officer)
    a.submitted_at = at
    checked_at = at + timedelta(minutes=life.rng.randint(1, 5))
    if checked_at > life.now:
        return
    a.eligibility_results = _eligibility(a, at.date())
    a.eligibility_passed = all(r["passed"] for r in a.eligibility_results)
    a.eligibility_checked_at = a.changed_at = checked_at
    life.note(a, checked_at, "eligibility_checked", None, "Passed" if a.eligibility_passed else "Failed")
    _check(life, a)


def _eligibility(a: Application, submitted_on: date) -> list[dict[str, Any]]:
    """The rules `applications.check_eligibility` records, in its words."""
    scheme, r, amount = a.scheme, a.round, a.amount

    def rule(name: str, passed: bool, detail: str) -> dict[str, Any]:
        return {"rule": name, "passed": passed, "detail": detail}

    results = [
        rule(
            "round_open",
            r.opens_on <= submitted_on <= r.closes_on,
            f"Submitted on {submitted_on:%d %B %Y}; the round is open {r.opens_on:%d %B %Y} to {r.closes_on:%d %B %Y}",
        )
    ]
    if scheme.settings.eligible_tiers:
        tier = a.council.tier
        results.append(
            rule(
                "council_tier",
                tier in scheme.settings.eligible_tiers,
                f"The lead council is a {tier.value.replace('_', ' ')} council",
            )
        )
    if scheme.settings.one_per_council_per_round:
        results.append(rule("one_per_council", True, "No other live application(s) from this council in this round"))
    if scheme.settings.fixed_amount_pence is not None:
        results.append(
            rule(
                "amount",
                amount == scheme.settings.fixed_amount_pence,
                f"Asked for {pounds(amount)}; the grant is {pounds(scheme.settings.fixed_amount_pence)}",
            )
        )
    elif scheme.settings.max_amount_pence is not None:
        results.append(
            rule(
                "amount",
                0 < amount <= scheme.settings.max_amount_pence,
                f"Asked for {pounds(amount)}; at most {pounds(scheme.settings.max_amount_pence)}",
            )
        )
    if scheme.settings.match_ratio_percent:
        needed = amount * scheme.settings.match_ratio_percent // 100
        detail = f"A match of {pounds(a.match_offered)}; at least {pounds(needed)} is needed"
        results.append(rule("match", a.match_offered >= needed, detail))
    if a.partners:
        results.append(rule("partners", True, "All partners confirmed"))
    return results


def _check(life: Life, a: Application) -> None:
    """A programme officer confirms the eligibility (overriding a failed check with a reason), finds
    the application not eligible, or asks for changes (once), after which the council submits again
    or withdraws; the council may also withdraw."""
    g, rng = life.g, life.rng
    assert a.eligibility_checked_at is not None
    at = g.later(a.eligibility_checked_at, 1, 8)
    if at is None:
        return
    officer = rng.choice(life.programme)
    if not a.eligibility_passed:
        if rng.random() < 0.85:
            life.move(a, at, "mark_ineligible", officer, rng.choice(REASONS["mark_ineligible"]))
            return
        life.move(a, at, "confirm_eligibility", officer, OVERRIDE)
        _assess(life, a)
        return
    roll, asked_before = rng.random(), any(e.action == "request_changes" for e in a.events)
    if roll < 0.06 and not asked_before:
        life.move(a, at, "request_changes", officer, rng.choice(REASONS["request_changes"]))
        again = g.later(at, 3, 20)
        if again is None:
            return
        if rng.random() < 0.15:
            life.move(a, again, "withdraw", a.officer, rng.choice(REASONS["withdraw"]))
            return
        life.bump(a, again)  # the section asked about, saved again
        _submit(life, a, again)
    elif roll < 0.09:
        life.move(a, at, "withdraw", a.officer, rng.choice(REASONS["withdraw"]))
    else:
        life.move(a, at, "confirm_eligibility", officer)
        _assess(life, a)


def _assess(life: Life, a: Application) -> None:
    """Each assessor scores every criterion; the last moves the application to a decision, which
    an approver takes up (or the council withdraws first)."""
    g, rng, scheme = life.g, life.rng, a.scheme
    total_weight = sum(weight for _, weight in scheme.criteria)
    at: datetime | None = a.stage_entered_at
    for n, assessor in enumerate(rng.sample(life.assessors, scheme.settings.assessments_required), start=1):
        at = g.later(at or life.now, 1, 10)
        if at is None:
            return
        scores: dict[str, dict[str, Any]] = {
            code: {
                "score": max(0, min(5, round(a.quality * 5 + rng.gauss(0, 0.8)))),
                "justification": rng.choice(JUSTIFICATIONS),
            }
            for code, _ in scheme.criteria
        }
        weighted = round(sum(scores[code]["score"] * w for code, w in scheme.criteria) * 1000 / (5 * total_weight))
        recommendation = "approve" if weighted >= 600 else "changes" if weighted >= 450 else "reject"
        a.assessments.append(Assessment(assessor.id, scores, weighted, recommendation, at))
        life.bump(a, at)
        life.note(a, at, "assess", assessor.id)
        if n == scheme.settings.assessments_required:
            life.move(a, at, "complete_assessment", assessor)
    decide_at = g.later(a.stage_entered_at, 2, 14)
    if decide_at is not None and rng.random() < 0.02:
        life.move(a, decide_at, "withdraw", a.officer, rng.choice(REASONS["withdraw"]))
    else:
        a.decision_at = decide_at


def decide(life: Life, a: Application) -> None:
    """Approve while the round's budget lasts, or reject."""
    assert a.decision_at is not None
    at, r = a.decision_at, a.round
    approver = life.rng.choice(life.approvers)
    score = round(sum(x.weighted for x in a.assessments) / len(a.assessments))
    if score >= APPROVAL_SCORE and r.committed + a.amount <= r.budget:
        r.committed += a.amount
        a.award = Award(a.amount, a.match_offered, approver.id, at)
        life.move(a, at, "approve", approver)
    else:
        reason = BUDGET_SPENT if score >= APPROVAL_SCORE else life.rng.choice(REASONS["reject"])
        life.move(a, at, "reject", approver, reason)
    a.decided_at = at


def answer_offer(life: Life, a: Application) -> None:
    """The council accepts the offer (a signatory signs for it) and is paid in one or two
    tranches, or declines it and the money goes back to the round."""
    g, rng, award = life.g, life.rng, a.award
    assert a.decided_at is not None and award is not None
    at = g.later(a.decided_at, 3, 20)
    if at is None:
        return
    if rng.random() < 0.04:
        life.move(a, at, "decline_offer", a.officer, rng.choice(REASONS["decline_offer"]))
        a.round.committed -= award.amount
        return
    life.move(a, at, "accept_offer", a.officer)
    award.accepted_at, award.accepted_by = at, a.officer.id
    award.signatory = (g.name(), rng.choice(("Chief Executive", "Section 151 Officer", "Director of Resources")))
    half = award.amount // 2
    tranches = [award.amount] if award.amount <= 10_000 * POUND else [half, award.amount - half]
    paid_at: datetime | None = at
    for number, amount in enumerate(tranches, start=1):
        paid_at = g.later(paid_at or life.now, 10, 40) if number == 1 else g.later(paid_at or life.now, 90, 200)
        if paid_at is None:
            break
        officer, reference = rng.choice(life.programme), f"{a.reference}/{number}"
        award.payments.append(Payment(amount, paid_at, reference, officer.id))
        life.note(a, paid_at, "payment", officer.id, f"{pounds(amount)} ({reference})")
    if a.status == ApplicationStatus.EXPERT_MATCHING:
        a.matching_since = at
        a.first_offer_at = g.later(at, 1, 8)
