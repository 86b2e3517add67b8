"""The demo's GP practices: the invented files in data/gp/ (in the NHS's real layouts),
loaded the way a deployment loads the real ones, and the demo clients registered with
the practices of their area."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import transaction

from inspiring.areas.figures import practices
from inspiring.areas.models import Area, GPPractice
from inspiring.areas.practices import load_gp_practices
from inspiring.casework import facts
from inspiring.casework.models import Client, Referral

# Every so many clients keep the practice typed by hand (one not in the list), or have
# none recorded, as real caseloads do.
TYPED_EVERY = 7
NONE_EVERY = 11


def data_dir() -> Path:
    return Path(settings.BASE_DIR) / "data" / "gp"


def load_demo_practices() -> int:
    """Load (or refresh) the demo practices; returns how many were created. Run after
    load_geography, so each practice's postcode finds its district."""
    files = data_dir()
    report = load_gp_practices(
        epraccur=files / "epraccur_demo.csv",
        pcns=files / "epcn_demo.csv",
        list_sizes=files / "gp_registered_patients_demo.csv",
    )
    return report.created


def register_demo_clients(area: Area) -> int:
    """Register the area's demo clients with its practices, in turn, once: most get a
    practice from the list; every TYPED_EVERY-th keeps the name typed by hand and every
    NONE_EVERY-th has none. Returns how many were registered."""
    listed = {p.code for p in practices([area.pk])}
    clients = Client.objects.filter(area=area)
    if not listed or clients.filter(registered_practice__isnull=False).exists():
        return 0
    by_code = {p.code: p for p in GPPractice.objects.filter(code__in=listed)}
    order = sorted(by_code)
    changed: list[Client] = []
    registered = 0
    with transaction.atomic():
        for index, client in enumerate(clients.order_by("pk")):
            if index % TYPED_EVERY == TYPED_EVERY - 1:
                continue
            if index % NONE_EVERY == NONE_EVERY - 1:
                client.gp_practice = ""
            else:
                practice = by_code[order[index % len(order)]]
                # Their referral came from their own practice, where a practice sent it.
                Referral.objects.filter(
                    client=client, referrer_organisation=client.gp_practice
                ).update(referrer_organisation=practice.name)
                client.registered_practice, client.gp_practice = practice, practice.name
                registered += 1
            changed.append(client)
        Client.objects.bulk_update(changed, ["registered_practice", "gp_practice"])
        facts.refresh(client.pk for client in changed)  # bulk_update sends no signal
    return registered
