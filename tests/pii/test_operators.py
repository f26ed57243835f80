"""Redact, mask and pseudonymize, and reverse pseudonyms with the mapping."""

from __future__ import annotations

from confide.pii import Finding, PiiAnalyzer, Pseudonymizer, mask, redact, reidentify

TEXT = "Card 4111 1111 1111 1111, mail jo@example.com"


def test_redact_replaces_each_finding_with_its_type() -> None:
    findings = PiiAnalyzer().analyze(TEXT)
    assert redact(TEXT, findings) == "Card <CREDIT_CARD>, mail <EMAIL_ADDRESS>"


def test_mask_keeps_the_last_four_card_digits_only() -> None:
    findings = PiiAnalyzer().analyze(TEXT)
    assert mask(TEXT, findings) == "Card **** **** **** 1111, mail **@*******.***"


def test_mask_keep_last_is_configurable() -> None:
    text = "GB82 WEST 1234 5698 7654 32"
    findings = PiiAnalyzer().analyze(text)
    assert mask(text, findings, keep_last=2) == "**** **** **** **** **** 32"


def test_pseudonyms_are_consistent_within_a_conversation() -> None:
    text = "Alice met Bob, then alice called."
    people = [
        Finding("PERSON", 0, 5, 0.9, "t"),
        Finding("PERSON", 10, 13, 0.9, "t"),
        Finding("PERSON", 20, 25, 0.9, "t"),
    ]
    pseudonymizer = Pseudonymizer()
    out = pseudonymizer.pseudonymize(text, people)
    assert out == "<PERSON_1> met <PERSON_2>, then <PERSON_1> called."
    assert pseudonymizer.mapping == {"<PERSON_1>": "Alice", "<PERSON_2>": "Bob"}
    second = pseudonymizer.pseudonymize("Bob again", [Finding("PERSON", 0, 3, 0.9, "t")])
    assert second == "<PERSON_2> again"


def test_pseudonymize_then_reidentify_round_trips() -> None:
    findings = PiiAnalyzer().analyze(TEXT)
    pseudonymizer = Pseudonymizer()
    out = pseudonymizer.pseudonymize(TEXT, findings)
    assert out == "Card <CREDIT_CARD_1>, mail <EMAIL_ADDRESS_1>"
    assert reidentify(out, pseudonymizer.mapping) == TEXT


def test_stored_mapping_resumes_numbering() -> None:
    resumed = Pseudonymizer({"<PERSON_1>": "Alice"})
    text = "Carol and Alice"
    found = [Finding("PERSON", 0, 5, 0.9, "t"), Finding("PERSON", 10, 15, 0.9, "t")]
    assert resumed.pseudonymize(text, found) == "<PERSON_2> and <PERSON_1>"


def test_reidentify_leaves_unknown_placeholders() -> None:
    assert reidentify("<PERSON_9> said hi", {"<PERSON_1>": "Alice"}) == "<PERSON_9> said hi"
