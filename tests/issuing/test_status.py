"""Status lists: random free positions drawn in batches, revocation final and suspension reversible, the list
signed again only when it changed, an award's public status."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from microcred.accounts.principal import Actor
from microcred.errors import Conflict, InvalidInput, NotFound
from microcred.issuing import credentials, status
from microcred.issuing.documents import Learner, Result
from microcred.issuing.models import IssuedCredential, StatusEntry, StatusList
from microcred.trust import statuslist
from tests.issuing.test_batch import MASTER, published

BASE = "https://mc.example"


def awarded(db: Session):  # type: ignore[no-untyped-def]
    org, spec = published(db)
    row = credentials.issue_edition(
        db,
        Actor.operator(),
        org,
        spec.id,
        1,
        Learner(name="Ana", email="ana@example.org"),
        Result(awarded=date(2026, 11, 20)),
        base_url=BASE,
        master=MASTER,
    )
    return org, row


def test_positions_are_random_free_and_a_list_three_quarters_full_gives_way_to_a_new_one(db: Session) -> None:
    org, _spec = published(db)
    [first] = status.allocate(db, org, ["urn:uuid:first"], "https://mc.example", ("revocation",))
    lst = db.scalars(select(StatusList)).one()
    lst.used = int(lst.size * status.FULL) - 3
    drawn = status.allocate(db, org, [f"urn:uuid:{n}" for n in range(500)], "https://mc.example", ("revocation",))
    urls = [d["revocation"]["statusListCredential"] for d in drawn]
    assert urls[:3] == [first["revocation"]["statusListCredential"]] * 3 and len(set(urls[3:])) == 1 != urls[0]
    indexes = [int(d["revocation"]["statusListIndex"]) for d in drawn[3:]]
    assert len(set(indexes)) == 497 and indexes != sorted(indexes)  # distinct, in no order
    assert max(indexes) > 100_000 and min(indexes) < 30_000  # spread over the list, not counted up
    places = db.execute(select(StatusEntry.list_id, StatusEntry.position)).all()
    assert len(places) == len(set(places)) == 501


@pytest.mark.parametrize("counted", [True, False], ids=["long-in-list", "whole-list-read"])
def test_positions_already_given_are_never_drawn_again(db: Session, counted: bool) -> None:
    """Half the list taken (every even position): a batch draws only odd ones, whether the taken positions
    are looked up by an IN list (a busy list) or read whole (a young list, or one whose count is behind)."""
    from microcred.store import bulk
    from microcred.store.base import utcnow

    org, _spec = published(db)
    status.allocate(db, org, ["urn:uuid:first"], "https://mc.example", ("revocation",))
    lst = db.scalars(select(StatusList)).one()
    first = db.scalars(select(StatusEntry.position)).one()
    now = utcnow()
    taken = [p for p in range(0, lst.size, 2) if p != first]
    rows = [{"list_id": lst.id, "position": p, "credential_id": "x", "created_at": now} for p in taken]
    bulk.insert_rows(db, StatusEntry, rows)
    lst.used = len(taken) + 1 if counted else 1
    drawn = status.allocate(db, org, [f"urn:uuid:{n}" for n in range(1000)], "https://mc.example", ("revocation",))
    indexes = {int(d["revocation"]["statusListIndex"]) for d in drawn}
    assert len(indexes) == 1000 and first not in indexes
    assert all(index % 2 == 1 for index in indexes)


def test_a_suspension_is_lifted_and_a_revocation_is_final_each_with_a_reason(db: Session) -> None:
    org, row = awarded(db)
    credential_id, operator = f"urn:uuid:{row.id}", Actor.operator()
    assert status.status(db, org, credential_id) == {"revocation": False, "suspension": False}
    suspended = status.change(db, operator, org, credential_id, purpose="suspension", value=True, reason="Checking")
    assert suspended == {"revocation": False, "suspension": True}
    with pytest.raises(Conflict, match="already suspended") as again:
        status.change(db, operator, org, credential_id, purpose="suspension", value=True, reason="Checking")
    assert again.value.code == "unchanged"
    status.change(db, operator, org, credential_id, purpose="suspension", value=False, reason="Checked: fine")
    for purpose, value, reason, code in (
        ("revocation", True, "no", "reason_required"),
        ("revocation", False, "Undo it", "invalid_status"),
        ("expiry", True, "Expired", "invalid_status"),
    ):
        with pytest.raises(InvalidInput) as refused:
            status.change(db, operator, org, credential_id, purpose=purpose, value=value, reason=reason)
        assert refused.value.code == code, purpose
    status.change(db, operator, org, credential_id, purpose="revocation", value=True, reason="Awarded in error")
    with pytest.raises(Conflict) as final:
        status.change(db, operator, org, credential_id, purpose="suspension", value=True, reason="Too late")
    assert final.value.code == "already_revoked"
    assert status.status(db, org, credential_id) == {"revocation": True, "suspension": False}
    with pytest.raises(NotFound):
        status.change(db, operator, org, "urn:uuid:nobody", purpose="revocation", value=True, reason="Nobody")


def test_the_list_is_signed_once_until_it_changes_and_says_what_the_award_says(db: Session) -> None:
    org, row = awarded(db)
    state, entries = status.entries_of(db, row.id, BASE)
    assert state == {"revocation": False, "suspension": False}
    assert [entry["statusPurpose"] for entry in entries] == ["revocation", "suspension"]
    revocation = entries[0]
    list_id = uuid.UUID(revocation["statusListCredential"].rsplit("/", 1)[1])
    signed = status.list_credential(db, list_id, base_url=BASE, master=MASTER)
    assert signed["issuer"] == f"did:web:mc.example:orgs:{org.slug}" and signed["proof"]["type"] == "DataIntegrityProof"
    assert status.list_credential(db, list_id, base_url=BASE, master=MASTER) is signed  # kept, not signed again
    assert statuslist.status_of(revocation, signed) is False
    status.change(db, Actor.operator(), org, f"urn:uuid:{row.id}", purpose="revocation", value=True, reason="Error")
    again = status.list_credential(db, list_id, base_url=BASE, master=MASTER)
    assert again is not signed and statuslist.status_of(revocation, again) is True
    assert status.entries_of(db, row.id, BASE)[0]["revocation"] is True
    with pytest.raises(NotFound):
        status.entries_of(db, uuid.uuid4(), BASE)
    with pytest.raises(NotFound):
        status.list_credential(db, uuid.uuid4(), base_url=BASE, master=MASTER)
    assert db.get(IssuedCredential, row.id) is not None
