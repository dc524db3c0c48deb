"""One timing of the three CSV imports, for `bench.imports`: run with ``runpy`` from the tree
under test (its working directory first on ``sys.path``), so it uses only names every tree
since the sellers landed has (`dispatch.fleet.import_market_file`, `import_runner_file`,
`dispatch.sellers.import_seller_file`).

Arguments: ROWS, a file to write the JSON result to. On a fresh SQLite database with the six
markets seeded, it imports ROWS markets, ROWS runners (of the seeded markets) and ROWS
sellers, each file twice (the second time nothing changes), and writes each import's wall
time in seconds, the SQL statements it sent and its counts of rows; then does the same on a
fresh database under ``cProfile`` and writes the Python function calls each import made.
"""

import cProfile
import json
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

import dispatch
from dispatch.db import make_engine, upgrade
from dispatch.fleet import import_market_file, import_runner_file
from dispatch.seed import seed
from dispatch.sellers import import_seller_file
from dispatch.settings import Settings

MARKETS = ("sawojajar", "gadang", "oro-oro-dowo", "bareng", "mergan", "tawangmangu")


def _spot(k: int) -> tuple[float, float]:
    """A place inside Kota Malang, around its centre (within about 2 km)."""
    return -7.98 + ((k * 37) % 41 - 20) / 1000, 112.63 + ((k * 53) % 41 - 20) / 1000


def files(rows: int) -> dict[str, str]:
    """The three CSVs' texts."""
    markets = ["code,name,address,lat,lon,opens,closes"]
    runners = ["market,name,phone,capacity_kg,shift_start,shift_end"]
    sellers = ["code,name,cluster,category,phone,address,lat,lon,nib,market,opens,closes"]
    for k in range(rows):
        lat, lon = _spot(k)
        markets.append(f"bench-{k},Pasar Bench {k},Jl. Bench {k},{lat},{lon},05:00,12:00")
        runners.append(f"{MARKETS[k % 6]},Kurir {k},0813-56{k:02d}-{k:04d},40,05:30,11:30")
        sellers.append(
            f"toko-{k},Toko {k},umkm,kriya,0813-57{k:02d}-{k:04d},Jl. Toko {k},{lat},{lon},,"
            f"{MARKETS[k % 6] if k % 2 else ''},07:00,17:00"
        )
    return {
        "markets": "\n".join(markets),
        "runners": "\n".join(runners),
        "sellers": "\n".join(sellers),
    }


def _imports(settings: Settings) -> dict[str, Callable[[Session, str], Any]]:
    return {
        "markets": lambda s, t: import_market_file(s, t),
        "runners": lambda s, t: import_runner_file(s, t, settings=settings),
        "sellers": lambda s, t: import_seller_file(s, t),
    }


def _database(tmp: str, name: str, settings: Settings) -> Engine:
    engine = make_engine(f"sqlite:///{Path(tmp) / name}")
    upgrade(engine)
    with Session(engine) as session:
        seed(session, settings=settings)
    return engine


def main() -> None:
    rows, out = int(sys.argv[1]), Path(sys.argv[2])
    settings = Settings()
    texts = files(rows)
    result: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="imports-bench-") as tmp:
        # Timed, each SQL statement counted.
        engine = _database(tmp, "timed.db", settings)
        sent = [0]

        def count(*_args: object) -> None:
            sent[0] += 1

        event.listen(engine, "before_cursor_execute", count)
        for kind, run in _imports(settings).items():
            for attempt in ("first", "again"):
                sent[0] = 0
                with Session(engine) as session:
                    start = time.perf_counter()
                    report = run(session, texts[kind])
                    session.commit()
                    wall = time.perf_counter() - start
                counts = (len(report.added), len(report.updated), len(report.unchanged))
                result[f"{kind} {attempt}"] = {
                    "wall_s": wall,
                    "statements": sent[0],
                    "counts": [*counts, len(report.refused)],
                }
        engine.dispose()
        # The same again on a fresh database, each Python function call counted.
        engine = _database(tmp, "profiled.db", settings)
        for kind, run in _imports(settings).items():
            for attempt in ("first", "again"):
                profile = cProfile.Profile()
                with Session(engine) as session:
                    profile.runcall(run, session, texts[kind])
                    session.commit()
                result[f"{kind} {attempt}"]["calls"] = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
        engine.dispose()
    document = {"dispatch": str(Path(dispatch.__file__).parent), **result}
    out.write_text(json.dumps(document), encoding="utf-8")


if __name__ == "__main__":
    main()
