"""A credential certified by an RPL case is claimed only through its learner's route, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from microcred.accounts.models import Role
from microcred.accounts.principal import Actor
from microcred.config import Settings
from microcred.errors import Forbidden
from microcred.issuing import claims
from microcred.issuing.models import IssuedCredential
from microcred.recognition import rpl_certification
from microcred.store import Database
from tests.conftest import World, csrf_from, log_in
from tests.recognition.test_rpl import certified_case, person
from tests.web.test_api import assert_error, bearer


@pytest.fixture
def database_url(esco_database_url: str) -> str:
    return esco_database_url


def test_staff_cannot_make_the_claim_link_of_an_rpl_credential(
    client: TestClient, database: Database, world: World, settings: Settings
) -> None:
    with database.session() as db:
        case = certified_case(db, world, settings)
        credential_id = case.credential_id
        assert credential_id is not None
        organisation = db.merge(world.orgs["a"])
        for staff in ("a_org_admin", "a_educator", "a_recognition_officer"):
            with pytest.raises(Forbidden, match="only the learner makes its claim link"):
                claims.new_link(db, person(db, world, staff), organisation, credential_id, base_url="http://x.test")
        with pytest.raises(Forbidden):
            claims.new_link(db, Actor.operator(), organisation, credential_id, base_url="http://x.test")

    for role in (Role.ORG_ADMIN, Role.EDUCATOR):
        refused = client.post(
            f"/api/orgs/a/credentials/{credential_id}/claim-link", json={}, headers=bearer(database, world, "a", role)
        )
        assert_error(refused, 403, "rpl_learner_only")
        assert "/claim/" not in refused.text
    log_in(client, "org_admin@a.example", world.passwords["org_admin@a.example"])
    page = client.get(f"/orgs/a/credentials/{credential_id}")
    assert page.status_code == 200 and 'id="claim-by-learner"' in page.text and "claim-link" not in page.text
    posted = client.post(
        f"/orgs/a/credentials/{credential_id}/claim-link", data={"csrf_token": csrf_from(page.text), "days": "30"}
    )
    assert posted.status_code == 403 and "only the learner makes its claim link" in posted.text
    assert "/claim/" not in posted.text
    with database.session() as db:
        assert db.get_one(IssuedCredential, credential_id).claim_hash is None
        # The learner's own route still makes it.
        case = db.merge(case)
        url, _expires = rpl_certification.learner_claim_link(
            db, person(db, world, "a_learner"), case, base_url=settings.base_url
        )
        assert claims.open_link(db, url.rsplit("/", 1)[1]).id == credential_id
