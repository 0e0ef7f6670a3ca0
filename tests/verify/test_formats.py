"""FORMAT: the fields Open Badges 3.0 requires are 1EdTech's JSON Schema's `required` lists, our verdict agrees with
that schema, and each element the EDC profile makes mandatory is missed by name."""

from __future__ import annotations

import json

from microcred.verify import checks, formats
from tests.verify.test_checks import ELM, FIXTURES, ONE_EDTECH


def test_the_open_badges_fields_we_require_are_the_schemas_required_lists() -> None:
    schema = json.loads((FIXTURES / "ob3" / "ob_v3p0_achievementcredential_schema.json").read_text())
    definitions = schema["$defs"]
    assert {
        "credential": schema["required"],
        "profile": definitions["Profile"]["required"],
        "subject": definitions["AchievementSubject"]["required"],
        "achievement": definitions["Achievement"]["required"],
    } == formats.OB3_REQUIRED


def test_each_required_elm_element_missing_is_a_format_error() -> None:
    sealed = checks.parse((ELM / "Sample-MC-Annex1-signed.jsonld").read_bytes())
    payload = json.loads(sealed["payload"])
    assert formats.format_problems(payload, sealed=True) == []
    for name in ("issued", "validFrom", "issuer", "credentialSubject", "@context"):
        broken = {k: v for k, v in payload.items() if k != name}
        assert formats.format_problems(broken, sealed=True), name
    no_claim = {**payload, "credentialSubject": {**payload["credentialSubject"], "hasClaim": []}}
    assert "no claim" in " ".join(formats.format_problems(no_claim, sealed=True))


def test_our_format_verdict_agrees_with_one_edtechs_json_schema() -> None:
    import jsonschema

    schema = json.loads((FIXTURES / "ob3" / "ob_v3p0_achievementcredential_schema.json").read_text())
    validator = jsonschema.Draft201909Validator(schema)
    documents = [
        *(checks.parse(p.read_bytes()) for p in sorted(ONE_EDTECH.glob("*.json"))),
        *(
            checks.parse(p.read_bytes())
            for p in sorted((FIXTURES / "ob3" / "edubadges").glob("*_microcredential_*.json"))
        ),
    ]
    broken = [
        {k: v for k, v in documents[0].items() if k != "validFrom"},
        {**documents[0], "credentialSubject": {"type": ["AchievementSubject"]}},
        {**documents[0], "issuer": "https://example.com/issuers/876543"},  # a URI will do
        {**documents[0], "issuer": {"id": "https://example.com/issuers/876543"}},  # a Profile needs its type
    ]
    for document in [*documents, *broken]:
        ours = not formats.format_problems(document)
        assert ours == validator.is_valid(document), (ours, document.get("id"))
