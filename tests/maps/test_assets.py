"""Tests of maps.assets: the files the application serves for the maps."""

from __future__ import annotations

import re

from maps import ASSET_LICENCES, asset_files, asset_urls, map_html, runner_map
from tests.maps.factories import ASSETS_URL, RENDER, resource_urls, route, stop


def test_asset_files_exist() -> None:
    """Every served path is an existing, non-empty file."""
    files = asset_files()
    assert {"leaflet/leaflet.js", "leaflet/leaflet.css"} <= files.keys()
    for path in files.values():
        assert path.is_file()
        assert path.stat().st_size > 0


def test_stylesheet_images_are_served() -> None:
    """Each image the stylesheet refers to is served beside it."""
    files = asset_files()
    css = files["leaflet/leaflet.css"].read_text(encoding="utf-8")
    images = set(re.findall(r"url\((images/[^)]+)\)", css))
    assert images
    assert {f"leaflet/{image}" for image in images} <= files.keys()


def test_page_references_only_served_assets() -> None:
    """Every asset URL a rendered page loads is one of asset_files()."""
    document = map_html(runner_map(route(stop(1)), **RENDER))
    served = {f"{ASSETS_URL}/{key}" for key in asset_files()}
    assert set(resource_urls(document)) <= served


def test_asset_urls_ignore_trailing_slash() -> None:
    """The base URL may end with a slash."""
    assert asset_urls("/static/maps/") == asset_urls("/static/maps")


def test_leaflet_version_and_licence() -> None:
    """The served Leaflet is the one the licence text names."""
    js = asset_files()["leaflet/leaflet.js"].read_text(encoding="utf-8")
    assert "Leaflet 1.9.3" in js[:300]
    assert "BSD 2-Clause" in ASSET_LICENCES
    assert "xstatic-leaflet" in ASSET_LICENCES
