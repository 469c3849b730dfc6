"""The knowledge sections in SQL, loading the corpus, and the search service."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Column, DateTime, Integer, String, Text, select, update
from sqlalchemy.orm import Session

from bot.knowledge import analyzer
from bot.knowledge.corpus import Section, cite, load_bibliography, parse_corpus
from bot.knowledge.meaning import MeaningIndex
from bot.knowledge.ranking import (
    MEANING_WEIGHT,
    QUESTION_FOCUS,
    RERANK_DEPTH,
    Bm25Index,
    IndexedSection,
    is_close,
    is_reliable,
    needs_asked,
    prefer_asked,
    rerank,
    shares_enough,
)
from bot.knowledge.sentences import AskedIndex, sentence_encoder
from bot.knowledge.similarity import CharNgramIndex
from bot.knowledge.spelling import Speller, vocabulary
from bot.storage.db import Base


class KnowledgeSection(Base):
    __tablename__ = "knowledge_sections"

    id = Column(String(80), primary_key=True)
    title = Column(String(300), nullable=False)
    source = Column(Text, nullable=False)  # as a reader sees it: "<document>, <place>; …"
    tags = Column(Text, nullable=False)  # comma-separated, as written in the corpus
    topic = Column(String(120), nullable=False)
    text = Column(Text, nullable=False)
    content_hash = Column(String(64), nullable=False)
    # Analysed terms are stored so that starting a server does not re-run spaCy on the corpus.
    text_terms = Column(Text, nullable=False)
    title_terms = Column(Text, nullable=False)
    tag_terms = Column(Text, nullable=False)
    asks = Column(Text, nullable=False, default="")  # the questions it answers, one per line
    ask_terms = Column(Text, nullable=False, default="")
    updated_at = Column(DateTime(timezone=True), nullable=False)


class KnowledgeVersion(Base):
    """One row, bumped by every load that changes something: what a server checks per search."""

    __tablename__ = "knowledge_version"

    id = Column(Integer, primary_key=True)
    version = Column(Integer, nullable=False)


@dataclass
class LoadReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0


def _stored_hash(section: Section, source: str) -> str:
    """Changes with the section, how its sources read, and the analyser (thesaurus) version."""
    blob = "\x1f".join([section.content_hash, source, analyzer.fingerprint()])
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def load_sections(
    session: Session, sections: list[Section], progress=None, bibliography: dict[str, dict] | None = None
) -> LoadReport:
    """Bring the table in line with the corpus: add, update changed, remove deleted. Idempotent."""
    report = LoadReport()
    existing = {row.id: row for row in session.execute(select(KnowledgeSection)).scalars()}
    now = datetime.now(timezone.utc)
    for section in sections:
        row = existing.pop(section.id, None)
        source = cite(section, bibliography or {})
        stored_hash = _stored_hash(section, source)
        if row is not None and row.content_hash == stored_hash:
            report.unchanged += 1
        else:
            if row is None:
                row = KnowledgeSection(id=section.id)
                session.add(row)
                report.added.append(section.id)
            else:
                report.updated.append(section.id)
            row.title, row.source, row.topic, row.text = section.title, source, section.topic, section.text
            row.tags = ", ".join(section.tags)
            row.asks = "\n".join(section.asks)
            row.content_hash = stored_hash
            row.text_terms = " ".join(analyzer.terms(section.text))
            row.title_terms = " ".join(analyzer.terms(section.title))
            row.tag_terms = " ".join(analyzer.terms(" ".join(section.tags)))
            row.ask_terms = " ".join(analyzer.terms(" ".join(section.asks)))
            row.updated_at = now
        if progress:
            progress(section.id)
    for stale in existing.values():
        session.delete(stale)
        report.removed.append(stale.id)
    if report.added or report.updated or report.removed:
        bumped = session.execute(
            update(KnowledgeVersion).where(KnowledgeVersion.id == 1).values(version=KnowledgeVersion.version + 1)
        ).rowcount
        if not bumped:
            session.add(KnowledgeVersion(id=1, version=1))
    return report


def load_corpus(session: Session, directory: Path, progress=None) -> LoadReport:
    return load_sections(session, parse_corpus(directory), progress, load_bibliography(directory))


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    source: str
    score: float
    text: str


@dataclass(frozen=True)
class SearchResult:
    query: str
    answered: bool
    hits: list[Hit]
    close: bool = False  # the runner-up scores nearly as well as the best: show both

    def as_dict(self) -> dict:
        return {
            "query": self.query,
            "answered": self.answered,
            "close": self.close,
            "hits": [h.__dict__ for h in self.hits],
        }


class KnowledgeBase:
    """Ranked search over the sections in the database.

    The in-memory index is rebuilt only when the corpus version changes (one primary-key read per
    search), so a long-running action server picks up `prr knowledge load` without a restart.
    """

    def __init__(self, session_factory):
        self._session_factory = session_factory
        self._lock = threading.Lock()
        self._version = None
        self._index: Bm25Index | None = None
        self._similarity: CharNgramIndex | None = None
        self._meaning: MeaningIndex | None = None
        self._asked = AskedIndex({})
        self._speller = Speller(frozenset())
        self._rows: dict[str, KnowledgeSection] = {}
        self._row_of: dict[str, int] = {}  # section id -> its row in the similarity index

    def _refresh(self, session: Session) -> None:
        version = session.execute(select(KnowledgeVersion.version).where(KnowledgeVersion.id == 1)).scalar()
        if version == self._version and self._index is not None:
            return
        rows = list(session.execute(select(KnowledgeSection).order_by(KnowledgeSection.id)).scalars())
        self._rows = {r.id: r for r in rows}
        self._index = Bm25Index(
            [
                IndexedSection(
                    r.id,
                    {
                        "text": r.text_terms.split(),
                        "title": r.title_terms.split(),
                        "tags": r.tag_terms.split(),
                        "asks": r.ask_terms.split(),
                    },
                )
                for r in rows
            ]
        )
        documents = [f"{r.title}\n{r.asks}\n{r.tags}\n{r.text}" for r in rows]
        self._similarity = CharNgramIndex(documents)
        self._meaning = MeaningIndex(documents)
        self._asked = AskedIndex({r.id: [r.title, *r.asks.splitlines()] for r in rows})
        self._row_of = {r.id: i for i, r in enumerate(rows)}
        # Not the asks: they keep practitioners' own misspellings ("juvinile"), which would then
        # count as words of the corpus and never be corrected.
        words = vocabulary(f"{r.title} {r.tags} {r.text}" for r in rows)
        self._speller = Speller(words | analyzer.thesaurus_words())
        self._version = version

    def prepare(self) -> None:
        """Build the index and load the sentence encoder now (a server's start), so that the first
        question does not wait for them."""
        with self._lock, self._session_factory() as session:
            self._refresh(session)
        sentence_encoder()

    def search(self, query: str, k: int = 3) -> SearchResult:
        query = (query or "").strip()
        with self._lock, self._session_factory() as session:
            self._refresh(session)
            text = self._speller.correct(analyzer.cut(query))
            terms = analyzer.query_terms(text)
            boost = {term: QUESTION_FOCUS for term in analyzer.focus_terms(text)}
            assert self._index is not None and self._similarity is not None and self._meaning is not None
            ranked = self._index.rank(terms, k=max(2, k, RERANK_DEPTH), boost=boost)
            rows = [self._row_of[r.id] for r in ranked]
            wording = self._similarity.similarities(text, rows)
            meaning = self._meaning.similarities(text, rows)
            closeness = {r.id: (float(w), float(m)) for r, w, m in zip(ranked, wording, meaning, strict=True)}
            ranked = rerank(ranked, wording + MEANING_WEIGHT * meaning)
            hit_of = {r.id: self._hit(r.id, r.score) for r in ranked[: max(2, k)]}
            words = list(dict.fromkeys(terms))
            domain_word = len(words) == 1 and self._speller.is_domain_word(words[0])
            asked_index = self._asked
        # The sentence encoder, when step 5 needs it (10–100 ms), runs outside the lock so that other
        # searches go on meanwhile; its index is the one of the corpus version these results came from.
        asked = None
        if needs_asked(ranked, lambda r: shares_enough(r, len(words), domain_word, *closeness[r.id])):
            ranked, asked = prefer_asked(ranked, asked_index.closeness(text, [r.id for r in ranked[:2]]))
        hits = [hit_of[r.id] for r in ranked[: max(1, k)]]
        best, runner_up = (ranked + [None, None])[:2]
        answered = best is not None and is_reliable(best, len(words), domain_word, *closeness[best.id], asked=asked)
        close = answered and best is not None and is_close(best, runner_up)
        return SearchResult(query=query, answered=answered, hits=hits, close=bool(close))

    def knows_no_word_of(self, text: str) -> bool:
        """Whether the text has words and none of them is English or the corpus's ("jklo pqwe")."""
        with self._lock, self._session_factory() as session:
            self._refresh(session)
            return self._speller.knows_no_word_of(text or "")

    def section(self, section_id: str) -> Hit | None:
        with self._lock, self._session_factory() as session:
            self._refresh(session)
            return self._hit(section_id, 0.0) if section_id in self._rows else None

    def topics(self) -> list[str]:
        with self._lock, self._session_factory() as session:
            self._refresh(session)
            return sorted({r.topic for r in self._rows.values()})

    def _hit(self, section_id: str, score: float) -> Hit:
        r = self._rows[section_id]
        return Hit(id=r.id, title=r.title, source=r.source, score=score, text=r.text)
