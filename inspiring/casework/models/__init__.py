"""Casework models, one module per sub-concept."""

from .assessments import Assessment, GroupMembership, groups_on
from .clients import Client, ClientQuerySet
from .connections import Attendance, Connection, ConnectionStep, RegisterLink
from .facts import ConnectionFact, ReferralFact, StepFact
from .followup import Contact, Task
from .handover import Handover
from .inbound import InboundMessage
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
    "ConnectionFact",
    "ConnectionStep",
    "Contact",
    "GroupMembership",
    "Handover",
    "InboundMessage",
    "OutcomeLink",
    "Referral",
    "ReferralFact",
    "ReferralStatusChange",
    "RegisterLink",
    "SafeguardingConcern",
    "SafeguardingLead",
    "SentMessage",
    "StepFact",
    "Task",
    "groups_on",
]
