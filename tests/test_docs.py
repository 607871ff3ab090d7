"""The documentation (README.md and docs/) stays true to the code it describes.

``mkdocs build --strict`` (bin/test) checks links and anchors between the pages; these
tests check what it cannot: that every Python example is run by some test, that the text
names no internal requirement id, that the configuration table lists every environment
variable the project reads, and that the README's links lead to pages that exist.
"""

import functools
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
TRAILING_COMMENT = re.compile(r"\s+#\s.*$")
REQUIREMENT_ID = re.compile(r"\b(?:[FRS]\d{1,2}|R-[A-Z]+-\d+)\b")


def page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


def code_line(line: str) -> str:
    """A line as compared with the tests: no indentation, no trailing comment, one quote."""
    return TRAILING_COMMENT.sub("", line).strip().replace("'", '"')


@functools.cache
def source_of_the_tests() -> str:
    return "\n".join(
        code_line(line)
        for path in sorted((ROOT / "tests").rglob("*.py"))
        for line in path.read_text().splitlines()
    )


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_python_example_is_run_by_a_test(page):
    """Each line of code of an example appears in a test (the tests copy them verbatim)."""
    source = source_of_the_tests()
    untested = [
        line
        for block in PYTHON_BLOCK.findall(page.read_text())
        for line in block.splitlines()
        if code_line(line) and not code_line(line).startswith("#")
        if code_line(line) not in source
    ]
    assert untested == [], f"copy the example into a test_readme_*.py test: {untested}"


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_pages_name_no_requirement_id(page):
    assert REQUIREMENT_ID.findall(page.read_text()) == []


def environment_variables_read() -> set[str]:
    """Every variable read by the settings, the entry points, the scripts and compose."""
    python = [ROOT / "config/settings.py", ROOT / "manage.py", ROOT / "celery_app.py"]
    python += sorted((ROOT / "config").glob("[aw]sgi.py"))
    shell = [ROOT / "Procfile", ROOT / "docker-compose.yml", *sorted((ROOT / "bin").rglob("*"))]
    read = set()
    for path in python:
        text = path.read_text()
        read |= set(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", text))
        read |= set(re.findall(r"os\.environ\.(?:get|setdefault)\(\"([A-Z][A-Z0-9_]*)\"", text))
    for path in shell:
        if path.is_file():
            read |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*):[-?]", path.read_text()))
    return read


def environment_variables_documented() -> set[str]:
    page = (ROOT / "docs/configuration.md").read_text()
    table = page.split("## Environment variables", 1)[1].split("\n## ", 1)[0]
    first_cells = [row.split("|")[1] for row in table.splitlines() if row.startswith("| `")]
    return {name for cell in first_cells for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", cell)}


def test_configuration_table_lists_every_environment_variable():
    read = environment_variables_read()
    assert {"DATABASE_URL", "HUB_SETTINGS", "FLOWER_PORT", "TEST_REDIS_URL"} <= read
    assert sorted(read - environment_variables_documented()) == []


def test_readme_links_lead_to_docs_pages():
    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\((?!https?://)([^)#]+)", readme)
    assert targets
    assert [target for target in targets if not (ROOT / target).is_file()] == []
