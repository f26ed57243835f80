"""Build the PII tagger's optional C accelerator (everything else is in pyproject.toml).

``confide.pii._crf`` tokenizes a text, computes the CRF tagger's state scores, decodes them and
finds the tagged spans in C. The build is optional: without a C compiler the install still
succeeds and the tagger runs its pure-Python path (numpy and hmmlearn), which gives the same
labels and spans; tests run both paths and compare them.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "confide.pii._crf",
            sources=[
                "src/confide/pii/_crf.c",
                "src/confide/pii/_crf_decode.c",
                "src/confide/pii/_crf_tokenize.c",
                "src/confide/pii/_crf_spans.c",
            ],
            depends=["src/confide/pii/_crf.h"],
            optional=True,
            extra_compile_args=["-O2"],
        )
    ]
)
