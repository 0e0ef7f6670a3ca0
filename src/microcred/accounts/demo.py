"""The demo `make run` creates, once: an organisation with an admin, an educator and a learner, and enough in it
that every page has something to show.

Demo Academy of Applied Skills publishes four micro-credentials in data analysis (Annex I complete, their
outcomes linked to ESCO v1.1.1 skills of the data analyst occupation), stacked by a pathway towards a
certificate; it has a cohort learners join by code, and a TEST seal certificate from a TEST CA made here,
so its credentials are also sealed European Digital Credentials. Its learner holds two of them, sealed, in
her wallet, one shared by link. The test CA's key is thrown away once it has issued the one certificate, so
it can vouch for nothing else; the seal's key is kept sealed under the master key like any organisation's.
Both certificates name themselves TEST material (their subject's OU and CN), and the pages that show them say
so. Each part is made only when the organisation has none of its kind, so a second run changes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts import members, service
from microcred.accounts.models import Organisation, OrganisationKind, Role, User
from microcred.accounts.principal import Actor

DEMO_SLUG = "demo"
DEMO_PEOPLE = (
    ("admin@demo.example", "Ada Admin", Role.ORG_ADMIN),
    ("educator@demo.example", "Eddie Educator", Role.EDUCATOR),
    ("learner@demo.example", "Lena Learner", Role.LEARNER),
)
# What marks the demo's certificates as test material: their subject's organisational unit (the signing page
# shows its badge when the subject carries it) and the word TEST in their common names.
TEST_MARK = "microcred TEST material"
TEST_ORGANISATION_ID = "NTRBE-TEST-DEMO01"  # the form of a legal identifier, and plainly nobody's
SEAL_YEARS = 5

ESCO = "http://data.europa.eu/esco/skill/"
SKILLS = {  # ESCO v1.1.1 skills; the data analyst occupation needs most of them
    "spreadsheets": ESCO + "1973c966-f236-40c9-b2d4-5d71a89019be",  # use spreadsheets software
    "cleansing": ESCO + "50b100ea-74fd-4706-99db-3e4ca55e51b8",  # perform data cleansing
    "normalise": ESCO + "07889c08-7220-47c8-96f7-6068fbea00dc",  # normalise data
    "quality_criteria": ESCO + "54c9c155-9293-4329-8ed2-2e76e8b519d4",  # define data quality criteria
    "quality_assessment": ESCO + "cc7370dd-69fa-4c67-a96f-d4d135d38700",  # data quality assessment
    "sql": ESCO + "598de5b0-5b58-4ea7-8058-a4bc4d18c742",  # SQL
    "query_languages": ESCO + "75f839c2-fd9a-4ad3-8921-6e734608568d",  # use query languages
    "databases": ESCO + "4463a721-69f3-413d-8321-43e3af13a4f1",  # use databases
    "data_models": ESCO + "fecf8a0d-62c4-4e71-9b03-0f4fc2ad7bf5",  # data models
    "statistics_techniques": ESCO + "382c11ed-20d5-4ae7-b60e-15fec527fa6c",  # apply statistical analysis techniques
    "statistics": ESCO + "7ee4c2ea-b349-4bd2-81a3-ec31475d4833",  # statistics
    "interpret": ESCO + "1e77e42a-181f-4b48-8e74-201ce50ffc29",  # interpret current data
    "patterns": ESCO + "06670261-ea6b-4b52-a915-c7d4ff837f74",  # identify statistical patterns
    "visual_data": ESCO + "c3e36d05-8ae8-447f-bb2b-6f9409f85389",  # deliver visual presentation of data
    "visual_techniques": ESCO + "348b74cd-49ce-4844-8bdf-ec188b497213",  # visual presentation techniques
    "report_results": ESCO + "c544a9f3-5945-4b54-afed-de0697852817",  # report analysis results
    "confidentiality": ESCO + "a56dec32-05ef-45de-a256-ee6741f356db",  # information confidentiality
}
QUALIFICATION = "Certificate in Data Analysis (10 ECTS)"


def _specification(
    title: str, code: str, description: str, outcomes: list[tuple[str, list[str]]], **facts: Any
) -> dict[str, Any]:
    return {
        "title": title,
        "code": code,
        "description": description,
        "languages": ["en"],
        "issuer_country": "BE",
        "issuer_region": "Brussels-Capital Region",
        "learning_outcomes": [{"text": text, "skills": [SKILLS[s] for s in skills]} for text, skills in outcomes],
        "learning_setting": "non_formal",
        "delivery": "part_time",
        "quality_assurance": {
            "type": "internal",
            "description": "Each edition is reviewed by the academy's programme board with two employers and a "
            "former learner; assessments are second-marked on a sample of one in five.",
        },
        "stackability": {"stackable": True, "partial_qualification": False, "towards": QUALIFICATION},
        "homepage": f"https://demo.example/courses/{code.lower()}",
        "audiences": ["workers", "job_seekers"],
        "needs_evidence": "Employers in the region's 2025 skills survey named data cleaning, SQL and reporting "
        "among the ten skills hardest to find.",
        **facts,
    }


SPECIFICATIONS = (
    _specification(
        "Spreadsheets and data cleansing",
        "DA-101",
        "Turn a messy export into a data set you can trust: find and fix errors, duplicates and inconsistent "
        "formats in a spreadsheet, and say how good the data is.",
        [
            ("Clean and normalise a data set of a few thousand rows in a spreadsheet", ["spreadsheets", "cleansing"]),
            ("Normalise dates, units and category names so that records can be compared", ["normalise"]),
            (
                "Define quality criteria for a data set and report which records fail them",
                ["quality_criteria", "quality_assessment"],
            ),
        ],
        workload_hours="50",
        credits={"system": "ECTS", "value": "2"},
        eqf_level=4,
        assessment={
            "type": "project",
            "description": "A cleaned data set and a one-page quality report on a public data set.",
            "grading": "Pass / Merit / Distinction",
        },
        participation="online",
        duration_weeks="5",
        supervision="supervised_online_id",
        field="0611",
        price={"amount": "180", "currency": "EUR"},
        prerequisites="None: comfortable with a computer.",
    ),
    _specification(
        "Querying databases with SQL",
        "DA-102",
        "Ask a relational database the questions a business has: select, join, filter and summarise tables with "
        "SQL, and read a data model.",
        [
            ("Write SQL queries that join, filter, group and summarise several tables", ["sql", "query_languages"]),
            ("Retrieve the data a business question needs from a relational database", ["databases"]),
            ("Explain a relational data model: its tables, keys and relations", ["data_models"]),
        ],
        workload_hours="75",
        credits={"system": "ECTS", "value": "3"},
        eqf_level=5,
        assessment={
            "type": "practical",
            "description": "Twenty queries against a sales database, written under supervision in two hours.",
            "grading": "Pass / Merit / Distinction",
        },
        participation="blended",
        duration_weeks="6",
        supervision="supervised_onsite_id",
        field="0612",
        price={"amount": "290", "currency": "EUR"},
        prerequisites="Spreadsheets and data cleansing (DA-101), or similar experience.",
    ),
    _specification(
        "Statistics for data analysis",
        "DA-103",
        "Describe data and test what it seems to say: averages and spread, correlation, simple regression and "
        "significance, applied to real business questions.",
        [
            ("Apply descriptive statistics and simple regression to a business data set", ["statistics_techniques"]),
            ("Identify trends and patterns in data and judge whether they are significant", ["patterns", "statistics"]),
            ("Interpret current data to answer a question a manager asks", ["interpret"]),
        ],
        workload_hours="75",
        credits={"system": "ECTS", "value": "3"},
        eqf_level=5,
        assessment={
            "type": "written_exam",
            "description": "A two-hour open-book examination on a data set given in advance.",
            "grading": "Pass / Merit / Distinction",
        },
        participation="online",
        duration_weeks="6",
        supervision="supervised_online_id",
        field="0542",
        price={"amount": "290", "currency": "EUR"},
        prerequisites="Spreadsheets and data cleansing (DA-101), or similar experience.",
    ),
    _specification(
        "Data visualisation and reporting",
        "DA-104",
        "Show what the data says to people who have five minutes: choose the right chart, build a clear report, "
        "and keep personal data confidential.",
        [
            ("Present data visually so that non-specialists grasp its message", ["visual_data", "visual_techniques"]),
            ("Report the results of an analysis with its method and its limits", ["report_results"]),
            ("Keep personal and confidential data out of reports and shared files", ["confidentiality"]),
        ],
        workload_hours="50",
        credits={"system": "ECTS", "value": "2"},
        eqf_level=5,
        assessment={
            "type": "portfolio",
            "description": "Three reports for real organisations, presented to a panel.",
            "grading": "Pass / Merit / Distinction",
        },
        participation="blended",
        duration_weeks="5",
        supervision="supervised_onsite_id",
        field="0688",
        price={"amount": "180", "currency": "EUR"},
        prerequisites="Statistics for data analysis (DA-103), or taken alongside it.",
    ),
)
# The learner's two awards: (specification, weeks ago, grade)
AWARDS = (("Spreadsheets and data cleansing", 10, "Merit"), ("Querying databases with SQL", 2, "Distinction"))


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: Role
    # None when the account existed before: its password is left alone and it is only invited.
    one_time_password: str | None


@dataclass
class Demo:
    """What a run of the demo made, and what the person who ran it may want to try."""

    accounts: list[DemoAccount] = field(default_factory=list)  # made by this run, with one-time passwords
    made: list[str] = field(default_factory=list)  # what this run added, e.g. "4 published micro-credentials"
    cohort_code: str | None = None
    verify_url: str | None = None  # a sealed credential of the learner's, checked by anyone
    share_url: str | None = None  # made by this run only: its token is shown once

    @property
    def changed(self) -> bool:
        return bool(self.made)


def create_demo_organisation(db: Session) -> list[DemoAccount] | None:
    """Create the demo organisation and its three people, or return None if it exists already.

    The one-time passwords come back only from the call that creates the accounts.
    """
    if db.scalar(select(Organisation.id).where(Organisation.slug == DEMO_SLUG)) is not None:
        return None
    operator = Actor.operator()
    organisation = service.create_organisation(
        db,
        operator,
        legal_name="Demo Academy of Applied Skills",
        country="BE",
        kind=OrganisationKind.AWARDING_BODY_AND_PROVIDER,
        homepage="https://demo.example",
        identifiers={"Erasmus code": "B DEMO01"},
        slug=DEMO_SLUG,
    )
    accounts = []
    for email, name, role in DEMO_PEOPLE:
        if db.scalar(select(User.id).where(User.email == email)) is not None:
            # An account someone already holds is only invited: its holder accepts, logged in themselves.
            members.add_member(db, operator, organisation, email=email, role=role, display_name=name)
            accounts.append(DemoAccount(email=email, role=role, one_time_password=None))
            continue
        _user, password = service.create_user(
            db, operator, email=email, display_name=name, organisation=organisation, role=role
        )
        accounts.append(DemoAccount(email=email, role=role, one_time_password=password))
    return accounts


def create_demo(db: Session, *, base_url: str, master: bytes, today: date | None = None) -> Demo:
    """Make whatever of the demo is missing (everything, the first time); nothing when it is all there."""
    today = today or date.today()
    demo = Demo()
    accounts = create_demo_organisation(db)
    if accounts is not None:
        demo.accounts = accounts
        demo.made.append("the organisation Demo Academy of Applied Skills with an admin, an educator and a learner")
    organisation = service.organisation_by_slug(db, DEMO_SLUG)
    people = {m.role: m.user for m in members.members(db, organisation)}
    educator = _acting(people.get(Role.EDUCATOR))
    specs = _catalogue(db, demo, educator, organisation, today)
    _pathway(db, demo, educator, organisation, specs)
    _cohort(db, demo, educator, organisation)
    _seal_certificate(db, demo, _acting(people.get(Role.ORG_ADMIN)), organisation, master)
    learner = people.get(Role.LEARNER)
    if learner is not None:
        _awards(db, demo, educator, organisation, learner, specs, base_url=base_url, master=master, today=today)
    return demo


def _acting(user: User | None) -> Actor:
    """The demo acts as its own people where they are members, so the audit log reads as it would."""
    return Actor.person(user) if user is not None else Actor.operator()


def _catalogue(db: Session, demo: Demo, actor: Actor, organisation: Organisation, today: date) -> dict[str, uuid.UUID]:
    """The demo's published micro-credentials by title: published now if the organisation has none at all."""
    from microcred.design import service as design
    from microcred.design.models import Specification
    from microcred.taxonomy import service as taxonomy

    existing = db.scalars(select(Specification).where(Specification.organisation_id == organisation.id)).all()
    if existing:
        return {spec.title: spec.id for spec in existing if spec.editions and spec.withdrawn_at is None}
    known: set[str] | None = None
    if taxonomy.release(db) is not None:  # another ESCO release may lack a skill: the outcome keeps the others
        known = set(taxonomy.skills_by_uri(db, list(SKILLS.values())))
    made = {}
    for content in SPECIFICATIONS:
        data = {**content, "offer_start": today.isoformat(), "offer_end": (today + timedelta(days=365)).isoformat()}
        if known is not None:
            data["learning_outcomes"] = [
                {**outcome, "skills": [uri for uri in outcome["skills"] if uri in known]}
                for outcome in data["learning_outcomes"]
            ]
        spec = design.create(db, actor, organisation, design.parse_content(data))
        design.publish(db, actor, organisation, spec.id, today=today)
        made[spec.title] = spec.id
    demo.made.append(f"{len(made)} published micro-credentials")
    return made


def _pathway(db: Session, demo: Demo, actor: Actor, organisation: Organisation, specs: dict[str, uuid.UUID]) -> None:
    from microcred.pathways import service as pathways
    from microcred.taxonomy.models import EscoSkill

    wanted = [specs[content["title"]] for content in SPECIFICATIONS if content["title"] in specs]
    if pathways.of_organisation(db, organisation) or not wanted:
        return
    required = [SKILLS["cleansing"], SKILLS["query_languages"], SKILLS["report_results"]]
    known = set(db.scalars(select(EscoSkill.uri).where(EscoSkill.uri.in_(required))))
    pathways.create(
        db,
        actor,
        organisation,
        title="Data analysis foundations",
        qualification=QUALIFICATION,
        rules={
            "kind": "elective",
            "total_credits": "10",
            "min_level": 4,
            "approved": [str(spec) for spec in wanted],
            "required_skills": [uri for uri in required if uri in known],
            "validity_years": 5,
        },
    )
    demo.made.append("a pathway stacking them")


def _cohort(db: Session, demo: Demo, actor: Actor, organisation: Organisation) -> None:
    from microcred.skills import cohorts

    found = cohorts.cohorts(db, organisation)
    if found:
        demo.cohort_code = found[0][0].access_code
        return
    cohort = cohorts.create_cohort(
        db,
        actor,
        organisation,
        name="Data analysis, spring intake",
        description="Learners starting the data analysis pathway this spring. Join with the code to share your "
        "skills profile with your educators.",
    )
    demo.cohort_code = cohort.access_code
    demo.made.append("a cohort learners join by code")


def _seal_certificate(db: Session, demo: Demo, actor: Actor, organisation: Organisation, master: bytes) -> None:
    from microcred.issuing import seals

    if seals.certificates(db, organisation):
        return
    seals.import_pkcs12(db, actor, organisation, make_test_seal(organisation.legal_name), None, master)
    demo.made.append("a TEST seal certificate from a TEST CA")


def _name(common: str, organisation: str, identifier: str | None = None) -> x509.Name:
    parts = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "BE"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, TEST_MARK),
        x509.NameAttribute(NameOID.COMMON_NAME, common[:64]),
    ]
    if identifier:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, identifier))
    return x509.Name(parts)


def make_test_seal(legal_name: str, *, now: datetime | None = None) -> bytes:
    """A PKCS#12 file (no password) with a TEST seal certificate for `legal_name`, its key and the TEST CA that
    issued it. The CA's key exists only inside this call."""
    now = now or datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("microcred demo TEST CA, not for real use", "microcred demo")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * SEAL_YEARS + 30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(sign=False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{legal_name[:50]} TEST eSeal", legal_name, TEST_ORGANISATION_ID))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * SEAL_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(sign=True), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        b"demo TEST seal", key, certificate, [ca], serialization.NoEncryption()
    )


def _usage(*, sign: bool) -> x509.KeyUsage:
    """A seal's key signs documents (digitalSignature, nonRepudiation); a CA's signs certificates only."""
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=sign,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not sign,
        crl_sign=not sign,
        encipher_only=False,
        decipher_only=False,
    )


def _awards(
    db: Session,
    demo: Demo,
    actor: Actor,
    organisation: Organisation,
    learner: User,
    specs: dict[str, uuid.UUID],
    *,
    base_url: str,
    master: bytes,
    today: date,
) -> None:
    """Two sealed awards for the learner, claimed into her wallet, the newer one shared by a link."""
    from microcred.issuing import claims, credentials, documents
    from microcred.issuing.models import IssuedCredential
    from microcred.wallet import service as wallet

    if db.scalar(select(IssuedCredential.id).where(IssuedCredential.organisation_id == organisation.id)):
        return
    latest = None
    for title, weeks, grade in AWARDS:
        if title not in specs:
            continue
        issued = credentials.issue_edition(
            db,
            actor,
            organisation,
            specs[title],
            1,
            documents.Learner(name=learner.display_name or "Lena Learner", email=learner.email),
            documents.Result(awarded=today - timedelta(weeks=weeks), grade=grade),
            base_url=base_url,
            master=master,
        )
        url, _expires = claims.new_link(db, actor, organisation, issued.id, base_url=base_url)
        latest = (wallet.claim(db, learner, url.rsplit("/", 1)[1]), issued)
    if latest is None:
        return
    held, issued = latest
    token, _link = wallet.share(db, learner, held.id, days=90, hidden=[])
    demo.share_url = f"{base_url.rstrip('/')}/share/{token}"
    demo.verify_url = documents.verify_url(base_url, issued.id)
    demo.made.append(f"{len(AWARDS)} sealed credentials in {learner.display_name or learner.email}'s wallet")
