from __future__ import annotations

from django.urls import path

from . import views_openactive, views_openbooking, views_oruk

app_name = "opendata"

urlpatterns = [
    # Open Referral UK (HSDS 3.0 UK profile).
    path("api/openreferral/", views_oruk.index, name="oruk_index"),
    path("api/openreferral/services", views_oruk.services, name="oruk_services"),
    path("api/openreferral/services/<str:service_id>", views_oruk.service, name="oruk_service"),
    path(
        "api/openreferral/service_at_locations",
        views_oruk.service_at_locations,
        name="oruk_service_at_locations",
    ),
    path(
        "api/openreferral/service_at_locations/<str:item_id>",
        views_oruk.service_at_location,
        name="oruk_service_at_location",
    ),
    path("api/openreferral/taxonomies", views_oruk.taxonomies, name="oruk_taxonomies"),
    path(
        "api/openreferral/taxonomies/<str:taxonomy_id>", views_oruk.taxonomy, name="oruk_taxonomy"
    ),
    path("api/openreferral/taxonomy_terms", views_oruk.taxonomy_terms, name="oruk_taxonomy_terms"),
    path(
        "api/openreferral/taxonomy_terms/<str:term_id>",
        views_oruk.taxonomy_term,
        name="oruk_taxonomy_term",
    ),
    # OpenActive: the dataset page and the RPDE feeds.
    path("api/openactive/", views_openactive.dataset_page, name="openactive_dataset"),
    path("api/openactive/<slug:feed>", views_openactive.feed, name="openactive_feed"),
    # OpenActive's Open Booking API (base URL api/openbooking/), for booking partners
    # with a key; and where a group answers the requests that wait for its approval.
    path("api/openbooking/", views_openbooking.base, name="openbooking_base"),
    path(
        "api/openbooking/order-quote-templates/<uuid:order_uuid>",
        views_openbooking.order_quote_templates,
        name="openbooking_c1",
    ),
    path(
        "api/openbooking/order-quotes/<uuid:order_uuid>",
        views_openbooking.order_quotes,
        name="openbooking_c2",
    ),
    path(
        "api/openbooking/order-proposals/<uuid:order_uuid>",
        views_openbooking.order_proposals,
        name="openbooking_proposals",
    ),
    path(
        "api/openbooking/orders/<uuid:order_uuid>",
        views_openbooking.orders,
        name="openbooking_orders",
    ),
    path(
        "api/openbooking/orders-rpde",
        views_openbooking.orders_feed,
        name="openbooking_orders_feed",
    ),
    path("booking-requests/", views_openbooking.booking_requests, name="booking_requests"),
    path(
        "booking-requests/<uuid:order_uuid>/answer",
        views_openbooking.answer_request,
        name="booking_request_answer",
    ),
]
