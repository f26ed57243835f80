"""Small made-up customer-service intents for fast tests (no real data)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from confide.nlu import OOS_LABEL, IntentModel, LabelledText, TrainOptions, train_intent_model

PHRASINGS: dict[str, list[str]] = {
    "lost_card": [
        "I lost my card",
        "my card is lost",
        "I can't find my bank card anywhere",
        "someone stole my card",
        "my card was stolen yesterday",
        "please block my lost card",
        "I think I dropped my card on the bus",
        "card missing, what do I do",
        "I misplaced my debit card",
        "freeze my card, it has been stolen",
        "my wallet with the card got stolen",
        "report a lost card",
    ],
    "refund": [
        "I want a refund",
        "can I get my money back",
        "please refund my order",
        "how do I request a refund",
        "I was charged twice, refund me",
        "return the item and refund the payment",
        "when will my refund arrive",
        "I would like my money returned",
        "refund for a cancelled order",
        "the product was broken, I want a refund",
        "give me back my money for this purchase",
        "how long does a refund take",
    ],
    "delivery_status": [
        "where is my parcel",
        "my package has not arrived",
        "track my delivery",
        "when will my order be delivered",
        "the delivery is late",
        "has my parcel been shipped yet",
        "what is the status of my shipment",
        "my order is still not here",
        "tracking number for my package",
        "expected delivery date of my order",
        "the courier never came with my parcel",
        "is my package on its way",
    ],
    "reset_password": [
        "I forgot my password",
        "reset my password please",
        "I can't log in, forgot the password",
        "how do I change my password",
        "password reset link not working",
        "locked out of my account, need a new password",
        "send me a password reset email",
        "my password does not work anymore",
        "I need to set a new password",
        "cannot remember my login password",
        "help me recover my password",
        "change the password on my account",
    ],
    "cancel_subscription": [
        "cancel my subscription",
        "I want to stop my membership",
        "how do I unsubscribe from the plan",
        "end my monthly subscription",
        "please terminate my plan",
        "I no longer want the premium plan",
        "stop charging me every month, cancel it",
        "cancel the auto renewal",
        "how to cancel my account plan",
        "I wish to end my subscription today",
        "quit the subscription service",
        "turn off my recurring subscription",
    ],
}

OOS_LINES = [
    "what is the weather like tomorrow",
    "tell me a joke about penguins",
    "who won the football match last night",
    "recommend a good pasta recipe",
    "how tall is mount everest",
    "play some jazz music",
    "what is the capital of australia",
    "translate hello into italian",
    "how many legs does a spider have",
    "write me a poem about the sea",
    "what time does the sun set today",
    "suggest a movie for tonight",
]

# Unseen phrasings: never in training.
UNSEEN = [
    ("my card got stolen at the station", "lost_card"),
    ("I'd like a refund for my purchase", "refund"),
    ("where is my package, it is late", "delivery_status"),
    ("I forgot the password for my account", "reset_password"),
    ("please cancel my monthly plan", "cancel_subscription"),
]

UNRELATED = [
    "sing me a song about dogs",
    "who painted the mona lisa",
    "is it going to rain on saturday",
    "tell me about volcanoes in iceland",
]

FIXED_TIME = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def in_scope_examples() -> list[LabelledText]:
    return [LabelledText(text, intent) for intent, texts in PHRASINGS.items() for text in texts]


def oos_examples() -> list[LabelledText]:
    return [LabelledText(text, OOS_LABEL) for text in OOS_LINES]


def fixed_options(**overrides: object) -> TrainOptions:
    return TrainOptions(clock=lambda: FIXED_TIME, **overrides)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def lexical_model() -> IntentModel:
    return train_intent_model(in_scope_examples() + oos_examples(), options=fixed_options())
