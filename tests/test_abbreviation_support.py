"""Short forms the document defines as something else: no propagation from a partly covered long form, and
model short forms whose long form is no entity dropped when the linker cannot link them either."""

from extract.context.abbreviations import AbbreviationPropagator
from extract.ner.pipeline import get_ner_nlp
from extract.nlp.tokenizer import make_blank_nlp
from helpers import doc_with_entities


def _doc(text: str, mentions: list[tuple[str, str, int]]):
    return AbbreviationPropagator(make_blank_nlp())(doc_with_entities(text, mentions))


def test_a_long_form_whose_head_is_not_the_entity_gives_its_short_form_nothing():
    doc = _doc(
        "Expression of nitric oxide synthase (NOS) rose after treatment; NOS inhibition lowered it again.",
        [("nitric oxide", "CHEMICAL", 0)],
    )
    assert [e.text for e in doc.ents] == ["nitric oxide"]


def test_a_long_form_entity_still_labels_its_short_forms():
    doc = _doc(
        "Patients received carbamazepine (CBZ) for epilepsy; CBZ levels were measured.",
        [("carbamazepine", "CHEMICAL", 0), ("epilepsy", "DISEASE", 0)],
    )
    short = [e for e in doc.ents if e.text == "CBZ"]
    assert len(short) == 2 and all(e.label_ == "CHEMICAL" and e._.abbreviation_of == "carbamazepine" for e in short)
    assert not any(e._.unsupported_short_form for e in short)


def test_an_unsupported_short_form_the_linker_cannot_link_is_dropped():
    text = "Biopsies of the vastus lateralis (VL) were taken before ropivacaine; the VL was sore afterwards."
    doc = _doc(text, [("VL", "CHEMICAL", 0), ("ropivacaine", "CHEMICAL", 0), ("VL", "CHEMICAL", 1)])
    assert all(e._.unsupported_short_form for e in doc.ents if e.text == "VL")
    linker = get_ner_nlp().get_pipe("extract_linker")
    assert linker.drop_unsupported_short_forms  # the stage's configuration (configs/ner_stage.cfg)
    doc = linker(doc)
    assert [e.text for e in doc.ents] == ["ropivacaine"]
    assert doc.ents[0]._.concept_id == "MESH:D000077212"


def test_a_short_form_that_opens_a_longer_parenthesis_is_defined():
    """Schwartz & Hearst's "(SF: ...)" / "(SF; ...)" case, which scispaCy's candidate filter reads as a long form."""
    doc = _doc(
        "Rats were given diethylnitrosamine (DEN: 10 mg/kg/day) for 6 weeks; DEN alone induced liver tumors.",
        [("diethylnitrosamine", "CHEMICAL", 0), ("liver tumors", "DISEASE", 0)],
    )
    dens = [e for e in doc.ents if e.text == "DEN"]
    assert len(dens) == 2
    assert all(e.label_ == "CHEMICAL" and e._.abbreviation_of == "diethylnitrosamine" for e in dens)
    assert all(e._.method == "abbreviation" for e in dens)


def test_a_parenthesis_of_numbers_defines_nothing():
    doc = _doc(
        "Patients received lithium (n = 20; 600 mg/day) or placebo; n was small.",
        [("lithium", "CHEMICAL", 0)],
    )
    assert [e.text for e in doc.ents] == ["lithium"]


def test_the_short_form_of_a_drug_induced_disease_names_the_disease():
    """The short form of "X-induced <disease> (SF)": the cause and one modifier may stand before the disease (BC5CDR annotates HIT, LID,
    RIHA, SIAT as the disease); a drug-induced change that is no disease gives its short form nothing."""
    doc = _doc(
        "Cocaine-induced excited delirium (CIED) was fatal; CIED occurred in summer. "
        "Drug-induced reductions in blood pressure (BP) were small; BP fell.",
        [("Cocaine", "CHEMICAL", 0), ("delirium", "DISEASE", 0)],
    )
    edds = [e for e in doc.ents if e.text == "CIED"]
    assert len(edds) == 2 and all(e.label_ == "DISEASE" and e._.abbreviation_of == "delirium" for e in edds)
    assert not any(e.text == "BP" for e in doc.ents)


def test_the_ner_stage_links_the_short_form_of_a_drug_induced_disease():
    """The real NER stage on BC5CDR dev abstract 11705128's wording: every "RIHA" is hemolytic anemia."""
    text = (
        "Management strategies for ribavirin-induced hemolytic anemia in the treatment of hepatitis C. Combination "
        "therapy is associated with a clinically important adverse effect: ribavirin-induced hemolytic anemia (RIHA). "
        "The objective of this study was to evaluate the direct health-care costs and management of RIHA."
    )
    doc = get_ner_nlp()(text)
    riha = [e for e in doc.ents if e.text == "RIHA"]
    assert len(riha) == 2
    assert all(e.label_ == "DISEASE" and e._.concept_id == "MESH:D000743" for e in riha)


def test_a_function_word_before_a_parenthesis_is_no_short_form():
    """A parenthesis after "time on" ("all subjects treated with oral insulin"): Schwartz & Hearst match "on" to "Oral
    insuliN", and every later "on" of the document would become insulin.  (A trial full text of the seventh draw had 30 such mentions.)"""
    doc = _doc(
        "The rate during time on (all subjects treated with oral insulin) was low; 49 were on placebo.",
        [("insulin", "CHEMICAL", 0)],
    )
    assert [e.text for e in doc.ents] == ["insulin"]
    assert not any(short.text == "on" for short in doc._.abbreviations)


def test_a_long_form_that_opens_with_a_conjunction_defines_nothing():
    """ "serious AEs (hypoglycemia and metastatic malignant melanoma)": Schwartz & Hearst match the "A" of "AEs" to
    "and" and read "and metastatic malignant melanoma" as its long form; every "AEs" of a trial report of the seventh
    draw became melanoma and an adverse event of the trial drug.  A real definition in the same text still holds."""
    text = (
        "Two patients had serious AEs (hypoglycemia and metastatic malignant melanoma) unrelated to treatment. "
        "Other AEs were mild. Ventilator-associated pneumonia (VAP) was rare; VAP occurred once."
    )
    doc = _doc(
        text,
        [
            ("hypoglycemia", "DISEASE", 0),
            ("malignant melanoma", "DISEASE", 0),
            ("Ventilator-associated pneumonia", "DISEASE", 0),
        ],
    )
    shorts = {short.text for short in doc._.abbreviations}
    assert "AEs" not in shorts and "VAP" in shorts
    assert [e.text for e in doc.ents if e.label_ == "DISEASE"] == [
        "hypoglycemia",
        "malignant melanoma",
        "Ventilator-associated pneumonia",
        "VAP",
        "VAP",
    ]
    # When the word before the function word begins with the short form's letter, that word begins the long form.
    trial = _doc("The Treating to New Targets (TNT) trial was large; TNT enrolled many.", [])
    assert {short._.long_form.text for short in trial._.abbreviations} == {"Treating to New Targets"}


def test_the_short_form_of_a_study_named_after_a_disease_is_no_disease():
    """ "Studies of Left Ventricular Dysfunction (SOLVD)", "Model for End-stage Liver Disease (MELD)": the long form
    names a trial or a score of the disease; before, every "SOLVD" of an audit abstract was a mention of Ventricular
    Dysfunction, Left (a treatment row "enalapril -> SOLVD").  A long form that is the disease still defines it."""
    text = (
        "The Studies of Left Ventricular Dysfunction (SOLVD) enrolled patients with heart failure. In SOLVD, "
        "enalapril reduced mortality. Chronic obstructive pulmonary disease (COPD) was excluded; COPD was rare."
    )
    doc = _doc(
        text,
        [
            ("Left Ventricular Dysfunction", "DISEASE", 0),
            ("SOLVD", "DISEASE", 0),
            ("heart failure", "DISEASE", 0),
            ("Chronic obstructive pulmonary disease", "DISEASE", 0),
        ],
    )
    solvd = [e for e in doc.ents if e.text == "SOLVD"]
    assert len(solvd) == 1  # the model's own mention stays, the later "SOLVD" gets none
    assert solvd[0]._.abbreviation_of is None and solvd[0]._.unsupported_short_form
    assert [e._.abbreviation_of for e in doc.ents if e.text == "COPD"] == ["Chronic obstructive pulmonary disease"] * 2
    # through the NER stage the model's "SOLVD" is linked by nothing and dropped
    found = {e.text: e._.concept_id for e in get_ner_nlp()(text).ents}
    assert "SOLVD" not in found and found["COPD"] == found["Chronic obstructive pulmonary disease"] is not None


def test_a_trial_named_with_a_preposition_before_its_disease_is_not_linked_to_it():
    """ "Efficacy of Ranolazine in Chronic Angina (ERICA)": the disease covers too little of the long form to label
    the short form, so the short form was linked through the long form's text, and the linker's back-off (leading
    words dropped) reached Angina Pectoris: every "ERICA" of a trial report was angina ("ranolazine -> ERICA"
    treatment rows).  A preposition before the disease that ends the long form makes it a trial's name whether or not
    the disease covers most of it: the short form gets no text to link by and, unlinked and unsupported, is dropped.
    A long form the model tags whole still labels and links its short form."""
    text = (
        "The Efficacy of Ranolazine in Chronic Angina (ERICA) trial enrolled 565 patients. In ERICA, ranolazine "
        "reduced the frequency of angina. Patients with systemic sclerosis (SSc) were excluded; SSc was rare."
    )
    linker = get_ner_nlp().get_pipe("extract_linker")
    assert linker.link_texts([("Efficacy of Ranolazine in Chronic Angina", "DISEASE")])[0].method == "backoff"
    doc = _doc(text, [("Ranolazine", "CHEMICAL", 0), ("Chronic Angina", "DISEASE", 0), ("ERICA", "DISEASE", 0)])
    erica = [e for e in doc.ents if e.text == "ERICA"]
    assert len(erica) == 1 and erica[0]._.abbreviation_of is None and erica[0]._.unsupported_short_form
    found = {e.text: e._.concept_id for e in get_ner_nlp()(text).ents}
    assert "ERICA" not in found
    assert found["Chronic Angina"] is not None  # the disease inside the trial name stays a mention of its own
    assert found["SSc"] == found["systemic sclerosis"] == "MESH:D012595"


def test_a_long_form_that_holds_the_short_form_defines_nothing():
    """A drug followed by a parenthesis that opens with its own name (a PubMed abstract of the audit sample): the
    clause before the parenthesis became the long form of "iloprost", every "iloprost" of the abstract a short form of
    it, and the linker dropped them all as unsupported short forms."""
    text = (
        "Long-term cyclic therapy with iloprost was compared with nifedipine in patients with systemic sclerosis. "
        "At 12 months, iloprost but not nifedipine reduced the skin score (iloprost: from 13.26 to 9.26, p = 0.002)."
    )
    doc = _doc(text, [("iloprost", "CHEMICAL", 0), ("nifedipine", "CHEMICAL", 0), ("iloprost", "CHEMICAL", 1)])
    assert not any(short.text == "iloprost" for short in doc._.abbreviations)
    assert all(e._.abbreviation_of is None for e in doc.ents)
    nlp = get_ner_nlp()
    found = [e.text for e in nlp(text).ents if e.text.lower() == "iloprost"]
    assert len(found) == text.lower().count("iloprost")


def test_an_upper_case_short_form_is_no_word_of_its_long_form():
    """The ninth draw's "Mini-International Neuropsychiatric Interview (MINI)" (PMID 23497463): the first word only looks
    like the short form, so the definition stands, and the model's DISEASE mention "MINI" (an interview) is dropped
    as a short form the linker cannot link; it had headed a manifestation row of hypomania."""
    text = (
        "Patients were interviewed with the Mini-International Neuropsychiatric Interview (MINI) to confirm the "
        "episode. The MINI is an abbreviated psychiatric structured interview for hypomania."
    )
    doc = _doc(text, [("MINI", "DISEASE", 1), ("hypomania", "DISEASE", 0)])
    assert [short.text for short in doc._.abbreviations] == ["MINI", "MINI"]
    assert [e._.unsupported_short_form for e in doc.ents if e.text == "MINI"] == [True]
    assert "MINI" not in {e.text for e in get_ner_nlp()(text).ents}


def test_a_hyphenated_short_form_is_defined():
    """scispaCy's filter wants every token of a short form two characters or longer; the tokenizer splits "LDL-C" at
    its hyphen, so lipid trials' "LDL-C" (59 mentions of the audit run and the seventh draw) had no long form."""
    doc = _doc(
        "Atorvastatin lowered low-density lipoprotein cholesterol (LDL-C) by 40%; LDL-C fell further at week 12.",
        [("Atorvastatin", "CHEMICAL", 0), ("low-density lipoprotein cholesterol", "CHEMICAL", 0)],
    )
    short = [e for e in doc.ents if e.text == "LDL-C"]
    assert len(short) == 2 and all(e._.abbreviation_of == "low-density lipoprotein cholesterol" for e in short)
    # a parenthesis that is no short form stays one ("(p-value)", a number after the hyphen)
    doc = _doc("Warfarin (p-0.05) was stopped; warfarin (5-10 mg) again.", [("Warfarin", "CHEMICAL", 0)])
    assert [e.text for e in doc.ents] == ["Warfarin"]


def test_a_long_form_cut_at_a_hyphen_is_read_whole():
    """The model tags "macrophage colony-stimulating factor" of "granulocyte-macrophage colony-stimulating factor
    (GM-CSF)": the short form is linked as the whole hyphenated long form, Granulocyte-Macrophage CSF, not as the
    macrophage factor."""
    text = "Patients received granulocyte-macrophage colony-stimulating factor (GM-CSF) daily; GM-CSF was tolerated."
    doc = _doc(text, [("macrophage colony-stimulating factor", "CHEMICAL", 0)])
    short = [e for e in doc.ents if e.text == "GM-CSF"]
    assert short and all(e._.abbreviation_of == "granulocyte-macrophage colony-stimulating factor" for e in short)
    linked = get_ner_nlp().get_pipe("extract_linker")(doc)
    assert {e._.concept_id for e in linked.ents if e.text == "GM-CSF"} == {"MESH:D016178"}


def test_two_short_forms_in_one_parenthesis_are_each_defined():
    """ "chronic prostatitis/chronic pelvic pain syndrome (CP/CPPS)": the tokenizer splits the short forms at the slash,
    so scispaCy's candidate filter never saw them and the model's CHEMICAL "CP" and "CPPS" (Captopril, MK-212) headed
    a trial report's treatment rows (seventh draw)."""
    text = (
        "Men with chronic prostatitis/chronic pelvic pain syndrome (CP/CPPS) received mirodenafil. CP/CPPS is common."
    )
    doc = _doc(
        text,
        [
            ("prostatitis", "DISEASE", 0),
            ("pelvic pain syndrome", "DISEASE", 0),
            ("CP", "CHEMICAL", 0),
            ("CPPS", "CHEMICAL", 0),
            ("mirodenafil", "CHEMICAL", 0),
            ("CP", "CHEMICAL", 2),  # the 2nd "CP" is inside "CPPS"
            ("CPPS", "CHEMICAL", 1),
        ],
    )
    got = [(e.text, e.label_, e._.abbreviation_of) for e in doc.ents if e.text in ("CP", "CPPS")]
    assert got == [
        ("CP", "DISEASE", "prostatitis"),
        ("CPPS", "DISEASE", "pelvic pain syndrome"),
        ("CP", "DISEASE", "prostatitis"),
        ("CPPS", "DISEASE", "pelvic pain syndrome"),
    ]
    # joined by "and"; a slash pair whose words before hold no join defines nothing ("The T (%) and (T4/T1)")
    doc = _doc(
        "Infants received galacto-oligosaccharides and fructo-oligosaccharides (GOS/FOS) daily; GOS was tolerated.",
        [("galacto-oligosaccharides", "CHEMICAL", 0), ("fructo-oligosaccharides", "CHEMICAL", 0)],
    )
    assert [(e.text, e._.abbreviation_of) for e in doc.ents if e.text == "GOS"] == [
        ("GOS", "galacto-oligosaccharides"),
        ("GOS", "galacto-oligosaccharides"),
    ]
    assert [(e.text, e._.abbreviation_of) for e in doc.ents if e.text == "FOS"] == [("FOS", "fructo-oligosaccharides")]
    doc = _doc("The train-of-four ratio (T4/T1) recovered after rocuronium.", [("rocuronium", "CHEMICAL", 0)])
    assert [e.text for e in doc.ents] == ["rocuronium"]
