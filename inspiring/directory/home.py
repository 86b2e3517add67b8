"""The directory's staff home cards and audit actions (registered at start-up)."""

from __future__ import annotations

from inspiring.accounts.audit import register_actions
from inspiring.accounts.home import HomeCard, register_card
from inspiring.accounts.roles import Capability

register_actions(
    {
        "organisation.created": "Added a partner organisation",
        "organisation.changed": "Changed a partner organisation",
        "venue.created": "Added a venue",
        "venue.changed": "Changed a venue",
        "activity.created": "Added an activity",
        "activity.changed": "Changed an activity",
        "activity.submitted": "Sent an activity for approval",
        "activity.approved": "Approved an activity",
        "activity.returned": "Sent an activity back for changes",
        "activity.withdrawn": "Withdrew an activity",
        "activity.confirmed": "Confirmed a listing is current",
        "activity.change_reported": "Reported that a listing has changed",
        "report.resolved": "Dealt with a reported change",
        "schedule.changed": "Changed an activity's schedule",
        "session.cancelled": "Cancelled a session",
        "session.moved": "Moved a session",
        "session.restored": "Restored a cancelled session",
        "spreadsheet.exported": "Exported directory records as a CSV file",
        "spreadsheet.imported": "Imported directory records from a CSV file",
    }
)

register_card(
    HomeCard(
        title="Your listings",
        description="Keep your organisation's venues, activities and sessions up to date.",
        url_name="directory:staff_listings",
        capability=Capability.EDIT_OWN_LISTINGS,
        order=10,
    )
)
register_card(
    HomeCard(
        title="Partners and calendar",
        description="Partners, venues and activities in your area: approvals and stale listings.",
        url_name="directory:curation",
        capability=Capability.CURATE_DIRECTORY,
        order=10,
    )
)
register_card(
    HomeCard(
        title="Programme planning",
        description="How the calendar covers the year: categories, days, times and places.",
        url_name="directory:planning",
        capability=Capability.CURATE_DIRECTORY,
        order=20,
    )
)
# "Add What's on to your website": the same page for coordinators and partner leads,
# under a name for each (the home shows one card a name).
for url_name, capability in (
    ("directory:embed", Capability.CURATE_DIRECTORY),
    ("directory:embed_for_partners", Capability.EDIT_OWN_LISTINGS),
):
    register_card(
        HomeCard(
            title="Add What's on to your website",
            description="The code for a box of your programme's next sessions, for your own "
            "or a partner's website.",
            url_name=url_name,
            capability=capability,
            order=30,
        )
    )
