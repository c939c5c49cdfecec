"""Generate a realistic synthetic corpus of practice files for the benchmarks.

Texts are drawn from small per-language word pools (inflected forms included, so
stemming has work to do); vocabulary ids, regions and countries are the real ones.
The same seed gives the same corpus.

    python bench/corpus.py --size 10000 --out /tmp/corpus
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import date, timedelta
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from labb import vocab  # noqa: E402

WORDS = {
    "en": "integration migrants refugees language courses women employment training housing health guidance "
          "counselling municipality region volunteers mentoring children school families newcomers skills "
          "recognition qualifications jobs employers network cooperation evening digital services orientation "
          "participation community inclusion discrimination citizenship youth literacy mothers".split(),
    "fi": "kotoutuminen maahanmuuttajat pakolaiset kielikurssit naiset työllisyys koulutus asuminen terveys "
          "ohjaus neuvonta kunta maakunta vapaaehtoiset mentorointi lapset koulu perheet tulijat osaaminen "
          "tunnustaminen työpaikat työnantajat verkosto yhteistyö iltakurssi digitaaliset palvelut "
          "maahanmuuttajien kotoutumisen naisille kursseilla".split(),
    "sv": "integration invandrare flyktingar språkkurser kvinnor sysselsättning utbildning bostäder hälsa "
          "vägledning rådgivning kommun region volontärer mentorskap barn skola familjer nyanlända kompetens "
          "arbetsmarknad arbetsgivare nätverk samarbete kvällskurser digitala tjänster hälsokommunikation "
          "nyanländas kvinnornas kurserna".split(),
    "el": "ένταξη μετανάστες πρόσφυγες μαθήματα γλώσσας γυναίκες απασχόληση κατάρτιση στέγαση υγεία "
          "συμβουλευτική δήμος περιφέρεια εθελοντές παιδιά σχολείο οικογένειες δεξιότητες εργοδότες δίκτυο "
          "συνεργασία υπηρεσίες κοινωνική ενσωμάτωση μεταναστών προσφύγων γυναικών".split(),
    "it": "integrazione migranti rifugiati corsi lingua donne occupazione formazione alloggio salute "
          "orientamento consulenza comune regione volontari tutoraggio bambini scuola famiglie competenze "
          "riconoscimento lavoro datori rete cooperazione servizi digitali inclusione sociale cittadinanza "
          "giovani integrati lavoratori".split(),
    "fr": "intégration migrants réfugiés cours langue femmes emploi formation logement santé orientation "
          "conseil commune région bénévoles parrainage enfants école familles compétences reconnaissance "
          "travail employeurs réseau coopération services numériques inclusion citoyenneté jeunes "
          "intégrés travailleuses".split(),
    "es": "integración migrantes refugiados cursos idioma mujeres empleo formación vivienda salud "
          "orientación asesoramiento municipio región voluntarios mentoría niños escuela familias "
          "competencias reconocimiento trabajo empleadores red cooperación servicios digitales inclusión "
          "ciudadanía jóvenes acogida".split(),
    "pt": "integração migrantes refugiados cursos língua mulheres emprego formação habitação saúde "
          "orientação aconselhamento município região voluntários mentoria crianças escola famílias "
          "competências reconhecimento trabalho empregadores rede cooperação serviços digitais inclusão "
          "cidadania jovens acolhimento".split(),
    "de": "Integration Migranten Geflüchtete Sprachkurse Frauen Beschäftigung Ausbildung Wohnen Gesundheit "
          "Beratung Kommune Region Ehrenamtliche Mentoring Kinder Schule Familien Kompetenzen Anerkennung "
          "Arbeit Arbeitgeber Netzwerk Zusammenarbeit Dienste digitale Teilhabe Einbürgerung Jugendliche "
          "Integrationskurse".split(),
    "ca": "integració migrants refugiats cursos llengua dones ocupació formació habitatge salut orientació "
          "assessorament municipi regió voluntaris mentoria infants escola famílies competències "
          "reconeixement treball ocupadors xarxa cooperació serveis digitals inclusió ciutadania joves "
          "acollida".split(),
}
PLACES = "Oulu Pudasjärvi Malmö Lund Napoli Salerno Bari Lecce Barcelona Girona Murcia Cartagena Ponta Delgada " \
         "Angra Athína Piraeus Berlin Wien Lyon Lille Porto Tampere Göteborg Bologna Valencia".split()


def _sentence(rng: random.Random, lang: str, n: int) -> str:
    words = rng.choices(WORDS[lang], k=n)
    return (" ".join(words)).capitalize() + "."


def practice(i: int, rng: random.Random, vocabs: vocab.Vocabularies) -> tuple[str, dict]:
    region = rng.choice(list(vocabs.regions))
    country = vocabs.region_country(region.id)
    language = rng.choice(list(WORDS))
    scope = rng.choice(["local", "regional", "regional", "national"])
    start = date(2008, 1, 1) + timedelta(days=rng.randrange(0, 6000))
    end = start + timedelta(days=rng.randrange(180, 2000))
    total = rng.randrange(20_000, 5_000_000)
    texts = lambda n: {lang: _sentence(rng, lang, n) for lang in dict.fromkeys([language, "en"])}  # noqa: E731
    pid = f"{country.lower()}-bench-{i:06d}"
    criteria = rng.sample(list(vocabs["criteria"].terms), k=rng.randint(3, 5))
    data = {
        "id": pid,
        "title": texts(5),
        "summary": texts(25),
        "description": {language: " ".join(_sentence(rng, language, 15) for _ in range(6))},
        "language": language,
        "country": country,
        **({} if scope == "national" else {"region": region.id}),
        "scope": scope,
        "places": rng.sample(PLACES, k=2),
        "period": {"start": start, "end": end, "status": "completed" if end < date(2026, 11, 1) else "ongoing"},
        "dimensions": rng.sample(list(vocabs["dimensions"].terms), k=rng.randint(1, 3)),
        "target_groups": rng.sample(list(vocabs["target_groups"].terms), k=rng.randint(1, 3)),
        "indicators": rng.sample(list(vocabs["indicators"].terms), k=rng.randint(0, 2)),
        "regional_role": {"type": rng.choice(["direct", "indirect"]), "detail": texts(10)},
        "organisations": {"lead": f"Organisation {rng.randrange(1000)}", "partners": [f"Partner {rng.randrange(1000)}"]},
        "funding": {"funds": rng.sample(list(vocabs["funds"].terms), k=rng.randint(1, 2)),
                    "programming_period": rng.choice(["2007-2013", "2014-2020", "2021-2027"]),
                    "total_eur": total, "eu_eur": int(total * rng.uniform(0.3, 0.9))},
        "evaluation": {c: {"level": rng.choice(["strong", "moderate", "weak"]), "inspiring": texts(12),
                           "improvement": texts(12)} for c in criteria},
        "assessment": {"by": "labb editors", "date": date(2026, 11, 23)},
        "lessons_learnt": texts(30),
        "transferability": texts(20),
        "challenges": texts(20),
        "sources": [{"url": f"https://labb.eu/bench/practice/{i}", "title": "Synthetic source", "seen": date(2026, 11, 23)}],
        "added": date(2026, 1, 1) + timedelta(days=rng.randrange(300)),
        "reviewed": date(2026, 11, 23),
    }
    return pid, data


def generate(size: int, out: Path, seed: int = 2026) -> list[Path]:
    """Write `size` practice files under `out/<country>/` and return their paths."""
    vocabs = vocab.default()
    rng = random.Random(seed)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    paths = []
    for i in range(size):
        pid, data = practice(i, rng, vocabs)
        folder = out / data["country"].lower()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{pid}.yaml"
        path.write_text(yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    print(f"wrote {len(generate(args.size, args.out, args.seed))} practices to {args.out}")
