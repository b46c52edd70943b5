"""The packages below the UI never import Textual or typer, and start-up stays light."""

import ast
import subprocess
import sys
from pathlib import Path

import leadreview

PACKAGE_ROOT = Path(leadreview.__file__).parent
UI_PACKAGES = {"tui", "cli"}
FORBIDDEN_BELOW_UI = ("textual", "textual_image", "textual_serve", "typer", "rich_pixels")


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _below_ui_files() -> list[Path]:
    files = []
    for path in PACKAGE_ROOT.rglob("*.py"):
        relative = path.relative_to(PACKAGE_ROOT)
        if relative.parts[0] in UI_PACKAGES or "migrations" in relative.parts:
            continue
        files.append(path)
    return files


def test_no_module_below_the_ui_imports_textual_or_typer() -> None:
    files = _below_ui_files()
    assert len(files) > 10  # the scan really covers the packages
    offenders = [
        f"{path.relative_to(PACKAGE_ROOT)} imports {name}"
        for path in files
        for name in _imported_modules(path)
        if name.split(".")[0] in FORBIDDEN_BELOW_UI
    ]
    assert offenders == []


def test_importing_every_module_below_the_ui_loads_no_ui_library() -> None:
    modules = sorted(
        "leadreview." + ".".join(p.relative_to(PACKAGE_ROOT).with_suffix("").parts)
        for p in _below_ui_files()
        if p.name != "__main__.py"
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN_BELOW_UI!r}]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_cli_start_up_does_not_import_heavy_modules() -> None:
    code = (
        "import sys, leadreview.cli.app as a\n"
        "a._register_commands()\n"
        "heavy = ('numpy', 'boto3', 'botocore', 'sqlalchemy', 'textual', 'PIL', 'dask', "
        "'distributed')\n"
        "print(','.join(sorted({m.split('.')[0] for m in sys.modules} & set(heavy))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
