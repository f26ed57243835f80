from __future__ import annotations

import pytest

from confide.nlu import (
    OOS_LABEL,
    IntentDataError,
    IntentModel,
    LabelledText,
    train_intent_model,
)

from .conftest import (
    FIXED_TIME,
    UNRELATED,
    UNSEEN,
    fixed_options,
    in_scope_examples,
    oos_examples,
)


@pytest.mark.parametrize(("text", "intent"), UNSEEN)
def test_unseen_phrasing_gets_its_intent(
    lexical_model: IntentModel, text: str, intent: str
) -> None:
    prediction = lexical_model.predict(text)

    assert prediction.intent == intent
    assert prediction.out_of_scope is False
    assert prediction.ranking[0][0] == intent


@pytest.mark.parametrize("text", UNRELATED)
def test_unrelated_text_is_rejected_as_out_of_scope(lexical_model: IntentModel, text: str) -> None:
    prediction = lexical_model.predict(text)

    assert prediction.intent is None
    assert prediction.out_of_scope is True
    assert prediction.confidence < lexical_model.threshold


def test_ranking_is_sorted_top_five_with_probabilities_summing_at_most_one(
    lexical_model: IntentModel,
) -> None:
    for text, _ in UNSEEN:
        ranking = lexical_model.predict(text).ranking
        probabilities = [probability for _, probability in ranking]

        assert len(ranking) == 5
        assert probabilities == sorted(probabilities, reverse=True)
        assert sum(probabilities) <= 1.0
        assert all(0.0 <= probability <= 1.0 for probability in probabilities)
        assert len({intent for intent, _ in ranking}) == 5


def test_confidence_is_the_top_probability_of_the_ranking(lexical_model: IntentModel) -> None:
    prediction = lexical_model.predict("I forgot my password")

    assert prediction.confidence == prediction.ranking[0][1]


def test_unseen_phrasings_are_confident_and_unrelated_text_is_not(
    lexical_model: IntentModel,
) -> None:
    seen = [lexical_model.predict(text).confidence for text, _ in UNSEEN]
    unrelated = [lexical_model.predict(text).confidence for text in UNRELATED]

    assert min(seen) > 0.9
    assert max(unrelated) < 0.2


def test_predict_many_matches_predict_one_by_one(lexical_model: IntentModel) -> None:
    texts = [text for text, _ in UNSEEN] + UNRELATED

    assert lexical_model.predict_many(texts) == [lexical_model.predict(text) for text in texts]
    assert lexical_model.predict_many([]) == []


def test_model_knows_its_intents_sorted_and_without_oos(lexical_model: IntentModel) -> None:
    assert lexical_model.intents == (
        "cancel_subscription",
        "delivery_status",
        "lost_card",
        "refund",
        "reset_password",
    )
    assert lexical_model.engine == "lexical"


def test_metadata_records_training_facts_and_injected_clock(lexical_model: IntentModel) -> None:
    metadata = lexical_model.metadata

    assert metadata["engine"] == "lexical"
    assert metadata["version"] == 1
    assert metadata["created_at"] == FIXED_TIME.isoformat()
    assert metadata["n_train"] == 60
    assert metadata["n_oos"] == 12
    assert metadata["threshold"] == lexical_model.threshold
    assert metadata["heldout"]["n"] == 12
    assert metadata["heldout"]["n_oos"] == 12
    assert metadata["heldout"]["oos_recall"] == 1.0


def test_threshold_with_oos_examples_separates_heldout_oos_from_in_scope(
    lexical_model: IntentModel,
) -> None:
    heldout = lexical_model.metadata["heldout"]

    assert heldout["in_scope_accuracy_with_rejection"] == 1.0
    assert heldout["oos_recall"] == 1.0
    assert 0.0 < lexical_model.threshold < 1.0


def test_without_oos_examples_threshold_rejects_at_most_the_documented_share() -> None:
    model = train_intent_model(
        in_scope_examples(), options=fixed_options(holdout_fraction=0.5, max_inscope_rejection=0.1)
    )
    heldout = model.metadata["heldout"]

    assert heldout["n"] == 30
    assert heldout["oos_recall"] is None
    assert heldout["in_scope_rejection_rate"] <= 0.1


def test_training_twice_with_the_same_seed_gives_identical_models() -> None:
    examples = in_scope_examples() + oos_examples()
    first = train_intent_model(examples, options=fixed_options(seed=7))
    second = train_intent_model(examples, options=fixed_options(seed=7))
    texts = [text for text, _ in UNSEEN] + UNRELATED

    assert first.threshold == second.threshold
    assert first.metadata == second.metadata
    assert first.predict_many(texts) == second.predict_many(texts)


def test_oos_rows_are_not_a_class() -> None:
    model = train_intent_model(in_scope_examples() + oos_examples(), options=fixed_options())

    assert OOS_LABEL not in model.intents


def test_training_with_one_intent_is_rejected() -> None:
    examples = [LabelledText("I lost my card", "lost_card")] * 3 + oos_examples()

    with pytest.raises(IntentDataError, match="need at least 2 intents besides 'oos', got 1"):
        train_intent_model(examples)


def test_training_with_an_intent_of_one_example_names_it() -> None:
    examples = [*in_scope_examples(), LabelledText("open a savings account", "open_account")]

    with pytest.raises(IntentDataError, match="1 for: open_account"):
        train_intent_model(examples)


def test_training_with_an_empty_text_is_rejected() -> None:
    examples = [*in_scope_examples(), LabelledText("   ", "refund")]

    with pytest.raises(IntentDataError, match="example 61: empty text"):
        train_intent_model(examples)


def test_unknown_engine_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown engine 'neural'"):
        train_intent_model(in_scope_examples(), engine="neural")


def test_two_intents_are_enough_and_get_one_probability_each() -> None:
    examples = [e for e in in_scope_examples() if e.intent in {"refund", "lost_card"}]
    model = train_intent_model(examples, options=fixed_options())
    prediction = model.predict("please give me a refund")

    assert model.intents == ("lost_card", "refund")
    assert prediction.intent == "refund"
    assert [intent for intent, _ in prediction.ranking] == ["refund", "lost_card"]
