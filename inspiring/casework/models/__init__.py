"""Casework models, one module per sub-concept."""

from .assessments import Assessment, GroupMembership, groups_on
from .clients import Client, ClientQuerySet
from .connections import Attendance, Connection, ConnectionStep, RegisterLink
from .followup import Contact, Task
from .handover import Handover
from .messages import SentMessage
from .outcomes import Administration, OutcomeLink
from .referrals import Referral, ReferralStatusChange
from .safeguarding import SafeguardingConcern, SafeguardingLead

__all__ = [
    "Administration",
    "Assessment",
    "Attendance",
    "Client",
    "ClientQuerySet",
    "Connection",
    "ConnectionStep",
    "Contact",
    "GroupMembership",
    "Handover",
    "OutcomeLink",
    "Referral",
    "ReferralStatusChange",
    "RegisterLink",
    "SafeguardingConcern",
    "SafeguardingLead",
    "SentMessage",
    "Task",
    "groups_on",
]
