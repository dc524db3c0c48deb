"""The console's pages for the city's markets and runners (``/console/markets``,
``/console/runners``): list, add, edit, and import the two CSV files by upload.

Operators manage both. A coordinator sees its own market's runners, read-only (changing a
runner's load, shift or phone is the operator's; a coordinator's day-to-day changes, a
runner off shift or a locked sequence, are on the market page). Every change goes through
`dispatch.fleet`, the rules of the command line and the API; refusals show next to their
field (a form) or by line (an import), in the page's language, without codes.

Forms are posted as the console's other forms are (``application/x-www-form-urlencoded``,
with the session's CSRF token); an import is ``multipart/form-data`` with one file, read up
to `MAX_UPLOAD_BYTES` before it is parsed.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import time
from typing import Annotated, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from api.access import market_by_code, visible_row
from api.console.forms import FormErrors
from api.console.routes import (
    PREFIX,
    CheckedDep,
    ConsoleDep,
    ConsoleRoute,
    FormDep,
    ReadSessionDep,
    _page,
)
from api.console.session import ConsoleSession, csrf_matches
from api.deps import EngineDep, SessionDep, SettingsDep
from api.lang import request_lang
from dispatch import fleet
from dispatch.errors import DomainError
from dispatch.fleet import MARKET_HEADER, RUNNER_HEADER
from dispatch.i18n import Translator
from dispatch.kinds import ImportReport
from dispatch.models import Market, Runner, RunnerStatus
from dispatch.planning import release_reviews
from dispatch.settings import Settings

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)

#: The largest CSV upload read, in bytes: a city's markets or runners are a few KB.
MAX_UPLOAD_BYTES: Final = 1024 * 1024
#: Flash messages these pages show after a redirect (``?ok=...``).
FLASHES: Final = frozenset(
    {"market_added", "market_updated", "runner_added", "runner_updated", "nothing_changed"}
)

#: The market form's fields, as the CSV's columns (the code only when adding).
MARKET_FIELDS: Final = MARKET_HEADER
#: The runner form's fields: the CSV's columns (the market only when adding) and the status.
RUNNER_FIELDS: Final = (*RUNNER_HEADER, "status")


@dataclass(frozen=True)
class Field:
    """One input of a form."""

    name: str
    kind: str = "text"
    required: bool = False
    hint: str = ""
    attrs: str = ""
    options: tuple[tuple[str, str], ...] = ()
    """For a choice: (value, label) pairs."""


def _operator(console: ConsoleSession) -> None:
    if not console.is_operator:
        raise DomainError("auth.forbidden")


def _clock(moment: time) -> str:
    return f"{moment:%H:%M}"


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60


def _hours(start: time, end: time, t: Translator) -> str:
    return f"{t.clock_of_day(_seconds(start))}–{t.clock_of_day(_seconds(end))}"


def _redirect(path: str, **params: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?{urlencode(params)}" if params else path, status_code=303)


def _flash(request: Request, t: Translator) -> str:
    flash = request.query_params.get("ok", "")
    return t(f"ok.{flash}") if flash in FLASHES else ""


# -- markets -----------------------------------------------------------------------------------


def _market_fields(t: Translator, *, new: bool) -> list[Field]:
    clock = 'inputmode="numeric" placeholder="05:00" pattern="[0-9]{1,2}[:.][0-9]{2}"'
    fields = [
        Field("code", required=True, hint=t("console.code_fixed"), attrs='maxlength="40"')
        if new
        else None,
        Field("name", required=True, attrs='maxlength="120"'),
        Field("address", kind="textarea", attrs='maxlength="300"'),
        Field("lat", required=True, attrs='inputmode="decimal" placeholder="-7.9446"'),
        Field("lon", required=True, attrs='inputmode="decimal" placeholder="112.6460"'),
        Field("opens", hint=t("console.default_hint", value="05.00"), attrs=clock),
        Field("closes", hint=t("console.default_hint", value="12.00"), attrs=clock),
        None
        if new
        else Field(
            "insertion",
            kind="select",
            options=(
                ("auto", t("console.insertion_auto")),
                ("review", t("console.insertion_review")),
            ),
        ),
    ]
    return [f for f in fields if f is not None]


def _market_values(market: Market) -> dict[str, str]:
    return {
        "code": market.code,
        "name": market.name,
        "address": market.address,
        "lat": repr(market.lat),
        "lon": repr(market.lon),
        "opens": _clock(market.opens),
        "closes": _clock(market.closes),
        "insertion": market.insertion,
    }


@router.get("/markets", response_class=HTMLResponse)
def markets_page(request: Request, console: ConsoleDep, session: ReadSessionDep) -> HTMLResponse:
    """Every market with its hours and runners, the button to add one, and the import."""
    _operator(console)
    t = Translator(request_lang(request))
    rows = [
        {
            "market": listed.market,
            "hours": _hours(listed.market.opens, listed.market.closes, t),
            "runners": t.n("console.runner_count", listed.runners, count=listed.runners),
            "location": f"{listed.market.lat:.5f}, {listed.market.lon:.5f}",
        }
        for listed in fleet.list_markets(session)
    ]
    return _page(
        request,
        "console_fleet_markets.html",
        console=console,
        rows=rows,
        header=",".join(MARKET_HEADER),
        flash=_flash(request, t),
    )


def _market_form(
    request: Request,
    console: ConsoleSession,
    *,
    values: Mapping[str, str],
    errors: FormErrors,
    editing: Market | None = None,
    status: int = 200,
) -> HTMLResponse:
    t = Translator(request_lang(request))
    title = t("console.edit_market", name=editing.name) if editing else t("console.add_market")
    action = f"{PREFIX}/markets/{editing.code}/edit" if editing else f"{PREFIX}/markets/new"
    return _page(
        request,
        "console_fleet_form.html",
        status=status,
        console=console,
        title=title,
        subtitle=editing.code if editing else "",
        fields=_market_fields(t, new=editing is None),
        values=values,
        errors=errors,
        action=action,
        back_url=f"{PREFIX}/markets",
    )


@router.get("/markets/new", response_class=HTMLResponse)
def new_market_form(request: Request, console: ConsoleDep) -> HTMLResponse:
    """The form for a new market."""
    _operator(console)
    return _market_form(request, console, values={}, errors=FormErrors())


@router.post("/markets/new")
def add_market(
    request: Request, console: CheckedDep, form: FormDep, session: SessionDep
) -> Response:
    """Add the market through the rules of `dispatch.fleet` (the command line's and API's)."""
    _operator(console)
    lang = request_lang(request)
    errors = FormErrors()
    try:
        fleet.add_market(session, fleet.market_input(fleet.read_market(form)))
    except DomainError as error:
        session.rollback()
        errors.add(error, lang, MARKET_FIELDS)
        return _market_form(request, console, values=form, errors=errors, status=422)
    session.commit()
    return _redirect(f"{PREFIX}/markets", ok="market_added")


def _managed_market(session: Session, console: ConsoleSession, code: str) -> Market:
    _operator(console)
    return market_by_code(session, console.principal, code)


@router.get("/markets/{code}/edit", response_class=HTMLResponse)
def edit_market_form(
    code: str, request: Request, console: ConsoleDep, session: ReadSessionDep
) -> HTMLResponse:
    """A market's values to change (its code stays)."""
    market = _managed_market(session, console, code)
    values = _market_values(market)
    return _market_form(request, console, values=values, errors=FormErrors(), editing=market)


@router.post("/markets/{code}/edit")
def edit_market(
    code: str,
    request: Request,
    console: CheckedDep,
    form: FormDep,
    session: SessionDep,
    engine: EngineDep,
    settings: SettingsDep,
) -> Response:
    """Save the changed values by the same rules; a form that changes nothing says so.
    ``insertion`` back to ``auto`` inserts the orders that waited for review."""
    market = _managed_market(session, console, code)
    lang = request_lang(request)
    names = [n for n in MARKET_FIELDS if n != "code"]
    try:
        values = fleet.read_market(form, only=names)
        if form.get("insertion"):
            values["insertion"] = form.get("insertion")
        changed = fleet.update_market(session, market, values)
    except DomainError as error:
        session.rollback()
        errors = FormErrors()
        errors.add(error, lang, MARKET_FIELDS)
        market = _managed_market(session, console, code)
        return _market_form(
            request, console, values=form, errors=errors, editing=market, status=422
        )
    session.commit()
    if "insertion" in changed and form.get("insertion") == "auto":
        market_id = market.id
        session.close()  # its transaction ends first: on SQLite it would hold the write lock
        release_reviews(engine, market_id, settings)
    return _redirect(f"{PREFIX}/markets", ok="market_updated" if changed else "nothing_changed")


# -- runners -----------------------------------------------------------------------------------


def _runner_fields(
    t: Translator, settings: Settings, markets: list[Market], *, new: bool
) -> list[Field]:
    clock = 'inputmode="numeric" placeholder="05:30" pattern="[0-9]{1,2}[:.][0-9]{2}"'
    shift = _hours(settings.runner_shift_start, settings.runner_shift_end, t)
    fields: list[Field] = []
    if new:
        options = tuple((m.code, m.name) for m in markets)
        fields.append(Field("market", kind="select", required=True, options=options))
    fields += [
        Field("name", required=True, attrs='maxlength="120" autocomplete="off"'),
        Field(
            "phone", kind="tel", required=True, attrs='inputmode="tel" placeholder="0812-3456-7890"'
        ),
        Field(
            "capacity_kg",
            hint=t("console.default_hint", value=t.kg(settings.runner_capacity_g)),
            attrs='inputmode="decimal" placeholder="40"',
        ),
        Field("shift_start", hint=t("console.default_hint", value=shift), attrs=clock),
        Field("shift_end", attrs=clock),
    ]
    if not new:
        options = tuple((s.value, t.runner_status(s)) for s in RunnerStatus)
        fields.append(Field("status", kind="select", options=options))
    return fields


def _runner_values(runner: Runner) -> dict[str, str]:
    return {
        "name": runner.name,
        "phone": runner.phone,
        "capacity_kg": f"{runner.capacity_g / 1000:g}".replace(".", ","),
        "shift_start": _clock(runner.shift_start),
        "shift_end": _clock(runner.shift_end),
        "status": runner.status.value,
    }


@router.get("/runners", response_class=HTMLResponse)
def runners_page(request: Request, console: ConsoleDep, session: ReadSessionDep) -> HTMLResponse:
    """The runners: an operator's of every market (or of ``?pasar=CODE``) with the buttons
    to add, edit and import; a coordinator's own market's, to read."""
    t = Translator(request_lang(request))
    chosen = request.query_params.get("pasar", "").strip()
    market = market_by_code(session, console.principal, chosen) if chosen else None
    if market is None and not console.is_operator:
        market = market_by_code(session, console.principal, _own_code(session, console))
    rows = [
        {
            "runner": runner,
            "market": listed_market,
            "load": t.kg(runner.capacity_g),
            "shift": _hours(runner.shift_start, runner.shift_end, t),
            "status": t.runner_status(runner.status),
        }
        for runner, listed_market in fleet.list_runners(
            session, market_id=market.id if market else None
        )
    ]
    markets = [m.market for m in fleet.list_markets(session)] if console.is_operator else []
    return _page(
        request,
        "console_fleet_runners.html",
        console=console,
        rows=rows,
        market=market,
        markets=markets,
        header=",".join(RUNNER_HEADER),
        flash=_flash(request, t),
    )


def _own_code(session: Session, console: ConsoleSession) -> str:
    market = session.get(Market, console.principal.market_id)
    if market is None:
        raise DomainError("market.not_found", params={"code": "-"})
    return market.code


def _runner_form(
    request: Request,
    console: ConsoleSession,
    session: Session,
    settings: Settings,
    *,
    values: Mapping[str, str],
    errors: FormErrors,
    editing: Runner | None = None,
    status: int = 200,
) -> HTMLResponse:
    t = Translator(request_lang(request))
    markets = [m.market for m in fleet.list_markets(session)]
    if editing is None:
        title, subtitle = t("console.add_runner"), ""
        action = f"{PREFIX}/runners/new"
    else:
        title = t("console.edit_runner", name=editing.name)
        subtitle = editing.market.name
        action = f"{PREFIX}/runners/{editing.id}/edit"
    return _page(
        request,
        "console_fleet_form.html",
        status=status,
        console=console,
        title=title,
        subtitle=subtitle,
        fields=_runner_fields(t, settings, markets, new=editing is None),
        values=values,
        errors=errors,
        action=action,
        back_url=f"{PREFIX}/runners",
    )


@router.get("/runners/new", response_class=HTMLResponse)
def new_runner_form(
    request: Request, console: ConsoleDep, session: ReadSessionDep, settings: SettingsDep
) -> HTMLResponse:
    """The form for a new runner (``?pasar=CODE`` chooses its market)."""
    _operator(console)
    values = {"market": request.query_params.get("pasar", "")}
    return _runner_form(request, console, session, settings, values=values, errors=FormErrors())


@router.post("/runners/new")
def add_runner(
    request: Request,
    console: CheckedDep,
    form: FormDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Add the runner through the rules of `dispatch.fleet`."""
    _operator(console)
    lang = request_lang(request)
    try:
        values = fleet.read_runner(form, settings=settings)
        runner = fleet.add_runner(session, fleet.runner_input(values), settings=settings)
        code = runner.market.code
    except DomainError as error:
        session.rollback()
        errors = FormErrors()
        errors.add(error, lang, RUNNER_FIELDS)
        return _runner_form(
            request, console, session, settings, values=form, errors=errors, status=422
        )
    session.commit()
    return _redirect(f"{PREFIX}/runners", pasar=code, ok="runner_added")


def _managed_runner(session: Session, console: ConsoleSession, runner_id: uuid.UUID) -> Runner:
    _operator(console)
    return visible_row(session, console.principal, Runner, runner_id, "runner.not_found")


@router.get("/runners/{runner_id}/edit", response_class=HTMLResponse)
def edit_runner_form(
    runner_id: uuid.UUID,
    request: Request,
    console: ConsoleDep,
    session: ReadSessionDep,
    settings: SettingsDep,
) -> HTMLResponse:
    """A runner's values to change (its market stays)."""
    runner = _managed_runner(session, console, runner_id)
    return _runner_form(
        request,
        console,
        session,
        settings,
        values=_runner_values(runner),
        errors=FormErrors(),
        editing=runner,
    )


@router.post("/runners/{runner_id}/edit")
def edit_runner(
    runner_id: uuid.UUID,
    request: Request,
    console: CheckedDep,
    form: FormDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Save the changed values by the same rules."""
    runner = _managed_runner(session, console, runner_id)
    lang = request_lang(request)
    names = [n for n in RUNNER_HEADER if n != "market"]
    try:
        values = fleet.read_runner(form, settings=settings, only=names)
        status = form.get("status", runner.status.value)
        try:
            values["status"] = RunnerStatus(status)
        except ValueError:
            raise DomainError("request.invalid_value", field="status") from None
        changed = fleet.update_runner(session, runner, values)
        code = runner.market.code
    except DomainError as error:
        session.rollback()
        errors = FormErrors()
        errors.add(error, lang, RUNNER_FIELDS)
        runner = _managed_runner(session, console, runner_id)
        return _runner_form(
            request,
            console,
            session,
            settings,
            values=form,
            errors=errors,
            editing=runner,
            status=422,
        )
    session.commit()
    flash = "runner_updated" if changed else "nothing_changed"
    return _redirect(f"{PREFIX}/runners", pasar=code, ok=flash)


# -- imports -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """An uploaded form: its text fields and the one file's name and bytes."""

    fields: dict[str, str]
    filename: str
    data: bytes | None


async def read_upload(request: Request) -> Upload:
    """A ``multipart/form-data`` post with one file, read up to `MAX_UPLOAD_BYTES`.

    Raises ``console.upload_too_large`` past the limit and ``console.bad_form`` for another
    content type or a body that is not a well-formed multipart form."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
        raise DomainError("console.upload_too_large", params={"limit": "1 MB"})
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_UPLOAD_BYTES:
            raise DomainError("console.upload_too_large", params={"limit": "1 MB"})
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "multipart/form-data":
        raise DomainError("console.bad_form")

    async def stream() -> AsyncIterator[bytes]:
        yield bytes(body)

    parser = MultiPartParser(request.headers, stream(), max_files=1, max_fields=10)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise DomainError("console.bad_form") from exc
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        return Upload(fields, "", None)
    data = await upload.read()
    await form.close()
    return Upload(fields, upload.filename or "", data if data else None)


UploadDep = Annotated[Upload, Depends(read_upload)]


def _checked_upload(console: ConsoleSession, upload: Upload) -> bytes:
    if not csrf_matches(upload.fields.get("csrf"), console.csrf):
        raise DomainError("console.csrf_invalid")
    _operator(console)
    if upload.data is None:
        raise DomainError("console.upload_missing", field="file")
    return upload.data


def _import_page(
    request: Request,
    console: ConsoleSession,
    report: ImportReport,
    *,
    filename: str,
    back_url: str,
) -> HTMLResponse:
    """What an import did, in words: the summary, then each row refused, changed, added."""
    t = Translator(request_lang(request))

    def fields_text(names: tuple[str, ...]) -> str:
        return t.listed(t.label("capacity_kg" if n == "capacity_g" else n) for n in names)

    refused = [
        t(
            "console.import_refused",
            line=r.line,
            label=t.label(e.field),
            message=e.message(t.lang),
        )
        if e.field
        else t("console.import_refused_row", line=r.line, message=e.message(t.lang))
        for r in report.refused
        for e in r.errors
    ]
    updated = [
        t("console.import_updated", line=line, key=key, fields=fields_text(changed))
        for line, key, changed in report.updated
    ]
    added = [t("console.import_added", line=line, key=key) for line, key in report.added]
    summary = t(
        "console.import_summary",
        added=len(report.added),
        updated=len(report.updated),
        unchanged=len(report.unchanged),
        refused=len(report.refused),
    )
    return _page(
        request,
        "console_fleet_import.html",
        console=console,
        filename=filename,
        summary=summary,
        refused=refused,
        updated=updated,
        added=added,
        back_url=back_url,
    )


@router.post("/markets/import", response_class=HTMLResponse)
def import_markets(
    request: Request, console: ConsoleDep, upload: UploadDep, session: SessionDep
) -> HTMLResponse:
    """Import an uploaded markets CSV, as ``antar markets import`` does."""
    data = _checked_upload(console, upload)
    report = fleet.import_market_file(session, data)
    session.commit()
    return _import_page(
        request, console, report, filename=upload.filename, back_url=f"{PREFIX}/markets"
    )


@router.post("/runners/import", response_class=HTMLResponse)
def import_runners(
    request: Request,
    console: ConsoleDep,
    upload: UploadDep,
    session: SessionDep,
    settings: SettingsDep,
) -> HTMLResponse:
    """Import an uploaded runners CSV, as ``antar runners import`` does."""
    data = _checked_upload(console, upload)
    report = fleet.import_runner_file(session, data, settings=settings)
    session.commit()
    return _import_page(
        request, console, report, filename=upload.filename, back_url=f"{PREFIX}/runners"
    )


__all__ = ["MAX_UPLOAD_BYTES", "router"]
