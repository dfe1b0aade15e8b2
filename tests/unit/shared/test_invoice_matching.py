"""Ranking invoice lines against the catalog: supplier code, EAN, then description."""

import random
import time
import uuid
from decimal import Decimal

from shared.domain.invoice_matching import (
    AUTO_SCORE,
    CatalogEntry,
    DescriptionIndex,
    MatchCandidate,
    choose,
    match_line,
    sizes_of,
    text_score,
)


def entry(name: str, sku: str | None = None) -> CatalogEntry:
    return CatalogEntry(uuid.uuid4(), sku or name[:8], name)


CATALOG = [entry(name) for name in (
    "Yerba Mate Playadito 1kg", "Yerba Mate Playadito 500g", "Yerba Taragüí 1 kg",
    "Azúcar Ledesma 1kg", "Leche Entera La Serenísima 1 L", "Aceite Girasol Natura 1,5 l",
    "Aceite Girasol Natura 900ml", "Galletitas Oreo 118g", "Fideos Tallarín Lucchetti 500g",
)]
BY_NAME = {item.name: item for item in CATALOG}
INDEX = DescriptionIndex(CATALOG)


def best(description: str) -> str | None:
    chosen = match_line(code=None, ean=None, description=description, by_code={}, by_ean={},
                        index=INDEX).chosen
    return chosen.name if chosen else None


def test_sizes_are_read_as_amounts_in_one_unit():
    assert sizes_of("yerba 1kg") == {"g": Decimal(1000)}
    assert sizes_of("yerba 1000 grs") == {"g": Decimal(1000)}
    assert sizes_of("aceite 1,5l x 12 u") == {"ml": Decimal(1500), "u": Decimal(12)}
    assert sizes_of("gaseosa 1.5 lts") == {"ml": Decimal(1500)}
    assert sizes_of("agua 500cc") == {"ml": Decimal(500)}
    assert sizes_of("oreo118") == {}  # digits glued to a word are not a size


def test_the_same_name_with_another_size_is_another_product():
    assert best("YERBA PLAYADITO 1KG") == "Yerba Mate Playadito 1kg"
    assert best("Yerba mate playad. 500 g") == "Yerba Mate Playadito 500g"
    assert best("ACEITE NATURA 1.5LT") == "Aceite Girasol Natura 1,5 l"
    assert best("Aceite natura 900 cc") == "Aceite Girasol Natura 900ml"
    assert text_score("Yerba X 1kg", "Yerba X 500g") < 70 < text_score("Yerba X 1kg",
                                                                        "yerba x 1000 g")


def test_accents_and_case_do_not_matter():
    assert best("AZUCAR LEDESMA X 1 KG") == "Azúcar Ledesma 1kg"
    assert best("leche entera serenisima 1lt") == "Leche Entera La Serenísima 1 L"
    assert text_score("Azúcar Ledesma 1kg", "AZUCAR LEDESMA 1KG") == 100


def test_a_vague_description_offers_candidates_but_chooses_none():
    found = match_line(code=None, ean=None, description="YERBA", by_code={}, by_ean={},
                       index=INDEX)
    assert found.chosen is None and found.how is None
    names = [candidate.name for candidate in found.candidates]
    assert {"Yerba Mate Playadito 1kg", "Yerba Taragüí 1 kg"} <= set(names)
    assert all(c.score >= found.candidates[-1].score for c in found.candidates)


def test_nothing_alike_gives_no_candidates():
    found = match_line(code=None, ean=None, description="Lavandina Ayudín 2 l", by_code={},
                       by_ean={}, index=INDEX)
    assert found.chosen is None and found.candidates == []


def test_supplier_code_comes_before_ean_and_ean_before_description():
    yerba, sugar = BY_NAME["Yerba Mate Playadito 1kg"], BY_NAME["Azúcar Ledesma 1kg"]
    milk = BY_NAME["Leche Entera La Serenísima 1 L"]
    by_code, by_ean = {"A-100": yerba}, {"7790001000012": sugar}
    found = match_line(code=" A-100 ", ean="7790001000012", description="Leche serenisima 1l",
                       by_code=by_code, by_ean=by_ean, index=INDEX)
    assert (found.how, found.chosen.product_id) == ("supplier_code", yerba.product_id)
    found = match_line(code="B-200", ean="7790001000012", description="Leche serenisima 1l",
                       by_code=by_code, by_ean=by_ean, index=INDEX)
    assert (found.how, found.chosen.product_id) == ("ean", sugar.product_id)
    found = match_line(code="B-200", ean="7790009999999", description="Leche serenisima 1l",
                       by_code=by_code, by_ean=by_ean, index=INDEX)
    assert (found.how, found.chosen.product_id) == ("description", milk.product_id)


def test_a_clear_winner_needs_a_high_score_and_a_margin():
    one = uuid.uuid4()

    def candidate(score: float) -> MatchCandidate:
        return MatchCandidate(one, "S", "x", score)

    assert choose([candidate(AUTO_SCORE + 10), candidate(AUTO_SCORE - 10)]) is not None
    assert choose([candidate(AUTO_SCORE + 2), candidate(AUTO_SCORE)]) is None  # too close
    assert choose([candidate(AUTO_SCORE - 1)]) is None  # too low
    assert choose([]) is None


def test_fifteen_lines_against_fifty_thousand_products_take_under_half_a_second():
    rng = random.Random(7)
    words = ["yerba", "mate", "leche", "entera", "galletitas", "arroz", "fideos", "azucar",
             "aceite", "girasol", "harina", "cafe", "jabon", "polvo", "detergente", "gaseosa",
             "cola", "naranja", "agua", "mineral", "queso", "crema", "manteca", "dulce",
             "salsa", "tomate", "atun", "arvejas", "lentejas", "vinagre"]
    brands = [f"marca{n}" for n in range(400)]
    sizes = ["1kg", "500g", "1,5l", "2l", "250g", "118g", "900ml", "x 12 u"]
    names = [f"{rng.choice(words)} {rng.choice(words)} {rng.choice(brands)} {rng.choice(sizes)}"
             for _ in range(50_000)]
    started = time.perf_counter()
    index = DescriptionIndex(entry(name, f"SKU{n}") for n, name in enumerate(names))
    built = time.perf_counter() - started
    lines = [names[rng.randrange(len(names))].upper() for _ in range(15)]
    started = time.perf_counter()
    results = [match_line(code=None, ean=None, description=line, by_code={}, by_ean={},
                          index=index) for line in lines]
    seconds = time.perf_counter() - started
    assert seconds < 0.5, f"15 lines took {seconds:.2f} s (index built in {built:.2f} s)"
    assert all(result.candidates for result in results)
    assert all(result.candidates[0].score >= 90 for result in results)
