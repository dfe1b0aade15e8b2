"""Matching the lines of a read supplier invoice to catalog products: pure ranking.

For each line, in this order (:func:`match_line`):

1. the supplier's own product code, remembered from earlier confirmations;
2. an EAN printed on the line (one of the product's barcodes);
3. the description, fuzzily (:class:`DescriptionIndex`): accent- and case-insensitive,
   word by word, with sizes weighed in — ``1kg``, ``500 g``, ``1,5l`` are read as
   amounts, so "Yerba X 1kg" is not "Yerba X 500g" (a size that differs costs a lot, a
   size that agrees adds a little).

A description match is chosen by itself only when it scores at least ``AUTO_SCORE``
and leads the next candidate by ``AUTO_MARGIN``; otherwise the line is left unmatched
with its candidates for a person to pick. Values in, values out: no session here
(``shared.services.invoice_matching`` reads the catalog).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Literal

from rapidfuzz import fuzz, process

MatchHow = Literal["supplier_code", "ean", "description"]

AUTO_SCORE = 88.0  # a description match chosen by itself scores at least this …
AUTO_MARGIN = 8.0  # … and leads the second candidate by at least this
MIN_SCORE = 55.0  # candidates below this are not offered
CANDIDATES = 5  # offered per line
SIZE_AGREES = 6.0  # bonus when the line and the product print the same size
SIZE_DIFFERS = 35.0  # penalty when both print a size of one kind and they differ
SIZE_MISSING = 4.0  # penalty when only one of them prints a size
PREFILTER = 400  # products sharing the most words with a line are scored in full
MIN_PREFIX = 3  # an abbreviated word ("playad.") matches words it starts

# Words that say nothing about which product it is.
_STOPWORDS = frozenset({"de", "del", "la", "el", "los", "las", "x", "c", "u", "un", "con",
                        "en", "y", "p", "por", "sin"})
_SIZE = re.compile(
    r"(?<![0-9a-z])(\d+(?:[.,]\d+)?)\s*"
    r"(kgs?|kilos?|k|grs?|gramos?|g|lts?|litros?|l|ml|cc|cm3|cl|un|unid|u)(?![a-z])")
_UNITS: dict[str, tuple[str, Decimal]] = {
    "kg": ("g", Decimal(1000)), "kgs": ("g", Decimal(1000)), "kilo": ("g", Decimal(1000)),
    "kilos": ("g", Decimal(1000)), "k": ("g", Decimal(1000)),
    "g": ("g", Decimal(1)), "gr": ("g", Decimal(1)), "grs": ("g", Decimal(1)),
    "gramo": ("g", Decimal(1)), "gramos": ("g", Decimal(1)),
    "l": ("ml", Decimal(1000)), "lt": ("ml", Decimal(1000)), "lts": ("ml", Decimal(1000)),
    "litro": ("ml", Decimal(1000)), "litros": ("ml", Decimal(1000)),
    "ml": ("ml", Decimal(1)), "cc": ("ml", Decimal(1)), "cm3": ("ml", Decimal(1)),
    "cl": ("ml", Decimal(10)),
    "un": ("u", Decimal(1)), "unid": ("u", Decimal(1)), "u": ("u", Decimal(1)),
}


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One product as the matcher sees it."""

    product_id: uuid.UUID
    sku: str
    name: str


@dataclass(frozen=True, slots=True)
class MatchCandidate:
    product_id: uuid.UUID
    sku: str
    name: str
    score: float  # 0–100; 100 for a supplier code or an EAN


@dataclass(slots=True)
class LineMatch:
    """What one invoice line matched: ``chosen`` is None when a person must pick."""

    chosen: MatchCandidate | None = None
    candidates: list[MatchCandidate] = field(default_factory=list)
    how: MatchHow | None = None

    @property
    def matched(self) -> bool:
        return self.chosen is not None


def fold_words(text: str) -> str:
    """Lower case without accents (``Azúcar`` -> ``azucar``), as the catalog search folds."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


# --- sizes ------------------------------------------------------------------------------


def sizes_of(folded: str) -> dict[str, Decimal]:
    """The amounts printed in folded text, by kind: ``"yerba 1,5kg"`` -> ``{"g": 1500}``.

    ``"x 12 u"`` counts units; the first amount of each kind is the product's.
    """
    found: dict[str, Decimal] = {}
    for number, unit in _SIZE.findall(folded):
        kind, factor = _UNITS[unit]
        try:
            value = Decimal(number.replace(",", ".")) * factor
        except InvalidOperation:  # pragma: no cover - the pattern admits digits only
            continue
        found.setdefault(kind, value.normalize())
    return found


def _size_adjustment(line: Mapping[str, Decimal], product: Mapping[str, Decimal]) -> float:
    shared = set(line) & set(product)
    if any(line[kind] != product[kind] for kind in shared):
        return -SIZE_DIFFERS
    if shared:
        return SIZE_AGREES
    if bool(line) != bool(product):
        return -SIZE_MISSING
    return 0.0


def _plain_words(folded: str) -> list[str]:
    """The words that name the product: sizes and filler words left out."""
    without_sizes = _SIZE.sub(" ", folded)
    return [word for word in re.findall(r"[0-9a-z]+", without_sizes)
            if word not in _STOPWORDS and not word.isdigit()]


def text_score(line_text: str, product_text: str) -> float:
    """How alike two descriptions are, 0–100, sizes weighed in (both any case/accents)."""
    line, product = fold_words(line_text), fold_words(product_text)
    return _score(" ".join(_plain_words(line)), sizes_of(line),
                  " ".join(_plain_words(product)), sizes_of(product))


def _score(line_words: str, line_sizes: Mapping[str, Decimal], product_words: str,
           product_sizes: Mapping[str, Decimal]) -> float:
    if not line_words or not product_words:
        return 0.0
    return max(0.0, min(100.0, _blend(line_words, product_words)
                        + _size_adjustment(line_sizes, product_sizes)))


# --- the description index ------------------------------------------------------------


class DescriptionIndex:
    """Catalog names by word, to rank products for a printed description quickly.

    Each line is scored in full only against the products sharing the most words with
    it (a word of the line equal to, or — three letters or more — the start of, a word
    of the product), so a 50,000-product catalog costs a few milliseconds per line.
    """

    def __init__(self, entries: Iterable[CatalogEntry]) -> None:
        self.entries: list[CatalogEntry] = list(entries)
        self._words: list[str] = []
        self._sizes: list[dict[str, Decimal]] = []
        owners: dict[str, list[int]] = {}
        for position, entry in enumerate(self.entries):
            folded = fold_words(entry.name)
            words = _plain_words(folded)
            self._words.append(" ".join(words))
            self._sizes.append(sizes_of(folded))
            for word in set(words):
                owners.setdefault(word, []).append(position)
        self._vocab = sorted(owners)
        self._owners = [owners[word] for word in self._vocab]

    def __len__(self) -> int:
        return len(self.entries)

    def _positions(self, word: str) -> Iterable[list[int]]:
        start = bisect.bisect_left(self._vocab, word)
        if len(word) < MIN_PREFIX:
            if start < len(self._vocab) and self._vocab[start] == word:
                yield self._owners[start]
            return
        for index in range(start, len(self._vocab)):
            if not self._vocab[index].startswith(word):
                break
            yield self._owners[index]

    def rank(self, description: str, limit: int = CANDIDATES) -> list[MatchCandidate]:
        """The best ``limit`` products for ``description``, best first, above MIN_SCORE."""
        folded = fold_words(description)
        words = _plain_words(folded)
        if not words:
            return []
        shared: Counter[int] = Counter()
        for word in set(words):
            hits: set[int] = set()
            for owners in self._positions(word):
                hits.update(owners)
            shared.update(hits)
        if not shared:
            return []
        pool = [position for position, _ in shared.most_common(PREFILTER)]
        line_words, line_sizes = " ".join(words), sizes_of(folded)
        scored = process.extract(
            line_words, {p: self._words[p] for p in pool}, scorer=_blend,
            limit=max(limit * 4, 20), score_cutoff=MIN_SCORE / 2)
        found = []
        for _, base, position in scored:
            score = max(0.0, min(100.0, base + _size_adjustment(line_sizes,
                                                                 self._sizes[position])))
            if score >= MIN_SCORE:
                entry = self.entries[position]
                found.append(MatchCandidate(entry.product_id, entry.sku, entry.name,
                                            round(score, 1)))
        found.sort(key=lambda c: (-c.score, c.name, c.sku))
        return found[:limit]


def _blend(line: str, product: str, **kwargs: object) -> float:
    """token_set forgives words one side leaves out; token_sort keeps the exact name ahead."""
    cutoff = kwargs.get("score_cutoff")
    score: float = (0.6 * fuzz.token_set_ratio(line, product)
             + 0.4 * fuzz.token_sort_ratio(line, product))
    if isinstance(cutoff, int | float) and score < cutoff:
        return 0.0
    return score


# --- one line ---------------------------------------------------------------------------


def choose(candidates: list[MatchCandidate]) -> MatchCandidate | None:
    """The description candidate to take without asking, if one clearly stands out."""
    if not candidates or candidates[0].score < AUTO_SCORE:
        return None
    if len(candidates) > 1 and candidates[0].score - candidates[1].score < AUTO_MARGIN:
        return None
    return candidates[0]


def match_line(
    *, code: str | None, ean: str | None, description: str | None,
    by_code: Mapping[str, CatalogEntry], by_ean: Mapping[str, CatalogEntry],
    index: DescriptionIndex | None, limit: int = CANDIDATES,
) -> LineMatch:
    """Match one line: supplier code, then EAN, then description (see the module doc).

    ``by_code`` maps the supplier's codes to products (remembered from confirmations),
    ``by_ean`` barcodes to products; both hold only live products.
    """
    wanted_code = code.strip() if code else ""
    if wanted_code and wanted_code in by_code:
        entry = by_code[wanted_code]
        found = MatchCandidate(entry.product_id, entry.sku, entry.name, 100.0)
        return LineMatch(found, [found], "supplier_code")
    digits = "".join(ch for ch in ean or "" if ch.isdigit())
    if digits:
        entry_by_ean = by_ean.get(digits) or by_ean.get(digits.lstrip("0"))
        if entry_by_ean is not None:
            found = MatchCandidate(entry_by_ean.product_id, entry_by_ean.sku, entry_by_ean.name,
                                   100.0)
            return LineMatch(found, [found], "ean")
    if not description or index is None:
        return LineMatch()
    candidates = index.rank(description, limit)
    chosen = choose(candidates)
    return LineMatch(chosen, candidates, "description" if chosen else None)
