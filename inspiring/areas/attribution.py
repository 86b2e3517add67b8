"""Attribution the open data licences require, shown in the footer of every page.

Kept in step with data/geography/SOURCES.md and the README by a test.
"""

from __future__ import annotations

OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"

DATA_ATTRIBUTIONS: tuple[tuple[str, str], ...] = (
    (
        "Postcodes",
        "Source: Office for National Statistics licensed under the OGL v3.0; "
        "Contains OS data © Crown copyright and database right; "
        "Contains Royal Mail data © Royal Mail copyright and database right; "
        "Contains GeoPlace data © Local Government Information House Ltd copyright and "
        "database right.",
    ),
    (
        "LSOA population-weighted centroids",
        "Source: Office for National Statistics licensed under the Open Government Licence "
        "v3.0; Contains OS data © Crown copyright and database right.",
    ),
    (
        "English Indices of Deprivation 2019 (deprivation and population denominators)",
        "Ministry of Housing, Communities and Local Government, licensed under the Open "
        "Government Licence v3.0.",
    ),
)
