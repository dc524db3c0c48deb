"""The console's pages for the city's markets and runners: an operator lists, adds, edits
and imports them by upload through the rules of the command line; a coordinator reads its
own market's runners and changes nothing."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.console.kinds import MAX_UPLOAD_BYTES
from dispatch.models import Market, Runner, RunnerStatus
from tests.api.conftest import World
from tests.api.test_console import csrf_of, sign_in

CITY = Path(__file__).resolve().parents[1] / "data" / "city"


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def upload(client: TestClient, path: str, csrf: str, name: str, data: bytes):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf": csrf}, files={"file": (name, data, "text/csv")})


def test_an_operator_adds_and_edits_a_market_with_the_rules(
    client: TestClient, world: World, engine: Engine
) -> None:
    """The form adds a market; one outside Kota Malang is refused beside its field (422),
    and an edit that changes nothing says so."""
    assert sign_in(client, world.operator).status_code == 303
    csrf = csrf_of(client, "/console/markets")
    form = {"csrf": csrf, "code": "dinoyo", "name": "Pasar Dinoyo", "address": "Kel. Dinoyo"}
    refused = client.post("/console/markets/new", data=form | {"lat": "-7.8671", "lon": "112.52"})
    assert refused.status_code == 422
    assert "di luar Kota Malang" in _text(refused.text)
    assert 'id="field-lat"' in refused.text
    added = client.post(
        "/console/markets/new",
        data=form | {"lat": "-7.944198", "lon": "112.608198", "opens": "05.30"},
    )
    assert added.status_code == 200
    assert "Pasar ditambahkan." in added.text
    assert 'data-market="dinoyo"' in added.text
    with Session(engine) as session:
        market = session.exec(select(Market).where(Market.code == "dinoyo")).one()
        assert (market.kelurahan, market.opens.hour, market.opens.minute) == ("Dinoyo", 5, 30)
    edit = client.get("/console/markets/dinoyo/edit")
    assert 'value="-7.944198"' in edit.text
    values = dict(re.findall(r'name="(\w+)" value="([^"]*)"', edit.text))
    same = client.post("/console/markets/dinoyo/edit", data=values | {"address": "Kel. Dinoyo"})
    assert "Tidak ada yang berubah." in same.text
    later = client.post(
        "/console/markets/dinoyo/edit", data=values | {"address": "", "closes": "04:00"}
    )
    assert later.status_code == 422
    assert "Jam tutup" in _text(later.text)
    # a market added this way is a market like the seeded ones
    assert client.get("/console/dinoyo").status_code == 200


def test_an_operator_imports_the_city_by_upload_twice(client: TestClient, world: World) -> None:
    """Uploading the markets and runners CSVs adds them; uploading them again changes
    nothing; refused rows are listed by line, in words, without codes."""
    assert sign_in(client, world.operator).status_code == 303
    csrf = csrf_of(client, "/console/markets")
    markets = (CITY / "markets.csv").read_bytes()
    runners = (CITY / "runners.csv").read_bytes()
    first = upload(client, "/console/markets/import", csrf, "markets.csv", markets)
    assert first.status_code == 200, first.text
    assert "10 ditambahkan, 0 diubah, 0 tetap, 0 ditolak" in first.text
    again = upload(client, "/console/markets/import", csrf, "markets.csv", markets)
    assert "0 ditambahkan, 0 diubah, 10 tetap, 0 ditolak" in again.text
    assert (
        "20 ditambahkan"
        in upload(client, "/console/runners/import", csrf, "runners.csv", runners).text
    )
    assert (
        "20 tetap" in upload(client, "/console/runners/import", csrf, "runners.csv", runners).text
    )
    listed = client.get("/console/runners?pasar=dinoyo")
    assert listed.text.count("data-runner-id=") == 2
    bad = (
        b"market,name,phone,capacity_kg,shift_start,shift_end\n"
        b"nowhere,Budi,0813-2222-4444,40,05:30,11:30\n"
        b"dinoyo,Sri,12,40,05:30,11:30\n"
    )
    refused = upload(client, "/console/runners/import", csrf, "bad.csv", bad)
    text = _text(refused.text)
    assert "Baris 2 · Pasar: Pasar nowhere tidak ditemukan." in text
    assert "Baris 3 · Nomor telepon:" in text
    assert "order.invalid_phone" not in text


def test_an_upload_needs_the_token_and_a_small_file(client: TestClient, world: World) -> None:
    """Without the session's CSRF token an upload is 403; past the limit 413; not a
    multipart form 400; a file that is not UTF-8 is refused with its line."""
    assert sign_in(client, world.operator).status_code == 303
    csrf = csrf_of(client, "/console/markets")
    data = (CITY / "markets.csv").read_bytes()
    assert upload(client, "/console/markets/import", "wrong", "m.csv", data).status_code == 403
    huge = b"x" * (MAX_UPLOAD_BYTES + 1)
    assert upload(client, "/console/markets/import", csrf, "m.csv", huge).status_code == 413
    plain = client.post("/console/markets/import", data={"csrf": csrf})
    assert plain.status_code == 400
    latin = "code,name,address,lat,lon,opens,closes\nx,Pasar Ñ\xe9,,1,2,,\n".encode("latin-1")
    answer = upload(client, "/console/markets/import", csrf, "m.csv", latin)
    assert answer.status_code == 400
    assert "bukan UTF-8 (baris 2)" in answer.text


def test_an_operator_edits_a_runner(client: TestClient, world: World, engine: Engine) -> None:
    """The edit form changes load, shift and status by the rules; a shift ending before it
    starts is refused beside its field."""
    assert sign_in(client, world.operator).status_code == 303
    runner = world.runners["mergan"][0]
    path = f"/console/runners/{runner.id}/edit"
    values = dict(re.findall(r'name="(\w+)" value="([^"]*)"', client.get(path).text))
    assert values["capacity_kg"] == "40"
    bad = client.post(path, data=values | {"shift_end": "05:00"})
    assert bad.status_code == 422
    assert "Shift tidak masuk akal" in _text(bad.text)
    done = client.post(path, data=values | {"capacity_kg": "32,5", "status": "off_duty"})
    assert "Perubahan kurir disimpan." in done.text
    with Session(engine) as session:
        stored = session.get(Runner, runner.id)
        assert stored is not None
        assert (stored.capacity_g, stored.status) == (32_500, RunnerStatus.OFF_DUTY)
    csrf = csrf_of(client, "/console/runners")
    new = client.post(
        "/console/runners/new",
        data={"csrf": csrf, "market": "mergan", "name": "Wawan", "phone": stored.phone},
    )
    assert new.status_code == 422
    assert "sudah punya kurir dengan nomor" in _text(new.text)


def test_a_coordinator_reads_its_own_runners_only(client: TestClient, world: World) -> None:
    """A coordinator's runners page lists its market's three runners without edit links;
    the markets pages, another market's runners and every change are not for it."""
    assert sign_in(client, world.coordinator).status_code == 303
    page = client.get("/console/runners")
    assert page.status_code == 200
    assert page.text.count("data-runner-id=") == 3
    assert "/edit" not in page.text
    assert "Hanya operator yang bisa menambah atau mengubah kurir." in page.text
    assert client.get("/console/runners?pasar=gadang").status_code == 404
    assert client.get("/console/markets").status_code == 403
    assert client.get("/console/runners/new").status_code == 403
    runner = world.runners["sawojajar"][0]
    assert client.get(f"/console/runners/{runner.id}/edit").status_code == 403
    csrf = csrf_of(client, "/console/runners")
    added = client.post(
        "/console/runners/new",
        data={"csrf": csrf, "market": "sawojajar", "name": "X", "phone": "0813-1111-2222"},
    )
    assert added.status_code == 403
    data = (CITY / "runners.csv").read_bytes()
    assert upload(client, "/console/runners/import", csrf, "r.csv", data).status_code == 403


def test_a_market_edit_refuses_an_unknown_insertion_mode_beside_its_field(
    client: TestClient, world: World, engine: Engine
) -> None:
    """The edit form reads the way of taking new orders as the command line does; a value
    that is neither auto nor review is refused next to its field and nothing changes."""
    assert sign_in(client, world.operator).status_code == 303
    edit = client.get("/console/markets/sawojajar/edit")
    values = dict(re.findall(r'name="(\w+)" value="([^"]*)"', edit.text))
    refused = client.post("/console/markets/sawojajar/edit", data=values | {"insertion": "x"})
    assert refused.status_code == 422
    assert 'id="insertion-error"' in refused.text
    with Session(engine) as session:
        market = session.exec(select(Market).where(Market.code == "sawojajar")).one()
        assert market.insertion == "auto"
