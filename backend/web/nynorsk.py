"""Nynorsk for the texts of the server-rendered pages, keyed by their bokmål form (see backend/web/i18n.py;
tests/backend/test_nynorsk.py fails when a template's text is missing here). A text spelt the same in both
is listed too, so a missing one is told apart from one that needs no change."""

from __future__ import annotations

NYNORSK: dict[str, str] = {}
