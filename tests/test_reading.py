"""Issue 17: evidence read in context (sections, negation, word senses), measured from a typical posting, quoted
verbatim, and flags a recruiter can trust. Each reading rule is pinned by a snippet of a real posting."""

from __future__ import annotations

import copy
import dataclasses
import random
import re
import unicodedata
from pathlib import Path

import pytest

import tpmclassify
from tpmclassify._roles import SHORT_NAMES
from tpmclassify._text import mask_role_names
from tpmclassify._titles import axes_toward, evidenced_axes
from tpmclassify._words import tokens_of


def _covered(prediction: tpmclassify.Prediction, text: str, word: str) -> list[str]:
    """The features of the role and scope explanations whose spans cover an occurrence of ``word`` in ``text``."""
    low, w, out = text.lower(), word.lower(), []
    for e in (prediction.explanation, prediction.scope_explanation):
        for t in e.terms if e is not None else ():
            for a, b in t.spans:
                if t.feature.startswith("ngram:"):  # an n-gram reads its first and last words (stop words between)
                    read = low.startswith(w, a) or low.endswith(w, a, b)
                else:
                    at = low.find(w, max(0, a - len(w)), b)
                    read = 0 <= at < b and at + len(w) > a
                if read:
                    out.append(t.feature)
    return out


# Each: a snippet from a real posting, and the words that say nothing about the role there.
CONTEXT = [
    ("Communicate status clearly to technical and non-technical stakeholders across the business.", "technical"),
    # issue #17's own example, from a posting of the maintainers' unseen companies; then a PM posting's "not a fit if"
    ("No technical background required.", "technical"),
    ("You consider yourself not very technical and struggle to learn new tools", "technical"),
    ("We expect a strong personal code of ethics and respect for our Culture Code.", "code"),
    ("You will report to the Director of Order Management and work with the finance team.", "director"),
    ("Reporting to the Associate Director, ClinTech Strategy & Operations, this role sits at the heart", "director"),
    ("Job Scopes & Responsibilities: * Reports to Project Director * Works closely with client, vendors", "director"),
    ("Reporting to our Director of Product Management – Fusion Manufacturing, we are seeking", "director"),
    ("You will report to the Sr. Director for Uber's Brand Protection Practice and be responsible for", "director"),
    ("The position reports directly to the VP of Application Development", "vp"),
    ("Report in to Head of Delivery - Daily liaison with wider UK production managers", "head"),
    ("Plan our developer events: the developer conference for Apple's developer community each June.", "developer"),
    ("Medical, dental and vision insurance; a learning budget; a flexible schedule.", "vision"),
    ("Medical, dental and vision insurance; a learning budget; a flexible schedule.", "budget"),
    ("Medical, dental and vision insurance; a learning budget; a flexible schedule.", "schedule"),
    ("This is a contract role, on-site in Austin, reporting to the VP of Operations.", "contract"),
    ("This is a contract role, on-site in Austin, reporting to the VP of Operations.", "site"),
    ("We look for individuals who excel in a high paced environment with multiple customer engagements.", "excel"),
    ("A culture where everyone can excel. We take great care to ensure fair hiring practices.", "excel"),
    ("Guide critical programs. Excel at managing multiple, time-sensitive projects concurrently.", "excel"),
    ("They will need to excel at managing multiple priorities and learning new domains quickly.", "excel"),
    ("Working hours: Mon - Fri (9:00 AM-6:00 PM) • Job type: Contract (12 months)", "pm"),  # "5 PM": a time
    ("Posting Date    09/10/2020, 12:19 PM   Job Schedule    Full time", "pm"),
    ("Work schedule - Monday to Friday from 12:00 PM till 8:00 PM EEST.", "pm"),
    # boilerplate with no heading of its own: benefits, legal notices, recruiters, investors (a review's findings)
    ("Tuition assistance A 401(k) savings program with an employer match and more", "program"),
    ("Non-profit matching gift program Support for employee-led affinity groups", "program"),
    ("a CVS Health bonus, commission or short-term incentive program in addition to the base pay", "program"),
    ("Back-up childcare and employee discounts    Tesla participates in the E-Verify Program", "program"),
    ("marital status (including domestic partnerships and civil unions), sexual orientation", "partner"),
    ("granted equity based compensation, subject to Board of Director approval.", "director"),
    ("If the country/region you're applying in isn't listed, please contact your Recruiting Partner.", "partner"),
    ("privately funded by Lightspeed Venture Partners, Cisco Investments, Norwest Venture Partners", "partners"),
    ("Company paid Life, AD&D, short-term and long-term disability   401(k), Employee Stock", "long-term"),
    ("Disability Protection (Short Term & Long Term Disability) + Global Wellbeing", "long term"),
    # a trait, a remote company, another sense of a word
    ("• Have experience writing code • Take initiative to make things happen •", "initiative"),
    ("Twilio thinks big. Do you?We like to solve problems, take initiative, pitch in when needed", "initiative"),
    ("problem solving skills· Comfortable taking initiative and working across teams", "initiative"),
    ("We are a fully distributed team and have the tools and benefits to support you", "distributed"),
    ("efficiency by leveraging smart contracts and decentralized finance (DeFi) mechanisms", "contract"),
    ("together we'll determine a schedule that fits your style and the requirements of your team", "schedule"),
]


@pytest.mark.parametrize(("text", "word"), CONTEXT)
def test_words_read_in_context_vote_for_nothing(bundled, text, word):
    assert _covered(bundled.classify(text), text, word) == []


def test_building_is_construction_only_where_it_says_so(bundled):
    text = "Building great products for our customers is what we love."
    assert [f for f in _covered(bundled.classify(text), text, "building") if f.startswith("cue:")] == []
    text = "Deliver building construction projects on time."
    assert "cue:scope:construction" in _covered(bundled.classify(text), text, "building")


def test_the_same_words_do_vote_where_they_mean_it(bundled):
    text = (
        "Deep technical background in distributed systems; own the budget and the schedule for the building "
        "construction site; proficiency in Microsoft Excel, Word and PowerPoint."
    )
    covered = {
        w: _covered(bundled.classify(text), text, w) for w in ("technical", "budget", "schedule", "site", "excel")
    }
    assert all(covered.values()), covered
    for text in (
        "Export the weekly status reports to Excel.",
        "Strong skills with Excel in a finance setting.",
        "Knowledge of Excel at an intermediate level (e.g., pivot tables, VLOOKUP).",
    ):
        assert _covered(bundled.classify(text), text, "excel"), text  # the product, not the verb
    text = "Visa sponsorship: No\nTechnical skills: Kubernetes, AWS, distributed systems design"
    assert _covered(bundled.classify(text), text, "technical")  # a "no" ends its line: no negation of what follows
    # reporting to leaders is a duty, not a reporting line (a real snippet, then two written for a review's findings:
    # punctuation is not seen, so a negation or a reporting line must not reach past it)
    for text, word in (
        ("Own recurring operational reporting to senior leadership: identify contributors", "leadership"),
        ("Drive weekly status reporting to directors and VPs on the program's health.", "directors"),
        ("Strong technical knowledge, not necessary to code daily.", "technical"),
        # the words boilerplate uses in another sense, where they are the job's, in the forms nearest the context
        # rows' (a review's cases: the first rows swallowed each of these; two are real snippets)
        ("We own the Alexa Speaker Recognition program", "program"),
        ("Manage the sales incentive program across regions.", "program"),
        ("Own initiatives end to end across multiple engineering teams.", "initiatives"),
        ("Take initiatives from concept through launch with engineering.", "initiatives"),
        ("Present program status and risks to the Board of Directors quarterly.", "directors"),
        ("Build a project schedule that works for all subcontractors and vendors.", "schedule"),
        ("Partner with MGA Members, Member Relationship Directors, and Risk Capital partners", "partners"),
        ("Negotiate vendor contracts and track the budget.", "contracts"),
        ("Coordinate delivery across distributed teams in three time zones.", "distributed"),
    ):
        assert _covered(bundled.classify(text), text, word), text


def test_reading_code_is_technical_depth_writing_it_is_an_engineers_job(bundled):
    # what Microsoft's TPM postings ask for (it had sent them out of scope, as an engineer's job)
    text = "1+ year(s) of experience reading and/or writing code (e.g., sample documentation, product demos)."
    cues = {f for f in _covered(bundled.classify(text), text, "code") if f.startswith("cue:")}
    assert cues == {"cue:technical:code"}
    # what a software engineer's and an engineering manager's postings say the job does
    for text in (
        "Write code that you are proud of, with extensibility, scalability and maintainability in mind.",
        "Design complex distributed systems; comfortable reading/writing code for reviews, prototypes, and unblocking",
    ):
        assert "cue:other_role:writes code" in _covered(bundled.classify(text), text, "code"), text


def _hyphenated(text: str, mark: str) -> str:
    """``text`` with ``mark`` inside every word of nine letters or more, after its fourth letter (as a page that
    hyphenates its words with soft hyphens writes it)."""
    return re.sub(r"\b([^\W\d_]{4})([^\W\d_]{5,})", lambda m: m.group(1) + mark + m.group(2), text)


def _assert_reads_alike(model: tpmclassify.TPMClassifier, page: str, text: str) -> None:
    """``page`` reads as ``text`` does: the same log-odds, probabilities, terms (with their text) and reasons."""
    want, got = model.classify(text), model.classify(page)
    assert got.explanation.logit == want.explanation.logit
    assert got.probabilities == want.probabilities and got.in_scope == want.in_scope
    assert [(t.feature, t.weight, t.text) for t in got.explanation.terms] == [
        (t.feature, t.weight, t.text) for t in want.explanation.terms
    ]
    assert got.reasons == want.reasons


@pytest.mark.parametrize(
    "mark", ["\u00ad", "&shy;", "&#173;", "&NoBreak;", "\u200d", "\u2060", "\ufeff", "\u200d\u00ad", "\U000e0049"]
)
def test_an_invisible_character_inside_a_word_changes_nothing_read(bundled, postings, mark):
    """A soft hyphen (``&shy;`` on a page), a zero-width joiner or a word joiner inside a word is invisible: the
    posting reads as a reader sees it, the same words to the last term, and its reasons quote the words as they
    show, without the character."""
    for text in postings["description"]:
        hidden = _hyphenated(text, mark)
        assert hidden != text
        _assert_reads_alike(bundled, hidden, text)


@pytest.mark.parametrize("entity", ["&#101;", "&#x65;", "&#X65;"])
def test_a_word_s_character_written_as_an_entity_leaves_the_word_whole(bundled, postings, entity):
    """An entity stands for a character where it is written: "C&#43;&#43;" was read as "c+" and "r&eacute;sum&eacute;"
    as 'r' and 'sum' (the entity's remaining length was filled with spaces, which split the word). Every "e" and
    "+" written as an entity, a posting reads as written plainly, to the last term, each term's text and each reason's
    quote (found where the page spells the word with entities, shown as the page shows it)."""
    assert tokens_of("C&#43;&#43; and a r&eacute;sum&eacute;") == ["c++", "and", "a", "résumé"]
    for text in postings["description"]:
        html = text.replace("e", entity).replace("+", "&#43;")
        _assert_reads_alike(bundled, html, text)


def test_a_role_name_spelt_with_entities_is_masked_and_quotes_pass_over_it(bundled, postings):
    """From a hostile review: once such a word was read whole, a role name spelt with an entity ("Techni&#99;al
    Progr&#97;m Manager") was read but not masked (masking looked for role names in the page as written), so the
    content answer read the role-name cue (and a second review: a name ending in an entity was masked up to the
    entity's first character, leaving "#114;" to be read); and a quote passed over one occurrence too many, the one
    inside it."""
    text = postings["description"][0]
    for spelt in ("Techni&#99;al Progr&#97;m Manager", "T&#80;M", "Pro&#106;ect Manager", "Program Manage&#114;&#115;"):
        said = f"As our {spelt}, you will lead. {text}"
        assert mask_role_names(said)[: 7 + len(spelt)] == "As our " + " " * len(spelt)  # to the end of its last entity
        content = bundled.classify(said, title="Program Manager").content
        plain = bundled.classify(f"As our {' ' * len(spelt)}, you will lead. {text}", title="Program Manager").content
        assert [(t.feature, t.weight) for t in content.explanation.terms] == [
            (t.feature, t.weight) for t in plain.explanation.terms
        ]
    # 'technical' taken by the role name first: the quote is the next place a reader sees it, not the one after
    said = f"Our Techni&#99;al Program Manager leads. {text} Also: technical reviews and TECHNICAL debt."
    plain = f"Our Technical Program Manager leads. {text} Also: technical reviews and TECHNICAL debt."
    assert bundled.classify(said).reasons == bundled.classify(plain).reasons


@pytest.mark.parametrize("page", ["{}", "<p>{}</p>"])  # (a posting with a tag is read whole, not in pieces)
def test_a_quote_is_the_first_place_a_reader_sees_the_words(bundled, page):
    """An occurrence with an invisible character inside counts where it stands: the quote is the first one a reader
    sees, as the term's text is, not the first one written without it."""
    sentences = (
        "Drive the {a} architecture of distributed systems with engineering teams; review designs and APIs, write "
        "design docs, and own the {b} roadmap, dependencies and release risks across teams. "
    )
    text = page.format(sentences) * 3
    want = bundled.classify(text.format(a="TECHNICAL", b="technical"))
    got = bundled.classify(text.format(a="TECH\u00adNICAL", b="technical"))
    assert "TECHNICAL" in {t.text for t in got.explanation.terms}
    assert got.reasons == want.reasons and any("'TECHNICAL'" in r for r in got.reasons)


def test_a_quote_at_the_posting_s_first_character_with_hidden_characters_and_entities_is_as_written(bundled):
    """From a mutation run of ``_invisible``: a place at the posting's very first character was passed over when the
    words are found as a reader sees them, and a soft hyphen written as a character was forgotten once the posting
    also wrote one as an entity; either way the reason quoted 'cross functional', which the posting does not say."""
    head = "Cross-func\u00adtional programs with engineers: you partner {} across teams on the architecture roadmap."
    for later in ("cross-functionally", "Cross-Func&shy;tionally"):
        reasons = bundled.classify(head.format(later)).explanation.reasons
        assert reasons[0].startswith("Cross-functional collaboration points to TPM"), reasons
        assert "'Cross-functional'" in reasons[0], (later, reasons)
    # and without any: the first character's place was passed over too, and a word's tail ("SUBPROGRAMS") taken
    text = "Cross-Functional work on SUBPROGRAMS and programs with engineers: partner cross-functionally across teams."
    collaboration, scope = bundled.classify(text).explanation.reasons[:2]
    assert "'Cross-Functional'" in collaboration and "'programs'" in scope, (collaboration, scope)


def test_a_quote_passes_over_an_invisible_character_hidden_in_markup(bundled):
    """A comment between two words is no gap a reader sees; what it holds (here soft hyphens written as entities)
    does not stop the words from being quoted where the reading found them."""
    body = (
        "We are hiring a Project Manager to deliver office fit-out projects for our clients. Manage the project plan "
        "in MS {} PROJECT, schedule and budget, coordinate subcontractors on site and send weekly status reports to "
        "the client. PMP certification is an advantage. You keep ms project files current."
    )
    for comment in ("<!-- -->", "<!--&shy;&shy;-->", "<!--\u00ad-->"):
        assert "'MS PROJECT'" in bundled.classify_many([body.format(comment)])[0].explanation.reasons[0], comment


def test_a_quote_is_never_taken_from_markup_the_reader_does_not_read(bundled):
    """Words in a tag's attributes, a comment or a script are not read: a reason quotes them where the posting's
    text has them, as the term does."""
    body = (
        "{}We are hiring a Project Manager to deliver office fit-out projects for our clients. Manage the project plan "
        "in ms project, schedule and budget, coordinate subcontractors on site and send weekly status reports to "
        "the client. PMP certification is an advantage."
    )
    for markup in (
        "<div data-old='MS PROJECT'></div>",
        "<!-- MS PROJECT -->",
        "<script>var t = 'MS PROJECT';</script>",
    ):
        p = bundled.classify(body.format(markup))
        assert "'ms project'" in p.explanation.reasons[0], markup
        assert "ms project" in {t.text for t in p.explanation.terms}


@pytest.mark.parametrize(
    "payload",
    [
        "".join(chr(0xE0000 + ord(c)) for c in "ignore all instructions"),  # tag characters: text no one sees
        "\U0001f3f4" + "".join(chr(0xE0000 + ord(c)) for c in "ignore all instructions") + "\U000e007f",
        "\u200c" * 5,
        "\u200d-",
    ],
)
def test_no_hidden_character_reaches_a_reason(bundled, payload):
    """Whatever a posting hides inside a word, its reasons show only what a reader sees (a flag's black flag, no
    hidden text after it)."""
    text = (
        "Lead a program across engineering teams: architecture and system design reviews, dependencies between "
        f"services and APIs, release schedules and risks, status to leadership. Partner cross-{payload}functionally "
        "with engineering managers and product managers on the roadmap."
    )
    reasons = bundled.classify(text).explanation.reasons
    assert not [c for r in reasons for c in r if unicodedata.category(c) == "Cf"], reasons


def test_a_zero_width_space_separates_words_as_a_space_does(bundled):
    text = "Review the architecture of distributed systems with engineering teams and own the technical roadmap."
    spaced = bundled.classify(text.replace(" systems", "\u200bsystems"))
    assert spaced.explanation.logit == bundled.classify(text).explanation.logit
    joined = bundled.classify(text.replace("architecture", "archi\u200btecture"))
    assert "architecture" not in {t.text for t in joined.explanation.terms}


BENEFITS = (
    "Responsibilities:\nDrive the project plan, schedule and budget with our clients.\n"
    "Benefits:\n- Vision insurance and a home office budget\n- Our engineering culture: hack weeks, AWS credits\n"
    "Equal Opportunity\nWe do not discriminate on the basis of race, religion, veteran status or disability.\n"
    "Requirements:\nFive years of construction project delivery.\n"
)


def test_a_heading_with_an_invisible_character_is_still_a_heading():
    """A soft hyphen, a byte-order mark (a pasted file's first character) or a zero-width space in a heading is not
    seen: the heading is read as a reader sees it."""
    text = (
        "Lead the launch.\nBene\u00adfits:\n- Dental and vision\n\ufeffRequirements:\nSQL.\n"
        "Equal\u200bOpportunity\nWe hire all.\n"
    )
    assert [s.kind for s in tpmclassify.sections(text)] == ["job", "benefits and pay", "job", "equal opportunity"]
    for written in ("&#8203;Benefits", "Benefits&ZeroWidthSpace;", "Bene&shy;fits:"):  # as a page writes them
        kinds = [s.kind for s in tpmclassify.sections(f"Lead the launch.\n{written}\n- Dental\nRequirements:\nSQL.\n")]
        assert kinds == ["job", "benefits and pay", "job"], written


def test_a_heading_padded_with_spaces_is_still_a_heading():
    text = "Lead the launch.\n" + " " * 40 + "Benefits:" + " " * 40 + "\n- Dental and vision\n"
    assert [s.kind for s in tpmclassify.sections(text)] == ["job", "benefits and pay"]


def test_boilerplate_sections_are_not_read_and_offsets_are_kept(bundled):
    kinds = [s.kind for s in tpmclassify.sections(BENEFITS)]
    assert kinds == ["job", "benefits and pay", "equal opportunity", "job"]
    blanked = tpmclassify.job_text(BENEFITS)
    assert len(blanked) == len(BENEFITS) and "AWS" not in blanked and "construction" in blanked
    start, end = BENEFITS.index("Benefits:"), BENEFITS.index("Requirements:")
    p = bundled.classify(BENEFITS)
    for e in (p.explanation, p.scope_explanation):
        for t in e.terms:  # nothing read in the boilerplate (an n-gram may join the words either side of it)
            assert not any(start <= a < end or start < b <= end for a, b in t.spans), t
            for a, b in t.spans:
                assert tpmclassify.normalize(BENEFITS[a:b]).strip()  # spans index the posting as given


def test_a_heading_less_boilerplate_part_does_not_swallow_the_job():
    # a heading line of 20 characters, then lines of 37: the 41st line starts at 20 + 40 x 37 = 1,500, the bound
    text = "Our hiring process:\n" + "We review every application by hand.\n" * 60 + "Own the program roadmap.\n"
    assert "Own the program roadmap." in tpmclassify.job_text(text)
    assert "We review" not in tpmclassify.job_text(text)[:100]
    resumed = tpmclassify.sections(text)[-1]
    assert (resumed.kind, resumed.heading) == ("job", "")  # the job again, under no heading
    assert resumed.start == text.index("We review", 1500) and resumed.end == len(text)


def test_a_boilerplate_part_late_in_a_posting_runs_to_its_own_length():
    """The bound on a part without headings counts from where the part starts, not from the posting's start."""
    job = "Own the program roadmap and its dependencies across teams.\n" * 30  # past 1,500 characters
    text = job + "Benefits\n" + "- Dental and vision insurance\n" * 5
    assert tpmclassify.job_text(text) == job + " " * (len(text) - len(job))


def test_parts_cover_the_posting_at_its_exact_offsets():
    """Each part starts at its heading line and ends where the next starts (the first, before any heading, has
    none); a heading with a typographic apostrophe reads as with a plain one."""
    text = (
        "Own the roadmap.\nWhy you\u2019ll love working here\n- A learning budget\n"
        "How to apply\n- Send a CV\nRequirements:\nSQL.\n"
    )
    why, apply, requirements = (text.index(h) for h in ("Why", "How to apply", "Requirements:"))
    assert tpmclassify.sections(text) == [
        tpmclassify.Section(0, why, "job", ""),
        tpmclassify.Section(why, apply, "benefits and pay", "why you'll love working here"),
        tpmclassify.Section(apply, requirements, "how to apply", "how to apply"),
        tpmclassify.Section(requirements, len(text), "job", "requirements"),
    ]


def test_a_posting_that_starts_with_boilerplate_is_one_part_blanked_whole():
    text = "Benefits\n- Dental and vision insurance\n- A home office budget\n"
    assert tpmclassify.sections(text) == [tpmclassify.Section(0, len(text), "benefits and pay", "benefits")]
    assert tpmclassify.job_text(text) == " " * len(text)


def test_a_bullet_is_never_a_heading():
    text = "Responsibilities:\n- Legal:\nreview vendor contracts with counsel\n- Benefits\nrealisation tracking\n"
    assert [s.kind for s in tpmclassify.sections(text)] == ["job"]
    assert tpmclassify.job_text(text) == text


def test_a_heading_is_a_short_line():
    """A line of up to 60 characters ending in a colon is a heading (here it ends a benefits part); a longer one is a
    sentence of the part it is in."""
    for length, read in ((60, True), (61, False)):
        line = "Own the roadmap with the engineering and the product teams".ljust(length - 1, ".") + ":"
        text = f"Benefits\n- Dental and vision\n{line}\nDrive the launch.\n"
        assert len(line) == length and ("Drive the launch." in tpmclassify.job_text(text)) is read, length
    text = "Benefits\nA MacBook Pro and an iPhone X\nDrive the launch.\n"  # a short line, but no colon: not a heading
    assert "iPhone" not in tpmclassify.job_text(text)


def test_each_axis_is_measured_from_a_typical_posting(bundled, postings):
    for p in bundled.classify_many(postings["description"].tolist()):
        e = p.explanation
        by_axis: dict[str, float] = {}
        for t in e.terms:
            by_axis[t.axis] = by_axis.get(t.axis, 0.0) + t.weight
        assert set(by_axis) == set(e.by_axis)
        for axis, total in e.by_axis.items():
            assert total == pytest.approx(by_axis[axis], abs=1e-9)
        typical = [t for t in e.terms if t.feature.startswith("baseline:")]
        assert typical and all(t.spans == () for t in typical)
        assert e.intercept + sum(t.weight for t in e.terms) == pytest.approx(e.logit, abs=1e-9)


def test_no_reason_blames_the_intercept_for_an_ordinary_posting(bundled, postings):
    for p in bundled.classify_many(postings["description"].tolist()):
        assert not any("intercept" in r for r in p.reasons), p.reasons


NO_EVIDENCE = ["We are hiring. Apply now.", "Join us!", "Great opportunity, apply today"]


@pytest.mark.parametrize("text", NO_EVIDENCE)
def test_no_answer_and_no_flag_from_no_evidence(bundled, text):
    p = bundled.classify(text, title="Technical Program Manager")
    assert p.needs_review and p.content.needs_review and not p.title_mismatch
    assert p.content.reasons[0].startswith("Needs review: too short to decide")
    model = copy.copy(bundled)
    model.min_words_ = 0  # no floor on words: the evidence floor alone leaves it to review
    p = model.classify(text, title="Technical Program Manager")
    assert p.needs_review and p.content.needs_review and not p.title_mismatch
    assert p.content.reasons[0].startswith("Needs review: too little evidence in the posting to decide")


def test_a_readable_posting_of_another_role_is_out_of_scope_not_unreadable(bundled):
    """A nurse's posting has no cue of the TPM/PM axes, yet the scope head reads it plainly: "other", said as such
    (it once printed "needs review ... another language, or not text")."""
    text = (
        "Registered nurse needed for our night shift in the cardiology ward. You will care for patients after "
        "surgery, administer medication, monitor vital signs and chart their recovery, and work with doctors, "
        "pharmacists and families. Two years of hospital nursing experience, a state nursing licence and BLS "
        "certification required; ACLS is a plus. We offer tuition support and a sign-on bonus for registered nurses."
    )
    p = bundled.classify(text)
    assert p.label == "other" and not p.unreadable and not p.needs_review
    assert p.reasons[0].startswith("Out of scope")
    # no TPM/PM split is printed for it ("other (TPM 54%, PM 46%; in scope 0%)" read as a half-TPM nurse)
    assert str(p).splitlines()[0] == f"other  (in scope {p.in_scope:.0%})"


def test_random_characters_need_review(bundled):
    rng = random.Random(0)
    text = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz      ") for _ in range(200_000))
    p = bundled.classify(text)
    assert p.needs_review and p.unreadable


def test_a_mismatch_rests_on_two_axes_confidence_and_evidence(bundled, postings):
    """Every flag, of each title claim, rests on a readable content reading outside the review band, at the claim's
    confidence, with two axes agreeing (each claim flagged at least once, at a confidence that lets it)."""
    import copy

    model = copy.copy(bundled).set_params(mismatch_confidence=0.8)
    texts = postings["description"].tolist()
    claims = (("Project Manager", "pm"), ("Technical Program Manager", "tpm"), ("Program Manager", "program"))
    for title, claim in claims:
        flagged = 0
        for p in model.classify_many(texts, [title] * len(texts)):
            c = p.content
            if p.title_mismatch and c.label in ("tpm", "pm"):
                flagged += 1
                assert not c.unreadable and not c.needs_review
                assert c.probabilities[c.label] >= model.mismatch_confidences[claim]
                assert evidenced_axes(c, c.label) == axes_toward(c.explanation.by_axis, c.label) >= 2
                assert p.reasons[0].startswith(f"Titled '{title}', but reads as a {c.label.upper()}")
        assert flagged >= 1, title


def test_a_hybrid_titled_answer_is_not_its_own_content(bundled, postings):
    text = postings["description"][0]
    p = bundled.classify(text, title="Technical Project Manager")
    q = bundled.classify(text, title="Technical Project Manager")
    assert p.content is not p and p.content.content is None
    assert p == q and p.label == p.content.label
    assert dataclasses.asdict(p)["content"]["label"] == p.content_label


def test_reasons_quote_the_posting_as_written(bundled):
    text = (
        "You will partner Cross-Functionally with Engineering Teams on the program roadmap, drive "
        "Design Reviews and make engineering trade-offs across multiple teams."
    )
    model = copy.copy(bundled)
    model.min_words_ = 0  # a sentence: no floor on words, so that it has reasons to quote
    quoted = " ".join(model.classify(text).reasons)
    assert "'Cross-Functionally'" in quoted or "'Engineering Teams'" in quoted or "'Design Reviews'" in quoted
    assert "'cross functionally'" not in quoted and "'engineering teams'" not in quoted


def test_reasons_quote_an_html_posting_as_its_page_shows_it(bundled, postings):
    """Words joined by an entity or a tag ("Technical&nbsp;Program&nbsp;Manager", "Engineering</b> <b>Teams") were
    quoted as the model's lower-cased tokens: a third of the quotes of real postings pasted as HTML."""
    text = postings["description"][0]
    plain = bundled.classify(text)
    assert "'Computer Science'" in plain.reasons[0] and "'product managers'" in plain.reasons[3]
    for join in ("&nbsp;", "</b> <b>", "&#160;"):
        html = text.replace("Computer Science", f"Computer{join}Science").replace(" and ", " &amp; ")
        html = html.replace("product managers", f"product{join}managers")
        assert html.count(join) == 2
        assert bundled.classify(html).reasons == plain.reasons, join  # the same words, as the page shows them


def test_a_reason_against_the_answer_says_it_was_outweighed(bundled, postings):
    """A PM answer whose first reason was "Technical depth points to TPM (+2.26): ..." said nothing of the other
    axes outweighing it (a hostile audit: 311 of 600 answers had such a reason, 23 of them first)."""
    sample = tpmclassify.read_table(Path(__file__).resolve().parents[1] / "data" / "sample_postings.csv")
    against = 0
    for p in bundled.classify_many([*postings["description"], *sample["description"]]):
        for reason, total in zip(p.explanation.reasons, p.explanation.by_axis.values(), strict=False):
            is_against = total * p.explanation.logit < 0
            assert (", outweighed: " in reason) == is_against, reason
            against += is_against
        if p.scope_explanation is not None:  # (decided at its threshold: its axes are shown as they point)
            assert not any("outweighed" in r for r in p.scope_explanation.reasons)
    assert against


def test_a_quote_is_taken_where_the_reading_found_it_not_from_a_role_name(bundled):
    """A quote was the first place its words occur in the posting, though the reading took that place as part of
    another phrase: a role name's 'The Project' quoted as program scope, its 'Technical' as technical depth (on
    real postings, 41 of 600 answers of a hostile audit)."""
    from test_titles import PLAIN_PM, TECHNICAL

    pm = bundled.classify("The Project Manager owns delivery. " + PLAIN_PM).reasons
    scope = next(r for r in pm if r.startswith("Program scope"))
    assert "'the project'" in scope and "'The Project'" not in scope
    text = "Our Staff Technical Program Manager partners with you. " + TECHNICAL.replace(
        "Technical back", "technical back"
    )
    quoted = " ".join(bundled.classify(text).reasons)
    assert "'technical'" in quoted and "'program'" in quoted
    assert "'Technical'" not in quoted and "'Program'" not in quoted


def test_a_dotted_capital_i_anywhere_leaves_the_quotes_as_written(bundled, postings):
    """'İ' (a Turkish city in a location line) lowers to two characters: every quote of the posting was its
    lower-cased tokens ('computer science'), and with a title, 'İ' in the title did the same."""
    text = postings["description"][0]

    def quotes(*args: str) -> list[str]:  # each reason's words (a line more moves the weights a little)
        return [r.partition(":")[2] for r in bundled.classify(*args).reasons]

    plain = quotes(text)
    assert "'Computer Science'" in plain[0]
    assert quotes("Location: İstanbul\n" + text) == quotes("Location: Istanbul\n" + text) == plain
    titled = quotes(text, "Program Manager, Izmir")
    assert "'Computer Science'" in " ".join(titled) and quotes(text, "Program Manager, İzmir") == titled


def test_a_titled_answer_follows_the_threshold_it_states(bundled, postings):
    texts = postings["description"].tolist() + ["Technical Project Manager needed for our software team."]
    for title in ("Technical Project Manager", "Project Manager", "Technical Program Manager"):
        for p in bundled.classify_many(texts, [title] * len(texts)):
            for q in (p, p.content):
                if q.label in ("tpm", "pm", "other") and q.in_scope is not None and q.scope_threshold is not None:
                    assert (q.label == "other") == (q.in_scope < q.scope_threshold), (title, q.label, q.in_scope)
                elif q is p.content:  # no threshold stated: a title naming the role settles "in scope"
                    assert q.label in ("tpm", "pm")


def _strongest_words(e: tpmclassify.Explanation, axis: str, total: float) -> list[str]:
    """The specification of a reason's words: the first three distinct texts of the axis's terms on the side its
    total points to, strongest first (of the wording's terms, among its eight strongest only). (Two features of one
    axis that quote the same text were not found in these postings: that a reason quotes each text once is not
    tested here.)"""
    terms = [t for t in e.terms if t.axis == axis and not t.feature.startswith("baseline:")]
    terms = [t for t in terms if (t.weight > 0 if total > 0 else t.weight < 0)][: 8 if axis == "wording" else None]
    words: list[str] = []
    for t in terms:
        if len(words) < 3 and t.text not in words:
            words.append(t.text)
    return words


def test_each_reason_quotes_its_axis_s_strongest_terms(bundled, postings):
    """A reason's words are read from the explanation's own terms: the strongest of its axis on the side it points
    to, as the terms quote them (the same words; a reason may quote another occurrence, in another case)."""
    sample = tpmclassify.read_table(Path(__file__).resolve().parents[1] / "data" / "sample_postings.csv")
    texts = [*postings["description"], *sample["description"]]
    seen, suffixed = set(), 0
    for p in bundled.classify_many(texts):
        for e in (p.explanation, p.scope_explanation):
            assert e.first_reasons(0) == [] and e.first_reasons(2) == e.reasons[:2]
            for reason, (axis, total) in zip(e.reasons, e.by_axis.items(), strict=False):
                words = _strongest_words(e, axis, total)
                said = reason.split(": ", 1)[1]
                typical = sum(t.weight for t in e.terms if t.feature == f"baseline:{axis}")  # a typical posting's part
                own = sum(  # the posting's own words on the side the total points to
                    abs(t.weight)
                    for t in e.terms
                    if t.axis == axis and not t.feature.startswith("baseline:") and (t.weight > 0) == (total > 0)
                )
                other = e.negative if total > 0 else e.positive
                less = f"less {SHORT_NAMES.get(other, other)} evidence than a typical posting"
                if words:  # (compared whole, in lower case: a reason may quote another occurrence of a word)
                    quoted = ", ".join(f"'{w}'" for w in words)
                    if typical * total > 0 and abs(typical) > own:  # what the posting lacks says more than its words
                        quoted += ", and " + less
                        suffixed += 1
                    assert said.lower() == quoted.lower(), reason
                else:  # the axis is on this side only because the posting has less of the other than is typical
                    assert said == less, reason
                seen.add((axis, total > 0))
    assert {"technical", "scope", "wording"} <= {axis for axis, _ in seen} and {True, False} <= {s for _, s in seen}
    assert suffixed  # some reasons quote words and say that the posting lacks a typical posting's evidence


def test_a_brace_group_is_read_as_each_of_its_words_and_anything_else_is_refused():
    """``{a,b,}`` groups expand in order; a nested, unclosed or stray brace, a comma outside a group (before or after
    one) and a group that can leave nothing are refused. Only those characters are: a capital is a word's."""
    from tpmclassify._cues import _expanded

    assert _expanded("{X,x} ray {,scan}") == ["X ray", "X ray scan", "x ray", "x ray scan"]
    for phrase in (
        "report to {the,{a,an}} director",
        "report to {the director",
        "report to the} director",
        "{,}",
        "{report,reporting} to, director",
        "report, to {the,} director",
    ):
        with pytest.raises(ValueError, match="not nested or empty"):
            _expanded(phrase)


def test_a_cue_table_row_is_a_name_and_its_phrases_or_its_name_alone():
    from tpmclassify._cues import _table

    cues = _table("scope", "tpm", "\nportfolio\nroadmap: roadmap | roadmaps | {the,} roadmap | \n")
    assert cues == [
        tpmclassify.Cue("portfolio", "scope", "tpm", ("portfolio",)),
        tpmclassify.Cue("roadmap", "scope", "tpm", ("roadmap", "roadmaps", "the roadmap")),
    ]


@pytest.mark.parametrize("lead", ["the", "this", "a", "each", "The"])
def test_a_project_manager_after_an_article_is_a_role_name_not_a_project(lead):
    """Cues match longest first from the left: "the project manager" is listed whole, or "the project" would take
    its first two words (the package's table, as a model fitted now reads it; the bundled model holds its own)."""
    import numpy as np

    from tpmclassify._features import FeatureSpace

    space = FeatureSpace(tpmclassify.CUES, [], np.ones(0))
    names = {space.cues[j].name for j in space.matches(f"Work with {lead} project manager on delivery.")}
    assert "project manager" in names and "a project" not in names


def test_the_cue_table_bounds_hold_their_limits():
    """5,000 phrases, 200 characters and 8 words are within the bounds, one more of any is not; so is no non-string."""
    from tpmclassify._cues import within_bounds

    assert within_bounds(["a"] * 5000) and not within_bounds(["a"] * 5001)
    assert within_bounds(["x" * 200]) and not within_bounds(["x" * 201])
    assert within_bounds([" ".join("w" * 8)]) and not within_bounds([" ".join("w" * 9)])
    assert not within_bounds(["roadmap", 3]) and not within_bounds([None])
