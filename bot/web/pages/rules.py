"""`/settings/rules`: the ordered error-tracking automation rules, as `casebot rules` has them.

Everyone reads the list and tries it (**Test**: a sample issue, typed or one of
the recent issues, against every rule in order, with each clause's result, as
`casebot rules test` prints). Admins add, edit, delete and reorder rules; moving
is a pair of buttons per rule (Move up, Move down), so the keyboard does it.
A query that does not parse comes back with where and what was expected.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.core.cases import Project
from bot.core.issues import Issue
from bot.core.rules import Rule
from bot.errortracking import AutomationRules, InvalidRule, RuleNotFound
from bot.errortracking.issue_pages import IssuePages
from bot.errortracking.trial import RuleTrial, Sample, try_rules
from bot.services.errors import InvalidChange, ProjectNotFound
from bot.services.projects import ProjectReader
from bot.web.pages.forms import checked, sentence, text_field
from bot.web.pages.guard import Needs, Signed, signed_in
from bot.web.pages.rendering import render

BASE = "/settings/rules"
DONE = {
    "added": "Added rule {n}.",
    "saved": "Saved rule {n}.",
    "deleted": "Deleted the rule.",
    "moved": "Moved the rule to position {n}.",
}
SAMPLE_FIELDS = ("service", "team", "env", "error_type", "title", "message")


@dataclass(frozen=True, slots=True)
class QueryProblem:
    """A query that does not parse: the message, and the query with a caret under `column`."""

    message: str
    caret: str | None


@dataclass(frozen=True, slots=True)
class RulesView:
    rules: tuple[Rule, ...]
    projects: tuple[Project, ...]
    can_manage: bool
    recent: tuple[Issue, ...] = ()
    sample: dict[str, str] = field(default_factory=dict)
    trial: RuleTrial | None = None
    sample_error: str | None = None
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    problem: QueryProblem | None = None
    notice: str | None = None
    editing: Rule | None = None

    def project_key(self, project_id: str) -> str:
        for project in self.projects:
            if str(project.id) == project_id:
                return project.key
        return project_id

    def applies(self, rule: Rule) -> bool:
        return (
            self.trial is not None
            and self.trial.match is not None
            and (self.trial.match.rule.id == rule.id)
        )


def _problem(error: InvalidRule, query: str) -> QueryProblem | None:
    if error.field != "query":
        return None
    if error.column is None:
        return QueryProblem(sentence(error.message), None)
    text = query.strip()
    column = max(1, min(error.column, len(text) + 1))
    return QueryProblem(sentence(error.message), f"{text}\n{' ' * (column - 1)}^")


def _sample(params: Any) -> dict[str, str]:
    return {name: str(params.get(name, ""))[:500].strip() for name in SAMPLE_FIELDS}


async def _page(
    request: Request, signed: Signed, *, status: int = 200, template: str = "rules.html.j2",
    **extra: Any,
) -> Response:  # fmt: skip
    now = signed.now
    sample = _sample(request.query_params)
    picked = request.query_params.get("issue", "")[:64]

    def load(conn: Connection) -> dict[str, Any]:
        pages = IssuePages(conn, now=now)
        loaded: dict[str, Any] = {
            "rules": tuple(AutomationRules(conn, now=now).list()),
            "projects": tuple(ProjectReader(conn).list()),
            "recent": tuple(pages.recent()),
        }
        if picked:
            panel = pages.panel(picked)
            if panel is not None:
                issue = panel.issue
                sample.update(
                    service=issue.service, team=issue.team or "", env=issue.env or "",
                    error_type=issue.error_type, title=issue.title,
                    message=issue.error_message[:500],
                )  # fmt: skip
        if sample["service"]:
            loaded["trial"] = try_rules(conn, _as_sample(sample), now=now)
        return loaded

    loaded = await signed.console.read(load)
    if request.query_params.get("test") is not None and not sample["service"]:
        extra.setdefault("sample_error", "Give the issue's service, or pick a recent issue.")
    if "notice" not in extra:
        done, n = request.query_params.get("done", ""), request.query_params.get("n", "")[:6]
        extra["notice"] = DONE[done].format(n=n) if done in DONE else None
    view = RulesView(can_manage=signed.can_manage, sample=sample, **loaded, **extra)
    return render(template, status=status, view=view, chrome=signed.chrome("rules"))


def _as_sample(values: dict[str, str]) -> Sample:
    teams = tuple(t.strip() for t in values["team"].split(",") if t.strip())
    return Sample(
        service=values["service"],
        teams=teams,
        env=values["env"] or None,
        error_type=values["error_type"] or None,
        title=values["title"],
        message=values["message"],
    )


@signed_in()
async def rules_page(request: Request, signed: Signed) -> Response:
    return await _page(request, signed)


def _done(done: str, n: int | str = "") -> Response:
    return RedirectResponse(f"{BASE}?done={done}&n={n}", status_code=303)


def _sent(form: Any) -> dict[str, str]:
    return {
        "query": text_field(form, "query", 2100),
        "project": text_field(form, "project", 64),
        "auto_create": "on" if checked(form, "auto_create") else "",
        "position": text_field(form, "position", 6),
    }


def _position(text: str) -> int | None:
    """The form's 1-based position as the service's 0-based one; empty: last."""
    return int(text) - 1 if text.isdigit() and int(text) >= 1 else None


def _refusal(error: InvalidChange, values: dict[str, str]) -> dict[str, Any]:
    if isinstance(error, InvalidRule) and error.field == "query":
        return {"problem": _problem(error, values["query"]), "values": values}
    where = error.field if error.field in ("project", "position") else "query"
    return {"errors": {where: sentence(error.message)}, "values": values}


@signed_in(Needs.MANAGE)
async def add(request: Request, signed: Signed) -> Response:
    values = _sent(await request.form())
    now = signed.now

    def work(conn: Connection) -> Rule:
        return AutomationRules(conn, now=now).add(
            query=values["query"],
            project=values["project"],
            auto_create=bool(values["auto_create"]),
            position=_position(values["position"]),
        )

    try:
        rule = await signed.console.write(work)
    except ProjectNotFound:
        errors = {"project": "Choose a project from the list."}
        return await _page(request, signed, status=400, errors=errors, values=values)
    except InvalidChange as error:
        return await _page(request, signed, status=400, **_refusal(error, values))
    return _done("added", rule.position + 1)


def _rule_id(request: Request) -> str:
    return str(request.path_params["rule_id"])[:64]


@signed_in(Needs.MANAGE)
async def edit_page(request: Request, signed: Signed) -> Response:
    rule_id = _rule_id(request)
    now = signed.now

    def load(conn: Connection) -> tuple[Rule, str]:
        rule = AutomationRules(conn, now=now).get(rule_id)
        project = ProjectReader(conn).find(rule.project_id)
        return rule, project.key if project is not None else ""

    try:
        rule, project_key = await signed.console.read(load)
    except RuleNotFound:
        return _done("deleted")
    values = {
        "query": rule.query,
        "project": project_key,
        "auto_create": "on" if rule.auto_create else "",
        "position": str(rule.position + 1),
    }
    return await _page(request, signed, template="rule.html.j2", editing=rule, values=values)


@signed_in(Needs.MANAGE)
async def update(request: Request, signed: Signed) -> Response:
    rule_id = _rule_id(request)
    values = _sent(await request.form())
    now = signed.now

    def work(conn: Connection) -> Rule:
        return AutomationRules(conn, now=now).update(
            rule_id,
            query=values["query"],
            project=values["project"],
            auto_create=bool(values["auto_create"]),
            position=_position(values["position"]),
        )

    try:
        rule = await signed.console.write(work)
    except RuleNotFound:
        return _done("deleted")
    except (ProjectNotFound, InvalidChange) as error:
        editing = await signed.console.read(
            lambda conn: AutomationRules(conn, now=now).get(rule_id)
        )
        refused = (
            {"errors": {"project": "Choose a project from the list."}, "values": values}
            if isinstance(error, ProjectNotFound)
            else _refusal(error, values)
        )
        return await _page(
            request, signed, status=400, template="rule.html.j2", editing=editing, **refused
        )
    return _done("saved", rule.position + 1)


@signed_in(Needs.MANAGE)
async def delete(request: Request, signed: Signed) -> Response:
    rule_id = _rule_id(request)
    now = signed.now
    with contextlib.suppress(RuleNotFound):  # already gone: the list says what is left
        await signed.console.write(lambda conn: AutomationRules(conn, now=now).delete(rule_id))
    return _done("deleted")


@signed_in(Needs.MANAGE)
async def move(request: Request, signed: Signed) -> Response:
    rule_id = _rule_id(request)
    direction = text_field(await request.form(), "direction", 10)
    step = -1 if direction == "up" else 1
    now = signed.now

    def work(conn: Connection) -> Rule:
        rules = AutomationRules(conn, now=now)
        rule = rules.get(rule_id)
        return rules.update(rule.id, position=max(0, rule.position + step))

    try:
        rule = await signed.console.write(work)
    except RuleNotFound:
        return _done("deleted")
    return _done("moved", rule.position + 1)


routes = [
    Route(BASE, rules_page, methods=["GET"]),
    Route(BASE, add, methods=["POST"]),
    Route(BASE + "/{rule_id}", edit_page, methods=["GET"]),
    Route(BASE + "/{rule_id}", update, methods=["POST"]),
    Route(BASE + "/{rule_id}/delete", delete, methods=["POST"]),
    Route(BASE + "/{rule_id}/move", move, methods=["POST"]),
]
