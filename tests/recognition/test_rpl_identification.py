"""Identification, the first stage of an RPL case: the learner's skills profile matched against the learning
outcomes of the edition and their ESCO skills; previewed as it is now before a case opens, and read from the
case's snapshot, which changes only when the learner shares their profile again."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from microcred.accounts.principal import Actor
from microcred.design import catalogue
from microcred.design import service as design
from microcred.design.schemas import SpecificationContent
from microcred.recognition import rpl, rpl_identification
from microcred.skills import service as skills
from microcred.skills.models import ExperienceKind
from microcred.store import Database
from tests.conftest import World
from tests.design.fixtures import OTHER_SKILL, SKILL, annex_i_minimum
from tests.recognition.test_rpl import person, published, with_a_profile


def published_with(db: Session, world: World, outcomes: list[dict[str, Any]]) -> uuid.UUID:
    organisation = db.merge(world.orgs["a"])
    content = SpecificationContent.model_validate(annex_i_minimum(learning_outcomes=outcomes))
    spec = design.create(db, Actor.operator(), organisation, content)
    design.publish(db, Actor.operator(), organisation, spec.id)
    return spec.id


def test_the_profile_as_it_is_now_previews_what_it_would_cover(database: Database, world: World) -> None:
    with database.session() as db:
        spec_id = published_with(
            db,
            world,
            [
                {"text": "Develop content and stimulate creativity in a team", "skills": [OTHER_SKILL, SKILL]},
                {"text": "Write a team plan"},
            ],
        )
        content = catalogue.published(db, spec_id).content
        learner = with_a_profile(db, world)  # OTHER_SKILL, at strength 4, from a job
        first, second = rpl_identification.preview(db, learner, content)
        assert (first.number, first.status, second.number, second.status) == (1, "partly", 2, "unlinked")
        assert [uri for uri, _label in first.skills] == [OTHER_SKILL, SKILL]
        assert all(label != uri for uri, label in first.skills)  # ESCO's labels, not the bare addresses
        assert [(m["uri"], m["strength"], m["experiences"]) for m in first.matched] == [
            (OTHER_SKILL, 4, ["Community manager"])
        ]
        assert first.status_label == "The profile covers part of it"
        assert second.status_label == "No ESCO skill linked: judged from the evidence"
        nobody = db.merge(world.users["b_learner"])
        assert [m.status for m in rpl_identification.preview(db, nobody, content)] == ["not_covered", "unlinked"]


def test_a_case_reads_the_profile_the_learner_shared_and_only_that(database: Database, world: World) -> None:
    with database.session() as db:
        spec_id = published(db, world)  # outcome 1 needs OTHER_SKILL, outcome 2 SKILL
        learner_user = with_a_profile(db, world)
        officer, learner = person(db, world, "a_recognition_officer"), person(db, world, "a_learner")
        organisation = db.merge(world.orgs["a"])
        case = rpl.open_for_learner(db, officer, organisation, spec_id=spec_id, learner_email="learner@a.example")

        unshared = rpl_identification.identification(db, case)
        assert not unshared.shared and unshared.taken_at is None and unshared.experiences == []
        assert [o.status for o in unshared.outcomes] == ["not_covered", "not_covered"] and unshared.covered == []

        rpl.share_profile(db, learner, case)
        shared = rpl_identification.identification(db, case)
        assert shared.shared and shared.taken_at == case.profile_taken_at and shared.covered == [1]
        [experience] = shared.experiences
        assert experience["title"] == "Community manager" and experience["kind"] == ExperienceKind.JOB.label
        assert [s["uri"] for s in experience["skills"]] == [OTHER_SKILL]

        # What the learner adds afterwards reaches the case only when they share their profile again.
        workshops = skills.add_experience(db, learner_user, kind=ExperienceKind.JOB, title="Workshop lead")
        skills.set_skill(db, learner_user, workshops.id, SKILL, 3)
        assert rpl_identification.identification(db, case).covered == [1]
        rpl.share_profile(db, learner, case)
        assert rpl_identification.identification(db, case).covered == [1, 2]
        content = rpl.edition_of(db, case)[1]
        assert rpl_identification.identification(db, case, content).covered == [1, 2]  # the caller's content
