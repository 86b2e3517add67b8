"""Sign-in events go to the audit log (who, when, from where); a sign-in starts the
session's absolute lifetime."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from . import audit
from .middleware import record_sign_in_time
from .models import User, normalise_email


@receiver(user_logged_in)
def signed_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        record_sign_in_time(request)
    audit.record(request, "auth.signed_in", user, actor=user)


@receiver(user_logged_out)
def signed_out(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit.record(request, "auth.signed_out", user, actor=user)


@receiver(user_login_failed)
def sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # The credentials Django passes have the password already masked; keep only the email.
    email = normalise_email(str(credentials.get("username") or credentials.get("email") or ""))
    audit.record(request, "auth.sign_in_failed", detail={"email": email[:254]})


@receiver(user_locked_out)
def locked_out(
    sender: Any, request: HttpRequest | None, username: str | None = None, **kwargs: Any
) -> None:
    audit.record(request, "auth.locked_out", detail={"email": normalise_email(username or "")})
