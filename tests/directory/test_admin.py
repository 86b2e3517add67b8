"""Administrators edit the category list in the admin site; every change is audited."""

from __future__ import annotations

import pytest
from django.test import Client

from inspiring.accounts.models import AuditEntry
from inspiring.directory.models import Category, SupportFeature
from tests.conftest import sign_in
from tests.personas import Personas

pytestmark = pytest.mark.django_db


def test_an_administrator_renames_a_category_and_it_is_audited(
    client: Client, personas: Personas
) -> None:
    category = Category.objects.get(slug="music")
    sign_in(client, personas.site_admin)
    response = client.post(
        f"/admin/directory/category/{category.pk}/change/",
        {"name": "Music and singing", "slug": "music", "description": "", "order": 2},
    )
    assert response.status_code == 302
    category.refresh_from_db()
    assert category.name == "Music and singing"
    entry = AuditEntry.objects.get(action="admin.changed", object_type="directory.category")
    assert entry.actor == personas.site_admin


def test_support_features_are_a_fixed_list(client: Client, personas: Personas) -> None:
    feature = SupportFeature.objects.get(code="step-free")
    sign_in(client, personas.site_admin)
    assert client.get("/admin/directory/supportfeature/add/").status_code == 403
    response = client.post(f"/admin/directory/supportfeature/{feature.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert SupportFeature.objects.filter(pk=feature.pk).exists()
