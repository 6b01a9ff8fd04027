"""The oracle: the writer's view against the reader's view, field by field, over a plan.

The writer's view is what W decodes from its own bytes; the reader's view is what R decodes from
the same bytes. Both hold every field of their version (unset ones at their default) and the set
of present fields. The walk follows the precomputed `MessagePlan`; each difference becomes a
`Difference` whose kind is decided here, in one place:

- W set, R has no counterpart: `field-unknown`.
- number reused in between: `field-reused` (instead of value-changed / field-dropped).
- W set, R unset: `enum-unknown` for an enum value R lacks, `presence-lost` for an explicit
  zero read by an implicit-presence field, else `field-dropped`.
- both set (or R set alone) and values differ: `value-changed`, `enum-unknown` for a value R
  does not know; messages are compared inside, lists and maps element by element.
- both unset but the defaults differ: `value-changed`.
- a reader-only field holding a value: `default-injected`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from schemafuzz._internal.catalog import Severity
from schemafuzz._internal.matching import FieldPair, MessagePlan
from schemafuzz._internal.model import FieldDef, View
from schemafuzz._internal.values import is_zero, same_structure


@dataclass(frozen=True)
class Difference:
    """One observed difference in one example, before de-duplication."""

    kind: str
    path: str
    written: Any
    read: Any
    writer_field: FieldDef | None
    reader_field: FieldDef | None
    explanation: str
    severity: Severity | None = None  # None: the kind's default


class Oracle:
    """Compares views for one (writer, reader, encoding) with a plan built once."""

    def __init__(self, plan: MessagePlan, keyed_by: str) -> None:
        self.plan = plan
        self.by_number = keyed_by == "number"

    def changes(self, limit: int = 3) -> str:
        """The first few declaration changes of the plan: the likely cause of a decode error."""
        found: list[str] = []
        seen: set[int] = set()
        stack = [self.plan]
        while stack and len(found) < limit:
            plan = stack.pop(0)
            if id(plan) in seen:
                continue
            seen.add(id(plan))
            for pair in plan.pairs + plan.reader_only:
                if pair.sub is not None:
                    stack.append(pair.sub)
                if pair.explanation and "same declaration" not in pair.explanation:
                    found.append(pair.explanation)
        return "; ".join(found[:limit])

    def locate(self, writer_type: str, reader_type: str) -> str:
        """The path of the first field declared `writer_type` in W and `reader_type` in R."""
        stack: list[tuple[MessagePlan, str]] = [(self.plan, "")]
        seen: set[int] = set()
        while stack:
            plan, prefix = stack.pop(0)
            if id(plan) in seen:
                continue
            seen.add(id(plan))
            for pair in plan.pairs:
                if pair.writer is None or pair.reader is None:
                    continue
                path = prefix + pair.writer.name
                if (
                    _base_type(pair.writer.type) == writer_type
                    and _base_type(pair.reader.type) == reader_type
                ):
                    return path
                if pair.sub is not None:
                    stack.append((pair.sub, path + "."))
        return ""

    def explain(self, path: str) -> str:
        """The planned explanation of the writer field at a dotted path ("" if none)."""
        plan: MessagePlan | None = self.plan
        explanation = ""
        for name in path.split(".") if path else []:
            pair = (
                next((p for p in plan.pairs if p.writer and p.writer.name == name), None)
                if plan
                else None
            )
            if pair is None:
                return ""
            explanation, plan = pair.explanation, pair.sub
        return explanation

    def compare(self, written: View, read: View) -> list[Difference]:
        out: list[Difference] = []
        self._message(self.plan, written, read, "", out)
        return out

    def _message(
        self, plan: MessagePlan, wv: View, rv: View, prefix: str, out: list[Difference]
    ) -> None:
        for pair in plan.pairs:
            wf = pair.writer
            assert wf is not None
            rf = pair.reader
            wset = wf.name in wv.present
            if rf is None:
                if wset:
                    out.append(self._diff("field-unknown", prefix + wf.name, pair, wv, None))
                continue
            rset = rf.name in rv.present
            if not (wset or rset):
                if pair.default_changed:
                    out.append(self._diff("value-changed", prefix + wf.name, pair, wv, rv))
                continue
            if pair.reused:
                if wset and (rset or self.by_number):
                    out.append(self._diff("field-reused", prefix + wf.name, pair, wv, rv))
                continue
            self._field(pair, wf, rf, wv, rv, wset, rset, prefix + wf.name, out)
        for pair in plan.reader_only:
            rf = pair.reader
            assert rf is not None
            if rf.name in rv.present or not is_zero(rv.values[rf.name]):
                injected = self._diff("default-injected", prefix + rf.name, pair, None, rv)
                out.append(replace(injected, severity=pair.severity))

    def _field(
        self,
        pair: FieldPair,
        wf: FieldDef,
        rf: FieldDef,
        wv: View,
        rv: View,
        wset: bool,
        rset: bool,
        path: str,
        out: list[Difference],
    ) -> None:
        wval = wv.values[wf.name]
        rval = rv.values[rf.name]
        if wset and not rset:
            out.append(self._unset(pair, wf, rf, wval, rval, path))
            return
        if not wset:
            out.append(Difference("value-changed", path, wval, rval, wf, rf, pair.explanation))
            return
        if wf.repeated or wf.is_map or rf.repeated or rf.is_map:
            self._collection(pair, wf, rf, wval, rval, path, out)
        else:
            self._value(pair, wf, rf, wval, rval, path, out)

    def _unset(
        self, pair: FieldPair, wf: FieldDef, rf: FieldDef, wval: Any, rval: Any, path: str
    ) -> Difference:
        single = not (wf.repeated or wf.is_map)
        if single and pair.enum_map is not None and pair.enum_map.get(wval, wval) is None:
            return self._enum_unknown(pair, wf, rf, wval, rval, path)
        if single and wf.presence and not rf.presence and pair.same(wval, rval):
            return Difference("presence-lost", path, wval, rval, wf, rf, pair.explanation)
        if self.by_number and single and not rf.presence and wf.wire and wf.wire == rf.wire:
            # The value arrived (same wire type) and the reader narrowed it to its zero.
            return Difference("value-changed", path, wval, rval, wf, rf, pair.explanation)
        return Difference("field-dropped", path, wval, rval, wf, rf, pair.explanation)

    def _enum_unknown(
        self, pair: FieldPair, wf: FieldDef, rf: FieldDef, wval: Any, rval: Any, path: str
    ) -> Difference:
        assert wf.enum is not None and rf.enum is not None
        name = wf.enum.names.get(wval, str(wval))
        where = "kept as a number"
        severity = None
        if rval is None or rval != wval:
            if rf.enum.closed:
                where = "moved to unknown fields (closed enum)"
                severity = Severity.ERROR
            else:
                where = f"read as {rf.enum.names.get(rval, rval)}"
        explanation = (
            f"enum value {name} ({wval}) of {wf.enum.name} in the writer is not in "
            f"{rf.enum.name} of the reader; {where}"
        )
        return Difference("enum-unknown", path, wval, rval, wf, rf, explanation, severity)

    def _value(
        self,
        pair: FieldPair,
        wf: FieldDef,
        rf: FieldDef,
        wval: Any,
        rval: Any,
        path: str,
        out: list[Difference],
    ) -> None:
        if pair.sub is not None:
            if isinstance(wval, View) and isinstance(rval, View):
                self._message(pair.sub, wval, rval, path + ".", out)
                return
        elif pair.enum_map is not None and pair.enum_map.get(wval, wval) is None:
            out.append(self._enum_unknown(pair, wf, rf, wval, rval, path))
            return
        elif pair.same(wval, rval):
            return
        out.append(Difference("value-changed", path, wval, rval, wf, rf, pair.explanation))

    def _collection(
        self,
        pair: FieldPair,
        wf: FieldDef,
        rf: FieldDef,
        wval: Any,
        rval: Any,
        path: str,
        out: list[Difference],
    ) -> None:
        item = path + "[i]"
        if wf.is_map and rf.is_map:
            self._map(pair, wf, rf, wval, rval, path, out)
        elif wf.repeated and rf.repeated and not (wf.is_map or rf.is_map):
            if pair.enum_map is not None:
                unknown = [v for v in wval if pair.enum_map.get(v, v) is None]
                if unknown:
                    out.append(self._enum_unknown(pair, wf, rf, unknown[0], None, item))
                    return
            if len(wval) != len(rval):
                out.append(Difference("value-changed", path, wval, rval, wf, rf, pair.explanation))
                return
            for wi, ri in zip(wval, rval, strict=True):
                self._value(pair, wf, rf, wi, ri, item, out)
        elif not self.by_number and not (wf.is_map or rf.is_map):
            # Keyed by name (JSON, Avro): a list is never cut down to its last element.
            if not same_structure(wval, rval):
                out.append(Difference("value-changed", path, wval, rval, wf, rf, pair.explanation))
        elif wf.repeated and not wf.is_map and not rf.is_map:
            # A list read as a singular field keeps (at most) its last element.
            if not (len(wval) == 1 and self._equal(pair, wval[0], rval)):
                out.append(Difference("value-changed", path, wval, rval, wf, rf, pair.explanation))
        elif rf.repeated and not rf.is_map and not wf.is_map:
            if not (len(rval) == 1 and self._equal(pair, wval, rval[0])):
                out.append(Difference("value-changed", path, wval, rval, wf, rf, pair.explanation))
        else:
            out.append(Difference("value-changed", path, wval, rval, wf, rf, pair.explanation))

    def _map(
        self,
        pair: FieldPair,
        wf: FieldDef,
        rf: FieldDef,
        wval: dict[Any, Any],
        rval: dict[Any, Any],
        path: str,
        out: list[Difference],
    ) -> None:
        matched: list[tuple[Any, Any]] = []
        for wkey, wi in wval.items():
            rkey = next((k for k in rval if pair.same_key(wkey, k)), _MISSING)
            if rkey is _MISSING:
                out.append(Difference("value-changed", path, wval, rval, wf, rf, pair.explanation))
                return
            matched.append((wi, rval[rkey]))
        if len(rval) != len(wval):
            out.append(Difference("value-changed", path, wval, rval, wf, rf, pair.explanation))
            return
        for wi, ri in matched:
            self._value(pair, wf, rf, wi, ri, path + "[i]", out)

    def _equal(self, pair: FieldPair, wval: Any, rval: Any) -> bool:
        probe: list[Difference] = []
        assert pair.writer is not None and pair.reader is not None
        self._value(pair, pair.writer, pair.reader, wval, rval, "", probe)
        return not probe

    @staticmethod
    def _diff(
        kind: str, path: str, pair: FieldPair, wv: View | None, rv: View | None
    ) -> Difference:
        wval = wv.values[pair.writer.name] if wv is not None and pair.writer else None
        rval = rv.values[pair.reader.name] if rv is not None and pair.reader else None
        return Difference(kind, path, wval, rval, pair.writer, pair.reader, pair.explanation)


def _base_type(declared: str) -> str:
    """The type without nullability or collection wrappers: "array<float>|null" -> "float"."""
    base = declared.split("|")[0]
    while "<" in base and base.endswith(">"):
        base = base[base.index("<") + 1 : -1]
    return base.split(" ")[0]


_MISSING = object()
