"""Casework forms. Messages are instructions, at the field; nothing is saved partly."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from inspiring.areas.geography import Place, UnknownPostcode, resolve_postcode
from inspiring.directory.models import Category, Session
from lib.identifiers import IdentifierError, normalise_nhs_number
from lib.postcodes import PostcodeError, normalise_postcode

from . import choices
from .models import Assessment, Client, Connection, Contact, GroupMembership, Referral, Task

DATE = forms.DateInput(attrs={"type": "date", "class": "nhsuk-input--width-10"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(
    attrs={"type": "datetime-local", "class": "nhsuk-input--width-20"}, format="%Y-%m-%dT%H:%M"
)
EMAIL_INVALID = "Enter an email address in the correct format, like name@example.org"
OLDEST = 120


def _not_future(value: date | None, what: str) -> date | None:
    if value is not None and value > timezone.localdate():
        raise forms.ValidationError(f"{what} must be today or in the past")
    return value


class PersonFields(forms.ModelForm[Client]):
    """Who they are and how to reach them: shared by a new referral and the details page."""

    # Declared, not from the model: what people type ("943 476 5919", " ng17 7ae ")
    # is longer than what is stored.
    nhs_number = forms.CharField(
        label="NHS number",
        required=False,
        max_length=20,
        help_text="Optional. 10 digits, like 943 476 5919",
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-10", "inputmode": "numeric"}),
    )
    postcode = forms.CharField(
        required=False,
        max_length=12,
        widget=forms.TextInput(
            attrs={"class": "nhsuk-input--width-10", "autocomplete": "postal-code"}
        ),
    )

    class Meta:
        model = Client
        fields = [
            "first_name",
            "last_name",
            "preferred_name",
            "date_of_birth",
            "nhs_number",
            "address_line_1",
            "address_line_2",
            "town",
            "postcode",
            "phone",
            "email",
            "preferred_contact",
            "contact_times",
        ]
        widgets = {
            "date_of_birth": DATE,
            "preferred_contact": forms.RadioSelect,
        }
        help_texts = {"date_of_birth": "For example, 27 March 1950"}
        error_messages = {
            "first_name": {"required": "Enter their first name"},
            "last_name": {"required": "Enter their last name"},
            "email": {"invalid": EMAIL_INVALID},
            "date_of_birth": {"invalid": "Enter their date of birth as a real date"},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["preferred_contact"].choices = choices.ContactMethod.choices  # type: ignore[attr-defined]
        self.place: Place | None = None

    def clean_date_of_birth(self) -> date | None:
        born = _not_future(self.cleaned_data.get("date_of_birth"), "Their date of birth")
        if born is not None and born < timezone.localdate().replace(
            year=timezone.localdate().year - OLDEST
        ):
            raise forms.ValidationError(f"Enter a date of birth within the last {OLDEST} years")
        return born

    def clean_nhs_number(self) -> str:
        value = self.cleaned_data.get("nhs_number", "")
        if not value.strip():
            return ""
        try:
            return normalise_nhs_number(value)
        except IdentifierError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_postcode(self) -> str:
        value = self.cleaned_data.get("postcode", "")
        if not value.strip():
            return ""
        try:
            canonical = normalise_postcode(value)
        except PostcodeError as error:
            raise forms.ValidationError(str(error)) from None
        try:
            self.place = resolve_postcode(canonical)
        except UnknownPostcode:
            self.place = None  # outside the areas served: kept, with no neighbourhood
        return canonical

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        if "postcode" in self.changed_data or self.instance.pk is None:
            place = self.place
            self.instance.lsoa_code = (place.lsoa_code or "") if place else ""
            self.instance.lsoa_approximate = place.lsoa_approximate if place else False
            self.instance.imd_decile = place.imd_decile if place else None
            self.instance.latitude = place.latitude if place else None
            self.instance.longitude = place.longitude if place else None


class NewClientForm(PersonFields):
    """A new referral's person: the few details needed to start, and their consents."""

    class Meta(PersonFields.Meta):
        fields = [
            "first_name",
            "last_name",
            "date_of_birth",
            "nhs_number",
            "postcode",
            "phone",
            "email",
            "preferred_contact",
            "consent_to_hold",
            "consent_to_contact",
            "consent_to_inform_gp",
            "consent_to_research",
        ]
        labels = {
            "consent_to_hold": "They agree to the programme holding their details",
            "consent_to_contact": "They agree to be contacted by the programme",
            "consent_to_inform_gp": (
                "They agree to their GP and whoever referred them being told how it went"
            ),
            "consent_to_research": (
                "They agree to their details being used, without their name, to evaluate the "
                "programme"
            ),
        }

    def clean_consent_to_hold(self) -> bool:
        if not self.cleaned_data.get("consent_to_hold"):
            raise forms.ValidationError(
                "Ask them whether the programme may hold their details: without their consent "
                "nothing can be recorded"
            )
        return True


class DetailsForm(PersonFields):
    """Everything about the person, with the census questions, on one page."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta(PersonFields.Meta):
        fields = [
            *PersonFields.Meta.fields,
            "sex",
            "gender_identity",
            "ethnic_group",
            "disability",
            "unpaid_carer",
            "employment",
            "gp_practice",
            "consent_to_contact",
            "consent_to_inform_gp",
            "consent_to_research",
        ]
        widgets = {
            **PersonFields.Meta.widgets,
            "sex": forms.RadioSelect,
            "gender_identity": forms.RadioSelect,
            "disability": forms.RadioSelect,
            "unpaid_carer": forms.RadioSelect,
        }
        labels = NewClientForm.Meta.labels

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
        for name, options in (
            ("sex", choices.Sex.choices),
            ("gender_identity", choices.GenderIdentity.choices),
            ("disability", choices.Disability.choices),
            ("unpaid_carer", choices.UnpaidCarer.choices),
        ):
            self.fields[name].choices = options  # type: ignore[attr-defined]


class ReferralForm(forms.ModelForm[Referral]):
    reasons = forms.MultipleChoiceField(
        label="Why they were referred",
        choices=choices.ReferralReason.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one reason for the referral"},
    )

    class Meta:
        model = Referral
        fields = [
            "source",
            "referrer_name",
            "referrer_organisation",
            "referrer_email",
            "reasons",
            "reason_detail",
            "received_on",
        ]
        widgets = {"received_on": DATE}
        labels = {"source": "Who referred them", "received_on": "Date the referral was received"}
        error_messages = {
            "source": {"required": "Select who referred them"},
            "received_on": {
                "required": "Enter the date the referral was received",
                "invalid": "Enter the date the referral was received as a real date",
            },
            "referrer_email": {"invalid": EMAIL_INVALID},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()
        self.fields["source"].choices = [("", "Choose one"), *choices.ReferralSource.choices]  # type: ignore[attr-defined]

    def clean_received_on(self) -> date | None:
        return _not_future(self.cleaned_data.get("received_on"), "The date received")


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label="What happened",
        widget=forms.RadioSelect,
        error_messages={"required": "Select what happened"},
    )
    on = forms.DateField(
        label="When",
        widget=DATE,
        error_messages={"required": "Enter the date", "invalid": "Enter a real date"},
    )
    reason = forms.CharField(
        label="Reason", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, options: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = options  # type: ignore[attr-defined]
        self.fields["on"].initial = timezone.localdate()

    def clean_on(self) -> date | None:
        return _not_future(self.cleaned_data.get("on"), "The date")


class ReferralStatusForm(StatusForm):
    outcome = forms.ChoiceField(
        label="Outcome (when closing)",
        required=False,
        choices=[("", "Choose one"), *Referral.Outcome.choices],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        status = data.get("status")
        if status in Referral.NEEDS_REASON and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give the reason")
        if status == Referral.Status.CLOSED and not data.get("outcome"):
            self.add_error("outcome", "Select the outcome")
        return data


class ConnectionStatusForm(StatusForm):
    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") in Connection.NEEDS_REASON and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give the reason, in their words if you can")
        return data


AVAILABILITY_CHOICES = [
    (f"{day}-{part}", f"{name} {label.lower()}")
    for day, name in choices.DAYS
    for part, label in choices.DayPart.choices
]


class AssessmentForm(forms.ModelForm[Assessment]):
    interests = forms.ModelMultipleChoiceField(
        label="What interests them",
        queryset=Category.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    barriers = forms.MultipleChoiceField(
        label="What could stop them going",
        choices=choices.Barrier.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    availability = forms.MultipleChoiceField(
        label="When they could go",
        choices=AVAILABILITY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Mornings until 12:00, afternoons until 17:00, then evenings",
    )

    class Meta:
        model = Assessment
        fields = [
            "what_matters",
            "needs",
            "interests",
            "barriers",
            "availability",
            "max_travel_miles",
            "goals",
            "assessed_on",
        ]
        widgets = {
            "what_matters": forms.Textarea(attrs={"rows": 4}),
            "needs": forms.Textarea(attrs={"rows": 3}),
            "goals": forms.Textarea(attrs={"rows": 3}),
            "assessed_on": DATE,
            "max_travel_miles": forms.NumberInput(
                attrs={"class": "nhsuk-input--width-5", "step": "0.1"}
            ),
        }
        error_messages = {
            "what_matters": {"required": "Write down what matters to them, in their words"},
            "assessed_on": {
                "required": "Enter the date of the assessment",
                "invalid": "Enter a real date",
            },
            "max_travel_miles": {
                "invalid": "Enter how far they can travel as a number of miles, like 2 or 0.5",
                "max_value": "Enter a distance of 100 miles or less",
                "min_value": "Enter a distance of 0 miles or more",
                "max_digits": "Enter a distance of 100 miles or less",
                "max_decimal_places": "Enter the distance to one decimal place, like 0.5",
            },
        }
        help_texts = {"max_travel_miles": "1 km is about 0.6 miles; a 15-minute walk is about 0.7"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        interests = self.fields["interests"]
        assert isinstance(interests, forms.ModelMultipleChoiceField)
        interests.queryset = Category.objects.order_by("order", "name")
        if self.instance.pk is None:
            self.fields["assessed_on"].initial = timezone.localdate()
        else:
            self.initial["availability"] = [
                f"{day}-{part}"
                for day, parts in self.instance.availability.items()
                for part in parts
            ]

    def clean_max_travel_miles(self) -> Any:
        value = self.cleaned_data.get("max_travel_miles")
        if value is not None and not 0 <= value <= 100:
            raise forms.ValidationError("Enter a distance from 0 to 100 miles")
        return value

    def clean_assessed_on(self) -> date | None:
        return _not_future(self.cleaned_data.get("assessed_on"), "The date of the assessment")

    def clean_availability(self) -> dict[str, list[str]]:
        chosen = self.cleaned_data.get("availability") or []
        grid: dict[str, list[str]] = {}
        for value in chosen:
            day, part = value.split("-")
            grid.setdefault(day, []).append(part)
        return grid


class GroupForm(forms.ModelForm[GroupMembership]):
    RATING = [(n, str(n)) for n in range(1, 6)]

    importance = forms.TypedChoiceField(
        label="How important is this group to them?",
        choices=RATING,
        coerce=int,
        widget=forms.RadioSelect,
        help_text="1 not at all, 5 very",
        error_messages={"required": "Select how important the group is to them"},
    )
    positivity = forms.TypedChoiceField(
        label="How positive do they feel about it?",
        choices=RATING,
        coerce=int,
        widget=forms.RadioSelect,
        help_text="1 not at all, 5 very",
        error_messages={"required": "Select how positive they feel about the group"},
    )

    class Meta:
        model = GroupMembership
        fields = ["name", "kind", "importance", "positivity", "contact"]
        widgets = {"contact": forms.RadioSelect}
        error_messages = {
            "name": {"required": "Enter the group's name, as they call it"},
            "kind": {"required": "Select the type of group"},
            "contact": {"required": "Select how often they are in contact"},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Choose one"), *choices.GroupKind.choices]  # type: ignore[attr-defined]
        self.fields["contact"].choices = choices.ContactFrequency.choices  # type: ignore[attr-defined]


def _session_label(session: Session) -> str:
    return f"{timezone.localtime(session.start):%A %-d %B, %H:%M}"


class ConnectionForm(forms.ModelForm[Connection]):
    support = forms.MultipleChoiceField(
        label="Support agreed",
        choices=choices.Support.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    agreed = forms.BooleanField(
        label="They have agreed to go",
        required=False,
        help_text="Leave unticked to suggest it for now",
    )

    class Meta:
        model = Connection
        fields = [
            "level",
            "first_session",
            "support",
            "share_consent",
            "shared_note",
            "follow_up_on",
        ]
        widgets = {
            "level": forms.RadioSelect,
            "shared_note": forms.Textarea(attrs={"rows": 3}),
            "follow_up_on": DATE,
        }
        labels = {
            "first_session": "First session",
            "follow_up_on": "Check in with them on",
        }

    def __init__(self, *args: Any, sessions: QuerySet[Session], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = choices.ConnectionLevel.choices  # type: ignore[attr-defined]
        first = self.fields["first_session"]
        assert isinstance(first, forms.ModelChoiceField)
        first.queryset = sessions
        first.empty_label = "Not decided yet"
        first.label_from_instance = _session_label  # type: ignore[method-assign,assignment]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        level = data.get("level")
        if level in (choices.ConnectionLevel.INTRODUCTION, choices.ConnectionLevel.REFERRAL):
            if not data.get("share_consent"):
                self.add_error(
                    "share_consent",
                    "An introduction or a referral tells the group about them: ask whether they "
                    "agree, or choose a signpost",
                )
            elif not (data.get("shared_note") or "").strip():
                self.add_error("shared_note", "Write what the group may know about them")
        follow = data.get("follow_up_on")
        if follow is not None and follow < timezone.localdate():
            self.add_error("follow_up_on", "The date to check in must be today or later")
        return data


class ContactForm(forms.ModelForm[Contact]):
    class Meta:
        model = Contact
        fields = ["kind", "on", "minutes", "notes"]
        widgets = {
            "kind": forms.RadioSelect,
            "on": DATETIME,
            "minutes": forms.NumberInput(attrs={"class": "nhsuk-input--width-4"}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        error_messages = {
            "kind": {"required": "Select how you were in contact"},
            "on": {"required": "Enter when", "invalid": "Enter a real date and time"},
            "minutes": {"invalid": "Enter the number of minutes, like 20"},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = choices.ContactKind.choices  # type: ignore[attr-defined]
        self.fields["on"].initial = timezone.localtime().replace(second=0, microsecond=0)

    def clean_on(self) -> datetime | None:
        value = self.cleaned_data.get("on")
        if value is not None and value > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError("A contact must be now or in the past")
        return value

    def clean_minutes(self) -> int | None:
        value = self.cleaned_data.get("minutes")
        if value is not None and not 1 <= value <= 600:
            raise forms.ValidationError("Enter a number of minutes from 1 to 600")
        return value


class TaskForm(forms.ModelForm[Task]):
    class Meta:
        model = Task
        fields = ["title", "due_on"]
        widgets = {"due_on": DATE}
        error_messages = {
            "title": {"required": "Enter what needs doing"},
            "due_on": {"required": "Enter when it is due", "invalid": "Enter a real date"},
        }


class SelfReferralForm(PersonFields):
    """The public form: someone refers themselves. Few questions, in plain words."""

    reasons = forms.MultipleChoiceField(
        label="What would you like help with?",
        choices=choices.ReferralReason.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one thing you would like help with"},
    )
    reason_detail = forms.CharField(
        label="Anything else you would like to tell us (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )

    class Meta(PersonFields.Meta):
        fields = [
            "first_name",
            "last_name",
            "date_of_birth",
            "postcode",
            "phone",
            "email",
            "preferred_contact",
            "contact_times",
            "consent_to_hold",
            "consent_to_contact",
        ]
        labels = {
            "first_name": "Your first name",
            "last_name": "Your last name",
            "date_of_birth": "Your date of birth (optional)",
            "postcode": "Your postcode",
            "phone": "Your phone number",
            "email": "Your email address",
            "preferred_contact": "How would you like us to contact you?",
            "contact_times": "When is best to contact you? (optional)",
            "consent_to_hold": "I agree to the programme keeping these details to help me",
            "consent_to_contact": "I agree to the programme contacting me",
        }
        error_messages = {
            **PersonFields.Meta.error_messages,
            "first_name": {"required": "Enter your first name"},
            "last_name": {"required": "Enter your last name"},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A declared field: Meta.labels does not reach it.
        self.fields["postcode"].label = "Your postcode"

    def clean_consent_to_hold(self) -> bool:
        if not self.cleaned_data.get("consent_to_hold"):
            raise forms.ValidationError(
                "Tick to agree to us keeping your details: we cannot help without them"
            )
        return True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("consent_to_contact"):
            self.add_error(
                "consent_to_contact", "Tick to agree to us contacting you, so we can help"
            )
        if not (data.get("phone") or data.get("email")):
            self.add_error(
                "phone", "Enter a phone number or an email address so we can contact you"
            )
        if not self.cleaned_data.get("postcode") and "postcode" not in self.errors:
            self.add_error("postcode", "Enter your postcode")
        return data
