"""The instrument library's staff pages: the list, one instrument, recording a licence,
confirming a template, building and changing a custom instrument."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from inspiring.accounts.access import acting_user, staff_context
from lib.http import posted

from . import describe, library
from .access import BUILD, get_instrument, require_builder, require_site_admin
from .actions import (
    InstrumentRefused,
    do_confirm_template,
    do_record_licence,
    do_save_custom_instrument,
    do_withdraw_licence,
)
from .forms import ConfirmForm, InstrumentForm, LicenceForm
from .instruments.base import Instrument, Status
from .models import CustomInstrument, InstrumentLicence, TemplateConfirmation


@require_builder
def library_view(request: HttpRequest) -> HttpResponse:
    return render(request, "measures/library.html", {"library": describe.library_entries()})


def _instrument_page(
    request: HttpRequest, instrument: Instrument, *, custom: CustomInstrument | None = None
) -> HttpResponse:
    switches = library.Switches.load()
    context: dict[str, Any] = {
        "instrument": instrument,
        "entry": describe.entry(instrument, switches),
        "scales": [
            {
                "scale": scale,
                "rule": describe.scoring(instrument, scale),
                "bands_kind": describe.BAND_KINDS[scale.bands_kind],
                "items": [
                    n for n, item in enumerate(instrument.items, start=1) if item.id in scale.items
                ],
                "conversion": sorted(scale.conversion.items()) if scale.conversion else [],
                "criterion": scale.reliability.criterion if scale.reliability else None,
            }
            for scale in instrument.scales
        ],
        "is_site_admin": acting_user(request).is_superuser,
        "can_build": staff_context(request).can(BUILD),
    }
    if instrument.needs_licence:
        context["licence"] = (
            InstrumentLicence.objects.current()
            .select_related("recorded_by")
            .filter(instrument_code=instrument.code)
            .first()
        )
    if instrument.status == Status.TEMPLATE:
        context["confirmation"] = (
            TemplateConfirmation.objects.select_related("confirmed_by")
            .filter(instrument_code=instrument.code, instrument_version=instrument.version)
            .first()
        )
    if instrument.status == Status.CUSTOM:
        context["custom"] = custom
        context["versions"] = list(
            CustomInstrument.objects.filter(code=instrument.code)
            .select_related("created_by")
            .order_by("-version")
        )
    return render(request, "measures/instrument.html", context)


@require_builder
def instrument_view(request: HttpRequest, code: str) -> HttpResponse:
    instrument = get_instrument(code)
    custom = library.get_custom(code) if instrument.status == Status.CUSTOM else None
    return _instrument_page(request, instrument, custom=custom)


@require_builder
def version_view(request: HttpRequest, code: str, version: int) -> HttpResponse:
    """A custom instrument's past version, as it was asked and scored."""
    custom = library.get_custom(code, version)
    if custom is None:
        raise Http404("No such version")
    return _instrument_page(request, custom.to_instrument(), custom=custom)


@require_site_admin
def licence_view(request: HttpRequest, code: str) -> HttpResponse:
    instrument = get_instrument(code)
    if not instrument.needs_licence:
        raise Http404("This instrument needs no licence")
    form = LicenceForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            do_record_licence(
                request,
                code,
                holder=form.cleaned_data["holder"],
                registration_reference=form.cleaned_data["registration_reference"],
            )
        except InstrumentRefused as refused:
            form.add_error(refused.field, str(refused))
        else:
            messages.success(
                request, f"The licence is recorded: {instrument.title} can be used now."
            )
            return redirect("measures:instrument", code=code)
    return render(request, "measures/licence.html", {"form": form, "instrument": instrument})


@require_POST
@require_site_admin
def withdraw_licence_view(request: HttpRequest, code: str) -> HttpResponse:
    instrument = get_instrument(code)
    try:
        do_withdraw_licence(request, code)
    except InstrumentRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            f"The licence is withdrawn: {instrument.title} cannot be given to anyone new. "
            "Scores already recorded are kept.",
        )
    return redirect("measures:instrument", code=code)


@require_builder
def confirm_view(request: HttpRequest, code: str) -> HttpResponse:
    instrument = get_instrument(code)
    if instrument.status != Status.TEMPLATE:
        raise Http404("Not a template")
    form = ConfirmForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            do_confirm_template(request, code, citation=form.cleaned_data["citation"])
        except InstrumentRefused as refused:
            form.add_error(refused.field, str(refused))
        else:
            messages.success(
                request, f"The wording is confirmed: {instrument.title} can be used now."
            )
            return redirect("measures:instrument", code=code)
    return render(request, "measures/confirm.html", {"form": form, "instrument": instrument})


def _save(request: HttpRequest, form: InstrumentForm, code: str) -> CustomInstrument | None:
    """Save the form's definition, or put the refusal beside its field."""
    try:
        return do_save_custom_instrument(request, code=code, **form.definition())
    except InstrumentRefused as refused:
        for field, message in refused.problems:
            form.add_error(field if field in form.fields else None, message)
        return None


@require_builder
def build_view(request: HttpRequest) -> HttpResponse:
    form = InstrumentForm(posted(request))
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"].strip().lower()
        if library.get(code) is not None:
            form.add_error(
                "code",
                f"An instrument with the code {code} exists: choose another, or change "
                "that one from its page",
            )
        elif (saved := _save(request, form, code)) is not None:
            messages.success(request, f"{saved.title} is saved as version {saved.version}.")
            return redirect("measures:instrument", code=saved.code)
    return render(request, "measures/instrument_form.html", {"form": form, "changing": None})


@require_builder
def change_view(request: HttpRequest, code: str) -> HttpResponse:
    latest = library.get_custom(code)
    if latest is None:
        raise Http404("Not a custom instrument")
    if request.method == "POST":
        form = InstrumentForm(request.POST, changing=True)
    else:
        form = InstrumentForm(initial=InstrumentForm.initial_from(latest), changing=True)
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, code)
        if saved is not None and saved.pk == latest.pk:
            messages.info(request, f"Nothing was changed: it is still version {saved.version}.")
            return redirect("measures:instrument", code=code)
        if saved is not None:
            messages.success(
                request,
                f"Saved as version {saved.version}. Version {latest.version} and the scores "
                "recorded with it are unchanged.",
            )
            return redirect("measures:instrument", code=code)
    return render(request, "measures/instrument_form.html", {"form": form, "changing": latest})
