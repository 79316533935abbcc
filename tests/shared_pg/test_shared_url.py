"""Shared-plan URLs: parsing, and passwords never shown (no server needed)."""

from __future__ import annotations

import pytest

from cadence.store.shared.plans import store_conninfo
from cadence.store.shared.url import SharedUrlError, is_shared_url, parse_shared_url, redact


def test_a_url_names_database_and_plan() -> None:
    location = parse_shared_url("postgresql://tom@db.example.com:5433/cadence?plan=northwind")
    assert location.plan == "northwind"
    assert location.database.drivername == "postgresql+psycopg"
    assert (location.database.host, location.database.port) == ("db.example.com", 5433)
    assert location.database.database == "cadence"
    assert dict(location.database.query) == {}
    assert location.label == "postgresql://tom@db.example.com:5433/cadence?plan=northwind"


def test_other_parameters_go_to_libpq() -> None:
    location = parse_shared_url("postgresql://tom:pw@h/db?sslmode=require&plan=p")
    assert dict(location.database.query) == {"sslmode": "require"}
    assert location.label == "postgresql://tom:***@h/db?sslmode=require&plan=p"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("postgresql://tom:s3cret@h/db?plan=p", "postgresql://tom:***@h/db?plan=p"),
        ("postgresql://tom:p@ss@h:1/db?plan=p", "postgresql://tom:***@h:1/db?plan=p"),
        ("see postgres://a:b@h/d and x", "see postgres://a:***@h/d and x"),
        ("postgresql://tom@h/db?plan=p", "postgresql://tom@h/db?plan=p"),
    ],
)
def test_redact_hides_the_whole_password(text: str, shown: str) -> None:
    assert redact(text) == shown


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "postgresql://a:pw@h/db",
            "postgresql://a:***@h/db: the URL names no plan; add ?plan=NAME",
        ),
        (
            "postgresql://a:pw@h:abc/db?plan=x",
            "postgresql://a:***@h:abc/db?plan=x: not a valid URL "
            "(invalid literal for int() with base 10: 'abc')",
        ),
        (
            "postgresql://a:pw@h/?plan=x",
            "postgresql://a:***@h/?plan=x: the URL names no database (…/DBNAME?plan=…)",
        ),
        (
            "postgresql://a:pw@h/db?plan=x&plan=y",
            "postgresql://a:***@h/db?plan=x&plan=y: ?plan= is given more than once",
        ),
        (
            "postgresql://a:pw@h/db?plan=a/b",
            "postgresql://a:***@h/db?plan=a/b: plan 'a/b' is not a valid plan key "
            "(letters, digits, '.', '_', '-'; up to 63 characters)",
        ),
    ],
)
def test_bad_urls_are_named_without_password(text: str, message: str) -> None:
    with pytest.raises(SharedUrlError) as info:
        parse_shared_url(text)
    assert str(info.value) == message


def test_only_postgresql_urls_are_shared_plans() -> None:
    assert is_shared_url("postgresql://h/db?plan=p")
    assert is_shared_url("postgres://h/db?plan=p")
    assert not is_shared_url("demo.cadence")
    assert not is_shared_url("sqlite:///x.db")


def test_the_stores_connection_says_it_announces_its_own_edits() -> None:
    plain = parse_shared_url("postgresql://maria@db.example.com:5433/cadence?plan=northwind")
    assert store_conninfo(plain) == (
        "user=maria dbname=cadence host=db.example.com port=5433 "
        "options='-c cadence.notify_after_commit=on'"
    )
    with_options = parse_shared_url(
        "postgresql://maria@db.example.com/cadence?plan=northwind"
        "&options=-c%20search_path%3Dplans&sslmode=require"
    )
    assert store_conninfo(with_options) == (
        "user=maria dbname=cadence host=db.example.com "
        "options='-c search_path=plans -c cadence.notify_after_commit=on' sslmode=require"
    )
