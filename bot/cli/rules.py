"""`casebot rules list|add|remove|test`: the ordered error-tracking automation rules.

`test` shows which rule a new issue with the given service and team would
match, and why: every rule in order with each clause's result. It exits 0
when a rule matches and 1 when none does (handy in scripts).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from bot.cli.db import add_database_option, open_database
from bot.cli.table import format_table
from bot.core.query import Document, QuerySyntaxError, explain, parse
from bot.core.rules import Rule
from bot.errortracking import AutomationRules, InvalidRule, RuleNotFound
from bot.errortracking.trial import Sample, try_rules
from bot.services.errors import CaseServiceError
from bot.services.projects import ProjectService


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "rules",
        help="list, add, remove and test error-tracking automation rules",
        description="Ordered rules route new error-tracking issues to projects; "
        "the first rule that matches applies.",
    )
    parser.set_defaults(handler=lambda _args: _usage(parser))
    actions = parser.add_subparsers(dest="rules_command", metavar="ACTION")

    listing = actions.add_parser("list", help="list the rules in order")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    add_database_option(listing)
    listing.set_defaults(handler=_list)

    add = actions.add_parser("add", help="add a rule (last, unless --position)")
    add.add_argument("--query", required=True, help="e.g. 'service:web-store -team:Shopist'")
    add.add_argument("--project", required=True, help="project key, handle or id")
    add.add_argument(
        "--auto-create", action="store_true", help="open a case at once for matching issues"
    )
    add.add_argument("--position", type=int, default=None, help="1 = first (default: last)")
    add_database_option(add)
    add.set_defaults(handler=_add)

    remove = actions.add_parser("remove", help="remove a rule by id")
    remove.add_argument("id", help="the rule id shown by `casebot rules list`")
    add_database_option(remove)
    remove.set_defaults(handler=_remove)

    test = actions.add_parser(
        "test", help="show which rule an issue would match, and each clause's result"
    )
    test.add_argument("--service", required=True)
    test.add_argument("--team", action="append", default=[], help="repeat for shared ownership")
    test.add_argument("--env", default=None)
    test.add_argument("--error-type", default=None)
    test.add_argument("--title", default="")
    test.add_argument("--message", default="")
    test.add_argument("--query", default=None, help="test this query instead of the stored rules")
    add_database_option(test)
    test.set_defaults(handler=_test)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _now() -> datetime:
    return datetime.now(UTC)


def _project_keys(conn: Any) -> dict[str, str]:
    return {str(p.id): p.key for p in ProjectService(conn, now=_now()).list()}


def rule_json(rule: Rule, project_key: str) -> dict[str, Any]:
    return {
        "id": rule.id,
        "position": rule.position + 1,
        "query": rule.query,
        "project": project_key,
        "auto_create": rule.auto_create,
    }


def _list(args: argparse.Namespace) -> int:
    engine = open_database(args)
    try:
        with engine.connect() as conn:
            rules = AutomationRules(conn, now=_now()).list()
            keys = _project_keys(conn)
    finally:
        engine.dispose()
    if args.format == "json":
        print(json.dumps([rule_json(r, keys.get(r.project_id, "?")) for r in rules], indent=2))
        return 0
    if not rules:
        print("No rules yet. Add one with: casebot rules add --query Q --project KEY")
        return 0
    rows = [("#", "ID", "PROJECT", "AUTO-CREATE", "QUERY")]
    rows += [
        (
            str(r.position + 1),
            r.id,
            keys.get(r.project_id, "?"),
            "yes" if r.auto_create else "no",
            r.query,
        )
        for r in rules
    ]
    print(format_table(rows))
    return 0


def _add(args: argparse.Namespace) -> int:
    if args.position is not None and args.position < 1:
        print("casebot: --position counts from 1", file=sys.stderr)
        return 2
    engine = open_database(args)
    try:
        with engine.begin() as conn:
            rule = AutomationRules(conn, now=_now()).add(
                query=args.query,
                project=args.project,
                auto_create=args.auto_create,
                position=None if args.position is None else args.position - 1,
            )
    except InvalidRule as error:
        _print_query_error(args.query, str(error), error.column)
        return 1
    except CaseServiceError as error:
        print(f"casebot: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    auto = ", opens a case at once" if rule.auto_create else ""
    print(f"Added rule {rule.position + 1} ({rule.id}): {rule.query}{auto}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    engine = open_database(args)
    try:
        with engine.begin() as conn:
            AutomationRules(conn, now=_now()).delete(args.id)
    except RuleNotFound as error:
        print(f"casebot: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"Removed rule {args.id}.")
    return 0


def _sample(args: argparse.Namespace) -> Sample:
    return Sample(
        service=args.service,
        teams=tuple(args.team),
        env=args.env,
        error_type=args.error_type,
        title=args.title,
        message=args.message,
    )


def _test(args: argparse.Namespace) -> int:
    sample = _sample(args)
    if args.query is not None:
        return _test_query(args.query, sample.document)
    engine = open_database(args)
    try:
        with engine.connect() as conn:
            trial = try_rules(conn, sample, now=_now())
    finally:
        engine.dispose()
    print(f"Issue: {sample.describe()}")
    if not trial.verdicts:
        print(trial.headline)
        return 1
    for line in trial.lines():
        print(line)
    if trial.match is None:
        return 1
    print(f"=> {trial.conclusion()}")
    return 0


def _test_query(query: str, document: Document) -> int:
    try:
        node = parse(query)
    except QuerySyntaxError as error:
        _print_query_error(query, error.message, error.position)
        return 2
    trace = explain(node, document)
    for line in trace.lines():
        print(line)
    return 0 if trace.result else 1


def _print_query_error(query: str, message: str, column: int | None) -> None:
    print(f"casebot: {message}", file=sys.stderr)
    if column is not None:
        print(f"  {query}", file=sys.stderr)
        print(f"  {' ' * (column - 1)}^", file=sys.stderr)
