"""Who a client is and how to reach them: a new referral, the details page and
the public self-referral form."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from inspiring.areas.geography import Place, UnknownPostcode, resolve_postcode
from lib.identifiers import IdentifierError, normalise_nhs_number
from lib.postcodes import PostcodeError, normalise_postcode

from .. import choices
from ..models import Client
from .base import DATE, EMAIL_INVALID, OLDEST, WordedLimits, not_future


class PersonFields(WordedLimits, forms.ModelForm[Client]):
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
        born = not_future(self.cleaned_data.get("date_of_birth"), "Their date of birth")
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
