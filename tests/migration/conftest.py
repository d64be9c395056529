"""Fixtures of the migration tests."""
import pytest

from reelkit.migration import MigrationResult


@pytest.fixture
def notes():
    """The report lines of a result, for asserting that a change was reported."""
    def lines(result: MigrationResult) -> str:
        return '\n'.join(change.to_line() for change in result.report.changes)
    return lines
