"""Exact ages → the age-group words the policy allows (JACR 2020: "neonate", "young adult"...)."""

from __future__ import annotations

import re

_WORD_NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
}
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[a-z]+")


def words_to_number(text: str) -> float | None:
    """'twenty-two' → 22, '7' → 7, 'seven' → 7; None when there is no number."""
    text = text.strip().lower()
    try:
        return float(text)
    except ValueError:
        pass
    total, found = 0.0, False
    for part in re.split(r"[- ]+", text):
        if part in _WORD_NUMBERS:
            total += _WORD_NUMBERS[part]
            found = True
        elif part not in ("and", ""):
            return None
    return total if found else None


def age_in_years(span: str) -> float | None:
    """Best-effort age in years for an age expression; None when it cannot be read."""
    lowered = span.lower()
    if "octogenarian" in lowered:
        return 85
    if "nonagenarian" in lowered:
        return 95
    if "septuagenarian" in lowered:
        return 75
    if "sexagenarian" in lowered:
        return 65
    if "gestation" in lowered or "born at" in lowered or "fetus" in lowered or "weeks' " in lowered:
        return -0.5 if "fetus" in lowered or "gestation" in lowered else 0.0
    number, rest = None, ""
    tokens = list(_TOKEN.finditer(lowered))
    for i, token in enumerate(tokens):
        word = token.group(0)
        if word[0].isdigit():
            number, rest = float(word), lowered[token.end():]
            break
        if word in _WORD_NUMBERS:
            number, end = float(_WORD_NUMBERS[word]), token.end()
            for follower in tokens[i + 1 : i + 3]:
                if follower.group(0) in _WORD_NUMBERS and _WORD_NUMBERS[follower.group(0)] < 10:
                    number += _WORD_NUMBERS[follower.group(0)]
                    end = follower.end()
                    break
            rest = lowered[end:]
            break
    if number is None:
        return None
    if re.match(r"\s*'?s\b", rest) or "teens" in lowered:
        return number + 5  # "in her 60s": the middle of the decade
    unit = re.match(r"[\s-]*(day|week|wk|month|mo\b|mos\b|m/o|m\.o)", rest)
    if unit:
        word = unit.group(1)
        if word.startswith("day"):
            return number / 365
        if word.startswith(("week", "wk")):
            return number / 52
        return number / 12
    return number


def age_group(span: str) -> str:
    """The age-group word for an age expression ("7-year-old" → "child")."""
    years = age_in_years(span)
    if years is None:
        return "child" if "boy" in span.lower() or "girl" in span.lower() else "patient"
    if years < 0:
        return "fetus"
    if years < 28 / 365:
        return "newborn"
    if years < 1:
        return "infant"
    if years < 4:
        return "toddler"
    if years < 13:
        return "child"
    if years < 18:
        return "adolescent"
    if years < 26:
        return "young adult"
    if years < 65:
        return "adult"
    return "elderly patient"
