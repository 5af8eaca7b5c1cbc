"""Entity labels: Presidio's names, what NorNE calls them, and the Norwegian replacement tags."""

from __future__ import annotations

PERSON = "PERSON"
MUNICIPALITY = "MUNICIPALITY"  # a municipality or county: «Bodø», «Sandnes kommune»
LOCATION = "LOCATION"  # any other place: postal places, villages, rivers, «Storgata»
ORGANIZATION = "ORGANIZATION"  # workplaces: NAV offices, schools, clinics, named units
FODSELSNUMMER = "NO_FODSELSNUMMER"
PHONE = "PHONE_NUMBER"
EMAIL = "EMAIL_ADDRESS"
ADDRESS = "ADDRESS"
DATE = "DATE_TIME"
AGE = "AGE"

ALL = (PERSON, MUNICIPALITY, LOCATION, ORGANIZATION, FODSELSNUMMER, PHONE, EMAIL, ADDRESS, DATE,
       AGE)
# Redacted unless the policy says otherwise; dates and ages are a policy option.
DEFAULT = frozenset(ALL) - {DATE, AGE}

# NorNE's entity types → Presidio entities. GPE_ORG («Oslo kommune vedtok») names a place acting
# as an organisation: for anonymisation it is still the place. PROD, EVT and DRV («bodøværing»,
# «norsk») are not redacted.
NORNE = {
    "PER": PERSON,
    "GPE_LOC": LOCATION,
    "GPE_ORG": LOCATION,
    "LOC": LOCATION,
    "ORG": ORGANIZATION,
}

# Replacement tags in the transcript: numbered per transcript for the first four.
TAGS = {
    PERSON: "navn",
    MUNICIPALITY: "kommune",
    LOCATION: "sted",
    ORGANIZATION: "arbeidsplass",
    FODSELSNUMMER: "fødselsnummer",
    PHONE: "telefonnummer",
    EMAIL: "e-post",
    ADDRESS: "adresse",
    DATE: "dato",
    AGE: "alder",
}
NUMBERED = frozenset({PERSON, MUNICIPALITY, LOCATION, ORGANIZATION})
