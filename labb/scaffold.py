"""A new practice file, with a comment on every field and a placeholder in every text.

The file is a well-formed practice apart from its placeholders, which the validator
reports as errors (code `placeholder`) until an editor replaces them: the words and
sentences below are defined here once, and `validate` imports them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from .schema import SCHEMA_FILE

PLACEHOLDER_WORDS = ("TODO", "TBD", "FIXME")
"""Words that mark an unfinished text, refused as whole words in capitals only
(`TODOS`, `Todo` and Spanish `todo` are ordinary words)."""
PLACEHOLDER_HOSTS = ("example.org", "example.com", "example.net")
"""Domains reserved for examples (RFC 2606), and their subdomains: no source lives there."""
PLACEHOLDER_URL = "https://example.org/TODO"

TITLE = "title in the original language"
TITLE_EN = "title in English"
SUMMARY = "summary in the original language"
SUMMARY_EN = "summary in English"
ROLE_DETAIL = "what the regional authority does in this practice"
LEAD = "the lead organisation, as the source names it"
SOURCE_TITLE = "the page's title"
DESCRIPTION = "Longer text; safe Markdown: **bold**, *italic*, lists, [links](https://...)"
ELLIPSIS = "..."
SAMPLE_SENTENCES = (TITLE, TITLE_EN, SUMMARY, SUMMARY_EN, ROLE_DETAIL, LEAD, SOURCE_TITLE, DESCRIPTION, ELLIPSIS, "…")
"""The sample texts the scaffold writes (after `TODO: `, or in its comments): a value
that is one of them, with or without its `TODO: `, has not been written yet."""


def todo(sentence: str) -> str:
    """A sample sentence as the scaffold writes it: `TODO: title in English`."""
    return f"{PLACEHOLDER_WORDS[0]}: {sentence}"


TEMPLATE = """\
# yaml-language-server: $schema={schema_path}
# A new practice. Replace every TODO (and the example.org address) with what the sources
# say, in your own words; remove optional fields you cannot source. Until then,
# labb validate {file_hint} reports each placeholder as an error.
id: {id}
title:                      # the original title first, then English and other translations
  {language}: {todo_title}{english_title}
summary:                    # one to three sentences, plain text
  {language}: {todo_summary}{english_summary}
# description: {{en: "{description}"}}
# objectives: {{en: "..."}}
# results:                  # what was achieved, with figures from the sources
#   text: {{en: "..."}}
#   figures:
#     - {{indicator: "...", value: 0, unit: people, year: 2025, source: {source_url}}}
# reach: {{people: 0, year: 2025, source: {source_url}}}
language: {language}                # the language the practice was written in
country: {country}                  # ISO 3166-1 alpha-2 (EL is accepted for Greece)
{region_line}
scope: {scope}             # local | regional | national | cross-border
places: []                  # towns or municipalities, e.g. [Oulu, Pudasjärvi]
period:
  start: {today}            # YYYY-MM-DD
  # end: YYYY-MM-DD
  status: planned           # planned | ongoing | suspended | completed
  # precision: year         # when the sources give only years: start YYYY-01-01, end YYYY-12-31
dimensions: [reception-orientation]      # areas of integration (labb/vocabularies/dimensions.yaml)
target_groups: [third-country-nationals] # labb/vocabularies/target_groups.yaml
indicators: []              # labb/vocabularies/indicators.yaml
regional_role:
  type: direct              # direct (leads, partners, coordinates) | indirect (funds, supports, advises)
  detail: {{en: {role_detail}}}
organisations:
  lead: {lead}
  partners: []
  # managing_authority: "..."
# beneficiary_type: regional-authority   # labb/vocabularies/beneficiary_types.yaml
# website: https://...
# contact: {{organisation: "...", email: info@...}}   # an organisation's address, never a person's
# funding:
#   funds: [esf-plus]       # labb/vocabularies/funds.yaml
#   programme: "..."
#   programming_period: 2021-2027
#   project_code: "..."     # the programme's reference (CCI or project code)
#   total_eur: 100000       # from the source; the co-financing rate is derived
#   eu_eur: 60000
#   currency: SEK           # when the source states amounts in another currency:
#   original_amount: {{total: 1000000, eu: 600000}}
#   conversion: {{rate: 11.2, date: YYYY-MM-DD}}   # units of the currency for one euro
evaluation: {{}}              # at least five of the seven criteria, each like:
#   innovation: {{level: moderate, inspiring: {{en: ...}}, improvement: {{en: ...}}, evidence_gaps: {{en: ...}}}}
# assessment: {{by: labb editors, date: {today}}}
# lessons_learnt: {{en: "..."}}
# transferability: {{en: "..."}}
# challenges: {{en: "..."}}
sources:
  - url: {source_url}
    title: {source_title}
    seen: {today}
added: {today}
reviewed: {today}
"""


@dataclass(frozen=True)
class NewPractice:
    id: str
    country: str
    language: str
    region: str | None = None
    schema_path: str = f"../../{SCHEMA_FILE}"


def render(new: NewPractice, today: date | None = None) -> str:
    today_s = (today or date.today()).isoformat()
    quoted = json.dumps  # a JSON string is a valid YAML scalar, whatever it holds
    english = new.language != "en"
    region_line = (
        f"region: {new.region}                # NUTS code (labb/vocabularies/regions/)"
        if new.region
        else "# region: NUTS code; omitted: this practice is national in scope"
    )
    return TEMPLATE.format(
        schema_path=new.schema_path,
        file_hint=f"{new.id}.yaml",
        id=new.id,
        language=new.language,
        todo_title=quoted(todo(TITLE)),
        english_title=f"\n  en: {quoted(todo(TITLE_EN))}" if english else "",
        todo_summary=quoted(todo(SUMMARY)),
        english_summary=f"\n  en: {quoted(todo(SUMMARY_EN))}" if english else "",
        description=DESCRIPTION,
        role_detail=quoted(todo(ROLE_DETAIL)),
        lead=quoted(todo(LEAD)),
        source_url=quoted(PLACEHOLDER_URL),
        source_title=quoted(todo(SOURCE_TITLE)),
        country=new.country,
        region_line=region_line,
        scope="regional" if new.region else "national",
        today=today_s,
    )
