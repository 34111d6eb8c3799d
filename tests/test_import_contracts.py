"""The import contracts in pyproject.toml hold, and break when a module crosses a boundary: a
domain module importing a UI one (the portal, the console, an API), or a lower layer importing
a higher one. Each case runs import-linter on a copy of the code with one import added."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("selfcare", "catalog", "orders", "campaigns", "backoffice", "tmf")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _copy_of_the_code(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.html", "*.txt", "*.css"),
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
    )


def test_the_code_as_it_is_keeps_every_contract(tmp_path):
    result = _lint_imports(_copy_of_the_code(tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        # The holes the old contracts had: the customer domain's own modules importing the portal.
        ("selfcare/notifications.py", "import selfcare.portal.forms", "No domain module imports"),
        ("selfcare/tasks.py", "import selfcare.portal.views.dashboard", "No domain module imports"),
        ("selfcare/services/messages.py", "import backoffice.views", "No domain module imports"),
        ("orders/services/purchase.py", "import backoffice.forms", "No domain module imports"),
        ("campaigns/models.py", "import orders.api.views", "No domain module imports"),
        # A module nobody listed is domain too.
        ("selfcare/brand_new.py", "import selfcare.portal.urls", "No domain module imports"),
        # Layers: a lower one never imports a higher one.
        ("catalog/policies.py", "import orders.models", "The catalog imports no other app"),
        ("selfcare/selectors.py", "import orders.models", "Orders are used by campaigns"),
        ("orders/selectors/cart.py", "import campaigns.models", "Campaigns are used by the UI"),
        # The TMF facade is UI: no domain module imports it, and it calls no task or adapter.
        ("orders/selectors/inventory.py", "import tmf.inventory", "No domain module imports"),
        ("tmf/inventory.py", "import orders.tasks", "The TMF facade calls selectors"),
        ("tmf/catalog.py", "import orders.provisioning", "The TMF facade calls selectors"),
    ],
)
def test_a_contract_breaks_when_a_module_crosses_a_boundary(tmp_path, module, line, contract):
    code = _copy_of_the_code(tmp_path)
    path = code / module
    path.write_text((path.read_text() if path.exists() else "") + f"\n{line}  # noqa\n")

    result = _lint_imports(code)

    assert result.returncode == 1, result.stdout + result.stderr
    broken = [row for row in result.stdout.splitlines() if row.endswith("BROKEN")]
    assert any(row.startswith(contract) for row in broken), result.stdout
