"""Every page and every command speaks one language: Bahasa Indonesia by default, English on
request, never a raw code (see `tests.language` for what counts as a leak).

One market day is built with everything a page can show: a planned route, a delivered stop
paid short, a failed stop with the runner's note, an order the plan dropped (with the
routing engine's own reason), a pickup order, a cancelled order, a pinned and a re-planned
order, a runner's reported position. Then every page (the runner's, each console page with
the sign-in, an order form with errors and the error page, the tracking page, the link error
pages), the API's error bodies and every ``antar`` command's output are read in each
language and checked.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dispatch.actions import (
    FailureReason,
    cancel_order,
    mark_delivered,
    mark_failed,
    mark_picked_up,
)
from dispatch.cli import main
from dispatch.db import make_engine
from dispatch.i18n import Lang
from dispatch.models import (
    DispatchRun,
    DroppedOrder,
    Fulfilment,
    OrderEvent,
    Runner,
    Seller,
    StopKind,
)
from dispatch.planning import pin_order
from dispatch.settings import Settings
from dispatch.whatsapp.tracking import tracking_token
from tests.api.conftest import World
from tests.api.factories import add_order, add_plan, add_stop
from tests.language import leaks, page_lang, visible_texts

CSRF = re.compile(r'name="csrf" value="([^"]*)"')
LANGS: tuple[Lang, ...] = ("id", "en")


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: what is checked here is words, not the database."""
    return f"sqlite:///{tmp_path / 'antar.db'}"


@dataclass
class Findings:
    """Leaks found, per surface (a page's path, an API call, a command)."""

    lang: Lang
    found: dict[str, list[str]] = field(default_factory=dict)
    checked: list[str] = field(default_factory=list)

    def texts(self, where: str, texts: list[str]) -> None:
        self.checked.append(where)
        bad = leaks(texts, self.lang)
        if bad:
            self.found[where] = bad

    def page(self, where: str, html: str) -> None:
        if page_lang(html) != self.lang:
            self.found.setdefault(where, []).append(f"<html lang> is {page_lang(html)!r}")
        if "L.control.scale()" in html or re.search(r"imperial\"?\s*:\s*true", html):
            self.found.setdefault(where, []).append("the map's scale shows miles")
        self.texts(where, visible_texts(html))

    def report(self) -> str:
        return "\n".join(
            f"{where}:\n  " + "\n  ".join(items) for where, items in self.found.items()
        )


@dataclass
class Day:
    """The market day built for the pages."""

    planned_run: uuid.UUID
    replan_run: uuid.UUID
    delivered: uuid.UUID
    failed: uuid.UUID
    dropped: uuid.UUID
    pickup: uuid.UUID
    cancelled: uuid.UUID
    assigned: uuid.UUID


def build_day(engine: Engine, world: World) -> Day:
    """A sawojajar day with one of everything a page can show."""
    market = world.markets["sawojajar"]
    runner, other = world.runners["sawojajar"][:2]
    with Session(engine, expire_on_commit=False) as session:
        delivered = add_order(session, market, "wa-lang-1", world.day, customer_name="Pak Budi")
        failed = add_order(session, market, "wa-lang-2", world.day, customer_name="Bu Tini")
        assigned = add_order(
            session, market, "wa-lang-3", world.day, customer_name="Mas Joko", items=[]
        )
        dropped = add_order(
            session, market, "wa-lang-4", world.day, customer_name="Bu Rahma", weight_g=120_000
        )
        pickup = add_order(
            session,
            market,
            "wa-lang-5",
            world.day,
            customer_name="Pak Harto",
            fulfilment=Fulfilment.PICKUP,
        )
        cancelled = add_order(session, market, "wa-lang-6", world.day, customer_name="Mbak Rina")
        seller = session.exec(
            select(Seller).where(Seller.code == "sawojajar-keripik-tempe-sanan")
        ).one()
        collected = add_order(
            session, market, "wa-lang-7", world.day, customer_name="Bu Sari", seller_id=seller.id
        )
        to_collect = add_order(
            session, market, "wa-lang-8", world.day, customer_name="Pak Dodi", seller_id=seller.id
        )
        run = add_plan(session, market, world.day)
        replan = add_plan(session, market, world.day)
        replan.params = {"kind": "replan", "reason": "runner off shift", "by": "coordinator x"}
        session.add(replan)
        for plan in (run, replan):
            for order in (delivered, failed, assigned):
                add_stop(session, plan, runner, order)
            for order in (collected, to_collect):  # goods of a seller: collected there first
                add_stop(session, plan, runner, order, kind=StopKind.PICKUP)
                add_stop(session, plan, runner, order)
            session.add(
                DroppedOrder(
                    run_id=plan.id,
                    order_id=dropped.id,
                    reason_code="exceeds_capacity",
                    reason="weighs 120 kg; the runner takes 40 kg",
                )
            )
        session.commit()
        mark_picked_up(session, delivered.id, by="runner test")
        mark_delivered(session, delivered.id, collected_rp=50_000, by="runner test")
        mark_picked_up(session, failed.id, by="runner test")
        mark_failed(
            session,
            failed.id,
            reason=FailureReason.NOT_AT_HOME,
            note="pagar dikunci",
            by="runner test",
        )
        cancel_order(session, cancelled.id, by="coordinator test", reason="")
        mark_picked_up(session, collected.id, by="runner test")
        stored = session.get(Runner, runner.id)
        assert stored is not None
        stored.last_lat, stored.last_lon = -7.975, 112.661
        stored.last_seen_at = datetime.now(UTC) - timedelta(minutes=50)
        session.add(stored)
        session.add(
            OrderEvent(
                order_id=assigned.id, by="coordinator x", kind="unpinned", detail="Budi off shift"
            )
        )
        session.commit()
    pin_order(engine, assigned.id, other.id, by="coordinator x")
    return Day(
        planned_run=run.id,
        replan_run=replan.id,
        delivered=delivered.id,
        failed=failed.id,
        dropped=dropped.id,
        pickup=pickup.id,
        cancelled=cancelled.id,
        assigned=assigned.id,
    )


def _sign_in(client: TestClient, token: str, lang: Lang, findings: Findings) -> None:
    form = client.get(f"/console/login?lang={lang}")
    findings.page("GET /console/login", form.text)
    nonce = CSRF.search(form.text)
    assert nonce is not None
    wrong = client.post(
        "/console/login", data={"csrf": nonce.group(1), "token": "antar_wrong", "next": "/console"}
    )
    assert wrong.status_code == 401
    findings.page("POST /console/login (a wrong token)", wrong.text)
    nonce = CSRF.search(wrong.text)
    assert nonce is not None
    signed = client.post(
        "/console/login",
        data={"csrf": nonce.group(1), "token": token, "next": "/console"},
        follow_redirects=False,
    )
    assert signed.status_code == 303


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_speaks_the_language_asked_for(
    lang: Lang, client: TestClient, world: World, engine: Engine, settings: Settings
) -> None:
    """The runner's page, each console page, the tracking page and the link error pages
    show no raw code and no word of the other language."""
    day = build_day(engine, world)
    findings = Findings(lang)
    tanggal = world.day.isoformat()
    accept = {"Accept-Language": "en" if lang == "en" else "id"}

    # The runner's page, its link errors, the customer's tracking page and its errors.
    for where, path in (
        ("runner page", f"/r/{world.link}"),
        ("runner page, a bad link", "/r/not-a-link"),
        ("runner page, an expired link", f"/r/{world.expired_link}"),
        ("tracking page", f"/t/{tracking_token(day.failed, world.day, settings)}"),
        ("tracking page, planned", f"/t/{tracking_token(day.assigned, world.day, settings)}"),
        ("tracking page, a bad link", "/t/not-a-token"),
    ):
        findings.page(where, client.get(path, headers=accept).text)
        findings.page(where + " (?lang)", client.get(f"{path}?lang={lang}").text)

    # New orders on the planned day: one waiting for review (with its suggestion and the
    # button that accepts it), one that arrived while a run held the market.
    with Session(engine, expire_on_commit=False) as session:
        review = add_order(
            session,
            world.markets["sawojajar"],
            "lang-review",
            world.day,
            awaiting_review=True,
            suggested_runner_id=world.runner.id,
            suggested_position=2,
        )
        add_order(session, world.markets["sawojajar"], "lang-during-run", world.day)

    # The console, signed in as the operator (who also sees the list of markets).
    _sign_in(client, world.operator, lang, findings)
    market = f"/console/sawojajar?tanggal={tanggal}"
    pages = {
        "markets": "/console",
        "market": market,
        "market's map": f"/console/sawojajar/map?tanggal={tanggal}",
        "market, every order": f"{market}&status=all",
        "new order form": f"/console/sawojajar/orders/new?tanggal={tanggal}",
        "order, failed": f"/console/sawojajar/orders/{day.failed}",
        "order, dropped": f"/console/sawojajar/orders/{day.dropped}",
        "order, delivered": f"/console/sawojajar/orders/{day.delivered}",
        "order, pinned": f"/console/sawojajar/orders/{day.assigned}",
        "order, pickup": f"/console/sawojajar/orders/{day.pickup}",
        "order, cancelled": f"/console/sawojajar/orders/{day.cancelled}",
        "order, awaiting review": f"/console/sawojajar/orders/{review.id}",
        "edit form": f"/console/sawojajar/orders/{day.assigned}/edit",
        "edit of a delivered order (error page)": f"/console/sawojajar/orders/{day.delivered}/edit",
        "runner": f"/console/sawojajar/runners/{world.runner.id}?tanggal={tanggal}",
        "run": f"/console/sawojajar/dispatch/{day.planned_run}",
        "replan run": f"/console/sawojajar/dispatch/{day.replan_run}",
        "report": f"/console/sawojajar/report?tanggal={tanggal}",
        "overview": f"/console/overview?tanggal={tanggal}",
        "overview following a dispatch of every market": (
            f"/console/overview?tanggal={tanggal}&run={day.planned_run}"
        ),
        "an unknown order (error page)": f"/console/sawojajar/orders/{uuid.uuid4()}",
        "another market (error page)": "/console/nowhere",
        "a bad day (error page)": "/console/sawojajar?tanggal=kemarin",
    }
    pages |= {
        "markets to manage": "/console/markets",
        "new market form": "/console/markets/new",
        "market edit form": "/console/markets/sawojajar/edit",
        "runners to manage": "/console/runners",
        "one market's runners": "/console/runners?pasar=sawojajar",
        "new runner form": "/console/runners/new?pasar=sawojajar",
        "runner edit form": f"/console/runners/{world.runner.id}/edit",
        "sellers to manage": "/console/sellers",
        "one market's sellers": "/console/sellers?pasar=sawojajar&verifikasi=verified",
        "new seller form": "/console/sellers/new?pasar=sawojajar",
        "seller edit form": "/console/sellers/sawojajar-keripik-tempe-sanan/edit",
        "an unknown seller (error page)": "/console/sellers/nowhere/edit",
    }
    for where, path in pages.items():
        findings.page(f"console {where}", client.get(path).text)
    status = client.get(f"/console/sawojajar/dispatch/{day.planned_run}/status.json").json()
    findings.texts("console run status.json", [status["label"]])

    # An order form with errors beside its fields.
    form = client.get(f"/console/sawojajar/orders/new?tanggal={tanggal}").text
    csrf = CSRF.search(form)
    assert csrf is not None
    refused = client.post(
        "/console/sawojajar/orders/new",
        data={
            "csrf": csrf.group(1),
            "external_id": "console-lang",
            "service_date": "besok",
            "phone": "12",
            "weight_kg": "berat",
            "amount_rp": "-5",
            "fulfilment": "drone",
            "payment": "cod",
            "window_start": "25:00",
            "lat": "-7.1",
            "lon": "",
        },
    )
    assert refused.status_code == 422
    findings.page("console new order form with errors", refused.text)
    edit = client.post(
        f"/console/sawojajar/orders/{day.assigned}/edit",
        data={"csrf": csrf.group(1), "phone": "0812", "weight_kg": "0", "amount_rp": "x"},
    )
    assert edit.status_code == 422
    findings.page("console edit form with errors", edit.text)

    _check_fleet_pages(client, world, csrf.group(1), findings)
    _check_live_parts(client, world, engine, settings, day, findings)

    assert len(findings.checked) >= 35
    assert not findings.found, findings.report()


def _check_live_parts(
    client: TestClient,
    world: World,
    engine: Engine,
    settings: Settings,
    day: Day,
    findings: Findings,
) -> None:
    """What the live pages fetch again (the board's, the runner's and the overview's parts),
    and, once an order is on its way with the runner's position fresh, the tracking page
    with its map, cash and call button, and the board with that order predicted late."""
    tanggal = world.day.isoformat()
    with Session(engine) as session:
        mark_picked_up(session, day.assigned, by="runner test")
        runner = session.get(Runner, world.runner.id)
        assert runner is not None
        runner.last_lat, runner.last_lon = -7.90, 112.60  # far away: the order will be late
        runner.last_seen_at = datetime.now(UTC) - timedelta(minutes=1)
        session.add(runner)
        session.commit()
    token = tracking_token(day.assigned, world.day, settings)
    tracking = client.get(f"/t/{token}?lang={findings.lang}").text
    assert "data-track-map" in tracking
    findings.page("tracking page, on the way", tracking)
    for where, path in (
        ("board.json", f"/console/sawojajar/board.json?tanggal={tanggal}"),
        (
            "runner board.json",
            f"/console/sawojajar/runners/{world.runner.id}/board.json?tanggal={tanggal}",
        ),
        ("overview.json", f"/console/overview.json?tanggal={tanggal}&run={day.planned_run}"),
    ):
        parts = client.get(path).json()["parts"]
        for name, html in parts.items():
            findings.texts(f"console {where} {name}", visible_texts(html))
    for order_id in (day.assigned, day.dropped, day.failed):
        row = client.get(f"/console/sawojajar/orders/{order_id}/row.json").json()["html"]
        findings.texts("console row.json", visible_texts(row))
    findings.page(
        "console market, an order on its way",
        client.get(f"/console/sawojajar?tanggal={tanggal}").text,
    )


def _check_fleet_pages(client: TestClient, world: World, csrf: str, findings: Findings) -> None:
    """The markets' and runners' forms with errors, an import's result with refused rows,
    and what a coordinator sees of them."""
    market = client.post(
        "/console/markets/new",
        data={"csrf": csrf, "code": "Bad Code", "name": "", "lat": "-7.1", "lon": "x"},
    )
    assert market.status_code == 422
    findings.page("console new market form with errors", market.text)
    seller = client.post(
        "/console/sellers/new",
        data={
            "csrf": csrf,
            "code": "Bad Code",
            "name": "",
            "cluster": "warung",
            "category": "elektronik",
            "phone": "12",
            "lat": "-7.1",
            "lon": "x",
            "nib": "123",
            "market": "nowhere",
            "opens": "10:00",
            "closes": "09:00",
            "verification": "pending",
        },
    )
    assert seller.status_code == 422
    findings.page("console new seller form with errors", seller.text)
    sellers = (
        "code,name,cluster,category,phone,address,lat,lon,nib,market,opens,closes\n"
        "kue-lumpur,Kue Lumpur,kuliner,makanan-minuman,0813-1111-2222,Jl. Ijen,-7.97,112.62,,,,\n"
        "batu,Keripik Batu,kuliner,makanan-minuman,0813-3300-2001,Jl. Batu,-7.8671,112.5239,,,,\n"
        "kaos,Kaos,umkm,elektronik,12,Jl. Kawi,-7.97,112.62,123,nowhere,09:00,08:00\n"
        "kue-lumpur,Kue Lumpur,kuliner\n"
    )
    for where, text in (("first", sellers), ("changed", sellers.replace("Jl. Ijen", "Jl. Ijen 2"))):
        imported = client.post(
            "/console/sellers/import",
            data={"csrf": csrf, "verified": "1"},
            files={"file": ("penjual.csv", text.encode(), "text/csv")},
        )
        assert imported.status_code == 200
        findings.page(f"console sellers import result ({where})", imported.text)
    runner = client.post(
        f"/console/runners/{world.runner.id}/edit",
        data={"csrf": csrf, "name": "", "phone": "12", "capacity_kg": "0", "shift_end": "25:00"},
    )
    assert runner.status_code == 422
    findings.page("console runner edit form with errors", runner.text)
    rows = (
        "market,name,phone,capacity_kg,shift_start,shift_end\n"
        "sawojajar,Wawan,0813-2222-3333,40,05:30,11:30\n"
        "nowhere,Budi,0813-2222-4444,40,05:30,11:30\n"
        "sawojajar,Sri,12,0,05:30,25:00\n"
        "sawojajar,Sri\n"
    )
    for where in ("first", "again"):
        imported = client.post(
            "/console/runners/import",
            data={"csrf": csrf},
            files={"file": ("kurir.csv", rows.encode(), "text/csv")},
        )
        assert imported.status_code == 200
        findings.page(f"console runners import result ({where})", imported.text)
    changed = rows.replace("Wawan,", "Wawan Setiawan,")
    imported = client.post(
        "/console/runners/import",
        data={"csrf": csrf},
        files={"file": ("kurir.csv", changed.encode(), "text/csv")},
    )
    findings.page("console runners import result (changed)", imported.text)
    bad_header = client.post(
        "/console/markets/import",
        data={"csrf": csrf},
        files={"file": ("pasar.csv", b"code;name\nx;y\n", "text/csv")},
    )
    findings.page("console markets import of a bad file (error page)", bad_header.text)
    _sign_in(client, world.coordinator, findings.lang, findings)
    findings.page("console runners (coordinator)", client.get("/console/runners").text)
    findings.page("console sellers (coordinator)", client.get("/console/sellers").text)
    findings.page("console markets (coordinator, error page)", client.get("/console/markets").text)


def _api_errors(
    client: TestClient, world: World, day: Day, lang: Lang
) -> Iterator[tuple[str, str]]:
    """(what was asked, the error message) for refusals of every kind."""
    headers = {"Accept-Language": lang}
    auth = world.auth(world.operator) | headers
    answers = {
        "no token": client.get("/api/v1/markets", headers=headers),
        "a wrong token": client.get(
            "/api/v1/markets", headers={"Authorization": "Bearer x"} | headers
        ),
        "an unknown path": client.get("/api/v1/nowhere", headers=headers),
        "a wrong method": client.delete("/api/v1/markets", headers=auth),
        "an unknown order": client.get(f"/api/v1/orders/{uuid.uuid4()}", headers=auth),
        "an invalid order": client.post(
            "/api/v1/orders",
            headers=auth,
            json={
                "market": "sawojajar",
                "external_id": "api-lang",
                "phone": "12",
                "weight_kg": "x",
                "amount_rp": "-1",
                "fulfilment": "drone",
            },
        ),
        "a body of the wrong type": client.post(
            "/api/v1/dispatch-runs", headers=auth, json={"markets": 5, "time_limit_s": "slow"}
        ),
        "unreadable JSON": client.post(
            "/api/v1/orders", headers=auth | {"Content-Type": "application/json"}, content=b"{"
        ),
        "a delivered stop delivered again": client.post(
            f"/api/v1/runner/{world.link}/stops/{day.delivered}/delivered",
            headers=headers,
            json={"collected_rp": 1000},
        ),
        "an expired link": client.get(
            f"/api/v1/runner/{world.expired_link}/route", headers=headers
        ),
        "a report of an unknown market": client.get(
            "/api/v1/reports/day?date=2026-11-26&market=nowhere", headers=auth
        ),
        "an invalid seller": client.post(
            "/api/v1/sellers",
            headers=auth,
            json={
                "code": "import",
                "name": "Kue",
                "cluster": "kuliner",
                "category": "jasa",
                "phone": "0000000",
                "address": "Jl. Ijen",
                "lat": -7.2,
                "lon": 112.6,
                "nib": "12",
                "opens": "10:00",
                "closes": "09:00",
            },
        ),
        "an unknown seller": client.get("/api/v1/sellers/nowhere", headers=auth),
        "an order of an unknown seller": client.post(
            "/api/v1/orders",
            headers=auth,
            json={
                "market": "sawojajar",
                "external_id": "api-seller-lang",
                "customer_name": "Ibu Wulan",
                "phone": "0812-3456-7890",
                "address": "Jl. Danau Toba 12",
                "weight_kg": 1,
                "amount_rp": 1000,
                "seller": "nowhere",
            },
        ),
        "an order of another market's seller": client.post(
            "/api/v1/orders",
            headers=auth,
            json={
                "market": "sawojajar",
                "external_id": "api-seller-lang-2",
                "customer_name": "Ibu Wulan",
                "phone": "0812-3456-7890",
                "address": "Jl. Danau Toba 12",
                "weight_kg": 1,
                "amount_rp": 1000,
                "seller": "gadang-kaos-arema-jaya",
            },
        ),
    }
    for where, answer in answers.items():
        assert 400 <= answer.status_code < 500, (where, answer.status_code, answer.text)
        body = answer.json()["error"]
        yield where, body["message"]
        for detail in body.get("details", []):
            yield where + " (details)", detail["message"]


@pytest.mark.parametrize("lang", LANGS)
def test_api_errors_speak_the_language_asked_for(
    lang: Lang, client: TestClient, world: World, engine: Engine
) -> None:
    """Each 4xx body's message (and each detail's) is in the language of
    ``Accept-Language``, without raw codes."""
    day = build_day(engine, world)
    findings = Findings(lang)
    for where, message in _api_errors(client, world, day, lang):
        findings.texts(f"API {where}", [message])
    assert not findings.found, findings.report()


# -- the command line ------------------------------------------------------------------------


CSV_TEXT = (
    "market,external_id,customer_name,phone,address,lat,lon,items,weight_kg,fulfilment,"
    "payment,amount_rp,delivery_fee_rp,window_start,window_end,notes\n"
    "sawojajar,csv-1,Ibu Wulan,0812-3456-7890,Jl. Danau Toba 12,-7.9712,112.6655,"
    "bawang merah 1kg,1,delivery,cod,25000,5000,07:00,09:00,\n"
    "sawojajar,csv-2,Pak Ali,0812-3456-7891,Jl. Danau Toba 14,-7.9713,112.6656,"
    "beras 5kg,120,delivery,cod,70000,5000,,,\n"
    "sawojajar,csv-3,Bu Sri,12,Jl. Danau Toba 16,-8.5,112.6656,tahu,x,drone,cod,-1,0,,,\n"
    "sawojajar,csv-1,Ibu Wulan,0812-3456-7890,Jl. Danau Toba 12,-7.9712,112.6655,"
    "bawang merah 1kg,1,delivery,cod,25000,5000,07:00,09:00,\n"
)


@pytest.mark.parametrize("lang", LANGS)
def test_every_command_speaks_the_language_asked_for(
    lang: Lang,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """What ``antar`` prints (out and err) for each command, its summaries, tables, reason
    codes and refusals, is in one language (``--lang en`` for English)."""
    monkeypatch.setenv("ANTAR_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("ANTAR_SECRET_KEY", "test-secret-key")
    monkeypatch.setenv("COLUMNS", "200")
    findings = Findings(lang)
    orders = tmp_path / "orders.csv"
    orders.write_text(CSV_TEXT, encoding="utf-8")
    bad_header = tmp_path / "bad.csv"
    bad_header.write_text("market;phone\nsawojajar;0812\n", encoding="utf-8")
    markets = tmp_path / "pasar.csv"
    markets.write_text(
        "code,name,address,lat,lon,opens,closes\n"
        "sukun,Pasar Sukun,Kel. Sukun,-7.9934,112.619918,05:00,12:00\n"
        "batu,Pasar Batu,,-7.8671,112.5239,05:00,12:00\n"
        "sukun,Pasar Sukun Lagi,,-7.9934,112.619918,05:00,12:00\n"
        "kasin,Pasar Kasin,,-7.989906,112.625938,5 pagi,04:00\n"
        "kasin,Pasar Kasin\n",
        encoding="utf-8",
    )
    runners = tmp_path / "kurir.csv"
    runners.write_text(
        "market,name,phone,capacity_kg,shift_start,shift_end\n"
        "dinoyo,Tri Handayani,+6281355012002,30,06:00,11:00\n"
        "nowhere,Budi,0813-2222-4444,40,05:30,11:30\n"
        "sukun,Sri,12,0,05:30,25:00\n"
        "sukun,Ani,0813-2222-5555,40,,\n"
        "sukun,Ani Lagi,0813-2222-5555,40,,\n",
        encoding="utf-8",
    )
    day = "2026-11-26"
    solomon = Path(__file__).parents[1] / "data" / "solomon" / "C101.txt"

    def antar(*args: str) -> str:
        flag = ["--lang", "en"] if lang == "en" else []
        try:
            code = main([*flag, *args])
        except SystemExit as stop:  # argparse: --help, or arguments it refuses
            code = int(stop.code or 0)
        printed = capsys.readouterr()
        output = printed.out + printed.err
        assert output.strip(), args
        findings.texts("antar " + " ".join(args), _cli_texts(output))
        assert code in (0, 1, 2), (args, code, output)
        if os.environ.get("ANTAR_LANGUAGE_DUMP"):
            with Path(os.environ["ANTAR_LANGUAGE_DUMP"]).open("a") as dump:
                dump.write(f"$ antar {' '.join([*flag, *args])}\n{output}\n")
        return output

    antar("--help")
    antar("orders", "import", "--help")
    antar("dispatch", "--date", day)
    antar("dispatch", "--all", "--market", "sawojajar")
    antar("routes", "export", "--format", "pdf", "--out", "x")
    antar("report", "--bogus")
    antar("orders", "import", str(orders), "--date", "besok")
    antar("serve", "--workers", "0")
    antar("nonsense")

    antar("db", "upgrade")
    antar("db", "upgrade")
    antar("seed")
    antar("seed")
    antar("orders", "import", str(orders), "--date", day)
    antar("orders", "import", str(bad_header), "--date", day)
    antar("orders", "generate", "--per-market", "2", "--seed", "1", "--date", day)
    antar(
        "orders", "generate", "--per-market", "2", "--date", day, "--csv", str(tmp_path / "g.csv")
    )
    antar("dispatch", "--market", "sawojajar", "--date", day, "--time-limit", "0.3")
    antar("dispatch", "--market", "nowhere", "--date", day)
    antar("runs", "list")
    antar("runs", "show", "not-a-run")
    antar("runs", "show", str(uuid.uuid4()))
    antar("routes", "show", "--market", "sawojajar", "--date", day)
    antar("routes", "show", "--market", "gadang", "--date", "2026-01-01")
    antar("routes", "export", "--format", "csv", "--out", str(tmp_path / "r.csv"), "--date", day)
    antar("report", "--date", day, "--market", "sawojajar")
    antar("report", "--date", "kemarin")
    antar("report", "--date", day, "--market", "nowhere")
    antar("tokens", "create", "--role", "coordinator")
    antar("tokens", "revoke", "antar_not-a-token")
    antar("runners", "link", "--market", "sawojajar", "--date", day)
    antar("runners", "link", "--market", "nowhere", "--date", day)
    antar("markets", "--help")
    antar("runners", "import", "--help")
    antar("markets", "list")
    antar("markets", "add", "--code", "dinoyo", "--name", "Pasar Dinoyo", "--lat", "-7.944198")
    antar("markets", "add", "--code", "dinoyo", "--name", "Pasar Dinoyo")
    antar(
        "markets", "add", "--code", "dinoyo", "--name", "Pasar Dinoyo",
        "--lat", "-7.944198", "--lon", "112.608198", "--address", "Kel. Dinoyo",
    )  # fmt: skip
    antar("markets", "add", "--code", "Bad Code", "--name", "", "--lat", "-7.1", "--lon", "x")
    antar("markets", "add", "--code", "dinoyo", "--name", "X", "--lat", "-7.94", "--lon", "112.6")
    antar("markets", "update", "dinoyo", "--closes", "13:00", "--name", "Pasar Dinoyo Baru")
    antar("markets", "update", "dinoyo", "--closes", "13:00")
    antar("markets", "update", "dinoyo", "--closes", "04:00")
    antar("markets", "update", "dinoyo", "--insertion", "review")
    antar("markets", "update", "dinoyo", "--insertion", "kadang")
    antar("markets", "update", "nowhere", "--closes", "13:00")
    antar("markets", "import", str(markets))
    antar("markets", "import", str(markets))
    antar("markets", "import", str(bad_header))
    antar("runners", "add", "--market", "dinoyo", "--name", "Tri", "--phone", "0813-5501-2002")
    antar("runners", "add", "--market", "dinoyo", "--name", "Tri", "--phone", "0813-5501-2002")
    antar("runners", "add", "--market", "nowhere", "--name", "", "--phone", "12")
    antar("runners", "update", "0813-5501-2002", "--capacity-kg", "35", "--status", "off_duty")
    antar("runners", "update", "0813-5501-2002", "--capacity-kg", "35")
    antar("runners", "update", "0813-9999-9999", "--capacity-kg", "0")
    antar("runners", "import", str(runners))
    antar("runners", "import", str(runners))
    antar("runners", "list")
    antar("runners", "list", "--market", "dinoyo")
    sellers = tmp_path / "penjual.csv"
    sellers.write_text(
        "code,name,cluster,category,phone,address,lat,lon,nib,market,opens,closes\n"
        "kue-lumpur,Kue Lumpur,kuliner,makanan-minuman,0813-1111-2222,Jl. Ijen,-7.97,112.62,,,,\n"
        "batu,Keripik Batu,kuliner,makanan-minuman,0813-3300-2001,Jl. Batu,-7.8671,112.5239,,,,\n"
        "kaos,Kaos,umkm,elektronik,12,Jl. Kawi,-7.97,112.62,123,nowhere,09:00,08:00\n"
        "kue-lumpur,Kue Lumpur,kuliner\n",
        encoding="utf-8",
    )
    antar("sellers", "--help")
    antar("sellers", "add", "--help")
    antar("sellers", "import", str(sellers))
    antar("sellers", "import", str(sellers), "--verified")
    antar("sellers", "import", str(bad_header))
    antar(
        "sellers", "add", "--code", "sari-apel", "--name", "Sari Apel", "--cluster", "kuliner",
        "--category", "makanan-minuman", "--phone", "0813-1111-3333", "--address", "Jl. Ijen",
        "--lat", "-7.97", "--lon", "112.62", "--verification", "verified",
    )  # fmt: skip
    antar(
        "sellers", "add", "--code", "Bad Code", "--name", "X", "--cluster", "ikm",
        "--category", "kriya", "--phone", "12", "--address", "Jl. Ijen",
        "--lat", "-7.2", "--lon", "112.62", "--nib", "1",
    )  # fmt: skip
    antar("sellers", "update", "kue-lumpur", "--verification", "verified")
    antar("sellers", "update", "kue-lumpur", "--verification", "verified")
    antar("sellers", "update", "kue-lumpur", "--closes", "04:00")
    antar("sellers", "update", "nowhere", "--name", "X")
    antar("sellers", "list")
    antar("sellers", "list", "--market", "sawojajar", "--verification", "verified")
    seller_orders = tmp_path / "pesanan-penjual.csv"
    seller_orders.write_text(
        CSV_TEXT.splitlines()[0] + ",seller\n"
        "sawojajar,sp-1,Ibu Wulan,0812-3456-7890,Jl. Danau Toba 12,-7.9712,112.6655,"
        "keripik 2 bungkus,1,delivery,cod,25000,5000,,,,sawojajar-keripik-tempe-sanan\n"
        "sawojajar,sp-2,Ibu Wulan,0812-3456-7890,Jl. Danau Toba 12,-7.9712,112.6655,"
        "keripik 2 bungkus,1,delivery,cod,25000,5000,,,,nowhere\n"
        "sawojajar,sp-3,Ibu Wulan,0812-3456-7890,Jl. Danau Toba 12,-7.9712,112.6655,"
        "kaos,1,delivery,cod,25000,5000,,,,gadang-kaos-arema-jaya\n"
        "sawojajar,sp-4,Ibu Wulan,0812-3456-7890,Jl. Danau Toba 12,-7.9712,112.6655,"
        "kaos,1,delivery,cod,25000,5000,,,,kue-lumpur\n",
        encoding="utf-8",
    )
    antar("orders", "import", str(seller_orders), "--date", day)
    antar("orders", "generate", "--per-market", "2", "--seller-share", "0.5", "--date", day)
    antar("orders", "generate", "--per-market", "2", "--seller-share", "2")
    antar("route", str(solomon), "--time-limit", "0.3")
    antar("route", str(tmp_path / "missing.txt"))
    antar("demo", "--out", str(tmp_path / "demo"), "--per-market", "2", "--time-limit", "0.2")
    antar("demo", "--out", str(tmp_path / "demo"), "--per-market", "2")
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    with Session(engine) as session:
        run = session.exec(select(DispatchRun)).first()
        assert run is not None
        run_id = str(run.id)
    engine.dispose()
    antar("runs", "show", run_id)
    assert not findings.found, findings.report()


#: What a person may need to copy from the command line: ids, links, paths, dates, tokens,
#: options to type (``--market``).
_COPYABLE = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|https?://\S+|(?:/[\w.@+-]+)+/?|\bantar_[\w-]+|\b\d{4}-\d{2}-\d{2}\b"
    r"|\b(?:gen|csv|wa)-[\w-]+|(?<!\w)--[a-z][\w-]*"
)
#: A refused CSV row names its line, its column and its code before the message
#: (``baris 12: phone: order.invalid_phone: ...``): references to look up, not prose.
_REFUSAL = re.compile(r"^\s*(?:baris|line) \d+: [\w.-]+: [a-z_]+\.[a-z_]+: ")


#: What a person types: ``antar orders import``, choices ``{id,en}``, a setting
#: (``ANTAR_DATABASE_URL=sqlite:///...``), and in ``--help`` the name a line explains
#: (``  orders   menerima pesanan``).
_TYPED = re.compile(
    r"\bantar(?: [a-z][\w-]*)*|\{[^}]*\}|^ {2,6}[a-z][\w-]*(?= {2,}|$)|\bANTAR_[A-Z_]+=\S*"
)


def _cli_texts(output: str) -> list[str]:
    """The lines a command printed, without what a person copies or types rather than reads."""
    lines = [line for line in output.splitlines() if line.strip()]
    return [_COPYABLE.sub(" ", _TYPED.sub(" ", _REFUSAL.sub("", line))).strip() for line in lines]


def test_the_detector_finds_each_kind_of_leak() -> None:
    """Raw codes, English words on an Indonesian page and Indonesian words on an English one
    are found; names, units and marked codes are not."""
    page = (
        '<html lang="id"><head><title>Rute</title><script>L.x.bindPopup("<b>Gagal"'
        ' (not_at_home)</b>")</script></head><body>'
        "<p>Gagal (not_at_home)</p><p>weighs 120 kg; the runner takes 40 kg</p>"
        '<p>Lama 35 min</p><p class="ok">Pasar Sawojajar · Rp 23.700 · 1,5 kg · 07.30 WIB</p>'
        '<span translate="no">wa_123_x</span><a lang="en">English</a>'
        '<input placeholder="order.invalid_transition"></body></html>'
    )
    found = "\n".join(leaks(visible_texts(page), "id"))
    for leak in ("not_at_home", "'weighs'", "'min'", "order.invalid_transition"):
        assert leak in found
    assert "Sawojajar" not in found
    assert "wa_123_x" not in found
    assert "English" not in found
    english = leaks(["Delivered at 07.30, menit", "Failed (not at home)"], "en")
    assert len(english) == 1
    assert "menit" in english[0]
