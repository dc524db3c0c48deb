"""A detector of text in the wrong language, for the pages and the command line.

What a person sees of a page: its text nodes and the attributes a browser shows (``title``,
``placeholder``, ``aria-label``, ``alt``, ``value`` of buttons, ``data-confirm`` for the
confirmation dialog), the ``<title>``, and the map's pop-ups and tooltips (HTML strings in
the map's script: ``bindPopup("...")``). ``<script>`` and ``<style>`` are not read otherwise.
Skipped on purpose: elements marked ``translate="no"`` (order ids, tokens, links: codes a
person may need to copy), elements whose ``lang`` says they speak the other language on
purpose (the link that switches language), and quotations inside a text (``"..."``: a
person's input, a system's own words, an API field's name, quoted by the message).

A text leaks when, for a page in language ``lang``, it holds:

- a raw code: a ``snake_case`` word (``not_at_home``) or a dotted code
  (``order.invalid_transition``);
- a word of the other language's stop-word list (``the``, ``weighs``, ``min`` on an
  Indonesian page; ``yang``, ``pesanan``, ``menit`` on an English one);
- a fragment of the other language's catalogue messages (the words between placeholders, at
  least two words long, and not also words of the page's own language's catalogue).

Proper names, units and codes that read the same in both languages (Pasar Sawojajar, Rp, kg,
km, WIB, COD, QRIS, WhatsApp, dispatch, status, token, shift) are not on the lists.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser

from dispatch.i18n import LANGS, Lang, catalogue_texts


def _wordlist(words: str) -> frozenset[str]:
    return frozenset(words.split())


#: Words that are not Bahasa Indonesia (loanwords the UI uses on purpose are left out).
ENGLISH_WORDS = _wordlist(
    """
    the of and or is are was not to with for from by at on in no yes this that these those
    it its be been has have had will would can cannot could should may must than then
    min mins hr hrs mi miles mile ft feet
    weighs weight takes take runner runners order orders market markets created imported
    import duplicate duplicates refused dropped failed delivered pending assigned cancelled
    picked collected route routes trip trips arrival vehicle served distance wall error
    errors already nothing changed written revoked unknown invalid line report expected
    difference planned none day date customer home address phone found time window hour
    hours minute minutes ago just now seconds run runs show list upgraded revision database
    empty cash paid collect because reason reasons open done left waiting queued running
    finished started sign back save edit cancel search filter new other not_found command
    usage arguments argument required choose choice
    """
)

#: Words that are Bahasa Indonesia, not English (names of places and people are left out).
INDONESIAN_WORDS = _wordlist(
    """
    yang dan di ke dari untuk tidak belum sudah dengan pesanan kurir menit jam tagih lunas
    gagal terkirim tanggal perjalanan antaran pelanggan alamat barang berat bayar catatan
    tiba lokasi rumah baris tautan hari ini itu atau harus bisa selesai menunggu dibatalkan
    diambil dikirim terjadwal melebihi kapasitas rute jarak posisi lalu baru saja pilih
    kembali keluar masuk simpan ubah batalkan tindakan laporan selisih diterima seharusnya
    dibuat dibaca ditolak sesi detik sedang dijadwalkan perkiraan uang tunai oleh pukul
    """
)

#: A raw code: snake_case, or dotted words (``order.invalid_transition``, ``link.expired``).
RAW_CODE = re.compile(
    r"(?<![\w./:@-])(?:[a-z]+(?:_[a-z0-9]+)+|[a-z]{2,}(?:_[a-z]+)*(?:\.[a-z]{2,}(?:_[a-z]+)*)+)"
    r"(?![\w/:@-]|\.[a-z])"
)
#: A quotation: a person's input or a system's own words, quoted as such in a message.
QUOTED = re.compile(r'"[^"]*"|\'[^\']*\'|“[^”]*”')
#: Things that look like codes but are a person's tools: file names, hosts, paths.
_NOT_CODES = re.compile(r"\.(?:csv|json|geojson|gpx|txt|db|js|css|html|png)$|^(?:wa\.me)$")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
#: Attributes a browser shows to the person using the page.
_SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "data-confirm", "label")
#: Elements whose content is never shown as text.
_HIDDEN = frozenset({"script", "style", "noscript", "template"})
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
#: The map's pop-ups and tooltips, JSON strings in the map's script.
_BIND = re.compile(r"\.bind(?:Popup|Tooltip)\(\s*(\"(?:[^\"\\]|\\.)*\")")


@dataclass
class _Visible(HTMLParser):
    """Collects the visible texts of an HTML document (see the module's docstring)."""

    page_lang: str = "id"
    texts: list[str] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    _stack: list[tuple[str, bool, bool]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    @property
    def _skipping(self) -> bool:
        return any(skip for _, skip, _ in self._stack)

    @property
    def _in_script(self) -> bool:
        return any(script for _, _, script in self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        own_lang = values.get("lang", "").split("-")[0]
        skip = (
            tag in _HIDDEN
            or values.get("translate") == "no"
            or (tag != "html" and own_lang not in ("", self.page_lang))
            or "hidden" in values
        )
        if tag == "html" and own_lang:
            self.page_lang = own_lang
        if not (skip or self._skipping):
            for name in _SHOWN_ATTRIBUTES:
                if values.get(name):
                    self.texts.append(values[name])
            if (
                tag == "input"
                and values.get("type") in ("submit", "button")
                and values.get("value")
            ):
                self.texts.append(values["value"])
        if tag not in _VOID:
            self._stack.append((tag, skip, tag == "script"))

    def handle_endtag(self, tag: str) -> None:
        for k in range(len(self._stack) - 1, -1, -1):
            if self._stack[k][0] == tag:
                del self._stack[k:]
                return

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)
        elif not self._skipping and data.strip():
            self.texts.append(data)


def visible_texts(html: str) -> list[str]:
    """The texts a person sees of ``html``, the map's pop-ups and tooltips included."""
    parser = _Visible()
    parser.feed(html)
    parser.close()
    texts = list(parser.texts)
    for script in parser.scripts:
        for literal in _BIND.findall(script):
            inner = _Visible(page_lang=parser.page_lang)
            inner.feed(json.loads(literal))
            inner.close()
            texts.extend(inner.texts)
    return [" ".join(text.split()) for text in texts]


def page_lang(html: str) -> str:
    """The ``lang`` of the page's ``<html>`` element (``""`` when it has none)."""
    match = re.search(r"<html[^>]*\blang=\"([^\"]*)\"", html)
    return match.group(1) if match else ""


@cache
def _fragments(lang: Lang) -> tuple[str, ...]:
    """Phrases only ``lang``'s catalogue has: the words between placeholders of its
    messages, two words or more, that no message of the other language also contains."""
    other: Lang = "en" if lang == "id" else "id"
    own_text = " \n ".join(catalogue_texts(other)).casefold()
    found = set()
    for message in catalogue_texts(lang):
        for piece in _PLACEHOLDER.split(message):
            words = _WORD.findall(piece)
            phrase = " ".join(words).casefold()
            if len(words) >= 2 and len(phrase) >= 8 and phrase not in own_text:
                found.add(phrase)
    return tuple(sorted(found, key=len, reverse=True))


def leaks(texts: Iterable[str], lang: Lang) -> list[str]:
    """Each text of ``texts`` (for a reader of ``lang``) that holds a raw code or words of
    the other language, with what was found."""
    other: Lang = "en" if lang == "id" else "id"
    stop_words = ENGLISH_WORDS if lang == "id" else INDONESIAN_WORDS
    fragments = _fragments(other)
    found = []
    for text in texts:
        unquoted = QUOTED.sub(" ", text)
        reasons = [f"code {code!r}" for code in _codes(unquoted)]
        words = [w.casefold() for w in _WORD.findall(unquoted)]
        reasons += [f"word {w!r}" for w in dict.fromkeys(words) if w in stop_words]
        joined = " ".join(words)
        padded = f" {joined} "
        reasons += [f"phrase {f!r}" for f in fragments if f" {f} " in padded]
        if reasons:
            found.append(f"{text!r}: {', '.join(reasons)}")
    return found


def _codes(text: str) -> Iterator[str]:
    for match in RAW_CODE.finditer(text):
        code = match.group(0)
        if not _NOT_CODES.search(code):
            yield code


def check_langs() -> tuple[Lang, ...]:
    """The languages every surface is checked in."""
    return LANGS
