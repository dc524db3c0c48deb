"""The coordinator's console: server-rendered pages under ``/console`` (see `routes`, and
`replan` for moving orders, pins, locks, ends of shift and re-plans, `report` for the
day's report, `fleet` for the city's markets and runners, `sellers` for the sellers, both
made by `kinds`)."""

from fastapi import APIRouter

from api.console import fleet, live, overview, replan, report, routes, sellers

router = APIRouter()
# First: /console/markets, /console/runners and /console/sellers are pages of their own,
# not a market's.
router.include_router(fleet.router)
router.include_router(sellers.router)
# Before the market's pages: /console/overview/live is not a market's.
router.include_router(live.router)
router.include_router(overview.router)
router.include_router(routes.router)
router.include_router(replan.router)
router.include_router(report.router)

__all__ = ["router"]
