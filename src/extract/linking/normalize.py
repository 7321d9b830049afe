"""String normalisation shared by the knowledge-base builder and the linker.

Both sides must agree exactly: aliases are stored in the index in normalised
form and mentions are normalised the same way before lookup.
"""

from __future__ import annotations

import re
import unicodedata

_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon",
    "κ": "kappa", "λ": "lambda", "μ": "mu", "ω": "omega", "τ": "tau",
}
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_/,;:]+")
_DROP = re.compile(r"['’`\"]s\b|['’`\".*®™]")
_TRIM = re.compile(r"^[\s\(\[\{]+|[\s\)\]\}.]+$")
_PAREN = re.compile(r"\s*[\(\[][^\(\)\[\]]*[\)\]]\s*")


def normalize(text: str) -> str:
    """Lower-case, fold accents and Greek letters, unify separators and drop quotes.

    >>> normalize("Diabetes Mellitus, Type-2")
    'diabetes mellitus type 2'
    """
    text = unicodedata.normalize("NFKC", text)
    for letter, name in _GREEK.items():
        text = text.replace(letter, name).replace(letter.upper(), name)
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    text = text.lower()
    text = _DROP.sub("", text)
    text = _SEPARATORS.sub(" ", text)
    text = _TRIM.sub("", text)
    return text.strip()


def inverted_forms(name: str) -> list[str]:
    """MeSH-style inverted names: "Diabetes Mellitus, Type 2" -> "Type 2 Diabetes Mellitus"."""
    parts = [p.strip() for p in name.split(", ")]
    if len(parts) == 2 and all(parts):
        return [f"{parts[1]} {parts[0]}"]
    return []


def _singular(word: str) -> str:
    if len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "ses")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def lookup_variants(text: str) -> list[str]:
    """Normalised forms of a mention to try in the exact dictionary, best first."""
    base = normalize(text)
    variants = [base]
    without_paren = normalize(_PAREN.sub(" ", text))
    if without_paren and without_paren != base:
        variants.append(without_paren)
    words = base.split()
    if words:
        singular = " ".join(words[:-1] + [_singular(words[-1])])
        if singular != base:
            variants.append(singular)
        all_singular = " ".join(_singular(w) for w in words)
        if all_singular not in variants:
            variants.append(all_singular)
    for prefix in ("acute ", "chronic ", "severe ", "the ", "a "):
        if base.startswith(prefix) and len(base) > len(prefix) + 3:
            variants.append(base[len(prefix):])
    seen: set[str] = set()
    return [v for v in variants if v and not (v in seen or seen.add(v))]
