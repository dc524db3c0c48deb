"""The coordinator's console: server-rendered pages under ``/console`` (see `routes`, and
`replan` for moving orders, pins, locks, ends of shift and re-plans, `report` for the
day's report)."""

from fastapi import APIRouter

from api.console import replan, report, routes

router = APIRouter()
router.include_router(routes.router)
router.include_router(replan.router)
router.include_router(report.router)

__all__ = ["router"]
