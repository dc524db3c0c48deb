"""One import and one reader shape for every kind an operator keeps in CSV files (markets,
runners, sellers): `dispatch.kinds` runs the same loop for each, so the same file behaves
the same way whatever it holds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from dispatch.errors import DomainError, ValidationErrors
from dispatch.fleet import MARKETS, RUNNERS, read_market, read_runner
from dispatch.kinds import Kind, import_file
from dispatch.models import RunnerStatus, SellerVerification
from dispatch.seed import seed
from dispatch.sellers import SELLERS, seller_of
from dispatch.settings import Settings

SETTINGS = Settings()

#: Per kind: two rows of new things, then the first one again (line 4).
FILES: dict[str, tuple[str, ...]] = {
    "market": (
        "dinoyo,Pasar Dinoyo,,-7.944198,112.608198,05:00,12:00",
        "tlogomas,Pasar Tlogomas,,-7.932458,112.599253,,",
        "Dinoyo,Pasar Dinoyo Lagi,,-7.944198,112.608198,05:00,12:00",
    ),
    "runner": (
        "mergan,Wawan,0813-2222-3333,40,05:30,11:30",
        "gadang,Wawan,0813-2222-3333,,,",
        "mergan,Wawan Kedua,+62 813 2222 3333,30,,",
    ),
    "seller": (
        "sanan,Keripik Sanan,kuliner,makanan-minuman,0813-3300-1001,Jl. Sanan,-7.954129,"
        "112.644457,,,,",
        "kawi,Batik Kawi,umkm,kriya,0813-3300-1002,Jl. Kawi,-7.97,112.62,,sawojajar,08:00,16:00",
        "SANAN,Keripik Sanan Lagi,kuliner,makanan-minuman,0813-3300-1003,Jl. Sanan,-7.954129,"
        "112.644457,,,,",
    ),
}


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on a migrated database with the six seeded markets."""
    with Session(engine) as session:
        seed(session, settings=SETTINGS)
        yield session


@pytest.mark.parametrize("kind", [MARKETS, RUNNERS, SELLERS], ids=lambda kind: kind.name)
def test_every_kind_refuses_a_thing_named_twice_and_imports_its_file_twice_unchanged(
    session: Session, kind: Kind[Any]
) -> None:
    """The file's two things are added, the second naming of the first refused on its line
    (``<kind>.duplicate_row`` on the column that names it); the same file again keeps both
    and refuses the same line."""
    text = ",".join(kind.header) + "\n" + "\n".join(FILES[kind.name]) + "\n"
    first = import_file(session, kind, text, settings=SETTINGS)
    again = import_file(session, kind, text, settings=SETTINGS)
    refused = [(r.line, [(e.field, e.code) for e in r.errors]) for r in first.refused]
    assert refused == [(4, [(kind.unique, f"{kind.name}.duplicate_row")])]
    assert [line for line, _ in first.added] == [2, 3]
    assert (again.added, again.updated) == ([], [])
    assert [line for line, _ in again.unchanged] == [2, 3]
    assert [r.line for r in again.refused] == [4]


def test_a_preset_verifies_the_sellers_an_import_adds_and_keeps_the_stored_ones(
    session: Session,
) -> None:
    """``verified`` gives the sellers it adds their verification; a seller stored before
    keeps its own, the preset or not."""
    header = ",".join(SELLERS.header) + "\n"
    import_file(session, SELLERS, header + FILES["seller"][0] + "\n")
    report = import_file(
        session, SELLERS, header + "\n".join(FILES["seller"][:2]) + "\n", presets=["verified"]
    )
    assert [key for _, key in report.added] == ["kawi"]
    sanan, kawi = seller_of(session, "sanan"), seller_of(session, "kawi")
    assert sanan is not None
    assert kawi is not None
    assert (sanan.verification, kawi.verification) == (
        SellerVerification.PENDING,
        SellerVerification.VERIFIED,
    )


def test_an_update_reads_a_runners_status_and_a_markets_insertion_mode() -> None:
    """Beside the file's columns an update may carry a runner's status and a market's way of
    taking new orders; left empty, they stay as they are."""
    assert read_runner({"status": "off_duty"}, settings=SETTINGS, only=["status"]) == {
        "status": RunnerStatus.OFF_DUTY
    }
    assert read_runner({"status": ""}, settings=SETTINGS, only=["status"]) == {}
    assert read_market({"insertion": "review"}, only=["insertion"]) == {"insertion": "review"}
    assert read_market({"insertion": " "}, only=["insertion"]) == {}


def test_a_bad_status_is_reported_with_the_updates_other_faults() -> None:
    """An unknown status is refused on its field, beside a bad phone in the same update."""
    with pytest.raises(ValidationErrors) as caught:
        read_runner({"phone": "12", "status": "bogus"}, settings=SETTINGS, only=["phone", "status"])
    faults = [(e.field, e.code) for e in caught.value.errors]
    assert faults == [("phone", "order.invalid_phone"), ("status", "request.invalid_value")]
    with pytest.raises(DomainError) as alone:
        read_runner({"status": "bogus"}, settings=SETTINGS, only=["status"])
    assert (alone.value.field, alone.value.code) == ("status", "request.invalid_value")
