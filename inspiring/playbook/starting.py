"""Starting a new area from another: the one way it is done (the page, the command and
the demo all call `start_area`).

A new area copies from the area it starts from what makes the programme work there,
never anyone or anything of that area's own:

- copied: the playbook's stages and tasks (their words, evidence, rules and targets;
  never owners, due dates or what is done: `defaults.copy_stages`), and the matching
  table of which support features answer which barrier (`matching.BarrierRule`);
- made new: a draft community survey in the template's shape (`surveys`' own action),
  ready to open;
- site-wide already, so nothing to copy: the directory's categories and support
  features, the instrument library (measures), the wording of emails and texts, and
  the site's look;
- never: partners, venues, activities, clients, referrals, surveys' responses, the
  team (memberships, invitations) or anyone's account.

Idempotent: starting again with the same web address and the same details changes
nothing and says so (`Started.created` is False); the same web address with other
details, or another area to start from, is refused with a reason.

Geography (the district's postcodes) is reference data: `load_district` loads a
district's rows from the postcode, centroid and deprivation files through the areas
app's loader; the `start_area` command calls it, the page says how many are loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from inspiring.accounts import audit
from inspiring.accounts.models import AuditEntry, User
from inspiring.areas.loading import LoadReport, load_geography
from inspiring.areas.models import Area, District, Postcode
from inspiring.matching.models import BarrierRule
from inspiring.surveys.actions import do_create_from_template
from inspiring.surveys.models import Survey
from lib.actions import ActionRefused

from . import defaults
from .models import Stage, Task

ACTION = "area.started"

# What every area shares already (said on the page and by the command).
SITE_WIDE = (
    "The directory's categories and support features",
    "The instrument library (wellbeing and loneliness measures, and any custom ones)",
    "The wording of emails and texts to clients and partners",
    "The site's look (NHS.UK design)",
)
NEVER_COPIED = "partners, venues, activities, clients, referrals, survey responses or people"

INSPIRING = "Inspiring "


class StartRefused(ActionRefused):
    """The area cannot be started as asked. `errors` maps a field (name, programme_name,
    slug, local_authority_code, lead_organisation, source; "" for the whole) to what is
    wrong with it, in words."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__(" ".join(m for messages in errors.values() for m in messages))


@dataclass(frozen=True)
class Started:
    area: Area
    source: Area
    created: bool
    # In words: "Started Inspiring Gedling (/gedling/) from Ashfield." or "Nothing
    # changed: Inspiring Gedling (/gedling/) was already started from Ashfield."
    message: str
    stages: int
    tasks: int
    # The barrier table's rows (0: the area uses the default table, as its source did).
    barrier_rules: int
    survey: Survey | None
    # Postcodes of the area's district loaded now (none: load the geography).
    postcodes: int


def area_name_from(programme_name: str) -> str:
    """ "Inspiring Gedling" -> "Gedling" (the command's --name is the programme's)."""
    name = programme_name.strip()
    if name.lower().startswith(INSPIRING.lower()) and len(name) > len(INSPIRING):
        return name[len(INSPIRING) :].strip()
    return name


def started_from(area: Area) -> Area | None:
    """The area `area` was started from (its "area.started" entry), if it was."""
    entry = (
        AuditEntry.objects.filter(action=ACTION, area=area).order_by("-pk").only("detail").first()
    )
    if entry is None:
        return None
    return Area.objects.filter(slug=entry.detail.get("from", "")).first()


def postcodes_loaded(district: str) -> int:
    return Postcode.objects.filter(district_code=district).count()


def summary(area: Area, source: Area, *, created: bool, message: str) -> Started:
    """What the area has now of what starting gave it."""
    return Started(
        area=area,
        source=source,
        created=created,
        message=message,
        stages=Stage.objects.filter(area=area).count(),
        tasks=Task.objects.filter(stage__area=area).count(),
        barrier_rules=BarrierRule.objects.filter(area=area).count(),
        survey=Survey.objects.filter(area=area).order_by("-pk").first(),
        postcodes=postcodes_loaded(area.local_authority_code),
    )


def _where(area: Area) -> str:
    return f"{area.programme_name} (/{area.slug}/)"


def _details(area: Area) -> dict[str, str]:
    return {
        "name": area.name,
        "programme_name": area.programme_name,
        "local_authority_code": area.local_authority_code,
        "lead_organisation": area.lead_organisation,
    }


def _already(existing: Area, wanted: Area, source: Area) -> Started:
    """The same web address again: nothing to do if it is the same start, else refused."""
    was_from = started_from(existing)
    if was_from is None:
        raise StartRefused(
            {
                "slug": [
                    f"An area already has the web address /{existing.slug}/ "
                    f"({existing.programme_name}), and was not started from another area. "
                    "Choose another web address."
                ]
            }
        )
    if was_from.pk != source.pk:
        raise StartRefused(
            {"source": [f"{_where(existing)} was started from {was_from.name}, not {source.name}."]}
        )
    labels = {
        "name": "its name",
        "programme_name": "its programme name",
        "local_authority_code": "its district",
        "lead_organisation": "its lead organisation",
    }
    have, want = _details(existing), _details(wanted)
    differ = [field for field in have if have[field] != want[field]]
    if differ:
        raise StartRefused(
            {
                field: [
                    f"{_where(existing)} was already started with {labels[field]} "
                    f"“{have[field]}”, not “{want[field]}”. Change it in the site "
                    "administration, or choose another web address for a new area."
                ]
                for field in differ
            }
        )
    return summary(
        existing,
        source,
        created=False,
        message=f"Nothing changed: {_where(existing)} was already started from {source.name}.",
    )


def start_area(
    *,
    name: str,
    programme_name: str,
    slug: str,
    district: str,
    lead_organisation: str,
    source: Area,
    by: User | None,
    request: HttpRequest | None = None,
) -> Started:
    """Start a new area from `source` (see the module's docstring), in one transaction."""
    wanted = Area(
        name=name.strip(),
        programme_name=programme_name.strip(),
        slug=slug.strip().lower(),
        local_authority_code=district.strip().upper(),
        lead_organisation=lead_organisation.strip(),
    )
    with transaction.atomic():
        existing = Area.objects.select_for_update().filter(slug=wanted.slug).first()
        if existing is not None:
            return _already(existing, wanted, source)
        if source.pk is None or not Area.objects.filter(pk=source.pk).exists():
            raise StartRefused({"source": ["Choose an area to start from."]})
        errors: dict[str, list[str]] = {}
        same_name = Area.objects.filter(name__iexact=wanted.name).first()
        if wanted.name and same_name is not None:
            errors["name"] = [
                f"An area is already called {same_name.name} (/{same_name.slug}/). "
                "Choose another name."
            ]
        try:
            wanted.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as invalid:
            for field, messages in invalid.message_dict.items():
                key = "" if field == "__all__" else field
                errors.setdefault(key, []).extend(messages)
        if errors:
            raise StartRefused(errors)
        try:
            with transaction.atomic():
                wanted.save()
        except IntegrityError as taken:  # started at the same moment by someone else
            raise StartRefused(
                {"slug": [f"An area already has the web address /{wanted.slug}/."]}
            ) from taken
        area = wanted

        defaults.ensure_stages(source)
        tasks = defaults.copy_stages(source, area)
        rules = [
            BarrierRule(area=area, barrier=rule.barrier, feature=rule.feature)
            for rule in BarrierRule.objects.filter(area=source).order_by("barrier", "feature")
        ]
        BarrierRule.objects.bulk_create(rules)
        survey = do_create_from_template(request, area, by=by)
        known = District.objects.filter(code=area.local_authority_code).first()
        audit.record(
            request,
            ACTION,
            area,
            area=area,
            actor=by,
            detail={
                "from": source.slug,
                "district": area.local_authority_code,
                "tasks": tasks,
                "barrier_rules": len(rules),
                "survey": str(survey.public_id),
            },
        )
    district_words = f" ({known.name})" if known is not None else ""
    return summary(
        area,
        source,
        created=True,
        message=(
            f"Started {_where(area)} from {source.name}: {area.local_authority_code}"
            f"{district_words}, {tasks:,} playbook tasks, "
            f"{len(rules):,} barrier table rows and a draft community survey."
        ),
    )


def load_district(
    district: str,
    *,
    postcodes: list[Path],
    centroids: Path,
    imd: Path,
    population: Path | None,
    progress: Callable[[str], None] = lambda _: None,
) -> LoadReport:
    """The district's rows from the geography files (the areas app's loader: idempotent,
    one transaction; raises GeographyFileError for a file it cannot read)."""
    return load_geography(
        postcodes=postcodes,
        centroids=centroids,
        imd=imd,
        population=population,
        districts={district},
        progress=progress,
    )
