"""Forms for signing in, two-factor codes, the team and the audit trail.

Messages follow the NHS.UK pattern: they say what to do ("Enter your email
address"), not what went wrong in the system's terms.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm

from inspiring.areas.models import Area
from lib.dates import outside_window

from .audit import ACTIONS
from .invitations import QUESTIONS
from .models import User
from .roles import Role


class VersionField(forms.CharField):
    """A record's `updated_at`, carried in the form as ISO 8601 with microseconds.

    The action compares it with the stored value, so a save over someone else's
    newer change is refused rather than silently lost.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(widget=forms.HiddenInput, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return value.isoformat() if isinstance(value, datetime) else value

    def clean(self, value: Any) -> datetime:
        text = super().clean(value)
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise forms.ValidationError(
                "The page was out of date. Reload it and try again.", code="version"
            ) from None
        if parsed.tzinfo is None:
            raise forms.ValidationError(
                "The page was out of date. Reload it and try again.", code="version"
            )
        return parsed


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        error_messages={"required": "Enter your password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": (
            "The email address or password is not right. Check them and try again. After "
            "%(limit)s wrong attempts the account is locked for a while."
        ),
        "inactive": "This account has been switched off. Ask your coordinator for help.",
    }

    def get_invalid_login_error(self) -> forms.ValidationError:
        from django.conf import settings

        return forms.ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={"limit": settings.AXES_FAILURE_LIMIT},
        )


class CodeForm(forms.Form):
    """A 6-digit code from an authenticator app (or, when signing in, a recovery code)."""

    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The 6-digit code your authenticator app shows now",
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
                "class": "nhsuk-input--width-10",
            }
        ),
    )

    def clean_code(self) -> str:
        return "".join(str(self.cleaned_data["code"]).split())


class VerifyCodeForm(CodeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[
            "code"
        ].help_text = (
            "The 6-digit code your authenticator app shows now, or one of your recovery codes"
        )


class InviteForm(forms.Form):
    full_name = forms.CharField(
        label="Full name",
        max_length=150,
        error_messages={"required": "Enter the person's full name"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    email = forms.EmailField(
        label="Email address",
        help_text="We will send the invitation here. They will sign in with this address.",
        error_messages={
            "required": "Enter the person's email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(
        label="Role",
        choices=Role.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the person's role"},
    )

    def __init__(self, *args: Any, area: Area, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.area = area
        # Other apps' questions (accounts.invitations.QUESTIONS), each shown under the
        # roles it concerns and required only for them.
        self.questions = [(question, question.fields(area)) for question in QUESTIONS]
        self.fields_for_role: dict[str, list[str]] = {}
        for question, fields in self.questions:
            for name, field in fields.items():
                field.required = False
                self.fields[name] = field
                for role in question.roles:
                    self.fields_for_role.setdefault(role, []).append(name)
        self.extra: dict[str, Any] = {}

    def role_choices(self) -> list[tuple[Any, list[forms.BoundField]]]:
        """Each role's radio, with the questions that show under it."""
        return [
            (choice, [self[name] for name in self.fields_for_role.get(choice.data["value"], [])])
            for choice in self["role"].subwidgets
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role = data.get("role")
        self.extra = {}
        for question, _fields in self.questions:
            if role not in question.roles:
                continue
            try:
                self.extra.update(question.clean(data, self.area))
            except forms.ValidationError as error:
                self.add_error(None, error)
        return data


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label="Role",
        choices=Role.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a role"},
    )
    seen = VersionField()


class ConfirmForm(forms.Form):
    seen = VersionField()


class ChooseAreaForm(forms.Form):
    area = forms.TypedChoiceField(
        label="Which area are you working in?",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the area you are working in"},
    )

    def __init__(self, *args: Any, areas: list[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.areas = {area.pk: area for area in areas}
        field = self.fields["area"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(area.pk, area.programme_name) for area in areas]

    def chosen_area(self) -> Area:
        return self.areas[self.cleaned_data["area"]]


class NewAccountForm(forms.Form):
    """Accepting an invitation without an account: choose a name and a password."""

    full_name = forms.CharField(
        label="Full name",
        max_length=150,
        error_messages={"required": "Enter your full name"},
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    password1 = forms.CharField(
        label="Create a password",
        strip=False,
        help_text="At least 12 characters. Avoid common words and passwords you use elsewhere.",
        error_messages={"required": "Create a password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Confirm the password",
        strip=False,
        error_messages={"required": "Enter the password again"},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error(
                "password2", "The passwords do not match. Enter the same password twice."
            )
        elif p1:
            candidate = User(email=self.email, full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(p1, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label="What happened", required=False)
    person = forms.CharField(
        label="Who",
        required=False,
        max_length=254,
        help_text="All or part of an email address",
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )
    record = forms.CharField(
        label="Record",
        required=False,
        max_length=200,
        help_text="A record's reference or part of its name",
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )
    date_from = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "nhsuk-input--width-10"}),
        error_messages={"invalid": "Enter the start date as a real date, like 2026-11-01"},
    )
    date_to = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "nhsuk-input--width-10"}),
        error_messages={"invalid": "Enter the end date as a real date, like 2026-11-30"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        action = self.fields["action"]
        assert isinstance(action, forms.ChoiceField)
        action.choices = [("", "Anything"), *sorted(ACTIONS.items(), key=lambda kv: kv[1])]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # A date past the window (9999-12-31, say) would run the end-of-day
        # arithmetic off the calendar.
        for name, what in (("date_from", "a start date"), ("date_to", "an end date")):
            day = cleaned.get(name)
            problem = outside_window(day, what) if day else None
            if problem:
                self.add_error(name, problem)
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date must be the same as or after the start date")
        return cleaned
