"""No import runs back up the layers: ``reelkit.utils`` uses only itself and the registry."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / 'reelkit'
ALLOWED_FOR_UTILS = ('reelkit.utils', 'reelkit.registry')


def reelkit_imports(path: Path) -> set:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {name for name in names if name.split('.')[0] == 'reelkit'}


def test_utils_import_nothing_above_them():
    upward = {str(path.relative_to(PACKAGE)): sorted(name for name in reelkit_imports(path)
                                                     if not name.startswith(ALLOWED_FOR_UTILS))
              for path in (PACKAGE / 'utils').rglob('*.py')}
    assert {file: names for file, names in upward.items() if names} == {}
