from __future__ import annotations

from django.urls import path

from .views import calendar, confirm, curation, embed, public, spreadsheets, staff, whats_on

app_name = "directory"

urlpatterns = [
    # Public pages of an area.
    path("<slug:slug>/whats-on/", whats_on.whats_on, name="whats_on"),
    path("<slug:slug>/whats-on/widget/", public.widget, name="widget"),
    path("<slug:slug>/whats-on/print/", public.printable, name="print"),
    path("<slug:slug>/calendar.ics", public.area_ics, name="area_ics"),
    path("<slug:slug>/calendar/subscribe/", calendar.subscribe, name="subscribe"),
    path("<slug:slug>/activities/<uuid:public_id>/", public.activity_page, name="activity"),
    path(
        "<slug:slug>/activities/<uuid:public_id>/calendar.ics",
        public.activity_ics,
        name="activity_ics",
    ),
    path(
        "<slug:slug>/sessions/<uuid:public_id>/calendar.ics",
        public.session_ics,
        name="session_ics",
    ),
    path("<slug:slug>/calendar/", calendar.calendar_index, name="calendar"),
    path("<slug:slug>/calendar/<int:year>/<int:month>/", calendar.month, name="month"),
    path("<slug:slug>/calendar/booklet/", calendar.booklet_request, name="booklet_request"),
    path("<slug:slug>/calendar/booklet/<uuid:public_id>/", calendar.booklet, name="booklet"),
    path(
        "<slug:slug>/calendar/booklet/<uuid:public_id>/pdf/",
        calendar.booklet_pdf,
        name="booklet_pdf",
    ),
    # The emailed "is your listing still right?" link (no sign-in).
    path("listings/confirm/<str:token>/", confirm.confirm_listing, name="confirm_listing"),
    # Staff: partners' and coordinators' listings.
    path("staff/listings/", staff.listings, name="staff_listings"),
    path(
        "staff/listings/organisations/new/",
        staff.organisation_create,
        name="staff_organisation_create",
    ),
    path(
        "staff/listings/organisations/<uuid:public_id>/",
        staff.organisation,
        name="staff_organisation",
    ),
    path(
        "staff/listings/organisations/<uuid:public_id>/edit/",
        staff.organisation_edit,
        name="staff_organisation_edit",
    ),
    path(
        "staff/listings/organisations/<uuid:public_id>/venues/new/",
        staff.venue_create,
        name="staff_venue_create",
    ),
    path(
        "staff/listings/organisations/<uuid:public_id>/activities/new/",
        staff.activity_create,
        name="staff_activity_create",
    ),
    path("staff/listings/venues/<uuid:public_id>/edit/", staff.venue_edit, name="staff_venue_edit"),
    path("staff/listings/activities/<uuid:public_id>/", staff.activity, name="staff_activity"),
    path(
        "staff/listings/activities/<uuid:public_id>/edit/",
        staff.activity_edit,
        name="staff_activity_edit",
    ),
    path(
        "staff/listings/activities/<uuid:public_id>/run-again/",
        staff.activity_resume,
        name="staff_activity_resume",
    ),
    path(
        "staff/listings/activities/<uuid:public_id>/withdraw/",
        staff.activity_withdraw,
        name="staff_activity_withdraw",
    ),
    path(
        "staff/listings/activities/<uuid:public_id>/schedules/new/",
        staff.schedule_create,
        name="staff_schedule_create",
    ),
    path(
        "staff/listings/activities/<uuid:public_id>/schedules/<int:schedule_id>/edit/",
        staff.schedule_edit,
        name="staff_schedule_edit",
    ),
    path(
        "staff/listings/activities/<uuid:public_id>/schedules/<int:schedule_id>/delete/",
        staff.schedule_delete,
        name="staff_schedule_delete",
    ),
    path("staff/listings/sessions/<uuid:public_id>/", staff.session_change, name="staff_session"),
    path(
        "staff/listings/sessions/<uuid:public_id>/places/",
        staff.session_places,
        name="staff_session_places",
    ),
    # Staff: the coordinator's CSV import and export.
    path("staff/listings/csv/", spreadsheets.index, name="spreadsheets"),
    path("staff/listings/csv/<slug:kind>/", spreadsheets.upload, name="spreadsheet_upload"),
    path(
        "staff/listings/csv/<slug:kind>/template.csv",
        spreadsheets.template,
        name="spreadsheet_template",
    ),
    path(
        "staff/listings/csv/<slug:kind>/export.csv",
        spreadsheets.export,
        name="spreadsheet_export",
    ),
    path(
        "staff/listings/csv/<slug:kind>/import/",
        spreadsheets.import_rows,
        name="spreadsheet_import",
    ),
    # Staff: the coordinator's curation and planning.
    path("staff/curation/", curation.curation, name="curation"),
    path("staff/curation/review/<uuid:public_id>/", curation.review, name="review"),
    path(
        "staff/curation/reports/<int:report_id>/resolve/",
        curation.resolve_report,
        name="resolve_report",
    ),
    path("staff/planning/", curation.planning, name="planning"),
    # Staff: "Add What's on to your website" (coordinators and partner leads). The same page
    # under two names, so the staff home can show its card to each role (one card a name).
    path("staff/whats-on-on-your-website/", embed.embed, name="embed"),
    path("staff/whats-on-on-your-website/", embed.embed, name="embed_for_partners"),
]
