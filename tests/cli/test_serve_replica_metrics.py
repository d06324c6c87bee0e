"""Two `casebot serve` replicas on one database: each one's /metrics names it
(CASEBOT_REPLICA_NAME) on every sample, and counts only what it took itself."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests import local_http
from tests.cli.processes import clean_environment, free_port, running
from tests.engine.builders import generic_body

TOKEN = "replica-metrics-token-0123456789"


def test_each_replica_names_itself_on_every_metric(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'casebot.db'}"
    samples: dict[str, list[tuple[str, dict[str, str], float]]] = {}
    with ExitStack() as stack:
        bases = {}
        for name in ("casebot-a", "casebot-b"):
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            env = clean_environment(
                CASEBOT_WEBHOOK_TOKEN=TOKEN,
                CASEBOT_REPLICA_NAME=name,
                CASEBOT_DATABASE_URL=database,
            )
            command = [sys.executable, "-m", "bot.cli", "serve", "--port", str(port),
                       "--log-level", "warning"]  # fmt: skip
            stack.enter_context(running(command, cwd=tmp_path, env=env, base=base))
            bases[name] = base
        for n, base in enumerate(bases.values()):
            body = generic_body(group=(f"host:web-{n}",), delivery_id=f"metrics-{n}")
            answer = local_http.post(
                f"{base}/webhooks/generic",
                content=body,
                headers={"Authorization": f"Bearer {TOKEN}"},
                timeout=30,
            )
            assert answer.status_code == 202, answer.text
        for name, base in bases.items():
            text = local_http.get(f"{base}/metrics", timeout=10).text
            samples[name] = [
                (s.name, s.labels, s.value)
                for family in text_string_to_metric_families(text)
                for s in family.samples
            ]

    for name, found in samples.items():
        assert found
        assert {labels.get("replica") for _, labels, _ in found} == {name}
        taken = [v for metric, labels, v in found if metric == "casebot_deliveries_total"]
        assert taken == [1.0], (name, taken)
