"""`casebot keys create|list|revoke`: pairs shown once, hashes stored, revocation sticks."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, text

from bot.cli import main
from bot.db.engine import make_engine
from bot.services import keys as api_keys


def _create(url: str, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, object]:
    code = main(
        ["keys", "create", "--name", "runbooks", "--database-url", url, "--format", "json", *extra]
    )
    assert code == 0
    document: dict[str, object] = json.loads(capsys.readouterr().out)
    return document


def test_create_prints_a_pair_once_and_stores_only_hashes(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pair = _create(database_url, capsys, "--scopes", "cases_read,cases_write")
    api_key, app_key = str(pair["api_key"]), str(pair["application_key"])
    assert len(api_key) == 32 and len(app_key) == 40
    assert pair["scopes"] == ["cases_read", "cases_write"]

    engine = create_engine(database_url)
    with engine.connect() as conn:
        stored = " ".join(str(v) for v in conn.execute(text("SELECT * FROM api_keys")).one())
    engine.dispose()
    assert api_key not in stored and app_key not in stored
    assert api_keys.digest(api_key) in stored

    assert main(["keys", "list", "--database-url", database_url]) == 0
    listing = capsys.readouterr().out
    assert str(pair["id"]) in listing and api_key not in listing and app_key not in listing


def test_text_output_names_both_headers(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "keys",
                "create",
                "--name",
                "ci",
                "--scopes",
                "cases_read",
                "--database-url",
                database_url,
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "DD-API-KEY:" in out and "DD-APPLICATION-KEY:" in out
    assert "cannot show them again" in out


def test_revoked_pair_no_longer_authenticates(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pair = _create(database_url, capsys, "--scopes", "cases_read")
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            found = api_keys.authenticate(conn, str(pair["api_key"]), str(pair["application_key"]))
        assert isinstance(found, api_keys.ApiKey)
        assert found.scopes == {api_keys.Scope.CASES_READ}

        assert main(["keys", "revoke", str(pair["id"])[:8], "--database-url", database_url]) == 0
        assert "Revoked" in capsys.readouterr().out
        with engine.connect() as conn:
            refused = api_keys.authenticate(
                conn, str(pair["api_key"]), str(pair["application_key"])
            )
        assert refused == api_keys.Refusal("this API key has been revoked")
    finally:
        engine.dispose()

    assert main(["keys", "list", "--database-url", database_url, "--format", "json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["revoked_at"] is not None


def test_wrong_application_key_is_refused(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pair = _create(database_url, capsys)
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            assert api_keys.authenticate(conn, str(pair["api_key"]), "0" * 40) == api_keys.Refusal(
                "DD-APPLICATION-KEY does not belong to this API key"
            )
            assert api_keys.authenticate(conn, "f" * 32, "0" * 40) == api_keys.Refusal(
                "DD-API-KEY is not a known API key"
            )
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["keys", "create", "--name", "x", "--scopes", "cases_admin"],
            "unknown scope 'cases_admin'",
        ),
        (["keys", "create", "--name", "x", "--scopes", ","], "--scopes names no scope"),
        (["keys", "create", "--name", " ", "--scopes", "cases_read"], "--name must not be empty"),
        (["keys", "revoke", "00000000"], "'00000000' matches no key"),
    ],
    ids=["unknown-scope", "no-scope", "blank-name", "revoke-unknown-id"],
)
def test_bad_input_is_named(
    argv: list[str], message: str, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([*argv, "--database-url", database_url])
    assert code != 0
    assert message in capsys.readouterr().err
