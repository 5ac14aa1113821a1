"""Translation of user-facing messages through gettext (zh-CN first, en second).

The core stays free of the rest of Tanji, so the catalogue lookup lives here, in the
standard library only. The faces choose the language with :func:`set_language`.
"""

from __future__ import annotations

import gettext as _gettext
from contextvars import ContextVar
from importlib.resources import files

DOMAIN = "tanji"
LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"

_current: ContextVar[str] = ContextVar("tanji_language", default=DEFAULT_LANGUAGE)
_catalogues: dict[str, _gettext.NullTranslations] = {}


def _catalogue(language: str) -> _gettext.NullTranslations:
    if language not in _catalogues:
        localedir = str(files("tanji") / "locale")
        _catalogues[language] = _gettext.translation(
            DOMAIN, localedir=localedir, languages=[language], fallback=True
        )
    return _catalogues[language]


def normalise_language(value: str | None) -> str:
    """Map 'zh', 'zh-CN', 'zh_CN.UTF-8', 'en_US' … onto a supported catalogue."""
    if not value:
        return DEFAULT_LANGUAGE
    code = value.split(".")[0].replace("-", "_").lower()
    if code.startswith("zh"):
        return "zh_CN"
    if code.startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


def set_language(language: str | None) -> str:
    """Use ``language`` for messages in this context; returns the catalogue chosen."""
    chosen = normalise_language(language)
    _current.set(chosen)
    return chosen


def current_language() -> str:
    return _current.get()


def in_language(zh: str | None, en: str | None) -> str:
    """A text stored in both languages, in the current one (else the other one)."""
    first, second = (zh, en) if _current.get() == "zh_CN" else (en, zh)
    return first or second or ""


def gettext(message: str) -> str:
    """Translate ``message`` (written in English, the msgid) into the current language."""
    return _catalogue(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message whose wording depends on the count ``n``."""
    return _catalogue(_current.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for extraction only; it is translated later, through a variable.

    Use it where a string is defined (a table of labels) and call ``_()`` where it is shown.
    """
    return message


def reload_catalogues() -> None:
    """Forget the loaded catalogues, so freshly compiled ``.mo`` files are read (tools, tests)."""
    _catalogues.clear()


_ = gettext
