"""Block Kit rendering: alert message, modals and lists, within Slack's limits."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.slack.blocks import (
    alert_message,
    case_list_message,
    case_modal,
    close_modal,
    notice,
    preview_modal,
)
from bot.slack.views import (
    AlertView,
    CaseListView,
    CaseModalView,
    CaseSummary,
    CloseModalView,
    PreviewModalView,
    PreviewRow,
    ProjectOption,
)

ALERT = AlertView(
    title="[Triggered on {host:web-1}] Disk almost full",
    state="Alert",
    text="Root filesystem is over 90% full. @case-storage @slack-ops-alerts",
    source="datadog",
    group_id=7,
    cycle=2,
    monitor_name="Disk almost full",
    group="host:web-1",
    tags=("host:web-1", "env:prod"),
    link="https://app.datadoghq.com/monitors/48213377",
    value="93.1",
)
CASE = CaseSummary(
    id="5b1c0f1e-0000-4000-8000-000000000001",
    key="STOR-12",
    title="Disk almost full on web-1",
    status="OPEN",
    priority="P2",
    type="STANDARD",
    url="https://casebot.example.com/cases/STOR-12?exp=1&sig=ab",
)


def _valid(blocks: list[dict[str, Any]]) -> None:
    """slack_sdk's own model validators accept every block."""
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, block
        parsed.validate_json()


def _buttons(blocks: list[dict[str, Any]]) -> list[tuple[str, str]]:
    actions = next(b for b in blocks if b["type"] == "actions")
    return [(e["action_id"], e["text"]["text"]) for e in actions["elements"]]


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        pytest.param(None, [("create_case", "Create Case")], id="no-case-offers-create"),
        pytest.param(
            CASE,
            [
                ("view_case", "View case STOR-12"),
                ("assign_to_me", "Assign to me"),
                ("case_in_progress", "In progress"),
                ("watch_case", "Watch"),
                ("close_case", "Close"),
            ],
            id="open-case-offers-all-actions",
        ),
        pytest.param(
            replace(CASE, status="IN_PROGRESS"),
            [
                ("view_case", "View case STOR-12"),
                ("assign_to_me", "Assign to me"),
                ("watch_case", "Watch"),
                ("close_case", "Close"),
            ],
            id="in-progress-drops-in-progress",
        ),
        pytest.param(
            replace(CASE, status="CLOSED"),
            [("view_case", "View case STOR-12")],
            id="closed-case-only-links",
        ),
    ],
)
def test_alert_buttons_follow_the_case(
    case: CaseSummary | None, expected: list[tuple[str, str]]
) -> None:
    message = alert_message(replace(ALERT, case=case))
    _valid(message.blocks)
    assert _buttons(message.blocks) == expected
    assert message.text.startswith("[Alert] [Triggered on {host:web-1}] Disk almost full")


def test_create_case_button_carries_group_and_cycle() -> None:
    actions = alert_message(ALERT).blocks[-1]
    assert actions["elements"][0]["value"] == "7:2"


def test_view_case_is_a_link_to_the_signed_case_page() -> None:
    actions = alert_message(replace(ALERT, case=CASE)).blocks[-1]
    assert actions["elements"][0]["url"] == CASE.url
    assert all(e["value"] == CASE.id for e in actions["elements"][1:])


def test_closed_case_shows_a_closed_badge() -> None:
    blocks = alert_message(replace(ALERT, case=replace(CASE, status="CLOSED"))).blocks
    case_line = next(b for b in blocks if b.get("block_id") == "alert_case")
    assert case_line["text"]["text"].startswith(":white_check_mark: Closed")


@pytest.mark.parametrize(
    ("state", "badge"),
    [
        ("Alert", ":red_circle: ALERT"),
        ("Warn", ":large_yellow_circle: WARN"),
        ("No Data", ":white_circle: NO DATA"),
        ("OK", ":large_green_circle: RECOVERED"),
    ],
)
def test_state_badge(state: str, badge: str) -> None:
    header = alert_message(replace(ALERT, state=state)).blocks[0]
    assert header["text"]["text"].startswith(badge)


def test_text_tags_source_and_value_are_shown_escaped() -> None:
    text = "CPU <!channel> & <@U0BAD> over *90%* (&amp; kept once)"
    blocks = alert_message(replace(ALERT, text=text, tags=("team:<ops>",))).blocks
    body = blocks[1]["text"]["text"]
    assert body == "CPU &lt;!channel&gt; &amp; &lt;@U0BAD&gt; over *90%* (&amp; kept once)"
    context = [e["text"] for e in blocks[2]["elements"]]
    assert "*Datadog*" in context[0] and "value *93.1*" in context[0]
    assert "<https://app.datadoghq.com/monitors/48213377|Open in Datadog>" in context[0]
    assert context[1] == "`team:&lt;ops&gt;`"


def test_long_texts_are_cut_to_slack_limits_with_a_note() -> None:
    message = alert_message(replace(ALERT, title="T" * 400, text="x" * 10_000))
    _valid(message.blocks)
    header, body = message.blocks[0]["text"]["text"], message.blocks[1]["text"]["text"]
    assert len(header) == 150 and header.endswith("…")
    assert len(body) == 3000 and body.endswith("_(truncated)_")
    assert len(message.text) <= 3000


def test_more_than_fifty_blocks_are_cut_and_counted() -> None:
    cases = tuple(replace(CASE, key=f"STOR-{n}") for n in range(70))
    message = case_list_message(CaseListView(user="U1", cases=cases))
    assert len(message.blocks) == 50
    assert message.blocks[-2]["elements"][0]["text"] == "_21 more blocks not shown_"
    assert message.text == "Your open cases: 70"


def test_empty_case_list() -> None:
    message = case_list_message(CaseListView(user="U1"))
    assert message.blocks[0]["text"]["text"] == "You have no open cases."


PROJECTS = (ProjectOption("storage", "Storage (STOR)"), ProjectOption("web", "Web Platform (WEB)"))


def test_case_modal_is_prefilled_and_valid() -> None:
    modal = case_modal(
        CaseModalView(
            title="D" * 300,
            description="Root filesystem is over 90% full.",
            projects=PROJECTS,
            selected_project="web",
            private_metadata=json.dumps({"channel_id": "C1", "message_ts": "1.2"}),
            context="*Disk almost full*",
        )
    )
    View(**modal).validate_json()
    values = {b["block_id"]: b["element"] for b in modal["blocks"] if b["type"] == "input"}
    assert len(values["case_title"]["initial_value"]) == 200
    assert values["case_project"]["initial_option"]["value"] == "web"
    assert values["case_type"]["initial_option"]["value"] == "STANDARD"
    assert values["case_priority"]["initial_option"]["value"] == "NOT_DEFINED"
    assert modal["callback_id"] == "create_case_modal"


def test_case_modal_without_a_selection_has_no_initial_option() -> None:
    modal = case_modal(
        CaseModalView(
            title="t",
            description="",
            projects=PROJECTS,
            selected_project=None,
            private_metadata="{}",
        )
    )
    project = next(b for b in modal["blocks"] if b.get("block_id") == "case_project")
    assert "initial_option" not in project["element"]


def test_oversized_private_metadata_is_refused_not_cut() -> None:
    with pytest.raises(ValueError, match="private_metadata"):
        case_modal(
            CaseModalView(
                title="t",
                description="",
                projects=PROJECTS,
                selected_project=None,
                private_metadata="x" * 3001,
            )
        )


def test_close_and_preview_modals_are_valid() -> None:
    View(**close_modal(CloseModalView(case_key="SEC-1", private_metadata="{}"))).validate_json()
    preview = preview_modal(
        PreviewModalView(
            message="{{#is_alert}}@case-ops{{/is_alert}}",
            rows=(PreviewRow("OK → Alert", ("@case-ops",), "@case-ops"),),
        )
    )
    View(**preview).validate_json()
    assert preview["blocks"][1]["text"]["text"] == "*OK → Alert*  @case-ops\n>@case-ops"


@pytest.mark.parametrize(
    ("kind", "context", "expected"),
    [
        (
            "case_created",
            {"case_key": "STOR-1", "actor": "<@U1>"},
            "Case *STOR-1* created by <@U1>",
        ),
        ("auto_closed", {"case_key": "STOR-1"}, "Case *STOR-1* closed: monitor group resolved"),
    ],
)
def test_thread_notices(kind: str, context: dict[str, str], expected: str) -> None:
    assert notice(kind, **context) == expected


def test_unknown_notice_kind_is_an_error() -> None:
    with pytest.raises(ValueError, match="nope"):
        notice("nope")
