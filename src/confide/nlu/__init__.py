"""Intent understanding: which intent a customer message expresses, or that it is out of scope.

A library: it imports neither the web framework nor the database, and torch only when the
``semantic`` engine is used. Typical use::

    examples = read_labelled_csv("intents.csv")
    model = train_intent_model(examples)            # engine="semantic" needs confide[semantic]
    model.predict("my card has not arrived").intent
    model.save("intents.joblib"); IntentModel.load("intents.joblib")

See :mod:`confide.nlu.training` for how confidence is calibrated and the out-of-scope
threshold chosen.
"""

from confide.nlu.data import OOS_LABEL, IntentDataError, LabelledText, read_labelled_csv
from confide.nlu.embedders import (
    Embedder,
    FineTunableEmbedder,
    SemanticEngineUnavailable,
    SentenceEmbedder,
)
from confide.nlu.evaluation import EvalReport, bench_intents, evaluate
from confide.nlu.features import FeatureSettings
from confide.nlu.model import IntentModel, IntentModelError, IntentPrediction
from confide.nlu.training import ENGINES, TrainOptions, train_intent_model

__all__ = [
    "ENGINES",
    "OOS_LABEL",
    "Embedder",
    "EvalReport",
    "FeatureSettings",
    "FineTunableEmbedder",
    "IntentDataError",
    "IntentModel",
    "IntentModelError",
    "IntentPrediction",
    "LabelledText",
    "SemanticEngineUnavailable",
    "SentenceEmbedder",
    "TrainOptions",
    "bench_intents",
    "evaluate",
    "read_labelled_csv",
    "train_intent_model",
]
