from __future__ import annotations

from django.urls import path

from .views import audit, auth, home, invitations, team

app_name = "accounts"

urlpatterns = [
    # Signing in and out (public pages, except signing out).
    path("accounts/sign-in/", auth.sign_in, name="login"),
    path("accounts/sign-out/", auth.sign_out, name="logout"),
    path("accounts/two-factor/", auth.two_factor_setup, name="two_factor_setup"),
    path("accounts/two-factor/verify/", auth.two_factor_verify, name="two_factor_verify"),
    path(
        "accounts/two-factor/recovery-codes/",
        auth.renew_recovery_codes,
        name="renew_recovery_codes",
    ),
    path("accounts/password/", auth.change_password, name="password_change"),
    path("accounts/password-reset/", auth.password_reset, name="password_reset"),
    path("accounts/password-reset/sent/", auth.password_reset_done, name="password_reset_done"),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        auth.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "accounts/password-reset/done/",
        auth.password_reset_complete,
        name="password_reset_complete",
    ),
    path("invitations/<str:token>/", invitations.accept, name="invitation"),
    # Staff pages.
    path("staff/", home.staff_home, name="home"),
    path("staff/area/", home.choose_area, name="choose_area"),
    path("staff/account/", home.account, name="account"),
    path("staff/team/", team.team, name="team"),
    path("staff/team/invite/", team.invite, name="invite"),
    path("staff/team/<uuid:public_id>/", team.member, name="member"),
    path("staff/team/<uuid:public_id>/remove/", team.remove_member, name="remove_member"),
    path(
        "staff/team/invitations/<uuid:public_id>/resend/",
        team.resend_invitation,
        name="resend_invitation",
    ),
    path(
        "staff/team/invitations/<uuid:public_id>/withdraw/",
        team.revoke_invitation,
        name="revoke_invitation",
    ),
    path("staff/audit/", audit.audit_trail, name="audit"),
]
