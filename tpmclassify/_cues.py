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

from dataclasses import dataclass

__all__ = ["AXES", "CUES", "Cue"]

#: Axis key -> human-readable name. "wording" is for plain n-grams tied to no axis.
AXES: dict[str, str] = {
    "scope": "Program scope",
    "technical": "Technical depth",
    "strategy": "Strategy vs execution",
    "collaboration": "Cross-functional collaboration",
    "role_name": "Role name",
    "other_role": "Other role family",
    "wording": "Other wording",
}


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
        Role the article associates with it: ``"tpm"``, ``"pm"`` or ``"other"``.
    phrases : tuple of str
        Surface phrases that count as a match.
    """

    name: str
    axis: str
    role: str
    phrases: tuple[str, ...]


def _table(axis: str, role: str, rows: str) -> list[Cue]:
    cues = []
    for line in rows.strip().splitlines():
        name, _, rest = line.partition(":")
        phrases = tuple(p.strip() for p in (rest or name).split("|") if p.strip())
        cues.append(Cue(name.strip(), axis, role, phrases))
    return cues


# name: phrase | phrase | ...   (no phrases means the name is the phrase)
CUES: tuple[Cue, ...] = tuple(
    _table("scope", "tpm", """
program: program | programs | programme | programmes
multiple projects: multiple projects | several projects | many projects | portfolio of projects | set of projects
multiple teams: multiple teams | many teams | several teams | across teams | multiple engineering teams | cross-team | cross team
portfolio: portfolio
roadmap: roadmap | roadmaps
long-term: long-term | long term | multi-year | multi year | multi-quarter
end-to-end: end-to-end | end to end
large scale: large-scale | large scale | at scale | global scale
dependencies: dependencies | dependency
launch: launch | launches | launching
initiatives: initiatives | initiative
org-wide: org-wide | organization-wide | company-wide | across the organization | across the company
""")
    + _table("scope", "pm", """
the project: the project | this project | a project | each project
project scope: project scope | scope of the project | scope of work | statement of work
project lifecycle: project lifecycle | project life cycle | project phases | project initiation | project closure | closeout
project plan: project plan | project plans | project schedule | project schedules
deliverables: deliverables | deliverable
milestones: milestones | milestone
site: site | sites | on-site | site visits
construction: construction | contractor | contractors | subcontractors | fit-out
handover: handover | hand over | go-live | go live
""")
    + _table("technical", "tpm", """
architecture: architecture | architectures | architectural
system design: system design | systems design | design reviews | design review | technical design
distributed systems: distributed systems | distributed system
scalability: scalability | scalable | scaling | reliability | availability | latency
APIs: api | apis | services | microservices
infrastructure: infrastructure | cloud | aws | kubernetes | data center | datacenter
software development: software development | software engineering | sdlc
engineering trade-offs: trade-offs | tradeoffs | trade offs | technical decisions | technical tradeoffs
technical background: technical background | technical depth | technical degree | computer science | engineering degree
engineers: engineers | engineering teams | engineering team | software engineers | developers
systems: systems | system | platform | platforms
code: code | coding | programming | software
machine learning: machine learning | ml | ai | data science | models
hardware: hardware | firmware | silicon | chips | devices
security: security | privacy | compliance engineering
""")
    + _table("technical", "pm", """
non-technical tools: ms project | microsoft project | excel | powerpoint | ms office | microsoft office
""")
    + _table("strategy", "tpm", """
strategy: strategy | strategic | strategies
vision: vision | long-term vision
business goals: business goals | business objectives | business strategy | business outcomes | business impact
high-level risk: risk management | mitigate risks | mitigation | risks | identify risks
prioritization: prioritization | prioritize | priorities
ambiguity: ambiguity | ambiguous
metrics: metrics | kpis | okrs | goals
executive communication: executive | executives | senior leadership | leadership team | vp | directors
influence: influence | influencing | drive alignment | alignment
""")
    + _table("strategy", "pm", """
budget: budget | budgets | budgeting | cost | costs | financials | invoicing | invoices
schedule: schedule | schedules | scheduling | timeline | timelines | gantt
tasks: tasks | task | day-to-day | daily
resources: resources | resource allocation | resource planning | manpower
status reporting: status reports | status report | progress reports | reporting | weekly reports
documentation: documentation | documents | meeting minutes | minutes
methodology: pmp | prince2 | pmbok | waterfall | project management
procurement: procurement | purchase orders | tender | tenders | quotations
""")
    + _table("collaboration", "tpm", """
cross-functional: cross-functional | cross functional | cross-functionally | cross-org | cross organizational
product managers: product managers | product management | product teams | product team
partner teams: partner teams | partners | stakeholders across | multiple stakeholders
engineering leadership: engineering leaders | engineering managers | engineering leadership | tech leads
""")
    + _table("collaboration", "pm", """
team members: team members | project team | project teams | team member
clients: client | clients | customer | customers | end users | users
vendors: vendor | vendors | suppliers | third parties | third-party
coordinate: coordinate | coordinating | coordination | liaise | liaising | liaison
""")
    + _table("role_name", "tpm", """
technical program manager: technical program manager | technical program management | technical programme manager | tpm | tpms
program manager: program manager | program management | programme manager
""")
    + _table("role_name", "pm", """
project manager: project manager | project managers | project management professional
technical project manager: technical project manager
""")
    + _table("other_role", "other", """
writes code: write code | writing code | hands-on coding | code reviews | unit tests | debugging | debug
software engineer: software engineer | software developer | developer | engineer ii | sde
product manager: product manager | product owner | product vision | product roadmap | user research | customer discovery
scrum master: scrum master | scrum | sprint | sprints | agile coach | ceremonies
engineering manager: engineering manager | direct reports | people management | hire and grow | performance reviews
data scientist: data scientist | statistical | statistics | experimentation | a/b testing | a/b tests
""")
)
