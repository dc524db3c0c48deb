"""A runner's phone sends each action once under its own idempotency key, and may send it
again when it never saw the answer (the signal dropped): the server does the action once and
answers a repeated key with what it answered the first time.

`recorded` finds a key already taken; `record` keeps an action's answer (a refusal too: a
stop that moved to another runner while the phone was offline stays refused when the phone
sends it again). Nothing here commits.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any, Final

from sqlmodel import Session, col, select

from dispatch.errors import DomainError
from dispatch.models import RunnerAction

#: What an idempotency key may look like: the phone's UUID, or any 1 to 100 printable ASCII
#: characters without spaces (what a header carries unchanged).
KEY_PATTERN: Final = re.compile(r"^[!-~]{1,100}$")


def check_key(key: str) -> str:
    """``key`` if it is a usable idempotency key, else ``runner.idempotency_key``."""
    if not KEY_PATTERN.match(key):
        raise DomainError("runner.idempotency_key", field="Idempotency-Key")
    return key


def recorded(session: Session, runner_id: uuid.UUID, key: str) -> RunnerAction | None:
    """The action ``runner_id``'s phone sent under ``key`` before, if any."""
    return session.exec(
        select(RunnerAction)
        .where(RunnerAction.runner_id == runner_id)
        .where(RunnerAction.key == key)
    ).first()


def record(
    session: Session,
    *,
    runner_id: uuid.UUID,
    key: str,
    kind: str,
    status_code: int,
    answer: dict[str, Any],
    order_id: uuid.UUID | None = None,
    amount_rp: int | None = None,
    previous_rp: int | None = None,
    done_at: datetime | None = None,
) -> RunnerAction:
    """Keep the action sent under ``key`` and the answer it got (flushed, not committed)."""
    row = RunnerAction(
        runner_id=runner_id,
        key=key,
        kind=kind,
        order_id=order_id,
        amount_rp=amount_rp,
        previous_rp=previous_rp,
        done_at=done_at,
        status_code=status_code,
        answer=answer,
    )
    session.add(row)
    session.flush()
    return row


def order_actions(session: Session, order_id: uuid.UUID) -> list[RunnerAction]:
    """The actions runners sent for ``order_id``, in the order the server took them."""
    return list(
        session.exec(
            select(RunnerAction)
            .where(RunnerAction.order_id == order_id)
            .order_by(col(RunnerAction.id))
        ).all()
    )


def cash_corrections(session: Session, order_id: uuid.UUID) -> list[RunnerAction]:
    """The accepted corrections of ``order_id``'s collected cash, oldest first."""
    return [
        a
        for a in order_actions(session, order_id)
        if a.kind == "cash_corrected" and a.status_code < 300
    ]
