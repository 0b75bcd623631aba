"""The interface exists in Spanish, French and Portuguese, and every string of it is translated.

The catalogues live in frontend/locale/<lang>/LC_MESSAGES/django.po (and the compiled .mo next to
them, checked in so that a fresh clone runs without gettext). These tests read the .po files with a
small parser of their own, so they need nothing beyond Django; only the freshness check needs GNU
gettext (xgettext, msguniq, msgmerge), as `makemessages` does.
"""

from __future__ import annotations

import io
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse

from tests import factories
from tests.conftest import missing_service

TRANSLATED = ("es", "fr", "pt")
LOCALE_DIR = Path(django_settings.BASE_DIR) / "frontend" / "locale"

# The same patterns as the documented invocation:
#   manage.py makemessages -l es -l fr -l pt --ignore=.venv --ignore=tests --ignore=bench --ignore=var
#       --ignore="polls/core/*" --ignore="assemblies/core/*" --ignore=polls/verify.py --ignore=node_modules
# polls/core, assemblies/core and polls/verify.py are pure and English-only by design.
IGNORE = [".venv", "tests", "bench", "var", "polls/core/*", "assemblies/core/*", "polls/verify.py", "node_modules"]

PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")

PLURAL_FORMS = {
    "es": "nplurals=2; plural=(n != 1);",
    "fr": "nplurals=2; plural=(n > 1);",
    "pt": "nplurals=2; plural=(n != 1);",
}


# -- a small .po parser ------------------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    def forms(self) -> list[str]:
        if self.msgid_plural is None:
            return [self.msgstr]
        return [self.msgstr_plural[n] for n in sorted(self.msgstr_plural)]


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def _unquote(text: str, path: str, number: int) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"{path}:{number}: expected a quoted string, got {text!r}")
    body, out, index = text[1:-1], [], 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body):
            out.append(_ESCAPES.get(body[index + 1], body[index + 1]))
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)


def parse_po(path: Path) -> tuple[Entry, list[Entry]]:
    """(header entry, other entries) of a .po file; obsolete `#~` entries are left out."""
    return parse_po_text(path.read_text(encoding="utf-8"), str(path))


def parse_po_text(text: str, path: str = "<po>") -> tuple[Entry, list[Entry]]:
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None
    pending_flags: set[str] = set()
    seen_msgstr = False

    def finish():
        nonlocal current, seen_msgstr
        if current is not None:
            entries.append(current)
        current, seen_msgstr = None, False

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            target = None
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            if current is not None and seen_msgstr:
                finish()
            pending_flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith("#"):
            if current is not None and seen_msgstr:
                finish()
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            if current is None or target is None:
                raise ValueError(f"{path}:{number}: continuation line outside an entry")
            name, index = target
            value = _unquote(line, path, number)
            if name == "msgstr_plural":
                current.msgstr_plural[index] += value
            else:
                setattr(current, name, getattr(current, name) + value)
            continue
        if keyword in ("msgctxt", "msgid") and (current is None or seen_msgstr or keyword == "msgctxt"):
            finish()
            current = Entry(flags=pending_flags, line=number)
            pending_flags = set()
        if current is None:
            raise ValueError(f"{path}:{number}: unexpected line {raw!r}")
        value = _unquote(rest, path, number)
        if keyword == "msgctxt":
            current.msgctxt, target = value, ("msgctxt", None)
        elif keyword == "msgid":
            current.msgid, target = value, ("msgid", None)
        elif keyword == "msgid_plural":
            current.msgid_plural, target = value, ("msgid_plural", None)
        elif keyword == "msgstr":
            current.msgstr, target, seen_msgstr = value, ("msgstr", None), True
        elif match := re.fullmatch(r"msgstr\[(\d+)\]", keyword):
            index = int(match.group(1))
            current.msgstr_plural[index] = value
            target, seen_msgstr = ("msgstr_plural", index), True
        else:
            raise ValueError(f"{path}:{number}: unknown keyword {keyword!r}")
    finish()

    headers = [entry for entry in entries if entry.msgid == "" and entry.msgctxt is None]
    assert len(headers) == 1, f"{path}: expected one header entry"
    return headers[0], [entry for entry in entries if entry is not headers[0]]


def header_fields(header: Entry) -> dict[str, str]:
    fields = {}
    for line in header.msgstr.splitlines():
        name, _, value = line.partition(":")
        fields[name.strip()] = value.strip()
    return fields


def catalogue(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"


def describe(entry: Entry) -> str:
    context = f" [context {entry.msgctxt!r}]" if entry.msgctxt else ""
    return f"line {entry.line}: {entry.msgid!r}{context}"


# -- the catalogues ----------------------------------------------------------------------------------


def test_the_parser_reads_what_it_must():
    text = (
        '# comment\nmsgid ""\nmsgstr ""\n"Language: fr\\n"\n"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n\n'
        '#: a.py:1\n#, python-format\nmsgid "Hello %(name)s"\nmsgstr "Bonjour "\n"%(name)s"\n\n'
        '#, fuzzy\nmsgctxt "verb"\nmsgid "one \\"x\\""\nmsgid_plural "many"\nmsgstr[0] "un"\nmsgstr[1] ""\n\n'
        '#~ msgid "gone"\n#~ msgstr "parti"\n'
    )
    header, entries = parse_po_text(text)
    assert header_fields(header)["Language"] == "fr"
    assert [entry.msgid for entry in entries] == ["Hello %(name)s", 'one "x"']
    assert entries[0].msgstr == "Bonjour %(name)s" and entries[0].flags == {"python-format"}
    assert entries[1].msgctxt == "verb" and entries[1].msgid_plural == "many"
    assert entries[1].forms() == ["un", ""] and "fuzzy" in entries[1].flags


@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalogue_has_the_right_header(lang):
    header, entries = parse_po(catalogue(lang))
    fields = header_fields(header)
    assert fields.get("Language") == lang
    assert fields.get("Plural-Forms") == PLURAL_FORMS[lang]
    assert "charset=UTF-8" in fields.get("Content-Type", "")
    assert "fuzzy" not in header.flags, f"{lang}: the header is still marked fuzzy"
    assert len(entries) > 100, f"{lang}: the catalogue looks empty"
    assert (catalogue(lang).with_suffix(".mo")).exists(), f"{lang}: the compiled django.mo is missing"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(lang):
    _, entries = parse_po(catalogue(lang))
    untranslated = [describe(e) for e in entries if not all(form.strip() for form in e.forms())]
    fuzzy = [describe(e) for e in entries if "fuzzy" in e.flags]
    wrong_plurals = [describe(e) for e in entries if e.msgid_plural is not None and sorted(e.msgstr_plural) != [0, 1]]
    assert not untranslated, f"{lang}: {len(untranslated)} untranslated: " + "; ".join(untranslated[:20])
    assert not fuzzy, f"{lang}: {len(fuzzy)} fuzzy: " + "; ".join(fuzzy[:20])
    assert not wrong_plurals, f"{lang}: plural forms must be msgstr[0] and msgstr[1]: " + "; ".join(wrong_plurals)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_placeholders_and_markup_are_kept(lang):
    _, entries = parse_po(catalogue(lang))
    problems = []
    for entry in entries:
        if entry.msgid_plural is None:
            pairs = [(entry.msgid, entry.msgstr)]
        else:
            # msgstr[0] answers the singular, the others the plural.
            pairs = [(entry.msgid, entry.msgstr_plural.get(0, ""))]
            pairs += [(entry.msgid_plural, text) for n, text in sorted(entry.msgstr_plural.items()) if n]
        for source, translation in pairs:
            if set(PLACEHOLDER.findall(source)) != set(PLACEHOLDER.findall(translation)):
                problems.append(f"{describe(entry)} -> {translation!r} (placeholders)")
            if re.findall(r"</?\w+", source) != re.findall(r"</?\w+", translation):
                problems.append(f"{describe(entry)} -> {translation!r} (HTML tags)")
            if source.count("\n") != translation.count("\n"):
                problems.append(f"{describe(entry)} -> {translation!r} (line breaks)")
    assert not problems, f"{lang}: " + "\n".join(problems)


def test_the_three_catalogues_hold_the_same_messages():
    keys = {lang: {entry.key for entry in parse_po(catalogue(lang))[1]} for lang in TRANSLATED}
    assert keys["es"] == keys["fr"] == keys["pt"]


def test_catalogues_are_up_to_date_with_the_code(settings, tmp_path, monkeypatch):
    """Re-extract every message into a scratch directory and compare with the committed catalogues.

    A string added to a template or a view without running makemessages (and translating it) fails
    here, named; so does a committed message that the code no longer uses.
    """
    if not all(shutil.which(tool) for tool in ("xgettext", "msguniq", "msgmerge")):
        # In CI (CI=true) this fails instead: the check must run there.
        missing_service("needs GNU gettext (xgettext, msguniq, msgmerge) to re-extract the messages")
    monkeypatch.chdir(settings.BASE_DIR)
    settings.LOCALE_PATHS = [str(tmp_path)]
    # frontend/locale must not be picked up as an app locale directory, or makemessages would write
    # the messages of frontend/ into the committed catalogues.
    call_command(
        "makemessages",
        locale=list(TRANSLATED),
        ignore_patterns=IGNORE + ["frontend/locale"],
        domain="django",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        verbosity=0,
    )
    for lang in TRANSLATED:
        extracted = tmp_path / lang / "LC_MESSAGES" / "django.po"
        assert extracted.exists(), f"makemessages wrote no catalogue for {lang}"
        fresh = {entry.key for entry in parse_po(extracted)[1]}
        committed = {entry.key for entry in parse_po(catalogue(lang))[1]}
        missing = sorted(str(key[1]) for key in fresh - committed)
        stale = sorted(str(key[1]) for key in committed - fresh)
        assert not missing, (
            f"{lang}: {len(missing)} message(s) in the code but not in frontend/locale/{lang} "
            f"(run makemessages and translate them): {missing[:20]}"
        )
        assert not stale, f"{lang}: {len(stale)} message(s) in the catalogue but no longer in the code: {stale[:20]}"
    assert not (LOCALE_DIR / "django.pot").exists()


# -- the pages ---------------------------------------------------------------------------------------

EXPECTED = {
    # language: (a string of our page layout, a string of the home page, the login page's title)
    "es": ("Saltar al contenido", "Asambleas", "Iniciar sesión"),
    "fr": ("Aller au contenu", "Assemblées", "Connexion"),
    "pt": ("Pular para o conteúdo", "Assembleias", "Iniciar sessão"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("lang", TRANSLATED)
def test_pages_follow_the_browser_language(client, lang):
    layout, home_text, login_title = EXPECTED[lang]
    home = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE=lang)
    assert home.status_code == 200
    page = home.content.decode()
    assert f'lang="{lang}"' in page
    assert layout in page and home_text in page
    assert "Skip to content" not in page and "No assembly to show yet." not in page

    login = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE=lang)
    assert login.status_code == 200
    page = login.content.decode()
    # The login form's own wording comes from allauth's catalogue.
    assert login_title in page and "Sign In" not in page
    if 'class="skip"' in page:  # rendered inside our layout
        assert layout in page and "Skip to content" not in page


@pytest.mark.django_db
def test_english_stays_english(client):
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Skip to content" in page and "Saltar al contenido" not in page


@pytest.mark.django_db
def test_the_account_language_wins_over_the_browser(client):
    person = factories.user(language="pt")
    client.force_login(person)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'lang="pt"' in page
    assert "Pular para o conteúdo" in page and "Criar uma assembleia" in page
    assert "Saltar al contenido" not in page and "Aller au contenu" not in page
