"""The systems and codes both FHIR directions name."""

from __future__ import annotations

SNOMED = "http://snomed.info/sct"
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
RFC4122 = "https://tools.ietf.org/html/rfc4122"
STU3_NHS = "https://fhir.nhs.uk/STU3/StructureDefinition/"
STU3_UK = "https://fhir.hl7.org.uk/STU3/StructureDefinition/"
ITK_EVENT = {
    "system": "https://fhir.nhs.uk/STU3/CodeSystem/ITK-MessageEvent-2",
    "code": "ITK007C",
    "display": "ITK GP Connect Send Document",
}
MESSAGE_DEFINITION = (
    "https://fhir.nhs.uk/STU3/MessageDefinition/ITK-GPConnectSendDocument-MessageDefinition-1"
)
# GP Connect Send Document's example consultation report types its Composition so.
DOCUMENT_TYPE = {"system": SNOMED, "code": "371531000", "display": "Report of clinical encounter"}
XHTML = "http://www.w3.org/1999/xhtml"
