"""The two checkers of the accessibility tests (issue 18), installed from the npm registry by `make test`
(`make checkers`: tests/checkers/package.json, exact versions in its package-lock.json):

- axe-core, added to every page of a browser context before the page's own scripts (an init script, so the
  page's Content-Security-Policy stays as served), and run with ``axe_problems(page)``;
- the Nu Html Checker, ``vnu.jar`` of the ``vnu-jar`` package, run on the machine's Java over many saved
  pages at once (its start-up takes seconds) by ``html_errors(files)``.
"""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

CHECKERS = Path(__file__).resolve().parent.parent / "checkers" / "node_modules"
AXE = CHECKERS / "axe-core" / "axe.min.js"
VNU = CHECKERS / "vnu-jar" / "build" / "dist" / "vnu.jar"
# What fails a page: the violations axe-core rates as blocking or seriously hindering someone.
FAILING_IMPACTS = ("serious", "critical")
VNU_TIMEOUT_S = 300

AXE_RUN = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary}))}));
}"""


def require_checkers():
    """Skip (fail under CI) when the checkers are not installed: `make checkers` installs them."""
    missing = [str(path) for path in (AXE, VNU) if not path.exists()]
    if not shutil.which("java"):
        missing.append("java (Debian's default-jre-headless)")
    if missing:
        message = f"the checkers are not installed (run `make checkers`): {', '.join(missing)}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def add_axe(context):
    """axe-core in every page the context opens from now on."""
    context.add_init_script(path=str(AXE))


def axe_problems(page, impacts=FAILING_IMPACTS):
    """axe-core's violations of the page at the given impacts: a list of readable lines."""
    violations = page.evaluate(AXE_RUN)
    return [f"{page.url}: {v['id']} ({v['impact']}) {v['help']} — {node['target']}: {node['summary']}"
            for v in violations if v["impact"] in impacts for node in v["nodes"][:5]]


def html_errors(files):
    """The Nu Html Checker's errors over the given HTML files, each as 'file:line: message'."""
    if not files:
        return []
    result = subprocess.run(
        ["java", "-Xss4m", "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True, timeout=VNU_TIMEOUT_S, check=False)
    if not result.stderr.strip():
        assert result.returncode == 0, result.stdout.decode()
        return []
    messages = json.loads(result.stderr)["messages"]
    return [f"{Path(m.get('url', '?')).name}:{m.get('lastLine', '?')}: {m.get('message')} "
            f"«{m.get('extract', '')}»" for m in messages if m.get("type") in ("error", "non-document-error")]
