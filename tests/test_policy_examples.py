"""The policy's own table (shared docs ``policy.md``, "Categories"), as a test over all nine
categories: every "must be flagged" example, inside a short realistic sentence, gets a finding of
its category that covers it; every "must NOT be flagged" example gets no finding of that category.

The rule packs carry their own examples (``tests/test_rule_examples.py``); this table is the
acceptance check that the policy's wording is covered, whichever rule does it.
"""

from __future__ import annotations

import pytest

# (category, sentence, the policy's example inside it)
MUST_FLAG: list[tuple[str, str, str]] = [
    # AGE
    ("AGE", "A 7-year-old boy with a limp.", "7-year-old"),
    ("AGE", "7 yo with a limp.", "7 yo"),
    ("AGE", "7yo boy with knee pain.", "7yo"),
    ("AGE", "A 7-y/o with fever.", "7-y/o"),
    ("AGE", "45 y/o F with headache.", "45 y/o F"),
    ("AGE", "72M with abdominal pain.", "72M"),
    ("AGE", "58yo F with dyspnea.", "58yo F"),
    ("AGE", "Woman aged 45 with a breast mass.", "aged 45"),
    ("AGE", "Boy, age 9, with a limp.", "age 9"),
    ("AGE", "A woman in her 60s with hip pain.", "in her 60s"),
    ("AGE", "Male, 53 years. Chronic cough.", "Male, 53 years"),
    ("AGE", "A sixteen-year-old with knee pain.", "sixteen-year-old"),
    ("AGE", "A 3-month-old infant with vomiting.", "3-month-old"),
    ("AGE", "Twins, 2 days old, with bilious emesis.", "2 days old"),
    ("AGE", "Girl at age 4 years 4 months with a mass.", "age 4 years 4 months"),
    ("AGE", "A preterm newborn born at 26 weeks.", "born at 26 weeks"),
    ("AGE", "MRI of a fetus at 22 weeks with ventriculomegaly.", "fetus at 22 weeks"),
    ("AGE", "An octogenarian with a hip fracture.", "octogenarian"),
    # DATE
    ("DATE", "Seen on March 3, 2024 with a limp.", "March 3, 2024"),
    ("DATE", "CT on 3/14/2024 shows a mass.", "3/14/2024"),
    ("DATE", "Admitted in November 2015 with fever.", "November 2015"),
    ("DATE", "Follow-up in Nov 2005 was normal.", "Nov 2005"),
    ("DATE", "She was diagnosed in 2019 with lupus.", "2019"),
    ("DATE", "He fell last Tuesday.", "last Tuesday"),
    ("DATE", "Presented yesterday with a limp.", "yesterday"),
    ("DATE", "Seen this morning in the ED.", "this morning"),
    ("DATE", "Injured on Christmas Eve.", "Christmas Eve"),
    ("DATE", "Symptoms began three weeks ago.", "three weeks ago"),
    ("DATE", "Repeat CT two days later shows growth.", "two days later"),
    ("DATE", "Fever on POD #6 with a collection.", "POD #6"),
    ("DATE", "Worsening on hospital day two.", "hospital day two"),
    # NAME
    ("NAME", "John Smith presented with a limp.", "John Smith"),
    ("NAME", "Mr. J. had a fall.", "Mr. J."),
    ("NAME", "Patient J.D. with a fracture.", "J.D."),
    ("NAME", "His wife Maria noticed the swelling.", "Maria"),
    ("NAME", "Baby Liam had bilious vomiting.", "Liam"),
    ("NAME", "Seen by Dr. John L. at the clinic.", "Dr. John L."),
    # LOCATION
    ("LOCATION", "A boy from Dayton with a limp.", "Dayton"),
    ("LOCATION", "Another trampoline injury #Dayton", "#Dayton"),
    ("LOCATION", "A farmer from near Qingdao City with cough.", "Qingdao City"),
    ("LOCATION", "She was transferred from Mercy Hospital.", "Mercy Hospital"),
    ("LOCATION", "He collapsed at Lakota East High School.", "Lakota East High School"),
    ("LOCATION", "Vision loss after a fishing trip in Florida.", "Florida"),
    ("LOCATION", "Evaluated at Landstuhl Army Medical Center.", "Landstuhl Army Medical Center"),
    # ID
    ("ID", "MRN 00123456, CT of the chest.", "MRN 00123456"),
    ("ID", "Accession number 20240314-0042 shows the mass.", "20240314-0042"),
    ("ID", "Call the family at 555-867-5309 for consent.", "555-867-5309"),
    ("ID", "Questions: jane.doe@example.com", "jane.doe@example.com"),
    ("ID", "Full case at https://example.org/case/1234", "https://example.org/case/1234"),
    ("ID", "Follow the family at @brave_liam_journey", "@brave_liam_journey"),
    ("ID", "Pacemaker serial number PJN123456H in place.", "PJN123456H"),
    (
        "ID",
        "Study UID 1.2.840.113619.2.55.3.604688119 for review.",
        "1.2.840.113619.2.55.3.604688119",
    ),
    # HISTORY
    ("HISTORY", "A boy with a history of prematurity and a limp.", "history of prematurity"),
    ("HISTORY", "Woman with h/o asthma and a new effusion.", "h/o"),
    ("HISTORY", "PMH of diabetes; now with foot pain.", "PMH"),
    ("HISTORY", "Man s/p appendectomy with a new collection.", "s/p"),
    ("HISTORY", "Lesion previously treated at another hospital.", "previously treated at"),
    ("HISTORY", "His mother reports two days of vomiting.", "his mother reports"),
    ("HISTORY", "A girl who lives with grandparents, now with a limp.", "lives with grandparents"),
    (
        "HISTORY",
        "Boy who presented to the ED after falling from a trampoline at a birthday party.",
        "presented to the ED after falling from a trampoline at a birthday party",
    ),
    (
        "HISTORY",
        "Man with a 70 pack-year smoking history and a lung mass.",
        "70 pack-year smoking history",
    ),
    ("HISTORY", "G1P0 woman at 20 weeks with a fetal anomaly.", "G1P0"),
    ("HISTORY", "He was lost to follow-up for four years.", "lost to follow-up"),
    # OUTCOME
    ("OUTCOME", "The infant died two days later.", "died"),
    ("OUTCOME", "The patient passed away the next week.", "passed away"),
    ("OUTCOME", "The patient expired approximately nine months later.", "expired"),
    ("OUTCOME", "She succumbed to her injuries.", "succumbed"),
    ("OUTCOME", "Autopsy confirmed a Meckel diverticulum.", "Autopsy"),
    ("OUTCOME", "She survived the initial injury.", "survived"),
    ("OUTCOME", "He was discharged home on day three.", "was discharged home"),
    ("OUTCOME", "She recovered uneventfully.", "recovered uneventfully"),
    ("OUTCOME", "At follow-up the patient is doing well.", "is doing well"),
    ("OUTCOME", "He returned to work after six weeks.", "returned to work"),
    ("OUTCOME", "She is tumor-free after resection.", "tumor-free after resection"),
    ("OUTCOME", "She was transplanted at four months.", "was transplanted"),
    # HIGH_PROFILE
    ("HIGH_PROFILE", "The accident made local news.", "made local news"),
    ("HIGH_PROFILE", "Her story went viral last spring.", "went viral"),
    ("HIGH_PROFILE", "A famous singer with vocal cord nodules.", "famous"),
    ("HIGH_PROFILE", "A celebrity with a ruptured Achilles tendon.", "celebrity"),
    ("HIGH_PROFILE", "Professional athlete with a stress fracture.", "Professional athlete"),
    ("HIGH_PROFILE", "Famous NFL quarterback with an ACL tear.", "NFL quarterback"),
    ("HIGH_PROFILE", "Victim of a mass shooting with a liver laceration.", "mass shooting"),
    ("HIGH_PROFILE", "Injured in a school bus crash.", "school bus crash"),
    ("HIGH_PROFILE", "Soldier with an IED blast injury.", "IED blast"),
    ("HIGH_PROFILE", "He stepped on a landmine.", "stepped on a landmine"),
    ("HIGH_PROFILE", "Shark attack with a femoral artery injury.", "shark attack"),
    ("HIGH_PROFILE", "Lightning strike with tympanic membrane rupture.", "lightning strike"),
    ("HIGH_PROFILE", "Injured in a tornado.", "tornado"),
    ("HIGH_PROFILE", "Conjoined twins joined at the chest.", "conjoined twins"),
    ("HIGH_PROFILE", "One of quintuplets with necrotizing enterocolitis.", "quintuplets"),
    ("HIGH_PROFILE", "The first reported case of this tumor in a child.", "first reported case"),
    ("HIGH_PROFILE", "The only known case of bilateral involvement.", "only known case"),
    ("HIGH_PROFILE", "The world's youngest patient with this disease.", "world's youngest"),
    ("HIGH_PROFILE", "The largest ever recorded renal stone.", "largest ever recorded"),
    # DEMOGRAPHIC
    ("DEMOGRAPHIC", "A Caucasian male with hematuria.", "Caucasian"),
    ("DEMOGRAPHIC", "African-American woman with a renal mass.", "African-American"),
    ("DEMOGRAPHIC", "A Hispanic man with a liver lesion.", "Hispanic"),
    ("DEMOGRAPHIC", "A man of Han nationality with keratitis.", "Han nationality"),
    ("DEMOGRAPHIC", "A truck driver with low back pain.", "truck driver"),
    ("DEMOGRAPHIC", "Active duty soldier with shortness of breath.", "active duty soldier"),
    ("DEMOGRAPHIC", "A college student with fever and headache.", "college student"),
    ("DEMOGRAPHIC", "An airline pilot with chest pain.", "airline pilot"),
]

# (category, sentence that contains the policy's "must NOT be flagged" example)
MUST_NOT: list[tuple[str, str]] = [
    # AGE: age groups and age words that are not ages
    ("AGE", "Newborn with bilious vomiting."),
    ("AGE", "A neonate with respiratory distress."),
    ("AGE", "An infant with a skull fracture."),
    ("AGE", "Toddler with a limp."),
    ("AGE", "A child with a limp."),
    ("AGE", "An adolescent with knee pain."),
    ("AGE", "A teenager with back pain."),
    ("AGE", "Young adult with chest pain."),
    ("AGE", "An adult with a lung mass."),
    ("AGE", "Elderly woman with hip pain."),
    ("AGE", "Bone age is advanced."),
    ("AGE", "An age-indeterminate rib fracture."),
    ("AGE", "The thymus is normal for age."),
    # DATE
    ("DATE", "Stress injury, a so-called March fracture of the metatarsal."),
    ("DATE", "May-Thurner syndrome with left iliac vein compression."),
    ("DATE", "Christmas disease (hemophilia B) with a knee hemarthrosis."),
    ("DATE", "The sign was first described in a small series (Jones 2016)."),
    ("DATE", "T2-weighted image shows a 3.2 cm lesion."),
    # NAME
    ("NAME", "Wilms tumor of the left kidney."),
    ("NAME", "Crohn disease with terminal ileitis."),
    ("NAME", "Hodgkin lymphoma with mediastinal nodes."),
    ("NAME", "Salter-Harris II fracture of the distal radius."),
    ("NAME", "Chiari I malformation with tonsillar ectopia."),
    ("NAME", "Kawasaki disease with coronary aneurysms."),
    ("NAME", "Baker cyst in the popliteal fossa."),
    ("NAME", "Sturge-Weber syndrome with leptomeningeal enhancement."),
    ("NAME", "Dandy-Walker malformation."),
    ("NAME", "Monteggia fracture-dislocation."),
    ("NAME", "Langerhans cell histiocytosis of the skull."),
    ("NAME", "Glasgow Coma Scale of 8 on arrival."),
    ("NAME", "Fluid in the Douglas pouch."),
    ("NAME", "Case courtesy of Dr. Lee."),
    # LOCATION
    ("LOCATION", "Lyme disease with facial nerve palsy."),
    ("LOCATION", "Ebola with pulmonary edema."),
    ("LOCATION", "West Nile virus encephalitis."),
    ("LOCATION", "Rocky Mountain spotted fever with vasculitis."),
    ("LOCATION", "Kawasaki disease with coronary aneurysms."),
    ("LOCATION", "Transferred from an outside hospital."),
    ("LOCATION", "Initially seen at a local hospital."),
    # ID
    ("ID", "A 3.2 cm lesion measuring 40 HU."),
    ("ID", "T2 FLAIR and DWI sequences."),
    ("ID", "A TI-RADS 4 nodule in the right lobe."),
    # HISTORY
    ("HISTORY", "Presented with limp."),
    ("HISTORY", "The natural history of the disease is slow growth."),
    # OUTCOME
    ("OUTCOME", "The fracture usually resolves with casting."),
    ("OUTCOME", "The technique died out in the 1990s."),
    # HIGH_PROFILE
    ("HIGH_PROFILE", "Classic appearance of a Jones fracture."),
    # DEMOGRAPHIC: clinical words that contain a demonym or a job
    ("DEMOGRAPHIC", "Familial Mediterranean fever with serositis."),
    ("DEMOGRAPHIC", "Boxer's fracture of the fifth metacarpal."),
]

FLAG_IDS = [f"{c}-{e}" for c, _, e in MUST_FLAG]
NOT_IDS = [f"{c}-{s[:40]}" for c, s in MUST_NOT]


def test_table_covers_all_nine_categories() -> None:
    nine = {
        "AGE",
        "DATE",
        "NAME",
        "LOCATION",
        "ID",
        "HISTORY",
        "OUTCOME",
        "HIGH_PROFILE",
        "DEMOGRAPHIC",
    }
    assert {c for c, _, _ in MUST_FLAG} == nine
    assert {c for c, _ in MUST_NOT} == nine


@pytest.mark.parametrize(("category", "sentence", "example"), MUST_FLAG, ids=FLAG_IDS)
def test_must_flag(linter, category: str, sentence: str, example: str) -> None:
    start = sentence.lower().index(example.lower())
    end = start + len(example)
    findings = linter.lint(sentence)
    hits = [f for f in findings if f.category == category and f.start < end and start < f.end]
    got = [(f.code, f.category, sentence[f.start : f.end]) for f in findings]
    assert hits, f"{category} example {example!r} not flagged in {sentence!r}; got {got}"


@pytest.mark.parametrize(("category", "sentence"), MUST_NOT, ids=NOT_IDS)
def test_must_not_flag(linter, category: str, sentence: str) -> None:
    hits = [
        (f.code, sentence[f.start : f.end]) for f in linter.lint(sentence) if f.category == category
    ]
    assert not hits, f"{sentence!r} must get no {category} finding; got {hits}"


# policy.md, "The disease-focused rewrite"
REWRITE_BEFORE = (
    "A 7-year-old boy from Dayton fell off his trampoline at a birthday party on March 3 and died "
    "two days later. CT shows an epidural hematoma with a lucent swirl sign. #pedsrad"
)
REWRITE_AFTER = (
    "Child with head trauma. CT shows an epidural hematoma with a lucent swirl sign, a marker of "
    "active bleeding. #pedsrad"
)


def test_rewrite_example_caption_is_flagged_with_suggestions(linter) -> None:
    findings = linter.lint(REWRITE_BEFORE)
    categories = {f.category for f in findings}
    assert {"AGE", "LOCATION", "HISTORY", "DATE", "OUTCOME"} <= categories, categories
    for finding in findings:
        assert finding.suggestion, f"{finding.code} has no suggestion"


def test_rewrite_example_result_is_clean(linter) -> None:
    assert linter.lint(REWRITE_AFTER) == []
