"""Recusal (回避): who may not work on a case because of a relation to a person concerned.

Relations come from sources behind one small interface, ``RelationSource``. Today the only source is
the family names typed in on the lead; when the relation graph (jiancha.resolve) exists it registers a
source of its own with ``register_source`` and nothing here changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from django.utils.translation import gettext as _

from jiancha.access.models import User

from .errors import ActionRefused
from .models import PersonConcerned


@dataclass(frozen=True)
class Relation:
    person: str  # the person concerned
    relation: str  # how the user is related, in words a reviewer reads
    source: str  # which source found it


class RelationSource(Protocol):
    """Anything that can say how a user is related to a person concerned."""

    name: str

    def relations(self, user: User, person: PersonConcerned) -> Iterable[Relation]: ...


def _names_of(user: User) -> set[str]:
    """A user's name as family names would be typed: Chinese names are written without a space."""
    names = {
        user.get_full_name().strip(),
        (user.last_name + user.first_name).strip(),
        user.first_name.strip(),
    }
    return {name for name in names if name}


class ManualFamilyNames:
    """Relations from the names of close relatives entered by hand on the lead (until the graph exists).

    Name equality is a coarse test (张伟 is shared by ~290,000 people): a hit is a conflict to be
    cleared by a leader, which is the safe side for recusal.
    """

    name = "manual"

    def relations(self, user: User, person: PersonConcerned) -> Iterable[Relation]:
        names = _names_of(user)
        if person.name in names:
            yield Relation(person.name, _("is the person concerned"), self.name)
        for relative in person.family():
            if relative in names:
                yield Relation(
                    person.name, _("is a close relative (%(name)s)") % {"name": relative}, self.name
                )


class RelationGraphFamily:
    """Relations from the relation graph (jiancha.resolve): the family of a person concerned whose
    resolved identity is known, up to two family links, compared by name with the user.

    As with typed-in names, name equality is a coarse test; a hit is cleared by a leader.
    """

    name = "relation_graph"

    def relations(self, user: User, person: PersonConcerned) -> Iterable[Relation]:
        from jiancha.identifiers import is_valid_resident_id
        from jiancha.resolve.services import family_for_recusal

        if not person.identity_id or not is_valid_resident_id(person.identity_id):
            return
        names = _names_of(user)
        for relative, path in family_for_recusal(person.identity_id):
            if relative in names:
                yield Relation(
                    person.name,
                    _("is family in the relation graph (%(name)s, %(path)s)")
                    % {"name": relative, "path": path},
                    self.name,
                )


_sources: list[RelationSource] = [ManualFamilyNames(), RelationGraphFamily()]


def register_source(source: RelationSource) -> None:
    """Add a relation source (the relation graph will call this from its AppConfig.ready)."""
    if all(existing.name != source.name for existing in _sources):
        _sources.append(source)


def conflicts(user: User, persons: Iterable[PersonConcerned]) -> list[Relation]:
    """Every relation between ``user`` and the persons concerned that requires recusal."""
    found: list[Relation] = []
    for person in persons:
        for source in _sources:
            found.extend(source.relations(user, person))
    return found


class RecusalRequired(ActionRefused):
    """Assigning this user would put someone related to a person concerned on the case (需回避)."""

    def __init__(self, user: User, relations: list[Relation]) -> None:
        self.relations = relations
        detail = "; ".join(f"{r.person}: {r.relation}" for r in relations)
        super().__init__(
            _("%(user)s must recuse (回避) from this case: %(detail)s")
            % {"user": user.get_full_name() or user.get_username(), "detail": detail}
        )
