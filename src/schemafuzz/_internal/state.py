"""Stale state: sequences of writer messages applied with the reader's state semantics.

A reader that keeps state (a device shadow, a digital twin) applies every message it receives:
`replace` (each message is the whole state) or `merge` (a delta protocol), per field where
family.toml says so. The **reference** is the writer's intent — every field the generator set,
explicit zeros included — applied in send order with the writer's own schema. The **reader's
state** is what the reader actually holds after the delivered sequence: decoded messages merged
the way the format merges (protobuf `MergeFrom`: present fields only, repeated fields append, maps
merge by key, sub-messages merge; Avro and JSON: every non-null field overwrites, nested records
whole), rejected messages skipped, reconnect snapshots replacing everything, older messages
discarded by the ordering field where there is one.

A difference on a field both versions know is `stale-state` when the writer's own version keeps
that field right on the same sequence; when the writer's own version goes wrong too, the version
cannot express that state change at all: `state-hazard`, reported once per version and field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from schemafuzz._internal.model import (
    MAX_SEQUENCE,
    MESSAGE,
    DecodeFailure,
    FieldDef,
    MessageDef,
    StateConfig,
    View,
)
from schemafuzz._internal.oracle import Difference
from schemafuzz._internal.runner import Check, FindingKey, WriterRun, _Seen
from schemafuzz._internal.sampling import DrawSource, Sampler, Source
from schemafuzz._internal.values import view_to_plain

RECONNECT = "reconnect"
NOT_STATE = ("field-unknown", "default-injected")  # no field both know: nothing to be stale


@dataclass
class Sequence:
    """Messages in send order and how they were delivered: indices, or RECONNECT."""

    sent: list[Any]
    delivered: list[int | str]


# ---------------------------------------------------------------------------------------------
# Applying messages to a state


def apply(state: View, message: View, definition: MessageDef, config: StateConfig,
          style: str, top: bool = True) -> View:  # fmt: skip
    """The state after one message, by the field's mode and the format's merge style."""
    values = dict(state.values)
    present = set(state.present)
    for field in definition.fields:
        name = field.name
        mode = config.mode(name) if top else "merge"
        if mode == "replace":
            values[name] = message.values.get(name)
            present.discard(name)
            if name in message.present:
                present.add(name)
        elif style == "proto":
            _merge_proto(field, definition, state, message, values, present, config)
        elif message.values.get(name) is not None:
            values[name] = message.values[name]  # records: overwrite, nested records whole
            present.add(name)
    return View(values, present)


def _merge_proto(
    field: FieldDef,
    definition: MessageDef,
    state: View,
    message: View,
    values: dict[str, Any],
    present: set[str],
    config: StateConfig,
) -> None:
    """protobuf MergeFrom for one field: only fields present in the message are merged."""
    name = field.name
    if name not in message.present:
        return
    new = message.values[name]
    old = state.values.get(name) if name in state.present else None
    if field.is_map:
        values[name] = {**(old or {}), **new}
    elif field.repeated:
        values[name] = [*(old or []), *new]
    elif field.category == MESSAGE and field.message is not None and isinstance(new, View):
        base = old if isinstance(old, View) else View(dict(new.values), set())
        values[name] = apply(base, new, field.message, config, "proto", top=False)
    else:
        values[name] = new
    present.add(name)
    if field.oneof:  # setting one member of a oneof clears the others
        for other in definition.fields:
            if other.oneof == field.oneof and other.name != name:
                present.discard(other.name)
                values[other.name] = message.values.get(other.name)


def settled(view: View) -> View:
    """A state compares by value: every field holding a value counts as present.

    (An explicit zero that a merge skipped is stale only if the state holds something else.)
    """
    values: dict[str, Any] = {}
    for name, value in view.values.items():
        if isinstance(value, View):
            value = settled(value)
        elif isinstance(value, list):
            value = [settled(v) if isinstance(v, View) else v for v in value]
        elif isinstance(value, dict):
            value = {k: settled(v) if isinstance(v, View) else v for k, v in value.items()}
        values[name] = value
    return View(values, {name for name, value in values.items() if value is not None})


# ---------------------------------------------------------------------------------------------
# Generating sequences


def _stamp(value: Any, field: str, number: int, codec: Any) -> Any:
    """The message with its ordering field set to its send position (1, 2, …)."""
    kwargs = getattr(value, "kwargs", None)
    if kwargs is not None:
        return codec.build({**kwargs, field: number})
    if isinstance(value, dict):
        return {**value, field: number}
    return value


def _zero(value: Any) -> Any:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float, str, bytes)):
        return type(value)()
    return None


def _nonzero(value: Any) -> Any:
    if isinstance(value, bool):
        return True
    if isinstance(value, (int, float)) and value == 0:
        return type(value)(1)
    if isinstance(value, bytes) and not value:
        return b"1"
    if isinstance(value, str) and not value:
        return "1"
    return value


def _raised(value: Any, codec: Any) -> Any:
    """The message with every scalar it sets to a zero value set to a non-zero one (protobuf)."""
    kwargs = getattr(value, "kwargs", None)
    if not kwargs:
        return None
    try:
        return codec.build({k: _nonzero(v) for k, v in kwargs.items()})
    except (ValueError, TypeError):  # 1 is not a value of a closed enum: keep the message
        return None


def _cleared(value: Any, codec: Any) -> Any:
    """The message setting every scalar the given one set back to zero (protobuf)."""
    kwargs = getattr(value, "kwargs", None)
    if not kwargs:
        return None
    zeros = {k: _zero(v) for k, v in kwargs.items()}
    return codec.build({k: v for k, v in zeros.items() if v is not None})


def _sequence(
    s: Source, message: Callable[[Source], Any], codec: Any, config: StateConfig,
    ordering: FieldDef | None, longest: int = MAX_SEQUENCE,
) -> Sequence:  # fmt: skip
    sent = [message(s) for _ in range(s.integer(1, longest))]
    if len(sent) > 1 and s.integer(0, 2) > 0:
        # The update that breaks delta protocols (two times in three): the previous message
        # sets its scalars to something, this one clears them.
        sent[-2] = _raised(sent[-2], codec) or sent[-2]
        sent[-1] = _cleared(sent[-2], codec) or sent[-1]
    if ordering is not None:
        sent = [_stamp(v, ordering.name, i + 1, codec) for i, v in enumerate(sent)]
    delivered: list[int | str] = list(range(len(sent)))
    if config.delivery == "at-least-once":
        for i in range(len(delivered) - 1, 0, -1):  # a permutation; choice 0 keeps send order
            j = i - s.integer(0, i)
            delivered[i], delivered[j] = delivered[j], delivered[i]
        for _ in range(s.integer(0, 2)):  # up to two duplicates
            index = s.integer(0, len(sent) - 1)
            delivered.insert(s.integer(0, len(delivered)), index)
    if config.reconnect == "snapshot" and s.boolean():
        delivered.insert(s.integer(0, len(delivered)), RECONNECT)
    return Sequence(sent, delivered)


def sequence_sampler(
    codec: Any,
    config: StateConfig,
    ordering: FieldDef | None,
    longest: int = MAX_SEQUENCE,
    depth: int | None = None,
) -> Any:
    """Sequences from the format's fast message generator, when it has one (else None)."""
    finder = getattr(codec, "sampler", None)
    if finder is None:
        return None
    message = finder(depth).generate
    return Sampler(lambda s: _sequence(s, message, codec, config, ordering, longest))


def sequence_strategy(
    codec: Any,
    config: StateConfig,
    ordering: FieldDef | None,
    longest: int = MAX_SEQUENCE,
    depth: int | None = None,
) -> Any:
    """Sequences of 1-3 writer messages with their deliveries.

    Two times in three the last message clears what the one before set (protobuf): the update
    delta protocols get wrong. Delivery is in send order, except under `delivery = "at-least-once"`:
    a permutation with up to two duplicates. Under `reconnect = "snapshot"` a reconnect may
    follow any delivery.
    Shrinking removes messages, duplicates and reconnects, and restores send order.
    """
    sampler = sequence_sampler(codec, config, ordering, longest, depth)
    if sampler is not None:
        return sampler.strategy()
    strategy = codec.strategy(depth)

    @st.composite
    def draw(data: Any) -> Sequence:
        source = DrawSource(data)
        return _sequence(source, lambda s: data(strategy), codec, config, ordering, longest)

    return draw()


# ---------------------------------------------------------------------------------------------
# The run


class StateRun(WriterRun):
    """Sequences instead of single messages; findings are stale-state and state-hazard."""

    def __init__(self, family: Any, writer: Any, encoding: Any, checks: list[Check],
                 options: Any, baseline: Check) -> None:  # fmt: skip
        super().__init__(family, writer, encoding, checks, options)
        self.baseline = baseline  # the writer read by its own version: the state baseline
        self.config: StateConfig = self.family.state or StateConfig()
        self.style = "proto" if self.family.format == "proto" else "record"
        self.ordering = self._ordering_field(self.writer.root)
        self._strategy: Any = None
        self._sampler: Any = None

    def _ordering_field(self, root: MessageDef) -> FieldDef | None:
        name = self.config.ordering
        field = root.by_name().get(name) if name else None
        return field if field is not None and field.category == "int" else None

    def strategy(self) -> Any:
        if self._strategy is None:
            self._strategy = sequence_strategy(
                self.writer.codec,
                self.config,
                self.ordering,
                self.options.max_sequence,
                self.options.max_depth,
            )
        return self._strategy

    def sampler(self) -> Any:
        if self._sampler is None:
            self._sampler = sequence_sampler(
                self.writer.codec,
                self.config,
                self.ordering,
                self.options.max_sequence,
                self.options.max_depth,
            )
        return self._sampler

    def checks_by_reader(self) -> dict[str, Check]:
        return {**super().checks_by_reader(), self.writer.name: self.baseline}

    # -- one sequence --------------------------------------------------------------------------

    def _encoded(self, sequence: Sequence) -> tuple[list[bytes], View] | None:
        """Each sent message encoded once, and the reference: the writer's intent applied.

        In send order; where the writer has the ordering field, in delivery order discarding
        what is older than the state, as a correct reader does (a delta discarded that way is
        the protocol's choice, not a version's defect).
        """
        codec = self.writer.codec
        encoded: list[bytes] = []
        intents: list[View] = []
        for value in sequence.sent:
            views = self._views(value)
            if views is None:
                return None
            data, decoded = views
            encoded.append(data)
            intents.append(codec.intent(value, decoded) if hasattr(codec, "intent") else decoded)
        order = list(range(len(intents)))
        if self.ordering is not None:
            order, newest = [], -1
            for event in sequence.delivered:
                if isinstance(event, int) and event > newest:
                    order.append(event)
                    newest = event
        # The base holds the first applied message's values as defaults, like the reader's.
        reference = View(dict(intents[order[0]].values), set())
        for index in order:
            reference = apply(reference, intents[index], self.writer.root, self.config, self.style)
        return encoded, reference

    def _reader_state(self, sequence: Sequence, encoded: list[bytes], reference: View,
                      check: Check) -> View | None:  # fmt: skip
        reader = check.reader
        ordering = reader.root.by_name().get(self.ordering.name) if self.ordering else None
        state: View | None = None
        newest: Any = None
        for event in sequence.delivered:
            if event == RECONNECT:
                data = self._snapshot(reference)
                if data is None:
                    continue
            else:
                assert isinstance(event, int)
                data = encoded[event]
            try:
                message = reader.codec.decode(data, self.encoding.name, self.writer.codec)
            except DecodeFailure:
                continue  # a rejected update: the reader keeps its old state
            if event == RECONNECT:
                state = message
                continue
            if ordering is not None and ordering.name in message.present:
                stamp = message.values[ordering.name]
                if newest is not None and stamp <= newest:
                    continue  # older than the state: discarded
                newest = stamp
            base = state or View(dict(message.values), set())
            state = apply(base, message, reader.root, self.config, self.style)
        return state

    def _snapshot(self, reference: View) -> bytes | None:
        """The writer's full state as one message."""
        codec = self.writer.codec
        if not hasattr(codec, "build"):
            return None
        value = codec.build(view_to_plain(reference, self.writer.root))
        try:
            data: bytes = codec.encode(value, self.encoding.name)
        except Exception:
            return None
        return data

    def _stale(self, sequence: Sequence, checks: list[Check]) -> list[tuple[Check, Difference]]:
        """Stale fields per reader: state differs where the writer's own version is right.

        The sequence is encoded, its reference built and the writer's own state (the baseline)
        computed once, whatever the number of readers.
        """
        prepared = self._encoded(sequence)
        if prepared is None:
            return []
        encoded, reference = prepared
        baseline = self._differences(sequence, encoded, reference, self.baseline)
        hazard_paths = {d.path for d in baseline}
        found: list[tuple[Check, Difference]] = []
        for check in checks:
            if check is self.baseline:
                found.extend((check, self._hazard(d)) for d in baseline)
                continue
            differences = self._differences(sequence, encoded, reference, check)
            found.extend(
                (check, _as(d, "stale-state")) for d in differences if d.path not in hazard_paths
            )
        return found

    def _differences(self, sequence: Sequence, encoded: list[bytes], reference: View,
                     check: Check) -> list[Difference]:  # fmt: skip
        state = self._reader_state(sequence, encoded, reference, check)
        if state is None:
            return []
        differences = check.oracle.compare(settled(reference), settled(state))
        return [d for d in differences if d.kind not in NOT_STATE]

    def _hazard(self, difference: Difference) -> Difference:
        """Why the writer's own version cannot carry this state change."""
        field = self.writer.root.by_name().get(difference.path.split(".")[0].split("[")[0])
        if self.style == "proto" and field is not None and not field.presence:
            why = (
                f"{field.describe()} has no presence in {self.writer.name}: an update setting it "
                "to its zero value is not on the wire, so a merge keeps the old value"
            )
        elif self.config.delivery == "at-least-once" and self.ordering is None:
            why = (
                f"{self.writer.name} has no ordering field, so duplicated or reordered deliveries "
                "are applied as they come"
            )
        else:
            why = f"{self.writer.name} read by itself ends with another value than it sent"
        return Difference("state-hazard", difference.path, difference.written, difference.read,
                          difference.writer_field, difference.reader_field, why)  # fmt: skip

    # -- the run's hooks -----------------------------------------------------------------------

    def _observe(self, value: Any, choices: tuple[Any, ...] = ()) -> None:
        simplest = self.observed == 0
        self.observed += 1
        hazards = self.options.candidate in (None, self.writer.name)  # history is not this change
        checks = [*self.checks, *([self.baseline] if hazards else [])]
        for check, difference in self._stale(value, checks):
            key = (difference.kind, check.reader.name, difference.path)
            known = self.seen.get(key)
            if known is None or (not known.simplest and len(choices) < len(known.choices)):
                self.seen[key] = _Seen(difference, value, simplest, choices)

    def _matches(self, value: Any, check: Check, key: FindingKey) -> Difference | None:
        for _, difference in self._stale(value, [check]):
            if (difference.kind, check.reader.name, difference.path) == key:
                return difference
        return None

    def render(self, value: Any) -> tuple[Any, str]:
        """The sequence as sent (explicit zeros shown), how it was delivered, and its bytes."""
        codec = self.writer.codec
        shown = getattr(codec, "intent_json", codec.example_json)
        encoded = [super(StateRun, self).render(v)[1] for v in value.sent]
        example = {"sent": [shown(v) for v in value.sent], "delivered": value.delivered}
        return example, " ".join(encoded)


def _as(difference: Difference, kind: str) -> Difference:
    cause = difference.explanation
    stuck = f"after the sequence the reader's state holds this field wrong ({difference.kind})"
    return Difference(
        kind,
        difference.path,
        difference.written,
        difference.read,
        difference.writer_field,
        difference.reader_field,
        f"{stuck}; {cause}" if cause else stuck,
    )
