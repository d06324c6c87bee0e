"""The ordered automation rules, as stored: add, change, remove, reorder, compile.

Rules are one ordered list for the whole installation. Positions are kept
dense (0, 1, 2, …): every change that could leave a gap or a tie rewrites
them from the list order, inside the caller's transaction.
"""

from __future__ import annotations

import builtins
import threading
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection

from bot.core.issues import Issue, issue_document
from bot.core.query import Document
from bot.core.rules import Explanation, Match, Rule, RuleError, RuleSet, check_query
from bot.db import rule_store, settings_store
from bot.db.projects import find_project
from bot.services.errors import InvalidChange, ProjectNotFound

# Compiled rule sets by rule-list revision (see `AutomationRules.ruleset`).
_REVISION_KEY = "error_tracking.rules_revision"
_COMPILED_KEEP = 8
_compiled: dict[str, RuleSet] = {}
_compiled_lock = threading.Lock()

QUERY_MAX = 2000


class RuleNotFound(LookupError):
    def __init__(self, ref: object) -> None:
        super().__init__(f"no automation rule {ref}")
        self.ref = ref


class InvalidRule(InvalidChange):
    """A refused rule: `field` is `query`, `project`, `position` or `order`.

    For a query that cannot be read, `column` and `expected` say where and what.
    """

    def __init__(
        self, field: str, message: str, *, column: int | None = None, expected: str | None = None
    ) -> None:
        super().__init__(field, message)
        self.column = column
        self.expected = expected


def document_of(issue: Issue) -> Document:
    """What rules and search queries match an issue against."""
    return issue_document(
        service=issue.service,
        team=issue.team,
        env=issue.env,
        error_type=issue.error_type,
        state=issue.state,
        title=issue.title,
        message=issue.error_message,
    )


def _check_query(query: str) -> str:
    text = query.strip()
    if not text:
        raise InvalidRule("query", "a rule needs a query, e.g. service:web-store team:Shopist")
    if len(text) > QUERY_MAX:
        raise InvalidRule("query", f"the query is longer than {QUERY_MAX} characters")
    try:
        check_query("new", text)
    except RuleError as error:
        syntax = error.syntax
        if syntax is None:
            raise InvalidRule("query", str(error)) from None
        raise InvalidRule(
            "query",
            f"cannot read {text!r}: {syntax.message}",
            column=syntax.position,
            expected=syntax.expected,
        ) from None
    return text


def _as_uuid(ref: uuid.UUID | str) -> uuid.UUID:
    if isinstance(ref, uuid.UUID):
        return ref
    try:
        return uuid.UUID(ref)
    except ValueError:
        raise RuleNotFound(ref) from None


class AutomationRules:
    """The rule list on one connection, inside the caller's transaction."""

    def __init__(self, conn: Connection, *, now: datetime) -> None:
        self.conn = conn
        self.now = now

    def list(self) -> list[Rule]:
        return rule_store.list_rules(self.conn)

    def get(self, ref: uuid.UUID | str) -> Rule:
        found = rule_store.find_rule(self.conn, _as_uuid(ref))
        if found is None:
            raise RuleNotFound(ref)
        return found

    def ruleset(self) -> RuleSet:
        """Every rule, compiled once, in order.

        Reading and compiling 1,000 rules costs tens of milliseconds, so the
        compiled set is kept per rule-list revision: a random token every change
        here replaces (in `app_settings`, in the same transaction). A
        transaction sees the revision of the rules it sees, so it never gets
        another list's rules; a rolled-back change only leaves an unused entry.
        """
        revision = self._revision()
        if revision is not None:
            with _compiled_lock:
                found = _compiled.get(revision)
            if found is not None:
                return found
        compiled = RuleSet(self.list())
        if revision is not None:
            with _compiled_lock:
                if len(_compiled) >= _COMPILED_KEEP:
                    _compiled.clear()
                _compiled[revision] = compiled
        return compiled

    def first_match(self, document: Document) -> Match | None:
        return self.ruleset().first_match(document)

    def explain(self, document: Document) -> Explanation:
        return self.ruleset().explain(document)

    def add(
        self,
        *,
        query: str,
        project: uuid.UUID | str,
        auto_create: bool = False,
        position: int | None = None,
    ) -> Rule:
        """A new rule at `position` (0 = first; default: last)."""
        text = _check_query(query)
        project_id = self._project_id(project)
        rule_id = uuid.uuid4()
        rule_store.insert_rule(
            self.conn,
            {
                "id": rule_id,
                "query": text,
                "project_id": project_id,
                "auto_create": auto_create,
                "position": 2**31 - 1,
                "created_at": self.now,
                "modified_at": self.now,
            },
        )
        order = [rule for rule in self.list() if rule.id != str(rule_id)]
        self._write_order(_insert_at(order, str(rule_id), position))
        return self.get(rule_id)

    def update(
        self,
        ref: uuid.UUID | str,
        *,
        query: str | None = None,
        project: uuid.UUID | str | None = None,
        auto_create: bool | None = None,
        position: int | None = None,
    ) -> Rule:
        """Change what is given; leave the rest."""
        rule = self.get(ref)
        values: dict[str, object] = {"modified_at": self.now}
        if query is not None:
            values["query"] = _check_query(query)
        if project is not None:
            values["project_id"] = self._project_id(project)
        if auto_create is not None:
            values["auto_create"] = auto_create
        rule_store.update_rule(self.conn, uuid.UUID(rule.id), values)
        others = [r for r in self.list() if r.id != rule.id]
        at = position if position is not None else rule.position
        self._write_order(_insert_at(others, rule.id, at))
        return self.get(rule.id)

    def delete(self, ref: uuid.UUID | str) -> None:
        rule = self.get(ref)
        rule_store.delete_rule(self.conn, uuid.UUID(rule.id))
        self._write_order([r.id for r in self.list()])

    def reorder(self, rule_ids: Sequence[str]) -> builtins.list[Rule]:
        """Put the rules in this order; the list must name every rule exactly once."""
        current = {rule.id for rule in self.list()}
        wanted = [str(_as_uuid(rule_id)) for rule_id in rule_ids]
        if len(set(wanted)) != len(wanted):
            raise InvalidRule("order", "the new order names a rule more than once")
        missing = current - set(wanted)
        unknown = [rule_id for rule_id in wanted if rule_id not in current]
        if unknown:
            raise RuleNotFound(unknown[0])
        if missing:
            raise InvalidRule(
                "order",
                f"the new order must name every rule; missing: {', '.join(sorted(missing))}",
            )
        self._write_order(wanted)
        return self.list()

    def _project_id(self, ref: uuid.UUID | str) -> uuid.UUID:
        found = find_project(self.conn, ref)
        if found is None:
            raise ProjectNotFound(ref)
        return found.id

    def _revision(self) -> str | None:
        """The rule list's revision; None for rules never changed through this class."""
        return settings_store.get(self.conn, _REVISION_KEY)

    def _new_revision(self) -> None:
        settings_store.put(self.conn, _REVISION_KEY, uuid.uuid4().hex, now=self.now)

    def _write_order(self, rule_ids: Sequence[str]) -> None:
        """Rewrite positions from the list order; every change ends here."""
        self._new_revision()
        rule_store.write_order(self.conn, [uuid.UUID(rule_id) for rule_id in rule_ids])


def _insert_at(rules: Sequence[Rule], rule_id: str, position: int | None) -> list[str]:
    if position is not None and position < 0:
        raise InvalidRule("position", f"position must be 0 or more, got {position}")
    ids = [rule.id for rule in rules]
    at = len(ids) if position is None else min(position, len(ids))
    ids.insert(at, rule_id)
    return ids


__all__ = ["AutomationRules", "InvalidRule", "Rule", "RuleNotFound"]
