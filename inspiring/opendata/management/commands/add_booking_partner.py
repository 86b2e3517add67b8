"""Let another site book places through the Open Booking API: prints its key, once."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inspiring.opendata.models import BookingPartner
from inspiring.opendata.views_openbooking import key_hash


class Command(BaseCommand):
    help = (
        "Add a booking partner (a site that books places here through OpenActive's Open "
        "Booking API) and print its key, which is shown only this once; --retire NAME "
        "stops a partner's key working."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The partner's name, as its orders will show it")
        parser.add_argument(
            "--retire", action="store_true", help="Stop this partner's keys working instead"
        )

    def handle(self, *args: Any, name: str, retire: bool, **options: Any) -> None:
        name = " ".join(name.split())[:100]
        if not name:
            raise CommandError("Give the partner's name.")
        if retire:
            count = BookingPartner.objects.filter(name=name, active=True).update(active=False)
            if not count:
                raise CommandError(f"No active booking partner is called {name!r}.")
            self.stdout.write(f"{name}: {count} key(s) retired.")
            return
        key = secrets.token_urlsafe(32)
        BookingPartner.objects.create(name=name, key_hash=key_hash(key), key_hint=key[:6])
        self.stdout.write(
            f"Booking partner {name!r} added. Its key (shown only now; send it securely):\n{key}"
        )
