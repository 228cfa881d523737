"""SQL expressions the quality rules need that SQLite and PostgreSQL spell differently.

Each is a small SQLAlchemy function element compiled per dialect, so a rule's query is written
once: ``date_digits`` (a date as ``YYYYMMDD`` text), ``age_on`` (whole years at a date),
``json_pairs`` (a JSON object of named values, the evidence stored with an issue) and
``nested_json`` (a JSON column's value as a value of ``json_pairs``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ColumnElement, Integer, String, cast, literal, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class DateDigits(FunctionElement[str]):
    """A date as the 8 characters ``YYYYMMDD``, as digits 7–14 of an ID number write it."""

    type = String()
    name = "date_digits"
    inherit_cache = True


class JsonPairs(FunctionElement[Any]):
    """A JSON object from alternating keys and values."""

    type = JSON()
    name = "json_pairs"
    inherit_cache = True


class NestedJson(FunctionElement[Any]):
    """A JSON column's value, nested as JSON (not as a string) when put into ``json_pairs``."""

    type = JSON()
    name = "nested_json"
    inherit_cache = True


@compiles(DateDigits, "sqlite")
def _date_digits_sqlite(element: DateDigits, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strftime('%Y%m%d', {compiler.process(element.clauses, **kw)})"


@compiles(DateDigits, "postgresql")
def _date_digits_postgres(element: DateDigits, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYYMMDD')"


@compiles(JsonPairs, "sqlite")
def _json_sqlite(element: JsonPairs, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_object({compiler.process(element.clauses, **kw)})"


@compiles(JsonPairs, "postgresql")
def _json_postgres(element: JsonPairs, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_build_object({compiler.process(element.clauses, **kw)})"


@compiles(NestedJson, "sqlite")
def _nested_sqlite(element: NestedJson, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps JSON as text; json() marks it as JSON, so json_object nests it.
    return f"json({compiler.process(element.clauses, **kw)})"


@compiles(NestedJson, "postgresql")
def _nested_postgres(element: NestedJson, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)  # already of type json


def date_digits(value: Any) -> DateDigits:
    return DateDigits(value)


def age_on(birth_date: Any, day: dt.date) -> ColumnElement[int]:
    """Completed years between ``birth_date`` and ``day`` (YYYYMMDD arithmetic, integer division)."""
    born = cast(date_digits(birth_date), Integer)
    return (literal(int(day.strftime("%Y%m%d")), Integer) - born) // 10_000


def json_pairs(**values: Any) -> ColumnElement[Any]:
    """``{"key": value, ...}`` built in SQL; keys are code constants, never user text.

    Values should be numbers, text or dates (booleans read back as 0/1 on SQLite).
    """
    args: list[ColumnElement[Any]] = []
    for key, value in values.items():
        args += [literal_column(f"'{key}'", String), value]
    return JsonPairs(*args)


def nested_json(column: Any) -> NestedJson:
    """A JSON column (e.g. a list) as a JSON value of :func:`json_pairs`."""
    return NestedJson(column)
