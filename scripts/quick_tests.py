"""Print the test files to run for the files changed since main (committed on this branch or not): the
changed test files themselves, and for a changed module of the app (diploma/<area>/… or diploma/<name>.py)
the tests of its area (tests/<area>/) or its namesake (tests/test_<name>.py). Nothing when nothing matches."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def changed_files(base):
    def lines(*command):
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        return result.stdout.split()

    merge_base = (lines("git", "merge-base", base, "HEAD") or [base])[0]
    return set(lines("git", "diff", "--name-only", merge_base)) | set(
        lines("git", "ls-files", "--others", "--exclude-standard"))


def tests_for(path):
    parts = Path(path).parts
    if parts[:1] == ("tests",) and Path(path).name.startswith("test_") and path.endswith(".py"):
        return [path]
    if parts[:1] == ("tests",) and len(parts) > 2:  # a helper or conftest of an area: the area's tests
        return [str(Path(*parts[:2]))]
    if parts[:1] == ("diploma",) and path.endswith(".py"):
        area = parts[1].removesuffix(".py")
        candidates = [Path("tests", area), Path("tests", f"test_{area}.py")]
        return [str(candidate) for candidate in candidates if (ROOT / candidate).exists()]
    return []


def has_tests(test):
    target = ROOT / test
    return target.is_file() or (target.is_dir() and any(target.glob("test_*.py")))


def main():
    base = sys.argv[1] if len(sys.argv) > 1 else "main"
    selected = sorted({test for path in changed_files(base) for test in tests_for(path) if has_tests(test)})
    print(" ".join(selected))


if __name__ == "__main__":
    main()
