"""Access control for staff pages: the one place this app checks who may do what.

Views get the working context with `staff_context(request)` and guard
themselves with `@require_capability(...)`; objects are fetched through the
`get_…_for_area` helpers, so a record from another area answers 404 exactly
as one that does not exist.

Which areas a capability reaches is decided here too (`StaffContext.areas_for`):
the one working area chosen for the session (ADR 0012) for nearly everything, and
every area of the person's memberships for the few capabilities that span areas
(roles.CROSS_AREA_CAPABILITIES: monitoring, research), so those roles are expressed
in the same place as the others and never by special cases in views. A view that
finds no area in scope answers 404, as for a record of another area.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import cached_property, wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp.plugins.otp_totp.models import TOTPDevice

from inspiring.areas.models import Area

from .models import Invitation, Membership, User
from .roles import CROSS_AREA_CAPABILITIES, Capability, capabilities_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

SESSION_AREA_KEY = "inspiring_area_id"

View = TypeVar("View", bound=Callable[..., HttpResponse])


class StaffContext:
    """Who the signed-in user is working as: their membership and area, and what they may do."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    @property
    def user(self) -> User | AnonymousUser:
        return self._request.user

    @cached_property
    def memberships(self) -> list[Membership]:
        if not self.user.is_authenticated:
            return []
        return list(
            Membership.objects.filter(user_id=self.user.pk)
            .select_related("area")
            .order_by("area__name")
        )

    @property
    def is_site_admin(self) -> bool:
        return bool(self.user.is_authenticated and self.user.is_superuser)

    @cached_property
    def chosen_area_id(self) -> int | None:
        """The area chosen in this session, if the user may still work there."""
        value = self._request.session.get(SESSION_AREA_KEY)
        if not isinstance(value, int):
            return None
        if self.is_site_admin or any(m.area_id == value for m in self.memberships):
            return value
        # Removed from that area since choosing it: forget the choice.
        return None

    @cached_property
    def membership(self) -> Membership | None:
        """The membership in the area being worked in; the only one if there is one."""
        for membership in self.memberships:
            if membership.area_id == self.chosen_area_id:
                return membership
        if len(self.memberships) == 1 and self.chosen_area_id is None:
            return self.memberships[0]
        return None

    @cached_property
    def area(self) -> Area | None:
        if self.membership is not None:
            return self.membership.area
        if self.is_site_admin and self.chosen_area_id is not None:
            return Area.objects.filter(pk=self.chosen_area_id).first()
        return None

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None

    @property
    def needs_area_choice(self) -> bool:
        """Several areas to work in and none chosen yet."""
        return self.area is None and (len(self.memberships) > 1 or self.is_site_admin)

    @cached_property
    def capabilities(self) -> frozenset[Capability]:
        if self.area is None:
            return frozenset()
        return capabilities_for(self.role, site_admin=self.is_site_admin)

    def can(self, capability: Capability) -> bool:
        """Whether they may do `capability` in scope: in the working area, or (for a
        capability that spans areas) in at least one of their areas."""
        if capability in CROSS_AREA_CAPABILITIES:
            return bool(self.areas_for(capability))
        return capability in self.capabilities

    def areas_for(self, capability: Capability) -> list[Area]:
        """The areas in scope for `capability`, by name.

        Held in the working area (nearly every capability): that area, if the role
        there has it. Spanning areas (CROSS_AREA_CAPABILITIES): every area where a
        membership's role has it, whatever area is chosen; site administrators hold
        these through memberships only, like anyone else."""
        if capability not in CROSS_AREA_CAPABILITIES:
            area = self.area
            return [area] if area is not None and capability in self.capabilities else []
        return [m.area for m in self.memberships if capability in capabilities_for(m.role)]

    def choosable_areas(self) -> list[Area]:
        if self.is_site_admin:
            return list(Area.objects.order_by("name"))
        return [m.area for m in self.memberships]


def is_verified(request: HttpRequest) -> bool:
    """Whether the signed-in user completed two-factor sign-in in this session (django-otp)."""
    check = getattr(request.user, "is_verified", None)
    return bool(check and check())


def has_authenticator(user: User) -> bool:
    """Whether the user has paired an authenticator app (recovery codes alone do not count)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def acting_user(request: HttpRequest) -> User:
    """The signed-in user of a staff request (LoginRequiredMiddleware guarantees one)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Sign in first.")
    return user


def staff_context(request: HttpRequest) -> StaffContext:
    context = getattr(request, "staff", None)
    if context is None:
        context = StaffContext(request)
        request.staff = context  # type: ignore[attr-defined]
    return cast(StaffContext, context)


def require_capability(*capabilities: Capability) -> Callable[[View], View]:
    """Let the view run only for someone who may do one of `capabilities` where they work."""

    spanning = [c in CROSS_AREA_CAPABILITIES for c in capabilities]
    if any(spanning) and not all(spanning):
        # One view is either about the working area or about all of a person's areas:
        # mixed, someone let in by a spanning capability would reach the working
        # area's records without holding an area-bound one.
        raise ImproperlyConfigured(
            f"require_capability{capabilities}: do not mix capabilities that span areas "
            "with ones held in the working area"
        )

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            context = staff_context(request)
            if context.needs_area_choice and not all(spanning):
                url = reverse("accounts:choose_area")
                return redirect(f"{url}?{urlencode({'next': request.get_full_path()})}")
            if not any(context.can(capability) for capability in capabilities):
                raise PermissionDenied("Your role does not allow this.")
            return view(request, *args, **kwargs)

        return cast(View, wrapped)

    return decorator


def working_area(request: HttpRequest) -> Area:
    """The area the signed-in user is working in: every app's one way to ask.

    Views guarded by require_capability (for a capability held in the working area)
    always have one; anything else answers 404, as a record of another area does."""
    area = staff_context(request).area
    if area is None:
        raise Http404("No working area")
    return area


def get_membership_for_area(request: HttpRequest, public_id: uuid.UUID) -> Membership:
    area = staff_context(request).area
    return get_object_or_404(
        Membership.objects.select_related("user", "area"), area=area, public_id=public_id
    )


def get_invitation_for_area(request: HttpRequest, public_id: uuid.UUID) -> Invitation:
    area = staff_context(request).area
    return get_object_or_404(
        Invitation.objects.select_related("area", "invited_by"), area=area, public_id=public_id
    )
