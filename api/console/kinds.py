"""The console's pages of the things an operator keeps in CSV files (``/console/markets``,
``/console/runners``, ``/console/sellers``): list, add, edit, and import a file by upload,
made by `pages_router` from one `Pages` description each (`api.console.fleet` for markets and
runners, `api.console.sellers` for the sellers).

Operators manage them. Runners and sellers belong to a market (`Pages.per_market`): their
list takes ``?pasar=CODE``, and a market's coordinator reads its own market's, read-only.
Every change goes through the kind's `dispatch.kinds.Kind`, the rules of the command line and
the API; refusals show next to their field (a form) or by line (an import), in the page's
language, without codes.

Forms are posted as the console's other forms are (``application/x-www-form-urlencoded``,
with the session's CSRF token); an import is ``multipart/form-data`` with one file, read up
to `MAX_UPLOAD_BYTES` before it is parsed.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from api.access import market_by_code
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
from api.deps import PlannerDep, SessionDep, SettingsDep
from api.lang import request_lang
from api.planner import Planner
from dispatch import fleet
from dispatch.errors import DomainError
from dispatch.i18n import Translator
from dispatch.kinds import ImportReport, Kind, import_file
from dispatch.models import Market
from dispatch.settings import Settings

#: The largest CSV upload read, in bytes: a city's markets, runners or sellers are a few KB.
MAX_UPLOAD_BYTES: Final = 1024 * 1024


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
    on: tuple[str, ...] = ("add", "edit")
    """The forms it is on: a thing's first column only names a new one, its status is set
    on an edit."""


@dataclass(frozen=True)
class Filter:
    """A choice that narrows a list (``?pasar=``...): ``every`` is the choice of all."""

    name: str
    label: str
    every: str
    options: list[tuple[str, str]]
    chosen: str


@dataclass(frozen=True)
class Pages:
    """What the console shows of one kind of thing, beside what its `Kind` says.

    Texts come from the catalogue by the kind's words: ``console.<plural>_title``,
    ``console.add_<name>``, ``console.edit_<name>``, ``console.no_<plural>``,
    ``console.import_<plural>``, ``ok.<name>_added``..."""

    kind: Kind[Any]
    fields: Callable[[Translator, Settings, Session], list[Field]]
    """Every input of its forms, in order (`Field.on` says which form)."""
    values: Callable[[Any], dict[str, str]]
    """A stored thing's values as its edit form shows them."""
    locate: Callable[[Session, ConsoleSession, str], Any]
    """The thing an edit's path names, if the caller may change it."""
    rows: Callable[[Session, Translator, Market | None, Request], list[dict[str, Any]]]
    """The list's rows (of one market, or of all)."""
    manage: str
    """The other list the page links to (``runners`` from the markets)."""
    path: Callable[[Any], str] = lambda thing: thing.code
    """How an edit's path names a thing (its code, an id)."""
    subtitle: Callable[[Any], str] = lambda thing: thing.code
    """What its edit form says under the title."""
    per_market: bool = True
    """Whether a thing belongs to a market: the list is of ``?pasar=``'s (a coordinator's
    own), an operator's link to add one and its forms carry the market. Otherwise the
    pages are operators' only."""
    filters: Callable[[Translator, Request], list[Filter]] = lambda _t, _request: []
    """The list's choices beside the market's."""
    defaults: Mapping[str, str] = field(default_factory=dict)
    """A new thing's form values."""
    follow_ups: Mapping[str, Callable[[Engine, uuid.UUID, Settings], None]] = field(
        default_factory=dict
    )
    """What an edit that changed a field sets going once committed."""

    @property
    def url(self) -> str:
        return f"{PREFIX}/{self.kind.plural}"


def operator(console: ConsoleSession) -> None:
    """Only an operator may go on."""
    if not console.is_operator:
        raise DomainError("auth.forbidden")


def clock(moment: time) -> str:
    """A time as a form writes it: ``05:30``."""
    return f"{moment:%H:%M}"


def clock_input(placeholder: str) -> str:
    """The attributes of a time's input (``05:30``, ``5.30``)."""
    return f'inputmode="numeric" placeholder="{placeholder}" pattern="[0-9]{{1,2}}[:.][0-9]{{2}}"'


def hours(start: time, end: time, t: Translator) -> str:
    """Opening hours or a shift as the console shows them: ``05.30–11.30``."""

    def seconds(moment: time) -> int:
        return moment.hour * 3600 + moment.minute * 60

    return f"{t.clock_of_day(seconds(start))}–{t.clock_of_day(seconds(end))}"


def code_field(hint: str) -> Field:
    """A new thing's code (a slug), which stays."""
    return Field("code", required=True, hint=hint, attrs='maxlength="40"', on=("add",))


NAME_FIELD: Final = Field("name", required=True, attrs='maxlength="120"')
PHONE_FIELD: Final = Field(
    "phone", kind="tel", required=True, attrs='inputmode="tel" placeholder="0812-3456-7890"'
)


def place_fields(lat: str, lon: str) -> list[Field]:
    """``lat`` and ``lon``, with examples."""
    return [
        Field(name, required=True, attrs=f'inputmode="decimal" placeholder="{example}"')
        for name, example in (("lat", lat), ("lon", lon))
    ]


def hours_fields(t: Translator, opens: time, closes: time) -> list[Field]:
    """Opening hours, each empty for its default."""
    example = clock_input(clock(opens))
    return [
        Field(name, hint=t("console.default_hint", value=f"{default:%H.%M}"), attrs=example)
        for name, default in (("opens", opens), ("closes", closes))
    ]


def market_choices(session: Session) -> tuple[tuple[str, str], ...]:
    """Every market as a choice: (code, name)."""
    return tuple((m.market.code, m.market.name) for m in fleet.list_markets(session))


def _redirect(path: str, **params: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?{urlencode(params)}" if params else path, status_code=303)


def _own_code(session: Session, console: ConsoleSession) -> str:
    market = session.get(Market, console.principal.market_id)
    if market is None:
        raise DomainError("market.not_found", params={"code": "-"})
    return market.code


# -- the pages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Call:
    """One request to the pages of a kind: what each page needs."""

    pages: Pages
    request: Request
    console: ConsoleSession
    session: Session
    settings: Settings

    @property
    def t(self) -> Translator:
        return Translator(request_lang(self.request))


def _list_page(call: _Call) -> HTMLResponse:
    pages, request, console, session, t = (
        call.pages,
        call.request,
        call.console,
        call.session,
        call.t,
    )
    kind = pages.kind
    market = None
    filters: list[Filter] = []
    if not pages.per_market:
        operator(console)
    else:
        chosen = request.query_params.get("pasar", "").strip()
        market = market_by_code(session, console.principal, chosen) if chosen else None
        if market is None and not console.is_operator:
            market = market_by_code(session, console.principal, _own_code(session, console))
        if console.is_operator:
            options = list(market_choices(session))
            every = t("console.all_markets")
            filters.append(
                Filter("pasar", t("console.markets"), every, options, market.code if market else "")
            )
    filters += pages.filters(t, request)
    rows = pages.rows(session, t, market, request)
    subtitle = ""
    if pages.per_market:
        count = t.n(f"console.{kind.name}_count", len(rows), count=len(rows))
        subtitle = f"{market.name} · {count}" if market else count
    flash = request.query_params.get("ok", "")
    flashes = (f"{kind.name}_added", f"{kind.name}_updated", "nothing_changed")
    return _page(
        request,
        f"console_fleet_{kind.plural}.html",
        console=console,
        title=t(f"console.{kind.plural}_title"),
        subtitle=subtitle,
        add_url=f"{pages.url}/new" + (f"?pasar={market.code}" if market else ""),
        add_label=t(f"console.add_{kind.name}"),
        manage_url=f"{PREFIX}/{pages.manage}",
        manage_label=t(f"console.manage_{pages.manage}"),
        list_url=pages.url,
        filters=filters,
        read_only=t(f"console.{kind.plural}_read_only") if pages.per_market else "",
        rows=rows,
        market=market,
        empty=t(f"console.no_{kind.plural}"),
        import_title=t(f"console.import_{kind.plural}"),
        import_url=f"{pages.url}/import",
        presets=list(kind.presets),
        header=",".join(kind.header),
        flash=t(f"ok.{flash}") if flash in flashes else "",
    )


def _form(
    call: _Call,
    values: Mapping[str, str],
    errors: FormErrors,
    *,
    editing: Any = None,
    status: int = 200,
) -> HTMLResponse:
    """The form of a new thing, or of ``editing``."""
    pages, t = call.pages, call.t
    name = pages.kind.name
    if editing is None:
        which, title, subtitle, action = "add", t(f"console.add_{name}"), "", f"{pages.url}/new"
    else:
        which, title = "edit", t(f"console.edit_{name}", name=editing.name)
        subtitle, action = pages.subtitle(editing), f"{pages.url}/{pages.path(editing)}/edit"
    return _page(
        call.request,
        "console_fleet_form.html",
        status=status,
        console=call.console,
        title=title,
        subtitle=subtitle,
        fields=[f for f in pages.fields(t, call.settings, call.session) if which in f.on],
        values=values,
        errors=errors,
        action=action,
        back_url=pages.url,
    )


def _refused(call: _Call, error: DomainError) -> FormErrors:
    """The form's refusals (its changes rolled back)."""
    call.session.rollback()
    errors = FormErrors()
    errors.add(error, request_lang(call.request), call.pages.kind.edits)
    return errors


def _saved(pages: Pages, thing: Any, flash: str) -> RedirectResponse:
    """Back to the list (of the thing's market) with ``ok.<flash>``."""
    where = {"pasar": thing.market.code} if pages.per_market else {}
    return _redirect(pages.url, **where, ok=flash)


def _new_form(call: _Call) -> HTMLResponse:
    operator(call.console)
    values = dict(call.pages.defaults)
    if call.pages.per_market:
        values["market"] = call.request.query_params.get("pasar", "")
    return _form(call, values, FormErrors())


def _add(call: _Call, form: dict[str, str]) -> Response:
    """Add the thing through the rules of its kind (the command line's and API's)."""
    operator(call.console)
    kind, session = call.pages.kind, call.session
    try:
        thing = kind.add(session, kind.read(form, call.settings, None), call.settings)
        done = _saved(call.pages, thing, f"{kind.name}_added")
    except DomainError as error:
        return _form(call, form, _refused(call, error), status=422)
    session.commit()
    return done


def _edit_form(call: _Call, key: str) -> HTMLResponse:
    """A thing's values to change (its first column stays)."""
    thing = call.pages.locate(call.session, call.console, key)
    return _form(call, call.pages.values(thing), FormErrors(), editing=thing)


def _edit(call: _Call, key: str, form: dict[str, str], planner: Planner) -> Response:
    """Save the changed values by the same rules; a form that changes nothing says so."""
    pages, session, settings = call.pages, call.session, call.settings
    kind = pages.kind
    thing = pages.locate(session, call.console, key)
    try:
        changed = kind.update(session, thing, kind.read(form, settings, kind.edits[1:]))
        done = _saved(pages, thing, f"{kind.name}_updated" if changed else "nothing_changed")
    except DomainError as error:
        errors = _refused(call, error)
        thing = pages.locate(session, call.console, key)
        return _form(call, form, errors, editing=thing, status=422)
    session.commit()
    follow_ups = [follow for name, follow in pages.follow_ups.items() if name in changed]
    if follow_ups:
        thing_id = thing.id
        session.close()  # its transaction ends first: on SQLite it would hold the write lock
        for follow in follow_ups:
            planner.call(follow, thing_id, settings)  # in the planning process
    return done


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


def _import(call: _Call, upload: Upload) -> HTMLResponse:
    """Import an uploaded CSV, as ``antar <kind> import`` does (a preset's box ticked: as
    its option, ``--verified``)."""
    if not csrf_matches(upload.fields.get("csrf"), call.console.csrf):
        raise DomainError("console.csrf_invalid")
    operator(call.console)
    if upload.data is None:
        raise DomainError("console.upload_missing", field="file")
    kind = call.pages.kind
    presets = [name for name in kind.presets if upload.fields.get(name) == "1"]
    report = import_file(call.session, kind, upload.data, settings=call.settings, presets=presets)
    call.session.commit()
    return _import_page(call, report, upload.filename)


def _import_page(call: _Call, report: ImportReport, filename: str) -> HTMLResponse:
    """What an import did, in words: the summary, then each row refused, changed, added."""
    t = call.t

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
    summary = t("console.import_summary", **report.counts)
    return _page(
        call.request,
        "console_fleet_import.html",
        console=call.console,
        filename=filename,
        summary=summary,
        refused=refused,
        updated=updated,
        added=added,
        back_url=call.pages.url,
    )


# -- the routes --------------------------------------------------------------------------------


def pages_router(*kinds: Pages) -> APIRouter:
    """The console's routes of the ``kinds``' pages (`add_pages`)."""
    router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)
    for pages in kinds:
        add_pages(router, pages)
    return router


def add_pages(router: APIRouter, pages: Pages) -> None:
    """The list, the new and edit forms and the import of ``pages`` on ``router``:
    ``/<plural>``, ``/<plural>/new``, ``/<plural>/{key}/edit``, ``/<plural>/import``."""
    base = f"/{pages.kind.plural}"

    def list_page(
        request: Request, console: ConsoleDep, session: ReadSessionDep, settings: SettingsDep
    ) -> HTMLResponse:
        return _list_page(_Call(pages, request, console, session, settings))

    def new_form(
        request: Request, console: ConsoleDep, session: ReadSessionDep, settings: SettingsDep
    ) -> HTMLResponse:
        return _new_form(_Call(pages, request, console, session, settings))

    def add(
        request: Request,
        console: CheckedDep,
        form: FormDep,
        session: SessionDep,
        settings: SettingsDep,
    ) -> Response:
        return _add(_Call(pages, request, console, session, settings), form)

    def edit_form(
        key: str,
        request: Request,
        console: ConsoleDep,
        session: ReadSessionDep,
        settings: SettingsDep,
    ) -> HTMLResponse:
        return _edit_form(_Call(pages, request, console, session, settings), key)

    def edit(
        key: str,
        request: Request,
        console: CheckedDep,
        form: FormDep,
        session: SessionDep,
        planner: PlannerDep,
        settings: SettingsDep,
    ) -> Response:
        return _edit(_Call(pages, request, console, session, settings), key, form, planner)

    def import_upload(
        request: Request,
        console: ConsoleDep,
        upload: UploadDep,
        session: SessionDep,
        settings: SettingsDep,
    ) -> HTMLResponse:
        return _import(_Call(pages, request, console, session, settings), upload)

    routes = (
        ("", "GET", list_page),
        ("/new", "GET", new_form),
        ("/new", "POST", add),
        ("/{key}/edit", "GET", edit_form),
        ("/{key}/edit", "POST", edit),
        ("/import", "POST", import_upload),
    )
    for path, method, endpoint in routes:
        name = f"{pages.kind.plural}_{endpoint.__name__}"
        router.add_api_route(
            base + path, endpoint, methods=[method], response_class=HTMLResponse, name=name
        )


__all__ = [
    "MAX_UPLOAD_BYTES",
    "NAME_FIELD",
    "PHONE_FIELD",
    "Field",
    "Filter",
    "Pages",
    "UploadDep",
    "add_pages",
    "clock",
    "clock_input",
    "code_field",
    "hours",
    "hours_fields",
    "market_choices",
    "operator",
    "pages_router",
    "place_fields",
]
