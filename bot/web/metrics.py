"""Counters and a latency histogram in the Prometheus text format (version 0.0.4).

Updated only on the event loop (after a delivery's future resolves), so no lock
is needed; `render` is a snapshot of plain integers.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter

# Seconds; Prometheus' client defaults, shifted down to where ingest latency lives.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.deliveries: Counter[tuple[str, str]] = Counter()
        self.events: Counter[tuple[str, str]] = Counter()
        self.cases_opened = 0
        self.cases_closed = 0
        self.bucket_counts = [0] * (len(LATENCY_BUCKETS) + 1)
        self.latency_sum = 0.0
        self.latency_count = 0

    def delivery(self, source: str, outcome: str) -> None:
        self.deliveries[(source, outcome)] += 1

    def event(self, source: str, outcome: str) -> None:
        self.events[(source, outcome)] += 1

    def observe_latency(self, seconds: float) -> None:
        self.bucket_counts[bisect_left(LATENCY_BUCKETS, seconds)] += 1
        self.latency_sum += seconds
        self.latency_count += 1

    def render(self) -> str:
        lines = [
            "# HELP casebot_deliveries_total Webhook deliveries by source and outcome.",
            "# TYPE casebot_deliveries_total counter",
        ]
        for (source, outcome), count in sorted(self.deliveries.items()):
            lines.append(
                f'casebot_deliveries_total{{source="{source}",outcome="{outcome}"}} {count}'
            )
        lines += [
            "# HELP casebot_events_total Monitor group events by source and outcome.",
            "# TYPE casebot_events_total counter",
        ]
        for (source, outcome), count in sorted(self.events.items()):
            lines.append(f'casebot_events_total{{source="{source}",outcome="{outcome}"}} {count}')
        lines += [
            "# HELP casebot_cases_opened_total Cases opened by monitor notifications.",
            "# TYPE casebot_cases_opened_total counter",
            f"casebot_cases_opened_total {self.cases_opened}",
            "# HELP casebot_cases_closed_total Cases closed because their monitor group resolved.",
            "# TYPE casebot_cases_closed_total counter",
            f"casebot_cases_closed_total {self.cases_closed}",
            "# HELP casebot_processing_seconds From request received to delivery stored and "
            "processed.",
            "# TYPE casebot_processing_seconds histogram",
        ]
        cumulative = 0
        for bound, count in zip(LATENCY_BUCKETS, self.bucket_counts, strict=False):
            cumulative += count
            lines.append(f'casebot_processing_seconds_bucket{{le="{bound}"}} {cumulative}')
        lines.append(f'casebot_processing_seconds_bucket{{le="+Inf"}} {self.latency_count}')
        lines.append(f"casebot_processing_seconds_sum {self.latency_sum:.6f}")
        lines.append(f"casebot_processing_seconds_count {self.latency_count}")
        return "\n".join(lines) + "\n"
