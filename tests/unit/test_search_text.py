"""Search keys without diacritics: what officials type on a keyboard without Telex must still match."""
from __future__ import annotations

import pytest

from inspect_app.domain.text import fold, search_key


@pytest.mark.parametrize("text, folded", [
    ("Phường Phúc Xá", "phuong phuc xa"),
    ("PHÚC XÁ", "phuc xa"),
    ("Quận Ba Đình", "quan ba dinh"),
    ("đình", "dinh"),
    ("Phường Văn Miếu - Quốc Tử Giám", "phuong van mieu quoc tu giam"),
    ("  Ô Chợ   Dừa\t", "o cho dua"),
    ("Phu\u0301c Xa\u0301", "phuc xa"),  # decomposed input (NFD) folds the same as composed
    ("50% _x_", "50 x"),  # LIKE's wildcards never reach the database
    ("", ""),
])
def test_fold_drops_diacritics_case_and_punctuation(text, folded):
    assert fold(text) == folded


def test_search_key_joins_the_non_empty_parts():
    assert search_key(["Phường Phúc Xá", "00001", None, "", "Quận Ba Đình"]) == "phuong phuc xa 00001 quan ba dinh"
