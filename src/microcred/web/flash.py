"""What a page says after an action: a redirect carries a key (`?done=published`), the page shows its sentence.

The sentences are fixed here, one per key, so nothing taken from the address is ever shown.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from fastapi import Request
from fastapi.responses import RedirectResponse

FLASH: dict[str, str] = {
    # accounts
    "password": "Password changed. Your other sessions have been logged out.",
    "role_changed": "The role is changed.",
    "invitation_withdrawn": "The invitation is withdrawn.",
    "token_revoked": "The token is revoked: programs using it are refused from now on.",
    # design
    "published": "Published: it is in the catalogue now.",
    "reviewed": "The review is recorded.",
    "withdrawn": "Withdrawn from the catalogue.",
    "specification-created": "Draft saved: the checks say what it still needs before it can be published.",
    "specification-saved": "Saved: the checks are up to date.",
    "profiles-saved": "Framework profiles saved: their rules join every specification's checks.",
    # pathways
    "pathway_saved": "Saved: learners' progress follows these rules from now on.",
    "pathway_deleted": "The pathway is deleted. Learners keep their credentials.",
    "clr_issued": (
        "Your Comprehensive Learner Record is made: it carries the credentials that counted, signed by the pathway's "
        "organisation."
    ),
    # issuing
    "revoke": "Revoked, for good.",
    "suspend": "Suspended.",
    "reinstate": "Reinstated: valid again.",
    "issued": "Issued. Make a claim link below to send it to the learner.",
    "run-started": "Issuing has started: this page follows it to the end.",
    "key-rotated": "New signing key made. The old one is retired: credentials it signed keep verifying.",
    "seal-imported": "Seal certificate imported: new credentials are sealed with it.",
    # wallet
    "wallet-added": "Added to your wallet.",
    "share-withdrawn": "Share link withdrawn: it no longer opens.",
    "wallet-removed": "Removed from your wallet, with its share links.",
    "feedback-sent": "Thank you: your feedback is sent to the provider.",
    "erased": "Your data is erased and you are logged out.",
    "claim_link": "Claim link made: copy it now and send it to the learner. It is shown only this once.",
    # One answer whether or not the email had an account, so the claim page tells nobody which emails have one.
    "claim_signup": (
        "If that email was new here, your account is made and you are signed in: add the credential to your "
        "wallet below. If it already had an account, nothing was changed: log in with it instead."
    ),
    # recognition: the learner's requests, the officer's cases, agreements
    "asked": "Your request is sent. The recognition officer will answer here.",
    "appealed": "Your appeal is sent. The recognition officer makes a final decision, and you will read it here.",
    "case-opened": "Case opened. The credential was verified now: the report is kept with the case, below.",
    "criteria-saved": "The assessment is saved.",
    "decision-recorded": "The decision is recorded. The learner reads it with your reasons and may appeal it once.",
    "decision-final": "The decision is recorded. It is final: nobody can appeal it.",
    "agreement-proposed": "Agreement proposed. It comes into force once every party has accepted it.",
    "agreement-accepted": "Accepted for your organisation. It comes into force once the other parties accept it too.",
    "agreement-in-force": "Accepted: every party has, so the agreement is in force now.",
    "agreement-ended": "Agreement ended for every party. Decisions already taken under it stand.",
    "agreement-withdrawn": "Proposal withdrawn for every party.",
    "free-electives": "Free-elective credits saved.",
    # recognition of prior learning
    "rpl-opened": "Case opened. The learner shares their skills profile with it from their own case page.",
    "rpl-taken": "The case is yours now: you move it through its stages.",
    "rpl-assigned": "Case handed on: its new owner moves it through its stages now.",
    "rpl-documentation": "Moved to documentation: evidence can be uploaded now.",
    "rpl-assessment": "Sent for assessment: the assessor checks each learning outcome.",
    "rpl-certification": "Moved to certification: certify it to issue the micro-credential.",
    "rpl-evidence-added": "Evidence added.",
    "rpl-evidence-removed": "Evidence removed.",
    "rpl-assessed": "Assessment recorded.",
    "rpl-certified": "Certified: the credential is issued. The learner claims it from their own case page.",
    "rpl-closed": "Case closed as not passed. The learner reads your reason on their case page.",
    "rpl-started": "Your case is open, with your skills profile shared. Go on to documentation when you are ready.",
    "rpl-shared": "Your skills profile is shared with the case, as it is now.",
    "rpl-withdrawn": "Withdrawn: your case is closed.",
    # skills (the experience page names the skill when it can: "Kept: Scala")
    "experience-added": "Experience added. Keep the skills you used in it, below.",
    "experience-deleted": "Experience deleted, with its skills.",
    "skills-suggested": "Suggestions made again from this experience.",
    "skill-kept": "Kept: the skill counts in your profile now.",
    "skill-added": "Added: the skill counts in your profile now.",
    "skill-saved": "Strength saved.",
    "skill-dismissed": "Suggestion dismissed.",
    "skill-removed": "Removed from this experience.",
    "cohort-left": "You left the cohort: its educators no longer see your profile.",
}


def done(url: str, key: str) -> RedirectResponse:
    """A 303 to `url` whose page will say FLASH[key]; the fragment of `url`, if any, stays last."""
    if key not in FLASH:
        raise KeyError(f"no flash message '{key}'")
    parts = urlsplit(url)
    query = f"{parts.query}&done={key}" if parts.query else f"done={key}"
    return RedirectResponse(urlunsplit(parts._replace(query=query)), status_code=303)


def flash_of(request: Request) -> str | None:
    """The sentence the address asks for, if it names one of ours."""
    return FLASH.get(request.query_params.get("done", ""))
