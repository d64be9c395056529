"""The suite reads nothing outside the checkout: no test file names an absolute path or climbs above
the repository (a fresh clone elsewhere has neither), and the reference facts are inside it."""
import ast
import re
from pathlib import Path

from reference_facts import MMACTION2_FILE, MMGEN_FILE, mmaction2_reference, mmgen_reference

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
# Absolute paths of two or more segments; the system's scratch and device folders are fine.
ABSOLUTE_PATH = re.compile(r'^/(?!tmp/|dev/|proc/)[\w.-]+/')


def outside_paths(source: str, depth: int) -> list:
    """``line: reason`` for every literal or ``parents[k]`` of a file ``depth`` folders below the
    repository root that leads out of it (its ``parents[depth]`` is the root)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if ABSOLUTE_PATH.match(node.value) or '../' in node.value:
                found.append(f'{node.lineno}: {node.value[:60]!r}')
        elif (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute)
              and node.value.attr == 'parents' and isinstance(node.slice, ast.Constant)
              and isinstance(node.slice.value, int) and node.slice.value > depth):
            found.append(f'{node.lineno}: parents[{node.slice.value}] is above the repository')
    return found


def test_no_test_file_names_a_path_outside_the_repository():
    files = [p for p in sorted(TESTS.rglob('*.py')) if p != Path(__file__).resolve()]  # this one holds probes
    offenders = {str(p.relative_to(REPO)): outside_paths(p.read_text(), len(p.relative_to(REPO).parts) - 1)
                 for p in files}
    assert {name: lines for name, lines in offenders.items() if lines} == {}


def test_the_guard_catches_what_it_is_for():
    probe = ("A = '/work/shared/reference/x.json.gz'\nB = '../shared/x'\nC = Path(__file__).parents[3]\n"
             "D = '/tmp/ok/x'\nE = Path(__file__).parents[2]\nF = '/00000.mp4'\n")
    assert [line.split(':')[0] for line in outside_paths(probe, depth=2)] == ['1', '2', '3']


def test_reference_facts_are_in_the_checkout():
    for path in (MMACTION2_FILE, MMGEN_FILE):
        assert REPO in path.parents and path.is_file()
    assert len(mmaction2_reference()) == 213
    assert len(mmgen_reference()) == 58
