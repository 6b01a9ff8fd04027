"""Counterparts between a writer and a reader version, and what the history says about them.

Matching happens here and only here, once per (writer, reader, encoding): the oracle walks the
resulting plan per example without looking anything up by name.

A writer field's counterpart is the reader field of the same name; else the reader field of the
same number whose name the writer does not have (a rename). Where name and number disagree the
name decides, and the plan's explanation says the number moved. A number-matched pair is a
*reuse* instead of a rename when some version between writer and reader has no field at that
number: the field was removed and its number given to another one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from schemafuzz._internal.catalog import Severity
from schemafuzz._internal.model import MESSAGE, Encoding, EnumDef, FieldDef, MessageDef, Version
from schemafuzz._internal.values import (
    Comparator,
    enum_map,
    field_comparator,
    key_comparator,
    never,
)


@dataclass(eq=False)
class FieldPair:
    """A writer field and its counterpart in the reader (either may be None)."""

    writer: FieldDef | None
    reader: FieldDef | None
    matched_by: str | None = None  # "name" | "number" | None
    reused: bool = False
    explanation: str = ""
    sub: MessagePlan | None = None  # both sides are messages: how to compare inside
    same: Comparator = never  # writer element value vs reader element value
    same_key: Comparator = never  # writer map key vs reader map key
    enum_map: dict[int, int | None] | None = None  # writer enum number -> reader number
    default_changed: bool = False  # unset on both sides still reads differently
    severity: Severity | None = None  # raised severity of this pair's finding, when the rule says


@dataclass(eq=False)
class MessagePlan:
    """How to compare one writer message type with one reader message type."""

    writer: MessageDef
    reader: MessageDef
    pairs: list[FieldPair] = field(default_factory=list)
    reader_only: list[FieldPair] = field(default_factory=list)


class History:
    """Per version, per message (by local name): field numbers and field types by name.

    Built once per family; answers whether a number or a name was absent in between (reuse) and
    whether a field was renamed without an alias (one disappears, one of the same type appears).
    """

    def __init__(self, versions: Sequence[Version]) -> None:
        self.index = {v.name: i for i, v in enumerate(versions)}
        self.names = [v.name for v in versions]
        self.numbers: list[dict[str, set[int]]] = []
        self.types: list[dict[str, dict[str, str]]] = []
        for version in versions:
            numbers, types = _fields(version.root)
            self.numbers.append(numbers)
            self.types.append(types)

    def _between(self, writer: str, reader: str) -> range:
        low, high = sorted((self.index[writer], self.index[reader]))
        return range(low + 1, high)

    def gap(self, writer: str, reader: str, message: str, number: int) -> str | None:
        """The first version strictly between writer and reader lacking `number` in `message`."""
        for i in self._between(writer, reader):
            numbers = self.numbers[i].get(message)
            if numbers is not None and number not in numbers:
                return self.names[i]
        return None

    def name_gap(self, writer: str, reader: str, message: str, name: str) -> str | None:
        """The first version strictly between writer and reader lacking field `name`."""
        for i in self._between(writer, reader):
            types = self.types[i].get(message)
            if types is not None and name not in types:
                return self.names[i]
        return None

    def renamed(self, writer: str, reader: str, message: str, old: str, new: str) -> str | None:
        """The version where `old` disappeared and `new` of the same type appeared, if any."""
        low, high = sorted((self.index[writer], self.index[reader]))
        if self.index[writer] > self.index[reader]:
            old, new = new, old
        for i in range(low, high):
            before, after = self.types[i].get(message, {}), self.types[i + 1].get(message, {})
            if (
                old in before
                and old not in after
                and new in after
                and new not in before
                and before[old] == after[new]
            ):
                return self.names[i + 1]
        return None


def _fields(root: MessageDef) -> tuple[dict[str, set[int]], dict[str, dict[str, str]]]:
    numbers: dict[str, set[int]] = {}
    types: dict[str, dict[str, str]] = {}
    stack = [root]
    while stack:
        message = stack.pop()
        if message.local in numbers:
            continue
        numbers[message.local] = {f.number for f in message.fields if f.number is not None}
        types[message.local] = {f.name: f.type for f in message.fields}
        stack.extend(f.message for f in message.fields if f.message is not None)
    return numbers, types


class Planner:
    """Builds the MessagePlan tree for one (writer, reader, encoding), memoised per type pair."""

    def __init__(
        self, writer: Version, reader: Version, encoding: Encoding, history: History
    ) -> None:
        self.writer = writer
        self.reader = reader
        self.encoding = encoding
        self.history = history
        self.memo: dict[tuple[str, str], MessagePlan] = {}

    def plan(self) -> MessagePlan:
        return self.message(self.writer.root, self.reader.root)

    def message(self, wmsg: MessageDef, rmsg: MessageDef) -> MessagePlan:
        key = (wmsg.name, rmsg.name)
        found = self.memo.get(key)
        if found is not None:
            return found
        plan = MessagePlan(wmsg, rmsg)
        self.memo[key] = plan
        rnames = rmsg.by_name()
        rnumbers = rmsg.by_number()
        wnames = wmsg.by_name()
        taken: set[str] = set()
        for wf in wmsg.fields:
            pair = self._pair(wf, rnames, rnumbers, wnames, wmsg)
            if pair.reader is not None:
                taken.add(pair.reader.name)
            plan.pairs.append(pair)
        orphans = [p.writer for p in plan.pairs if p.reader is None and p.writer is not None]
        for rf in rmsg.fields:
            if rf.name not in taken:
                plan.reader_only.append(self._reader_only(rf, orphans, wmsg))
        return plan

    def _reader_only(self, rf: FieldDef, orphans: list[FieldDef], wmsg: MessageDef) -> FieldPair:
        """A reader field W lacks; a warning where history shows a rename without alias."""
        if rf.number is None:
            for wf in orphans:
                if wf.type != rf.type:
                    continue
                where = self.history.renamed(
                    self.writer.name, self.reader.name, wmsg.local, wf.name, rf.name
                )
                if where is not None:
                    return FieldPair(
                        None,
                        rf,
                        explanation=(
                            f"field `{wf.name}` of {self.writer.name} looks renamed to "
                            f"`{rf.name}` in {self.reader.name} without an alias ({where} drops "
                            f"one and adds the other, same type); the reader fills in its default"
                        ),
                        severity=Severity.WARNING,
                    )
        return FieldPair(None, rf, explanation=self._only_reader(rf))

    def _pair(
        self,
        wf: FieldDef,
        rnames: dict[str, FieldDef],
        rnumbers: dict[int, FieldDef],
        wnames: dict[str, FieldDef],
        wmsg: MessageDef,
    ) -> FieldPair:
        rf = rnames.get(wf.name) or _alias(wf, rnames)
        if rf is not None:
            if wf.number is None and rf.name == wf.name and wf.type != rf.type:
                gone = self.history.name_gap(
                    self.writer.name, self.reader.name, wmsg.local, wf.name
                )
                if gone is not None:
                    explanation = self._reused(wf, rf, gone)
                    return FieldPair(wf, rf, "name", reused=True, explanation=explanation)
            return self._matched(wf, rf, "name")
        candidate = rnumbers.get(wf.number) if wf.number is not None else None
        if candidate is None or candidate.name in wnames:
            return FieldPair(wf, None, explanation=self._only_writer(wf))
        assert wf.number is not None
        gone = self.history.gap(self.writer.name, self.reader.name, wmsg.local, wf.number)
        if gone is not None:
            if self.encoding.keyed_by == "name":
                return FieldPair(wf, None, explanation=self._only_writer(wf))
            return FieldPair(
                wf, candidate, "number", reused=True, explanation=self._reused(wf, candidate, gone)
            )
        return self._matched(wf, candidate, "number")

    def _matched(self, wf: FieldDef, rf: FieldDef, by: str) -> FieldPair:
        pair = FieldPair(wf, rf, by, explanation=self._differences(wf, rf))
        if wf.category == MESSAGE and rf.category == MESSAGE and wf.message and rf.message:
            pair.sub = self.message(wf.message, rf.message)
        pair.same = field_comparator(wf, rf)
        pair.same_key = key_comparator(wf, rf)
        if wf.enum is not None and rf.enum is not None:
            pair.enum_map = enum_map(wf.enum, rf.enum)
        singular = not (wf.repeated or wf.is_map or rf.repeated or rf.is_map)
        declared = wf.default is not None or rf.default is not None
        if singular and declared and MESSAGE not in (wf.category, rf.category):
            pair.default_changed = not pair.same(wf.default, rf.default)
        return pair

    # -- explanations: one sentence naming the schema change, computed once per pair ----------

    def _differences(self, wf: FieldDef, rf: FieldDef) -> str:
        w, r = self.writer.name, self.reader.name
        what = wf.describe()
        parts: list[str] = []
        if wf.name != rf.name:
            parts.append(f"field {wf.number} is `{wf.name}` in {w} and `{rf.name}` in {r}")
            if self.encoding.keyed_by == "name":
                parts.append(f"{self.encoding.name} keys differ")
        elif wf.number != rf.number:
            parts.append(f"field `{wf.name}` is number {wf.number} in {w} and {rf.number} in {r}")
        if wf.type != rf.type and not (
            wf.message and rf.message and wf.message.local == rf.message.local
        ):
            parts.append(f"{what} is {wf.type} in {w} and {rf.type} in {r}")
        if wf.label != rf.label:
            parts.append(f"{what} is {wf.label} in {w} and {rf.label} in {r}")
        else:
            if wf.repeated and wf.packed != rf.packed:
                parts.append(f"{what} is {_packed(wf)} in {w} and {_packed(rf)} in {r}")
            if wf.presence != rf.presence:
                parts.append(f"{what} has {_presence(wf)} in {w} and {_presence(rf)} in {r}")
            if wf.default != rf.default and wf.category == rf.category:
                parts.append(f"{what} defaults to {wf.default!r} in {w} and {rf.default!r} in {r}")
        if wf.oneof != rf.oneof:
            parts.append(f"{what} is {_oneof(wf)} in {w} and {_oneof(rf)} in {r}")
        if wf.enum is not None and rf.enum is not None:
            parts.extend(_enum_changes(wf.enum, rf.enum, w, r))
        if not parts:
            return f"{what} has the same declaration in {w} and {r}"
        return "; ".join(parts)

    def _reused(self, wf: FieldDef, rf: FieldDef, gone: str) -> str:
        if wf.number is None:
            return (
                f"field `{wf.name}` is {wf.type} in {self.writer.name} and {rf.type} in "
                f"{self.reader.name}; version {gone} has no field `{wf.name}`, so the name was "
                "reused for another field"
            )
        return (
            f"field {wf.number} is `{wf.name}` ({wf.type}) in {self.writer.name} and "
            f"`{rf.name}` ({rf.type}) in {self.reader.name}; version {gone} has no field "
            f"{wf.number}, so the number was reused"
        )

    def _only_writer(self, wf: FieldDef) -> str:
        return f"{wf.describe()} of {self.writer.name} does not exist in {self.reader.name}"

    def _only_reader(self, rf: FieldDef) -> str:
        return (
            f"{rf.describe()} of {self.reader.name} does not exist in {self.writer.name}; "
            f"the reader fills in its default"
        )


def _alias(wf: FieldDef, rnames: dict[str, FieldDef]) -> FieldDef | None:
    """A reader field that lists the writer's name among its aliases (Avro)."""
    for rf in rnames.values():
        if wf.name in rf.aliases:
            return rf
    return None


def _enum_changes(writer: EnumDef, reader: EnumDef, w: str, r: str) -> list[str]:
    moved = [
        f"{name} is {number} in {w} and {reader.numbers[name]} in {r}"
        for name, number in writer.numbers.items()
        if name in reader.numbers and reader.numbers[name] != number
    ]
    return [f"enum {writer.name}: " + ", ".join(moved)] if moved else []


def _packed(f: FieldDef) -> str:
    return "packed" if f.packed else "unpacked"


def _presence(f: FieldDef) -> str:
    return "explicit presence" if f.presence else "no presence"


def _oneof(f: FieldDef) -> str:
    return f"in oneof `{f.oneof}`" if f.oneof else "not in a oneof"
