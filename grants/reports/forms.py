"""The forms of the reporting pages: the Red/Amber/Green rule, and issuing a board report. They
check the shape of what was typed; the rules themselves are the workflow's."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput
from wtforms import HiddenField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from grants.fields import VersionedForm, WholeNumberField, at_most, submit_button, text_area
from workflows import reporting
from workflows.reporting import Rule

NOTE_LIMIT = 2000


def _percent(label: str, *, noun: str, description: str) -> WholeNumberField:
    return WholeNumberField(
        label,
        noun=noun,
        bounds=reporting.PERCENT_BOUNDS,
        unit="%",
        example=80,
        pattern=r"\d{1,6}",
        description=description,
    )


class RuleForm(VersionedForm):
    green_percent = _percent(
        "Green at or above",
        noun="the Green threshold",
        description="As a percentage of what the target expects. Usually 100.",
    )
    amber_percent = _percent(
        "Amber at or above",
        noun="the Amber threshold",
        description="As a percentage of what the target expects, no more than the Green threshold. Below it is Red.",
    )
    pro_rata = RadioField(
        "What is progress compared with?",
        widget=GovRadioInput(),
        choices=[
            SelectChoice("yes", "The pro-rata target"),
            SelectChoice("no", "The whole target"),
        ],
        validators=[InputRequired("Choose what progress is compared with")],
    )
    submit = submit_button("Save the rule")

    @classmethod
    def showing(cls, rule: Rule, version: int) -> RuleForm:
        """The form as it opens: the rule as it stands, and its version (0 for the defaults)."""
        return cls(
            formdata=None,
            data={
                "version": str(version),
                "green_percent": str(rule.green_percent),
                "amber_percent": str(rule.amber_percent),
                "pro_rata": "yes" if rule.pro_rata else "no",
            },
        )

    def thresholds(self) -> dict[str, Any]:
        """The rule as typed, for the workflow; call once the form is valid."""
        assert self.green_percent.number is not None and self.amber_percent.number is not None
        return {
            "green_percent": self.green_percent.number,
            "amber_percent": self.amber_percent.number,
            "pro_rata": self.pro_rata.data == "yes",
        }

    def other_problems(self) -> dict[str, str]:
        """What the workflow would refuse, given what could be read, to show with the form's own."""
        return reporting.rule_problems(self.green_percent.number, self.amber_percent.number)


class IssueForm(FlaskForm):
    # The latest version of the quarter's report the page knew of: 0 when none had been issued.
    latest = HiddenField()
    note = text_area(
        "Note for the board (optional)",
        description="Shown under the report's title, for example what changed since the last version.",
        validators=[at_most(NOTE_LIMIT, "The note")],
    )
    submit = submit_button("Issue the report")

    def expected_latest(self) -> int:
        value = (self.latest.data or "").strip()
        return int(value) if value.isdigit() else -1
