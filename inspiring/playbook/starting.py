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

An area covers one local authority district or several (`districts`: the first is
its lead district, `Area.local_authority_code`; the others `AreaDistrict` rows); a
district another area covers is refused, so a postcode finds one programme.

Geography (the districts' postcodes) is reference data: `load_districts` loads their
rows from the postcode, centroid and deprivation files through the areas app's loader;
the `start_area` command calls it, the page says how many are loaded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from inspiring.accounts import audit
from inspiring.accounts.models import AuditEntry, User
from inspiring.areas.loading import LoadReport, load_geography
from inspiring.areas.models import Area, AreaDistrict, Postcode, covered_by, gss_code_validator
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
    slug, districts, lead_organisation, source; "" for the whole) to what is
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
    # Postcodes of the area's districts loaded now (none: load the geography).
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


def postcodes_loaded(districts: Sequence[str]) -> int:
    return Postcode.objects.filter(district_code__in=list(districts)).count()


def district_codes(typed: str | Sequence[str]) -> list[str]:
    """GSS codes as typed ("E07000170, e07000174" or a list) -> upper case, in order,
    each once, blanks dropped."""
    parts = re.split(r"[\s,;]+", typed) if isinstance(typed, str) else list(typed)
    found: list[str] = []
    for part in parts:
        code = part.strip().upper()
        if code and code not in found:
            found.append(code)
    return found


def districts_in_words(area: Area) -> str:
    """ "E07000173 (Gedling)", or "E07000170 (Ashfield) and E07000174 (Mansfield)"."""
    named = [f"{code} ({name})" if name else code for code, name in area.districts_named()]
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]


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
        postcodes=postcodes_loaded(area.district_codes()),
    )


def _where(area: Area) -> str:
    return f"{area.programme_name} (/{area.slug}/)"


def _details(area: Area, districts: list[str]) -> dict[str, str]:
    return {
        "name": area.name,
        "programme_name": area.programme_name,
        "districts": ", ".join(districts),
        "lead_organisation": area.lead_organisation,
    }


def _already(existing: Area, wanted: Area, districts: list[str], source: Area) -> Started:
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
        "districts": "its districts",
        "lead_organisation": "its lead organisation",
    }
    have = _details(existing, existing.district_codes())
    want = _details(wanted, [districts[0], *sorted(districts[1:])] if districts else [])
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
    districts: str | Sequence[str],
    lead_organisation: str,
    source: Area,
    by: User | None,
    request: HttpRequest | None = None,
) -> Started:
    """Start a new area from `source` (see the module's docstring), in one transaction.
    `districts`: GSS codes, the lead district first (a string may list several,
    separated by commas or spaces)."""
    codes = district_codes(districts)
    wanted = Area(
        name=name.strip(),
        programme_name=programme_name.strip(),
        slug=slug.strip().lower(),
        local_authority_code=codes[0] if codes else "",
        lead_organisation=lead_organisation.strip(),
    )
    with transaction.atomic():
        existing = Area.objects.select_for_update().filter(slug=wanted.slug).first()
        if existing is not None:
            return _already(existing, wanted, codes, source)
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
                key = {"__all__": "", "local_authority_code": "districts"}.get(field, field)
                if key != "districts":
                    errors.setdefault(key, []).extend(messages)
        district_errors = _district_errors(codes)
        if district_errors:
            errors["districts"] = district_errors
        if errors:
            raise StartRefused(errors)
        try:
            with transaction.atomic():
                wanted.save()
                AreaDistrict.objects.bulk_create(
                    AreaDistrict(area=wanted, code=code) for code in sorted(codes[1:])
                )
        except IntegrityError as taken:  # started at the same moment by someone else
            raise StartRefused(
                {
                    "slug": [
                        f"An area already has the web address /{wanted.slug}/, or one of "
                        "these districts, since a moment ago. Try again."
                    ]
                }
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
        audit.record(
            request,
            ACTION,
            area,
            area=area,
            actor=by,
            detail={
                "from": source.slug,
                "district": area.local_authority_code,
                "districts": codes,
                "tasks": tasks,
                "barrier_rules": len(rules),
                "survey": str(survey.public_id),
            },
        )
    return summary(
        area,
        source,
        created=True,
        message=(
            f"Started {_where(area)} from {source.name}: {districts_in_words(area)}, "
            f"{tasks:,} playbook tasks, "
            f"{len(rules):,} barrier table rows and a draft community survey."
        ),
    )


def _district_errors(codes: list[str]) -> list[str]:
    """What is wrong with the districts asked for, in words ([]: nothing)."""
    if not codes:
        return ["Enter the district's GSS code"]
    errors: list[str] = []
    for code in codes:
        try:
            gss_code_validator(code)
        except ValidationError as invalid:
            said = " ".join(invalid.messages)
            errors.append(said if len(codes) == 1 else f"“{code}” is not a GSS code. {said}")
            continue
        other = covered_by(code)
        if other is not None:
            errors.append(
                f"{code} is already covered by {other.programme_name} (/{other.slug}/): a "
                "district belongs to one area. Add it to that area's districts instead, or "
                "leave it out."
            )
    return errors


def load_districts(
    districts: Sequence[str],
    *,
    postcodes: list[Path],
    centroids: Path,
    imd: Path,
    population: Path | None,
    progress: Callable[[str], None] = lambda _: None,
) -> LoadReport:
    """The districts' rows from the geography files (the areas app's loader: idempotent,
    one transaction; raises GeographyFileError for a file it cannot read)."""
    return load_geography(
        postcodes=postcodes,
        centroids=centroids,
        imd=imd,
        population=population,
        districts=set(districts),
        progress=progress,
    )
