"""FHIR documents for the NHS channels: the message back out, a referral in. Pure functions,
no transport (MESH carries the bytes: `lib.mesh`).

The message back: `message_back_bundle(doc, pdf, ...)`
------------------------------------------------------
GP Connect Send Document (GP Connect Messaging 1.x, MESH workflow GPFED_CONSULT_REPORT):
an ITK3 Messaging Distribution message (ITK3 2.x), FHIR **STU3**, built with
`fhir.resources.STU3` so that building it validates it.

- Bundle `ITK-Message-Bundle-1`, type "message", identifier = the message id (RFC 4122);
- MessageHeader `ITK-MessageHeader-2`, first: event ITK007C "ITK GP Connect Send Document"
  (system ITK-MessageEvent-2); the `Extension-ITK-MessageHandling-2` extension with
  BusAckRequested and InfAckRequested true, RecipientType FI "For Information" (it asks the
  practice to do nothing), MessageDefinition ITK-GPConnectSendDocument-MessageDefinition-1,
  SenderReference (the document's UUID) and LocalExtension "None" (no named use case);
  source.endpoint the sender's MESH mailbox; sender and receiver are
  `CareConnect-ITK-Header-Organization-1` Organizations with ODS codes; focus the document;
- the payload, `ITK-Document-Bundle-1` (type "document"), whose Composition
  (`CareConnect-Composition-1`) has the Patient as subject (`CareConnect-Patient-1`: NHS number,
  name, birth date, postcode, registered practice), the link worker as author
  (`CareConnect-Practitioner-1`, with a `CareConnect-PractitionerRole-1` in the sending
  organisation) and the sending organisation as custodian (`CareConnect-Organization-1`).
  Sections, first the letter as a PDF (`ITK-Attachment-Binary-1`, base64: GPCM-SD-019 to 022
  put the primary attachment first), then the PRSB Social Prescribing Information Standard's
  headings in the letter's own words (`message_back.letter_sections`): "Reason for referral"
  (with a `CareConnect-ReferralRequest-1` coded SNOMED CT 871731000000106 Referral to social
  prescribing service), "What matters to me", "Support offered" (the activities referred and
  connected listed in it), "Outcome" (with a `CareConnect-GPC-Observation-1` coded
  871711000000103 Social prescribing declined, only when declined), "Link worker" and
  "Consent".

SNOMED CT codes: the two of `choices.py` (SNOMED_REFERRAL, SNOMED_DECLINED); the Composition's
type is 371531000 "Report of clinical encounter", the code GP Connect Send Document's own
example consultation report uses. No other code is added: the PRSB standard's other
concepts (needs, support) have no code in our choices, so they go as text.

Deviations, each because the record does not hold what the profile wants:
- the NHS number carries no NHSNumberVerificationStatus extension (we do not trace it on PDS);
- the person's name is one string in the message back, so the family name is its last word;
- a sender without an ODS code (many voluntary organisations have none) is named, not coded;
- the PDF is a Binary only, not also a DocumentReference: GPCM-SD-020 wants section entries
  to reference ITK-Attachment-Binary-1;
- the ReferralRequest has no identifier from the referrer's system, only ours.
Nothing from contact notes, what a group was told, or safeguarding is in `doc` to begin with.

A referral in: `parse_referral(payload)`
----------------------------------------
FHIR **R4** (read with `fhir.resources.R4B`, whose R4 resources we use are unchanged): a
Bundle of any type holding one `ServiceRequest` (the PRSB referral), the Patient it is for,
the referrer and a Consent. STU3 (a ReferralRequest) is refused with a message saying so.

The consent rule: the referral is accepted only with a Consent resource for the same patient
(its `patient` is the ServiceRequest's subject, or the ServiceRequest's supportingInfo points
to it) whose status is "active" and whose provision, if any, is "permit". A Consent that is
"rejected", "inactive" or "entered-in-error", or that denies, is a refusal; a "draft" or
"proposed" one has not been agreed yet.

Every problem is gathered and raised at once as `ReferralInvalid(problems)`, each phrased for
the coordinator who reads it.
"""

from __future__ import annotations

from .incoming import IncomingReferral, Reason, ReferralInvalid, parse_referral
from .outgoing import message_back_bundle

__all__ = [
    "IncomingReferral",
    "Reason",
    "ReferralInvalid",
    "message_back_bundle",
    "parse_referral",
]
