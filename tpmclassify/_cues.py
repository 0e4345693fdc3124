"""The article's axes as data: one declarative table of cue phrases.

Each cue names an axis, the role it points to according to the article, and
one or more phrases. Phrases are matched on tokens with plurals stripped, so
"architectures" matches "architecture" and "cross-functional" matches "cross
functional" (other forms are listed as phrases of their own). The
feature extractor turns matches into one feature per cue; the explainer uses the
same table to name axes and to point at the characters that matched. The role
written here is the article's expectation; the sign the model learned is what
an explanation reports.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import product

from ._roles import HYBRID, OTHER, PM, PROGRAM, ROLE_NAMES, ROLES, TPM

__all__ = [
    "ARTICLE_AXES",
    "ARTICLE_AXIS_NAMES",
    "AXES",
    "CUES",
    "CUE_ROLES",
    "NONE",
    "Cue",
    "TABLE_BOUNDS",
    "cue_table",
    "within_bounds",
]

#: A phrase read in context votes for neither role.
NONE = "none"
#: The roles a cue can point to (see :class:`Cue`).
CUE_ROLES: tuple[str, ...] = (*ROLES, HYBRID, OTHER, NONE)

#: Axis key -> human-readable name. "wording" is for plain n-grams tied to no axis.
AXES: dict[str, str] = {
    "scope": "Program scope",
    "technical": "Technical depth",
    "strategy": "Strategy vs execution",
    "collaboration": "Cross-functional collaboration",
    "role_name": "Role name",
    "other_role": "Other role family",
    "context": "Read in context (no vote)",
    "wording": "Other wording",
}
#: The article's four axes: what a posting's evidence is measured on (role names and wording say nothing of the job).
ARTICLE_AXES = ("scope", "technical", "strategy", "collaboration")
#: The four axes as a sentence names them: "program scope, technical depth, strategy vs execution, cross-functional
#: collaboration".
ARTICLE_AXIS_NAMES = ", ".join(AXES[a].lower() for a in ARTICLE_AXES)


#: The most phrases a cue table has, words a phrase has and characters it has: what a model file holds (matching and
#: loading time grow with them), so that ``fit`` refuses what ``save`` and ``load`` would.
MAX_PHRASES, MAX_PHRASE_WORDS, MAX_PHRASE_CHARS = 5000, 8, 200
TABLE_BOUNDS = f"{MAX_PHRASES} phrases of at most {MAX_PHRASE_WORDS} words and {MAX_PHRASE_CHARS} characters"


def within_bounds(phrases: Sequence[object]) -> bool:
    """Whether a cue table's ``phrases`` (all of them) are within :data:`TABLE_BOUNDS`."""
    return len(phrases) <= MAX_PHRASES and all(
        isinstance(p, str) and len(p) <= MAX_PHRASE_CHARS and len(p.split()) <= MAX_PHRASE_WORDS for p in phrases
    )


@dataclass(frozen=True)
class Cue:
    """One row of the cue table.

    Parameters
    ----------
    name : str
        Display name, e.g. ``"system design"``.
    axis : str
        Key of :data:`AXES`.
    role : str
        Role the article associates with it: ``"tpm"`` or ``"pm"`` (the role
        head's weight is bounded to that side), ``"hybrid"`` (a role name used
        for either), ``"other"`` (another role family; scope head only) or
        ``"none"`` (a phrase read in context: it takes its words, so that no
        other cue of its head counts them, and votes for nothing; see the
        "context" axis, and the other-role row "reading code").
    phrases : tuple of str
        Surface phrases that count as a match, each written out (the package's own table is written with
        ``{a,b,}`` groups, expanded as it is built; a phrase given here is read as its words). A number in a
        phrase (a word of ASCII digits) matches any number: "0 pm" is the clock time "5 PM", and "ISO 9001"
        matches "ISO 27001" too.

    Examples
    --------
    >>> import tpmclassify
    >>> cue = next(c for c in tpmclassify.CUES if c.name == "system design")
    >>> cue.axis, cue.role, cue.phrases[:3]
    ('technical', 'tpm', ('system design', 'systems design', 'design reviews'))
    >>> e = tpmclassify.classify("Run system design reviews with the engineers.").explanation
    >>> sorted(t.feature for t in e.terms if t.feature.startswith("cue:") and t.spans)  # its feature, by its name
    ['cue:technical:engineering', 'cue:technical:system design']
    """

    name: str
    axis: str
    role: str
    phrases: tuple[str, ...]


def _expanded(phrase: str) -> list[str]:
    """A table phrase with each ``{a,b,}`` group read as one of its words (an empty one as none), in order.

    >>> _expanded("{report,reporting} to {the,} {,senior} director")
    ['report to the director', 'report to the senior director', 'report to director', 'report to senior director', \
'reporting to the director', 'reporting to the senior director', 'reporting to director', 'reporting to senior director']
    >>> _expanded("report to {the,{a,an}} director")
    Traceback (most recent call last):
    ...
    ValueError: cue phrase 'report to {the,{a,an}} director' reads as 'report to {the,a} director': write {a,b,} groups, \
not nested or empty
    """
    parts = re.split(r"\{([^{}]*)\}", phrase)  # text, group, text, group, ..., text
    choices = [[part] if i % 2 == 0 else part.split(",") for i, part in enumerate(parts)]
    phrases = [" ".join("".join(words).split()) for words in product(*choices)]
    wrong = next((p for p in phrases if not p or set(p) & set("{},")), None)
    if wrong is not None:  # a nested or unclosed group, or one that can leave nothing
        raise ValueError(f"cue phrase {phrase!r} reads as {wrong!r}: write {{a,b,}} groups, not nested or empty")
    return phrases


def _table(axis: str, role: str, rows: str) -> list[Cue]:
    cues = []
    for line in rows.strip().splitlines():
        name, _, rest = line.partition(":")
        phrases = tuple(e for p in (rest or name).split("|") if p.strip() for e in _expanded(p))
        cues.append(Cue(name.strip(), axis, role, tuple(dict.fromkeys(phrases))))
    return cues


#: The role-name cues: (cue name, role it points to, key of ``_roles.ROLE_NAMES``). "program manager" points to TPM
#: (program scope); the hybrid titles point to neither (only the scope head uses them).
_ROLE_NAME_CUES = (
    ("technical program manager", TPM, TPM),
    ("program manager", TPM, PROGRAM),
    ("project manager", PM, PM),
    ("technical project manager", HYBRID, HYBRID),
)


def _led(names: tuple[str, ...]) -> tuple[str, ...]:
    """Role names led by the words of the "a project" cue, so that "the project manager" is matched as a role name
    (cues match left to right, longest first: without these, "the project" would be taken first)."""
    return tuple(f"{lead} {n}" for n in names if n.startswith("project ") for lead in ("the", "this", "a", "each"))


# name: phrase | phrase | ...   (no phrases means the name is the phrase; "{a,b,}" in a phrase: each of a, b or none)
CUES: tuple[Cue, ...] = tuple(
    _table(
        "scope",
        TPM,
        """
program: program | programs | programme | programmes
multiple projects: multiple projects | several projects | many projects | portfolio of projects | set of projects | across projects
multiple teams: multiple teams | many teams | several teams | across teams | multiple engineering teams | cross-team | cross team | distributed teams | across multiple teams
portfolio: portfolio
roadmap: roadmap | roadmaps
long-term: long-term | long term | multi-year | multi year | multi-quarter | quarterly planning | annual planning
end-to-end: end-to-end | end to end
large scale: large-scale | large scale | at scale | global scale
dependencies: dependencies | dependency | interdependencies
launch: launch | launches | launching | launched
initiatives: initiatives | initiative
org-wide: org-wide | organization-wide | company-wide | across the organization | across the company
""",
    )
    + _table(
        "scope",
        PM,
        """
a project: the project | this project | a project | each project | single project
project scope: scope | project scope | scope of work | statement of work | scope of the project
project lifecycle: project lifecycle | project life cycle | project phases | project initiation | project closure | closeout
project plan: project plan | project plans | project schedule | project schedules
deliverables: deliverables | deliverable
milestones: milestones | milestone
site: site | sites | site visits | job site
construction: construction | contractor | contractors | subcontractors | fit-out | civil | renovation | building works | building construction | building services | commercial building | building projects
handover: handover | hand over | go-live | go live
contracts: contract | contracts | contractual
""",
    )
    + _table(
        "technical",
        TPM,
        """
technical: technical | technically
technology: technology | technologies
engineering: engineering | engineer | engineers | engineering teams | engineering team | software engineers | developers
architecture: architecture | architectures | architectural
system design: system design | systems design | design reviews | design review | technical design
distributed systems: distributed systems | distributed system
reliability: scalability | scalable | site reliability | reliability | availability | latency
APIs: api | apis | microservices | web services
infrastructure: infrastructure | cloud | aws | azure | gcp | kubernetes | data center | datacenter | networking
software: software | software development | software engineering | sdlc
engineering trade-offs: trade-offs | tradeoffs | trade offs | technical decisions | technical tradeoffs
technical background: technical background | technical depth | technical degree | computer science | engineering degree
systems: systems | system
platform: platform | platforms
code: code | coding | programming
machine learning: machine learning | ml | ai | artificial intelligence | data science
hardware: hardware | firmware | silicon | chips | devices
security: security | privacy
""",
    )
    + _table(
        "technical",
        PM,
        """
office tools: ms project | microsoft project | excel | knowledge of excel | powerpoint | ms office | microsoft office | smartsheet | primavera
certification: pmp | prince2 | pmbok | capm
""",
    )
    + _table(
        "strategy",
        TPM,
        """
strategy: strategy | strategic | strategies | strategically
vision: vision | long-term vision
business goals: business goals | business objectives | business strategy | business outcomes | business impact
high-level risk: risk management | mitigate risks | mitigation | risks | identify risks | technical risk | technical risks
prioritization: prioritization | prioritize | priorities | trade-off decisions
ambiguity: ambiguity | ambiguous
metrics: metrics | kpis | okrs
executive communication: executive | executives | senior leadership | leadership team | vp | directors
influence: influence | influencing | drive alignment | alignment
""",
    )
    + _table(
        "strategy",
        PM,
        """
budget: budget | budgets | budgeting | cost | costs | financials | invoicing | invoices | forecasting
schedule: schedule | schedules | scheduling | timeline | timelines | gantt | deadlines | on time | on budget
tasks: tasks | task | day-to-day
resources: resources | resource allocation | resource planning | manpower
status reporting: status reports | status report | progress reports | weekly reports | progress report
documentation: documentation | documents | meeting minutes | minutes
methodology: waterfall | methodologies | methodology
procurement: procurement | purchase orders | tender | tenders | quotations
quality and safety: quality control | qa qc | inspections | inspection | safety | hse
""",
    )
    + _table(
        "collaboration",
        TPM,
        """
cross-functional: cross-functional | cross functional | cross-functionally | cross-org | cross organizational
product managers: product managers | product management | product teams | product team
partner teams: partner teams | stakeholders across | multiple stakeholders | partners
engineering leadership: engineering leaders | engineering managers | engineering leadership | tech leads
""",
    )
    + _table(
        "collaboration",
        PM,
        """
team members: team members | project team | project teams | team member
clients: client | clients | end users
vendors: vendor | vendors | suppliers | third parties | third-party | subcontractor
coordinate: coordinate | coordinating | coordination | liaise | liaising | liaison
""",
    )
    + [Cue(name, "role_name", role, ROLE_NAMES[key] + _led(ROLE_NAMES[key])) for name, role, key in _ROLE_NAME_CUES]
    # Words read in context: each phrase takes its words (cues match longest first, without overlap), so the cues
    # above do not count them, and it votes for nothing. A posting at a software company says "technical" and
    # "developer" whatever the job; these are the senses in which such words say nothing about the role: negated
    # or contrasted ("technical and non-technical stakeholders"), another sense ("code of conduct", "reports to the
    # Director of ...", "people who excel in", the clock time "5 PM": a "0" is any number, see _words.NUMBER_WORD),
    # an audience ("a conference for developers"), or the terms of employment and its benefits ("a flexible
    # schedule", "vision insurance", "on-site"). Each row is pinned by a real snippet in the tests.
    + _table(
        "context",
        NONE,
        """
negated or contrasted technical: non technical | non-technical | nontechnical | technical {and,or,as well as} {non technical,nontechnical} | both technical and non technical | technical {and,or} business | non engineering | nonengineering | no {prior,previous,} {technical,engineering,coding,programming} {background,experience,skills,knowledge,degree} {required,needed} | no coding {required,needed} | without {a,} {technical,engineering,software engineering} {background,degree} | without an {engineering,software engineering} {background,degree} | not {a technical,an engineering,a coding} {role,position} | not {very,overly,highly} technical | {do not,don't,dont} {need,have} to be technical | need not be technical | {do not,don't} need a technical background | {technical,engineering,coding} {background,experience,skills,knowledge,degree} {is,are} not {required,necessary} | technical {background,experience,skills,degree} not required | coding is not required
code of conduct: code of conduct | code of ethics | code of business conduct | culture code | dress code | zip code | building code | building codes | low code | no code | personal code
developers as an audience: developer relations | developer community | developer communities | developer events | developer event | developer conference | developer conferences | developer marketing | developer advocacy | developer ecosystem | developer program
reports to a director: {report,reporting} {to,into,in to,directly to} {the,a,our} {,senior,sr,associate,senior associate,program,programme,project} {director,vp,head} | {report,reporting} {to,directly to} an {associate,executive} director | {report,reporting} {to,into,in to,directly to} {project director,head} | {directly,functionally} reports to the {director,vp,head} | direct reporting to {the,} {director,vp,head}
executive titles: account executive | executive assistant | executive search | sales executive
clock time: 0 pm
excel as a verb: who excel | you excel | we excel | can excel | people excel | must excel | will excel | they excel | opportunity to excel | strive to excel | excel at
terms of employment: contract role | contract position | contract basis | contract to hire | fixed term contract | contract type | contract length | contract duration | flexible schedule | work schedule | schedule type | full time schedule | on site | on-site | onsite
benefits: vision insurance | dental and vision | dental vision | vision care | vision coverage | vision plan | social security | human resources | benefits program | referral program | wellness program | assistance program | internship program | graduate program | rotation program | rotational program | loyalty program | stock purchase program | learning budget | education budget | equipment budget | home office budget | development budget | training budget | savings program | matching gift program | gift matching program | {long-term,long term,short-term,short term,annual} incentive program | bonus program | employee recognition program | {reward,rewards} and recognition program | mentorship program | mentoring program | tuition reimbursement program | parental leave program | {long term,long-term,short term,short-term} disability
legal notices: e-verify program | everify program | e verify program | domestic partner | domestic partnership | board of director approval | subject to board approval
recruiters and investors: recruiting partner | recruitment partner | talent partner | talent acquisition partner | venture partners
initiative as a trait: {like to,who,comfortable,ability to,able to,willing to,willingness to,expected to,you} {take,taking} initiative | take initiative to | taking initiative and | problems take initiative | {show,shows,showing} initiative | sense of initiative | {your,their} own initiative
another sense: smart contract | fully distributed team | fully distributed company | globally distributed company | distributed company | set your own schedule | your own schedule | schedule that {fits,suits} {you,your} | schedule that works for {you,your}
""",
    )
    # Other role families by what their postings ask the person to *do*: the names of those roles ("product
    # managers", "software engineers") are as often the people a TPM works with, and measured source-grouped they
    # pushed TPM postings out of scope.
    + _table(
        "other_role",
        OTHER,
        """
writes code: write code | writing code | hands-on coding | code reviews | unit tests | debugging | debug
product work: product vision | product roadmap | user research | customer discovery
scrum ceremonies: scrum | sprint | sprints | ceremonies
people management: direct reports | people management | hire and grow | performance reviews
data science: statistical | statistics | experimentation | a/b testing | a/b tests
""",
    )
    # Read in context by the scope head, which matches the other-role cues apart: these take their words from the
    # other-role cues (not from the n-grams, which read them as ever) and vote for nothing. "1+ year(s) of experience
    # reading and/or writing code" is a requirement of Microsoft's TPM postings, not an engineer's job, and had sent
    # them out of scope; the role head reads 'code' as technical depth. "Comfortable reading/writing code for
    # reviews, prototypes" (an engineering manager's) stays a vote, as does "reading and writing code" (as often an
    # engineer's day as a requirement).
    + _table(
        "other_role",
        NONE,
        """
reading code: {reading,read} {and/or,or} {writing,write} code
""",
    )
)


def cue_table(cues: Iterable[Cue] | None) -> tuple[Cue, ...]:
    """The cue table a model's ``cues`` parameter names: the built-in :data:`CUES` for None."""
    return tuple(CUES if cues is None else cues)
