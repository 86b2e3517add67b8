"""The emailed link: "still running as listed" or "something has changed", with no sign-in."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lib.http import posted

from ..actions import LinkAlreadyUsed, do_confirm_listing, do_report_change
from ..confirmation import LinkProblem, activity_from_token, token_digest
from ..models import ListingLinkUse, ListingReport


class ChangeForm(forms.Form):
    message = forms.CharField(
        label="What has changed?",
        max_length=ListingReport._meta.get_field("message").max_length,
        help_text="For example, a new time or venue, a new contact, or that it has stopped",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": "Tell us what has changed",
            "max_length": "What has changed must be 2,000 characters or fewer",
        },
    )


@login_not_required
def confirm_listing(request: HttpRequest, token: str) -> HttpResponse:
    try:
        activity = activity_from_token(token)
    except LinkProblem as problem:
        return render(
            request, "directory/confirm_problem.html", {"problem": str(problem)}, status=410
        )
    form = ChangeForm(posted(request) if request.POST.get("answer") == "changed" else None)
    if request.method == "POST":
        answer = request.POST.get("answer")
        try:
            if answer == "same":
                do_confirm_listing(request, activity, token=token)
                return render(
                    request, "directory/confirm_done.html", {"activity": activity, "changed": False}
                )
            if answer == "changed" and form.is_valid():
                do_report_change(
                    request, activity, message=form.cleaned_data["message"], token=token
                )
                return render(
                    request, "directory/confirm_done.html", {"activity": activity, "changed": True}
                )
        except LinkAlreadyUsed as used:
            return render(
                request,
                "directory/confirm_used.html",
                {"activity": activity, "message": str(used)},
                status=409,
            )
    return render(
        request,
        "directory/confirm.html",
        {
            "activity": activity,
            "form": form,
            "schedules": list(activity.schedules.all()),
            # What this link has already been used for, said on the page.
            "uses": list(
                ListingLinkUse.objects.filter(token_digest=token_digest(token)).order_by("used_at")
            ),
            "show_change_form": request.method == "POST" or request.GET.get("changed") == "1",
        },
    )
