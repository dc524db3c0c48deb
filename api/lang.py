"""Which language a request wants: the one function every page and error answer asks.

``?lang=id|en`` first (a page remembers it in a cookie), then that cookie, then the
``Accept-Language`` header's preference between Indonesian and English, else Bahasa
Indonesia. The words themselves are `dispatch.i18n`'s.
"""

from __future__ import annotations

from typing import Final

from fastapi import Request

from dispatch.i18n import Lang, Translator, choose_lang

__all__ = ["LANG_COOKIE", "request_lang", "translator"]

#: The cookie that remembers the language chosen with ``?lang=`` (console pages set it).
LANG_COOKIE: Final = "antar_lang"


def request_lang(request: Request) -> Lang:
    """``?lang=`` if it names a language we speak, else the remembered choice, else the
    language ``Accept-Language`` prefers (Indonesian or English), else Indonesian."""
    return choose_lang(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        accept_language=request.headers.get("accept-language"),
    )


def translator(request: Request) -> Translator:
    """The words and formats of the request's language."""
    return Translator(request_lang(request))
