"""Sharing across areas' forms: propose sharing, answer a proposal, withdraw one."""

from __future__ import annotations

from typing import Any

from django import forms

from lib.text import too_long

from .models import ShareProposal

MESSAGE_LIMIT = 2000


class ProposeForm(forms.Form):
    """Ask another area to share its activities: which of the categories it offers (and
    this area lacks) this is about, and a message to its coordinator."""

    categories = forms.MultipleChoiceField(
        label="What would your residents gain?",
        help_text=(
            "The kinds of activity they offer that your calendar lacks. Select all that apply."
        ),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one kind of activity your residents would gain",
            "invalid_choice": "Choose kinds of activity from the list",
        },
    )
    message = forms.CharField(
        label="Message to their coordinator (optional)",
        help_text=f"Why it would help, who to talk to. Up to {MESSAGE_LIMIT:,} characters.",
        required=False,
        max_length=MESSAGE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"max_length": too_long("Message", MESSAGE_LIMIT)},
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["categories"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = choices
        if not choices:
            # Nothing lacking shown now: the proposal can still be made, with a message.
            field.required = False
            field.widget = forms.MultipleHiddenInput()


class AnswerForm(forms.Form):
    ACCEPT, DECLINE = "accept", "decline"

    decision = forms.ChoiceField(
        label="Your answer",
        choices=[
            (ACCEPT, "Accept: share our activities with them"),
            (DECLINE, "Decline"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to accept or decline"},
    )
    answer = forms.CharField(
        label="A note to their coordinator (needed if you decline)",
        required=False,
        max_length=MESSAGE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": too_long("The note", MESSAGE_LIMIT)},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, proposal: ShareProposal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = proposal.version
        self.fields[
            "answer"
        ].help_text = f"Declining, say why: {proposal.asking.name}'s coordinator reads it."

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["answer"] = (cleaned.get("answer") or "").strip()
        if (
            cleaned.get("decision") == self.DECLINE
            and not cleaned["answer"]
            and ("answer" not in self.errors)
        ):
            self.add_error("answer", "Say why you are declining")
        return cleaned


class WithdrawForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
