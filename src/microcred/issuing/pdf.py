"""The certificate a person reads: an issued credential as an A4 PDF, with a QR code to its verification page.

The PDF is a readable copy, not the credential: what proves anything is the signed Open Badges 3.0
document, which the QR code's page verifies. Everything printed is read from that signed document
(`credentialSubject.achievement` carries every Annex I element, as design/documents.py `to_ob3` writes
it), so the paper says what the credential says.

Every text comes from people (learner, organisation, specification) and is escaped by the template.
WeasyPrint is given a fetcher that refuses every URL but `data:` ones, so rendering reads nothing from
the disk or the network whatever the text holds; the QR code travels inside the page as a PNG data URI
(a PNG rather than SVG so that the QR is one image in the PDF that a reader, or a test, can scan).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import jinja2
from weasyprint import HTML, URLFetcher

from microcred.design import reading
from microcred.issuing import documents
from microcred.issuing.models import IssuedCredential
from microcred.trust.jsonld import as_list


class DataOnlyFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint has no type hints: URLFetcher is Any
    """WeasyPrint's fetcher with an allow-list of one scheme: `data:`. Files and network are refused."""

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:
        if not url.lower().startswith("data:"):
            raise ValueError(f"The certificate may not load {url[:80]!r}: only data: URIs are allowed.")
        return super().fetch(url, headers)


@dataclass(frozen=True)
class Certificate:
    """What the PDF prints, read out of the signed document."""

    learner: str
    title: str
    awarding_body: str
    awarded: str  # "20 November 2026"
    grade: str | None
    description: str
    outcomes: list[reading.Outcome]
    elements: list[tuple[str, str]]  # the other Annex I elements: (label, value), in the annex's order
    credential_id: str


def _awarded(document: dict[str, Any]) -> str:
    raw = reading.text(document.get("awardedDate")) or reading.text(document.get("validFrom"))
    try:
        day = date.fromisoformat(raw[:10])
    except ValueError:
        return raw
    return f"{day.day} {day.strftime('%B %Y')}"


def _learner(subject: dict[str, Any], fallback: str) -> str:
    for identity in as_list(subject.get("identifier")):
        if isinstance(identity, dict) and identity.get("identityType") == "name" and not identity.get("hashed"):
            return reading.text(identity.get("identityHash")) or fallback
    return fallback


def certificate(issued: IssuedCredential) -> Certificate:
    """The texts of the certificate, from the issued credential's signed document."""
    document = issued.document
    subject = next((s for s in as_list(document.get("credentialSubject")) if isinstance(s, dict)), {})
    found = subject.get("achievement")
    achievement: dict[str, Any] = found if isinstance(found, dict) else {}
    aligned = reading.alignments(achievement)
    skill_labels = {
        str(entry.get("targetUrl")): reading.text(entry.get("targetName"))
        for entry in aligned.get("ceasn:Competency", [])
        if reading.text(entry.get("targetName"))
    }
    issuer = document.get("issuer")
    results = [r for r in as_list(subject.get("result")) if isinstance(r, dict) and reading.text(r.get("value"))]
    description = reading.text(achievement.get("description"))
    title = reading.text(document.get("name")) or reading.text(achievement.get("name"))
    return Certificate(
        learner=_learner(subject, issued.learner_name),
        title=title,
        awarding_body=reading.text(issuer.get("name")) if isinstance(issuer, dict) else "",
        awarded=_awarded(document),
        grade=reading.text(results[0]["value"]) if results else None,
        description="" if description == title else description,
        outcomes=reading.outcomes(achievement, skill_labels),
        elements=reading.elements(achievement, aligned),
        credential_id=reading.text(document.get("id")) or f"urn:uuid:{issued.id}",
    )


_environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
TEMPLATE = _environment.from_string(
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ c.title }} – {{ c.learner }}</title>
<meta name="author" content="{{ c.awarding_body }}">
<style>
  @page {
    size: A4;
    margin: 16mm 17mm 16mm 17mm;
    @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 7pt "DejaVu Sans", sans-serif;
                    color: #666; }
  }
  html { font-family: "DejaVu Sans", sans-serif; font-size: 9pt; line-height: 1.35; color: #1a1a1a;
         font-variant-ligatures: none; }
  body { margin: 0; }
  header { border-bottom: 2pt solid #1f4e79; padding-bottom: 3mm; margin-bottom: 7mm; }
  .issuer { font-size: 12pt; font-weight: bold; color: #1f4e79; }
  .kind { font-size: 8pt; letter-spacing: 0.12em; text-transform: uppercase; color: #555; }
  .award { text-align: center; margin-bottom: 7mm; }
  .award p { margin: 1.5mm 0; }
  .learner { font-size: 22pt; font-weight: bold; margin: 2mm 0 3mm; overflow-wrap: anywhere; }
  .title { font-size: 16pt; font-weight: bold; color: #1f4e79; margin: 2mm 0 3mm; overflow-wrap: anywhere; }
  .description { color: #444; }
  .grade { font-weight: bold; }
  h2 { font-size: 10pt; color: #1f4e79; border-bottom: 0.5pt solid #9db3c9; margin: 5mm 0 2mm; padding-bottom: 1mm; }
  ol { margin: 0; padding-left: 5mm; }
  li { margin-bottom: 1.5mm; }
  .skills { color: #555; font-size: 8pt; }
  table { border-collapse: collapse; width: 100%; table-layout: fixed; }
  th, td { text-align: left; vertical-align: top; padding: 1mm 2mm 1mm 0; border-bottom: 0.3pt solid #ddd; }
  th { width: 30%; font-weight: bold; color: #333; }
  td { overflow-wrap: anywhere; }
  .verify { margin-top: 6mm; break-inside: avoid; border-top: 0.5pt solid #9db3c9; padding-top: 3mm; }
  .verify img { float: left; width: 30mm; height: 30mm; margin-right: 5mm; image-rendering: pixelated; }
  .verify .url { font-size: 8pt; overflow-wrap: anywhere; }
  .small { font-size: 7.5pt; color: #555; }
</style>
</head>
<body>
<header>
  <div class="kind">Micro-credential</div>
  <div class="issuer">{{ c.awarding_body }}</div>
</header>
<section class="award">
  <p>This certifies that</p>
  <p class="learner">{{ c.learner }}</p>
  <p>was awarded the micro-credential</p>
  <p class="title">{{ c.title }}</p>
  {% if c.description %}<p class="description">{{ c.description }}</p>{% endif %}
  <p>by {{ c.awarding_body }} on {{ c.awarded }}.</p>
  {% if c.grade %}<p>Result: <span class="grade">{{ c.grade }}</span></p>{% endif %}
</section>
{% if c.outcomes %}
<h2>Learning outcomes</h2>
<ol>
{% for outcome in c.outcomes %}
  <li>{{ outcome.text }}
    {%- if outcome.skills %}<br><span class="skills">ESCO skills: {{ outcome.skills | join("; ") }}</span>
    {%- endif %}</li>
{% endfor %}
</ol>
{% endif %}
{% if c.elements %}
<h2>About this micro-credential</h2>
<table>
{% for label, value in c.elements %}
  <tr><th>{{ label }}</th><td>{{ value }}</td></tr>
{% endfor %}
</table>
{% endif %}
<section class="verify">
  <img src="{{ qr }}" alt="QR code of the verification address">
  <div>
    <p><strong>Verify this credential</strong></p>
    <p class="small">This page is a readable copy of a digitally signed Open Badges 3.0 credential. Scan the code
    or open the address below to check its signature and whether it is still valid.</p>
    <p class="url">{{ verify_url }}</p>
    <p class="small">Credential id: {{ c.credential_id }}</p>
  </div>
</section>
</body>
</html>
"""
)


def render(issued: IssuedCredential, *, verify_url: str) -> bytes:
    """The issued credential as an A4 PDF certificate whose QR code encodes `verify_url`."""
    return html_to_pdf(
        TEMPLATE.render(c=certificate(issued), qr=documents.qr_data_uri(verify_url), verify_url=verify_url)
    )


def html_to_pdf(html: str) -> bytes:
    """HTML to PDF, loading nothing but `data:` URIs whatever the HTML asks for."""
    pdf: bytes = HTML(string=html, url_fetcher=DataOnlyFetcher()).write_pdf()
    return pdf
