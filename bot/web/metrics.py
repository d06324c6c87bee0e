"""The server's metrics, kept and exposed by `prometheus-client`.

Each app has a registry of its own (tests and benchmarks run several apps in one
process). Every sample carries `replica`, the server's CASEBOT_REPLICA_NAME: behind a
load balancer, a dashboard adds up or tells apart the replicas by it. Counters are
updated on the event loop after a delivery's future resolves. The gauges that
describe backlogs are read when `/metrics` is scraped: the writer's queue depth from
memory, the Slack outbox's pending calls from the database (in a worker thread, see
`bot/web/webhooks.py`).
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

# A `…_created` timestamp beside every counter doubles the exposition for nothing a
# dashboard of casebot uses (a restart shows as a reset counter anyway).
disable_created_metrics()  # type: ignore[no-untyped-call]

# Seconds; Prometheus' client defaults, shifted down to where ingest latency lives.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    def __init__(self, replica: str = "casebot") -> None:
        # Bound once for the metrics without other labels; the others take it per call.
        self.replica = replica
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.deliveries = Counter(
            "casebot_deliveries",
            "Webhook deliveries by source and outcome.",
            ("replica", "source", "outcome"),
            registry=registry,
        )
        self.events = Counter(
            "casebot_events",
            "Monitor group events by source and outcome.",
            ("replica", "source", "outcome"),
            registry=registry,
        )
        self.cases_opened = Counter(
            "casebot_cases_opened",
            "Cases opened by monitor notifications.",
            ("replica",),
            registry=registry,
        ).labels(replica)
        self.cases_closed = Counter(
            "casebot_cases_closed",
            "Cases closed because their monitor group resolved.",
            ("replica",),
            registry=registry,
        ).labels(replica)
        self.latency = Histogram(
            "casebot_processing_seconds",
            "From request received to delivery stored and processed.",
            ("replica",),
            buckets=LATENCY_BUCKETS,
            registry=registry,
        ).labels(replica)
        self.writer_queue = Gauge(
            "casebot_writer_queue_depth",
            "Deliveries accepted and waiting for the writer thread.",
            ("replica",),
            registry=registry,
        ).labels(replica)
        self.outbox_pending = Gauge(
            "casebot_slack_outbox_pending",
            "Slack calls recorded and not yet delivered.",
            ("replica",),
            registry=registry,
        ).labels(replica)
        self.outbox_oldest = Gauge(
            "casebot_slack_outbox_oldest_pending_seconds",
            "Age of the oldest Slack call not yet delivered (0 when none is pending).",
            ("replica",),
            registry=registry,
        ).labels(replica)
        self.outbox_claims = Counter(
            "casebot_slack_outbox_claims",
            "What this replica's Slack outbox sender did with the calls it went for: "
            "claimed (before calling Slack), lost (another replica had it first), "
            "taken_over (from a holder whose lease ran out), found (a post whose answer "
            "was lost, found in Slack), called (Web API calls made).",
            ("replica", "outcome"),
            registry=registry,
        )
        self.slack_events = Counter(
            "casebot_slack_events",
            "Slack events and interactions handled, by kind and outcome.",
            ("replica", "kind", "outcome"),
            registry=registry,
        )

    def delivery(self, source: str, outcome: str) -> None:
        self.deliveries.labels(self.replica, source, outcome).inc()

    def event(self, source: str, outcome: str) -> None:
        self.events.labels(self.replica, source, outcome).inc()

    def observe_latency(self, seconds: float) -> None:
        self.latency.observe(seconds)

    def slack_handled(self, kind: str, outcome: str) -> None:
        self.slack_events.labels(self.replica, kind, outcome).inc()

    def outbox_claim(self, outcome: str) -> None:
        self.outbox_claims.labels(self.replica, outcome).inc()

    def backlog(self, *, writer_queue: int, outbox_pending: int, oldest_seconds: float) -> None:
        """Set the backlog gauges; called just before a scrape is rendered."""
        self.writer_queue.set(writer_queue)
        self.outbox_pending.set(outbox_pending)
        self.outbox_oldest.set(oldest_seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
