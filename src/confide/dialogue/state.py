"""Per-conversation dialogue state: small, JSON-serialisable, bounded."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class PendingAction:
    name: str
    slots: dict[str, str] = field(default_factory=dict)
    attempts: int = 0


@dataclass
class DialogueState:
    pending: PendingAction | None = None
    clarify_options: list[str] = field(default_factory=list)
    failures: int = 0
    turns: int = 0
    # Intents and decisions only, never message text: the history is for dialogue control.
    history: list[dict[str, str | None]] = field(default_factory=list)
    # Personalisation, each for the next message only: an offer made from an earlier
    # conversation ({"intent", "order"}: "is this about order ...?"), and an action answered
    # for a remembered order, which a different order number corrects ({"intent"}).
    offer: dict[str, str] | None = None
    correction: dict[str, str] | None = None

    def remember(self, intent: str | None, decision: str, limit: int) -> None:
        self.turns += 1
        self.history.append({"intent": intent, "decision": decision})
        del self.history[:-limit]

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | None) -> DialogueState:
        if not raw:
            return cls()
        data: dict[str, Any] = json.loads(raw)
        pending = data.get("pending")
        return cls(
            pending=PendingAction(**pending) if pending else None,
            clarify_options=list(data.get("clarify_options", [])),
            failures=int(data.get("failures", 0)),
            turns=int(data.get("turns", 0)),
            history=list(data.get("history", [])),
            offer=data.get("offer"),
            correction=data.get("correction"),
        )
