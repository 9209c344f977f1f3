"""What the command-line groups share: output files refused before any work, and never a traceback."""
import pytest

from diploma.certificates import pdf
from tests.certificates.builders import graduating_cohort


@pytest.fixture
def cohort():
    group = graduating_cohort(2, code="MSL")
    group.issue()
    return group


@pytest.fixture
def renders(monkeypatch):
    calls = []

    def render(*args, **kwargs):
        calls.append(args)
        return b"%PDF-1.7 stand-in"

    monkeypatch.setattr(pdf, "render_batch", render)
    monkeypatch.setattr(pdf, "render_certificate", render)
    return calls


def _outputs(tmp_path):
    return {
        "missing folder": (tmp_path / "no-such-folder" / "all.pdf", "غير موجود", "does not exist"),
        "a folder": (tmp_path, "مجلد", "is a folder"),
    }


@pytest.mark.parametrize("case", ["missing folder", "a folder"])
@pytest.mark.parametrize("command", ["print", "render"])
@pytest.mark.parametrize("language", ["ar", "en"])
def test_an_output_that_cannot_be_written_is_refused_before_rendering(runner, cohort, renders, tmp_path, case,
                                                                       command, language):
    output, arabic, english = _outputs(tmp_path)[case]
    target = (["print", "--university", "MSL", "--cohort", str(cohort.cohort.id)] if command == "print"
              else ["render", cohort.issued()[0].serial])

    result = runner.invoke(args=["certificates", *target, "-o", str(output), "--language", language])

    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception  # a refusal, not a crash
    assert (arabic if language == "ar" else english) in result.output
    assert result.output.startswith("خطأ:" if language == "ar" else "Error:")
    assert renders == []
