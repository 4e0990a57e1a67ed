"""What the resolve app offers other rooms and people: related parties and connections, under a
stated purpose, logged like profile queries (pool.services.open_query), identifiers masked by role."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiancha.access.models import User
from jiancha.identifiers import IdentifierError, parse_resident_id, validate_uscc
from jiancha.pool import services as pool

from . import graph

QueryRefused = pool.QueryRefused


def node_of(subject: str) -> tuple[str, str]:
    """A resident ID or a USCC as a graph node (``P:…``/``C:…``) and the profile kind."""
    text = subject.strip().upper()
    try:
        return "P:" + parse_resident_id(text).number, "person"
    except IdentifierError:
        pass
    try:
        return "C:" + validate_uscc(text), "company"
    except IdentifierError:
        raise QueryRefused(_("enter a valid resident ID or USCC")) from None


def _shown(node: str, full: bool) -> str:
    kind, key = node.split(":", 1)
    return node if full or kind == "C" else f"{kind}:{pool.mask_id_number(key)}"


def ref(node: str) -> str:
    """An opaque, stable handle for a node on a page (masked identifiers may collide; this does not)."""
    return "n" + hmac.new(settings.SECRET_KEY.encode(), node.encode(), hashlib.sha256).hexdigest()[:12]


KINDS = {
    "family": gettext_lazy("family"),
    "ownership": gettext_lazy("shareholding"),
    "legal_representative": gettext_lazy("legal representative"),
    "director": gettext_lazy("officer"),
    "employment": gettext_lazy("post"),
    "social_insurance": gettext_lazy("social insurance"),
    "shared_phone": gettext_lazy("shared phone"),
    "shared_address": gettext_lazy("shared address"),
    "payment": gettext_lazy("payments"),
}
FAMILY = {
    "spouse": gettext_lazy("spouse"),
    "parent": gettext_lazy("parent"),
    "child": gettext_lazy("child"),
    "sibling": gettext_lazy("sibling"),
    "parent-in-law": gettext_lazy("parent-in-law"),
    "child-in-law": gettext_lazy("child-in-law"),
}


def describe(kind: str, label: str) -> str:
    """An edge in the reader's language: "family: parent", "shareholding 30.0%"."""
    words = str(KINDS.get(kind, kind))
    if not label:
        return words
    return f"{words}: {FAMILY[label]}" if label in FAMILY else f"{words} {label}"


def short(kind: str, label: str) -> str:
    """An edge in one or two words, for the drawing: "parent", "shareholding"."""
    return str(FAMILY[label]) if kind == "family" and label in FAMILY else str(KINDS.get(kind, kind))


FIELDS = {
    "name": gettext_lazy("name"),
    "birth_date": gettext_lazy("birth date"),
    "gender": gettext_lazy("gender"),
    "phone": gettext_lazy("phone"),
    "address": gettext_lazy("address"),
}
# (field, comparison level) -> words; level -1 is "missing on one side", 0 "different".
LEVELS = {
    ("name", 3): gettext_lazy("same name"),
    ("name", 2): gettext_lazy("same pinyin reading"),
    ("name", 1): gettext_lazy("similar name"),
    ("birth_date", 2): gettext_lazy("same date"),
    ("birth_date", 1): gettext_lazy("same year"),
    ("gender", 1): gettext_lazy("same"),
    ("phone", 1): gettext_lazy("same"),
    ("address", 2): gettext_lazy("same"),
    ("address", 1): gettext_lazy("similar"),
}


def explain(explanation: list[dict[str, Any]], kind: str = "person") -> list[dict[str, Any]]:
    """A pair's per-field weights in words: which fields agreed, how far, and how much each weighed."""
    shown = []
    for item in explanation:
        level = item.get("level")
        if kind == "company" and item["field"] == "name" and level is not None and level > 0:
            level += 1  # companies' names have no pinyin level
        if level is None or level < 0:
            words = _("missing on one side")
        elif level == 0:
            words = _("different")
        else:
            words = str(LEVELS.get((item["field"], level), level))
        shown.append(
            {"field": str(FIELDS.get(item["field"], item["field"])), "level": words, "weight": item["weight"]}
        )
    return shown


def _hop(hop: graph.Hop, full: bool) -> dict[str, Any]:
    data = asdict(hop)
    data["text"] = describe(hop.kind, hop.label)
    data["short"] = short(hop.kind, hop.label)
    data["source"], data["target"] = _shown(hop.source, full), _shown(hop.target, full)
    data["source_ref"], data["target_ref"] = ref(hop.source), ref(hop.target)
    return data


@dataclass
class GraphAnswer:
    query_id: int
    subject_ref: str
    subject: str  # as the user may see it
    subject_name: str
    kind: str  # P or C
    parties: list[dict[str, Any]]
    full_identifiers: bool


def related_parties(
    user: User, subject: str, purpose: str, k: int = 2, case_reference: str = ""
) -> GraphAnswer:
    """The parties within k hops of a person or company, each with its path and the evidence of each
    edge. Refused without the right, a purpose, or a subject the graph knows.

    ``subject`` is a resident ID, a USCC, or a pool subject token (a link from another page, such
    as an alert's, that carries no readable ID number)."""
    if len(subject.strip()) > 30:
        _kind, subject = pool.subject_from_token(subject.strip(), user.pk)
    node, kind = node_of(subject)
    if not 1 <= k <= 3:
        raise QueryRefused(_("the number of hops must be between 1 and 3"))
    key = node.split(":", 1)[1]
    query = pool.open_query(
        user, kind, key, pool.mask_id_number(key) if kind == "person" else key, purpose, case_reference
    )
    found = graph.related(node, k)
    full = pool.sees_full_identifiers(user)
    parties = [
        {
            "node": _shown(r.node, full),
            "ref": ref(r.node),
            "kind": r.node[0],
            "link": pool.subject_token(
                "person" if r.node.startswith("P:") else "company", r.node[2:], user.pk
            ),
            "name": r.name,
            "hops": r.hops,
            "path": [_hop(h, full) for h in r.path],
        }
        for r in found
    ]
    pool.close_query(query, len(parties))
    if not parties and not graph.build().has(node):
        raise QueryRefused(_("the relation graph knows nothing about this subject"))
    return GraphAnswer(
        query.pk, ref(node), _shown(node, full), graph.build().name(node), node[0], parties, full
    )


def how_connected(
    user: User, first: str, second: str, purpose: str, case_reference: str = ""
) -> list[list[dict[str, Any]]]:
    """The shortest explained paths between two parties."""
    a, kind = node_of(first)
    b, _kind = node_of(second)
    key = a.split(":", 1)[1]
    query = pool.open_query(user, kind, key, pool.mask_id_number(key), purpose, case_reference)
    paths = graph.connections(a, b)
    full = pool.sees_full_identifiers(user)
    pool.close_query(query, len(paths))
    return [[_hop(h, full) for h in path] for path in paths]


def family_for_recusal(id_number: str) -> list[tuple[str, str]]:
    """(name, relation) of a person's family within two family links — spouse, parents, children,
    siblings, in-laws, grandparents — for recusal checks (回避). Not logged as a query: no data is shown,
    the caller only compares names with its own staff."""
    found = []
    for party in graph.related("P:" + id_number, 2, kinds={"family"}):
        if party.node.startswith("P:") and party.name:
            found.append((party.name, " → ".join(hop.label for hop in party.path)))
    return found
