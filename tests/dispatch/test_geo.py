"""The Kota Malang service area, kelurahan found in addresses, and the geocoder switch."""

from __future__ import annotations

import math

import pytest

from dispatch.geo import (
    NominatimGeocoder,
    geocoder_from_setting,
    inside_city,
    kelurahan_in,
    kelurahan_list,
    service_area,
)

ALUN_ALUN = (-7.9826, 112.6308)
SURABAYA = (-7.2575, 112.7521)


def test_alun_alun_is_inside_the_city() -> None:
    """The alun-alun, in the middle of Malang, is in the service area."""
    assert inside_city(*ALUN_ALUN)


def test_surabaya_is_outside_the_city() -> None:
    """Surabaya, 80 km north, is not."""
    assert not inside_city(*SURABAYA)


def test_swapped_coordinates_are_outside() -> None:
    """A point with lat and lon swapped lies nowhere near Malang."""
    lat, lon = ALUN_ALUN
    assert not inside_city(lon, lat)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_coordinates_are_outside(value: float) -> None:
    """NaN and infinities are never inside the city."""
    assert not inside_city(value, ALUN_ALUN[1])
    assert not inside_city(ALUN_ALUN[0], value)


def test_batu_just_west_of_the_city_is_outside() -> None:
    """Kota Batu's alun-alun, about 12 km west, is outside Kota Malang."""
    assert not inside_city(-7.8713, 112.5265)


def test_boundary_is_loaded_once() -> None:
    """The service area is read once and then shared."""
    assert service_area() is service_area()


def test_every_kelurahan_centroid_is_inside_the_city() -> None:
    """All 57 kelurahan of Kota Malang have their centroid in the service area."""
    kelurahan = kelurahan_list()
    assert len(kelurahan) == 57
    assert all(inside_city(k.lat, k.lon) for k in kelurahan)


@pytest.mark.parametrize(
    ("address", "name"),
    [
        ("Jl. Guntur 20, Oro-oro Dowo, Klojen", "Oro-oro Dowo"),
        ("Jl Ijen, ororo dowo", "Oro-oro Dowo"),
        ("Oro Oro Dowo", "Oro-oro Dowo"),
        ("OROORODOWO", "Oro-oro Dowo"),
        ("Jl. Danau Toba, Kel. Sawojajar", "Sawojajar"),
        ("jl danau toba kelurahan:sawojajar", "Sawojajar"),
        ("Perum Rampal Celaket blok C", "Rampalcelaket"),
        ("gading-kasri", "Gading Kasri"),
        ("Gadingkasri", "Gading Kasri"),
        ("Tasikmadu, Lowokwaru", "Tasik Madu"),
        ("Jl. Kota Lama 5", "Kotalama"),
        ("Balearjosari", "Balearjosari"),
    ],
)
def test_kelurahan_named_in_address_is_found(address: str, name: str) -> None:
    """Case, punctuation, spacing and spelling variants of a kelurahan name all match."""
    found = kelurahan_in(address)
    assert found is not None
    assert found.name == name


def test_match_is_whole_words_only() -> None:
    """A kelurahan inside a longer word (Arjosari in Balearjosari) does not match."""
    found = kelurahan_in("dekat Balearjosari")
    assert found is not None
    assert found.name == "Balearjosari"
    assert kelurahan_in("Jl. Bumiayunan 3") is None


def test_kelurahan_prefix_wins_over_a_longer_name() -> None:
    """Kel. Bareng wins over Kedungkandang, which is longer but not marked as kelurahan."""
    found = kelurahan_in("Jl. Kedungkandang 2, Kel. Bareng")
    assert found is not None
    assert found.name == "Bareng"


def test_longest_name_wins_without_prefix() -> None:
    """Of two names in the address, the longer one is taken."""
    found = kelurahan_in("Jl. Bareng Raya, Bandungrejosari")
    assert found is not None
    assert found.name == "Bandungrejosari"


def test_kecamatan_and_city_names_are_not_kelurahan() -> None:
    """A name after Kec. (Klojen) or Kota (Malang) does not place the order."""
    assert kelurahan_in("Jl. Mawar 3, Kec. Klojen, Kota Malang") is None


def test_kecamatan_is_skipped_but_kelurahan_is_found() -> None:
    """Sawojajar is found although Kec. Kedungkandang, a longer name, follows it."""
    found = kelurahan_in("Jl. Danau Toba, Sawojajar, Kec. Kedungkandang")
    assert found is not None
    assert found.name == "Sawojajar"


@pytest.mark.parametrize("address", ["", None, "Jl. Raya Darmo, Surabaya", "rumah pak RT"])
def test_address_without_kelurahan_gives_none(address: str | None) -> None:
    """An address naming no kelurahan of Malang is not placed."""
    assert kelurahan_in(address) is None


def test_found_kelurahan_carries_its_centroid() -> None:
    """The kelurahan found comes with its centroid in degrees."""
    found = kelurahan_in("Kel. Sawojajar")
    assert found is not None
    assert (found.lat, found.lon) == pytest.approx((-7.9741, 112.657115))
    assert found.kecamatan == "Kedungkandang"


@pytest.mark.parametrize("setting", [None, "", "off", "OFF", " none "])
def test_geocoder_is_off_unless_selected(setting: str | None) -> None:
    """Unset, empty or "off" means no geocoder."""
    assert geocoder_from_setting(setting) is None


def test_nominatim_is_selected_by_setting() -> None:
    """ "nominatim" builds the Nominatim geocoder (without contacting it)."""
    assert isinstance(geocoder_from_setting("nominatim"), NominatimGeocoder)


def test_unknown_geocoder_setting_is_refused() -> None:
    """A misspelt setting fails loudly instead of silently switching geocoding off."""
    with pytest.raises(ValueError, match="ANTAR_GEOCODER"):
        geocoder_from_setting("google")
