"""Training and resources: pages, links and files (size and type refused with clear
errors, files served only to the area's team as attachments), shared resources kept by
site administrators, the audience filter, optimistic locking, audit; training records
(no future dates, counts, the playbook's "trained" rule), and who may do what."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from inspiring.accounts.models import AuditEntry
from inspiring.areas.models import Area
from inspiring.playbook import resources, rules
from inspiring.playbook.models import MAX_RESOURCE_BYTES, Resource, Task, TrainingRecord
from tests.conftest import sign_in
from tests.personas import Personas

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a tiny test file\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20


def make(area: Area | None, title: str, **extra: Any) -> Resource:
    extra.setdefault("audience", Resource.Audience.LINK_WORKERS)
    extra.setdefault("kind", Resource.Kind.GUIDE)
    extra.setdefault("body", "A page.")
    return Resource.objects.create(area=area, title=title, **extra)


def form(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Welcome to link work",
        "audience": "link_workers",
        "kind": "guide",
        "summary": "Your first week.",
        "body": "",
        "url": "",
        "version": "",
    }
    data.update(extra)
    return data


def dates(day: Any) -> dict[str, str]:
    return {
        "completed_on_day": str(day.day),
        "completed_on_month": str(day.month),
        "completed_on_year": str(day.year),
    }


def coordinator(client: Browser, personas: Personas) -> Browser:
    return sign_in(client, personas.coordinator)


# --- Resources ------------------------------------------------------------------------


def test_a_coordinator_adds_a_page_and_everyone_in_the_team_reads_it(
    client: Browser, personas: Personas
) -> None:
    coordinator(client, personas)
    response = client.post(
        reverse("playbook:resource_add"), form(body="# First week\n\nMeet the team.")
    )
    assert response.status_code == 302
    item = Resource.objects.get(title="Welcome to link work")
    assert item.area == personas.ashfield and item.version == 1
    assert item.created_by == personas.coordinator
    assert AuditEntry.objects.filter(action="resource.created", area=personas.ashfield).exists()
    for reader in (personas.link_worker, personas.partner_lead):
        sign_in(client, reader)
        page = client.get(reverse("playbook:resource", args=[item.public_id]))
        assert page.status_code == 200
        assert "<h3>First week</h3>" in page.content.decode()
        assert "Meet the team." in page.content.decode()
        # Readers do not change it.
        assert (
            client.get(reverse("playbook:resource_edit", args=[item.public_id])).status_code == 403
        )


def test_a_link_is_kept_with_https_and_a_resource_needs_a_page_link_or_file(
    client: Browser, personas: Personas
) -> None:
    coordinator(client, personas)
    nothing = client.post(reverse("playbook:resource_add"), form())
    assert nothing.status_code == 200
    assert "Write a page, give a link or choose a file" in nothing.content.decode()
    # What was typed is kept.
    assert "Your first week." in nothing.content.decode()
    response = client.post(
        reverse("playbook:resource_add"),
        form(title="Induction video", kind="video", url="example.org/induction"),
    )
    assert response.status_code == 302
    assert Resource.objects.get(title="Induction video").url == "https://example.org/induction"


def test_a_file_is_kept_in_the_row_and_served_only_to_the_team_as_an_attachment(
    client: Browser, personas: Personas
) -> None:
    coordinator(client, personas)
    upload = SimpleUploadedFile("Slides.pdf", PDF, content_type="text/html")
    response = client.post(
        reverse("playbook:resource_add"), {**form(kind="slides"), "upload": upload}
    )
    assert response.status_code == 302
    item = Resource.objects.get()
    # The type is ours (from the name and the first bytes), never the browser's.
    assert item.content_type == "application/pdf"
    assert item.file_name == "Slides.pdf" and item.file_size == len(PDF)
    sign_in(client, personas.partner_lead)
    served = client.get(reverse("playbook:resource_file", args=[item.public_id]))
    assert served.status_code == 200
    assert served.content == PDF
    assert served["Content-Type"] == "application/pdf"
    assert served["Content-Disposition"] == 'attachment; filename="Slides.pdf"'
    assert served["X-Content-Type-Options"] == "nosniff"
    # Another area's team: 404, as for a resource that does not exist.
    sign_in(client, personas.mansfield_coordinator)
    for name in ("playbook:resource_file", "playbook:resource", "playbook:resource_edit"):
        assert client.get(reverse(name, args=[item.public_id])).status_code == 404
    # Someone in no team at all is refused.
    sign_in(client, personas.no_role)
    assert client.get(reverse("playbook:resource_file", args=[item.public_id])).status_code == 403


def test_a_file_too_big_or_of_the_wrong_type_is_refused_with_a_clear_error(
    client: Browser, personas: Personas
) -> None:
    coordinator(client, personas)
    cases = [
        (
            SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * MAX_RESOURCE_BYTES),
            "The file must be smaller than 10 MB",
        ),
        (SimpleUploadedFile("run.exe", b"MZ\x90\x00"), "The file must be a PDF, PowerPoint"),
        (
            SimpleUploadedFile("page.pdf", b"<html><script>alert(1)</script>"),
            "The file is not a PDF file, whatever its name says",
        ),
        (SimpleUploadedFile("empty.png", b""), "The file is empty"),
    ]
    for upload, message in cases:
        response = client.post(reverse("playbook:resource_add"), {**form(), "upload": upload})
        assert response.status_code == 200, upload.name
        assert message in response.content.decode(), upload.name
        assert "Welcome to link work" in response.content.decode()
    assert not Resource.objects.exists()
    ok = SimpleUploadedFile("map.PNG", PNG)
    assert (
        client.post(reverse("playbook:resource_add"), {**form(), "upload": ok}).status_code == 302
    )
    assert Resource.objects.get().content_type == "image/png"


def test_check_file_decides_by_name_and_first_bytes() -> None:
    assert resources.check_file("deck.pptx", 10, b"PK\x03\x04rest").extension == "pptx"
    assert resources.check_file("photo.jpeg", 10, b"\xff\xd8\xff\xe0").content_type == (
        "image/jpeg"
    )
    with pytest.raises(resources.FileRefused, match="must be a"):
        resources.check_file("notes.txt", 10, b"hello")
    with pytest.raises(resources.FileRefused, match="not a Word file"):
        resources.check_file("letter.docx", 10, b"%PDF-")
    assert resources.safe_file_name('..\\evil"name<>.pdf') == "evil-name--.pdf"


def test_shared_resources_are_read_by_every_area_and_kept_by_site_administrators(
    client: Browser, personas: Personas
) -> None:
    shared = make(None, "Coordinator's handbook", audience=Resource.Audience.COORDINATORS)
    for user in (personas.coordinator, personas.mansfield_coordinator, personas.link_worker):
        sign_in(client, user)
        assert client.get(reverse("playbook:resource", args=[shared.public_id])).status_code == 200
        assert (
            "Coordinator&#x27;s handbook"
            in client.get(reverse("playbook:resources")).content.decode()
        )
    # A coordinator does not change or delete what every area shares.
    sign_in(client, personas.coordinator)
    assert client.get(reverse("playbook:resource_edit", args=[shared.public_id])).status_code == 404
    assert (
        client.post(reverse("playbook:resource_delete", args=[shared.public_id])).status_code == 404
    )
    # A site administrator does, and chooses whether a new one is shared.
    sign_in(client, personas.site_admin, area=personas.ashfield)
    response = client.post(
        reverse("playbook:resource_edit", args=[shared.public_id]),
        form(title="Coordinators' handbook", body="Updated.", shared="on", version="1"),
    )
    assert response.status_code == 302
    shared.refresh_from_db()
    assert shared.title == "Coordinators' handbook" and shared.area is None
    assert shared.version == 2
    client.post(reverse("playbook:resource_add"), form(title="For everyone", body="x", shared="on"))
    assert Resource.objects.get(title="For everyone").area is None
    client.post(reverse("playbook:resource_add"), form(title="Ashfield's own", body="x"))
    assert Resource.objects.get(title="Ashfield's own").area == personas.ashfield


def test_the_audience_filter_and_the_empty_states(client: Browser, personas: Personas) -> None:
    coordinator(client, personas)
    empty = client.get(reverse("playbook:resources")).content.decode()
    assert "There are no resources for Ashfield yet" in empty
    make(personas.ashfield, "Link work guide", audience=Resource.Audience.LINK_WORKERS)
    make(personas.ashfield, "Partner welcome", audience=Resource.Audience.PARTNERS)
    make(personas.mansfield, "Mansfield's secret", audience=Resource.Audience.PARTNERS)
    everything = client.get(reverse("playbook:resources")).content.decode()
    assert "Link work guide" in everything and "Partner welcome" in everything
    assert "Mansfield&#x27;s secret" not in everything
    partners = client.get(reverse("playbook:resources"), {"audience": "partners"}).content.decode()
    assert "Partner welcome" in partners and "Link work guide" not in partners
    none = client.get(reverse("playbook:resources"), {"audience": "coordinators"}).content.decode()
    assert "No resources are for" in none
    assert client.get(reverse("playbook:resources"), {"audience": "nobody"}).status_code == 400


def test_a_change_saved_meanwhile_is_not_overwritten(client: Browser, personas: Personas) -> None:
    item = make(personas.ashfield, "Guide")
    coordinator(client, personas)
    url = reverse("playbook:resource_edit", args=[item.public_id])
    assert (
        client.post(url, form(title="Guide, first change", body="x", version="1")).status_code
        == 302
    )
    stale = client.post(url, form(title="Guide, second change", body="y", version="1"))
    assert stale.status_code == 200
    page = stale.content.decode()
    assert "Someone else changed this resource" in page
    assert "Guide, second change" in page  # what they typed, kept
    item.refresh_from_db()
    assert item.title == "Guide, first change" and item.version == 2
    # Saving again (the page carries the version now saved) goes through.
    assert (
        client.post(url, form(title="Guide, second change", body="y", version="2")).status_code
        == 302
    )
    assert AuditEntry.objects.filter(action="resource.changed").count() == 2


def test_a_file_is_replaced_or_removed(client: Browser, personas: Personas) -> None:
    coordinator(client, personas)
    client.post(
        reverse("playbook:resource_add"),
        {**form(body="x"), "upload": SimpleUploadedFile("a.pdf", PDF)},
    )
    item = Resource.objects.get()
    url = reverse("playbook:resource_edit", args=[item.public_id])
    client.post(url, {**form(body="x", version="1"), "upload": SimpleUploadedFile("b.png", PNG)})
    item.refresh_from_db()
    assert item.file_name == "b.png" and bytes(item.file or b"") == PNG
    client.post(url, form(body="x", version="2", remove_file="on"))
    item.refresh_from_db()
    assert item.file is None and item.file_name == ""
    assert client.get(reverse("playbook:resource_file", args=[item.public_id])).status_code == 404


def test_deleting_a_resource_asks_first_and_a_training_with_records_is_kept(
    client: Browser, personas: Personas
) -> None:
    guide = make(personas.ashfield, "Guide")
    course = make(personas.ashfield, "Course", is_training=True)
    TrainingRecord.objects.create(
        area=personas.ashfield,
        resource=course,
        person_name="Sam",
        audience="partners",
        completed_on=timezone.localdate(),
    )
    coordinator(client, personas)
    ask = client.get(reverse("playbook:resource_delete", args=[guide.public_id]))
    assert "Are you sure you want to delete Guide?" in ask.content.decode()
    assert (
        client.post(reverse("playbook:resource_delete", args=[guide.public_id])).status_code == 302
    )
    assert not Resource.objects.filter(pk=guide.pk).exists()
    assert AuditEntry.objects.filter(action="resource.deleted").exists()
    kept = client.post(reverse("playbook:resource_delete", args=[course.public_id]))
    assert kept.status_code == 409
    assert "1 person has completed it" in kept.content.decode()
    assert Resource.objects.filter(pk=course.pk).exists()


def test_a_link_worker_reads_but_does_not_manage(client: Browser, personas: Personas) -> None:
    item = make(personas.ashfield, "Guide")
    sign_in(client, personas.link_worker)
    assert client.get(reverse("playbook:resources")).status_code == 200
    for name in ("playbook:resource_add", "playbook:training", "playbook:training_add"):
        assert client.get(reverse(name)).status_code == 403, name
    assert (
        client.post(reverse("playbook:resource_delete", args=[item.public_id])).status_code == 403
    )


# --- Training records -----------------------------------------------------------------


def test_recording_training_counts_towards_the_playbook(
    client: Browser, personas: Personas
) -> None:
    course = make(None, "Link worker induction", is_training=True)
    make(personas.ashfield, "Not a course")
    coordinator(client, personas)
    today = timezone.localdate()
    by_person = client.post(
        reverse("playbook:training_add"),
        {
            "resource": course.pk,
            "person": personas.link_worker.pk,
            "person_name": "",
            "audience": "link_workers",
            **dates(today),
        },
    )
    assert by_person.status_code == 302
    by_name = client.post(
        reverse("playbook:training_add"),
        {
            "resource": course.pk,
            "person_name": "Sam Volunteer",
            "audience": "partners",
            **dates(today),
        },
    )
    assert by_name.status_code == 302
    assert rules.count(personas.ashfield, Task.Rule.TRAINED) == 2
    assert rules.count(personas.mansfield, Task.Rule.TRAINED) == 0
    assert (
        AuditEntry.objects.filter(action="training.recorded", area=personas.ashfield).count() == 2
    )
    page = client.get(reverse("playbook:training")).content.decode()
    assert "Completed by 2 people in Ashfield" in page
    assert "Liam Walsh" in page and "Sam Volunteer" in page
    assert "Not a course" not in page
    listed = list(resources.trainings(personas.ashfield))
    counted = [(c.title, c.completed) for c in listed]  # type: ignore[attr-defined]
    assert counted == [("Link worker induction", 2)]


def test_a_training_record_is_refused_with_clear_errors_keeping_what_was_typed(
    client: Browser, personas: Personas
) -> None:
    course = make(personas.ashfield, "Course", is_training=True)
    other = make(personas.mansfield, "Mansfield course", is_training=True)
    coordinator(client, personas)
    tomorrow = timezone.localdate() + timedelta(days=1)
    future = client.post(
        reverse("playbook:training_add"),
        {
            "resource": course.pk,
            "person_name": "Sam Volunteer",
            "audience": "partners",
            **dates(tomorrow),
        },
    )
    page = future.content.decode()
    assert future.status_code == 200
    assert "The date completed must be today or in the past" in page
    assert 'value="Sam Volunteer"' in page
    nobody = client.post(
        reverse("playbook:training_add"),
        {"resource": course.pk, "audience": "partners", **dates(timezone.localdate())},
    )
    assert "Choose a member of the team, or enter the name" in nobody.content.decode()
    both = client.post(
        reverse("playbook:training_add"),
        {
            "resource": course.pk,
            "person": personas.link_worker.pk,
            "person_name": "Sam",
            "audience": "partners",
            **dates(timezone.localdate()),
        },
    )
    assert "not both" in both.content.decode()
    # Another area's training, or someone outside the team: not on the lists.
    elsewhere = client.post(
        reverse("playbook:training_add"),
        {
            "resource": other.pk,
            "person": personas.mansfield_coordinator.pk,
            "audience": "partners",
            **dates(timezone.localdate()),
        },
    )
    text = elsewhere.content.decode()
    assert "Choose a training from the list" in text
    assert "Choose someone from the team" in text
    assert not TrainingRecord.objects.exists()


def test_deleting_a_training_record_asks_first_and_another_areas_is_404(
    client: Browser, personas: Personas
) -> None:
    course = make(None, "Course", is_training=True)
    ours = TrainingRecord.objects.create(
        area=personas.ashfield,
        resource=course,
        person_name="Sam",
        audience="partners",
        completed_on=timezone.localdate(),
    )
    theirs = TrainingRecord.objects.create(
        area=personas.mansfield,
        resource=course,
        person_name="Jo",
        audience="partners",
        completed_on=timezone.localdate(),
    )
    coordinator(client, personas)
    assert (
        client.get(reverse("playbook:training_delete", args=[theirs.public_id])).status_code == 404
    )
    assert (
        client.post(reverse("playbook:training_delete", args=[theirs.public_id])).status_code == 404
    )
    ask = client.get(reverse("playbook:training_delete", args=[ours.public_id]))
    assert "Are you sure you want to delete this record?" in ask.content.decode()
    assert (
        client.post(reverse("playbook:training_delete", args=[ours.public_id])).status_code == 302
    )
    assert list(TrainingRecord.objects.all()) == [theirs]
    assert AuditEntry.objects.filter(action="training.deleted", area=personas.ashfield).exists()
    assert rules.count(personas.ashfield, Task.Rule.TRAINED) == 0


def test_the_demos_playbook_content_is_loaded_once(personas: Personas) -> None:
    from inspiring.demo.playbook import HANDBOOK, INDUCTION, load_demo_playbook
    from inspiring.playbook.models import ShareProposal

    areas = {
        "ashfield": personas.ashfield,
        "mansfield": personas.mansfield,
        "newark-and-sherwood": personas.newark,
    }
    assert load_demo_playbook(areas) > 0
    assert Resource.objects.filter(area=None, title__in=[INDUCTION, HANDBOOK]).count() == 2
    assert Resource.objects.filter(area=None).count() == 3
    # The personas are not the demo's accounts: only the named people are recorded.
    assert rules.count(personas.ashfield, Task.Rule.TRAINED) == 1
    assert rules.count(personas.newark, Task.Rule.TRAINED) == 1
    accepted = ShareProposal.objects.get(status=ShareProposal.Status.ACCEPTED)
    assert (accepted.asking, accepted.offering) == (personas.mansfield, personas.ashfield)
    waiting = ShareProposal.objects.get(status=ShareProposal.Status.PROPOSED)
    assert (waiting.asking, waiting.offering) == (personas.newark, personas.ashfield)
    assert personas.ashfield.shares_with.filter(pk=personas.mansfield.pk).exists()
    before = (Resource.objects.count(), TrainingRecord.objects.count())
    assert load_demo_playbook(areas) == 0
    assert (Resource.objects.count(), TrainingRecord.objects.count()) == before
    assert ShareProposal.objects.count() == 2
