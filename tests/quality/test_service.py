"""Quality data: learner and employer feedback, enrolments and completions, verifications and shares,
recognition outcomes — every figure for the provider, and in the catalogue only once enough people stand
behind it."""

from __future__ import annotations

import html
import json
import re
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from microcred.accounts import members
from microcred.accounts.models import Role, User
from microcred.accounts.principal import Actor
from microcred.config import Settings
from microcred.errors import Conflict, InvalidInput, NotFound
from microcred.issuing import keys
from microcred.quality import service as quality
from microcred.quality.models import Feedback, VerificationEvent
from microcred.recognition import cases as recognition
from microcred.recognition.models import DecisionOutcome
from microcred.store import Database
from microcred.wallet import service as wallet
from microcred.wallet.models import ShareView, WalletCredential
from tests.conftest import TEST_SECRET, World, csrf_from, log_in
from tests.recognition.test_cases import a_pathway, at_once, in_wallet, published, settings_of, verifier_of
from tests.web.test_api import bearer

MINIMUM = 3


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url, secret_key=TEST_SECRET, quality_min_responses=MINIMUM)


def learners(db: Session, world: World, count: int) -> list[User]:
    """More learners of organisation A (the world has one)."""
    made = []
    for n in range(count):
        membership, _password = members.add_member(
            db, Actor.operator(), db.merge(world.orgs["a"]), email=f"learner{n}@quality.example", role=Role.LEARNER
        )
        made.append(membership.user)
    return made


def claimed_by(settings: Settings, db: Session, world: World, spec_id: uuid.UUID, user: User) -> WalletCredential:
    """A's award of the edition, claimed by `user` (in_wallet claims it for A's learner; the claim moves)."""
    item = in_wallet(settings, db, world, spec_id)
    item.user_id = user.id
    db.flush()
    return item


def catalogue_text(client: TestClient, spec_id: uuid.UUID) -> str:
    page = client.get(f"/catalogue/{spec_id}")
    assert page.status_code == 200, page.text
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


def test_learner_feedback_reaches_the_catalogue_only_once_enough_learners_answered(
    client: TestClient, database: Database, world: World
) -> None:
    settings = settings_of(client)
    with database.session() as db:
        spec_id = published(db, world)
        others = learners(db, world, MINIMUM - 1)
        mine = in_wallet(settings, db, world, spec_id)
        theirs = [claimed_by(settings, db, world, spec_id, user) for user in others]
        quality.learner_feedback(db, others[0], theirs[0].id, satisfaction=5, comment="Straight into my job.")
    assert "learners' feedback (until 3 learners have answered)" in catalogue_text(client, spec_id)

    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    page = client.get(f"/wallet/{mine.id}")
    assert "How satisfied are you with this micro-credential?" in page.text
    refused = client.post(
        f"/wallet/{mine.id}/feedback",
        data={"satisfaction": "3", "comment": "bad\x00", "csrf_token": csrf_from(page.text)},
    )
    assert refused.status_code == 422 and "printable text" in refused.text
    sent = client.post(
        f"/wallet/{mine.id}/feedback",
        data={"satisfaction": "2", "comment": "Too short for the price.", "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    changed = client.post(  # a second answer replaces the first
        f"/wallet/{mine.id}/feedback",
        data={"satisfaction": "3", "comment": "Too short for the price.", "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert "You answered 3 out of 5" in client.get(f"/wallet/{mine.id}").text
    with database.session() as db:
        assert quality.figures(db, spec_id, minimum=MINIMUM).learners.responses == 2
        quality.learner_feedback(db, others[1], theirs[1].id, satisfaction=4, comment=None)

    shown = catalogue_text(client, spec_id)
    assert "What learners say 4.0 out of 5, from 3 answers" in shown
    assert "Straight into my job." in shown and "Too short for the price." in shown
    assert "Lena" not in shown and "learner0@" not in shown  # nobody is named
    assert "learners' feedback (until" not in shown
    assert "completions, verifications and shares" not in shown  # three completed: published too
    assert "Completed 3 learners" in shown
    published_json = client.get(f"/api/catalogue/{spec_id}/quality").json()
    assert published_json["learners"]["responses"] == 3 and published_json["employers"] is None


def test_feedback_only_on_credentials_issued_here_and_in_range(
    client: TestClient, database: Database, world: World
) -> None:
    settings = settings_of(client)
    with database.session() as db:
        spec_id = published(db, world)
        item = in_wallet(settings, db, world, spec_id)
        learner = db.merge(world.users["a_learner"])
        foreign = WalletCredential(
            user_id=learner.id,
            document=item.document,
            kind="open-badge",
            title="A copy",
            issuer_name="A",
            source="upload",
        )
        db.add(foreign)
        db.flush()
        with pytest.raises(InvalidInput, match="issued on this platform; this credential came from elsewhere"):
            quality.learner_feedback(db, learner, foreign.id, satisfaction=4, comment=None)
        for bad in (0, 6, True):
            with pytest.raises(InvalidInput, match="from 1 \\(poor\\) to 5"):
                quality.learner_feedback(db, learner, item.id, satisfaction=bad, comment=None)
        someone_else = db.merge(world.users["b_learner"])
        with pytest.raises(NotFound, match="^Your wallet holds no such credential.$"):
            quality.learner_feedback(db, someone_else, item.id, satisfaction=4, comment=None)
        foreign_id = foreign.id
    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    assert "Your feedback to the provider" not in client.get(f"/wallet/{foreign_id}").text


def test_an_employer_answers_once_per_credential_however_many_links_its_holder_made(
    client: TestClient, database: Database, world: World
) -> None:
    settings = settings_of(client)
    with database.session() as db:
        spec_id = published(db, world)
        item = in_wallet(settings, db, world, spec_id)
        learner = db.merge(world.users["a_learner"])
        token, link = wallet.share(db, learner, item.id, days=7, hidden=[])
        another, _ = wallet.share(db, learner, item.id, days=7, hidden=[])
        withdrawn, old = wallet.share(db, learner, item.id, days=7, hidden=[])
        old.revoked_at = old.created_at
        link_id = link.id

    def views() -> int:
        with database.session() as db:
            return int(db.scalar(select(func.count()).select_from(ShareView).where(ShareView.share_id == link_id)) or 0)

    page = client.get(f"/share/{token}")
    assert "How well does this micro-credential prepare for work?" in page.text
    csrf = csrf_from(page.text)
    sent = client.post(
        f"/share/{token}/feedback",
        data={"satisfaction": "4", "comment": "Ready from day one.", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    thanks = "Feedback on this credential has been given by someone it was shared with: thank you."
    assert thanks in html.unescape(client.get(f"/share/{token}").text)
    assert views() == 2  # the two openings of the page
    again = client.post(f"/share/{token}/feedback", data={"satisfaction": "1", "csrf_token": csrf})
    assert again.status_code == 409 and quality.ANSWERED in html.unescape(again.text)
    assert views() == 2  # a refused answer shows the page again: it is not another opening of the link
    for other in (token, another):  # another link to the same credential is not another answer
        answer = client.post(f"/api/share/{other}/feedback", json={"satisfaction": 1})
        assert answer.status_code == 409 and answer.json() == {"error": "feedback_given", "detail": quality.ANSWERED}
    gone = client.post(f"/api/share/{withdrawn}/feedback", json={"satisfaction": 5})
    assert gone.status_code == 404
    with database.session() as db:
        employers = quality.figures(db, spec_id, minimum=MINIMUM).employers
        assert (employers.responses, employers.mean, employers.comments) == (1, 4.0, ["Ready from day one."])


def test_the_holder_cannot_answer_as_an_employer_about_their_own_credential(
    client: TestClient, database: Database, world: World
) -> None:
    settings = settings_of(client)
    with database.session() as db:
        spec_id = published(db, world)
        item = in_wallet(settings, db, world, spec_id)
        token, _link = wallet.share(db, db.merge(world.users["a_learner"]), item.id, days=7, hidden=[])
        item_id = item.id
    own = "This is your own credential: feedback through a share link is for whoever you share it with."
    api = client.post(
        f"/api/share/{token}/feedback", json={"satisfaction": 5}, headers=bearer(database, world, "a", Role.LEARNER)
    )
    assert api.status_code == 403 and api.json()["error"] == "own_credential" and api.json()["detail"].startswith(own)
    log_in(client, "learner@a.example", world.passwords["learner@a.example"])
    page = client.get(f"/share/{token}")
    assert 'id="feedback-own"' in page.text and 'id="feedback-form"' not in page.text
    assert f'href="/wallet/{item_id}#feedback"' in page.text
    refused = client.post(f"/share/{token}/feedback", data={"satisfaction": "5", "csrf_token": csrf_from(page.text)})
    assert refused.status_code == 403 and own in html.unescape(refused.text)
    with database.session() as db:
        assert quality.figures(db, spec_id, minimum=MINIMUM).employers.responses == 0
    # Anyone else, signed in or not, may still answer.
    client.cookies.clear()
    answered = client.post(f"/api/share/{token}/feedback", json={"satisfaction": 4})
    assert answered.status_code == 201, answered.text
    other = client.post(
        f"/api/share/{token}/feedback", json={"satisfaction": 4}, headers=bearer(database, world, "b", Role.LEARNER)
    )
    assert other.status_code == 409


def test_a_learner_s_first_answer_sent_twice_at_once_is_one_answer(
    client: TestClient, database: Database, world: World
) -> None:
    with database.session() as db:
        item_id = in_wallet(settings_of(client), db, world, published(db, world)).id
    learner_id = world.users["a_learner"].id

    def answering(satisfaction: int) -> Callable[[Session], object]:
        def answer(db: Session) -> object:
            learner = db.get_one(User, learner_id)
            return quality.learner_feedback(db, learner, item_id, satisfaction=satisfaction, comment=None)

        return answer

    error = at_once(database, answering(4), answering(2), reached="INSERT INTO quality_feedback")
    assert isinstance(error, Conflict) and error.code == "feedback_given", error
    assert error.detail == "Your feedback was saved a moment ago: reload the page to see it, and change it there."
    with database.session() as db:
        assert db.scalars(select(Feedback.satisfaction)).all() == [4]


def test_verifications_count_once_per_verifier_channel_and_day_and_only_the_credential_issued(
    client: TestClient, database: Database, world: World
) -> None:
    settings = settings_of(client)
    with database.session() as db:
        spec_id = published(db, world)
        item = in_wallet(settings, db, world, spec_id)
        issued_id, document = item.issued_credential_id, item.document
    assert client.get(f"/verify/{issued_id}").status_code == 200
    assert client.get(f"/verify/{issued_id}").status_code == 200  # the same verifier again today
    assert client.post("/credentials/verify", json={"verifiableCredential": document}).status_code == 200
    tampered = {**document, "name": "Something else"}
    assert client.post("/credentials/verify", json={"verifiableCredential": tampered}).status_code == 400
    unsigned = {key: value for key, value in document.items() if key != "proof"}
    assert client.post("/credentials/verify", json={"verifiableCredential": unsigned}).status_code == 400
    # The verifier page's upload, and a presentation the holder made for a verifier.
    csrf = csrf_from(client.get("/verify").text)
    for given in (document, document, tampered):
        uploaded = client.post(
            "/verify",
            data={"csrf_token": csrf},
            files={"file": ("credential.json", json.dumps(given).encode(), "application/json")},
        )
        assert uploaded.status_code == 200, uploaded.text
    asked = {"challenge": "c-quality-1", "domain": "employer.example"}
    with database.session() as db:
        learner = db.merge(world.users["a_learner"])
        presentation = wallet.present(
            db, learner, [item.id], master=keys.master_key(settings.resolved_master_key()), **asked
        )
    presented = client.post("/presentations/verify", json={"verifiablePresentation": presentation, "options": asked})
    assert presented.status_code == 200 and presented.json()["verified"] is True, presented.text
    with database.session() as db:
        channels = db.scalars(
            select(VerificationEvent.channel).where(VerificationEvent.issued_credential_id == issued_id)
        ).all()
        assert sorted(channels) == ["api", "page", "presentation", "upload"]
        assert quality.figures(db, spec_id, minimum=MINIMUM).verifications == 4


def test_recognition_outcomes_reach_the_catalogue_only_once_enough_cases_are_decided(
    client: TestClient, database: Database, world: World
) -> None:
    settings = settings_of(client)
    with database.session() as db:
        spec_id = published(db, world)
        item = in_wallet(settings, db, world, spec_id)
        learner, b = db.merge(world.users["a_learner"]), db.merge(world.orgs["b"])
        officer = Actor.person(db.merge(world.users["b_recognition_officer"]))
        programmes = [a_pathway(db, world) for _ in range(MINIMUM - 1)]
        verify = verifier_of(client, db)
        cases = [
            recognition.ask(
                db,
                Actor.person(learner),
                learner,
                wallet_id=item.id,
                organisation=b,
                pathway_id=pathway_id,
                verify=verify,
                base_url=settings.base_url,
            ).id
            for pathway_id in [None, *programmes]
        ]
        for case_id, outcome in zip(
            cases[:-1], (DecisionOutcome.RECOGNISED_FULLY, DecisionOutcome.REFUSED), strict=True
        ):
            recognition.decide(db, officer, b, case_id, outcome=outcome, reasons="Decided on the evidence given.")
    shown = catalogue_text(client, spec_id)
    assert "recognition outcomes (until 3 cases have been decided)" in shown and "Recognition elsewhere" not in shown
    assert client.get(f"/api/catalogue/{spec_id}/quality").json()["recognition"] is None
    with database.session() as db:
        officer = Actor.person(db.merge(world.users["b_recognition_officer"]))
        recognition.decide(
            db,
            officer,
            db.merge(world.orgs["b"]),
            cases[-1],
            outcome=DecisionOutcome.RECOGNISED_PARTLY,
            credits=Decimal(2),
            reasons="Part of the first module is covered.",
        )
    shown = catalogue_text(client, spec_id)
    assert "Of 3 recognition requests decided: 1 recognised fully, 1 partly, 1 refused." in shown
    assert "recognition outcomes (until" not in shown
    assert client.get(f"/api/catalogue/{spec_id}/quality").json()["recognition"] == {
        "recognised_fully": 1,
        "recognised_partly": 1,
        "refused": 1,
    }
