"""The pages' forms, fed from JSON. What a council types is checked by the form of its section
(grants/applications/forms.py), and the API checks what it is sent with the same forms, so a
rule about an answer lives in one place. Money travels as whole pence (`<question>_pence`) and is
handed to the form as the pounds it expects; a form's messages come back as JSON pointers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, Field, SelectMultipleField

from grants.api.problems import ApiError, FieldError, pointer_to
from grants.applications.sections import stored_pence
from grants.fields import PoundsField
from workflows.money import typed_pounds

FormT = TypeVar("FormT", bound=FlaskForm)

PENCE = "_pence"
_NOT_FIELDS = frozenset({"csrf_token", "version", "submit"})


def is_money(field: object) -> bool:
    return isinstance(field, PoundsField)


def api_name(field: Field) -> str:
    """The name of a form's question in the API: money as `<name>_pence`."""
    return field.name + PENCE if is_money(field) else field.name


def answer_fields(form: FlaskForm) -> list[Field]:
    return [f for f in form if f.name not in _NOT_FIELDS]


def blank(form_class: type[FormT]) -> FormT:
    return form_class(formdata=None, meta={"csrf": False})


def _form_value(field: Field, value: Any, pointer: str) -> tuple[list[str], FieldError | None]:
    """A JSON value as the strings a browser would post for the field."""
    if value is None:
        return [], None
    if is_money(field):
        if isinstance(value, bool) or not isinstance(value, int):
            return [], FieldError("Give the amount in whole pence, as a whole number", pointer=pointer)
        if value < 0:
            return [], FieldError("The amount must be 0 or more", pointer=pointer)
        return [typed_pounds(value, grouped=False)], None
    if isinstance(field, BooleanField):
        if not isinstance(value, bool):
            return [], FieldError("Give true or false", pointer=pointer)
        return (["y"] if value else []), None
    if isinstance(field, SelectMultipleField):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return [], FieldError("Give a list of the codes chosen", pointer=pointer)
        return list(value), None
    if isinstance(value, bool) or not isinstance(value, str | int):
        return [], FieldError("Give text", pointer=pointer)
    return [str(value)], None


def bind(
    form_class: type[FormT],
    values: Mapping[str, Any],
    *,
    under: tuple[str | int, ...] = (),
    names: Mapping[str, str] | None = None,
) -> tuple[FormT, dict[str, str]]:
    """A form filled from JSON `values` (by API name), and the pointer of each of its fields.
    `names` gives API names where they differ from the form's (after the money suffix). A value
    that names no question of the form, or is of the wrong kind, is a 422 problem."""
    template = blank(form_class)
    by_api = {}
    for form_field in answer_fields(template):
        name = (names or {}).get(form_field.name, api_name(form_field))
        by_api[name] = form_field
    pointers = {f.name: pointer_to(*under, api) for api, f in by_api.items()}
    data: MultiDict[str, str] = MultiDict()
    problems: list[FieldError] = []
    for name, value in values.items():
        form_field = by_api.get(name)
        if form_field is None:
            problems.append(
                FieldError("This is not a question in this part of the form", pointer=pointer_to(*under, name))
            )
            continue
        strings, problem = _form_value(form_field, value, pointer_to(*under, name))
        if problem is not None:
            problems.append(problem)
        for text in strings:
            data.add(form_field.name, text)
    if problems:
        raise ApiError(422, problems[0].detail, problems)
    return form_class(formdata=data, meta={"csrf": False}), pointers


def form_problems(form: FlaskForm, pointers: Mapping[str, str]) -> ApiError:
    """The form's messages, each pointing at the field it is about."""
    errors = []
    for name, messages in form.errors.items():
        for message in messages if isinstance(messages, list) else [messages]:
            errors.append(FieldError(str(message), pointer=pointers.get(str(name), pointer_to(str(name)))))
    return ApiError(422, errors[0].detail if errors else "The answers are not valid", errors)


def validated(form: FlaskForm, pointers: Mapping[str, str]) -> None:
    if not form.validate():
        raise form_problems(form, pointers)


def saved_answers(form: FlaskForm) -> dict[str, Any]:
    """A section's saved answers by API name: money in whole pence, true/false, lists of codes."""
    found: dict[str, Any] = {}
    for form_field in answer_fields(form):
        value = form_field.data
        if is_money(form_field):
            found[api_name(form_field)] = stored_pence(value)
        elif isinstance(form_field, BooleanField):
            found[form_field.name] = bool(value)
        elif isinstance(form_field, SelectMultipleField):
            found[form_field.name] = list(value or [])
        else:
            found[form_field.name] = value if value not in (None, "") else None
    return found
