"""The project's own files declare one set of dependencies and install a working command."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_and_pyproject_declare_the_same_runtime_dependencies():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = {_name(r): r.replace(" ", "") for r in pyproject["project"]["dependencies"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {
        _name(d): d.replace(" ", "")
        for d in env["dependencies"]
        if isinstance(d, str) and _name(d) not in ("python", "pip")
    }
    # packages conda-forge does not carry come from PyPI through the pip section
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    conda |= {_name(d): d.replace(" ", "") for d in pip if not d.startswith("-")}
    assert conda == declared


def test_owner_fixed_packages_are_declared():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    names = {_name(r) for r in pyproject["project"]["dependencies"]}
    names |= {_name(r) for r in pyproject["project"]["optional-dependencies"]["test"]}
    assert {
        "jupyterlab",
        "ipywidgets",
        "voila",
        "pandas",
        "seaborn",
        "papermill",
        "pytest",
    } <= names


def test_console_script_is_installed_and_answers_help():
    exe = shutil.which("toolkit", path=str(Path(sys.executable).parent))
    assert exe is not None
    out = subprocess.run([exe, "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("data", "validate", "metrics"):
        assert command in out


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci
    assert "make test" in (ROOT / "README.md").read_text()
    assert "make reports" in (ROOT / "README.md").read_text()


def test_notebooks_are_committed_without_outputs():
    import nbformat

    for path in sorted((ROOT / "notebooks").rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [], f"{path.name} has outputs"
                assert cell.execution_count is None, f"{path.name} has execution counts"
