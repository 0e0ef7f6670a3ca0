"""Selective disclosure of an award (`ecdsa-sd-2023`): what every disclosure of an Open Badge must reveal, and
which JSON pointers reveal the rest but the facts a learner chose to hide.

Always revealed (the base proof's mandatory pointers): the credential's id, type and name, its issuer, its dates
of validity, its status entry, the subject's id and type, and the achievement's id, type and name, so a
disclosure still says who awarded what, when it is valid and where to check it was not revoked. Everything else
the learner may leave out of a share: the facts of `FACTS` by name, as the wallet offers them; the facts of
`KEPT` Open Badges 3.0 requires, so a share can hide them from view only.
"""

from __future__ import annotations

from typing import Any

from microcred.trust import TrustError, ecdsa_sd
from microcred.trust.dataintegrity import SELECTIVE

SUITE = SELECTIVE
MANDATORY = (
    "/id",
    "/type",
    "/name",
    "/issuer",
    "/validFrom",
    "/validUntil",
    "/credentialStatus",
    "/credentialSubject/id",
    "/credentialSubject/type",
    "/credentialSubject/achievement/id",
    "/credentialSubject/achievement/type",
    "/credentialSubject/achievement/name",
)
# The wallet's hideable facts (wallet.service.HIDEABLE) a disclosure can leave out, and the parts of an Open
# Badge that say them.
FACTS = {
    "Grade": ("/credentialSubject/result",),
    "Learner": ("/credentialSubject/identifier", "/credentialSubject/name"),
    "Awarded on": ("/awardedDate", "/credentialSubject/activityEndDate"),
}
# The others it cannot: Open Badges 3.0 requires them, so a badge without them would not be well formed.
KEPT = {
    "Description": "an Open Badge must carry its achievement's description",
    "Learning outcome": "they are part of the achievement's criteria, which an Open Badge must carry",
}
SUBJECT, ACHIEVEMENT = "/credentialSubject", "/credentialSubject/achievement"


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _present(credential: dict[str, Any], pointer: str) -> bool:
    value: Any = credential
    for step in pointer.split("/")[1:]:
        if not isinstance(value, dict) or step not in value:
            return False
        value = value[step]
    return True


def mandatory_pointers(credential: dict[str, Any]) -> list[str]:
    """The pointers of `MANDATORY` the credential has (a pointer to nothing would refuse the whole proof)."""
    return [pointer for pointer in MANDATORY if _present(credential, pointer)]


def selective_pointers(credential: dict[str, Any], hidden: list[str]) -> list[str]:
    """Pointers to every part of the credential but the hidden facts' (and what is revealed anyway): the top
    level, the subject and the achievement key by key, so that leaving one key out leaves the rest in."""
    left_out = {pointer for name in hidden for pointer in FACTS.get(name, ())}
    always = set(mandatory_pointers(credential))
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    pointers = [f"/{_escape(key)}" for key in credential if key not in ("@context", "proof", "credentialSubject")]
    if isinstance(subject, dict):
        pointers += [f"{SUBJECT}/{_escape(key)}" for key in subject if key != "achievement"]
    elif subject is not None:
        pointers.append(SUBJECT)
    if isinstance(achievement, dict):
        pointers += [f"{ACHIEVEMENT}/{_escape(key)}" for key in achievement]
    elif achievement is not None:
        pointers.append(ACHIEVEMENT)
    return [pointer for pointer in pointers if pointer not in left_out and pointer not in always]


def disclosable(credential: Any) -> bool:
    """Whether the credential carries an ecdsa-sd-2023 base proof, from which a disclosure can be derived."""
    if not isinstance(credential, dict):
        return False
    proofs = credential.get("proof")
    return any(ecdsa_sd.is_base_proof(proof) for proof in (proofs if isinstance(proofs, list) else [proofs]))


def disclose(credential: dict[str, Any], hidden: list[str]) -> dict[str, Any]:
    """The credential without the hidden facts, with a disclosure proof its issuer's key verifies (TrustError
    when it has no base proof or the proof does not fit it)."""
    return ecdsa_sd.derive(credential, selective_pointers(credential, hidden))


def full_disclosure(credential: dict[str, Any]) -> dict[str, Any]:
    """What a holder shows of a credential with an ecdsa-sd-2023 base proof to check it: everything, with a
    derived proof (a verifier refuses the base proof itself); any other credential as it is."""
    if not disclosable(credential):
        return credential
    try:
        return ecdsa_sd.derive(credential, [""])
    except TrustError:  # what cannot be derived is shown as it is: its verdict says what is wrong
        return credential
