"""Handing a caseload to colleagues."""

from __future__ import annotations

from typing import Any

from django import forms

from inspiring.accounts.models import Membership

from ..models import Client, ClientQuerySet
from .base import WordedLimits, member_label


class HandoverForm(WordedLimits, forms.Form):
    clients = forms.ModelMultipleChoiceField(
        label="Clients to hand over",
        queryset=Client.objects.none(),
        to_field_name="public_id",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Select the clients to hand over",
            "invalid_choice": "Select only clients on this person's caseload",
        },
    )
    colleagues = forms.ModelMultipleChoiceField(
        label="Who to hand them to",
        queryset=Membership.objects.none(),
        to_field_name="public_id",
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose several to share the clients between them, in turn.",
        error_messages={
            "required": "Select who to hand the clients to",
            "invalid_choice": "Select people from this programme's team",
        },
    )

    def __init__(
        self,
        *args: Any,
        caseload: ClientQuerySet,
        colleagues: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        clients = self.fields["clients"]
        clients.queryset = caseload  # type: ignore[attr-defined]
        clients.label_from_instance = _client_label  # type: ignore[attr-defined]
        people = self.fields["colleagues"]
        people.queryset = colleagues  # type: ignore[attr-defined]
        people.label_from_instance = member_label  # type: ignore[attr-defined]


def _client_label(client: Client) -> str:
    return client.display_name
