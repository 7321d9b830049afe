"""A drug named with its salt, stereo prefix or release form links to the drug (``extract.linking.salt_forms``);
an ester or a metal salt that is a compound of its own does not become its parent."""

import pytest

from extract.linking.salt_forms import parent_drug_forms
from helpers import stage_linker


@pytest.mark.parametrize(
    ("text", "forms"),
    [
        ("oxybutynin chloride", ["oxybutynin"]),
        ("diclofenac K", ["diclofenac"]),
        ("nisoldipine CC", ["nisoldipine"]),
        ("l-sotalol", ["sotalol"]),
        ("Azimilide dihydrochloride", ["azimilide"]),
        # nothing to strip, or only an ion left
        ("oxybutynin", []),
        ("sodium chloride", []),
        ("K", []),
        # esters are compounds of their own
        ("pregnenolone sulfate", []),
        ("lead acetate", []),
    ],
)
def test_parent_drug_forms(text, forms):
    assert parent_drug_forms(text) == forms


@pytest.fixture(scope="module")
def linker():
    return stage_linker()


def test_salt_forms_link_to_their_drug(linker):
    # audit run and seventh draw mentions that stayed unlinked before
    names = ["oxybutynin chloride", "parecoxib sodium", "diclofenac K", "l-sotalol", "nifedipine CC"]
    plain = ["oxybutynin", "parecoxib", "diclofenac", "sotalol", "nifedipine"]
    salts = linker.link_texts([(n, "CHEMICAL") for n in names])
    drugs = linker.link_texts([(n, "CHEMICAL") for n in plain])
    assert all(d is not None for d in drugs)
    assert [s and s.concept_id for s in salts] == [d.concept_id for d in drugs]


def test_salts_listed_as_entry_terms_keep_their_own_concept(linker):
    # MeSH entry terms win over the stripped form: these are descriptors of their own
    for name, parent in [("medroxyprogesterone acetate", "medroxyprogesterone"), ("DHEA sulfate", "DHEA")]:
        salt, drug = linker.link_texts([(name, "CHEMICAL"), (parent, "CHEMICAL")])
        assert salt is not None and (drug is None or salt.concept_id != drug.concept_id), name
