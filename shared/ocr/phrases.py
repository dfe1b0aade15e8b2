"""A row of OCR words as one searchable text, with a way back to each word's box (pure)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import median

from shared.ocr.model import Box, Word
from shared.ocr.numbers_ar import digitize, fold


@dataclass(slots=True)
class Phrase:
    """Words of one row joined by spaces (``text``), with the span of every word."""

    words: list[Word]
    text: str = ""
    folded: str = ""
    spans: list[tuple[int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        position, parts = 0, []
        for word in self.words:
            token = digitize(word.text)
            parts.append(token)
            self.spans.append((position, position + len(token)))
            position += len(token) + 1
        self.text = " ".join(parts)
        self.folded = fold(self.text)
        if len(self.folded) != len(self.text):  # ligatures: keep offsets aligned
            self.folded = self.text.upper()

    @property
    def box(self) -> Box:
        return self.box_of(0, len(self.text))

    @property
    def top(self) -> int:
        return min(word.box.top for word in self.words)

    def box_of(self, start: int, end: int) -> Box:
        chosen = [w.box for w, (s, e) in zip(self.words, self.spans, strict=True)
                  if s < end and e > start] or [self.words[0].box]
        box = chosen[0]
        for other in chosen[1:]:
            box = box.union(other)
        return box

    def confidence_of(self, start: int, end: int) -> float:
        values = [w.confidence for w, (s, e) in zip(self.words, self.spans, strict=True)
                  if s < end and e > start]
        return min(values) / 100 if values else 0.0


def split_at_gaps(words: Sequence[Word], gap_factor: float = 2.2) -> list[list[Word]]:
    """Cut a row (words left to right) where a gap is much wider than the text is tall,
    and around a word far taller than the rest (the letter box beside the name)."""
    if not words:
        return []
    height = median(word.box.height for word in words)
    limit = gap_factor * height
    parts = [[words[0]]]
    for previous, word in itertools.pairwise(words):
        tall = max(previous.box.height, word.box.height) > 1.6 * min(
            previous.box.height, word.box.height)
        if word.box.left - previous.box.right > limit or tall:
            parts.append([word])
        else:
            parts[-1].append(word)
    return parts
