"""Signing in and out, and two-factor authentication (TOTP with recovery codes)."""

from __future__ import annotations

import time
from base64 import b32encode
from typing import Any
from urllib.parse import urlsplit

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from lib.http import posted

from .. import audit
from ..access import acting_user, has_authenticator, is_verified
from ..actions import do_pair_authenticator, do_renew_recovery_codes
from ..forms import CodeForm, SignInForm, VerifyCodeForm
from ..middleware import two_factor_exempt
from ..models import User


def _next_url(request: HttpRequest, default: str = "accounts:home") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(default)


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "accounts/sign_in.html"
    redirect_authenticated_user = True


sign_in = login_not_required(SignInView.as_view())
sign_out = two_factor_exempt(auth_views.LogoutView.as_view())


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def _grouped(secret: bytes) -> str:
    text = b32encode(secret).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


# The key of the authenticator app being paired: kept in the session, never saved,
# until a code proves the app has it. Opening the page writes nothing, and
# reopening it shows the same key (the app may already have scanned it).
SESSION_PAIRING_KEY = "inspiring_totp_pairing_key"


def _pairing_device(request: HttpRequest, user: User) -> TOTPDevice:
    """The (unsaved) authenticator device this session is pairing."""
    key = request.session.get(SESSION_PAIRING_KEY)
    if not isinstance(key, str) or not key:
        key = default_key()
        request.session[SESSION_PAIRING_KEY] = key
    return TOTPDevice(user=user, name="Authenticator app", key=key, confirmed=False)


def _code_matches(device: TOTPDevice, code: str) -> bool:
    """Whether `code` is the app's current code, without saving anything.

    TOTPDevice.verify_token saves the device even for a wrong code (to throttle
    guessing), which would store a half-paired device. There is nothing to guess
    here: whoever sees this page sees the key. On a match the device remembers
    the code's time step, so the same code cannot sign in again.
    """
    if not code.isdigit():
        return False
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if not totp.verify(int(code), device.tolerance, device.last_t + 1):
        return False
    device.last_t = totp.t()
    device.drift = totp.drift
    return True


@two_factor_exempt
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Pair an authenticator app: scan the QR code (or type the key), enter a code."""
    user = acting_user(request)
    # Someone with a device (even recovery codes alone, after an administrator
    # reset their app) proves it before pairing a new app.
    if user_has_device(user, confirmed=True) and not is_verified(request):
        return redirect(_with_next("accounts:two_factor_verify", _next_url(request)))
    if has_authenticator(user):
        messages.info(request, "Two-factor authentication is already set up for your account.")
        return redirect("accounts:account")
    device = _pairing_device(request, user)
    form = CodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        if _code_matches(device, form.cleaned_data["code"]):
            codes = do_pair_authenticator(request, user, device)
            del request.session[SESSION_PAIRING_KEY]
            otp_login(request, device)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": _next_url(request), "first_time": True},
            )
        form.add_error(
            "code",
            "The code is not right. Check the app is set up with this key, then enter the code "
            "it shows now",
        )
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": qr.svg_inline(scale=4, title="QR code for your authenticator app"),
            "secret": _grouped(device.bin_key),
            "next": _next_url(request),
        },
    )


@two_factor_exempt
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Second step of signing in: a code from the app, or a recovery code."""
    user = acting_user(request)
    if is_verified(request):
        return redirect(_next_url(request))
    if not user_has_device(user, confirmed=True):
        return redirect(_with_next("accounts:two_factor_setup", _next_url(request)))
    form = VerifyCodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        totp = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        allowed, _ = totp.verify_is_allowed() if totp else (True, None)
        device = match_token(user, form.cleaned_data["code"]) if allowed else None
        if device is not None:
            otp_login(request, device)
            is_recovery = isinstance(device, StaticDevice)
            audit.record(
                request,
                "auth.recovery_code_used" if is_recovery else "auth.two_factor_verified",
                user,
            )
            if is_recovery:
                left = StaticToken.objects.filter(device=device).count()
                messages.warning(
                    request,
                    f"You signed in with a recovery code. You have {left} left: make new ones "
                    "from your account page if you are running out.",
                )
            return redirect(_next_url(request))
        audit.record(request, "auth.two_factor_failed", user)
        if not allowed:
            form.add_error(
                "code", "Too many wrong codes in a row. Wait a minute, then enter the new code."
            )
        else:
            form.add_error(
                "code", "The code is not right. Enter the code your authenticator app shows now"
            )
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


@require_POST
def renew_recovery_codes(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if not user_has_device(user, confirmed=True):
        return redirect("accounts:two_factor_setup")
    codes = do_renew_recovery_codes(request, user)
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "next": reverse("accounts:account"), "first_time": False},
    )


class ChangePasswordView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")
    form_class = PasswordChangeForm

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        audit.record(self.request, "auth.password_changed", form.user)
        messages.success(self.request, "Your password has been changed.")
        return response


change_password = ChangePasswordView.as_view()


class ResetPasswordConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit.record(self.request, "auth.password_reset", form.user, actor=form.user)
        return response


class ResetPasswordView(auth_views.PasswordResetView):
    """Email a reset link built from SITE_URL, like every emailed link.

    Django builds it from the request's Host header, which whoever asks for the
    reset chooses: a forged one would send the victim a link (and, when they
    follow it, their reset token) to the asker's own site.
    """

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        self.domain_override = urlsplit(settings.SITE_URL).netloc
        self.extra_email_context = {"site_url": settings.SITE_URL}
        return super().form_valid(form)


password_reset = method_decorator(login_not_required, name="dispatch")(ResetPasswordView).as_view(
    template_name="accounts/password_reset.html",
    email_template_name="accounts/email/password_reset.txt",
    subject_template_name="accounts/email/password_reset_subject.txt",
    success_url=reverse_lazy("accounts:password_reset_done"),
)
password_reset_done = login_not_required(
    auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
)
password_reset_confirm = login_not_required(ResetPasswordConfirmView.as_view())
password_reset_complete = login_not_required(
    auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/password_reset_complete.html"
    )
)
