"""Who is on shift on a day: a runner's standing status (`Runner.status`, set in the fleet)
and the days its shift ended early (`ShiftEnd`, the coordinator's "Selesai shift" for that
day). The only reader and writer of shift ends; a shift that ended on one day leaves the
runner planned on the others."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date

from sqlmodel import Session, col, select

from dispatch.models import Runner, RunnerStatus, ShiftEnd


def shift_ended(session: Session, runner_ids: Iterable[uuid.UUID], day: date) -> set[uuid.UUID]:
    """Those of ``runner_ids`` whose shift ended on ``day``."""
    ids = list(runner_ids)
    if not ids:
        return set()
    return set(
        session.exec(
            select(ShiftEnd.runner_id)
            .where(col(ShiftEnd.runner_id).in_(ids))
            .where(ShiftEnd.service_date == day)
        ).all()
    )


def on_shift_ids(session: Session, runners: Iterable[Runner], day: date) -> set[uuid.UUID]:
    """The runners of ``runners`` who work ``day``: available, and not ended that day."""
    runners = list(runners)
    ended = shift_ended(session, (r.id for r in runners), day)
    return {r.id for r in runners if r.status is RunnerStatus.AVAILABLE and r.id not in ended}


def end_shift(session: Session, runner: Runner, day: date, by: str) -> None:
    """``runner``'s shift ends on ``day`` (once: again is the same)."""
    if session.get(ShiftEnd, (runner.id, day)) is None:
        session.add(ShiftEnd(runner_id=runner.id, service_date=day, by=by[:120]))


def resume_shift(session: Session, runner: Runner, day: date) -> None:
    """``runner`` works ``day`` again: its shift end that day is undone, and a runner whose
    standing status was off duty is available again (inactive stays inactive)."""
    ended = session.get(ShiftEnd, (runner.id, day))
    if ended is not None:
        session.delete(ended)
    if runner.status is RunnerStatus.OFF_DUTY:
        runner.status = RunnerStatus.AVAILABLE
        session.add(runner)
