"""Path validation to trust anchors: signatures, validity, key usage, basic constraints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from microcred.trust import pkix
from tests import pki


def test_a_path_names_its_anchor_and_path_length_is_enforced() -> None:
    root = pki.CA("Root", cert_sign=True)
    first = pki.CA("First", parent=root, path_length=0, cert_sign=True)
    second = pki.CA("Second", parent=first, cert_sign=True)
    key = pki.new_key("p256")
    anchor = pkix.Anchor(root.certificate, "Root, trusted")
    now = datetime.now(UTC)
    direct = first.issue(key, "Seal")
    path = pkix.validate([direct, first.certificate], [anchor], now)
    assert path.anchor == anchor and not path.broken and "chains to Root, trusted" in path.reason
    too_deep = second.issue(key, "Seal")
    path = pkix.validate([too_deep, second.certificate, first.certificate], [anchor], now)
    assert path.anchor is None and not path.broken
    assert pkix.validate([direct, first.certificate], [], now).reason.endswith("(none are loaded)")


def test_validity_is_checked_at_the_time_given_and_a_ca_must_be_allowed_to_sign_certificates() -> None:
    root = pki.CA("Root")
    key = pki.new_key("p256")
    seal = root.issue(key, "Seal")
    anchor = pkix.Anchor(root.certificate, "Root")
    later = pkix.validate([seal], [anchor], datetime.now(UTC) + timedelta(days=400))
    assert later.broken and "was not valid on" in later.reason
    no_cert_sign = pki.CA("Signer only", parent=root, cert_sign=False)
    path = pkix.validate([no_cert_sign.issue(key, "Seal"), no_cert_sign.certificate], [anchor], datetime.now(UTC))
    assert path.anchor is None and "no trust anchor" in path.reason
    tsa = root.issue(key, "TSA", usage="tsa")
    assert pkix.validate([tsa], [anchor], datetime.now(UTC), purpose=pkix.TSA).anchor == anchor
    assert pkix.validate([seal], [anchor], datetime.now(UTC), purpose=pkix.TSA).broken


def test_among_many_anchors_only_the_issuer_named_counts_and_a_look_alike_still_fails() -> None:
    """With a trusted list's worth of anchors (over the 16 below which nothing is indexed), a seal still finds
    its root through an intermediate, a certificate trusted as itself is found, and a CA with the same name but
    another key is no anchor for what the real one issued."""
    others = [pkix.Anchor(pki.CA(f"Other {n}").certificate, f"Other {n}") for n in range(20)]
    root = pki.CA("Root", cert_sign=True)
    middle = pki.CA("Middle", parent=root, cert_sign=True)
    key = pki.new_key("p256")
    seal = middle.issue(key, "Seal")
    now = datetime.now(UTC)
    anchors = (*others, pkix.Anchor(root.certificate, "Root"))
    path = pkix.validate([seal, middle.certificate], anchors, now)
    assert path.anchor is not None and path.anchor.name == "Root"
    itself = (*others, pkix.Anchor(seal, "The seal itself"))
    assert pkix.validate([seal], itself, now).anchor == itself[-1]
    look_alike = (*others, pkix.Anchor(pki.CA("Root", cert_sign=True).certificate, "Look-alike Root"))
    assert pkix.validate([seal, middle.certificate], look_alike, now).anchor is None
    assert pkix.validate([seal, middle.certificate], tuple(others), now).reason.endswith("(none issued its chain)")


def test_a_timestamp_authoritys_certificate_may_not_seal() -> None:
    root = pki.CA("Root")
    key = pki.new_key("p256")
    tsa = root.issue(key, "TSA", usage="tsa")
    path = pkix.validate([tsa], [pkix.Anchor(root.certificate, "Root")], datetime.now(UTC))
    assert path.broken and "timestamp authority's" in path.reason
