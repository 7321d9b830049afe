"""A drug named with its salt, stereo prefix or release form is the drug: "oxybutynin chloride", "parecoxib
sodium", "diclofenac K", "l-sotalol", "nisoldipine CC".

MeSH and DrugBank list some salts as entry terms or synonyms ("metoprolol succinate", "diclofenac potassium") but
not most; such a mention had no exact link and no close neighbour in the index, and stayed unlinked (in the audit
run "oxybutynin chloride" 8 times, "parecoxib sodium" 5, "l-sotalol" 7; in the seventh draw "diclofenac K" 17), so
an analyst grouping by concept read it apart from its drug.  :func:`parent_drug_forms` gives the normalised forms
without those words, for the linker's exact dictionary to try after the mention's own forms failed
(``EntityLinker.exact``, CHEMICAL only).  The words are data: a salt or release word must end the name, a
stereo descriptor must start it joined by a hyphen, and what is left must keep four letters or more.
"""

from __future__ import annotations

import re

from extract.linking.normalize import normalize

__all__ = ["COUNTER_IONS", "RELEASE_FORMS", "STEREO_PREFIXES", "parent_drug_forms"]

#: Counter-ions, salt-forming acids and hydrates written after a drug's name (lower case, as ``normalize`` leaves them).
#: Sulfate, phosphate and acetate are not among them: their drug salts are MeSH entry terms already ("atropine
#: sulfate", "codeine phosphate"), and the forms that are not are mostly compounds of their own ("pregnenolone
#: sulfate", "lead acetate", BC5CDR supplementary concepts).
COUNTER_IONS = frozenset(
    """hydrochloride dihydrochloride chloride hydrobromide bromide sodium disodium potassium k na calcium magnesium
    mesylate mesilate besylate besilate maleate fumarate succinate tartrate bitartrate citrate hyclate tosylate
    pamoate embonate napsylate xinafoate hydrate monohydrate dihydrate trihydrate""".split()
)
#: Release and formulation marks written after a name ("nisoldipine CC", "metoprolol CR/XL" as separate words).
RELEASE_FORMS = frozenset("cc xl xr sr cr er la ir od retard gits".split())
#: Stereo descriptors joined to the name by a hyphen.
STEREO_PREFIXES = re.compile(r"^(?:dl|d|l|rac|\([rs±+-]\)|[rs])-(?=[a-z]{4})", re.IGNORECASE)

_MIN_LETTERS = 4


def parent_drug_forms(text: str) -> list[str]:
    """Normalised forms of ``text`` without a trailing salt / release word (one or two) or a leading stereo prefix,
    best first; empty when ``text`` has none of them or too little would be left."""
    out: list[str] = []
    stripped = STEREO_PREFIXES.sub("", text.strip())
    if stripped != text.strip():
        out.append(normalize(stripped))
    words = normalize(stripped).split()
    for _ in range(2):
        if len(words) < 2 or (words[-1] not in COUNTER_IONS and words[-1] not in RELEASE_FORMS):
            break
        words = words[:-1]
        out.append(" ".join(words))
    seen: set[str] = set()
    return [
        form
        for form in out
        if sum(ch.isalpha() for ch in form) >= _MIN_LETTERS
        and form.split()[-1] not in COUNTER_IONS
        and not (form in seen or seen.add(form))
    ]
