"""The security tests' summary: what the route walks requested (tests/security/walk_figures.py)."""
from tests.security.walk_figures import summary


def pytest_terminal_summary(terminalreporter):
    lines = summary()
    if lines:
        terminalreporter.section("route walk")
        for line in lines:
            terminalreporter.write_line(line)
