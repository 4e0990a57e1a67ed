"""The lead and case state machine, read from ``data/workflow.yaml``.

This module only answers questions about the rules — which transitions exist, from which states,
who may do them, whether an approval or the transfer checklist is needed. ``actions.py`` applies
them. Keeping the rules as data lets an ethics or legal reviewer read the whole path in one file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from django.utils.translation import gettext as _

from .deadlines import check_labels, localized, rules
from .errors import ActionRefused

WORKFLOW_FILE = Path(__file__).resolve().parent / "data" / "workflow.yaml"
OBJECTS = ("lead", "case")


class IllegalTransition(ActionRefused):
    """A transition the state machine refuses; the message says why, in the user's language."""


@dataclass(frozen=True)
class Transition:
    code: str
    object: str  # lead | case
    labels: dict[str, str]
    sources: tuple[str, ...]  # from
    target: str  # to
    actor: str  # capability of who does (or proposes) it
    approval: str  # capability of who approves it; "" = none
    team_only: bool
    checklist: bool
    needs_reason: bool
    creates_case: bool
    concludes: bool  # 审结: ends the investigation-and-review cycle (for the cycle report)
    starts: tuple[str, ...]
    stops: tuple[str, ...]
    legal_basis: dict[str, str]  # rule version id -> basis

    @property
    def label(self) -> str:
        return localized(self.labels)

    def basis_on(self, day: dt.date) -> str:
        """The legal basis under the rule version in force on ``day``."""
        version = rules().version_on(day)
        return self.legal_basis.get(version.id, "")


@dataclass(frozen=True)
class Workflow:
    states: dict[str, dict[str, dict[str, str]]]  # object -> state -> labels
    transitions: dict[str, Transition]

    def state_label(self, object_kind: str, state: str) -> str:
        labels = self.states.get(object_kind, {}).get(state)
        return localized(labels) if labels else state

    def transition(self, code: str) -> Transition:
        try:
            return self.transitions[code]
        except KeyError:
            raise IllegalTransition(_("there is no step called “%(code)s”") % {"code": code}) from None

    def from_state(self, object_kind: str, state: str) -> list[Transition]:
        return [t for t in self.transitions.values() if t.object == object_kind and state in t.sources]

    def check(self, object_kind: str, state: str, code: str) -> Transition:
        """The transition if it may follow ``state``; otherwise IllegalTransition saying why."""
        transition = self.transition(code)
        if transition.object != object_kind:
            raise IllegalTransition(
                _("“%(step)s” applies to a %(kind)s, not here")
                % {"step": transition.label, "kind": transition.object}
            )
        if state not in transition.sources:
            raise IllegalTransition(
                _("“%(step)s” cannot follow “%(state)s”; it needs one of: %(allowed)s")
                % {
                    "step": transition.label,
                    "state": self.state_label(object_kind, state),
                    "allowed": "、".join(self.state_label(object_kind, s) for s in transition.sources),
                }
            )
        return transition


def load_workflow(path: Path = WORKFLOW_FILE) -> Workflow:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    states = {
        kind: {
            state: check_labels(labels, f"{path.name} state {state}")
            for state, labels in data["states"][kind].items()
        }
        for kind in OBJECTS
    }
    known_clocks = set(rules().clocks)
    known_versions = {v.id for v in rules().versions}
    transitions: dict[str, Transition] = {}
    for code, raw in data["transitions"].items():
        kind = raw["object"]
        if kind not in OBJECTS:
            raise ValueError(f"{path.name} {code}: object {kind!r} is not lead or case")
        sources = tuple(raw["from"])
        target_kind_states = states[kind]
        for state in (*sources, raw["to"]):
            if state not in target_kind_states:
                raise ValueError(f"{path.name} {code}: unknown {kind} state {state!r}")
        for clock in (*raw.get("starts", []), *raw.get("stops", [])):
            if clock not in known_clocks:
                raise ValueError(f"{path.name} {code}: unknown clock {clock!r}")
        basis = {str(k): str(v) for k, v in (raw.get("legal_basis") or {}).items()}
        if set(basis) != known_versions:
            raise ValueError(
                f"{path.name} {code}: needs a legal basis for each rule version {sorted(known_versions)}"
            )
        transitions[code] = Transition(
            code=code,
            object=kind,
            labels=check_labels(raw["label"], f"{path.name} {code}"),
            sources=sources,
            target=str(raw["to"]),
            actor=str(raw["actor"]),
            approval=str(raw.get("approval") or ""),
            team_only=bool(raw.get("team_only", False)),
            checklist=bool(raw.get("checklist", False)),
            needs_reason=bool(raw.get("needs_reason", False)),
            creates_case=bool(raw.get("creates_case", False)),
            concludes=bool(raw.get("concludes", False)),
            starts=tuple(raw.get("starts", [])),
            stops=tuple(raw.get("stops", [])),
            legal_basis=basis,
        )
    return Workflow(states, transitions)


@cache
def workflow() -> Workflow:
    return load_workflow()
