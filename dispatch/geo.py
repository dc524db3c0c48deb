"""Where a delivery can go: the Kota Malang service area, kelurahan names, optional geocoding.

The boundary and the kelurahan list are the packaged copies under ``dispatch/data/malang/``
(see its ``SOURCES.md``), read once on first use. Coordinates are WGS84 degrees; GeoJSON keeps
``[lon, lat]`` order, the functions here take ``(lat, lon)``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Final, Protocol

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

_DATA: Final = "data/malang"

GEOCODER_OFF: Final = frozenset({"", "off", "none", "no", "false", "0"})
"""Setting values (``ANTAR_GEOCODER``) that mean "no geocoder"; case-insensitive."""

#: Words that introduce a kelurahan in an address (``Kel. Sawojajar``, ``Kelurahan Bareng``).
_KELURAHAN_WORDS: Final = frozenset({"kel", "kelurahan", "desa", "ds"})
#: Words that introduce a kecamatan or a city: a name after them is not a kelurahan.
_OTHER_AREA_WORDS: Final = frozenset({"kec", "kecamatan", "kab", "kabupaten", "kota"})
#: Longest kelurahan name, in words, looked for in an address.
_MAX_NAME_WORDS: Final = 4


@dataclass(frozen=True)
class Kelurahan:
    """One kelurahan (urban village) of Kota Malang and its centroid (WGS84 degrees)."""

    code: str
    """Kemendagri code, e.g. ``35.73.03.1008``."""
    name: str
    """Official name, e.g. ``Oro-oro Dowo``."""
    kecamatan: str
    """Name of its kecamatan (district), e.g. ``Klojen``."""
    postal_code: str
    """Postal code (kode pos), e.g. ``65119``."""
    lat: float
    """Latitude of the polygon's centroid, degrees."""
    lon: float
    """Longitude of the polygon's centroid, degrees."""


def _read_text(name: str) -> str:
    return files("dispatch").joinpath(f"{_DATA}/{name}").read_text(encoding="utf-8")


@cache
def service_area() -> BaseGeometry:
    """The Kota Malang boundary polygon (lon/lat degrees), prepared for fast point tests."""
    collection = json.loads(_read_text("boundary.geojson"))
    geometry = shapely.union_all([shape(f["geometry"]) for f in collection["features"]])
    shapely.prepare(geometry)
    return geometry


def inside_city(lat: float, lon: float) -> bool:
    """Whether the point (``lat``, ``lon`` in degrees) lies in Kota Malang (edge included)."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return False
    return bool(shapely.intersects_xy(service_area(), lon, lat))


def outside_coordinate(lat: float, lon: float) -> str:
    """Which coordinate puts a point outside Kota Malang: ``"lon"`` when only the longitude
    lies outside the city's east-west extent, else ``"lat"`` (the latitude is off too, or
    the point is in the city's box but outside its boundary: the pair, named by lat)."""
    west, south, east, north = service_area().bounds
    return "lon" if south <= lat <= north and not west <= lon <= east else "lat"


@cache
def kelurahan_list() -> tuple[Kelurahan, ...]:
    """The 57 kelurahan of Kota Malang, in Kemendagri code order."""
    rows = csv.DictReader(io.StringIO(_read_text("kelurahan.csv")))
    return tuple(
        Kelurahan(
            code=row["kode_kelurahan"],
            name=row["kelurahan"],
            kecamatan=row["kecamatan"],
            postal_code=row["kode_pos"],
            lat=float(row["centroid_lat"]),
            lon=float(row["centroid_lon"]),
        )
        for row in rows
    )


def _words(text: str) -> list[str]:
    """Lower-case words of ``text``: every run of letters or digits (punctuation splits)."""
    return re.findall(r"[^\W_]+", text.casefold())


def _name_key(words: list[str]) -> str:
    """Words joined without spaces, doubled letters made single: ``Oro-oro`` -> ``ororo``."""
    return re.sub(r"(.)\1+", r"\1", "".join(words))


@cache
def _kelurahan_index() -> Mapping[str, Kelurahan]:
    """Each kelurahan under the `_name_key` of its name and alternative spelling."""
    rows = csv.DictReader(io.StringIO(_read_text("kelurahan.csv")))
    by_code = {k.code: k for k in kelurahan_list()}
    index: dict[str, Kelurahan] = {}
    for row in rows:
        kelurahan = by_code[row["kode_kelurahan"]]
        for name in (row["kelurahan"], row["kelurahan_alt_spelling"]):
            if name:
                index[_name_key(_words(name))] = kelurahan
    return index


def kelurahan_in(address: str | None) -> Kelurahan | None:
    """The kelurahan that a free-text address names, or ``None`` when it names none.

    Matching ignores case, punctuation, the spaces inside a name and doubled letters
    (``Oro-oro Dowo``, ``Ororo Dowo`` and ``oro oro dowo`` are one name) and only takes whole
    words (``Arjosari`` is not found in ``Balearjosari``). A name after ``Kec.``/``Kecamatan``
    or ``Kota`` is not a kelurahan. Of several names, one introduced by ``Kel.`` or
    ``Kelurahan`` wins, then the longest, then the first.
    """
    words = _words(address or "")
    index = _kelurahan_index()
    best: tuple[bool, int, int] | None = None
    found: Kelurahan | None = None
    for start in range(len(words)):
        before = words[start - 1] if start > 0 else ""
        if before in _OTHER_AREA_WORDS:
            continue
        for end in range(start + 1, min(start + _MAX_NAME_WORDS, len(words)) + 1):
            key = _name_key(words[start:end])
            kelurahan = index.get(key)
            if kelurahan is None:
                continue
            rank = (before in _KELURAHAN_WORDS, len(key), -start)
            if best is None or rank > best:
                best, found = rank, kelurahan
    return found


class Geocoder(Protocol):
    """Turns an address into a point; ``None`` when it finds nothing."""

    def locate(self, address: str) -> tuple[float, float] | None:
        """The ``(lat, lon)`` in degrees of ``address`` in Kota Malang, or ``None``."""
        ...


class NominatimGeocoder:
    """OpenStreetMap's Nominatim through geopy, limited to Indonesia (network; never in tests).

    Mind Nominatim's usage policy: at most one request a second and an identifying user agent.
    """

    def __init__(self, *, user_agent: str = "pasar-antar-malang", timeout_s: float = 10.0) -> None:
        from geopy.geocoders import Nominatim

        self._nominatim = Nominatim(user_agent=user_agent, timeout=timeout_s)

    def locate(self, address: str) -> tuple[float, float] | None:
        """The ``(lat, lon)`` in degrees Nominatim gives for ``address`` in Kota Malang.

        ``None`` when it finds nothing or cannot be reached.
        """
        from geopy.exc import GeopyError

        query = f"{address}, Kota Malang, Jawa Timur, Indonesia"
        try:
            location = self._nominatim.geocode(query, exactly_one=True, country_codes="id")
        except GeopyError:
            return None
        if location is None:
            return None
        return (float(location.latitude), float(location.longitude))


def geocoder_from_setting(value: str | None) -> Geocoder | None:
    """The geocoder that the setting ``ANTAR_GEOCODER`` selects, or ``None`` (the default).

    ``"nominatim"`` selects `NominatimGeocoder`; unset, empty or ``"off"`` selects none.
    Raises ``ValueError`` for any other value.
    """
    choice = (value or "").strip().casefold()
    if choice in GEOCODER_OFF:
        return None
    if choice == "nominatim":
        return NominatimGeocoder()
    msg = f"ANTAR_GEOCODER={value!r} is not a geocoder: use 'nominatim' or 'off'"
    raise ValueError(msg)
