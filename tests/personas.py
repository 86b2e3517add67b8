"""Named people the tests act as. Deterministic: no random factories.

Every test that needs people asks for the `personas` fixture and uses these
names, so a reader knows at once who is acting and what they may see.
"""

from __future__ import annotations

from dataclasses import dataclass

from inspiring.accounts.models import Membership, User
from inspiring.accounts.roles import Role
from inspiring.areas.models import Area


@dataclass
class Personas:
    ashfield: Area
    mansfield: Area
    newark: Area
    # Chloe coordinates Inspiring Ashfield: curates, manages the team, sees the audit trail.
    coordinator: User
    # Liam is an NHS link worker in Ashfield: sees Ashfield's clients only.
    link_worker: User
    # Priya leads a partner group in Ashfield: her organisation's listings only.
    partner_lead: User
    # Marcus coordinates Inspiring Mansfield: nothing of Ashfield's team is his.
    mansfield_coordinator: User
    # Rosa researches in Ashfield and Mansfield: pseudonymised data, two areas.
    researcher: User
    # Colin commissions for the ICB across all three areas: aggregates only.
    commissioner: User
    # Ada administers the site: configuration, any area, no membership.
    site_admin: User
    # Nina has an account but is in no team (invited elsewhere, or removed).
    no_role: User

    def all_users(self) -> dict[str, User]:
        return {
            "coordinator": self.coordinator,
            "link_worker": self.link_worker,
            "partner_lead": self.partner_lead,
            "mansfield_coordinator": self.mansfield_coordinator,
            "researcher": self.researcher,
            "commissioner": self.commissioner,
            "site_admin": self.site_admin,
            "no_role": self.no_role,
        }


def _area(slug: str, name: str, code: str) -> Area:
    return Area.objects.create(
        slug=slug,
        name=name,
        programme_name=f"Inspiring {name}",
        local_authority_code=code,
        lead_organisation=f"{name} Voluntary Action",
        summary=f"Activities in {name}.",
    )


def _user(email: str, name: str, *memberships: tuple[Area, str], admin: bool = False) -> User:
    user = User.objects.create_user(email, None, full_name=name)
    if admin:
        user.is_staff = user.is_superuser = True
        user.save()
    for area, role in memberships:
        Membership.objects.create(user=user, area=area, role=role)
    return user


def build_personas() -> Personas:
    ashfield = _area("ashfield", "Ashfield", "E07000170")
    mansfield = _area("mansfield", "Mansfield", "E07000174")
    newark = _area("newark-and-sherwood", "Newark and Sherwood", "E07000175")
    ashfield.shares_with.add(mansfield)
    mansfield.shares_with.add(ashfield, newark)
    return Personas(
        ashfield=ashfield,
        mansfield=mansfield,
        newark=newark,
        coordinator=_user("chloe@ashfield.test", "Chloe Carter", (ashfield, Role.COORDINATOR)),
        link_worker=_user("liam@ashfield.test", "Liam Walsh", (ashfield, Role.LINK_WORKER)),
        partner_lead=_user("priya@ashfield.test", "Priya Patel", (ashfield, Role.PARTNER_LEAD)),
        mansfield_coordinator=_user(
            "marcus@mansfield.test", "Marcus Reid", (mansfield, Role.COORDINATOR)
        ),
        researcher=_user(
            "rosa@research.test",
            "Rosa Bennett",
            (ashfield, Role.RESEARCHER),
            (mansfield, Role.RESEARCHER),
        ),
        commissioner=_user(
            "colin@icb.test",
            "Colin Shaw",
            (ashfield, Role.COMMISSIONER),
            (mansfield, Role.COMMISSIONER),
            (newark, Role.COMMISSIONER),
        ),
        site_admin=_user("ada@inspiring.test", "Ada Admin", admin=True),
        no_role=_user("nina@elsewhere.test", "Nina Nobody"),
    )
