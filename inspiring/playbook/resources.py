"""Training and resources: every change to a resource or a training record, audited.

A resource is a page (Markdown), a link (a video, a slide deck online) or a file kept in
the row (pdf, pptx, docx, odp, odt, png, jpeg; up to MAX_RESOURCE_BYTES). A file's type
is decided here, from its name and its first bytes (never from what the browser says):
it is served with that type, as an attachment, with nosniff.

A resource with `area` None is shared with every area (site administrators keep it);
one with an area is kept to that area (its coordinators keep it). Resources are edited
with optimistic locking (`version`). Training records say who in an area completed a
training (a resource with `is_training`); they count towards the playbook (rules.py,
Rule.TRAINED).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from inspiring.accounts import audit
from inspiring.areas.models import Area
from lib.actions import ActionRefused

from .models import MAX_RESOURCE_BYTES, Resource, TrainingRecord

STALE = (
    "Someone else changed this resource while you were editing it. Your changes have not "
    "been saved: what you typed is below, beside what is saved now. Check it and save again."
)


@dataclass(frozen=True)
class FileType:
    extension: str
    content_type: str
    label: str
    magic: tuple[bytes, ...]


# The files a resource may hold: the type served is this table's, never the browser's.
_ZIP = (b"PK\x03\x04",)
FILE_TYPES: tuple[FileType, ...] = (
    FileType("pdf", "application/pdf", "PDF", (b"%PDF-",)),
    FileType(
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "PowerPoint",
        _ZIP,
    ),
    FileType(
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word",
        _ZIP,
    ),
    FileType("odp", "application/vnd.oasis.opendocument.presentation", "ODP", _ZIP),
    FileType("odt", "application/vnd.oasis.opendocument.text", "ODT", _ZIP),
    FileType("png", "image/png", "PNG", (b"\x89PNG\r\n\x1a\n",)),
    FileType("jpg", "image/jpeg", "JPEG", (b"\xff\xd8\xff",)),
    FileType("jpeg", "image/jpeg", "JPEG", (b"\xff\xd8\xff",)),
)
BY_EXTENSION = {t.extension: t for t in FILE_TYPES}
ALLOWED_WORDS = "PDF, PowerPoint (PPTX), Word (DOCX), ODP, ODT, PNG or JPEG"
MAX_MB = MAX_RESOURCE_BYTES // (1024 * 1024)
TOO_BIG = f"The file must be smaller than {MAX_MB} MB"
WRONG_TYPE = f"The file must be a {ALLOWED_WORDS}"
NOT_WHAT_IT_SAYS = "The file is not a {label} file, whatever its name says. Choose another file"
EMPTY = "The file is empty"


class FileRefused(ActionRefused):
    """The file cannot be kept (str: why)."""


class StaleResource(ActionRefused):
    """Someone saved the resource since the form was opened."""


class ResourceInUse(ActionRefused):
    """A training with records of who completed it cannot be deleted."""


@dataclass(frozen=True)
class Upload:
    name: str
    content_type: str
    data: bytes


def check_file(name: str, size: int, head: bytes) -> FileType:
    """The file's type, if it may be kept: by its name's extension, confirmed by its
    first bytes. Raises FileRefused with the reason in words."""
    if size > MAX_RESOURCE_BYTES:
        raise FileRefused(TOO_BIG)
    if size == 0:
        raise FileRefused(EMPTY)
    kind = BY_EXTENSION.get(PurePath(name).suffix.lower().lstrip("."))
    if kind is None:
        raise FileRefused(WRONG_TYPE)
    if not head.startswith(kind.magic):
        raise FileRefused(NOT_WHAT_IT_SAYS.format(label=kind.label))
    return kind


def safe_file_name(name: str) -> str:
    """A name to send in Content-Disposition: the base name, plain characters only."""
    base = PurePath(name.replace("\\", "/")).name
    kept = "".join(c if c.isalnum() or c in "-_. " else "-" for c in base).strip(" .")
    return kept[:200] or "resource"


def _attach(resource: Resource, upload: Upload | None, remove_file: bool) -> None:
    if upload is not None:
        resource.file = upload.data
        resource.file_name = safe_file_name(upload.name)
        resource.content_type = upload.content_type
        resource.file_size = len(upload.data)
    elif remove_file:
        resource.file = None
        resource.file_name = ""
        resource.content_type = ""
        resource.file_size = None


def do_create_resource(
    request: HttpRequest, resource: Resource, *, upload: Upload | None = None
) -> Resource:
    with transaction.atomic():
        user = request.user
        resource.created_by = user if user.is_authenticated else None
        resource.version = 1
        _attach(resource, upload, remove_file=False)
        resource.save()
        audit.record(
            request,
            "resource.created",
            resource,
            area=resource.area,
            detail={"shared with every area": resource.area_id is None, "file": bool(upload)},
        )
    return resource


def do_update_resource(
    request: HttpRequest,
    resource: Resource,
    fields: Iterable[str],
    *,
    seen_version: int,
    upload: Upload | None = None,
    remove_file: bool = False,
) -> Resource:
    """Save changes, unless someone else saved the resource since `seen_version`."""
    with transaction.atomic():
        current = Resource.objects.select_for_update().only("version").get(pk=resource.pk)
        if current.version != seen_version:
            raise StaleResource(STALE)
        resource.version = current.version + 1
        _attach(resource, upload, remove_file)
        changed = set(fields) - {"version", "upload", "remove_file"}
        if upload is not None or remove_file:
            changed.add("file")
        resource.save()
        audit.record(
            request,
            "resource.changed",
            resource,
            area=resource.area,
            detail={"fields": sorted(changed)},
        )
    return resource


def do_delete_resource(request: HttpRequest, resource: Resource) -> None:
    with transaction.atomic():
        records = TrainingRecord.objects.filter(resource=resource).count()
        if records:
            raise ResourceInUse(
                f"{resource.title} cannot be deleted: {records:,} "
                f"{'person has' if records == 1 else 'people have'} completed it. "
                "Delete the training records first, or keep it."
            )
        audit.record(
            request,
            "resource.deleted",
            resource,
            area=resource.area,
            detail={"title": resource.title, "shared with every area": resource.area_id is None},
        )
        resource.delete()


# --- Training records -----------------------------------------------------------------


def do_record_training(request: HttpRequest, record: TrainingRecord) -> TrainingRecord:
    with transaction.atomic():
        user = request.user
        record.recorded_by = user if user.is_authenticated else None
        record.save()
        audit.record(
            request,
            "training.recorded",
            record,
            area=record.area,
            detail={
                "training": record.resource.title,
                "completed": str(record.completed_on),
                "audience": record.audience,
            },
        )
    return record


def do_delete_training(request: HttpRequest, record: TrainingRecord) -> None:
    with transaction.atomic():
        audit.record(
            request,
            "training.deleted",
            record,
            area=record.area,
            detail={"training": record.resource.title, "completed": str(record.completed_on)},
        )
        record.delete()


def person_label(record: TrainingRecord) -> str:
    if record.person is not None:
        return record.person.full_name or record.person.email
    return record.person_name


def trainings(area: Area) -> QuerySet[Resource]:
    """The trainings an area's people can complete (its own and the shared ones), each
    with `completed`: how many of the area's people completed it."""
    return (
        Resource.objects.filter(Q(area=area) | Q(area__isnull=True), is_training=True)
        .annotate(completed=Count("completions", filter=Q(completions__area=area)))
        .order_by("audience", "title", "pk")
    )
