"""Free text in casework has a limit that fits its use, said in words by the form and
enforced by the model: a megabyte is refused, and nothing is half-saved."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from inspiring.casework.models import Contact, SafeguardingConcern, SafeguardingLead
from tests.conftest import sign_in
from tests.personas import Personas

from .conftest import Casework

pytestmark = pytest.mark.django_db

MEGABYTE = "a" * 1_000_000


def test_a_megabyte_of_contact_notes_is_refused_with_the_limit_in_words(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    sign_in(client, personas.link_worker, area=personas.ashfield)
    url = reverse("casework:add_contact", args=[casework.mary.public_id])
    data = {
        "kind": "phone",
        "on": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "minutes": "10",
        "notes": MEGABYTE,
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Notes must be 10,000 characters or fewer" in response.content.decode()
    assert not Contact.objects.exists()
    response = client.post(url, {**data, "notes": "Rang her: she would like to try the walk"})
    assert response.status_code == 302 and Contact.objects.count() == 1


def test_a_megabyte_of_safeguarding_concern_is_refused(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    sign_in(client, personas.link_worker, area=personas.ashfield)
    url = reverse("casework:raise_concern", args=[casework.mary.public_id])
    response = client.post(url, {"concern": MEGABYTE})
    assert response.status_code == 200
    page = response.content.decode()
    assert "What you are worried about must be 10,000 characters or fewer" in page
    assert not SafeguardingConcern.objects.exists()


def test_a_handling_entry_is_limited_and_the_whole_handling_too(
    client: Browser, personas: Personas, casework: Casework
) -> None:
    SafeguardingLead.objects.create(area=personas.ashfield, user=personas.link_worker)
    concern = SafeguardingConcern.objects.create(
        client=casework.mary, concern="Bruises", raised_by=personas.link_worker
    )
    sign_in(client, personas.link_worker, area=personas.ashfield)
    url = reverse("casework:concern", args=[concern.public_id])
    response = client.post(url, {"status": "open", "handling": MEGABYTE})
    assert "What was done must be 5,000 characters or fewer" in response.content.decode()
    SafeguardingConcern.objects.filter(pk=concern.pk).update(handling="b" * 99_000)
    response = client.post(url, {"status": "open", "handling": "c" * 4000})
    assert "The handling of this concern is as long as it can be" in response.content.decode()
    concern.refresh_from_db()
    assert concern.handling == "b" * 99_000


def test_the_model_refuses_what_the_form_would(casework: Casework) -> None:
    # Code that saves without a form (an import, a command) is held to the same limit.
    contact = Contact(client=casework.mary, kind="phone", on=timezone.now(), notes=MEGABYTE)
    with pytest.raises(ValidationError) as refused:
        contact.full_clean()
    assert refused.value.message_dict["notes"] == ["Notes must be 10,000 characters or fewer"]
