"""`casebot report noise [--since 30d] [--project P] [--format text|json|csv]`.

Per monitor, noisiest first: the cases its notifications opened, the share that closed
by recovery with no person touching them, the re-fires into a recovered case (reopen
window), the median time to recovery and to the first person's action, and the
notifications downtimes muted. The same report as GET /api/v2/reports/noise.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import UTC, datetime
from typing import Any

from bot.cli.db import add_database_option, open_database
from bot.cli.table import format_table
from bot.core.noise import describe_span, parse_since
from bot.services.errors import CaseServiceError
from bot.services.noise import NoiseReport, noise

COLUMNS = (
    "source",
    "monitor_id",
    "monitor_name",
    "cases_opened",
    "closed_untouched",
    "untouched_share",
    "reopens",
    "median_secs_to_recovery",
    "median_secs_to_first_action",
    "muted",
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="reports on cases: which monitors are noise",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    parser.set_defaults(handler=lambda _args: _usage(parser))
    reports = parser.add_subparsers(dest="report", metavar="REPORT")
    noisy = reports.add_parser("noise", help="per monitor, how much of what it opens is noise")
    noisy.add_argument("--since", default="30d", help="the period: 30d, 12h, 2w (default 30d)")
    noisy.add_argument("--project", help="only the cases of this project (key, handle or id)")
    noisy.add_argument("--format", choices=("text", "json", "csv"), default="text")
    add_database_option(noisy)
    noisy.set_defaults(handler=_noise)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def report_json(report: NoiseReport) -> dict[str, Any]:
    return {
        "since": report.since.isoformat(),
        "until": report.until.isoformat(),
        "project": report.project,
        "monitors": [m.as_json() for m in report.monitors],
    }


def _noise(args: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    since = parse_since(args.since, now=now)
    if since is None:
        print(
            f"casebot report: --since: expected 30d, 12h or 2w, got {args.since!r}", file=sys.stderr
        )
        return 2
    engine = open_database(args)
    try:
        with engine.connect() as conn:
            report = noise(conn, since=since, until=now, project=args.project)
    except CaseServiceError as error:
        print(f"casebot report: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    if args.format == "json":
        print(json.dumps(report_json(report), indent=2))
        return 0
    if args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for monitor in report.monitors:
            writer.writerow(monitor.as_json())
        return 0
    if not report.monitors:
        print(f"No monitor opened a case or was muted since {report.since:%Y-%m-%d %H:%M} UTC.")
        return 0
    rows: list[tuple[str, ...]] = [
        ("MONITOR", "SOURCE", "CASES", "UNTOUCHED", "REOPENS", "TO RECOVERY", "TO FIRST ACTION",
         "MUTED")
    ]  # fmt: skip
    for m in report.monitors:
        rows.append(
            (
                m.monitor_name or m.monitor_id,
                m.source,
                str(m.cases_opened),
                f"{m.closed_untouched} ({m.untouched_share:.0%})" if m.cases_opened else "-",
                str(m.reopens),
                describe_span(m.median_to_recovery),
                describe_span(m.median_to_first_action),
                str(m.muted),
            )
        )
    print(format_table(rows))
    return 0
