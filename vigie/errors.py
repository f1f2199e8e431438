"""The root of every error Vigie raises on purpose.

An error a user reads carries a message key of the catalogue (vigie/locales/) and its
parameters; the edge that shows it renders it in the reader's language with
`message(lang)`: the screens in the user's language, the API in the requester's, the CLI
in the `language` setting. An error only an operator reads (a malformed setting or data
file, a backup that cannot be written) may carry a plain English text instead, shown as is
in every language. `str(error)` is the English rendering, for logs.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

LOG_LANGUAGE = "en"
Renderer = Callable[[str, str, Mapping[str, Any]], str]
_RENDERER: list[Renderer] = []


def use_renderer(render: Renderer) -> None:
    """Render keyed errors with `render(key, lang, params)`: `vigie.i18n` registers its catalogue when it is
    imported (the `vigie` package imports it first), so that errors need not import the catalogue, whose
    own errors are VigieErrors."""
    _RENDERER[:] = [render]


class VigieError(Exception):
    """Something Vigie refuses or cannot do, said so that the reader can act on it.

    `SomeError(key="errors.zone_name_missing", name=...)` for a message of the catalogue,
    `SomeError("plain English text")` for an operator's message.
    """

    def __init__(self, text: str = "", /, *, key: str | None = None, **params: Any) -> None:
        super().__init__(text if key is None else key)
        self.text = text
        self.key = key
        self.params = params

    def message(self, lang: str = "fr") -> str:
        """The error in `lang` (fr or en); a plain-text error reads the same in every language."""
        if self.key is None:
            return self.text
        return _RENDERER[0](self.key, lang, self.params) if _RENDERER else self.key

    def __str__(self) -> str:
        return self.message(LOG_LANGUAGE)


def error_message(error: BaseException, lang: str = "fr") -> str:
    """Any exception as a sentence in `lang`: a VigieError through the catalogue, anything else as it reads."""
    return error.message(lang) if isinstance(error, VigieError) else str(error)
