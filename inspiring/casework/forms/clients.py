"""Who a client is and how to reach them: a new referral, the details page and
the public self-referral form."""

from __future__ import annotations

from datetime import date
from typing import Any

import phonenumbers
from django import forms
from django.utils import timezone

from inspiring.areas import figures as area_figures
from inspiring.areas.geography import Place, UnknownPostcode, resolve_postcode
from inspiring.areas.models import GPPractice
from inspiring.ui.forms import DateInputField, date_input_first_wrong_id, date_input_parts
from lib.identifiers import IdentifierError, normalise_nhs_number
from lib.postcodes import PostcodeError, normalise_postcode

from .. import choices
from ..models import Client
from .base import DATE, EMAIL_INVALID, OLDEST, WordedLimits, not_future

# The GP practice select's option for a practice the list does not have.
NOT_LISTED = "not-listed"
NOT_LISTED_LABEL = "Not in the list, type it below"


class PersonFields(WordedLimits, forms.ModelForm[Client]):
    """Who they are and how to reach them: shared by a new referral and the details page.

    A form with `gp_practice` offers the practices of the area's district as a select
    (`practice`), grouped by primary care network, when the list is loaded: a listed
    practice is stored as `registered_practice` (its ODS code), with its name in
    `gp_practice`. The text box stays below the select as the fallback, for a practice
    not in the list and for anyone without JavaScript (which only hides the box until
    "Not in the list" is chosen).
    """

    # The practice question's words: the staff forms ask about "their" practice.
    PRACTICE_WORDS = {
        "label": "Their GP practice",
        "first": "Choose their GP practice",
        "hint": (
            "Practices in {area}, by primary care network. If theirs is not in the list, "
            "choose “Not in the list” and type its name below."
        ),
        "typed_label": "Their GP practice, if it is not in the list",
        "typed_hint": "Type its name, like Kingsway Surgery, Kirkby",
        "typed_missing": "Type the name of their GP practice, or choose it from the list",
        "invalid": (
            "Choose their GP practice from the list, or choose “Not in the list” and type its name"
        ),
    }

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
        if "gp_practice" in self.fields:
            self._offer_practices()

    def _offer_practices(self) -> None:
        client = self.instance
        listed = area_figures.practices([client.area_id]) if client.area_id else []
        if not listed:
            return  # no list loaded for this area: the text box alone
        words = self.PRACTICE_WORDS
        current = client.registered_practice if client.registered_practice_id else None
        offered: list[Any] = _practice_groups(listed)
        if current is not None and current.code not in {p.code for p in listed}:
            # Their practice has closed (or moved away) since it was recorded: it stays
            # theirs, and on the form, until it is changed.
            label = f"{current.name} ({current.get_status_display().lower()})"
            offered.insert(0, (current.code, label))
        typed = self.fields["gp_practice"]
        # Before self["gp_practice"] below: a bound field copies the label when made.
        typed.label, typed.help_text = words["typed_label"], words["typed_hint"]
        select = forms.ChoiceField(
            label=words["label"],
            required=False,
            help_text=words["hint"].format(area=client.area.name),
            choices=[("", words["first"]), *offered, (NOT_LISTED, NOT_LISTED_LABEL)],
            error_messages={"invalid_choice": words["invalid"]},
            widget=forms.Select(attrs={"data-practice-choice": self["gp_practice"].auto_id}),
        )
        if current is not None:
            self.initial["practice"] = current.code
            self.initial["gp_practice"] = ""  # the box is for a practice not in the list
        elif client.gp_practice:
            self.initial["practice"] = NOT_LISTED
        # The select goes just before the text box.
        ordered: dict[str, forms.Field] = {}
        for name, field in self.fields.items():
            if name == "gp_practice":
                ordered["practice"] = select
            ordered[name] = field
        self.fields = ordered

    @property
    def changed_data(self) -> list[str]:
        """As the audit trail names them: the model's field, not the form's select."""
        return [
            "registered_practice" if name == "practice" else name for name in super().changed_data
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "practice" in self.fields:
            self._clean_practice(data)
        return data

    def _clean_practice(self, data: dict[str, Any]) -> None:
        chosen = data.get("practice") or ""
        if chosen and chosen != NOT_LISTED:
            # Only codes offered get this far: the select refused anything else.
            practice = GPPractice.objects.filter(code=chosen).first()
            if practice is None:
                self.add_error("practice", self.PRACTICE_WORDS["invalid"])
                return
            self.instance.registered_practice = practice
            data["gp_practice"] = practice.name
            return
        self.instance.registered_practice = None
        typed = (data.get("gp_practice") or "").strip()
        if chosen == NOT_LISTED and not typed and "gp_practice" not in self.errors:
            self.add_error("gp_practice", self.PRACTICE_WORDS["typed_missing"])

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


def _practice_groups(listed: list[area_figures.Practice]) -> list[Any]:
    """The select's options, one group per primary care network (by name), the practices
    in no network last; a plain list when no network is loaded."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for practice in listed:
        groups.setdefault(practice.pcn_name, []).append((practice.code, practice.name))
    if set(groups) == {""}:
        return groups[""]
    named = sorted((name, options) for name, options in groups.items() if name)
    if "" in groups:
        named.append(("Not in a primary care network", groups[""]))
    return named


def _practice_first(names: tuple[str, ...]) -> tuple[str, ...]:
    """`names` with the practice select just before the box for a practice not in the list."""
    return tuple(
        n for name in names for n in (("practice", name) if name == "gp_practice" else (name,))
    )


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
            "gp_practice",
            "consent_to_hold",
            "consent_to_contact",
            "consent_to_inform_gp",
            "consent_to_research",
        ]
        labels = {
            "gp_practice": "Their GP practice",
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


UK_PHONE_INVALID = "Enter a UK phone number, like 07700 900 982 or 01632 960 001"


def normalise_uk_phone(value: str) -> str:
    """A UK phone number as people type it ("07700900982", "+44 (0)7700 900 982"), in
    the one form staff read back: national, spaced ("07700 900982").

    Valid numbers by Ofcom's plan are accepted, and so are numbers of the full UK length
    that the plan has not allocated (Ofcom's drama ranges, 07700 900 xxx, are what
    people are shown as examples and what the demo uses); "12" and foreign numbers are not.
    """
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        raise forms.ValidationError(UK_PHONE_INVALID) from None
    national = str(number.national_number)
    full_length = len(national) == 10 and national[0] in "1237"
    if number.country_code != 44 or not (phonenumbers.is_valid_number(number) or full_length):
        raise forms.ValidationError(UK_PHONE_INVALID)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


class DateOfBirthField(DateInputField):
    """A date of birth typed as day, month and year (the NHS.UK date input), which must
    also be in the past and within a lifetime: "Date of birth must be in the past"."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(
            what="Date of birth",
            required_message="Enter your date of birth",
            autocomplete="bday",
            **kwargs,
        )

    def check(self, value: date) -> date:
        today = timezone.localdate()
        if value >= today:
            raise self.refuse("Date of birth must be in the past")
        if value.year < today.year - OLDEST:
            raise self.refuse(f"Date of birth must be after {today.year - OLDEST}", "year")
        return value


class SelfReferralForm(PersonFields):
    """The public form: someone refers themselves. Few questions, in plain words,
    what they want help with first."""

    reasons = forms.MultipleChoiceField(
        label="What would you like help with?",
        choices=choices.ReferralReason.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
        error_messages={"required": "Select at least one thing you would like help with"},
    )
    reason_detail = forms.CharField(
        label="Anything else you would like to tell us (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )
    date_of_birth = DateOfBirthField(
        label="Your date of birth (optional)", help_text="For example, 15 3 1984"
    )

    ADDRESS = ("address_line_1", "address_line_2", "town")

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
            "address_line_1",
            "address_line_2",
            "town",
            "contact_times",
            "gp_practice",
            "consent_to_hold",
            "consent_to_contact",
            "consent_to_inform_gp",
        ]
        labels = {
            "first_name": "Your first name",
            "last_name": "Your last name",
            "postcode": "Your postcode",
            "phone": "Your phone number",
            "email": "Your email address",
            "preferred_contact": "How would you like us to contact you?",
            "address_line_1": "Address line 1",
            "address_line_2": "Address line 2 (optional)",
            "town": "Town or city",
            "contact_times": "When is best to contact you? (optional)",
            "consent_to_hold": "I agree to the programme keeping these details to help me",
            "consent_to_contact": "I agree to the programme contacting me",
            "gp_practice": "Your GP practice (optional)",
            "consent_to_inform_gp": (
                "I agree to the programme telling my GP practice what help I have had"
            ),
        }
        help_texts = {
            "gp_practice": "The surgery you are registered with, like Kingsway Surgery, Kirkby",
        }
        widgets = {
            **PersonFields.Meta.widgets,
            "address_line_1": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "address_line_2": forms.TextInput(attrs={"autocomplete": "address-line2"}),
            "town": forms.TextInput(
                attrs={"autocomplete": "address-level2", "class": "nhsuk-u-width-two-thirds"}
            ),
            "phone": forms.TextInput(
                attrs={"autocomplete": "tel", "type": "tel", "class": "nhsuk-input--width-20"}
            ),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }
        error_messages = {
            **PersonFields.Meta.error_messages,
            "first_name": {"required": "Enter your first name"},
            "last_name": {"required": "Enter your last name"},
        }

    PRACTICE_WORDS = {
        "label": "Your GP practice (optional)",
        "first": "Choose your GP practice",
        "hint": (
            "The surgery you are registered with. Practices in {area}, by primary care "
            "network. If yours is not in the list, choose “Not in the list” and type its "
            "name below."
        ),
        "typed_label": "Your GP practice, if it is not in the list (optional)",
        "typed_hint": "Type its name, like Kingsway Surgery, Kirkby",
        "typed_missing": "Type the name of your GP practice, or choose it from the list",
        "invalid": (
            "Choose your GP practice from the list, or choose “Not in the list” and type its name"
        ),
    }

    # The order people answer in: what they would like help with first; the address
    # follows "Letter" when it is chosen; the practice select just before the box for a
    # practice not in the list.
    ORDER = _practice_first(("reasons", "reason_detail", *Meta.fields))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Declared fields: Meta.labels does not reach them.
        self.fields["postcode"].label = "Your postcode"
        self.fields["nhs_number"].label = "Your NHS number (optional)"
        self.fields["nhs_number"].help_text = (
            "10 digits, like 943 476 5919. You can find it on a letter from the NHS, "
            "or in the NHS App. You do not need it to refer yourself."
        )
        self.order_fields(self.ORDER)

    def address_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.ADDRESS]

    def date_parts(self) -> list[dict[str, Any]]:
        """The date input's three boxes, for the template: name, id, label, value,
        width and whether it is the one to highlight."""
        return date_input_parts(self["date_of_birth"])

    def first_wrong_date_part_id(self) -> str:
        return date_input_first_wrong_id(self["date_of_birth"])

    def clean_date_of_birth(self) -> date | None:
        # DateOfBirthField has checked it, in its own words.
        value: date | None = self.cleaned_data.get("date_of_birth")
        return value

    def clean_nhs_number(self) -> str:
        value = self.cleaned_data.get("nhs_number", "")
        if not value.strip():
            return ""
        try:
            return normalise_nhs_number(value)
        except IdentifierError:
            digits = "".join(ch for ch in value if not ch.isspace() and ch != "-")
            if not (digits.isdigit() and len(digits) == 10):
                raise forms.ValidationError(
                    "Enter your NHS number as 10 digits, like 943 476 5919, or leave it out"
                ) from None
            raise forms.ValidationError(
                "This NHS number is not right: check it against your NHS letter or the NHS "
                "App, or leave it out"
            ) from None

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone", "").strip()
        return normalise_uk_phone(value) if value else ""

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
        if not (data.get("phone") or data.get("email")) and "phone" not in self.errors:
            self.add_error(
                "phone", "Enter a phone number or an email address so we can contact you"
            )
        if not self.cleaned_data.get("postcode") and "postcode" not in self.errors:
            self.add_error("postcode", "Enter your postcode")
        contact = data.get("preferred_contact")
        if contact == choices.ContactMethod.LETTER:
            if not (data.get("address_line_1") or "").strip():
                self.add_error(
                    "address_line_1", "Enter the first line of your address, so we can write"
                )
            if not (data.get("town") or "").strip():
                self.add_error("town", "Enter your town or city")
        else:
            # Hidden unless "Letter" is chosen: nothing typed there before changing one's
            # mind is kept.
            for name in self.ADDRESS:
                data[name] = ""
        by_phone = contact in (choices.ContactMethod.PHONE, choices.ContactMethod.TEXT)
        if by_phone and not data.get("phone") and "phone" not in self.errors:
            self.add_error("phone", "Enter your phone number, so we can call or text you")
        by_email = contact == choices.ContactMethod.EMAIL
        if by_email and not data.get("email") and "email" not in self.errors:
            self.add_error("email", "Enter your email address, so we can email you")
        return data
