"""Casework models, one module per sub-concept."""

from .assessments import Assessment, GroupMembership
from .clients import Client, ClientQuerySet
from .connections import Attendance, Connection, ConnectionStep, RegisterLink
from .followup import Contact, Task
from .handover import Handover
from .messages import SentMessage
from .referrals import Referral, ReferralStatusChange
from .safeguarding import SafeguardingConcern, SafeguardingLead

__all__ = [
    "Assessment",
    "Attendance",
    "Client",
    "ClientQuerySet",
    "Connection",
    "ConnectionStep",
    "Contact",
    "GroupMembership",
    "Handover",
    "Referral",
    "ReferralStatusChange",
    "RegisterLink",
    "SafeguardingConcern",
    "SafeguardingLead",
    "SentMessage",
    "Task",
]
