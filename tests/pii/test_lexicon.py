"""Nationality, religion and political group words (NRP) and postal codes: text -> spans."""

from __future__ import annotations

import pytest

from confide.pii import AnalyzerOptions, Finding, PiiAnalyzer
from confide.pii.analyzer import resolve_overlaps
from confide.pii.lexicon import (
    POSTAL_CODE,
    NrpRecognizer,
    load_ambiguous,
    load_group_forms,
    load_languages,
)

NRP = NrpRecognizer()


def spans(found: list[Finding], text: str) -> list[str]:
    return [text[f.start : f.end] for f in found]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The restaurant serves great Italian food.", ["Italian"]),
        ("We are proud South Africans", ["South Africans"]),
        ("As a Roman Catholic and a Labour voter, I object.", ["Roman Catholic", "Labour"]),
        ("Seventh-day Adventist", ["Seventh-day Adventist"]),
        ("I'm a Jehovah's Witness", ["Jehovah's Witness"]),
        ("I'm a Jehovah\u2019s Witness", ["Jehovah\u2019s Witness"]),
        ("ITALIAN AND JEWISH", ["ITALIAN", "JEWISH"]),
        ("The Italians' coach", ["Italians"]),
        # lower case only where someone says what they are
        ("I am russian but I live in Canada.", ["russian"]),
        ("i'm south african", ["south african"]),
        ("as a practicing muslim I need halal meals", ["muslim"]),
        ("she is a proud dane", ["dane"]),
        # a Turkish dotted capital changes the length in lower case: offsets still hold
        ("\u0130stanbul: I am turkish", ["turkish"]),
        ("I\u2019m russian", ["russian"]),  # a curly apostrophe
        (
            "We are Catholics. The Buddhists and Baptists too",
            ["Catholics", "Buddhists", "Baptists"],
        ),
        ("My Catholic teacher", ["Catholic"]),  # a religion is no language
        # an ordinary word too, capitalised inside a sentence
        ("I vote Conservative and she is a Liberal", ["Conservative", "Liberal"]),
        # a plural names people in any case, the longest form first
        ("ever since 1974, south koreans have hosted it", ["south koreans"]),
        ("many nigerians and thais came", ["nigerians", "thais"]),
    ],
)
def test_group_words_are_found(text: str, expected: list[str]) -> None:
    assert spans(NRP.find(text), text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I love italian food",  # lower case without someone saying what they are
        "I speak French and I am studying English",  # languages
        "Is there a German version of the app?",
        "the Treaty on European Union",  # a name that starts like a group
        "pay with American Express",
        "Americana and Englishness",  # longer words
        "as a customer I am polish-ing my shoes",
        "polish the silver, then swiss the roll",
        # ordinary words at the start of a sentence, in capitals or after a cue
        "Polish the screen. Conservative estimates. Labour costs.",
        "Liberal use of it. Orthodox methods? Indigenous plants!",
        "PLEASE POLISH MY SHOES",
        "As a conservative estimate, I'm agnostic about which plan",
        "Turk\u00e7e destek",  # a longer word
        "20 Swiss francs or a Danish krone coin",  # names that go on in lower case
        "the tent poles broke",  # a plural of an ordinary word ("Pole?")
        "I moved to the Philippines",  # a country, not the plural of "Philippine"
        "flights to laos and the philippines",
        "xkoreans and koreansx",  # inside longer words
    ],
)
def test_words_that_say_nothing_about_a_person_are_not_found(text: str) -> None:
    assert NRP.find(text) == []


@pytest.mark.parametrize(
    ("text", "languages"),
    [
        ("Do you have an agent who speaks German?", ["German"]),
        ("Please reply in Portuguese", ["Portuguese"]),
        ("change the language to Italian", ["Italian"]),
        ("Is there a Dutch version?", ["Dutch"]),
        ("I speak Arabic", ["Arabic"]),  # a language that names no group
        ("I am Dutch and live in Utrecht", []),  # a nationality
        ("I live in Laos", []),  # a country, however it ends
        ("Arabic is hard", []),  # no word around it says language
    ],
)
def test_languages_are_cleared(text: str, languages: list[str]) -> None:
    assert [text[a:b] for a, b in NRP.cleared(text)] == languages


@pytest.mark.parametrize(
    "text",
    [
        "Do you have an agent who speaks German?",
        "Is the app available in French",
        "Please reply in Portuguese",
        "Christian Smith speaks French",
    ],
)
def test_default_engine_finds_no_personal_data_in_a_language(text: str) -> None:
    found = PiiAnalyzer().analyze(text)
    assert [text[f.start : f.end] for f in found if f.entity_type != "PERSON"] == []
    assert all(text[f.start : f.end] != text.split()[-1].strip("?") for f in found)


def test_a_cleared_span_never_hides_a_pattern_finding() -> None:
    # Only a model's guesses give way to a language; a deny-listed value stays.
    options = AnalyzerOptions(deny_list={"NRP": ["French"]})
    text = "Please reply in French"
    found = PiiAnalyzer(options=options).analyze(text)
    assert [(f.entity_type, text[f.start : f.end]) for f in found] == [("NRP", "French")]


def test_word_list_adds_plurals_and_keeps_exceptions_apart() -> None:
    text = "# comment\nItalian, Scot, Swiss\n?Polish\n! European Union\n~ Klingon\n"
    assert load_group_forms(text) == {
        "Italian": True,
        "Italians": True,
        "Scot": True,
        "Scots": True,
        "Swiss": True,
        "Polish": True,
        "European Union": False,
    }
    assert load_ambiguous(text) == {"Polish"}
    assert load_languages(text) == {"Klingon"}
    packaged = load_group_forms()
    assert packaged["Nigerians"] is True and packaged["American Express"] is False
    assert packaged["Laos"] is False  # a country, not the plural of "Lao"
    assert "Arabic" not in packaged and "Arabic" in load_languages()
    assert load_languages("~ Klingon, Elvish\nItalian\n") == {"Klingon", "Elvish"}
    assert len([f for f, group in packaged.items() if group]) > 400


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Springfield, IL 62704", ["62704"]),
        ("Austin TX 78701-1234", ["78701-1234"]),
        ("My zip code is 90210", ["90210"]),
        ("ZIP: 02139", ["02139"]),
        ("PLZ 10115 Berlin", ["10115"]),
        ("my postcode is SW1A 1AA", ["SW1A 1AA"]),
        ("Manchester, post code M1 1AE", ["M1 1AE"]),
        ("Ottawa, postal code K1A 0B6", ["K1A 0B6"]),
        ("postcode 1012 AB Amsterdam", ["1012 AB"]),
    ],
)
def test_postal_codes_are_found(text: str, expected: list[str]) -> None:
    analyzer = PiiAnalyzer(recognizers=[POSTAL_CODE])
    assert spans(analyzer.analyze(text), text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I paid 12345 dollars",  # five digits without a word for them
        "zip 1234567",  # seven digits are no ZIP
        "order 12345-6789-0",
        "the 1012 AB model",  # Dutch shape without a word for it
        "Is the PS5 1TB back in stock?",  # British shape without a word for it
        "London SW1A 1AA",
        "version 3.12345",
        "Meet at 2020 AD",
    ],
)
def test_numbers_that_are_not_postal_codes(text: str) -> None:
    # No finding at all, not merely one below the threshold.
    assert POSTAL_CODE.find(text) == []


def test_a_yielding_finding_gives_way_to_any_finding_it_overlaps() -> None:
    org = Finding("ORGANIZATION", 0, 17, 0.7, "crf-ner")  # "American Airlines"
    word = Finding("NRP", 0, 8, 0.6, "nrp")
    address = Finding("STREET_ADDRESS", 0, 40, 0.55, "crf-ner")
    zip_code = Finding("POSTAL_CODE", 35, 40, 0.95, "postal_code")
    phone = Finding("PHONE_NUMBER", 50, 60, 0.75, "phone")
    weak = {"nrp", "postal_code"}
    assert resolve_overlaps([org, word], statistical={"crf-ner"}, yielding=weak) == [org]
    found = resolve_overlaps(
        [address, zip_code, phone], "x" * 60, statistical={"crf-ner"}, yielding=weak
    )
    assert found == [address, phone]  # the ZIP neither cuts nor outranks the address
    assert resolve_overlaps(
        [Finding("POSTAL_CODE", 50, 55, 0.6, "postal_code"), phone], yielding=weak
    ) == [phone]


def test_a_yielding_finding_replaces_model_guesses_inside_its_span() -> None:
    guess = Finding("LOCATION", 5, 13, 0.55, "crf-ner")  # "Nigerian" read as a place
    word = Finding("NRP", 5, 13, 0.6, "nrp")
    name = Finding("PERSON", 0, 8, 0.9, "crf-ner")
    parts = [Finding("PERSON", 4, 11, 0.99, "crf-ner"), Finding("LOCATION", 14, 21, 0.6, "crf-ner")]
    whole = Finding("NRP", 4, 21, 0.6, "nrp")  # "Jehovah's Witness"
    stat, weak = {"crf-ner"}, {"nrp"}
    assert resolve_overlaps([guess, word], statistical=stat, yielding=weak) == [word]
    assert resolve_overlaps([*parts, whole], statistical=stat, yielding=weak) == [whole]
    # a confident guess of the same span stays ("everyone calls me Christian")
    sure = Finding("PERSON", 0, 9, 0.97, "crf-ner")
    assert resolve_overlaps(
        [sure, Finding("NRP", 0, 9, 0.6, "nrp")], statistical=stat, yielding=weak
    ) == [sure]
    # a guess reaching outside the word's span stays ("Christian Smith")
    christian = Finding("NRP", 0, 9, 0.6, "nrp")
    assert resolve_overlaps(
        [Finding("PERSON", 0, 15, 0.9, "crf-ner"), christian], statistical=stat, yielding=weak
    ) == [Finding("PERSON", 0, 15, 0.9, "crf-ner")]
    # a pattern finding is never replaced
    card = Finding("CREDIT_CARD", 5, 13, 1.0, "credit_card")
    assert resolve_overlaps([card, word], statistical=stat, yielding=weak) == [card]
    # a name the word lies across (not inside) stays, and the word gives way
    assert resolve_overlaps(
        [name, Finding("NRP", 4, 12, 0.6, "nrp")], statistical=stat, yielding=weak
    ) == [name]


def test_default_engine_reports_groups_and_postal_codes_and_options_turn_them_off() -> None:
    text = "I am Nigerian, my zip code is 90210."
    found = PiiAnalyzer().analyze(text)
    assert [(f.entity_type, text[f.start : f.end]) for f in found] == [
        ("NRP", "Nigerian"),
        ("POSTAL_CODE", "90210"),
    ]
    only_names = PiiAnalyzer(options=AnalyzerOptions(entities=frozenset({"PERSON"})))
    assert only_names.analyze(text) == []


def test_a_name_that_is_also_a_group_word_stays_a_name() -> None:
    text = "Christian Smith called about his order"
    found = PiiAnalyzer().analyze(text)
    assert [(f.entity_type, text[f.start : f.end]) for f in found] == [
        ("PERSON", "Christian Smith")
    ]


def test_only_names_reported_a_group_word_still_overrules_a_guess_but_not_a_sure_name() -> None:
    only_names = PiiAnalyzer(options=AnalyzerOptions(entities=frozenset({"PERSON"})))
    text = "Christian Smith is Nigerian"
    found = only_names.analyze(text)
    assert [(f.entity_type, text[f.start : f.end]) for f in found] == [
        ("PERSON", "Christian Smith")
    ]
    # Without the name model there is nothing for the group words to overrule: not run.
    patterns = PiiAnalyzer(
        options=AnalyzerOptions(entities=frozenset({"PERSON"}), statistical=False)
    )
    assert patterns.analyze(text) == []
    assert patterns._arbiters == frozenset()
    assert "NRP" not in {e for r, *_ in patterns._plan for e in r.entities}
    assert "NRP" in {e for r, *_ in only_names._plan for e in r.entities}


def test_patterns_that_need_a_word_are_not_tried_without_one() -> None:
    # Not even a low-score finding: the five digits are never scanned for.
    assert POSTAL_CODE.find("I paid 12345 dollars") == []
    (found,) = POSTAL_CODE.find("Postleitzahl: 12345")
    assert (found.start, found.end, round(found.score, 2)) == (14, 19, 0.65)


def test_a_sure_name_is_judged_at_the_name_prior() -> None:
    """The prior raises the tagger's scores, and the score a sure name needs with them."""
    from confide.pii.analyzer import CONFIDENT, confident_at
    from confide.pii.ner import CrfRecognizer

    assert confident_at(1.0) == pytest.approx(CONFIDENT)
    assert confident_at(0.0) < CONFIDENT < confident_at(2.0) < confident_at(3.0) < 1.0
    # at a prior of 2 the tagger reads "French" (a surname too) here as a name at about
    # 0.94, under 0.961
    text = "She is French and lives in Leeds."
    tagged = CrfRecognizer(name_prior=2.0).find(text)
    assert (tagged[0].entity_type, text[tagged[0].start : tagged[0].end]) == ("PERSON", "French")
    assert CONFIDENT < tagged[0].score < confident_at(2.0)
    found = PiiAnalyzer(options=AnalyzerOptions(name_prior=2.0)).analyze(text)
    assert (found[0].entity_type, text[found[0].start : found[0].end]) == ("NRP", "French")
