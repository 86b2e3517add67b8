"""Who may see and change the instrument library, in one place.

The library is the deployment's, not an area's: anyone who may build instruments
(coordinators and researchers, in the area they work in) sees all of it and may
confirm a template or build and change a custom instrument. Recording or withdrawing
a licence binds the whole deployment, so only site administrators may (and the
action checks it again). An instrument that does not exist answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from inspiring.accounts.access import acting_user, require_capability
from inspiring.accounts.roles import Capability

from . import library
from .instruments.base import Instrument

BUILD = Capability.BUILD_INSTRUMENTS

View = Callable[..., HttpResponse]

require_builder = require_capability(BUILD)


def require_site_admin(view: View) -> View:
    """Only site administrators (on top of being able to build instruments where they
    work, which every site administrator can)."""

    @require_builder
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not acting_user(request).is_superuser:
            raise PermissionDenied("Only a site administrator can record a licence.")
        return view(request, *args, **kwargs)

    return wrapped


def get_instrument(code: str, version: int | None = None) -> Instrument:
    instrument = library.get(code, version)
    if instrument is None:
        raise Http404("No such instrument")
    return instrument
