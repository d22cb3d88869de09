"""docs/design.md §3: nothing outside tui/app imports Textual; tui/core imports nothing of the project."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "tui"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules_outside_app() -> list[Path]:
    return [p for p in ROOT.rglob("*.py") if "app" not in p.relative_to(ROOT).parts[:1]]


def test_there_is_code_to_check():
    assert len(_modules_outside_app()) > 10


def test_nothing_outside_app_imports_textual():
    offenders = [
        str(path.relative_to(ROOT))
        for path in _modules_outside_app()
        if any(name == "textual" or name.startswith("textual.") for name in _imports(path))
    ]
    assert offenders == []


def test_core_imports_nothing_of_the_project_but_core():
    offenders = []
    for path in (ROOT / "core").rglob("*.py"):
        for name in _imports(path):
            if name.startswith("tui.") and not name.startswith("tui.core"):
                offenders.append(f"{path.name}: {name}")
    assert offenders == []


def test_importing_the_core_does_not_load_textual_or_ccxt():
    import subprocess
    import sys

    code = (
        "import sys, tui.core.planner, tui.core.portfolio;"
        "print(any(m.startswith(('textual', 'ccxt')) for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


#: The floors, lowest first: a package may import itself and the floors below it, never a
#: package of its own floor or above. The engine records what it receives into the store;
#: the simulator knows nothing of either (it is the venue).
FLOORS = {"core": 0, "store": 1, "sim": 1, "engine": 2, "desk": 3, "app": 4, "commands": 5}


def test_imports_go_down_the_floors_only():
    """core → store → engine → desk → app → commands: money is headless; nothing reaches up."""
    offenders = []
    for package, floor in FLOORS.items():
        for path in (ROOT / package).rglob("*.py"):
            for name in _imports(path):
                parts = name.split(".")
                if parts[0] != "tui" or len(parts) < 2 or parts[1] not in FLOORS:
                    continue
                target = parts[1]
                if target != package and FLOORS[target] >= floor:
                    offenders.append(f"{package}/{path.name}: {name}")
    assert offenders == [], offenders


def test_the_desk_runs_without_textual():
    import subprocess
    import sys

    code = "import sys, tui.desk; print(any(m.startswith('textual') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
