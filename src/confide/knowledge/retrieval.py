"""Lexical (BM25) retrieval over help-centre articles.

Articles are cut into small passages, each prefixed with its title and section heading so
a passage makes sense on its own. Each article also gets a "profile" document (title, tags
and example questions), because customers word things the way those questions do rather
than the way articles are written; an article's score combines its profile and its best
passage.
Semantic retrieval can be added later behind `DenseRetriever`; nothing here loads a model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import bm25s
from bm25s.stopwords import STOPWORDS_EN

from confide.knowledge.articles import Article, markdown_blocks, strip_inline_markdown

__all__ = [
    "STOPWORDS",
    "DenseRetriever",
    "KnowledgeIndex",
    "Passage",
    "Stemmer",
    "chunk_article",
    "english_stemmer",
    "light_stem",
    "tokenize",
]

Stemmer = Callable[[str], str]

# Lucene's English list (what bm25s ships) plus words that fill chat questions without
# saying what they are about ("how do I ...", "can you help me ...").
_CHAT_FILLER = """
    i me my mine myself we us our you your yours he she him her his its am been being
    do does did doing done can could would should will shall may might must have has had
    how what when where which who whom why whats hows im ive id youre dont doesnt didnt
    hi hello hey please pls thanks thank just also get got want wanted need needed help
    from about so any all some there here very really
"""
STOPWORDS: frozenset[str] = frozenset(STOPWORDS_EN) | frozenset(_CHAT_FILLER.split())

_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_VOWEL = re.compile(r"[aeiouy]")


def light_stem(word: str) -> str:
    """A small, dependency-free English stemmer: plurals, -ing, -ed and a final -e.

    Deliberately crude; it only needs to map "refunds", "refunded" and "refunding" (or
    "cancelled" and "canceled") onto the same token, consistently for queries and passages.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    word = _strip_plural(word)
    for suffix in ("ing", "ed"):
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and len(stem) >= 3 and _VOWEL.search(stem):
            word = stem
            break
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiousz":
        word = word[:-1]
    return word


def _strip_plural(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def english_stemmer() -> Stemmer:
    """PyStemmer's English Snowball stemmer when it is installed, else `light_stem`."""
    try:
        import Stemmer as pystemmer  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return light_stem
    stem_word: Stemmer = pystemmer.Stemmer("english").stemWord
    return stem_word


def tokenize(text: str, *, stemmer: Stemmer | None = light_stem) -> list[str]:
    """Lowercase word tokens of two or more characters, stopwords removed, then stemmed."""
    words = (w for w in _TOKEN.findall(text.lower()) if w not in STOPWORDS)
    return [stemmer(w) for w in words] if stemmer else list(words)


@dataclass(frozen=True, slots=True)
class Passage:
    """A retrieved passage: the chunk text (title-prefixed) and its relevance score.

    The score is BM25-based and only comparable between results of the same index.
    """

    article_id: str
    title: str
    text: str
    score: float


class DenseRetriever(Protocol):
    """Hook for a later semantic retriever whose scores can be fused with BM25's.

    Not implemented in this package: `fit` receives every article's passages, as
    `chunk_article` returns them, and `scores` returns one similarity per passage, in order.
    """

    def fit(self, documents: Sequence[str]) -> None: ...

    def scores(self, query: str) -> Sequence[float]: ...


def chunk_article(article: Article, *, max_words: int = 120) -> list[str]:
    """Split an article body into passages of at most `max_words` body words.

    Passages follow headings and paragraphs; each starts with a context line, the title
    (and the section heading, if any), so it reads well on its own.
    """
    return [
        f"{article.title} — {heading}\n{text}" if heading else f"{article.title}\n{text}"
        for heading, text in _section_chunks(article, max_words)
    ]


def _section_chunks(article: Article, max_words: int) -> list[tuple[str | None, str]]:
    """(section heading, text) pairs; `chunk_article` adds the title for display."""
    if max_words < 1:
        raise ValueError("max_words must be at least 1")
    chunks = [
        (heading, text)
        for heading, paragraphs in _sections(article.body)
        for text in _pack(paragraphs, max_words)
    ]
    if not chunks:  # a body of headings only still deserves a passage
        plain = re.sub(r"(?m)^\s*#{1,6}\s+", "", article.body)
        words = strip_inline_markdown(plain).split()[:max_words]
        chunks.append((None, " ".join(words)))
    return chunks


def _sections(body: str) -> list[tuple[str | None, list[str]]]:
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    for block in markdown_blocks(body):
        lines: list[str] = []
        for line in block:
            match = _HEADING.match(line)
            if match:
                _append_paragraph(sections[-1][1], lines)
                lines = []
                sections.append((strip_inline_markdown(match.group(2)) or None, []))
            else:
                lines.append(strip_inline_markdown(line) if line.strip() else "")
        _append_paragraph(sections[-1][1], lines)
    return [(heading, paragraphs) for heading, paragraphs in sections if paragraphs]


def _append_paragraph(paragraphs: list[str], lines: list[str]) -> None:
    text = "\n".join(line for line in lines if line)
    if text:
        paragraphs.append(text)


def _pack(paragraphs: list[str], max_words: int) -> list[str]:
    """Greedily join paragraphs into chunks; split a paragraph only if it is too long alone."""
    chunks: list[str] = []
    current: list[str] = []
    count = 0
    for paragraph in paragraphs:
        size = len(paragraph.split())
        if current and count + size > max_words:
            chunks.append("\n".join(current))
            current, count = [], 0
        if size > max_words:
            words = paragraph.split()
            pieces = [words[i : i + max_words] for i in range(0, size, max_words)]
            chunks.extend(" ".join(piece) for piece in pieces[:-1])
            paragraph, size = " ".join(pieces[-1]), len(pieces[-1])
        current.append(paragraph)
        count += size
    if current:
        chunks.append("\n".join(current))
    return chunks


# An article's profile (title, tags and example questions) is worded the way customers ask,
# so it carries most of the weight; the passage text adds evidence and picks the passage.
# On the demo evaluation set this beat indexing questions separately or chunks alone.
_CHUNK_WEIGHT = 0.5


@dataclass(frozen=True, slots=True)
class _IndexedArticle:
    """Where an article's documents sit in the BM25 corpus."""

    article: Article
    chunks: tuple[str, ...]
    first_chunk_doc: int  # chunk i is document first_chunk_doc + i
    profile_doc: int  # title, tags and example questions


class KnowledgeIndex:
    """A BM25 index over article passages and article profiles. Build with `build`."""

    def __init__(
        self,
        entries: Sequence[_IndexedArticle],
        bm25: bm25s.BM25 | None,
        vocabulary: frozenset[str],
        stemmer: Stemmer | None,
    ) -> None:
        self._entries = tuple(entries)
        self._by_id = {entry.article.id: entry.article for entry in self._entries}
        self._bm25 = bm25
        self._vocabulary = vocabulary
        self._stemmer = stemmer

    @classmethod
    def build(
        cls,
        articles: Sequence[Article],
        *,
        max_words: int = 120,
        stemmer: Stemmer | None = light_stem,
    ) -> KnowledgeIndex:
        """Index each article's passages plus one profile: title, tags and example questions.

        Pass `stemmer=english_stemmer()` to use PyStemmer when installed, or None for none.
        Raises ValueError if two articles share an id.
        """
        ids = [article.id for article in articles]
        if len(set(ids)) != len(ids):
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            raise ValueError(f"duplicate article ids: {', '.join(duplicates)}")
        entries: list[_IndexedArticle] = []
        corpus: list[list[str]] = []
        for article in articles:
            parts = _section_chunks(article, max_words)
            chunks = tuple(chunk_article(article, max_words=max_words))
            first = len(corpus)
            # Chunks are indexed without the title: the profile document already carries
            # it, and repeating it would favour an article's shortest sections.
            corpus.extend(tokenize(f"{h or ''} {text}", stemmer=stemmer) for h, text in parts)
            profile = " ".join((article.title, *article.tags, *article.questions))
            corpus.append(tokenize(profile, stemmer=stemmer))
            entries.append(_IndexedArticle(article, chunks, first, len(corpus) - 1))
        vocabulary = frozenset(token for tokens in corpus for token in tokens)
        bm25 = None
        if vocabulary:
            bm25 = bm25s.BM25()
            bm25.index(corpus, show_progress=False)
        return cls(entries, bm25, vocabulary, stemmer)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def articles(self) -> tuple[Article, ...]:
        return tuple(entry.article for entry in self._entries)

    def article(self, article_id: str) -> Article | None:
        """The article with this id, or None."""
        return self._by_id.get(article_id)

    def search(self, query: str, k: int = 3, *, one_per_article: bool = True) -> list[Passage]:
        """The best `k` passages for the query, best first; [] when nothing matches.

        With `one_per_article` (the default) each article appears at most once, with its
        best-matching passage.
        """
        tokens = [t for t in tokenize(query, stemmer=self._stemmer) if t in self._vocabulary]
        if k < 1 or not tokens or self._bm25 is None:
            return []
        scores = [float(score) for score in self._bm25.get_scores(tokens)]
        hits = [hit for entry in self._entries for hit in self._score_chunks(entry, scores)]
        hits.sort(key=lambda hit: -hit.score)  # stable: ties keep index order
        if one_per_article:
            best: dict[str, Passage] = {}
            for hit in hits:
                best.setdefault(hit.article_id, hit)  # the first is the best: hits are sorted
            hits = list(best.values())
        return hits[:k]

    def _score_chunks(self, entry: _IndexedArticle, scores: list[float]) -> list[Passage]:
        """Score each matching chunk; an article matched only by its profile shows chunk 0."""
        profile = scores[entry.profile_doc]
        chunk_scores = scores[entry.first_chunk_doc : entry.first_chunk_doc + len(entry.chunks)]
        scored = [
            (text, _CHUNK_WEIGHT * score + profile)
            for text, score in zip(entry.chunks, chunk_scores, strict=True)
            if score > 0
        ]
        if not scored and profile > 0:
            scored = [(entry.chunks[0], profile)]
        article = entry.article
        return [Passage(article.id, article.title, text, score) for text, score in scored]
