"""The audit log: each organisation sees its own events and its members' logins since they joined, on SQLite and
PostgreSQL."""

from __future__ import annotations

from sqlalchemy.orm import Session

from microcred.accounts import audit, invitations, login, members, service
from microcred.accounts.models import Role
from microcred.accounts.principal import Actor
from tests.conftest import World

operator = Actor.operator()


def test_an_organisations_audit_log_shows_only_its_own_and_its_members_logins_since_joining(
    db: Session, world: World
) -> None:
    a, b = service.organisation_for(db, operator, "a"), service.organisation_for(db, operator, "b")
    members.add_member(db, operator, b, email="secret.hire@b.example", role=Role.LEARNER)
    login.authenticate(db, "org_admin@b.example", world.passwords["org_admin@b.example"])
    db.commit()
    # B's admin joins A afterwards; A must not see B's history or B's admin's earlier logins.
    invitation, _token = members.add_member(db, operator, a, email="org_admin@b.example", role=Role.LEARNER)
    db.commit()
    holder = Actor.person(db.merge(world.users["b_org_admin"]))
    invitations.accept_invitation(db, holder, invitation.id)
    db.commit()
    login.authenticate(db, "org_admin@b.example", world.passwords["org_admin@b.example"])
    db.commit()
    events = audit.events_for_organisation(db, a)
    summaries = [event.summary for event in events]
    assert not any("secret.hire" in summary for summary in summaries)
    assert summaries.count("org_admin@b.example logged in") == 1
    assert all(event.organisation_id in (a.id, None) for event in events)
    assert any("secret.hire" in event.summary for event in audit.events_for_organisation(db, b))


def test_the_log_pages_newest_first_and_never_past_its_cap(db: Session, world: World) -> None:
    organisation = service.organisation_for(db, operator, "a")
    for n in range(3):
        audit.record(db, operator, "test.event", object_type="thing", object_id=n, organisation=organisation)
    db.commit()
    newest = audit.events_for_organisation(db, organisation, limit=2)
    assert [(e.action, e.object_id) for e in newest] == [("test.event", "2"), ("test.event", "1")]
    older = audit.events_for_organisation(db, organisation, limit=2, before_id=newest[-1].id)
    assert older[0].object_id == "0" and all(e.id < newest[-1].id for e in older)
    assert len(audit.events_for_organisation(db, organisation, limit=10_000)) <= audit.MAX_PAGE
    assert len(audit.events_for_organisation(db, organisation, limit=0)) == 1


def test_redaction_blanks_the_person_where_they_stand_alone_and_keeps_the_event(db: Session, world: World) -> None:
    organisation = service.organisation_for(db, operator, "a")
    learner = db.merge(world.users["a_learner"])
    own = audit.record(
        db,
        Actor.person(learner, ip="203.0.113.5"),
        "thing.done",
        object_type="thing",
        organisation=organisation,
        summary="learner@a.example did a thing",
        note="for learner@a.example",
    )
    other = audit.record(
        db, operator, "thing.done", object_type="thing", organisation=organisation, summary="x.learner@a.example too"
    )
    db.commit()
    count = audit.redact(db, user_id=learner.id, email="learner@a.example", forgotten=audit.Forgotten())
    db.commit()
    assert count >= 1
    db.refresh(own)
    db.refresh(other)
    assert own.summary == f"{audit.ERASED} did a thing" and own.detail == {"note": f"for {audit.ERASED}"}
    assert own.actor == audit.ERASED and own.actor_user_id is None and own.ip is None and own.redacted_at is not None
    assert own.action == "thing.done" and own.organisation_id == organisation.id
    assert other.summary == "x.learner@a.example too" and other.redacted_at is None  # a longer address is not theirs
