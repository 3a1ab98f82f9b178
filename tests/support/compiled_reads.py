"""A pytest plugin over the whole suite: on PostgreSQL, every root field the compiled read path answers
(schema/compiled_reads.py) is also answered by the general execution path, in the same request, and the two are
compared: the same JSON once parsed, key order included, and no error on the general side; a selection whose
compilation fails (it falls back, logging a warning) fails the test too. So every query the
tests send is a differential test of the two paths.

The general path's statements are taken out of Django's query log again (tests that count a request's
statements count what the compiled path sent). A test whose answers differ fails at teardown, listing them.
"""

import json
import logging
from dataclasses import dataclass

import pytest
from django.db import connection

from schema import compiled_reads


@dataclass(frozen=True)
class Mismatch:
    field: str
    compiled: str
    general: str
    errors: list[str]


MISMATCHES: list[Mismatch] = []
COMPARED = [0]


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)  # key order kept: it is part of the answer


def compare(executor, answer, general) -> None:
    errors = executor.collected_errors.errors
    errors_before, statements_before = len(errors), len(connection.queries_log)
    expected = general()
    added = [error.message for error in errors[errors_before:]]
    del errors[errors_before:]
    while len(connection.queries_log) > statements_before:
        connection.queries_log.pop()
    compiled = None if answer is None else json.loads(answer.text)
    COMPARED[0] += 1
    if added or _json(compiled) != _json(expected):
        name = executor.operation.name.value if executor.operation.name else "anonymous"
        MISMATCHES.append(Mismatch(name, _json(compiled), _json(expected), added))


class _CompilationFailures(logging.Handler):
    """A selection the compiler failed on (it then falls back, with a warning) is a failure of the test."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            MISMATCHES.append(Mismatch(record.getMessage(), "", "", [self.format(record)]))


def pytest_configure(config):
    compiled_reads.compare_with_general_path = compare
    logging.getLogger(compiled_reads.logger.name).addHandler(_CompilationFailures())


@pytest.fixture(autouse=True)
def _compiled_answers_match_the_general_path():
    # Test databases roll back: ids and data generations repeat across tests, and so would statements' keys.
    compiled_reads._statements.clear()
    MISMATCHES.clear()
    yield
    found = list(MISMATCHES)
    MISMATCHES.clear()
    assert not found, "compiled reads differ from the general path:\n" + "\n".join(
        f"{m.field}: errors {m.errors}\n  compiled {m.compiled[:3000]}\n  general  {m.general[:3000]}" for m in found
    )


def pytest_terminal_summary(terminalreporter):
    if COMPARED[0]:
        terminalreporter.write_line(f"compiled reads: {COMPARED[0]} root fields compared with the general path")
