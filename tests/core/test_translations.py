"""The translation catalogues: the compiled .mo files are committed, so they must match their .po.

A fresh machine (Render's build, say) may have no GNU gettext to compile catalogues, so the
.mo files live in git beside their .po sources, and this test catches a .po edited without
running `make messages`.
"""

import re
from pathlib import Path

import polib
import pytest

from tests.support import BASE_DIR

CATALOGUES = sorted(BASE_DIR.glob("*/locale/*/LC_MESSAGES/django.po"))
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def name(path: Path) -> str:
    return str(path.relative_to(BASE_DIR))


class TestTranslations:
    def test_the_bot_and_the_join_page_have_russian_catalogues(self):
        assert [name(path) for path in CATALOGUES] == [
            "rooms/locale/ru/LC_MESSAGES/django.po",
            "telegrambot/locale/ru/LC_MESSAGES/django.po",
        ]

    @pytest.mark.parametrize("source", CATALOGUES, ids=name)
    def test_the_compiled_catalogue_matches_its_source(self, source):
        expected = {entry.msgid: entry.msgstr for entry in polib.pofile(source)}
        compiled = {entry.msgid: entry.msgstr for entry in polib.mofile(source.with_suffix(".mo"))}

        assert compiled == expected, "run `make messages` and commit the .mo file"

    @pytest.mark.parametrize("source", CATALOGUES, ids=name)
    def test_every_message_is_translated(self, source):
        catalogue = polib.pofile(source)

        assert [entry.msgid for entry in catalogue.untranslated_entries()] == []
        assert [entry.msgid for entry in catalogue.fuzzy_entries()] == []

    @pytest.mark.parametrize("source", CATALOGUES, ids=name)
    def test_translations_keep_the_placeholders(self, source):
        for entry in polib.pofile(source):
            assert sorted(PLACEHOLDER.findall(entry.msgstr)) == sorted(
                PLACEHOLDER.findall(entry.msgid)
            ), entry.msgid
