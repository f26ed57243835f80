"""Options, overlap resolution and plugging in another recognizer."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest

from confide.pii import AnalyzerOptions, CustomPattern, Finding, PiiAnalyzer
from confide.pii.analyzer import resolve_overlaps
from confide.pii.operators import Pseudonymizer, redact
from confide.pii.recognizers import Pattern, PatternRecognizer

# The pattern recognizers alone (the CRF name recognizer has its own tests).
PATTERNS_ONLY = AnalyzerOptions(statistical=False)


@dataclass
class FixedRecognizer:
    """A stand-in for the statistical recognizer: reports what it is told to."""

    findings: list[Finding]
    name: str = "fixed"
    entities: tuple[str, ...] = ("PERSON",)

    def find(self, text: str) -> list[Finding]:
        return list(self.findings)


def test_overlap_keeps_the_higher_score() -> None:
    low = Finding("PHONE_NUMBER", 0, 19, 0.75, "phone")
    high = Finding("CREDIT_CARD", 0, 19, 1.0, "credit_card")
    assert resolve_overlaps([low, high]) == [high]


def test_overlap_with_equal_scores_keeps_the_longer_span() -> None:
    short = Finding("PERSON", 5, 10, 0.8, "a")
    long = Finding("STREET_ADDRESS", 0, 20, 0.8, "b")
    apart = Finding("EMAIL_ADDRESS", 20, 30, 0.8, "c")
    assert resolve_overlaps([short, apart, long]) == [long, apart]


def test_card_number_is_not_also_reported_as_a_phone_number() -> None:
    text = "card 4111 1111 1111 1111"
    assert [f.entity_type for f in PiiAnalyzer().analyze(text)] == ["CREDIT_CARD"]


def test_allow_list_suppresses_a_known_value() -> None:
    options = AnalyzerOptions(allow_list=frozenset({"help@example.com"}))
    text = "write help@example.com or jo@example.com"
    found = PiiAnalyzer(options=options).analyze(text)
    assert [text[f.start : f.end] for f in found] == ["jo@example.com"]


def test_deny_list_always_reports_a_value() -> None:
    options = AnalyzerOptions(deny_list={"PERSON": ["Alice Example"]})
    text = "Hi, this is alice example."
    assert PiiAnalyzer(options=options).analyze(text) == [
        Finding("PERSON", 12, 25, 1.0, "deny_list")
    ]


def test_entity_selection_reports_only_the_chosen_types() -> None:
    options = AnalyzerOptions(entities=frozenset({"EMAIL_ADDRESS"}))
    text = "jo@example.com, card 4111 1111 1111 1111"
    assert [f.entity_type for f in PiiAnalyzer(options=options).analyze(text)] == ["EMAIL_ADDRESS"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (AnalyzerOptions(entities=frozenset({"EMAIL"})), "unknown PII entity types: EMAIL "),
        (AnalyzerOptions(thresholds={"PHONE": 0.9}), "unknown PII entity types: PHONE "),
        (
            AnalyzerOptions(custom_patterns=(CustomPattern("ACCOUNT_NUMBER", "ACC-(\\d"),)),
            "the custom pattern for ACCOUNT_NUMBER is not a regular expression",
        ),
        (
            AnalyzerOptions(order_patterns=("ORD-(\\d",)),
            "an order pattern is not a regular expression",
        ),
    ],
)
def test_options_naming_what_cannot_be_found_are_refused(
    options: AnalyzerOptions, message: str
) -> None:
    with pytest.raises(ValueError, match=message.replace("(", "[(]")):
        PiiAnalyzer(options=options)


def test_a_type_only_an_added_recognizer_reports_may_be_named() -> None:
    name = AnalyzerOptions(entities=frozenset({"ACCOUNT_NUMBER"}), statistical=False)
    account = PatternRecognizer("account", "ACCOUNT_NUMBER", [Pattern(r"\bACC-\d{4}\b", 0.9)])
    analyzer = PiiAnalyzer([account], options=name)
    assert [f.entity_type for f in analyzer.analyze("see ACC-0042")] == ["ACCOUNT_NUMBER"]


def test_per_entity_threshold_drops_low_scores() -> None:
    options = AnalyzerOptions(thresholds={"PHONE_NUMBER": 0.9})
    assert PiiAnalyzer(options=options).analyze("ring (201) 555-0123") == []


def test_custom_and_order_patterns_are_configurable() -> None:
    options = AnalyzerOptions(
        order_patterns=(r"\bORD\d{6}\b",),
        custom_patterns=(CustomPattern("ACCOUNT_NUMBER", r"\bACC-\d{4}\b"),),
    )
    text = "order ORD123456, NW-12345, account ACC-0042"
    found = PiiAnalyzer(options=options).analyze(text)
    assert [(f.entity_type, text[f.start : f.end]) for f in found] == [
        ("ORDER_NUMBER", "ORD123456"),
        ("ACCOUNT_NUMBER", "ACC-0042"),
    ]


def test_added_recognizer_plugs_in_and_competes_on_overlaps() -> None:
    analyzer = PiiAnalyzer(options=PATTERNS_ONLY)
    analyzer.add_recognizer(FixedRecognizer([Finding("PERSON", 0, 5, 0.9, "fixed")]))
    text = "Alice jo@example.com"
    assert analyzer.analyze(text) == [
        Finding("PERSON", 0, 5, 0.9, "fixed"),
        Finding("EMAIL_ADDRESS", 6, 20, 1.0, "email"),
    ]


@dataclass
class StatisticalRecognizer(FixedRecognizer):
    """A stand-in for the CRF: its spans yield to pattern findings."""

    name: str = "model"
    entities: tuple[str, ...] = ("PERSON", "STREET_ADDRESS", "LOCATION")
    statistical: bool = True


def model(text: str, value: str, entity: str = "STREET_ADDRESS", score: float = 0.95) -> Finding:
    start = text.index(value)
    return Finding(entity, start, start + len(value), score, "model")


def analyzed(text: str, *guesses: Finding) -> list[tuple[str, str]]:
    analyzer = PiiAnalyzer(options=PATTERNS_ONLY)
    analyzer.add_recognizer(StatisticalRecognizer(list(guesses)))
    return [(f.entity_type, text[f.start : f.end]) for f in analyzer.analyze(text)]


ADDRESS = "Jo Doe\n12 Kromwater 38\nZoetermeer 53144\n"


@pytest.mark.parametrize(
    ("text", "guess", "expected"),
    [
        (  # the address swallows the phone number after it: cut back to the address
            ADDRESS + "020 123 4567-Office",
            ADDRESS + "020 123 4567-Office",
            [
                ("STREET_ADDRESS", ADDRESS.strip()),
                ("PHONE_NUMBER", "020 123 4567"),
            ],
        ),
        (  # the address clips the start of the phone number
            "12 Kromwater 38, Zoetermeer 020 123 4567",
            "12 Kromwater 38, Zoetermeer 020",
            [
                ("STREET_ADDRESS", "12 Kromwater 38, Zoetermeer"),
                ("PHONE_NUMBER", "020 123 4567"),
            ],
        ),
        (  # the phone number leads: the side after it is kept
            "call (201) 555-0123 at 12 Main Street, Springfield",
            "(201) 555-0123 at 12 Main Street, Springfield",
            [
                ("PHONE_NUMBER", "(201) 555-0123"),
                ("STREET_ADDRESS", "at 12 Main Street, Springfield"),
            ],
        ),
        (  # a name inside an email address is part of the address
            "write to alice.example@example.com",
            "alice",
            [("EMAIL_ADDRESS", "alice.example@example.com")],
        ),
        (  # mostly a card number: the model reacted to the digits, nothing is left
            "Card 4111 1111 1111 1111 was charged twice",
            "Card 4111 1111 1111 1111",
            [("CREDIT_CARD", "4111 1111 1111 1111")],
        ),
        (  # the words left over are not an address
            "refund order NW-12345, account ACC-0042 please",
            "order NW-12345, account ACC-0042",
            [("ORDER_NUMBER", "NW-12345")],
        ),
        (  # a higher score does not let the model swallow a checksummed IBAN
            "Pay GB82 WEST 1234 5698 7654 32 now",
            "Pay GB82 WEST 1234 5698 7654 32",
            [("IBAN_CODE", "GB82 WEST 1234 5698 7654 32")],
        ),
    ],
)
def test_pattern_findings_win_over_a_statistical_span_that_swallows_them(
    text: str, guess: str, expected: list[tuple[str, str]]
) -> None:
    assert analyzed(text, model(text, guess, score=1.0)) == expected


def test_trimmed_statistical_span_keeps_its_type_score_and_recognizer() -> None:
    text = "Jo Doe, 12 Main Street 201-555-0123"
    found = resolve_overlaps(
        [model(text, text, score=0.91), Finding("PHONE_NUMBER", 23, 35, 0.75, "phone")],
        text,
        statistical={"model"},
    )
    assert found == [
        Finding("STREET_ADDRESS", 0, 22, 0.91, "model"),
        Finding("PHONE_NUMBER", 23, 35, 0.75, "phone"),
    ]


def test_without_the_text_a_swallowing_statistical_span_is_dropped() -> None:
    phone = Finding("PHONE_NUMBER", 23, 35, 0.75, "phone")
    address = Finding("STREET_ADDRESS", 0, 35, 0.99, "model")
    assert resolve_overlaps([address, phone], statistical={"model"}) == [phone]


def test_statistical_findings_among_themselves_keep_score_then_length() -> None:
    text = "Jo Doe from Springfield"
    person = model(text, "Jo Doe from", "PERSON", 0.7)
    place = model(text, "from Springfield", "LOCATION", 0.9)
    assert resolve_overlaps([person, place], text, statistical={"model"}) == [place]


def test_without_statistical_recognizers_the_score_rule_applies() -> None:
    text = "Jo Doe, 12 Main Street 201-555-0123"
    address = Finding("STREET_ADDRESS", 0, 35, 0.99, "model")
    phone = Finding("PHONE_NUMBER", 23, 35, 0.75, "phone")
    assert resolve_overlaps([address, phone], text) == [address]


@pytest.mark.parametrize(
    "text",
    [
        "My name is Ada Lovelace, what is the weather like on the moon?",
        "Hi, I'm Jo Okafor. Ship it to 42 Elm Road, Leeds or call +44 20 7946 0958",
    ],
)
def test_redacted_text_redacts_to_itself(text: str) -> None:
    analyzer = PiiAnalyzer()
    once = redact(text, analyzer.analyze(text))
    assert once != text
    assert analyzer.analyze(once) == []
    assert redact(once, analyzer.analyze(once)) == once
    named = Pseudonymizer().pseudonymize(text, analyzer.analyze(text))
    assert analyzer.analyze(named) == []


def test_only_this_analyzers_entity_types_make_placeholders() -> None:
    text = "Call <BOB_5551234567> or <PERSON_2> at 555 0142"
    found = [(f.entity_type, text[f.start : f.end]) for f in PiiAnalyzer().analyze(text)]
    assert ("PHONE_NUMBER", "5551234567") in found
    assert not any("PERSON" in value for _, value in found)


def test_deny_listed_words_inside_placeholders_are_not_findings() -> None:
    analyzer = PiiAnalyzer(options=AnalyzerOptions(deny_list={"PERSON": ("person",)}))
    assert analyzer.analyze("<PERSON> said hi") == []
    assert [f.entity_type for f in analyzer.analyze("the person said hi")] == ["PERSON"]


def test_a_recognizer_whose_min_digits_is_not_a_number_still_runs() -> None:
    @dataclass
    class Odd:
        name: str = "odd"
        entities: tuple[str, ...] = ("CODE",)

        def min_digits(self) -> int:
            return 3

        def find(self, text: str) -> list[Finding]:
            return [Finding("CODE", 0, 4, 0.9, self.name)] if text.startswith("code") else []

    analyzer = PiiAnalyzer(recognizers=[Odd()])
    assert [f.entity_type for f in analyzer.analyze("code word")] == ["CODE"]


def test_overlap_resolution_keeps_what_a_scan_of_every_kept_finding_keeps() -> None:
    import random

    def by_scan(findings: list[Finding]) -> list[Finding]:
        ranked = sorted(findings, key=lambda f: (-f.score, -(f.end - f.start), f.start))
        kept: list[Finding] = []
        for f in ranked:
            if all(f.end <= k.start or f.start >= k.end for k in kept):
                kept.append(f)
        return sorted(kept, key=lambda f: (f.start, f.end))

    rng = random.Random(5)  # fixed: the same cases on every run
    for case in range(2000):
        findings = []
        for _ in range(rng.randint(0, 25)):
            start = rng.randint(0, 60)
            end = start + rng.randint(0 if case % 4 == 0 else 1, 12)  # some empty spans
            findings.append(Finding("PERSON", start, end, rng.choice([0.5, 0.6, 0.9]), "r"))
        assert resolve_overlaps(findings) == by_scan(findings)


def test_findings_that_overlap_nowhere_take_the_full_rules_way() -> None:
    """The shortcut for findings that overlap nowhere gives what every rule gives them:
    random findings of pattern, statistical and yielding recognizers, some apart, some
    overlapping, some empty, in a text of words, compared with ``_resolve``."""
    import random

    from confide.pii.analyzer import _resolve

    rng = random.Random(9)  # fixed: the same cases on every run
    text = " ".join(
        rng.choice(["Ana", "Lund", "order", "12", "Main", "St", "x"]) for _ in range(40)
    )
    kinds = [("PERSON", "model"), ("PHONE_NUMBER", "phone"), ("NRP", "nrp"), ("LOCATION", "model")]
    apart = 0
    for case in range(12_000):
        findings, at = [], 0
        for _ in range(rng.randint(0, 6)):
            at = max(0, at + rng.randint(-6, 10))  # sometimes back over the last one
            end = at + rng.randint(-2 if case % 5 == 0 else 1, 12)  # some empty or reversed
            entity, recognizer = rng.choice(kinds)
            findings.append(Finding(entity, at, end, rng.choice([0.5, 0.6, 0.95]), recognizer))
            at = end
        rng.shuffle(findings)
        ordered = sorted(findings, key=lambda f: (f.start, f.end))
        apart += len(findings) > 1 and all(a.end <= b.start for a, b in itertools.pairwise(ordered))
        for stat, weak in [({"model"}, {"nrp"}), (set(), set()), ({"model"}, set())]:
            for given in (text, None):
                expected = _resolve(findings, given, stat, weak)
                assert resolve_overlaps(findings, given, stat, weak) == expected, findings
    assert apart > 300  # the shortcut was taken often


def test_thousands_of_findings_in_one_text_are_resolved() -> None:
    text = "John\r\nSmith\r\n" * 1000
    found = PiiAnalyzer().analyze(text)
    assert len(found) > 1000
    assert all(a.end <= b.start for a, b in itertools.pairwise(found))


def test_a_recognizer_is_asked_only_of_texts_holding_what_it_needs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The analyzer skips a pattern recognizer whose every pattern needs a string (a "@", a
    context word) the text lacks; with it, the recognizer is asked and finds as before."""
    analyzer = PiiAnalyzer()
    by_name = {r.name: r for r in analyzer.recognizers}
    assert by_name["email"].needs == (("@",), False)
    assert by_name["pl_pesel"].needs == (("pesel",), True)
    assert by_name["date_time"].needs == ((), False)
    asked: list[str] = []
    find = PatternRecognizer.find

    def recorded(self: PatternRecognizer, text: str, stats: object = None) -> list[Finding]:
        asked.append(self.name)
        return find(self, text, stats)  # type: ignore[arg-type]

    monkeypatch.setattr(PatternRecognizer, "find", recorded)
    cases = [
        ("Write to me tomorrow", "email", []),
        ("Write to jo@example.com tomorrow", "email", ["EMAIL_ADDRESS"]),
        ("My number is 44051401359", "pl_pesel", []),
        ("My PESEL is 44051401359", "pl_pesel", ["PL_PESEL"]),
    ]
    for text, name, types in cases:
        asked.clear()
        found = [f.entity_type for f in analyzer.analyze(text) if f.recognizer == name]
        assert found == types
        assert (name in asked) == bool(types), text


@pytest.mark.parametrize(
    "text",
    [
        "Write to jo@example.com or see https://www.example.com/help, order NW-12345",
        "Server 192.0.2.10, router MAC 00:1A:2B:3C:4D:5E, PESEL 44051401359",
        "Passport: X12345678. NINO: AB 12 34 56 C.",
        "CPR 070761-4285; driver license A1234567; bank account 55512345678",
    ],
)
def test_every_finding_of_a_recognizer_holds_what_it_needs(text: str) -> None:
    analyzer = PiiAnalyzer()
    found = 0
    for recognizer in analyzer.recognizers:
        if not isinstance(recognizer, PatternRecognizer) or not recognizer.needs[0]:
            continue
        needs, in_lower = recognizer.needs
        for _ in recognizer.find(text):
            found += 1
            assert any(n in (text.lower() if in_lower else text) for n in needs)
    assert found >= 2


def test_a_recognizer_with_a_find_of_its_own_or_no_count_to_reach_is_always_asked() -> None:
    class Always(PatternRecognizer):
        def find(self, text: str, stats: object = None) -> list[Finding]:
            return [Finding("ACCOUNT_NUMBER", 0, 4, 0.9, self.name)]

    own = Always("own", "ACCOUNT_NUMBER", [Pattern(r"@\w+", 0.9, contains="@")])
    assert own.needs == (("@",), False)
    assert [f.recognizer for f in PiiAnalyzer(recognizers=[own]).analyze("acct 1")] == ["own"]
    # A pattern that needs its string no times holds no need.
    zero = PatternRecognizer(
        "zero", "ACCOUNT_NUMBER", [Pattern(r"\bacct\b", 0.9, contains="@", contains_times=0)]
    )
    assert zero.needs == ((), False)
    assert [f.recognizer for f in PiiAnalyzer(recognizers=[zero]).analyze("acct 1")] == ["zero"]


def test_no_message_stays_in_memory_after_its_analysis() -> None:
    from confide.pii import recognizers

    analyzer = PiiAnalyzer()
    text = "I am Nigerian, write to jo@example.com"
    assert analyzer.analyze(text)
    assert recognizers._LAST_LOWER[0] == ""
    nrp = next(r for r in analyzer.recognizers if r.name == "nrp")
    assert nrp._seen[0] == ""  # type: ignore[attr-defined]
