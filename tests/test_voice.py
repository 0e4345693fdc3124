"""What a company says of its own technology is not read as the role's technical depth (``job_reading``).

The snippets are from real postings of the shared data (their punctuation as the crawl kept it).
"""

from __future__ import annotations

import re

import pytest

import tpmclassify

# A fintech's introduction (an "other" posting's opening), a defence company's, and a PM posting's duties.
FINTECH = (
    "We believe that the way consumers and businesses work with their finances will drastically improve in the next "
    "few years. Our goal is to build the tools and infrastructure for developers to create this next generation of "
    "financial services applications."
)
DEFENCE = (
    "Anduril Industries is a defense technology company with a mission to transform U.S. and allied military "
    "capabilities with advanced technology."
)
PM_DUTIES = (
    "What You'll Do: Define project scope, create schedules, and manage all phases from conception to completion. "
    "Develop and manage project budgets, track costs, and ensure adequate staffing and tools are available."
)


def _blanked(text: str) -> list[str]:
    """The words ``job_reading`` blanked in ``text``."""
    read = tpmclassify.job_reading(text)
    assert len(read) == len(text)  # offsets into what is read are offsets into the posting
    return [m.group() for m in re.finditer(r"\S+", text) if read[m.start() : m.end()] != m.group()]


def test_the_company_s_own_technology_is_not_read():
    read = tpmclassify.job_reading(FINTECH)
    assert len(read) == len(FINTECH)
    for word in ("infrastructure", "developers"):  # the technical-depth cues' words, in the company's voice
        assert word in FINTECH and word not in read
    assert "Our goal is to build the tools and" in read and "financial services applications." in read
    # a phrase's words, a plural, a hyphen and any case; not a word that only begins like one ("cloudy")
    assert _blanked("We build Machine-Learning platforms and AI in the cloud, on cloudy days.") == [
        "Machine-Learning",
        "platforms",
        "AI",
        "cloud,",
    ]


def test_a_company_named_rather_than_we_speaks_as_company_when_it_says_company_or_mission():
    read = tpmclassify.job_reading(DEFENCE)
    assert "technology" not in read and "defense" in read and "military" in read


@pytest.mark.parametrize(
    "sentence",
    [
        # to the reader (a MongoDB TPM posting)
        "As a Sr. Staff Technical Program Manager, you will partner with key Engineering, Product, Product Design, "
        "Marketing, and Analytics stakeholders to conduct data-driven experiments and deliver features for MongoDB.",
        # the team the hire joins (a ByteDance posting)
        "We are a rapidly growing and highly capable team building software for our enterprise services.",
        # the job, though the company speaks
        "We are looking for a leader with experience in cloud infrastructure and distributed systems.",
        # no company voice at all
        "Drive architecture reviews and technical trade-offs across the platform.",
        # a duty that names the company's systems ("our" after its first word), a hyphenated word of the company's
        "Work cross-functionally with software engineers on scalability, reliability and latency of our distributed "
        "systems.",
        "Drive company-wide infrastructure programs and mission-critical platform migrations.",
    ],
)
def test_the_role_s_and_the_team_s_technology_is_read(sentence):
    assert tpmclassify.job_reading(sentence) == sentence


def test_a_sentence_ends_at_its_stop_or_line_break():
    text = "Our platform serves banks.\nCloud migration plan for the platform: own it\nWe run AWS! Own the AWS budget."
    read = tpmclassify.job_reading(text)
    assert read.splitlines()[1] == text.splitlines()[1]  # a line of its own, not the company's voice
    assert "Our          serves" in read and "We run    !" in read and "Own the AWS budget." in read


def test_boilerplate_is_blanked_first():
    text = "Own the program roadmap.\nBenefits:\nOur cloud platform gives you a learning budget."
    assert tpmclassify.job_reading(text) == tpmclassify.job_text(text)


def test_the_answer_reads_no_technical_depth_in_the_company_s_introduction(bundled):
    posting = f"{FINTECH} {DEFENCE}\n\n{PM_DUTIES}"
    intro = len(FINTECH) + 1 + len(DEFENCE)
    p = bundled.classify(posting)
    technical = [t for t in p.explanation.terms if t.axis == "technical" and t.spans]
    assert not [t for t in technical if any(a < intro for a, _ in t.spans)], technical
    # the introduction moves the answer little: without this reading its technical words carried it towards TPM
    alone = bundled.classify(PM_DUTIES)
    assert p.label == alone.label == "pm"
    assert abs(p.explanation.logit - alone.explanation.logit) < 1.0
    # and every quoted span is the posting's own characters
    for t in p.explanation.terms:
        for a, b in t.spans:
            assert posting[a:b].strip()
