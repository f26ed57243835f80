from __future__ import annotations

import subprocess
import sys


def test_importing_nlu_loads_neither_torch_nor_web_nor_database_libraries() -> None:
    code = (
        "import sys, confide.nlu\n"
        "heavy = ['torch', 'sentence_transformers', 'transformers', 'fastapi', 'sqlalchemy']\n"
        "print(','.join(name for name in heavy if name in sys.modules))\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )

    assert result.stdout.strip() == ""


def test_public_api_is_small_and_exported() -> None:
    import confide.nlu as nlu

    assert sorted(nlu.__all__) == sorted(
        [
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
    )
    assert all(hasattr(nlu, name) for name in nlu.__all__)
