"""Trying the automation rules on an issue that may not exist: which rule would apply,
and each clause's result, as `casebot rules test` prints and the rules page shows.

Nothing is stored; the rules are read in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from bot.core.cases import Project
from bot.core.issues import issue_document
from bot.core.query import Document
from bot.core.rules import Explanation, Match, RuleVerdict
from bot.errortracking.automation import AutomationRules
from bot.services.projects import ProjectReader


@dataclass(frozen=True, slots=True)
class Sample:
    """The parts of an issue that rules match: what a person types to try them."""

    service: str
    teams: tuple[str, ...] = ()
    env: str | None = None
    error_type: str | None = None
    title: str = ""
    message: str = ""

    @property
    def document(self) -> Document:
        return issue_document(
            service=self.service,
            team=list(self.teams) or None,
            env=self.env,
            error_type=self.error_type,
            title=self.title,
            message=self.message,
        )

    def describe(self) -> str:
        """`service:web-store team:Shopist`, as the trial's header says it."""
        return f"service:{self.service}" + "".join(f" team:{t}" for t in self.teams)


@dataclass(frozen=True, slots=True)
class RuleTrial:
    """Every rule's verdict for one sample issue, with project keys instead of ids."""

    explanation: Explanation
    project_keys: dict[str, str]

    @property
    def verdicts(self) -> tuple[RuleVerdict, ...]:
        return self.explanation.verdicts

    @property
    def match(self) -> Match | None:
        return self.explanation.match

    def key(self, project_id: str) -> str:
        return self.project_keys.get(project_id, project_id)

    def lines(self) -> list[str]:
        """The explanation's lines, naming projects by key."""
        out = []
        for line in self.explanation.lines():
            for project_id, key in self.project_keys.items():
                line = line.replace(f"project {project_id}", f"project {key}")
            out.append(line)
        return out

    def conclusion(self) -> str:
        """What applies, as `casebot rules test` ends: `rule 2 applies: cases go to OPS.`"""
        if not self.verdicts:
            return (
                "no rules yet: a case for this issue goes to the project named, else the default."
            )
        match = self.match
        if match is None:
            return "no rule matches: a case goes to the project named, else the default."
        auto = " and opens a case at once" if match.auto_create else ""
        return f"rule {match.index + 1} applies: cases go to {self.key(match.project_id)}{auto}."

    @property
    def headline(self) -> str:
        """The conclusion as a sentence of its own."""
        text = self.conclusion()
        return text[:1].upper() + text[1:]


def try_rules(conn: Connection, sample: Sample | Document, *, now: datetime) -> RuleTrial:
    """Explain the stored rules for `sample` (or a document made elsewhere)."""
    document = sample.document if isinstance(sample, Sample) else sample
    explanation = AutomationRules(conn, now=now).explain(document)
    return RuleTrial(explanation, _keys(ProjectReader(conn).list()))


def _keys(projects: Iterable[Project]) -> dict[str, str]:
    return {str(p.id): p.key for p in projects}
