"""The demo site's areas and people: one sign-in per role, printed by `make run`."""

from __future__ import annotations

from dataclasses import dataclass

from inspiring.accounts.roles import Role


@dataclass(frozen=True)
class DemoArea:
    slug: str
    name: str
    programme_name: str
    local_authority_code: str
    lead_organisation: str
    summary: str
    contact_email: str
    # Ofcom's numbers for drama (0115 496 0000 to 0999): never anyone's real line.
    contact_phone: str
    shares_with: tuple[str, ...]


DEMO_AREAS: tuple[DemoArea, ...] = (
    DemoArea(
        slug="ashfield",
        name="Ashfield",
        programme_name="Inspiring Ashfield",
        local_authority_code="E07000170",
        lead_organisation="Ashfield Voluntary Action",
        summary=(
            "A year-round calendar of arts, sport, culture and community activities in "
            "Sutton-in-Ashfield, Kirkby-in-Ashfield, Hucknall and the villages, with support "
            "from social prescribing link workers to help you take part."
        ),
        contact_email="hello@ashfield.example.org",
        contact_phone="0115 496 0100",
        shares_with=("mansfield",),
    ),
    DemoArea(
        slug="mansfield",
        name="Mansfield",
        programme_name="Inspiring Mansfield",
        local_authority_code="E07000174",
        lead_organisation="Mansfield Community and Voluntary Service",
        summary=(
            "Local groups across Mansfield, Mansfield Woodhouse, Warsop and Rainworth, brought "
            "together in one calendar so you can find something you will enjoy."
        ),
        contact_email="hello@mansfield.example.org",
        contact_phone="0115 496 0200",
        shares_with=("ashfield", "newark-and-sherwood"),
    ),
    DemoArea(
        slug="newark-and-sherwood",
        name="Newark and Sherwood",
        programme_name="Inspiring Newark and Sherwood",
        local_authority_code="E07000175",
        lead_organisation="Newark and Sherwood Community and Voluntary Service",
        summary=(
            "Activities in Newark, Ollerton, Southwell, Clipstone and the Sherwood villages, "
            "for everyone who wants to meet people and try something new."
        ),
        contact_email="hello@newark.example.org",
        contact_phone="0115 496 0300",
        shares_with=("mansfield",),
    ),
)


@dataclass(frozen=True)
class DemoNewArea:
    """An area the demo starts from another with the playbook's `start_area`, as a site
    administrator would: no partners, activities or clients yet (its playbook is at
    scoping), its district's postcodes in the shipped geography."""

    slug: str
    name: str
    programme_name: str
    local_authority_code: str
    lead_organisation: str
    started_from: str


DEMO_NEW_AREAS: tuple[DemoNewArea, ...] = (
    DemoNewArea(
        slug="gedling",
        name="Gedling",
        programme_name="Inspiring Gedling",
        local_authority_code="E07000173",
        lead_organisation="Gedling Council for Voluntary Service",
        started_from="ashfield",
    ),
)

_AREA_NAMES = {area.slug: area.name for area in DEMO_AREAS} | {
    area.slug: area.name for area in DEMO_NEW_AREAS
}

# A demo site only (load_demo refuses to run otherwise). Long enough for the
# password rules, easy to type.
DEMO_PASSWORD = "inspiring-demo-2026"  # noqa: S105


@dataclass(frozen=True)
class DemoAccount:
    email: str
    full_name: str
    # (area slug, role) for each membership.
    memberships: tuple[tuple[str, str], ...]
    site_admin: bool = False

    @property
    def summary(self) -> str:
        if self.site_admin:
            return "Site administrator"
        return "; ".join(
            f"{Role(role).label} in {_AREA_NAMES[slug]}" for slug, role in self.memberships
        )


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(
        "coordinator.ashfield@example.org",
        "Chloe Carter",
        (("ashfield", Role.COORDINATOR),),
    ),
    DemoAccount(
        "linkworker.ashfield@example.org",
        "Liam Walsh",
        (("ashfield", Role.LINK_WORKER),),
    ),
    DemoAccount(
        "partner.ashfield@example.org",
        "Priya Patel",
        (("ashfield", Role.PARTNER_LEAD),),
    ),
    DemoAccount(
        "coordinator.mansfield@example.org",
        "Marcus Reid",
        (("mansfield", Role.COORDINATOR),),
    ),
    DemoAccount(
        "coordinator.newark@example.org",
        "Nadia Hughes",
        (("newark-and-sherwood", Role.COORDINATOR),),
    ),
    DemoAccount(
        "coordinator.gedling@example.org",
        "Grace Okafor",
        (("gedling", Role.COORDINATOR),),
    ),
    DemoAccount(
        "researcher@example.org",
        "Rosa Bennett",
        (("ashfield", Role.RESEARCHER), ("mansfield", Role.RESEARCHER)),
    ),
    DemoAccount(
        "commissioner@example.org",
        "Colin Shaw",
        (
            ("ashfield", Role.COMMISSIONER),
            ("mansfield", Role.COMMISSIONER),
            ("newark-and-sherwood", Role.COMMISSIONER),
        ),
    ),
    DemoAccount("admin@example.org", "Ada Admin", (), site_admin=True),
)
