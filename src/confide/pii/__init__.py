"""Confide's PII engine: find, redact, mask and pseudonymize personal data.

Library-style: imports neither the web framework nor the ORM.
"""

from confide.pii.analyzer import AnalyzerOptions, CustomPattern, PiiAnalyzer
from confide.pii.findings import Finding, Recognizer
from confide.pii.operators import Pseudonymizer, mask, redact, reidentify
from confide.pii.recognizers import Pattern, PatternRecognizer, PhoneRecognizer
from confide.pii.semantic import SemanticNerRecognizer

__all__ = [
    "AnalyzerOptions",
    "CustomPattern",
    "Finding",
    "Pattern",
    "PatternRecognizer",
    "PhoneRecognizer",
    "PiiAnalyzer",
    "Pseudonymizer",
    "Recognizer",
    "SemanticNerRecognizer",
    "mask",
    "redact",
    "reidentify",
]
