"""The JSON Schema of a practice file, and how to walk a document along it.

The schema comes from the model (pydantic) and is completed with the
vocabularies: every ``x-vocabulary`` marker becomes an ``enum`` of the ids, so an
editor's YAML language server autocompletes and checks them as they type.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from functools import cache
from typing import Any

from .model import Loc, Practice
from .vocab import Vocabularies

SCHEMA_ID = "https://labb.eu/schema/practice.json"
SCHEMA_FILE = "labb-practice.schema.json"
"""Where the repository keeps the generated schema (its top level)."""


@cache
def _model_schema() -> dict[str, Any]:
    return Practice.model_json_schema(mode="validation")


def model_schema() -> dict[str, Any]:
    """The schema as the model defines it, with the vocabulary markers."""
    return copy.deepcopy(_model_schema())


def inline_vocabularies(node: Any, vocabs: Vocabularies) -> None:
    """Turn every `x-vocabulary` marker below `node` into an `enum` of the ids
    (and `x-vocabulary-keys` into `propertyNames`), in place."""
    if isinstance(node, dict):
        name = node.get("x-vocabulary")
        if name:
            node["enum"] = _ids(vocabs, name)
        keys = node.get("x-vocabulary-keys")
        if keys:
            node["propertyNames"] = {"enum": _ids(vocabs, keys)}
        for value in node.values():
            inline_vocabularies(value, vocabs)
    elif isinstance(node, list):
        for value in node:
            inline_vocabularies(value, vocabs)


def editor_schema(vocabs: Vocabularies) -> dict[str, Any]:
    """A Draft 2020-12 JSON Schema for editors, with the vocabularies' ids inlined."""
    schema = model_schema()
    inline_vocabularies(schema, vocabs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "description": "An integration practice in labb. One YAML file per practice; its name is the id.",
        **schema,
    }


def _ids(vocabs: Vocabularies, name: str) -> list[str]:
    vocabulary = vocabs[name]
    recoded = [c for c in vocabs.recodes if c not in vocabulary] if name == "regions" else []  # valid, with a warning
    return list(vocabulary.terms) + list(vocabulary.aliases) + recoded


def dumps(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


def _deref(node: dict[str, Any]) -> dict[str, Any]:
    root = _model_schema()
    while "$ref" in node:
        node = root["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _branches(node: dict[str, Any]) -> list[dict[str, Any]]:
    node = _deref(node)
    if "anyOf" in node:
        return [b for sub in node["anyOf"] for b in _branches(sub) if b.get("type") != "null"]
    return [node]


def at(loc: Loc) -> dict[str, Any] | None:
    """The (model) schema of the value at `loc`, or None if there is none."""
    node: dict[str, Any] = _model_schema()
    for part in loc:
        found = None
        for branch in _branches(node):
            if isinstance(part, int) and "items" in branch:
                found = branch["items"]
            elif isinstance(part, str) and part in branch.get("properties", {}):
                found = branch["properties"][part]
            elif isinstance(part, str) and isinstance(branch.get("additionalProperties"), dict):
                found = branch["additionalProperties"]
            if found is not None:
                break
        if found is None:
            return None
        node = found
    branches = _branches(node)
    return branches[0] if branches else None


def field_names(loc: Loc) -> list[str]:
    """The keys allowed in the mapping at `loc` (for "did you mean")."""
    node = at(loc)
    return list(node.get("properties", {})) if node else []


def walk(data: Any, node: dict[str, Any] | None = None, loc: Loc = ()) -> Iterator[tuple[Loc, Any, dict[str, Any]]]:
    """Yield (loc, value, schema) for every value in `data` that the schema knows,
    tolerating values of the wrong type (they are reported elsewhere)."""
    if node is None:
        node = _model_schema()
    for branch in _branches(node):
        yield loc, data, branch
        if isinstance(data, dict):
            props = branch.get("properties", {})
            extra = branch.get("additionalProperties")
            for key, value in data.items():
                if key in props:
                    yield from walk(value, props[key], loc + (key,))
                elif isinstance(extra, dict):
                    yield from walk(value, extra, loc + (key,))
        elif isinstance(data, list) and "items" in branch:
            for i, value in enumerate(data):
                yield from walk(value, branch["items"], loc + (i,))
