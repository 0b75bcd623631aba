"""The roadmap importer on the Mont Blanc fixture, on Markdown, and on the awkward cases of PDF text.

Pure core: nothing here imports Django.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assemblies.roadmap import SEED_ROADMAP
from assemblies.roadmap.core.importer import (
    CODE_PATTERN,
    ParsedItem,
    RoadmapImportError,
    derive_code,
    display_title,
    next_item_ref,
    normalise_text,
    parse_roadmap,
)

FIXTURE = SEED_ROADMAP

# (code, display title, group, number of items), in document order.
EXPECTED_SECTIONS = [
    ("INT", "The internationalisation of the SSE in the framework of the UN 2030 agenda", None, 4),
    ("LOC", "Local solutions of the SSE", None, 9),
    ("EDU", "Education for lifelong learning: inspiration and commitment", None, 6),
    ("STA", "SSE and a more stable, resilient and democratic financial system", None, 6),
    ("INV", "Investing in SSE to improve employment", None, 6),
    ("CHA", "Changing the life of our organisations by integrating and incorporating a gender perspective", None, 9),
    ("PUB", "Public goods and the common good, for a sustainable and transformative SSE", None, 7),
    ("DIG", "Digital tools at the service of the SSE", None, 5),
    (
        "CHAL",
        "Changing the logic of the food production, distribution and consumption model through sustainable development",
        None,
        8,
    ),
    ("PUBP", "Public policies and the impact of the SSE / a Euro-American reading", None, 2),
    ("SOC", "Social management of health determinants", "Self-managed sessions", 3),
    (
        "INTR",
        "International recognition of the SSE. Strategies and perspectives of collaboration for international actors",
        "Self-managed sessions",
        5,
    ),
    ("MUT", "Mutuality in the face of demographic change", "Self-managed sessions", 7),
    # The document stops after this heading: the fifth self-managed session has no items.
    ("HOU", "SSE and housing", "Self-managed sessions", 0),
]


@pytest.fixture(scope="module")
def montblanc():
    return parse_roadmap(FIXTURE.read_text(encoding="utf-8"))


def item(roadmap, ref: str) -> ParsedItem:
    return next(i for s in roadmap.sections for i in s.items if i.ref == ref)


# --- The Mont Blanc fixture -----------------------------------------------------------------------


def test_fixture_title_is_the_first_heading(montblanc):
    assert montblanc.title == "ROADMAP"


def test_fixture_sections_codes_titles_groups_and_item_counts(montblanc):
    found = [(s.code, s.title, s.group, len(s.items)) for s in montblanc.sections]
    assert found == EXPECTED_SECTIONS


def test_fixture_has_thirteen_sections_with_items_and_77_items(montblanc):
    with_items = [s for s in montblanc.sections if s.items]
    assert len(with_items) == 13
    assert sum(len(s.items) for s in montblanc.sections) == 77


def test_fixture_only_warning_is_the_empty_last_section(montblanc):
    assert montblanc.warnings == ("line 171: section 'SSE AND HOUSING' has no items",)


def test_fixture_keeps_source_titles(montblanc):
    sources = [s.source_title for s in montblanc.sections]
    assert sources[7] == "DIGITAL TOOLS AT THE SERVICE OF THE SSE"
    assert sources[6] == "PUBLIC GOODS AND THE COMMON GOOD, FOR A SUSTAINABLE AND TRANSFORMATIVE SSE."
    assert sources[9] == "PUBLIC POLICIES AND THE IMPACT OF THE SSE / A EURO-AMERICAN READING"


def test_fixture_group_heading_is_not_a_section(montblanc):
    assert "SELF-MANAGED SESSIONS" not in [s.source_title for s in montblanc.sections]


def test_fixture_items_are_numbered_in_order_with_refs_by_position(montblanc):
    for section in montblanc.sections:
        assert [i.number for i in section.items] == list(range(1, len(section.items) + 1))
        assert [i.ref for i in section.items] == [f"{section.code}-{n}" for n in range(1, len(section.items) + 1)]


def test_fixture_items_hold_no_newline_heading_or_debris(montblanc):
    headings = {s.source_title for s in montblanc.sections} | {"SELF-MANAGED SESSIONS"}
    for section in montblanc.sections:
        assert section.intro == ""
        for parsed in section.items:
            assert parsed.text and parsed.text == parsed.text.strip()
            assert "\n" not in parsed.text and "  " not in parsed.text
            assert not any(heading in parsed.text for heading in headings)


def test_fixture_long_item_with_dashes_is_intact(montblanc):
    assert item(montblanc, "STA-4").text == (
        "Recognise that SSE ecosystems have a crucial element in the territories where they "
        "operate - with their histories, resources, vocations, etc. - where the number and quality "
        "of their services is very high. - Recognise that SSE ecosystems have a crucial element in "
        "the territories where they operate - with their histories, resources, vocations, etc. - "
        "where the number and diversity of the actors operating and, above all, the relationships "
        "between them are relevant."
    )


def test_fixture_item_without_final_period_is_intact(montblanc):
    assert item(montblanc, "MUT-2").text == "Empowering people"
    assert item(montblanc, "MUT-3").text == "Focus on people and their needs, not on profit."


def test_fixture_numbering_continues_across_page_break_debris(montblanc):
    assert item(montblanc, "LOC-6").text == (
        "Generate normative frameworks for the promotion of SSE practices in the territories."
    )
    seventh = item(montblanc, "LOC-7")
    assert seventh.number == 7
    assert seventh.text.startswith("Encourage strategies for the development of public-private")
    assert item(montblanc, "CHAL-8").text == (
        "Encourage the rescue of knowledge and gastronomic cultivation of under-used or forgotten "
        "foods (stems, flowers, leaves, etc.) in order to take advantage of the food biodiversity "
        "of different territories."
    )


def test_fixture_spot_checks_of_exact_texts(montblanc):
    assert item(montblanc, "DIG-5").text == (
        "Develop the most modern digital tools (AI, Fintech, platforms, security, smart data...) "
        "for SSE structures and its members and beyond."
    )
    assert item(montblanc, "DIG-1").text == (
        "Develop and formalise a preventive and ethical approach to the digital SSE."
    )
    assert item(montblanc, "INT-4").text == (
        "Inform the public about the benefits of this economy and increase the understanding of "
        "public administrations about the benefits of SSE."
    )
    assert item(montblanc, "PUBP-2").text == (
        "Determine the scope of SSE in different countries and under the multiplicity of organisational expressions."
    )
    assert item(montblanc, "INTR-5").text == "Valuing the past to build the future."
    assert item(montblanc, "CHA-8").text.startswith(
        'Promoting women\'s leadership and fostering power relations that are not "power over others"'
    )


def test_fixture_preamble_keeps_its_lists_as_text(montblanc):
    preamble = montblanc.preamble
    assert preamble.startswith("This roadmap is the result of the thinking")
    assert preamble.endswith("In parallel, five self-organised sessions were organized.")
    assert "The two plenary sessions were\n\n- THE INTERNATIONALISATION" in preamble
    assert "- LOCAL SOLUTIONS OF THE SSE\n" in preamble
    assert "1. EDUCATION FOR LIFELONG LEARNING: INSPIRATION AND COMMITMENT\n2. SSE AND" in preamble
    assert "8. PUBLIC POLICIES AND THE IMPACT OF THE SSE / A EURO-AMERICAN READING\n\n" in preamble
    assert "\n\n\n" not in preamble


def test_crlf_form_feeds_and_whitespace_debris_parse_like_the_original(montblanc):
    text = FIXTURE.read_text(encoding="utf-8")
    messy = text.replace("\n\n\n\n", "\n \t\n\f\n   \n").replace("\n", "\r\n")
    assert parse_roadmap(messy).sections == montblanc.sections


def test_decomposed_accents_are_composed():
    parsed = parse_roadmap("EDUCACIO\u0301N\n\n1. Educacio\u0301n popular\n")
    assert parsed.sections[0].items[0].text == "Educaci\u00f3n popular"
    assert parsed.sections[0].source_title == "EDUCACI\u00d3N"


def test_normalise_text_is_idempotent_and_strips_line_ends():
    messy = "\ufeffA  \r\nB\f\rC\u2028D\t"
    assert normalise_text(messy) == "A\nB\nC\nD"
    assert normalise_text(normalise_text(messy)) == normalise_text(messy)


# --- Plain-text rules -----------------------------------------------------------------------------


def test_item_text_continues_on_following_lines_joined_with_a_space():
    parsed = parse_roadmap("THEME\n\n1. A long action item that was\nwrapped over two lines.\n2. Next item.\n")
    assert [i.text for i in parsed.sections[0].items] == [
        "A long action item that was wrapped over two lines.",
        "Next item.",
    ]


def test_item_broken_by_a_page_break_in_mid_sentence_continues():
    parsed = parse_roadmap("THEME\n\n1. Promote the creation of\n\n\n\nbanks of seeds.\n2. Next.\n")
    assert [i.text for i in parsed.sections[0].items] == [
        "Promote the creation of banks of seeds.",
        "Next.",
    ]


def test_page_number_between_blank_lines_is_dropped_with_a_warning():
    parsed = parse_roadmap("THEME\n\n1. First.\n\n12\n\n2. Second.\n")
    assert [i.text for i in parsed.sections[0].items] == ["First.", "Second."]
    assert parsed.warnings == ("line 5: dropped '12', which looks like a page number",)


def test_intro_paragraph_under_a_heading_is_kept():
    parsed = parse_roadmap(
        "ROADMAP\n\nPreamble.\n\nTHEME\n\nWhy this theme\nmatters.\n\nSecond paragraph.\n\n1. Act.\n"
    )
    section = parsed.sections[0]
    assert section.intro == "Why this theme\nmatters.\n\nSecond paragraph."
    assert [i.text for i in section.items] == ["Act."]
    assert parsed.preamble == "Preamble."


def test_text_after_the_items_goes_to_the_intro_with_a_warning():
    parsed = parse_roadmap("THEME\n\n1. Act.\n\nA closing note.\n")
    assert parsed.sections[0].intro == "A closing note."
    assert [i.text for i in parsed.sections[0].items] == ["Act."]
    assert parsed.warnings == ("line 5: text after the items of 'THEME' was kept in its intro",)


def test_heading_followed_by_items_means_the_document_has_no_title():
    parsed = parse_roadmap("FIRST THEME\n\n1. One.\n\nSECOND THEME\n\n1. Two.\n")
    assert parsed.title == ""
    assert [s.title for s in parsed.sections] == ["First theme", "Second theme"]


def test_dash_lines_right_under_a_numbered_point_are_its_sub_points():
    parsed = parse_roadmap("THEME\n\n1. Do three things:\n- first\n- second\n2. Then this.\n")
    assert [i.text for i in parsed.sections[0].items] == [
        "Do three things: - first - second",
        "Then this.",
    ]


def test_bullet_items_in_plain_text_have_no_number():
    parsed = parse_roadmap("THEME\n\n- One.\n- Two.\n")
    assert [(i.ref, i.number, i.text) for i in parsed.sections[0].items] == [
        ("THE-1", None, "One."),
        ("THE-2", None, "Two."),
    ]


def test_heading_wrapped_over_two_lines_is_one_heading():
    parsed = parse_roadmap("ROADMAP\n\nTHE INTERNATIONALISATION OF THE SSE\nIN THE UN AGENDA\n\n1. Act.\n")
    assert parsed.sections[0].source_title == "THE INTERNATIONALISATION OF THE SSE IN THE UN AGENDA"


def test_heading_glued_to_a_finished_item_still_opens_a_section():
    parsed = parse_roadmap("THEME ONE\n\n1. Act.\nTHEME TWO\n\n1. Do.\n")
    assert [(s.title, [i.text for i in s.items]) for s in parsed.sections] == [
        ("Theme one", ["Act."]),
        ("Theme two", ["Do."]),
    ]


def test_capitals_ending_an_unfinished_item_are_its_continuation():
    parsed = parse_roadmap("THEME\n\n1. Follow the agenda of the UN\n2030 AGENDA\n")
    assert [i.text for i in parsed.sections[0].items] == ["Follow the agenda of the UN 2030 AGENDA"]


def test_group_lasts_until_the_next_group():
    text = "ROADMAP\n\nPLENARIES\n\nFIRST\n\n1. a.\n\nSECOND\n\n1. b.\n\nWORKSHOPS\n\nTHIRD\n\n1. c.\n"
    parsed = parse_roadmap(text)
    assert [(s.title, s.group) for s in parsed.sections] == [
        ("First", "Plenaries"),
        ("Second", "Plenaries"),
        ("Third", "Workshops"),
    ]


def test_document_without_sections_is_refused():
    with pytest.raises(RoadmapImportError):
        parse_roadmap("Just a paragraph.\n\n1. and a list\n2. without heading\n")
    with pytest.raises(RoadmapImportError):
        parse_roadmap("")


# --- Numbering warnings ---------------------------------------------------------------------------


def test_skipped_number_warns_and_keeps_document_order():
    parsed = parse_roadmap("THEME\n\n1. One.\n2. Two.\n4. Four.\n7. Seven.\n")
    assert [i.number for i in parsed.sections[0].items] == [1, 2, 4, 7]
    assert [i.ref for i in parsed.sections[0].items] == ["THE-1", "THE-2", "THE-3", "THE-4"]
    assert parsed.warnings == (
        "line 5: in 'THEME', item 4 follows item 2 (3 missing)",
        "line 6: in 'THEME', item 7 follows item 4 (5 to 6 missing)",
    )


def test_repeated_number_and_late_start_warn():
    parsed = parse_roadmap("THEME\n\n2. Two.\n2. Two again.\n1. One.\n")
    assert [i.text for i in parsed.sections[0].items] == ["Two.", "Two again.", "One."]
    assert parsed.warnings == (
        "line 3: the items of 'THEME' start at 2, not 1",
        "line 4: in 'THEME', item 2 follows item 2 (number repeated or going back)",
        "line 5: in 'THEME', item 1 follows item 2 (number repeated or going back)",
    )


# --- Markdown -----------------------------------------------------------------------------------

MARKDOWN = """\
# Roadmap 2024

Adopted by the general assembly.

- this list is part of the preamble

## Digital tools {#DIG}

Why digital tools.

1. Develop tools.
2. Fight the digital
   divide.
3. Educate.

## Self-managed sessions

### Housing

- Build cooperatives.
- Fund them,
  fairly.

### Health

1. Care.
1. Prevent.

## Finance ##

1. Invest.
"""


def test_markdown_title_preamble_sections_groups_and_items():
    parsed = parse_roadmap(MARKDOWN)
    assert parsed.title == "Roadmap 2024"
    assert parsed.preamble == ("Adopted by the general assembly.\n\n- this list is part of the preamble")
    assert [(s.code, s.title, s.group, s.intro) for s in parsed.sections] == [
        ("DIG", "Digital tools", None, "Why digital tools."),
        ("HOU", "Housing", "Self-managed sessions", ""),
        ("HEA", "Health", "Self-managed sessions", ""),
        ("FIN", "Finance", None, ""),
    ]
    assert [[(i.ref, i.number, i.text) for i in s.items] for s in parsed.sections] == [
        [("DIG-1", 1, "Develop tools."), ("DIG-2", 2, "Fight the digital divide."), ("DIG-3", 3, "Educate.")],
        [("HOU-1", None, "Build cooperatives."), ("HOU-2", None, "Fund them, fairly.")],
        [("HEA-1", 1, "Care."), ("HEA-2", 1, "Prevent.")],
        [("FIN-1", 1, "Invest.")],
    ]
    # "1." on every line is Markdown's auto-numbering, not a repeated number.
    assert parsed.warnings == ()


def test_markdown_nested_list_and_loose_continuation_join_their_item():
    parsed = parse_roadmap("## Theme\n\n1. Parent\n   - child one\n   - child two\n\n   More text.\n2. Next\n")
    assert [i.text for i in parsed.sections[0].items] == [
        "Parent - child one - child two More text.",
        "Next",
    ]


def test_markdown_explicit_code_reserved_before_derived_codes():
    parsed = parse_roadmap("## Digital culture\n\n1. a\n\n## Tools {#dig}\n\n1. b\n")
    assert [s.code for s in parsed.sections] == ["DIGC", "DIG"]


def test_markdown_duplicate_or_invalid_explicit_code_falls_back_with_a_warning():
    parsed = parse_roadmap("## Alpha {#AB}\n\n1. a\n\n## Beta {#AB}\n\n1. b\n\n## Gamma {#x}\n\n1. c\n")
    assert [s.code for s in parsed.sections] == ["AB", "BET", "GAM"]
    assert parsed.warnings == (
        "line 5: code 'AB' is already used; a code was derived from the title instead",
        "line 9: code 'x' is not 2 to 5 letters (and up to 3 digits); a code was derived from the title instead",
    )


def test_markdown_level_one_sections_over_items_mean_no_title():
    parsed = parse_roadmap("# Education\n\n1. Teach.\n\n# Digital\n\n1. Connect.\n")
    assert parsed.title == ""
    assert [(s.code, s.title) for s in parsed.sections] == [("EDU", "Education"), ("DIG", "Digital")]


def test_markdown_group_ends_at_a_heading_of_its_level():
    parsed = parse_roadmap("## Workshops\n\n### Housing\n\n- a\n\n## Finance\n\n- b\n")
    assert [(s.title, s.group) for s in parsed.sections] == [("Housing", "Workshops"), ("Finance", None)]


def test_markdown_shouted_heading_gets_a_display_title():
    parsed = parse_roadmap("## DIGITAL TOOLS AT THE SERVICE OF THE SSE\n\n- Act.\n")
    assert parsed.sections[0].title == "Digital tools at the service of the SSE"
    assert parsed.sections[0].source_title == "DIGITAL TOOLS AT THE SERVICE OF THE SSE"


# --- Display titles -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "acronyms", "expected"),
    [
        ("DIGITAL TOOLS AT THE SERVICE OF THE SSE", (), "Digital tools at the service of the SSE"),
        ("SELF-MANAGED SESSIONS", (), "Self-managed sessions"),
        ("THE ROLE OF THE ILO AND THE OECD", (), "The role of the ILO and the OECD"),
        ("ACHIEVING THE SDGS", (), "Achieving the SDGs"),
        # "UN" is also a Spanish and French article: kept only on the document's evidence.
        ("UN AGENDA", (), "Un agenda"),
        ("UN AGENDA", {"UN": "UN"}, "UN agenda"),
        ("AI FOR ALL", ["AI"], "AI for all"),
        ("PPP AND THE STATE", (), "PPP and the state"),
        ("RECOGNITION. STRATEGIES", (), "Recognition. Strategies"),
        ("PUBLIC GOODS.", (), "Public goods"),
        ("Already in sentence case", (), "Already in sentence case"),
        ("ÉCONOMIE SOCIALE ET SOLIDAIRE", (), "Économie sociale et solidaire"),
    ],
)
def test_display_title(source, acronyms, expected):
    assert display_title(source, acronyms) == expected


def test_acronyms_come_from_the_documents_own_sentences():
    parsed = parse_roadmap("ROADMAP\n\nThe UN and the ICA agree.\n\nTHE UN, THE ICA AND US\n\n1. Act.\n")
    assert parsed.sections[0].title == "The UN, the ICA and us"


# --- Codes and refs -----------------------------------------------------------------------------


def test_code_is_first_three_letters_of_first_significant_word():
    assert derive_code("DIGITAL TOOLS AT THE SERVICE OF THE SSE") == "DIG"
    assert derive_code("The internationalisation of the SSE") == "INT"
    assert derive_code("SSE AND HOUSING") == "HOU"
    assert derive_code("LA ECONOMÍA SOCIAL Y SOLIDARIA") == "ECO"
    assert derive_code("L'ÉDUCATION POPULAIRE") == "EDU"
    assert derive_code("OS BENS COMUNS") == "BEN"


def test_code_collision_adds_initials_of_next_words_then_digits():
    assert derive_code("INTERNATIONAL RECOGNITION OF THE SSE", {"INT"}) == "INTR"
    assert derive_code("INTERNATIONAL RECOGNITION OF THE SSE", {"INT", "INTR"}) == "IR"
    assert derive_code("INTERNATIONAL RECOGNITION", {"INT", "INTR", "IR", "INTE", "INTER"}) == "INT2"
    assert derive_code("INTERNATIONAL", {"int", "INTE", "INTER", "INT2"}) == "INT3"


def test_code_of_a_title_without_letters_falls_back():
    assert derive_code("2030") == "SEC"
    assert derive_code("2030", {"SEC"}) == "SEC2"
    assert derive_code("THE SSE") == "THE"  # only stop words: use them rather than nothing


def test_next_item_ref_takes_the_next_free_number_for_the_code():
    assert next_item_ref("DIG", []) == "DIG-1"
    assert next_item_ref("DIG", ["DIG-1", "DIG-5", "DIGI-9", "LOC-12", "DIG-3"]) == "DIG-6"


# --- Robustness ---------------------------------------------------------------------------------

line_kinds = st.sampled_from(
    [
        "",
        "  ",
        "\f",
        "ROADMAP",
        "THEME ONE",
        "SSE AND HOUSING",
        "## Theme",
        "# Title",
        "### Sub {#AB}",
        "1. An item.",
        "2) Another",
        "7. Seven",
        "- a bullet",
        "  - nested",
        "Some text here",
        "continued",
        "12",
        "ÉDUCATION POPULAIRE",
        "\t",
        "***",
        "```",
    ]
)


@settings(max_examples=250, deadline=None)
@given(st.lists(line_kinds, max_size=25), st.sampled_from(["\n", "\r\n", "\r"]))
def test_any_document_parses_to_clean_items_or_is_refused(lines, newline):
    try:
        parsed = parse_roadmap(newline.join(lines))
    except RoadmapImportError:
        return
    codes = [s.code for s in parsed.sections]
    assert len(set(codes)) == len(codes) and all(CODE_PATTERN.fullmatch(c) for c in codes)
    for section in parsed.sections:
        for parsed_item in section.items:
            assert parsed_item.text and parsed_item.text == parsed_item.text.strip()
            assert "\n" not in parsed_item.text and "\r" not in parsed_item.text
