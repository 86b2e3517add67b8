"""Inviting people to an area and accepting the invitation."""

from __future__ import annotations

import re
import smtplib
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client, RequestFactory
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from inspiring.accounts.actions import (
    ActionRefused,
    do_accept_invitation,
    do_accept_invitation_as_new_user,
)
from inspiring.accounts.invitations import invitation_token
from inspiring.accounts.models import AuditEntry, Invitation, Membership, User
from inspiring.accounts.roles import Role
from inspiring.directory.models import Organisation
from tests.conftest import sign_in
from tests.directory.builders import organisation
from tests.personas import Personas

pytestmark = pytest.mark.django_db


def invite(client: Client, email: str, role: str = Role.LINK_WORKER, name: str = "Sam Green"):
    return client.post("/staff/team/invite/", {"email": email, "full_name": name, "role": role})


def test_a_coordinator_invites_someone_by_email(
    client: Client, personas: Personas, django_capture_on_commit_callbacks: object
) -> None:
    sign_in(client, personas.coordinator)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = invite(client, "Sam.Green@Practice.test")
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "sam.green@practice.test"
    assert invitation.area == personas.ashfield
    assert invitation.is_pending
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sam.green@practice.test"]
    assert "Inspiring Ashfield" in message.subject
    assert "/invitations/" in message.body
    assert AuditEntry.objects.filter(action="invitation.sent", area=personas.ashfield).exists()
    team = client.get("/staff/team/")
    assert "sam.green@practice.test" in team.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"email": "", "full_name": "Sam", "role": "link_worker"},
            "Enter the person&#x27;s email address",
        ),
        (
            {"email": "sam@", "full_name": "Sam", "role": "link_worker"},
            "Enter an email address in the correct format",
        ),
        (
            {"email": "sam@x.test", "full_name": "", "role": "link_worker"},
            "Enter the person&#x27;s full name",
        ),
        ({"email": "sam@x.test", "full_name": "Sam", "role": ""}, "Choose the person&#x27;s role"),
        ({"email": "sam@x.test", "full_name": "Sam", "role": "admin"}, "Select a valid choice"),
    ],
)
def test_bad_invitations_say_what_to_fix_and_save_nothing(
    client: Client, personas: Personas, data: dict, message: str
) -> None:
    sign_in(client, personas.coordinator)
    response = client.post("/staff/team/invite/", data)
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert message in response.text
    assert not Invitation.objects.exists()


def test_a_member_or_a_waiting_invitation_is_not_invited_twice(
    client: Client, personas: Personas
) -> None:
    sign_in(client, personas.coordinator)
    response = invite(client, "liam@ashfield.test")
    assert "liam@ashfield.test is already in the Ashfield team" in response.text
    invite(client, "sam@practice.test")
    response = invite(client, "SAM@practice.test")
    assert "already has an invitation waiting" in response.text
    assert Invitation.objects.count() == 1


def test_accepting_creates_an_account_and_a_membership(client: Client, personas: Personas) -> None:
    invitation = Invitation.objects.create(
        area=personas.ashfield,
        email="sam@practice.test",
        full_name="Sam Green",
        role=Role.COMMISSIONER,
        invited_by=personas.coordinator,
    )
    url = f"/invitations/{invitation_token(invitation)}/"
    page = client.get(url)
    assert page.status_code == 200
    assert "Join Inspiring Ashfield" in page.text
    assert 'value="Sam Green"' in page.text

    mismatch = client.post(
        url, {"full_name": "Sam", "password1": "a long passphrase 1", "password2": "other"}
    )
    assert "The passwords do not match" in mismatch.text
    weak = client.post(url, {"full_name": "Sam", "password1": "password", "password2": "password"})
    assert "This password is too short" in weak.text or "too common" in weak.text
    assert not User.objects.filter(email="sam@practice.test").exists()

    response = client.post(
        url,
        {
            "full_name": "Sam Green",
            "password1": "a long passphrase 1",
            "password2": "a long passphrase 1",
        },
    )
    assert response.status_code == 302
    sam = User.objects.get(email="sam@practice.test")
    membership = Membership.objects.get(user=sam)
    assert (membership.area, membership.role) == (personas.ashfield, Role.COMMISSIONER)
    invitation.refresh_from_db()
    assert invitation.accepted_by == sam
    assert AuditEntry.objects.filter(action="invitation.accepted", actor=sam).exists()
    assert AuditEntry.objects.filter(action="membership.created", actor=sam).exists()
    # Signed in, and a commissioner (totals only) needs no second factor.
    assert client.get("/staff/").status_code == 200
    # The link cannot be used twice.
    client.logout()
    assert client.get(url).status_code == 410


def test_an_invited_link_worker_must_set_up_two_factor_after_joining(
    client: Client, personas: Personas
) -> None:
    invitation = Invitation.objects.create(
        area=personas.ashfield,
        email="lw@practice.test",
        role=Role.LINK_WORKER,
        invited_by=personas.coordinator,
    )
    client.post(
        f"/invitations/{invitation_token(invitation)}/",
        {
            "full_name": "Lee Wood",
            "password1": "a long passphrase 1",
            "password2": "a long passphrase 1",
        },
    )
    assert client.get("/staff/")["Location"].startswith("/accounts/two-factor/")


def test_someone_with_an_account_signs_in_then_accepts(client: Client, personas: Personas) -> None:
    # Marcus coordinates Mansfield; Ashfield invites him as a researcher.
    invitation = Invitation.objects.create(
        area=personas.ashfield,
        email="marcus@mansfield.test",
        role=Role.RESEARCHER,
        invited_by=personas.coordinator,
    )
    url = f"/invitations/{invitation_token(invitation)}/"
    assert "Sign in to accept" in client.get(url).text
    sign_in(client, personas.mansfield_coordinator)
    assert "Accept the invitation" in client.get(url).text
    response = client.post(url)
    assert response.status_code == 302
    assert Membership.objects.get(
        user=personas.mansfield_coordinator, area=personas.ashfield
    ).role == (Role.RESEARCHER)


def test_an_invitation_for_someone_else_cannot_be_accepted(
    client: Client, personas: Personas
) -> None:
    invitation = Invitation.objects.create(
        area=personas.newark,
        email="sam@practice.test",
        role=Role.COORDINATOR,
        invited_by=personas.site_admin,
    )
    sign_in(client, personas.link_worker)
    response = client.post(f"/invitations/{invitation_token(invitation)}/", follow=True)
    assert "This invitation is for sam@practice.test" in response.text
    assert not Membership.objects.filter(user=personas.link_worker, area=personas.newark).exists()


@pytest.mark.parametrize("state", ["expired", "revoked", "tampered"])
def test_an_unusable_link_explains_itself(client: Client, personas: Personas, state: str) -> None:
    invitation = Invitation.objects.create(
        area=personas.ashfield,
        email="sam@practice.test",
        role=Role.LINK_WORKER,
        invited_by=personas.coordinator,
    )
    token = invitation_token(invitation)
    if state == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(days=1)
        )
    elif state == "revoked":
        Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
    else:
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = client.get(f"/invitations/{token}/")
    assert response.status_code == 410
    assert "This invitation cannot be used" in response.text
    response = client.post(
        f"/invitations/{token}/",
        {
            "full_name": "Sam",
            "password1": "a long passphrase 1",
            "password2": "a long passphrase 1",
        },
    )
    assert response.status_code == 410
    assert not User.objects.filter(email="sam@practice.test").exists()


def test_resending_and_withdrawing(
    client: Client, personas: Personas, django_capture_on_commit_callbacks: object
) -> None:
    sign_in(client, personas.coordinator)
    invite(client, "sam@practice.test")
    invitation = Invitation.objects.get()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        assert (
            client.post(f"/staff/team/invitations/{invitation.public_id}/resend/").status_code
            == 302
        )
    assert len(mail.outbox) == 1
    assert (
        client.post(f"/staff/team/invitations/{invitation.public_id}/withdraw/").status_code == 302
    )
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED
    assert [
        e.action for e in AuditEntry.objects.filter(action__startswith="invitation.").order_by("id")
    ] == [
        "invitation.sent",
        "invitation.resent",
        "invitation.revoked",
    ]
    # A withdrawn invitation is not emailed again.
    response = client.post(f"/staff/team/invitations/{invitation.public_id}/resend/", follow=True)
    assert "cannot be sent" in response.text


@pytest.mark.parametrize("action", ["resend", "withdraw"])
def test_another_areas_invitation_is_404(client: Client, personas: Personas, action: str) -> None:
    invitation = Invitation.objects.create(
        area=personas.ashfield,
        email="sam@practice.test",
        role=Role.LINK_WORKER,
        invited_by=personas.coordinator,
    )
    sign_in(client, personas.mansfield_coordinator)
    assert (
        client.post(f"/staff/team/invitations/{invitation.public_id}/{action}/").status_code == 404
    )
    invitation.refresh_from_db()
    assert invitation.is_pending


def test_invitation_pages_only_answer_posts(client: Client, personas: Personas) -> None:
    invitation = Invitation.objects.create(
        area=personas.ashfield,
        email="sam@practice.test",
        role=Role.LINK_WORKER,
        invited_by=personas.coordinator,
    )
    sign_in(client, personas.coordinator)
    assert client.get(f"/staff/team/invitations/{invitation.public_id}/resend/").status_code == 405


def test_the_email_link_opens_the_invitation(
    client: Client, personas: Personas, django_capture_on_commit_callbacks: object
) -> None:
    sign_in(client, personas.coordinator)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        invite(client, "sam@practice.test")
    link = re.search(r"http://testserver(/invitations/\S+/)", str(mail.outbox[0].body))
    assert link is not None
    client.logout()
    assert "Join Inspiring Ashfield" in client.get(link.group(1)).text


def test_accepting_an_invitation_needs_two_factor_sign_in_first(
    client: Client, personas: Personas
) -> None:
    TOTPDevice.objects.create(user=personas.link_worker, name="Phone", confirmed=True)
    invitation = Invitation.objects.create(
        area=personas.newark,
        email=personas.link_worker.email,
        role=Role.COORDINATOR,
        invited_by=personas.site_admin,
    )
    sign_in(client, personas.link_worker, verified=False)
    url = f"/invitations/{invitation_token(invitation)}/"
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/verify/?next=%2Finvitations%2F")
    assert not Membership.objects.filter(user=personas.link_worker, area=personas.newark).exists()


def test_a_double_submitted_new_account_is_created_once(personas: Personas) -> None:
    invitation = Invitation.objects.create(
        area=personas.ashfield,
        email="sam@practice.test",
        role=Role.PARTNER_LEAD,
        invited_by=personas.coordinator,
    )
    request = RequestFactory().post("/")
    request.user = personas.no_role  # any; the action records the new user as the actor
    do_accept_invitation_as_new_user(request, invitation, full_name="Sam", password="long pass 1")
    with pytest.raises(ActionRefused, match="can no longer be used"):
        do_accept_invitation_as_new_user(
            request, invitation, full_name="Sam", password="long pass 1"
        )
    assert User.objects.filter(email="sam@practice.test").count() == 1


def test_an_existing_account_is_not_created_again(personas: Personas) -> None:
    invitation = Invitation.objects.create(
        area=personas.newark,
        email=personas.link_worker.email,
        role=Role.RESEARCHER,
        invited_by=personas.site_admin,
    )
    request = RequestFactory().post("/")
    request.user = personas.no_role
    with pytest.raises(ActionRefused, match="There is already an account"):
        do_accept_invitation_as_new_user(request, invitation, full_name="L", password="long pass 1")


class FailingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Any) -> int:
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def test_an_invitation_email_that_fails_is_shown_on_the_team_page(
    client: Client,
    personas: Personas,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.FailingEmailBackend"
    sign_in(client, personas.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/staff/team/invite/",
            {"email": "sam@practice.test", "full_name": "Sam", "role": Role.LINK_WORKER},
        )
    invitation = Invitation.objects.get()
    assert invitation.email_status == "failed"
    team = client.get("/staff/team/").text
    assert "Email not sent" in team
    assert "Connection unexpectedly closed" in team


# --- A partner lead's organisation -------------------------------------------------


def _invite_lead(client: Client, **answers: str) -> Any:
    return client.post(
        "/staff/team/invite/",
        {
            "email": "pat@knitters.test",
            "full_name": "Pat Lee",
            "role": Role.PARTNER_LEAD,
            **answers,
        },
    )


def _accept_as_new_user(invitation: Invitation) -> User:
    request = RequestFactory().post("/")
    request.user = AnonymousUser()
    membership = do_accept_invitation_as_new_user(
        request, invitation, full_name="Pat Lee", password="a long passphrase 1"
    )
    return membership.user


def test_inviting_a_partner_lead_asks_which_organisation(
    client: Client, personas: Personas
) -> None:
    knitters = organisation(personas.ashfield, "Skegby Knit and Natter")
    organisation(personas.mansfield, "Mansfield Makers")  # another area's: not offered
    sign_in(client, personas.coordinator)
    page = client.get("/staff/team/invite/").text
    assert "Which organisation will they lead?" in page
    assert "Skegby Knit and Natter" in page and "Mansfield Makers" not in page
    # Shown under "Partner lead" only (hidden by the page's script; without it, shown).
    assert 'aria-controls="conditional-id_role_2"' in page
    assert page.count("aria-controls=") == 1

    response = _invite_lead(client)
    assert "Choose the organisation they will lead, or add a new one" in response.text
    assert not Invitation.objects.exists()

    assert _invite_lead(client, organisation=str(knitters.public_id)).status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.extra == {"organisation": str(knitters.public_id)}

    pat = _accept_as_new_user(invitation)
    assert list(pat.led_organisations.all()) == [knitters]
    entry = AuditEntry.objects.get(action="organisation.lead_added")
    assert entry.actor == pat and entry.area == personas.ashfield


def test_a_partner_lead_of_a_new_organisation(client: Client, personas: Personas) -> None:
    organisation(personas.ashfield, "Skegby Knit and Natter")
    sign_in(client, personas.coordinator)
    response = _invite_lead(client, organisation="new")
    assert "Enter the name of the new organisation" in response.text
    response = _invite_lead(client, organisation="new", new_organisation="skegby knit and natter")
    assert "skegby knit and natter is already listed: choose it from the list" in response.text
    assert not Invitation.objects.exists()

    _invite_lead(client, organisation="new", new_organisation="  Kirkby   Ukulele Club ")
    invitation = Invitation.objects.get()
    assert invitation.extra == {"organisation_name": "Kirkby Ukulele Club"}
    # Nothing is added to the directory until they accept.
    assert not Organisation.objects.filter(name="Kirkby Ukulele Club").exists()

    pat = _accept_as_new_user(invitation)
    club = Organisation.objects.get(name="Kirkby Ukulele Club")
    assert club.home_area == personas.ashfield
    assert list(club.leads.all()) == [pat]


def test_the_invitation_names_the_organisation_they_will_lead(
    client: Client, personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    knitters = organisation(personas.ashfield, "Skegby Knit and Natter")
    sign_in(client, personas.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        _invite_lead(client, organisation=str(knitters.public_id))
    (message,) = mail.outbox
    assert "as partner lead for Skegby Knit and Natter" in message.body
    invitation = Invitation.objects.get()
    page = Client().get(f"/invitations/{invitation_token(invitation)}/").text
    assert "as partner lead for Skegby Knit and Natter" in page
    # A new organisation is named as typed.
    Invitation.objects.all().delete()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _invite_lead(client, organisation="new", new_organisation="Kirkby Ukulele Club")
    assert "as partner lead for Kirkby Ukulele Club" in mail.outbox[0].body


def test_other_roles_are_not_asked_for_an_organisation(client: Client, personas: Personas) -> None:
    knitters = organisation(personas.ashfield, "Skegby Knit and Natter")
    sign_in(client, personas.coordinator)
    client.post(
        "/staff/team/invite/",
        {
            "email": "sam@practice.test",
            "full_name": "Sam Green",
            "role": Role.LINK_WORKER,
            "organisation": str(knitters.public_id),
        },
    )
    invitation = Invitation.objects.get()
    assert invitation.extra == {}
    sam = _accept_as_new_user(invitation)
    assert not sam.led_organisations.exists()


def test_an_organisation_gone_since_the_invitation_leaves_the_membership(
    personas: Personas,
) -> None:
    knitters = organisation(personas.ashfield, "Skegby Knit and Natter")
    invitation = Invitation.objects.create(
        area=personas.ashfield,
        email="pat@knitters.test",
        role=Role.PARTNER_LEAD,
        invited_by=personas.coordinator,
        extra={"organisation": str(knitters.public_id)},
    )
    knitters.delete()
    pat = _accept_as_new_user(invitation)
    assert Membership.objects.get(user=pat).role == Role.PARTNER_LEAD
    assert not pat.led_organisations.exists()


def test_an_existing_account_accepting_becomes_the_lead(client: Client, personas: Personas) -> None:
    knitters = organisation(personas.mansfield, "Mansfield Makers")
    invitation = Invitation.objects.create(
        area=personas.mansfield,
        email=personas.partner_lead.email,
        role=Role.PARTNER_LEAD,
        invited_by=personas.coordinator,
        extra={"organisation": str(knitters.public_id)},
    )
    request = RequestFactory().post("/")
    request.user = personas.partner_lead
    do_accept_invitation(request, invitation, personas.partner_lead)
    assert personas.partner_lead in knitters.leads.all()
