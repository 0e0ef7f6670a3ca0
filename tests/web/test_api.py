"""The JSON API as the web kit serves it: bearer tokens, tenant isolation, one error shape, health, limits (the
accounts routes themselves are tested in tests/accounts/test_api.py)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from microcred.accounts import invitations, members, service, tokens
from microcred.accounts.models import Role
from microcred.accounts.principal import Actor
from microcred.config import Settings
from microcred.design import service as design
from microcred.design.schemas import SpecificationContent
from microcred.issuing import batch, credentials, documents, identities, keys, seals
from microcred.issuing.sources import verify_here
from microcred.pathways import service as pathways
from microcred.recognition import agreements, rpl, rpl_evidence
from microcred.recognition import cases as recognition
from microcred.skills import cohorts
from microcred.store import Database
from microcred.store.migrate import head_revision
from microcred.web.app import create_app, route_access_table
from tests.conftest import TEST_SECRET, World
from tests.design.fixtures import annex_i_minimum


def bearer(database: Database, world: World, org: str, role: Role) -> dict[str, str]:
    with database.session() as db:
        organisation = service.organisation_for(db, Actor.operator(), org)
        owner = world.users[f"{org}_{role.value}"]
        _token, secret = tokens.create_api_token(
            db, Actor.operator(), organisation, owner=owner, role=role, name="test client"
        )
    return {"Authorization": f"Bearer {secret}"}


def assert_error(response, status: int, code: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) - {"problems"} == {"error", "detail"}  # "problems": a sentence each, when there are several
    assert body["error"] == code
    assert body["detail"].endswith(".") and len(body["detail"]) > 10
    return body


def test_health_reports_the_database(client: TestClient, database: Database) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "dialect": database.engine.dialect.name, "revision": head_revision()}
    assert body["vectors"] == {"state": "absent", "done": 0, "total": 0}


def test_health_says_how_far_the_sentence_vectors_are(client: TestClient, settings: Settings) -> None:
    from microcred.taxonomy import embeddings

    progress = embeddings.BuildProgress(settings.vectors_dir)  # what `microcred taxonomy vectors` writes
    progress.start({"skills": 13_939, "occupations": 3_008})
    progress.advance("skills", 4_200, 13_939)
    assert client.get("/health").json()["vectors"] == {"state": "building", "done": 4_200, "total": 16_947}
    progress.advance("skills", 13_939, 13_939)
    progress.advance("occupations", 512, 3_008)
    assert client.get("/health").json()["vectors"] == {"state": "building", "done": 14_451, "total": 16_947}
    progress.finish()
    assert client.get("/health").json()["vectors"] == {"state": "ready", "done": 16_947, "total": 16_947}
    progress.fail("The build failed (MemoryError); see its log.")
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["vectors"]["state"] == "failed"
    openapi = client.get("/openapi.json").json()
    described = openapi["components"]["schemas"]["VectorsHealth"]
    assert described["properties"]["state"]["enum"] == ["building", "ready", "absent", "failed"]
    assert "vectors" in openapi["paths"]["/health"]["get"]["description"]


def test_health_says_absent_when_semantic_matching_is_off(settings: Settings, database: Database) -> None:
    from microcred.taxonomy import embeddings, search

    embeddings.BuildProgress(settings.vectors_dir).finish()
    try:
        with TestClient(create_app(settings.model_copy(update={"embeddings": "off"}), database)) as client:
            assert client.get("/health").json()["vectors"] == {"state": "absent", "done": 0, "total": 0}
    finally:
        search.configure(None, "off")


def test_health_says_when_the_database_is_down(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(
        data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'no-schema.db'}", secret_key=TEST_SECRET
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["database"]["ok"] is False
    assert response.json()["vectors"]["state"] == "absent"  # said all the same: it needs no database


def test_openapi_lists_the_api_and_docs_are_served(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/orgs/{org}/members" in spec["paths"]
    assert "/login" not in spec["paths"]  # pages stay out of the API description
    assert client.get("/docs").status_code == 200


def test_unknown_api_route_gets_the_json_404(client: TestClient) -> None:
    assert_error(client.get("/api/no-such-thing"), 404, "not_found")
    assert_error(client.delete("/api/me"), 405, "method_not_allowed")


def test_unknown_page_gets_an_html_404(client: TestClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Page not found</h1>" in response.text


def test_anonymous_api_calls_get_401(client: TestClient) -> None:
    response = client.get("/api/me")
    assert_error(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"] == "Bearer"
    assert_error(client.get("/api/me", headers={"Authorization": "Bearer mct_forged"}), 401, "invalid_token")
    # Another scheme (a proxy's Basic auth) is not ours: the caller is simply not signed in.
    assert_error(client.get("/api/me", headers={"Authorization": "Basic abc"}), 401, "unauthenticated")
    assert client.get("/login", headers={"Authorization": "Basic abc"}).status_code == 200


def test_validation_errors_name_the_field(client: TestClient, database: Database, world: World) -> None:
    headers = bearer(database, world, "a", Role.ORG_ADMIN)
    body = assert_error(
        client.post("/api/orgs/a/members", json={"email": "x@y.example", "role": "boss"}, headers=headers),
        422,
        "invalid_request",
    )
    assert body["detail"] == "Role must be one of: org_admin, educator, learner, recognition_officer."
    body = assert_error(
        client.post(
            "/api/orgs/a/members", content=b"{not json", headers={**headers, "content-type": "application/json"}
        ),
        422,
        "invalid_request",
    )
    assert body["detail"] == "The request body is not valid JSON."


def test_oversized_bodies_get_413(tmp_path, database: Database, database_url: str) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path, database_url=database_url, secret_key=TEST_SECRET, max_body_bytes=1000)
    with TestClient(create_app(settings, database)) as client:
        declared = client.post("/api/orgs", content=b"x" * 1001, headers={"content-type": "application/json"})
        assert_error(declared, 413, "request_too_large")

        def stream():  # type: ignore[no-untyped-def]
            for _ in range(5):
                yield b"y" * 400

        streamed = client.post("/api/orgs", content=stream(), headers={"content-type": "application/json"})
        assert_error(streamed, 413, "request_too_large")
        page = client.post("/login", content=b"e" * 2000, headers={"content-type": "application/x-www-form-urlencoded"})
        assert page.status_code == 413 and page.headers["content-type"].startswith("text/html")


# Tenant isolation ----------------------------------------------------------------------------------

ORG_ROUTES = [
    ("GET", "/api/orgs/{org}", None),
    ("PATCH", "/api/orgs/{org}", {"homepage": "https://evil.example"}),
    ("GET", "/api/orgs/{org}/members", None),
    ("POST", "/api/orgs/{org}/members", {"email": "spy@evil.example", "role": "org_admin"}),
    ("GET", "/api/orgs/{org}/members/{user}", None),
    ("PATCH", "/api/orgs/{org}/members/{user}", {"role": "learner"}),
    ("DELETE", "/api/orgs/{org}/members/{user}", None),
    ("POST", "/api/orgs/{org}/members/{user}/setup-link", None),
    ("GET", "/api/orgs/{org}/invitations", None),
    ("DELETE", "/api/orgs/{org}/invitations/{invitation}", None),
    ("GET", "/api/orgs/{org}/tokens", None),
    ("POST", "/api/orgs/{org}/tokens", {"name": "spy", "role": "learner"}),
    ("DELETE", "/api/orgs/{org}/tokens/{token}", None),
    ("GET", "/api/orgs/{org}/audit", None),
    ("GET", "/api/orgs/{org}/cohorts", None),
    ("GET", "/api/orgs/{org}/pathways", None),
    ("POST", "/api/orgs/{org}/pathways", {"title": "spy path", "qualification": "spy", "rules": {}}),
    (
        "PUT",
        "/api/orgs/{org}/pathways/{pathway}",
        {"title": "hijacked", "qualification": "hijacked", "rules": {"kind": "open", "total_credits": 1}},
    ),
    ("DELETE", "/api/orgs/{org}/pathways/{pathway}", None),
    ("POST", "/api/orgs/{org}/cohorts", {"name": "spy cohort"}),
    ("GET", "/api/orgs/{org}/cohorts/{cohort}/learners", None),
    ("GET", "/api/orgs/{org}/cohorts/{cohort}/skills-distribution", None),
    ("GET", "/api/orgs/{org}/specifications", None),
    ("POST", "/api/orgs/{org}/specifications", {"title": "spy"}),
    ("POST", "/api/orgs/{org}/specifications/import", {"type": "Qualification", "title": {"en": "spy"}}),
    ("GET", "/api/orgs/{org}/specifications/{spec}", None),
    ("PUT", "/api/orgs/{org}/specifications/{spec}", {"title": "hijacked"}),
    ("GET", "/api/orgs/{org}/specifications/{spec}/report", None),
    ("POST", "/api/orgs/{org}/specifications/{spec}/publish", {}),
    ("POST", "/api/orgs/{org}/specifications/{spec}/review", {}),
    ("POST", "/api/orgs/{org}/specifications/{spec}/withdraw", None),
    ("GET", "/api/orgs/{org}/specifications/{spec}/editions/1", None),
    ("GET", "/api/orgs/{org}/specifications/{spec}/export", None),
    ("GET", "/api/orgs/{org}/specifications/{spec}/quality", None),
    ("POST", "/api/orgs/{org}/specifications/{spec}/enrolments", {"edition": 1, "period": "Spy", "enrolled": 9}),
    ("GET", "/api/orgs/{org}/design/profiles", None),
    ("PUT", "/api/orgs/{org}/design/profiles", {"profiles": ["cmf"]}),
    ("GET", "/api/orgs/{org}/design/overdue-reviews", None),
    (
        "POST",
        "/api/orgs/{org}/specifications/{spec}/editions/1/credentials",
        {"learner": {"name": "Spy", "email": "spy@evil.example"}, "result": {"awarded": "2026-11-01"}},
    ),
    ("GET", "/api/orgs/{org}/keys", None),
    ("POST", "/api/orgs/{org}/keys/rotate", {"algorithm": "Ed25519"}),
    ("GET", "/api/orgs/{org}/seal-certificates", None),
    ("POST", "/api/orgs/{org}/seal-certificates", None),
    (
        "POST",
        "/api/orgs/{org}/specifications/{spec}/editions/1/credentials/batch",
        {"items": [{"learner": {"name": "Spy", "email": "spy@evil.example"}, "result": {"awarded": "2026-11-01"}}]},
    ),
    ("GET", "/api/orgs/{org}/runs/{run}", None),
    ("GET", "/api/orgs/{org}/runs/{run}/result.csv", None),
    ("POST", "/api/orgs/{org}/credentials/{credential}/claim-link", {"days": 3}),
    ("GET", "/api/orgs/{org}/rpl", None),
    ("POST", "/api/orgs/{org}/rpl", {"specification_id": str(uuid.UUID(int=0)), "learner_email": "spy@evil.example"}),
    ("GET", "/api/orgs/{org}/rpl/{rpl}", None),
    ("POST", "/api/orgs/{org}/rpl/{rpl}/owner", {}),
    ("POST", "/api/orgs/{org}/rpl/{rpl}/stage", {"to": "documentation"}),
    ("POST", "/api/orgs/{org}/rpl/{rpl}/evidence", None),
    ("GET", "/api/orgs/{org}/rpl/{rpl}/evidence/{evidence}", None),
    ("PUT", "/api/orgs/{org}/rpl/{rpl}/assessment", {"outcomes": [], "result": "passed", "comment": "spy"}),
    ("POST", "/api/orgs/{org}/rpl/{rpl}/certify", None),
    ("POST", "/api/orgs/{org}/rpl/{rpl}/close", {"reason": "spy"}),
    ("GET", "/api/orgs/{org}/recognition/cases", None),
    ("POST", "/api/orgs/{org}/recognition/cases", {"credential": {"type": ["VerifiableCredential"]}}),
    ("GET", "/api/orgs/{org}/recognition/cases/{recognition}", None),
    ("PUT", "/api/orgs/{org}/recognition/cases/{recognition}/criteria/quality", {"judgement": "met", "comment": "spy"}),
    ("POST", "/api/orgs/{org}/recognition/cases/{recognition}/decision", {"outcome": "refused", "reasons": "Spying."}),
    ("GET", "/api/orgs/{org}/agreements", None),
    (
        "POST",
        "/api/orgs/{org}/agreements",
        {"title": "spy", "parties": ["a"], "specifications": [], "pathways": [], "validity_years": 1},
    ),
    ("GET", "/api/orgs/{org}/agreements/{agreement}", None),
    ("POST", "/api/orgs/{org}/agreements/{agreement}/accept", None),
    ("POST", "/api/orgs/{org}/agreements/{agreement}/end", None),
    ("GET", "/api/orgs/{org}/pathways/{pathway}/free-electives", None),
    ("PUT", "/api/orgs/{org}/pathways/{pathway}/free-electives", {"credits": "1"}),
    ("GET", "/api/orgs/{org}/did-keys", None),
    ("POST", "/api/orgs/{org}/did-keys", {"algorithm": "P-256", "label": "spy key"}),
    ("POST", "/api/orgs/{org}/did-keys/{didkey}/retire", None),
    ("GET", "/api/orgs/{org}/issuers", None),
    ("POST", "/api/orgs/{org}/issuers", {"label": "spy instance", "identity": "did:web"}),
    ("DELETE", "/api/orgs/{org}/issuers/{instance}", None),
]


def issued_and_queued(db: Session, organisation: Any, spec_id: uuid.UUID, settings: Settings) -> tuple[Any, Any]:
    """One credential issued from the organisation's published edition and one run queued: ids for probing."""
    credential_id = credentials.issue_edition(
        db,
        Actor.operator(),
        organisation,
        spec_id,
        1,
        documents.Learner(name="Bea", email="bea@b.example"),
        documents.Result(awarded=date(2026, 11, 1)),
        base_url=settings.base_url,
        master=keys.master_key(settings.resolved_master_key()),
    ).id
    item = {"learner": {"name": "Bo", "email": "bo@b.example"}, "result": {"awarded": "2026-11-01"}}
    rows = batch.from_items([item], spec_id=spec_id, edition=1)
    run_id = batch.start(db, Actor.operator(), organisation, spec_id, 1, rows).id
    return credential_id, run_id


def recognition_of_b(
    session: Session, b: Any, spec_id: uuid.UUID, pathway_id: uuid.UUID, credential_id: uuid.UUID, settings: Settings
) -> tuple[uuid.UUID, uuid.UUID]:
    """A recognition case of B's (on B's credential) and an agreement B proposed to a third organisation."""
    master = keys.master_key(settings.resolved_master_key())
    case = recognition.open_from_document(
        session,
        Actor.operator(),
        b,
        credentials.find_issued(session, b, credential_id).document,
        pathway_id=pathway_id,
        verify=lambda document: verify_here(session, document, base_url=settings.base_url, master=master),
        base_url=settings.base_url,
    )
    service.create_organisation(session, Actor.operator(), legal_name="Gamma College", country="FR", slug="c")
    agreement = agreements.propose(
        session,
        Actor.operator(),
        b,
        title="B and C",
        parties=["c"],
        specifications=[spec_id],
        pathways=[pathway_id],
        min_grade=None,
        validity_years=2,
    )
    return case.id, agreement.id


def rpl_case_of_b(session: Session, b: Any, spec_id: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    """An RPL case B opened (without an owner) for B's learner, who shared their profile, moved it to
    documentation and uploaded one evidence file: the case's id and the file's."""
    case = rpl.open_for_learner(session, Actor.operator(), b, spec_id=spec_id, learner_email="learner@b.example")
    learner = Actor.person(service.user_by_email(session, "learner@b.example"))
    rpl.share_profile(session, learner, case)
    rpl.advance(session, learner, case, "documentation")
    statement = b"I ran the content calendar of a five-person team for two years.\n"
    evidence = rpl_evidence.add_evidence(session, learner, case, filename="statement.txt", data=statement, outcomes=[1])
    return case.id, evidence.id


def assert_recognition_of_b_unchanged(
    session: Session,
    b: Any,
    *,
    pathway_id: uuid.UUID,
    rpl_case_id: uuid.UUID,
    evidence_id: uuid.UUID,
    recognition_id: uuid.UUID,
    agreement_id: uuid.UUID,
) -> None:
    """B's RPL case, recognition case, agreement and free electives still as rpl_case_of_b and recognition_of_b
    made them: what the isolation tests check after A's attempts."""
    b_case = rpl.case_for_staff(session, b, rpl_case_id)
    assert b_case.state.value == "documentation" and b_case.owner_id is None
    assert b_case.assessment is None and b_case.result is None and b_case.credential_id is None
    assert [(e.id, e.filename) for e in rpl.evidence_of(session, b_case)] == [(evidence_id, "statement.txt")]
    assert [row.case.id for row in rpl.cases_of_organisation(session, b)] == [rpl_case_id]
    b_recognition = recognition.case_of(session, b, recognition_id)
    assert b_recognition.state.value == "open" and recognition.decisions(session, b_recognition) == []
    assert all(row.edited_at is None for row in recognition.criteria(session, b_recognition))
    assert [c.id for c in recognition.cases_of(session, b)] == [recognition_id]
    assert agreements.find(session, b, agreement_id).state.value == "proposed"
    assert [a.id for a in agreements.of_organisation(session, b)] == [agreement_id]
    assert agreements.free_electives(session, pathway_id) is None


def test_every_org_scoped_api_route_is_in_the_isolation_list(app: FastAPI) -> None:
    scoped = {
        (method, row["path"])
        for row in route_access_table(app)
        for method in row["methods"]
        if row["path"].startswith("/api/orgs/{org}")
    }
    listed = {
        (
            method,
            path.replace("{user}", "{user_id}")
            .replace("{token}", "{token_id}")
            .replace("{cohort}", "{cohort_id}")
            .replace("{spec}", "{spec_id}")
            .replace("{run}", "{run_id}")
            .replace("{credential}", "{credential_id}")
            .replace("{pathway}", "{pathway_id}")
            .replace("{rpl}", "{case_id}")
            .replace("{evidence}", "{evidence_id}")
            .replace("{recognition}", "{case_id}")
            .replace("{agreement}", "{agreement_id}")
            .replace("{invitation}", "{invitation_id}")
            .replace("{didkey}", "{key_id}")
            .replace("{instance}", "{instance_id}")
            .replace("criteria/quality", "criteria/{criterion}")
            .replace("editions/1", "editions/{number}"),
        )
        for method, path, _ in ORG_ROUTES
    }
    assert scoped == listed


def _rename(path: str, names: dict[str, str]) -> str:
    for old, new in names.items():
        path = path.replace(old, new)
    return path


@pytest.mark.parametrize(("method", "path", "body"), ORG_ROUTES)
def test_admin_of_a_gets_404_for_anything_of_b(
    client: TestClient, database: Database, world: World, db: Session, method: str, path: str, body: object
) -> None:
    a_admin = bearer(database, world, "a", Role.ORG_ADMIN)
    with database.session() as session:
        b = service.organisation_for(session, Actor.operator(), "b")
        b_token, _ = tokens.create_api_token(
            session, Actor.operator(), b, owner=world.users["b_learner"], role=Role.LEARNER, name="b's"
        )
        b_token_id = b_token.id
        b_cohort_id = cohorts.create_cohort(session, Actor.operator(), b, name="B's cohort").id
        b_spec = design.create(session, Actor.operator(), b, SpecificationContent.model_validate(annex_i_minimum()))
        b_spec_id = b_spec.id
        design.publish(session, Actor.operator(), b, b_spec_id)
        b_credential_id, b_run_id = issued_and_queued(session, b, b_spec_id, client.app.state.settings)  # type: ignore[attr-defined]
        b_pathway_id = pathways.create(
            session,
            Actor.operator(),
            b,
            title="B's pathway",
            qualification="B's award",
            rules={"kind": "fixed", "total_credits": 5, "sequence": [str(b_spec_id)]},
        ).id
        b_case_id, b_evidence_id = rpl_case_of_b(session, b, b_spec_id)
        b_recognition_id, b_agreement_id = recognition_of_b(
            session,
            b,
            b_spec_id,
            b_pathway_id,
            b_credential_id,
            client.app.state.settings,  # type: ignore[attr-defined]
        )
        b_invitation_id = members.add_member(
            session, Actor.operator(), b, email="learner@a.example", role=Role.LEARNER
        )[0].id
        master = keys.master_key(client.app.state.settings.resolved_master_key())  # type: ignore[attr-defined]
        b_key = identities.create_key(session, Actor.operator(), b, "Ed25519", "B's did:key", master)
        b_key_id = b_key.id
        b_instance_id = identities.create_instance(
            session,
            Actor.operator(),
            b,
            label="B's instance",
            identity=b_key.did,
            cryptosuite=None,
            base_url=client.app.state.settings.base_url,  # type: ignore[attr-defined]
        ).id
    b_user = world.users["b_learner"].id
    # B's things under B's address, and B's things smuggled under A's address.
    scoped = (
        "{user}",
        "{token}",
        "{cohort}",
        "{spec}",
        "{run}",
        "{credential}",
        "{pathway}",
        "{rpl}",
        "{recognition}",
        "{agreement}",
        "{invitation}",
        "{didkey}",
        "{instance}",
    )
    for org in ("b", "a"):
        url = path.format(
            org=org,
            user=b_user,
            token=b_token_id,
            cohort=b_cohort_id,
            spec=b_spec_id,
            run=b_run_id,
            credential=b_credential_id,
            pathway=b_pathway_id,
            rpl=b_case_id,
            evidence=b_evidence_id,
            recognition=b_recognition_id,
            agreement=b_agreement_id,
            invitation=b_invitation_id,
            didkey=b_key_id,
            instance=b_instance_id,
        )
        if org == "a" and not any(part in path for part in scoped):
            continue
        response = client.request(method, url, json=body, headers=a_admin)
        expected = (
            "organisation_not_found"
            if org == "b"
            else (
                "member_not_found"
                if "{user}" in path
                else "token_not_found"
                if "{token}" in path
                else "cohort_not_found"
                if "{cohort}" in path
                else "run_not_found"
                if "{run}" in path
                else "credential_not_found"
                if "{credential}" in path
                else "pathway_not_found"
                if "{pathway}" in path
                else "rpl_case_not_found"
                if "{rpl}" in path
                else "recognition_case_not_found"
                if "{recognition}" in path
                else "agreement_not_found"
                if "{agreement}" in path
                else "invitation_not_found"
                if "{invitation}" in path
                else "issuer_key_not_found"
                if "{didkey}" in path
                else "issuer_instance_not_found"
                if "{instance}" in path
                else "specification_not_found"
            )
        )
        assert_error(response, 404, expected)
    # Nothing changed in B.
    with database.session() as session:
        b = service.organisation_for(session, Actor.operator(), "b")
        assert b.homepage is None
        assert {m.user.email for m in members.members(session, b)} == {
            "org_admin@b.example",
            "educator@b.example",
            "learner@b.example",
            "recognition_officer@b.example",
        }
        assert tokens.find_token(session, b_token_id).revoked_at is None
        assert [i.id for i in invitations.invitations_of(session, b)] == [b_invitation_id]
        assert [c.name for c, _ in cohorts.cohorts(session, b)] == ["B's cohort"]
        b_spec = design.get(session, b, b_spec_id)
        assert design.status(b_spec) == "published" and b_spec.title == "Digital content for teams"
        assert [r.spec.id for r in design.specifications(session, b)] == [b_spec_id]
        assert design.profiles_of(session, b) == ()
        assert len(keys.keys(session, b)) == 1  # only the key B's own credential made; none rotated
        assert len(credentials.issued(session, b)) == 1 and seals.certificates(session, b) == []
        assert batch.find_run(session, b, b_run_id).state == "queued"
        assert credentials.find_issued(session, b, b_credential_id).claim_hash is None
        b_pathway = pathways.of(session, b, b_pathway_id)
        assert [(k.id, k.retired_at) for k in identities.issuer_keys(session, b)] == [(b_key_id, None)]
        assert [i.id for i in identities.instances(session, b)] == [b_instance_id]
        assert b_pathway.title == "B's pathway" and b_pathway.rules["kind"] == "fixed"
        assert_recognition_of_b_unchanged(
            session,
            b,
            pathway_id=b_pathway_id,
            rpl_case_id=b_case_id,
            evidence_id=b_evidence_id,
            recognition_id=b_recognition_id,
            agreement_id=b_agreement_id,
        )


def test_a_nonexistent_organisation_and_a_foreign_one_look_the_same(
    client: TestClient, database: Database, world: World
) -> None:
    a_admin = bearer(database, world, "a", Role.ORG_ADMIN)
    foreign = client.get("/api/orgs/b/members", headers=a_admin).json()
    missing = client.get("/api/orgs/zz/members", headers=a_admin).json()
    assert foreign["error"] == missing["error"] == "organisation_not_found"
    assert_error(client.get(f"/api/orgs/a/members/{uuid.uuid4()}", headers=a_admin), 404, "member_not_found")


def test_a_route_without_an_access_declaration_is_refused(app: FastAPI) -> None:
    from microcred.web.app import check_access_declared

    check_access_declared(app)

    @app.get("/api/forgotten")
    def forgotten() -> dict[str, str]:
        return {}

    with pytest.raises(RuntimeError, match=r"\['GET'\] /api/forgotten"):
        check_access_declared(app)
