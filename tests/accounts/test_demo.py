"""The demo `make run` creates, on SQLite and PostgreSQL, here without ESCO (tests/cli/test_demo.py has it with
ESCO v1.1.1, through the command)."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from sqlalchemy.orm import Session

from microcred.accounts import demo, invitations, login, members, service
from microcred.accounts.models import Invitation, Role
from microcred.accounts.principal import Actor
from microcred.design import service as design
from microcred.issuing import seals
from microcred.pathways import service as pathways
from microcred.wallet import service as wallet
from tests import pki


def test_the_demo_organisation_is_made_once_with_three_people_who_replace_their_passwords(db: Session) -> None:
    accounts = demo.create_demo_organisation(db)
    db.commit()
    assert accounts is not None
    assert [(a.email, a.role) for a in accounts] == [(email, role) for email, _name, role in demo.DEMO_PEOPLE]
    organisation = service.organisation_by_slug(db, demo.DEMO_SLUG)
    assert organisation.country == "BE" and {i.scheme for i in organisation.identifiers} == {"Erasmus code"}
    roles = {m.user.email: m.role for m in members.members(db, organisation)}
    assert roles == {a.email: a.role for a in accounts}
    for account in accounts:
        assert account.one_time_password
        user = login.authenticate(db, account.email, account.one_time_password)
        assert user.must_change_password  # a one-time password is typed once, then replaced
    db.commit()
    assert demo.create_demo_organisation(db) is None  # a second run changes nothing
    assert len(members.members(db, organisation)) == 3


def test_an_account_someone_holds_already_is_only_invited(db: Session) -> None:
    _user, password = service.create_user(db, Actor.operator(), email="learner@demo.example", display_name="Mine")
    accounts = demo.create_demo_organisation(db)
    db.commit()
    assert accounts is not None
    held = next(a for a in accounts if a.email == "learner@demo.example")
    assert held.one_time_password is None and held.role == Role.LEARNER
    organisation = service.organisation_by_slug(db, demo.DEMO_SLUG)
    waiting = invitations.invitations_of(db, organisation)
    assert [(i.user.email, i.role) for i in waiting] == [("learner@demo.example", Role.LEARNER)]
    assert all(isinstance(i, Invitation) for i in waiting)
    assert {m.user.email for m in members.members(db, organisation)} == {"admin@demo.example", "educator@demo.example"}
    assert login.authenticate(db, "learner@demo.example", password).display_name == "Mine"  # left alone


MASTER = b"\x07" * 32
BASE = "https://mc.example"


def test_without_esco_the_demo_is_made_all_the_same_and_once(db: Session) -> None:
    made = demo.create_demo(db, base_url=BASE, master=MASTER)
    db.commit()
    assert made.changed and len(made.accounts) == 3 and all(a.one_time_password for a in made.accounts)
    assert made.cohort_code and made.share_url and made.verify_url
    assert made.share_url.startswith(f"{BASE}/share/") and made.verify_url.startswith(f"{BASE}/verify/")
    organisation = service.organisation_by_slug(db, demo.DEMO_SLUG)
    assert len(design.offered(db, organisation)) == 4
    [pathway] = pathways.of_organisation(db, organisation)
    assert pathway.rules["required_skills"] == []  # no ESCO to check them against: none required
    learner = service.user_by_email(db, "learner@demo.example")
    assert [item.title for item in wallet.held(db, learner)] == [
        "Querying databases with SQL",
        "Spreadsheets and data cleansing",
    ]
    again = demo.create_demo(db, base_url=BASE, master=MASTER)
    assert not again.changed and again.accounts == [] and again.share_url is None
    assert again.cohort_code == made.cohort_code


def test_an_older_demo_organisation_gets_what_it_lacks_and_keeps_its_own_certificate(db: Session) -> None:
    assert demo.create_demo_organisation(db) is not None  # the demo as it was: people only
    organisation = service.organisation_by_slug(db, demo.DEMO_SLUG)
    admin = Actor.operator()
    own = seals.import_pkcs12(db, admin, organisation, pki.seal_p12(pki.CA()), "secret", MASTER)
    made = demo.create_demo(db, base_url=BASE, master=MASTER)
    assert made.accounts == []  # nobody's password is touched
    assert "a TEST seal certificate from a TEST CA" not in made.made
    assert made.made[0] == "4 published micro-credentials" and len(made.made) == 4
    assert seals.certificates(db, organisation) == [own]


def test_a_learner_who_held_an_account_already_gets_no_demo_credentials(db: Session) -> None:
    service.create_user(db, Actor.operator(), email="learner@demo.example", display_name="Mine")
    made = demo.create_demo(db, base_url=BASE, master=MASTER)
    learner = service.user_by_email(db, "learner@demo.example")
    assert wallet.held(db, learner) == [] and made.share_url is None  # only invited: her wallet is hers


def test_the_test_seal_names_itself_test_material_and_its_ca_signs_nothing_else() -> None:
    data = demo.make_test_seal("Demo Academy of Applied Skills")
    key, certificate, chain = pkcs12.load_key_and_certificates(data, None)
    assert key is not None and certificate is not None and len(chain) == 1
    [ca] = chain
    subject = certificate.subject.rfc4514_string()
    assert "CN=Demo Academy of Applied Skills TEST eSeal" in subject and f"OU={demo.TEST_MARK}" in subject
    assert "TEST CA" in ca.subject.rfc4514_string() and f"OU={demo.TEST_MARK}" in ca.subject.rfc4514_string()
    assert certificate.issuer == ca.subject
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    assert seals.legal_identifier(certificate) == (demo.TEST_ORGANISATION_ID, "BE")
    assert (certificate.not_valid_after_utc - certificate.not_valid_before_utc).days >= 365 * demo.SEAL_YEARS
