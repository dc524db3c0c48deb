"""The self-hosted browser assets the maps need: Leaflet's script, stylesheet and images.

The maps load nothing from another host except the map tiles. The files come from the PyPI
package `xstatic-leaflet` (Leaflet 1.9.3, unmodified, under `xstatic/pkg/leaflet/data/`);
the application serves them under one base URL (its `assets_url`, e.g. `/static/maps`),
so that `{assets_url}/leaflet/leaflet.js` is Leaflet's script. The stylesheet refers to its
images relatively (`images/layers.png`), so keep the layout of `asset_files()` as it is.
"""

from __future__ import annotations

from pathlib import Path

import xstatic.pkg.leaflet as xstatic_leaflet

LEAFLET_VERSION = "1.9.3"
"""The version of Leaflet that `xstatic-leaflet` ships and the maps are written for."""

LEAFLET_JS = "leaflet/leaflet.js"
"""URL-relative path of Leaflet's script (minified, 146,715 bytes)."""

LEAFLET_CSS = "leaflet/leaflet.css"
"""URL-relative path of Leaflet's stylesheet (14,657 bytes)."""

MAP_JS = "antar/map.js"
"""URL-relative path of the script that draws the maps' data blocks (`maps/static/map.js`)."""

ASSET_LICENCES = f"""\
Leaflet {LEAFLET_VERSION} (https://leafletjs.com), served under <assets_url>/leaflet/.
Taken unmodified from the PyPI package xstatic-leaflet 1.9.3.0 (XStatic packaging of the
Leaflet release; files under xstatic/pkg/leaflet/data/). Licence: BSD-2-Clause.

BSD 2-Clause License

Copyright (c) 2010-2022, Vladimir Agafonkin
Copyright (c) 2010-2011, CloudMade
All rights reserved.

Redistribution and use in source and binary forms, with or without modification, are
permitted provided that the following conditions are met:

1. Redistributions of source code must retain the above copyright notice, this list of
   conditions and the following disclaimer.

2. Redistributions in binary form must reproduce the above copyright notice, this list
   of conditions and the following disclaimer in the documentation and/or other materials
   provided with the distribution.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY
EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF
MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE
COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL,
EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF
SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION)
HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR
TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS
SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.

Everything else the maps need (numbered markers, market and runner markers, styles, the
script that draws them) is written in this package (maps/render.py, maps/static/map.js):
no other third-party script, stylesheet, font or image is loaded. Map tiles come from the
configured tile server under its own terms; its attribution is shown on every map.
"""
"""Where the served assets come from and their licence texts, for an about or licences page."""

_LEAFLET_FILES = (
    "leaflet.js",
    "leaflet.js.map",
    "leaflet.css",
    "images/layers.png",
    "images/layers-2x.png",
    "images/marker-icon.png",
    "images/marker-icon-2x.png",
    "images/marker-shadow.png",
)


def leaflet_dir() -> Path:
    """Return the folder that holds Leaflet's files (`leaflet.js`, `leaflet.css`, `images/`)."""
    return Path(xstatic_leaflet.BASE_DIR)


def map_script_dir() -> Path:
    """Return the folder of this package's own script (`map.js`), served as `antar/`."""
    return Path(__file__).resolve().parent / "static"


def asset_files() -> dict[str, Path]:
    """Map each URL-relative asset path to the file on disk that answers it.

    Keys are relative to the application's `assets_url` (`leaflet/leaflet.js`,
    `leaflet/leaflet.css`, `leaflet/images/layers.png`, ...); serve exactly these and
    nothing else of the folder. The source map `leaflet/leaflet.js.map` is only fetched by
    browser developer tools.
    """
    base = leaflet_dir()
    files = {f"leaflet/{name}": base / name for name in _LEAFLET_FILES}
    files[MAP_JS] = map_script_dir() / "map.js"
    return files


def asset_urls(assets_url: str) -> tuple[list[str], list[str]]:
    """Return Leaflet's script and stylesheet URLs, which a page with a map loads in its
    head (each map's data block is followed by `MAP_JS`, see `maps.render.map_fragment`).

    `assets_url` is the base URL the application serves `asset_files()` under
    (e.g. `/static/maps`; a trailing slash is ignored). Returns `(scripts, stylesheets)`.
    """
    base = assets_url.rstrip("/")
    return [f"{base}/{LEAFLET_JS}"], [f"{base}/{LEAFLET_CSS}"]
