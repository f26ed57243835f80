"""The PII engine as this deployment configures it (``CONFIDE_PII_*`` settings)."""

from __future__ import annotations

from pathlib import Path

from confide.config import Settings
from confide.errors import ConfideError
from confide.pii import AnalyzerOptions, CustomPattern, PiiAnalyzer


class InvalidPiiSettings(ConfideError):
    """A CONFIDE_PII_* setting the engine cannot follow (an unknown entity type, a custom
    pattern that is not a regular expression)."""


def analyzer_options(settings: Settings) -> AnalyzerOptions:
    defaults = AnalyzerOptions()
    return AnalyzerOptions(
        entities=frozenset(settings.pii_entities) if settings.pii_entities else None,
        thresholds=dict(settings.pii_thresholds),
        allow_list=frozenset(settings.pii_allow_list),
        deny_list={k: tuple(v) for k, v in settings.pii_deny_list.items()},
        order_patterns=tuple(settings.pii_order_patterns or defaults.order_patterns),
        custom_patterns=tuple(
            CustomPattern(entity, regex) for entity, regex in settings.pii_custom_patterns.items()
        ),
        phone_regions=(
            settings.default_phone_region,
            *(r for r in defaults.phone_regions if r != settings.default_phone_region),
        ),
        statistical=settings.pii_statistical,
        name_prior=settings.pii_name_prior,
        semantic_model_path=_semantic_path(settings),
    )


def _semantic_path(settings: Settings) -> Path | None:
    if settings.pii_semantic_model_path is not None:
        return settings.pii_semantic_model_path
    if settings.pii_semantic:
        from confide.pii.semantic import DEFAULT_SEMANTIC_MODEL_PATH

        return DEFAULT_SEMANTIC_MODEL_PATH
    return None


def configured_analyzer(settings: Settings) -> PiiAnalyzer:
    try:
        return PiiAnalyzer(options=analyzer_options(settings))
    except ValueError as exc:  # the analyzer's messages name the setting's values only
        raise InvalidPiiSettings(f"invalid PII configuration: {exc}") from None
