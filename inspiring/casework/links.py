"""Links on a client's case page that apps built on casework add (matching's suggestions).

Casework cannot import the apps above it; they register here in AppConfig.ready().
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class ClientLink:
    label: str
    url_name: str  # takes the client's public_id
    primary: bool = False  # shown as a button, first


CLIENT_LINKS: list[ClientLink] = []


def register_client_link(link: ClientLink) -> None:
    if all(existing.url_name != link.url_name for existing in CLIENT_LINKS):
        CLIENT_LINKS.append(link)


def links_for(public_id: object) -> list[tuple[str, str, bool]]:
    return [
        (link.label, reverse(link.url_name, kwargs={"public_id": public_id}), link.primary)
        for link in CLIENT_LINKS
    ]
