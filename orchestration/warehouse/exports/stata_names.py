"""Stata variable names and labels: names of at most 32 ASCII characters that are valid,
non-reserved identifiers, and labels of at most 80 characters (docs/exports.md)."""

from __future__ import annotations

import hashlib
import re

MAX_NAME = 32
MAX_LABEL = 80
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,31}$")
# Stata's reserved words (help reswords); str1…str2045 are caught by the pattern below.
RESERVED = frozenset(
    [
        "_all",
        "_b",
        "byte",
        "_coef",
        "_cons",
        "double",
        "float",
        "if",
        "in",
        "int",
        "long",
        "_n",
        "_N",
        "_pi",
        "_pred",
        "_rc",
        "_skip",
        "strL",
        "using",
        "with",
    ]
)
_STR_TYPE = re.compile(r"^str[0-9]+$")


def is_stata_name(name: str) -> bool:
    return bool(_IDENTIFIER.match(name)) and name not in RESERVED and not _STR_TYPE.match(name)


def clean(text: str, width: int) -> str:
    """Lower-case ASCII letters, digits and single underscores, at most `width` characters,
    starting with a letter."""
    word = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "x"
    if not word[0].isalpha():
        word = f"x{word}"
    return word[:width].rstrip("_")


def hashed(full_name: str, candidate: str, width: int, attempt: int = 0) -> str:
    """`candidate` cut to leave room for `_` and 4 hex digits of the sha1 of the full name
    (of `full_name#<attempt>` when earlier attempts were taken)."""
    key = full_name if attempt == 0 else f"{full_name}#{attempt}"
    suffix = hashlib.sha1(key.encode()).hexdigest()[:4]
    return f"{candidate[: width - 5].rstrip('_')}_{suffix}"


def unique_names(
    wanted: list[tuple[str, str]], width: int = MAX_NAME, suffixes: tuple[str, ...] = ("",)
) -> dict[str, str]:
    """Full name -> Stata name, in the order given; each name also takes `name + suffix` for
    every suffix. A candidate that is too long, invalid or (with any suffix) already taken is
    replaced by its hashed form, tried with attempts 0, 1, … until free."""
    taken: set[str] = set()
    names: dict[str, str] = {}

    def free(name: str) -> bool:
        forms = [name + suffix for suffix in suffixes]
        return len(name) <= width and all(is_stata_name(f) and f not in taken for f in forms)

    for full_name, candidate in wanted:
        name, attempt = candidate, 0
        while not free(name):
            name = hashed(full_name, clean(candidate, width), width, attempt)
            attempt += 1
        taken.update(name + suffix for suffix in suffixes)
        names[full_name] = name
    return names


def label(text: str | None) -> str:
    """A variable or file label: whitespace collapsed, cut to 80 characters with '…'."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= MAX_LABEL else flat[: MAX_LABEL - 1].rstrip() + "…"
