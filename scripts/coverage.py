"""Report how wide and how true the corpus is, as Markdown (or `--json`).

    python scripts/coverage.py [--practices practices] [--json]

First the editor's checks, each with its target (the ones a reference database of
regional integration practices should meet), then the practices per member state,
original language, area of integration, criterion level, fund, role, status and scope.

- practices: at least 150, at least two from every EU member state, at least three
  from Norway, Iceland, Switzerland and the United Kingdom together;
- original languages: at least 22;
- money: every practice whose texts state an amount (a figure with a currency) has it
  in the fields: `total_eur`, `eu_eur`, `funding.original_amount`, or, for an amount
  that is not the practice's total (a yearly budget, one phase's or one partner's
  share), `funding.other_amounts`;
- original-language descriptions: in at least 90 % of the practices not written in English;
- criteria: at least five assessed in every practice; weak levels at least 10 % of all;
- sources: at least two per practice on average, and no source that is only a site's
  home page (a path of `/`, a language code, or `index.html`).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from labb import validate, vocab
from labb.model import Practice

EU = [
    "AT",
    "BE",
    "BG",
    "CY",
    "CZ",
    "DE",
    "DK",
    "EE",
    "ES",
    "FI",
    "FR",
    "GR",
    "HR",
    "HU",
    "IE",
    "IT",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SE",
    "SI",
    "SK",
]
"""The EU-27 (Greece as GR, the code labb stores)."""
NEIGHBOURS = {"NO", "IS", "CH", "GB", "UK"}
AMOUNT = re.compile(
    r"(?:€|(?<!\w)(?:EUR|SEK|NOK|DKK|CZK|PLN|HUF|RON|BGN|CHF|GBP|ISK|kr\.?|Kč|zł|Ft|lei|лв))\s?\d|"
    r"\d[\d\s.,]*\s?(?:€|(?:EUR|euros?|evr|eura|eurot?|SEK|kronor|NOK|kroner|DKK|CZK|korun|PLN|złotych|HUF|forint|"
    r"RON|lei|BGN|лв|CHF|GBP|million euros|millones de euros|milioni di euro|millions d'euros)(?!\w))",
    re.IGNORECASE,
)
"""An amount with its currency, in any of the corpus's languages."""
HOME = re.compile(r"^/?(?:[a-z]{2}(?:[-_][a-z]{2})?/?|index\.html?|home/?)?$", re.IGNORECASE)


def home_page_only(url: str) -> bool:
    """A site's home page: nothing after the host but `/`, a language code or index.html."""
    parts = urlsplit(url)
    return not parts.query and HOME.match(parts.path) is not None


def states_amount(p: Practice) -> bool:
    texts = [*(p.description or {}).values(), *p.summary.values()]
    return any(AMOUNT.search(text) for text in texts)


def money_filled(p: Practice) -> bool:
    f = p.funding
    return f is not None and (
        f.total_eur is not None or f.eu_eur is not None or f.original_amount is not None or bool(f.other_amounts)
    )


def checks(practices: list[Practice]) -> list[dict[str, Any]]:
    """The editor's checks: name, figure, target, and whether it is met."""
    countries = Counter(p.country for p in practices)
    languages = {p.language for p in practices}
    stated = [p for p in practices if states_amount(p)]
    unfilled = sorted(p.id for p in stated if not money_filled(p))
    foreign = [p for p in practices if p.language != "en"]
    with_original = [p for p in foreign if p.language in (p.description or {})]
    few_criteria = sorted(p.id for p in practices if len(p.evaluation) < 5)
    levels = Counter(a.level for p in practices for a in p.evaluation.values())
    weak_share = levels["weak"] / max(1, sum(levels.values()))
    sources = [len(p.sources) for p in practices]
    homes = sorted(f"{p.id}: {s.url}" for p in practices for s in p.sources if home_page_only(s.url))
    thin = sorted(c for c in EU if countries.get(c, 0) < 2)
    neighbours = sum(n for c, n in countries.items() if c in NEIGHBOURS)
    rows = [
        ("practices", len(practices), "≥ 150", len(practices) >= 150, []),
        ("EU member states with at least two practices", 27 - len(thin), "27", not thin, thin),
        ("practices from NO, IS, CH, UK", neighbours, "≥ 3", neighbours >= 3, []),
        ("original languages", len(languages), "≥ 22", len(languages) >= 22, []),
        (
            "practices whose texts state an amount, with the amount in the fields",
            f"{len(stated) - len(unfilled)} of {len(stated)}",
            "all",
            not unfilled,
            unfilled,
        ),
        (
            "non-English practices with a description in their own language",
            f"{len(with_original)} of {len(foreign)} ({len(with_original) / max(1, len(foreign)):.0%})",
            "≥ 90 %",
            len(with_original) >= 0.9 * len(foreign),
            sorted(p.id for p in foreign if p not in with_original),
        ),
        (
            "practices with at least five criteria assessed",
            f"{len(practices) - len(few_criteria)} of {len(practices)}",
            "all",
            not few_criteria,
            few_criteria,
        ),
        (
            "weak levels among all levels",
            f"{levels['weak']} of {sum(levels.values())} ({weak_share:.0%})",
            "≥ 10 %",
            weak_share >= 0.10,
            [],
        ),
        (
            "sources per practice (mean; fewest)",
            f"{sum(sources) / max(1, len(sources)):.1f}; {min(sources, default=0)}",
            "≥ 2",
            bool(sources) and min(sources) >= 1 and sum(sources) >= 2 * len(sources),
            [],
        ),
        ("sources that are only a home page", len(homes), "0", not homes, homes),
    ]
    return [{"check": c, "figure": f, "target": t, "met": m, "list": lst} for c, f, t, m, lst in rows]


def tables(practices: list[Practice], vocabs: vocab.Vocabularies) -> dict[str, Counter]:
    out: dict[str, Counter] = {
        name: Counter()
        for name in (
            "country",
            "original language",
            "dimension",
            "criterion level",
            "criterion",
            "fund",
            "role",
            "status",
            "scope",
        )
    }
    for p in practices:
        out["country"][p.country] += 1
        out["original language"][p.language] += 1
        out["dimension"].update(p.dimensions)
        out["criterion"].update(list(p.evaluation))
        out["criterion level"].update(a.level for a in p.evaluation.values())
        out["fund"].update(p.funding.funds if p.funding else [])
        out["role"][p.regional_role.type] += 1
        out["status"][p.period.status] += 1
        out["scope"][p.scope] += 1
    # Terms nobody uses yet show as 0, so gaps are visible.
    for table, name in (
        ("dimension", "dimensions"),
        ("criterion", "criteria"),
        ("fund", "funds"),
        ("criterion level", "levels"),
    ):
        for term in vocabs[name]:
            out[table].setdefault(term.id, 0)
    for state in EU:
        out["country"].setdefault(state, 0)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--practices", type=Path, default=Path("practices"))
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    args = parser.parse_args()
    vocabs = vocab.default()
    corpus = validate.check_paths([args.practices], vocabs)
    practices = corpus.practices
    found = checks(practices)
    counts = tables(practices, vocabs)
    if args.json:
        print(
            json.dumps(
                {
                    "files": len(corpus.files),
                    "errors": len(corpus.errors),
                    "checks": found,
                    "tables": {k: dict(v) for k, v in counts.items()},
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    print(f"{len(practices)} valid practices ({len(corpus.files)} files, {len(corpus.errors)} errors)\n")
    print("| check | figure | target | met |\n| --- | --- | --- | --- |")
    for row in found:
        print(f"| {row['check']} | {row['figure']} | {row['target']} | {'yes' if row['met'] else 'no'} |")
    print()
    for row in found:
        if row["list"]:
            print(
                f"{row['check']}, not met by: {', '.join(row['list'][:40])}"
                + (f" (and {len(row['list']) - 40} more)" if len(row["list"]) > 40 else "")
            )
    print()
    print("| practices per | (value count) |\n| --- | --- |")
    for name, table in counts.items():
        cells = ", ".join(f"{value} {count}" for value, count in sorted(table.items(), key=lambda kv: (-kv[1], kv[0])))
        print(f"| {name} | {cells} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
