"""The words of the national dataset: names, projects, reasons, subjects of emails and the text
of outcome reports."""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST = _words(
    "Aisha Alex Amir Bethan Cerys Chris Deborah Dylan Emeka Fiona Gareth Grace Hannah Helen Imran Isla Jack "
    "Julia Kwame Laura Leah Marcus Mohammed Nadia Nia Oliver Owen Philippa Priya Rajesh Rhys Rosa Ruth Sarah "
    "Sian Sunil Tariq Tom Una Victoria William Yusuf Zara"
)

LAST = _words(
    "Ahmed Barnes Begum Clarke Davies Doyle Evans Fletcher Griffiths Hall Hughes Iqbal Jones Kaur Khan Lewis "
    "Lloyd Mistry Morgan Nolan Okafor O'Brien Patel Price Quinn Reid Roberts Shah Singh Taylor Thomas Turner "
    "Walsh Watson Williams Wright"
)

FIRMS = (
    "Civic Value Partners",
    "Northpoint Advisory",
    "Public Sector Commercial",
    "Brightside Behavioural Insights",
    "Shared Futures Consulting",
    "Municipal Digital",
    "Assetwise",
    "Nudge Lab for Councils",
    "Civic Trials Unit",
    "Placeworks",
)

PROJECTS = (
    ("Income from garden waste", "waste"),
    ("Procurement savings review", "procurement"),
    ("Digital council tax", "revenues_and_benefits"),
    ("Fleet and depot rationalisation", "property_and_assets"),
    ("Temporary accommodation costs", "housing"),
    ("Adult social care front door", "adult_social_care"),
    ("Children's placements sufficiency", "childrens_services"),
    ("Commercial property portfolio review", "property_and_assets"),
    ("Customer contact channel shift", "customer_services"),
    ("Building control fees review", "building_control"),
    ("Highways maintenance contract", "highways_and_transport"),
    ("Shared legal service business case", "legal"),
)

THEMES = (
    ("Council tax reminder letters", "revenue_collection"),
    ("Prompts to recycle food waste", "waste_and_environment"),
    ("Early help for people at risk of homelessness", "homelessness"),
    ("Booking care assessments online", "channel_shift"),
    ("Falls prevention for older residents", "adult_social_care"),
    ("Back-to-work support letters", "skills_and_employment"),
)

SHARING = _words("hr ict legal procurement audit revenues_and_benefits building_control planning")

MILESTONES = ("Baseline agreed", "Options appraised with the service", "Changes made and measured")

JUSTIFICATIONS = (
    "The case is set out clearly with evidence from the council's own figures.",
    "Credible, though the baseline needs to be confirmed.",
    "A sound plan with named officers and a realistic timetable.",
    "The evidence is thin in places; the approach is reasonable.",
)

REASONS = {
    "withdraw": ("The council has decided to fund the work itself", "Our priorities changed after the budget"),
    "mark_ineligible": ("The council's match does not meet the scheme's ratio", "The council tier cannot apply"),
    "request_changes": ("Please set out the baseline for the savings", "Please add the chief officer's confirmation"),
    "reject": ("The application scored below the threshold for funding", "The savings case is not credible"),
    "decline_offer": ("The council can no longer provide the match", "The project has been overtaken by a restructure"),
    "expert_declined": ("Fully booked for the next two months", "Not the right fit for my experience"),
    "expert_offer_withdrawn": ("The council asked for another expert", "The start date has moved"),
    "dispute": ("The savings include spending that was moved, not saved", "The income figure counts one-off fees"),
}

BUDGET_SPENT = "The round's budget is fully committed"

OVERRIDE = "The failed rule does not apply: confirmed with the council's finance team"

SUBJECTS = {
    "application_submitted": "{ref} has been submitted",
    "application_withdrawn": "{ref} has been withdrawn",
    "application_ineligible": "{ref} is not eligible",
    "changes_requested": "Changes requested to {ref}",
    "application_offered": "{ref} has been approved",
    "application_rejected": "{ref} has not been approved",
    "offer_accepted": "The offer for {ref} has been accepted",
    "offer_declined": "The offer for {ref} has been declined",
    "partner_confirmation_requested": "Confirm your council's part in {ref}",
    "expert_offer_made": "Work offered to you: {ref}",
    "expert_offer_answered": "The expert has answered the offer for {ref}",
    "expert_offer_expired": "The offer for {ref} has expired",
    "expert_offer_withdrawn": "The offer for {ref} has been withdrawn",
    "expert_matched": "An expert is working on {ref}",
    "outcome_report_to_confirm": "Confirm the outcome report for {ref}",
    "outcome_report_answered": "The council has answered the outcome report for {ref}",
    "outcome_report_disputed": "The council disputes the outcome report for {ref}",
    "outcome_report_verified": "The outcome report for {ref} has been verified",
}

EVIDENCE_NAME = "savings ledger.csv"

EVIDENCE = (
    b"Measure,Baseline (GBP),Period (GBP)\r\nCashable savings,0,12500\r\nIncome generated,0,4000\r\n"
    b"Costs avoided,0,2500\r\n"
)

BASELINE = "Spending in the twelve months before the work began, from the council's ledger"

METHOD = "Ledger totals for the period, against the same months of the baseline year"

TRIAL = "Fewer missed payments than in the control group"
