"""Options, overlap resolution and plugging in another recognizer."""

from __future__ import annotations

from dataclasses import dataclass

from confide.pii import AnalyzerOptions, CustomPattern, Finding, PiiAnalyzer
from confide.pii.analyzer import resolve_overlaps

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
