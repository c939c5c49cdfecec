"""Load YAML files safely, keeping the position of every key and value.

This is the first stage of the pipeline. It reads bytes, decodes them as UTF-8,
composes PyYAML's node tree (which carries line and column marks) and builds plain
Python values from it, refusing what a practice file never needs: aliases (the
"billion laughs" attack), explicit tags (object construction), duplicate keys,
several documents. Nothing here executes code from a file.

Problems are returned, never printed or raised: the caller decides what to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader, ReaderError
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from .model import Loc, Mark, Problem

MAX_BYTES = 256 * 1024
"""A practice is a few pages of text; anything larger is a mistake or an attack."""

_STR = "tag:yaml.org,2002:str"
_STANDARD_TAGS = {
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
}


class _Resolver(Resolver):
    """YAML 1.2 core booleans: only true/false. `no`, `on`, `NO` stay strings,
    so Norway's country code and Norwegian's language code survive."""


_Resolver.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in Resolver.yaml_implicit_resolvers.items()
}
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


try:  # libyaml's parser, when PyYAML was built with it: about ten times faster
    from yaml._yaml import CParser as _Parser

    def _parser_init(self, stream: str) -> None:
        _Parser.__init__(self, stream)

    def _char_offset(text: str, position: int) -> int:
        """libyaml reports positions in UTF-8 bytes."""
        return len(text.encode("utf-8")[:position].decode("utf-8", "ignore"))
except ImportError:  # pragma: no cover - PyYAML without libyaml

    class _Parser(Reader, Scanner, Parser, Composer):  # type: ignore[no-redef]
        pass

    def _parser_init(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)

    def _char_offset(text: str, position: int) -> int:
        return position


class _Loader(_Parser, SafeConstructor, _Resolver):
    def __init__(self, stream: str):
        _parser_init(self, stream)
        SafeConstructor.__init__(self)
        _Resolver.__init__(self)


def _first_alias(text: str) -> Any:
    """Where the first alias is, found from the event stream before anything is
    composed, so a billion-laughs file costs no more than its own size."""
    loader = _Loader(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, AliasEvent):
                return event.start_mark  # PyYAML's Mark (libyaml's, with the C loader)
    finally:
        loader.dispose()
    return None


@dataclass
class Document:
    """A YAML file as plain data plus the 1-based position of every key and value."""

    path: Path
    data: Any
    values: dict[Loc, yaml.Mark] = field(default_factory=dict)
    keys: dict[Loc, yaml.Mark] = field(default_factory=dict)
    """PyYAML's (0-based) marks, turned into Marks only when asked for, by `where`."""
    block_scalars: set[Loc] = field(default_factory=set)
    """Values written as `|` or `>` blocks: their text starts on the next line."""

    def where(self, loc: Loc, *, key: bool = False) -> Mark:
        """The position of `loc`, or of its nearest ancestor that has one."""
        table = self.keys if key else self.values
        while loc:
            if loc in table:
                return _mark(table[loc])
            if loc in self.values:
                return _mark(self.values[loc])
            loc = loc[:-1]
        return _mark(self.values[()]) if () in self.values else Mark(1, 1)


def _mark(m: yaml.Mark) -> Mark:
    return Mark(m.line + 1, m.column + 1)


def _line_col(text: str | bytes, offset: int) -> Mark:
    before = text[:offset]
    if isinstance(before, str):
        line, last = before.count("\n") + 1, before.rfind("\n")
    else:
        line, last = before.count(b"\n") + 1, before.rfind(b"\n")
    return Mark(line, offset - (last + 1) + 1)


class _Builder:
    """Turns a composed node tree into plain values, recording positions."""

    def __init__(self, loader: _Loader, doc: Document):
        self.loader = loader
        self.doc = doc
        self.problems: list[Problem] = []

    def problem(self, code: str, mark: Mark, loc: Loc, *, form: str = "", **fields: object) -> None:
        """The error `code` at `mark`; see `Problem.of`."""
        self.problems.append(Problem.of(code, str(self.doc.path), mark, loc, form=form, hint=None, **fields))

    def build(self, node: Node, loc: Loc) -> Any:
        self.doc.values[loc] = node.start_mark
        if node.tag not in _STANDARD_TAGS:
            self.problem("yaml-tag", _mark(node.start_mark), loc, tag=node.tag.replace("tag:yaml.org,2002:", "!!"))
            return None
        if isinstance(node, MappingNode):
            return self._mapping(node, loc)
        if isinstance(node, SequenceNode):
            return [self.build(item, loc + (i,)) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        return self._scalar(node, loc)

    def _scalar(self, node: ScalarNode, loc: Loc) -> Any:
        if node.style in ("|", ">"):
            self.doc.block_scalars.add(loc)
        if node.tag == _STR:
            return node.value  # as the constructor would, without its bookkeeping
        try:
            return self.loader.construct_object(node, deep=True)
        except (ConstructorError, ValueError, OverflowError) as exc:
            if node.tag == "tag:yaml.org,2002:timestamp":
                self.problem("invalid-date", _mark(node.start_mark), loc, form="calendar", value=node.value)
            else:
                self.problem("wrong-type", _mark(node.start_mark), loc, form="unparsed", value=node.value, detail=exc)
            return node.value

    def _mapping(self, node: MappingNode, loc: Loc) -> dict:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.problem("wrong-type", _mark(key_node.start_mark), loc, form="key")
                continue
            key = key_node.value
            child = loc + (key,)
            if key in result:
                first = _mark(self.doc.keys[child])
                self.problem("duplicate-key", _mark(key_node.start_mark), child, key=key, first=first.line)
                continue
            self.doc.keys[child] = key_node.start_mark
            result[key] = self.build(value_node, child)
        return result


def parse(text: str, path: Path) -> tuple[Document | None, list[Problem]]:
    """Parse YAML text into a Document, or return the problems that prevent it."""
    doc = Document(path=path, data=None)
    where = str(path)
    loader = None
    try:
        alias = _first_alias(text) if "*" in text else None
        if alias is not None:
            return None, [Problem.of("yaml-alias", where, _mark(alias), ())]
        loader = _Loader(text)
        node = loader.get_single_node()
    except ReaderError as exc:
        return None, [
            Problem.of(
                "encoding",
                where,
                _line_col(text, _char_offset(text, exc.position)),
                (),
                form="control",
                character=exc.character,
            )
        ]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or "the YAML cannot be read"
        if exc.context:
            message = f"{exc.context}: {message}"
        return None, [
            Problem.of("yaml-syntax", where, _mark(mark) if mark else Mark(1, 1), (), detail=message.replace("\n", " "))
        ]
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML's unmarked errors
        return None, [Problem.of("yaml-syntax", where, Mark(1, 1), (), form="unmarked", detail=exc)]
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        return None, [Problem.of("empty-file", where, Mark(1, 1), ())]
    builder = _Builder(loader, doc)
    doc.data = builder.build(node, ())
    return doc, builder.problems


def load(path: Path, *, max_bytes: int = MAX_BYTES) -> tuple[Document | None, list[Problem]]:
    """Read and parse one file; never raises for anything the file contains."""
    where = str(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        return None, [Problem.of("unreadable", where, Mark(1, 1), (), reason=exc.strerror)]
    if len(raw) > max_bytes:
        return None, [Problem.of("file-too-large", where, Mark(1, 1), (), kib=max_bytes // 1024)]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, [Problem.of("encoding", where, _line_col(raw, exc.start), (), byte=raw[exc.start])]
    return parse(text, path)
