"""A new practice file that starts valid, with a comment on every field."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from .schema import SCHEMA_FILE

TEMPLATE = """\
# yaml-language-server: $schema={schema_path}
# A new practice. Replace every text marked TODO with what the sources say, in your
# own words; remove optional fields you cannot source. Check with: labb validate {file_hint}
id: {id}
title:                      # the original title first, then English and other translations
  {language}: {todo_title}{english_title}
summary:                    # one to three sentences, plain text
  {language}: {todo_summary}{english_summary}
# description: {{en: "Longer text; safe Markdown: **bold**, *italic*, lists, [links](https://...)"}}
language: {language}                # the language the practice was written in
country: {country}                  # ISO 3166-1 alpha-2 (EL is accepted for Greece)
{region_line}
scope: {scope}             # local | regional | national | cross-border
places: []                  # towns or municipalities, e.g. [Oulu, Pudasjärvi]
period:
  start: {today}            # YYYY-MM-DD
  # end: YYYY-MM-DD
  status: planned           # planned | ongoing | completed
dimensions: [reception-orientation]      # areas of integration (labb/vocabularies/dimensions.yaml)
target_groups: [third-country-nationals] # labb/vocabularies/target_groups.yaml
indicators: []              # labb/vocabularies/indicators.yaml
regional_role:
  type: direct              # direct (leads, partners, coordinates) | indirect (funds, supports, advises)
  detail: {{en: "TODO: what the regional authority does in this practice"}}
organisations:
  lead: "TODO: the lead organisation, as the source names it"
  partners: []
  # managing_authority: "..."
# funding:
#   funds: [esf-plus]       # labb/vocabularies/funds.yaml
#   programme: "..."
#   programming_period: 2021-2027
#   total_eur: 100000       # from the source; the co-financing rate is derived
#   eu_eur: 60000
evaluation: {{}}              # e.g. innovation: {{level: strong, inspiring: {{en: ...}}, improvement: {{en: ...}}}}
# assessment: {{by: labb editors, date: {today}}}
# lessons_learnt: {{en: "..."}}
# transferability: {{en: "..."}}
# challenges: {{en: "..."}}
sources:
  - url: "https://example.org/TODO"
    title: "TODO: the page's title"
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
    region_line = (f"region: {new.region}                # NUTS code (labb/vocabularies/regions/)"
                   if new.region else "# region: NUTS code; omitted: this practice is national in scope")
    return TEMPLATE.format(
        schema_path=new.schema_path,
        file_hint=f"{new.id}.yaml",
        id=new.id,
        language=new.language,
        todo_title=quoted("TODO: title in the original language"),
        english_title=f"\n  en: {quoted('TODO: title in English')}" if english else "",
        todo_summary=quoted("TODO: summary in the original language"),
        english_summary=f"\n  en: {quoted('TODO: summary in English')}" if english else "",
        country=new.country,
        region_line=region_line,
        scope="regional" if new.region else "national",
        today=today_s,
    )
