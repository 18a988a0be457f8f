"""The catalog's audit trail: every change, who made it, when, from which file and why.

Each change to a kind is one :class:`AuditEvent`, appended in the same atomic write as the change itself
(the folder backend's manifest, the PostGIS backend's transaction), so a change is never without its
record. Nothing is ever taken out of the trail: a rollback and a removal are events too, and a removal is
soft (the version is marked removed, its file kept) so that :meth:`restore` can bring it back and a reader
holding it keeps working.

- ``commit``: a new version (``version``), from ``original_name`` with ``sha256``; ``scope`` the district
  adcodes it replaced (empty: the whole city); ``previous`` the version current before.
- ``rollback``: ``version`` made current again, ``previous`` the one it replaced.
- ``remove``: ``version`` soft-deleted (``previous``: the current version before, when it changed).
- ``restore``: ``version`` brought back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from wuxi_atlas.analysis.errors import printable
from wuxi_atlas.layers.catalog.roles import User

__all__ = ["ACTIONS", "Action", "AuditEvent", "event_for", "trail_line"]

Action = Literal["commit", "rollback", "remove", "restore"]
ACTIONS: tuple[Action, ...] = ("commit", "rollback", "remove", "restore")


@dataclass(frozen=True)
class AuditEvent:
    """One change to the catalog (see the module docstring for each ``action``).

    ``at`` is ISO 8601 UTC; ``user`` the acting user's name, ``role`` their role then and ``adcodes``
    their districts (an officer's); ``local`` marks the operator of a folder catalog acting without an
    account (the CLI's local data steward); ``note`` is the reason they gave.
    """

    at: str
    action: Action
    kind: str
    version: int
    user: str
    role: str
    note: str = ""
    original_name: str = ""
    sha256: str = ""
    previous: int | None = None
    scope: tuple[str, ...] = ()
    adcodes: tuple[str, ...] = ()
    local: bool = False

    @property
    def who(self) -> str:
        """The user and role as the trail shows them: ``li (district_officer for 320211)``."""
        if self.role == "district_officer" and self.adcodes:
            return f"{printable(self.user)} (district_officer for {', '.join(self.adcodes)})"
        return f"{printable(self.user)} ({self.role}{', local operator' if self.local else ''})"

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready dict (the form the manifest and the audit table hold)."""
        record = dataclasses.asdict(self)
        record["scope"], record["adcodes"] = list(self.scope), list(self.adcodes)
        return record

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> AuditEvent:
        names = {f.name for f in dataclasses.fields(cls)}
        values = {key: value for key, value in record.items() if key in names}
        values["scope"] = tuple(values.get("scope") or ())
        values["adcodes"] = tuple(values.get("adcodes") or ())
        return cls(**values)


def event_for(
    user: User,
    action: Action,
    kind: str,
    version: int,
    at: str,
    *,
    note: str = "",
    original_name: str = "",
    sha256: str = "",
    previous: int | None = None,
    scope: tuple[str, ...] = (),
) -> AuditEvent:
    """The event of ``user`` doing ``action`` to ``version`` of ``kind`` at ``at``."""
    return AuditEvent(
        at=at,
        action=action,
        kind=kind,
        version=version,
        user=user.name,
        role=user.role.value if user.signed_in else "anonymous",
        note=note.strip(),
        original_name=original_name,
        sha256=sha256,
        previous=previous,
        scope=tuple(scope),
        adcodes=user.adcodes,
        local=user.local,
    )


def trail_line(event: AuditEvent) -> str:
    """One event as a line of ``geoplan layers history``, every quoted text made printable."""
    what = {
        "commit": f"saved v{event.version}",
        "rollback": f"rolled back to v{event.version}",
        "remove": f"removed v{event.version}",
        "restore": f"restored v{event.version}",
    }[event.action]
    if event.action == "commit" and event.scope:
        what += f" for {', '.join(event.scope)} (other districts unchanged)"
    if event.previous is not None and event.action in ("commit", "rollback"):
        what += f" (was v{event.previous})"
    parts = [printable(event.at), printable(event.kind), what, f"by {event.who}"]
    if event.original_name:
        parts.append(f"from {printable(event.original_name)} sha256 {printable(event.sha256[:12])}")
    parts.append(f"why: {printable(event.note)}" if event.note else "why: (no note)")
    return "  ".join(parts)
