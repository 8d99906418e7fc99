"""The sections of a Behavioural Insights application (match funding, joint bids): the trial, the
outcomes it intends, the money asked for with the council's match, and the partner councils with
their shares of it."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from wtforms import Field, SelectField

from grants.applications import queries
from grants.applications.sections import TITLE_MAX, AnswerRow, SectionForm, money
from grants.fields import PoundsField, Select, choices, labels_of, long_text, radios, short_text
from grants.models import Application
from grants.status_tags import status_words
from workflows.money import pounds, typed_pounds

TRIAL_THEMES = [
    ("adult_social_care", "Demand for adult social care"),
    ("homelessness", "Homelessness and housing demand"),
    ("public_health", "Public health"),
    ("skills_and_employment", "Skills and employment"),
    ("revenue_collection", "Collecting council tax and other income"),
    ("channel_shift", "Moving contact online"),
    ("waste_and_environment", "Waste, recycling and the environment"),
    ("other", "Another theme"),
]

MAX_PARTNERS = 6


class TrialForm(SectionForm):
    title = short_text(
        "Trial title",
        "Enter a title for the trial",
        max_length=TITLE_MAX,
        description="A few words that name the trial, like 'Earlier contact with adult social care'.",
    )
    theme = radios("Which demand does the trial address?", TRIAL_THEMES, "Choose the theme of the trial")
    description = long_text(
        "What will the trial test?",
        "Describe what the trial will test",
        noun="What the trial will test",
        description="The behaviour you want to change, and the nudge you will try.",
    )

    def columns(self) -> dict[str, Any]:
        return {"title": self.title.data}


class OutcomesForm(SectionForm):
    outcomes = long_text(
        "What outcomes do you intend?",
        "Describe the outcomes you intend",
        noun="The outcomes",
        description="For example, fewer people becoming homeless.",
    )
    measures = long_text(
        "How will you measure them?",
        "Describe how you will measure the outcomes",
        noun="How you will measure the outcomes",
        description="The data you will use, and how you will compare the trial with what would have happened.",
    )


class MatchFundingForm(SectionForm):
    """The amount asked for and the council's own match. The scheme's match is counted as the
    domain counts it: the lead council's match and every partner's share together must be at
    least the ratio of the amount asked for. Partners' shares are set in their own section, so
    both sections check the total against what the other holds."""

    ratio_percent = 0
    partner_shares_pence = 0
    partners_to_come = False

    amount = money("How much are you asking for?", noun="the amount you are asking for", positive=True)
    match = money(
        "How much will your council put in?",
        noun="your council's match",
        description="Your own contribution. Partner councils' shares are added in the partners section.",
    )

    def configure(self, application: Application) -> None:
        scheme = application.scheme
        self.amount.maximum_pence = scheme.max_amount_pence
        self.ratio_percent = scheme.match_ratio_percent or 0
        self.partner_shares_pence = sum(p.match_share_pence for p in application.partners)
        # A joint bid's partners are named after this section: until then the total is checked
        # by the partners section and on submission, not here.
        self.partners_to_come = scheme.allows_partners and "partners" not in application.sections_done
        if scheme.max_amount_pence:
            self.amount.description = f"Up to {pounds(scheme.max_amount_pence)}."
        if self.ratio_percent:
            self.match.description = (
                f"Your match and your partners' shares together must be at least {_ratio_words(self.ratio_percent)} "
                "the amount you ask for. Partner councils' shares are added in the partners section."
            )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if not valid or not self.ratio_percent or self.amount.pence is None or self.match.pence is None:
            return valid
        needed = self.amount.pence * self.ratio_percent // 100
        total = self.match.pence + self.partner_shares_pence
        if total < needed and not self.partners_to_come:
            self.match.errors = [
                *self.match.errors,
                _short_match_message(self.match.pence, self.partner_shares_pence, needed, self.ratio_percent),
            ]
            return False
        return True

    def columns(self) -> dict[str, Any]:
        return {"amount_requested_pence": self.amount.pence, "match_pence": self.match.pence}

    def describe(self, application: Application) -> list[AnswerRow]:
        rows = super().describe(application)
        shares = sum(p.match_share_pence for p in application.partners)
        if application.partners:
            total = (application.match_pence or 0) + shares
            rows.append(AnswerRow("Match including partners' shares", Markup.escape(pounds(total)), "match"))
        return rows


def _ratio_words(percent: int) -> str:
    return "equal to" if percent == 100 else f"{percent}% of"


def _short_match_message(own: int, shares: int, needed: int, percent: int) -> str:
    return (
        f"Your council's match ({pounds(own)}) and your partners' shares ({pounds(shares)}) must add up to at "
        f"least {pounds(needed)}, {_ratio_words(percent)} the amount you are asking for"
    )


class PartnersForm(SectionForm):
    """Up to six partner councils, each with its share of the match. A row left blank is no
    partner; an empty form is a bid from the lead council alone."""

    lead_match_pence: int | None = None
    amount_pence = 0
    ratio_percent = 0

    def configure(self, application: Application) -> None:
        councils = choices([("", "No partner"), *queries.partner_council_choices(application.lead_council_id)])
        for council, _share in self.rows():
            council.choices = councils
        self.lead_match_pence = application.match_pence if "funding" in application.sections_done else None
        self.amount_pence = application.amount_requested_pence or 0
        self.ratio_percent = application.scheme.match_ratio_percent or 0

    def rows(self) -> list[tuple[Field, PoundsField]]:
        return [(self[f"council_{n}"], self[f"share_{n}"]) for n in range(1, MAX_PARTNERS + 1)]

    @classmethod
    def initial(cls, application: Application, key: str) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for n, partner in enumerate(application.partners[:MAX_PARTNERS], start=1):
            data[f"council_{n}"] = partner.council.gss_code
            data[f"share_{n}"] = typed_pounds(partner.match_share_pence, grouped=False)
        return data

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        seen: set[str] = set()
        for n, (council, share) in enumerate(self.rows(), start=1):
            if council.data and not share.data and not share.errors:
                share.errors = [f"Enter partner {n}'s share of the match, or 0 if it puts in no money"]
            if share.data and not council.data and not council.errors:
                council.errors = [f"Choose partner {n}'s council, or clear its share"]
            if council.data and council.data in seen:
                council.errors = [*council.errors, f"Partner {n} is already in the list: choose each council once"]
            seen.add(council.data or "")
        if any(field.errors for row in self.rows() for field in row):
            return False
        return valid and self._match_enough()

    def _match_enough(self) -> bool:
        """Keep the scheme's match met once the funding section has set the council's own part."""
        if not self.ratio_percent or self.lead_match_pence is None:
            return True
        shares = sum(share.pence or 0 for council, share in self.rows() if council.data)
        needed = self.amount_pence * self.ratio_percent // 100
        if self.lead_match_pence + shares >= needed:
            return True
        first = next((share for council, share in self.rows() if council.data), self.rows()[0][0])
        first.errors = [
            *first.errors,
            _short_match_message(self.lead_match_pence, shares, needed, self.ratio_percent)
            + ": change the shares, or change your council's match in the funding section first",
        ]
        return False

    def shares(self) -> dict[str, int]:
        """The chosen councils' GSS codes and their shares in pence."""
        return {council.data: share.pence or 0 for council, share in self.rows() if council.data}

    def answers(self) -> dict[str, Any]:
        names = labels_of(self.rows()[0][0])
        return {
            "partners": [
                {"gss_code": code, "council": names.get(code, code), "share": typed_pounds(pence, grouped=False)}
                for code, pence in self.shares().items()
            ]
        }

    def describe(self, application: Application) -> list[AnswerRow]:
        if not application.partners:
            return [AnswerRow("Partner councils", Markup.escape("None: your council is bidding alone"), "council_1")]
        return [
            AnswerRow(
                partner.council.name,
                Markup.escape(
                    f"{pounds(partner.match_share_pence)} share of the match ({status_words(partner.status).lower()})"
                ),
                f"council_{n}",
            )
            for n, partner in enumerate(application.partners, start=1)
        ]


for _n in range(1, MAX_PARTNERS + 1):
    setattr(
        PartnersForm,
        f"council_{_n}",
        SelectField(
            "Council", widget=Select(), choices=[], default="", invalid_choice_message="Choose a council from the list"
        ),
    )
    setattr(
        PartnersForm,
        f"share_{_n}",
        money("Its share of the match", noun=f"partner {_n}'s share of the match", required=False),
    )
