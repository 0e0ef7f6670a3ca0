"""The code lists a micro-credential specification draws from: levels, credit systems, fields, modes.

Where the European Commission publishes a concept URI that ELM documents use (EQF levels, ISCED-F
fields, ECTS, countries, languages, the sample's modes), the list carries it; the others get a
`urn:microcred:` identifier of our own so that every ELM concept still has an id (see elm.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pycountry

from microcred.inputs import is_digits

EQF_LEVELS = range(1, 9)


def eqf_uri(level: int) -> str:
    return f"http://data.europa.eu/snb/eqf/{level}"


def eqf_from_uri(uri: str) -> int | None:
    """The level an EQF concept URI ends with, or None when it ends with something else."""
    last = uri.rstrip("/").rsplit("/", 1)[-1]
    return int(last) if is_digits(last) else None


# QF-EHEA cycles and the EQF level each corresponds to (Bologna overarching framework).
QF_EHEA_CYCLES = {"short": 5, "first": 6, "second": 7, "third": 8}
QF_EHEA_LABELS = {
    "short": "Short cycle",
    "first": "First cycle (bachelor)",
    "second": "Second cycle (master)",
    "third": "Third cycle (doctorate)",
}


@dataclass(frozen=True)
class CreditSystem:
    code: str
    name: str
    hours_low: float  # notional learning hours per credit, lower and upper bound
    hours_high: float
    uri: str


CREDIT_SYSTEMS = {
    system.code: system
    for system in (
        CreditSystem(
            "ECTS",
            "European Credit Transfer and Accumulation System",
            25,
            30,
            "http://data.europa.eu/snb/education-credit/6fcec5c5af",
        ),
        CreditSystem("UK", "UK credit (CATS/SCQF), 10 hours per credit", 10, 10, "urn:microcred:credit-system:UK"),
        CreditSystem("NZ", "New Zealand credit (NZQCF), 10 hours per credit", 10, 10, "urn:microcred:credit-system:NZ"),
        CreditSystem("ZA", "South African credit (NQF), 10 hours per credit", 10, 10, "urn:microcred:credit-system:ZA"),
        CreditSystem(
            "US", "US semester credit hour (Carnegie unit), about 48 hours", 48, 48, "urn:microcred:credit-system:US"
        ),
    )
}

# The ETF's size typology (Table 2): key, label, and the band in notional hours. The bands touch at 25 h and
# 150 h; a boundary belongs to the larger band, because a 25-hour course is a full ECTS credit's work and
# 150 hours is where ETF's short programmes begin.
SIZES = (
    ("skill_credential", "Skill credential", Decimal(1), Decimal(25)),
    ("learning_unit", "Learning unit", Decimal(25), Decimal(150)),
    ("short_learning_programme", "Short learning programme", Decimal(150), Decimal(1500)),
)


@dataclass(frozen=True)
class Term:
    code: str
    label: str
    uri: str


def _terms(scheme: str, *items: tuple[str, str] | tuple[str, str, str]) -> dict[str, Term]:
    terms = {}
    for item in items:
        code, label = item[0], item[1]
        uri = item[2] if len(item) == 3 else f"urn:microcred:{scheme}:{code}"
        terms[code] = Term(code, label, uri)
    return terms


# Annex I (f): form of participation in the learning activity.
PARTICIPATION = _terms(
    "participation",
    ("online", "Online", "http://data.europa.eu/snb/learning-assessment/920fbb3cbe"),
    ("onsite", "Onsite"),
    ("blended", "Blended", "http://data.europa.eu/snb/learning-assessment/e92d221e4d"),
    ("work_based", "Work-based learning"),
    ("volunteering", "Volunteering"),
)
LEARNING_SETTINGS = _terms(
    "learning-setting",
    ("formal", "formal learning"),
    ("non_formal", "non-formal learning", "http://data.europa.eu/snb/learning-setting/e207a81fc7"),
)
DELIVERY = _terms(
    "delivery",
    ("self_paced", "Self-paced"),
    ("scheduled", "Scheduled, with a cohort"),
    ("full_time", "Full-time"),
    ("part_time", "Part-time"),
)
# Annex I (i): supervision and identity verification during assessment (the four values of the annex).
SUPERVISION = _terms(
    "supervision",
    (
        "unsupervised_no_id",
        "Unsupervised with no identity verification",
        "http://data.europa.eu/snb/supervision-verification/c598449d64",
    ),
    ("supervised_no_id", "Supervised with no identity verification"),
    ("supervised_online_id", "Supervised online with identity verification"),
    ("supervised_onsite_id", "Supervised onsite with identity verification"),
)
ASSESSMENT_TYPES = _terms(
    "assessment",
    ("written_exam", "Written examination"),
    ("oral_exam", "Oral examination"),
    ("practical", "Practical demonstration of a skill"),
    ("project", "Project or artefact"),
    ("portfolio", "Portfolio"),
    ("continuous", "Continuous assessment"),
    ("peer", "Peer assessment"),
    ("self", "Self-assessment"),
    ("rpl", "Recognition of prior learning"),
    ("none", "No assessment (participation only)"),
)
# Annex I (g): type of quality assurance used to underpin the micro-credential.
QA_TYPES = _terms(
    "quality-assurance",
    ("internal", "Internal quality assurance of the provider"),
    ("external", "External quality assurance (agency review)"),
    ("accredited", "Accredited by a recognised accreditation body"),
    ("institutional", "Institutional accreditation (higher education)"),
    ("industry", "Industry or professional body endorsement"),
)
AUDIENCES = _terms(
    "audience",
    ("students", "Students"),
    ("graduates", "Recent graduates"),
    ("workers", "People in work (upskilling)"),
    ("job_seekers", "Job seekers (reskilling)"),
    ("teachers", "Teachers and trainers"),
    ("professionals", "Professionals (continuing development)"),
    ("general", "Anyone interested"),
)

# ISCED-F 2013 fields of education and training: broad (2 digits), narrow (3) and detailed (4).
ISCED_F = {
    "00": "Generic programmes and qualifications",
    "001": "Basic programmes and qualifications",
    "002": "Literacy and numeracy",
    "003": "Personal skills and development",
    "01": "Education",
    "011": "Education",
    "0111": "Education science",
    "0112": "Training for pre-school teachers",
    "0113": "Teacher training without subject specialisation",
    "0114": "Teacher training with subject specialisation",
    "02": "Arts and humanities",
    "021": "Arts",
    "0211": "Audio-visual techniques and media production",
    "0212": "Fashion, interior and industrial design",
    "0213": "Fine arts",
    "0214": "Handicrafts",
    "0215": "Music and performing arts",
    "022": "Humanities (except languages)",
    "0221": "Religion and theology",
    "0222": "History and archaeology",
    "0223": "Philosophy and ethics",
    "023": "Languages",
    "0231": "Language acquisition",
    "0232": "Literature and linguistics",
    "03": "Social sciences, journalism and information",
    "031": "Social and behavioural sciences",
    "0311": "Economics",
    "0312": "Political sciences and civics",
    "0313": "Psychology",
    "0314": "Sociology and cultural studies",
    "032": "Journalism and information",
    "0321": "Journalism and reporting",
    "0322": "Library, information and archival studies",
    "04": "Business, administration and law",
    "041": "Business and administration",
    "0411": "Accounting and taxation",
    "0412": "Finance, banking and insurance",
    "0413": "Management and administration",
    "0414": "Marketing and advertising",
    "0415": "Secretarial and office work",
    "0416": "Wholesale and retail sales",
    "0417": "Work skills",
    "042": "Law",
    "0421": "Law",
    "05": "Natural sciences, mathematics and statistics",
    "051": "Biological and related sciences",
    "0511": "Biology",
    "0512": "Biochemistry",
    "052": "Environment",
    "0521": "Environmental sciences",
    "0522": "Natural environments and wildlife",
    "053": "Physical sciences",
    "0531": "Chemistry",
    "0532": "Earth sciences",
    "0533": "Physics",
    "054": "Mathematics and statistics",
    "0541": "Mathematics",
    "0542": "Statistics",
    "06": "Information and Communication Technologies",
    "061": "Information and Communication Technologies",
    "0611": "Computer use",
    "0612": "Database and network design and administration",
    "0613": "Software and applications development and analysis",
    "068": "Inter-disciplinary programmes involving ICT",
    "0688": "Inter-disciplinary programmes and qualifications involving ICT",
    "07": "Engineering, manufacturing and construction",
    "071": "Engineering and engineering trades",
    "0711": "Chemical engineering and processes",
    "0712": "Environmental protection technology",
    "0713": "Electricity and energy",
    "0714": "Electronics and automation",
    "0715": "Mechanics and metal trades",
    "0716": "Motor vehicles, ships and aircraft",
    "072": "Manufacturing and processing",
    "0721": "Food processing",
    "0722": "Materials (glass, paper, plastic and wood)",
    "0723": "Textiles (clothes, footwear and leather)",
    "0724": "Mining and extraction",
    "073": "Architecture and construction",
    "0731": "Architecture and town planning",
    "0732": "Building and civil engineering",
    "08": "Agriculture, forestry, fisheries and veterinary",
    "081": "Agriculture",
    "0811": "Crop and livestock production",
    "0812": "Horticulture",
    "082": "Forestry",
    "0821": "Forestry",
    "083": "Fisheries",
    "0831": "Fisheries",
    "084": "Veterinary",
    "0841": "Veterinary",
    "09": "Health and welfare",
    "091": "Health",
    "0911": "Dental studies",
    "0912": "Medicine",
    "0913": "Nursing and midwifery",
    "0914": "Medical diagnostic and treatment technology",
    "0915": "Therapy and rehabilitation",
    "0916": "Pharmacy",
    "0917": "Traditional and complementary medicine and therapy",
    "092": "Welfare",
    "0921": "Care of the elderly and of disabled adults",
    "0922": "Child care and youth services",
    "0923": "Social work and counselling",
    "10": "Services",
    "101": "Personal services",
    "1011": "Domestic services",
    "1012": "Hair and beauty services",
    "1013": "Hotel, restaurants and catering",
    "1014": "Sports",
    "1015": "Travel, tourism and leisure",
    "102": "Hygiene and occupational health services",
    "1021": "Community sanitation",
    "1022": "Occupational health and safety",
    "103": "Security services",
    "1031": "Military and defence",
    "1032": "Protection of persons and property",
    "104": "Transport services",
    "1041": "Transport services",
    "99": "Field unknown",
}


def isced_uri(code: str) -> str:
    return f"http://data.europa.eu/snb/isced-f/{code}"


def isced_broad(code: str) -> str:
    return code[:2]


def country_name(code: str) -> str | None:
    """The English name of an ISO 3166-1 alpha-2 country code, or None if there is no such country."""
    country = pycountry.countries.get(alpha_2=code.upper()) if len(code) == 2 else None
    return country.name if country else None


def countries() -> list[tuple[str, str]]:
    """(alpha-2 code, English name) of every ISO 3166-1 country, by name."""
    return sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda pair: pair[1])


def country_uri(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code.upper())
    assert country is not None
    return f"http://publications.europa.eu/resource/authority/country/{country.alpha_3}"


def country_from_uri(uri: str) -> str | None:
    country = pycountry.countries.get(alpha_3=uri.rstrip("/").rsplit("/", 1)[-1].upper())
    return country.alpha_2 if country else None


def language_name(code: str) -> str | None:
    """The English name of an ISO 639-1 language code, or None."""
    language = pycountry.languages.get(alpha_2=code.lower()) if len(code) == 2 else None
    return language.name if language else None


def language_uri(code: str) -> str:
    language = pycountry.languages.get(alpha_2=code.lower())
    assert language is not None
    return f"http://publications.europa.eu/resource/authority/language/{language.alpha_3.upper()}"


def language_from_uri(uri: str) -> str | None:
    code = uri.rstrip("/").rsplit("/", 1)[-1].lower()
    language = pycountry.languages.get(alpha_3=code)
    if language is None:  # the EU authority table uses some ISO 639-2/B codes (FRE, GER)
        language = pycountry.languages.get(bibliographic=code)
    return getattr(language, "alpha_2", None) if language else None


def currency_known(code: str) -> bool:
    return pycountry.currencies.get(alpha_3=code.upper()) is not None


def term_by_uri_or_label(terms: dict[str, Term], uri: str | None, label: str | None) -> Term | None:
    """A term from a document's concept: by its URI, or failing that by its label (case-insensitive)."""
    for term in terms.values():
        if uri and term.uri == uri:
            return term
    wanted = (label or "").strip().casefold()
    for term in terms.values():
        if wanted and wanted in (term.label.casefold(), term.code.casefold()):
            return term
    return None
