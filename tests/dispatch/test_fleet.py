"""Markets and runners (`dispatch.fleet`): each rule refuses what it should and lets the rest
through, imports refuse line by line and go on, and a re-import changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dispatch.errors import DomainError, ValidationErrors
from dispatch.fleet import (
    MARKET_HEADER,
    RUNNER_HEADER,
    MarketInput,
    RunnerInput,
    add_market,
    add_runner,
    check_code,
    check_hours,
    check_location,
    check_shift,
    find_runner,
    import_market_file,
    import_markets,
    import_runner_file,
    read_market,
    read_runner,
    update_market,
    update_runner,
)
from dispatch.geo import kelurahan_list
from dispatch.models import Market, Runner
from dispatch.seed import seed
from dispatch.settings import Settings

CITY = Path(__file__).resolve().parents[1] / "data" / "city"
SETTINGS = Settings()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on a migrated database with the six seeded markets."""
    with Session(engine) as session:
        seed(session, settings=SETTINGS)
        yield session


def _codes(error: DomainError) -> list[str]:
    errors = error.errors if isinstance(error, ValidationErrors) else [error]
    return [e.code for e in errors]


def _csv(header: tuple[str, ...], *rows: str) -> str:
    return ",".join(header) + "\n" + "\n".join(rows) + "\n"


# -- the rules, a pair of cases each ----------------------------------------------------------


def test_a_market_code_is_a_slug_and_not_a_console_word() -> None:
    """``Pasar-Dinoyo `` is stored as ``pasar-dinoyo``; spaces, underscores, a leading hyphen
    and the console's own path words are refused."""
    assert check_code(" Pasar-Dinoyo ") == "pasar-dinoyo"
    for bad in ("pasar dinoyo", "bad_code", "-dinoyo", "dinoyo-", "x" * 41):
        with pytest.raises(DomainError) as caught:
            check_code(bad)
        assert caught.value.code == "market.invalid_code"
    with pytest.raises(DomainError) as reserved:
        check_code("markets")
    assert reserved.value.code == "market.reserved_code"


def test_a_market_must_lie_inside_kota_malang() -> None:
    """A kelurahan's centroid is inside the city; Batu and Surabaya are not."""
    centre = kelurahan_list()[0]
    check_location(centre.lat, centre.lon)
    for lat, lon in ((-7.8671, 112.5239), (-7.2575, 112.7521)):
        with pytest.raises(DomainError) as caught:
            check_location(lat, lon)
        assert (caught.value.code, caught.value.field) == ("market.outside_city", "lat")


def test_a_market_opens_before_it_closes() -> None:
    """05:00-12:00 passes; closing at or before opening is refused."""
    check_hours(time(5), time(12))
    for closes in (time(5), time(4, 59)):
        with pytest.raises(DomainError) as caught:
            check_hours(time(5), closes)
        assert caught.value.code == "market.invalid_hours"


def test_a_shift_starts_before_it_ends() -> None:
    """05:30-11:30 passes; an end at the start is refused."""
    check_shift(time(5, 30), time(11, 30))
    with pytest.raises(DomainError) as caught:
        check_shift(time(5, 30), time(5, 30))
    assert caught.value.code == "runner.invalid_shift"


def test_every_fault_of_a_market_row_is_reported_in_column_order() -> None:
    """A row with a bad code, no name, a point outside the city and a bad closing time is
    refused with all four, in the columns' order."""
    cells = {"code": "Bad Code", "name": "", "lat": "-7.1", "lon": "112.6", "closes": "25:00"}
    with pytest.raises(ValidationErrors) as caught:
        read_market(cells)
    assert caught.value.code == "market.invalid"
    assert _codes(caught.value) == [
        "market.invalid_code",
        "request.required",
        "market.outside_city",
        "order.invalid_time",
    ]


def test_a_runner_row_is_read_into_its_units() -> None:
    """Phone to E.164, capacity kg to grams, empty shift cells the settings' shift."""
    values = read_runner(
        {"market": "Dinoyo", "name": " Tri ", "phone": "0813-5501-2002", "capacity_kg": "12,5"},
        settings=SETTINGS,
    )
    assert values["market"] == "dinoyo"
    assert values["name"] == "Tri"
    assert values["phone"] == "+6281355012002"
    assert values["capacity_g"] == 12_500
    assert (values["shift_start"], values["shift_end"]) == (time(5, 30), time(11, 30))


@pytest.mark.parametrize(
    ("cells", "codes"),
    [
        ({"phone": "12"}, ["order.invalid_phone"]),
        ({"phone": "+1 415 555 0100"}, ["order.invalid_phone"]),
        ({"capacity_kg": "0"}, ["runner.invalid_capacity"]),
        ({"capacity_kg": "banyak"}, ["runner.invalid_capacity"]),
        ({"shift_start": "7.30 pagi"}, ["order.invalid_time"]),
        ({"shift_start": "12:00", "shift_end": "06:00"}, ["runner.invalid_shift"]),
        ({"market": "", "name": ""}, ["request.required", "request.required"]),
    ],
)
def test_a_bad_runner_row_is_refused(cells: dict[str, str], codes: list[str]) -> None:
    """Each bad cell is refused with its code (and every one of them at once)."""
    row = {"market": "dinoyo", "name": "Tri", "phone": "0813-5501-2002"} | cells
    with pytest.raises(DomainError) as caught:
        read_runner(row, settings=SETTINGS)
    assert _codes(caught.value) == codes


# -- adding and changing ------------------------------------------------------------------------


def test_a_market_code_is_taken_once(session: Session) -> None:
    """A second market with a code in use is refused (409 in the API)."""
    market = MarketInput(code="dinoyo", name="Pasar Dinoyo", lat=-7.944198, lon=112.608198)
    stored = add_market(session, market)
    assert stored.kelurahan == ""
    with pytest.raises(DomainError) as caught:
        add_market(session, market)
    assert caught.value.code == "market.exists"


def test_a_market_address_names_its_kelurahan(session: Session) -> None:
    """The kelurahan an address names is kept with the market, and follows an address edit."""
    market = add_market(
        session,
        MarketInput(
            code="dinoyo",
            name="Pasar Dinoyo",
            lat=-7.944198,
            lon=112.608198,
            address="Jl. MT Haryono, Kel. Dinoyo",
        ),
    )
    assert market.kelurahan == "Dinoyo"
    assert update_market(session, market, {"address": "Jl. Raya Tlogomas"}) == [
        "address",
        "kelurahan",
    ]
    assert market.kelurahan == "Tlogomas"


def test_a_market_edit_keeps_the_rules(session: Session) -> None:
    """Moving a market out of the city or closing it before it opens is refused, and the
    market is left as it was."""
    market = session.exec(select(Market).where(Market.code == "mergan")).one()
    with pytest.raises(DomainError) as caught:
        update_market(session, market, {"lat": -7.2575, "lon": 112.7521})
    assert caught.value.code == "market.outside_city"
    with pytest.raises(DomainError) as hours:
        update_market(session, market, {"closes": time(4)})
    assert hours.value.code == "market.invalid_hours"
    assert market.closes == time(12)
    assert update_market(session, market, {"closes": time(12)}) == []


def test_a_runner_phone_is_unique_within_its_market(session: Session) -> None:
    """The same phone twice in a market is refused, in another market it is another runner;
    an edit onto a colleague's phone is refused too."""
    first = add_runner(
        session,
        RunnerInput(market="mergan", name="Wawan", phone="0813 2222 3333"),
        settings=SETTINGS,
    )
    with pytest.raises(DomainError) as caught:
        add_runner(
            session,
            RunnerInput(market="mergan", name="W", phone="+62813-2222-3333"),
            settings=SETTINGS,
        )
    assert caught.value.code == "runner.exists"
    other = add_runner(
        session, RunnerInput(market="gadang", name="Wawan", phone="081322223333"), settings=SETTINGS
    )
    assert other.market_id != first.market_id
    colleague = session.exec(
        select(Runner).where(Runner.market_id == first.market_id).where(Runner.id != first.id)
    ).first()
    assert colleague is not None
    with pytest.raises(DomainError) as clash:
        update_runner(session, colleague, {"phone": "0813-2222-3333"})
    assert clash.value.code == "runner.exists"
    with pytest.raises(DomainError) as ambiguous:
        find_runner(session, "0813-2222-3333")
    assert ambiguous.value.code == "runner.ambiguous"
    assert find_runner(session, "0813-2222-3333", "gadang").id == other.id
    assert find_runner(session, str(first.id)).id == first.id


def test_a_runner_of_an_unknown_market_is_refused(session: Session) -> None:
    """``market.not_found`` names the field ``market``."""
    with pytest.raises(DomainError) as caught:
        add_runner(
            session,
            RunnerInput(market="nowhere", name="X", phone="081322223333"),
            settings=SETTINGS,
        )
    assert (caught.value.code, caught.value.field) == ("market.not_found", "market")


# -- imports --------------------------------------------------------------------------------------


def test_the_city_files_import_once(session: Session) -> None:
    """The 10 markets and 20 runners of tests/data/city are added, and importing both files
    again changes nothing."""
    markets = import_market_file(session, CITY / "markets.csv")
    runners = import_runner_file(session, CITY / "runners.csv", settings=SETTINGS)
    assert (len(markets.added), len(runners.added)) == (10, 20)
    assert markets.ok
    assert runners.ok
    again = import_market_file(session, CITY / "markets.csv")
    runners_again = import_runner_file(session, CITY / "runners.csv", settings=SETTINGS)
    assert (again.changed, runners_again.changed) == (False, False)
    assert (len(again.unchanged), len(runners_again.unchanged)) == (10, 20)
    assert len(session.exec(select(Market)).all()) == 16
    assert len(session.exec(select(Runner)).all()) == 18 + 20


def test_a_markets_import_refuses_line_by_line_and_goes_on(session: Session) -> None:
    """Outside the city, a code twice in the file, a bad time, a row of the wrong width: each
    refused with its line; the good rows are taken."""
    text = _csv(
        MARKET_HEADER,
        "dinoyo,Pasar Dinoyo,,-7.944198,112.608198,05:00,12:00",  # line 2
        "batu,Pasar Batu,,-7.8671,112.5239,05:00,12:00",  # line 3: Kota Batu
        "dinoyo,Pasar Dinoyo Lagi,,-7.944198,112.608198,05:00,12:00",  # line 4
        "sukun,Pasar Sukun,,-7.9934,112.619918,5 pagi,12:00",  # line 5
        "kasin,Pasar Kasin,-7.989906,112.625938",  # line 6: too few cells
        "tlogomas,Pasar Tlogomas,,-7.932458,112.599253,,",  # line 7: default hours
    )
    report = import_market_file(session, text)
    assert report.added == [(2, "dinoyo"), (7, "tlogomas")]
    refused = [(r.line, [e.code for e in r.errors]) for r in report.refused]
    assert refused == [
        (3, ["market.outside_city"]),
        (4, ["market.duplicate_row"]),
        (5, ["order.invalid_time"]),
        (6, ["csv.bad_row"]),
    ]
    tlogomas = session.exec(select(Market).where(Market.code == "tlogomas")).one()
    assert (tlogomas.opens, tlogomas.closes) == (time(5), time(12))


def test_a_runners_import_refuses_line_by_line_and_goes_on(session: Session) -> None:
    """An unknown market, a bad phone, a bad time, a phone twice for one market: refused with
    their lines and fields; the others are added."""
    text = _csv(
        RUNNER_HEADER,
        "mergan,Wawan,0813-2222-3333,40,05:30,11:30",  # 2
        "nowhere,Budi,0813-2222-4444,40,05:30,11:30",  # 3
        "mergan,Budi,0812-34,40,05:30,11:30",  # 4
        "mergan,Sri,0813-2222-5555,40,05:30,25:00",  # 5
        "Mergan,Wawan Kedua,+62 813 2222 3333,30,,",  # 6
        "gadang,Wawan,0813-2222-3333,,,",  # 7: the same phone in another market
    )
    report = import_runner_file(session, text, settings=SETTINGS)
    assert report.added == [(2, "mergan/Wawan"), (7, "gadang/Wawan")]
    refused = [(r.line, [(e.field, e.code) for e in r.errors]) for r in report.refused]
    assert refused == [
        (3, [("market", "market.not_found")]),
        (4, [("phone", "order.invalid_phone")]),
        (5, [("shift_end", "order.invalid_time")]),
        (6, [("phone", "runner.duplicate_row")]),
    ]


def test_a_reimport_with_new_values_updates_and_names_the_fields(session: Session) -> None:
    """A market known by its code and a runner by market and phone (in any form) are
    updated, not added again, and the fields that changed are named."""
    import_markets(session, [(2, dict(zip(MARKET_HEADER, _row_dinoyo(), strict=True)))])
    changed = _row_dinoyo()
    changed[1], changed[6] = "Pasar Dinoyo Baru", "13:00"
    report = import_markets(session, [(2, dict(zip(MARKET_HEADER, changed, strict=True)))])
    assert report.updated == [(2, "dinoyo", ("name", "closes"))]
    runners = _csv(RUNNER_HEADER, "dinoyo,Tri,0813-5501-2002,30,06:00,11:00")
    import_runner_file(session, runners, settings=SETTINGS)
    edited = _csv(RUNNER_HEADER, "dinoyo,Tri Handayani,+6281355012002,35,06:00,11:00")
    report = import_runner_file(session, edited, settings=SETTINGS)
    assert report.updated == [(2, "dinoyo/Tri Handayani", ("name", "capacity_g"))]
    assert report.added == []


def _row_dinoyo() -> list[str]:
    return ["dinoyo", "Pasar Dinoyo", "", "-7.944198", "112.608198", "05:00", "12:00"]


_KELURAHAN = kelurahan_list()


@st.composite
def market_rows(draw: st.DrawFn) -> list[dict[str, str]]:
    """Markets at distinct kelurahan centroids with any opening hours that make sense."""
    picked = draw(st.lists(st.sampled_from(_KELURAHAN), min_size=1, max_size=6, unique=True))
    rows = []
    for k in picked:
        opens = draw(st.integers(0, 22 * 60))
        closes = draw(st.integers(opens + 1, 23 * 60 + 59))
        rows.append(
            {
                "code": "pasar-" + "".join(c for c in k.name.lower() if c.isalnum()),
                "name": f"Pasar {k.name}",
                "address": f"Kel. {k.name}",
                "lat": f"{k.lat:.6f}",
                "lon": f"{k.lon:.6f}",
                "opens": f"{opens // 60:02d}:{opens % 60:02d}",
                "closes": f"{closes // 60:02d}.{closes % 60:02d}",
            }
        )
    return rows


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=market_rows())
def test_importing_the_same_markets_twice_changes_nothing(
    engine: Engine, rows: list[dict[str, str]]
) -> None:
    """Whatever valid markets a file holds, its second import adds and changes nothing."""
    with Session(engine) as session:
        numbered = list(enumerate(rows, start=2))
        first = import_markets(session, numbered)
        assert len(first.added) == len(rows)
        second = import_markets(session, numbered)
        assert second.changed is False
        assert len(second.unchanged) == len(rows)
        session.rollback()


def test_every_fault_of_a_runner_row_is_reported_in_column_order() -> None:
    """Phone before capacity before the shift's end, as the columns stand."""
    cells = {"market": "mergan", "name": "Sri", "phone": "12", "capacity_kg": "0"}
    with pytest.raises(ValidationErrors) as caught:
        read_runner(cells | {"shift_end": "25:00"}, settings=SETTINGS)
    assert caught.value.code == "runner.invalid"
    assert [e.field for e in caught.value.errors] == ["phone", "capacity_kg", "shift_end"]
