"""What the decision log keeps of a resource plan, and the digest that proves a validated plan was shown."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from vigie.i18n import Message
from vigie.operations.allocation import AllocationResult
from vigie.operations.crisis import RankedSector
from vigie.operations.horizon import AheadSector


def plan_record(result: AllocationResult, ranked: Sequence[RankedSector | AheadSector], at: int,
                parameters: dict[str, Any]) -> dict[str, Any]:
    """What the decision log keeps of a plan: only what the server computed, and the what-if values it used.

    `summary` and `texts` are the French rendering (the audit trail's); `messages` lets each reader
    see the plan in their own language: the headline, one line per destination sector (its extra people
    said once), what each sending station keeps, then the shortfalls. Plans logged with the first
    wording's keys (allocation.summary_*, one line per move) still render, in plain words.
    """
    return {"summary": result.summary("fr"), "texts": result.explain("fr"),
            "messages": {"summary": result.summary_message().as_dict(),
                         "texts": [m.as_dict() for m in result.messages()]},
            "target_minutes": int(parameters.get("target_minutes", 0)), "parameters": dict(parameters),
            "ranked": [r.code for r in ranked], "status": result.status, "at": int(at),
            "figures": [[r.code, r.present, r.excess] for r in ranked],
            # on a forecast horizon: the moment each sector's figures are expected (its peak)
            "moments": {r.code: int(r.moment) for r in ranked if isinstance(r, AheadSector)}}


def plan_texts(plan: Mapping[str, Any], lang: str = "fr") -> tuple[str, list[str]]:
    """(headline, lines) of a logged plan in `lang`; plans logged before messages were keys hold French text."""
    messages = plan.get("messages")
    if not isinstance(messages, Mapping):
        return str(plan.get("summary", "")), [str(line) for line in plan.get("texts", [])]
    return (Message.from_dict(messages["summary"]).render(lang),
            [Message.from_dict(line).render(lang) for line in messages["texts"]])


def plan_fingerprint(record: dict[str, Any]) -> str:
    """A digest of a plan record: two plans with the same fingerprint show the same figures."""
    return hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
