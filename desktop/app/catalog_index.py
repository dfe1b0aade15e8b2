"""An in-memory word index of the catalog, for search as you type.

Built by one query (products joined to their barcodes) and kept by the screen between
keystrokes: :meth:`CatalogIndex.refresh` reloads it only when a product or barcode
may have changed since.

Text is folded (:func:`shared.services.catalog.fold_text`: lower case, no accents) and
split into words of letters and digits; a product's words are its name's, its sku's
and its barcodes. Every word of a query must match some word of a product:

- exactly, as a prefix, or inside it (``erba`` finds ``yerba``), in that order of score;
- or, for words of three or more letters (no digits), with a typo: one edit for words of
  up to five letters, two for longer ones (optimal string alignment through rapidfuzz,
  so a swapped pair of letters is one edit). The last word of a query is still being
  typed, so it is also compared with the start of each word.

Codes and sizes (words holding a digit) never match with a typo: a mistyped EAN is
another EAN, and ``500 g`` is not ``600 g``.
"""

from __future__ import annotations

import bisect
import heapq
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from rapidfuzz import process
from rapidfuzz.distance import OSA
from sqlalchemy import ColumnElement, Table, func, literal_column, select
from sqlalchemy.orm import Session

from shared.db import tables as t
from shared.services.catalog import fold_text
from shared.services.stock import merged_products, visible_products

_WORD = re.compile(r"[0-9a-z]+")
_SEPARATOR = "\x00"
CURSOR_KEY = "sync_cursor"  # sync.client.CURSOR_KEY: the pull cursor moves on every pull
CATALOG_ENTITIES = frozenset({"product", "barcode"})
_OPERATIONS = cast(Table, t.OperationRow.__table__)

EXACT_WORD, PREFIX, INSIDE = 100, 95, 85
TYPO, TYPO_PREFIX = 80, 75  # one edit; each further edit costs EDIT_COST more
EDIT_COST = 10
MIN_TYPO_LENGTH = 3
MAX_QUERY_WORDS = 8


def fold(text: str) -> str:
    """:func:`fold_text`, with a fast path for plain ASCII (most skus and many names)."""
    return text.lower() if text.isascii() else fold_text(text)


def words_of(text: str | None) -> list[str]:
    """Folded words of letters and digits: ``"Azúcar 1kg."`` -> ``["azucar", "1kg"]``."""
    return _WORD.findall(fold(text or ""))


def allowed_edits(word: str) -> int:
    """How many typos a query word may carry: none for short words or words holding a
    digit (a code or a size: ``sku0012`` is not ``sku0013``, ``500`` is not ``600``)."""
    if len(word) < MIN_TYPO_LENGTH or not word.isalpha():
        return 0
    return 1 if len(word) <= 5 else 2


@dataclass(frozen=True, slots=True)
class Match:
    product: IndexedProduct
    score: float  # 0-100: the mean over the query's words of how well each matched
    leads: bool  # the query's first word matched the name's first word ("yerba" …)


@dataclass(frozen=True, slots=True)
class IndexedProduct:
    """A searchable product: catalog fields only (levels and prices change too often)."""

    product_id: uuid.UUID
    sku: str
    name: str
    unit: str
    min_stock_milli: int | None
    provisional: bool
    barcodes: tuple[str, ...]
    sort_name: str = ""  # the folded name, to sort rows without folding again


class CatalogIndex:
    """Products by word. Not thread-safe: one per screen, used from one worker at a time."""

    def __init__(self) -> None:
        self.products: list[IndexedProduct] = []
        self._stamp: tuple[object, ...] | None = None
        self._vocab: list[str] = []  # sorted unique words
        self._owners: list[list[int]] = []  # vocab position -> product positions
        self._tails = ""  # every word without its first character, joined by NUL
        self._tail_starts: list[int] = []  # offset of each tail in _tails
        self._typo_words: list[int] = []  # vocab positions of words of letters only
        self._typo_vocab: list[str] = []  # those words
        self._prefixes: dict[int, list[str]] = {}
        self._codes: dict[str, int] = {}  # folded sku or barcode -> product position
        self._by_id: dict[uuid.UUID, int] = {}
        self._lead_words: list[int] = []  # vocab position of each name's first word
        self._rank: list[int] = []  # each product's place in name order
        #: products others were merged into: their level folds the members' in
        self.merge_roots: frozenset[uuid.UUID] = frozenset()

    # --- loading ------------------------------------------------------------------

    def refresh(self, session: Session) -> bool:
        """Reload when the catalog may have changed since the last load; True if it did.

        On SQLite (every store PC) operations are appended with growing row ids, so the
        operations logged since the last look are read and only a product or barcode
        among them reloads the index: sales and counts leave it alone. Elsewhere any new
        operation or pull reloads it.
        """
        if session.get_bind().dialect.name == "sqlite":
            return self._refresh_by_rowid(session)
        stamp = (session.scalar(select(func.max(t.OperationRow.hlc))),
                 session.scalar(select(t.ReplicaMeta.value)
                                .where(t.ReplicaMeta.key == CURSOR_KEY)))
        if stamp == self._stamp:
            return False
        self.load(session)
        self._stamp = stamp
        return True

    def _refresh_by_rowid(self, session: Session) -> bool:
        rowid: ColumnElement[int] = literal_column("rowid")
        newest = session.scalar(select(func.max(rowid)).select_from(_OPERATIONS))
        seen = self._stamp[0] if self._stamp else None
        if isinstance(seen, int) and isinstance(newest, int) and newest >= seen:
            if newest == seen:
                return False
            entities = set(session.scalars(
                select(_OPERATIONS.c.entity).where(rowid > seen).distinct()))
            self._stamp = (newest,)
            if not entities & CATALOG_ENTITIES:
                return False
        self.load(session)
        self._stamp = (newest,)
        return True

    def load(self, session: Session) -> None:
        """Read every visible product (merged ones excluded) with its barcodes: one query."""
        rows = session.execute(
            select(t.Product.id, t.Product.sku, t.Product.name, t.Product.unit,
                   t.Product.min_stock_milli, t.Product.provisional, t.Barcode.code)
            .outerjoin(t.Barcode, (t.Barcode.product_id == t.Product.id)
                       & t.Barcode.deleted.is_(False))
            .where(visible_products(), t.Product.merged_into.is_(None))
            .order_by(t.Product.id, t.Barcode.id)
        )
        fields: dict[uuid.UUID, tuple[Any, ...]] = {}
        codes: dict[uuid.UUID, list[str]] = defaultdict(list)
        for row in rows:  # a product with several barcodes comes once per barcode
            if row.id not in fields:
                fields[row.id] = (row.sku or "", row.name or "", row.unit or "unidad",
                                  row.min_stock_milli, bool(row.provisional))
            if row.code:
                codes[row.id].append(row.code)
        products = [
            IndexedProduct(product_id, sku, name, unit, minimum, provisional,
                           tuple(codes.get(product_id, ())), fold(name))
            for product_id, (sku, name, unit, minimum, provisional) in fields.items()
        ]
        self._build(products)
        self.merge_roots = frozenset(merge.root for merge in merged_products(session).values())

    def _build(self, products: list[IndexedProduct]) -> None:
        owners: dict[str, set[int]] = defaultdict(set)
        self._codes = {}
        for position, product in enumerate(products):
            for word in _product_words(product):
                owners[word].add(position)
            for code in (product.sku, *product.barcodes):
                self._codes.setdefault(fold(code.strip()), position)
        self.products = products
        self._by_id = {product.product_id: i for i, product in enumerate(products)}
        self._vocab = sorted(owners)
        self._owners = [sorted(owners[word]) for word in self._vocab]
        self._tails = _SEPARATOR.join(word[1:] for word in self._vocab)
        self._tail_starts, offset = [], 0
        for word in self._vocab:
            self._tail_starts.append(offset)
            offset += len(word)  # the tail's length plus its separator
        where = {word: i for i, word in enumerate(self._vocab)}
        self._lead_words = [where.get(next(iter(_WORD.findall(product.sort_name)), ""), -1)
                            for product in products]
        order = sorted(range(len(products)),
                       key=lambda p: (products[p].sort_name, products[p].sku))
        self._rank = [0] * len(products)
        for place, product_position in enumerate(order):
            self._rank[product_position] = place
        self._typo_words = [i for i, word in enumerate(self._vocab) if word.isalpha()]
        self._typo_vocab = [self._vocab[i] for i in self._typo_words]
        self._prefixes = {}

    # --- matching -------------------------------------------------------------------

    def by_id(self, product_id: uuid.UUID) -> IndexedProduct | None:
        position = self._by_id.get(product_id)
        return None if position is None else self.products[position]

    def by_code(self, text: str) -> IndexedProduct | None:
        """The product whose sku (any case) or barcode is exactly ``text``."""
        position = self._codes.get(fold(text.strip()))
        return None if position is None else self.products[position]

    def top(self, text: str, limit: int) -> list[Match]:
        """The ``limit`` best products matching every word of ``text``, best first.

        Best: the highest score; then a name whose first word matched the query's first
        word ("leche" puts "Leche entera" before "Dulce de leche"); then by name.
        """
        words = words_of(text)[:MAX_QUERY_WORDS]
        if not words or limit <= 0:
            return []
        scores: dict[int, float] = {}
        first: dict[int, float] = {}
        for index, word in enumerate(words):
            similar = self._words_like(word, last=index == len(words) - 1)
            found = self._products_for(similar)
            if index == 0:
                scores, first = found, similar
            else:
                scores = {p: scores[p] + s for p, s in found.items() if p in scores}
            if not scores:
                return []
        # Few distinct scores: bucket the candidates, then take names in order from the
        # best buckets (a C-level key), so 40,000 hits for "779" cost little more than 40.
        buckets: dict[tuple[float, bool], list[int]] = defaultdict(list)
        leads = self._lead_words
        for product, score in scores.items():
            buckets[(score, leads[product] in first)].append(product)
        best: list[Match] = []
        for key in sorted(buckets, reverse=True):
            wanted = limit - len(best)
            if wanted <= 0:
                break
            chosen = heapq.nsmallest(wanted, buckets[key], key=self._rank.__getitem__)
            best.extend(Match(self.products[p], key[0] / len(words), key[1]) for p in chosen)
        return best

    def _products_for(self, similar: dict[int, float]) -> dict[int, float]:
        best: dict[int, float] = {}
        owners = self._owners
        for vocab_position, score in similar.items():
            for product in owners[vocab_position]:
                if score > best.get(product, 0):
                    best[product] = score
        return best

    def _words_like(self, word: str, *, last: bool) -> dict[int, float]:
        """Vocabulary positions matching ``word``, with the score of the best way."""
        start = bisect.bisect_left(self._vocab, word)
        end = bisect.bisect_left(self._vocab, word + "\U0010ffff")
        found: dict[int, float] = dict.fromkeys(range(start, end), PREFIX)

        def keep(positions: Iterable[int], score: float) -> None:
            for position in positions:
                if score > found.get(position, 0):
                    found[position] = score

        if start < end and self._vocab[start] == word:
            found[start] = EXACT_WORD
        if len(word) >= MIN_TYPO_LENGTH:
            keep(self._inside(word), INSIDE)
        edits = allowed_edits(word)
        if edits:
            for _, distance, at in process.extract(word, self._typo_vocab, scorer=OSA.distance,
                                                   score_cutoff=edits, limit=None):
                keep([self._typo_words[at]], TYPO - EDIT_COST * (distance - 1))
            if last:
                prefixes = self._prefixes_of(len(word))
                for _, distance, at in process.extract(word, prefixes, scorer=OSA.distance,
                                                       score_cutoff=edits, limit=None):
                    keep([self._typo_words[at]], TYPO_PREFIX - EDIT_COST * (distance - 1))
        return found

    def _inside(self, word: str) -> list[int]:
        """Positions of words holding ``word`` past their first character.

        Searched in the words' tails (each word without its first character, joined), so
        occurrences at a word's start are never visited: "779" starts every Argentine
        EAN and is found inside only a few.
        """
        hits: list[int] = []
        tails, starts = self._tails, self._tail_starts
        at = tails.find(word)
        while at != -1:
            position = bisect.bisect_right(starts, at) - 1
            hits.append(position)
            if position + 1 >= len(starts):
                break
            at = tails.find(word, starts[position + 1])  # each word once
        return hits

    def _prefixes_of(self, length: int) -> list[str]:
        prefixes = self._prefixes.get(length)
        if prefixes is None:
            prefixes = [word[:length] for word in self._typo_vocab]
            self._prefixes[length] = prefixes
        return prefixes


def _product_words(product: IndexedProduct) -> set[str]:
    words = set(_WORD.findall(product.sort_name or fold(product.name)))
    words.update(words_of(product.sku))
    words.update(code.strip() for code in product.barcodes if code.strip())
    return words

