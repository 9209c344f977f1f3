"""What a gradebook page shows of its workflow step: the step in words, and the registration office's comment
only while the returned gradebook is back with its lecturer (a draft)."""
import pytest

from diploma.grading.models import Gradebook
from diploma.i18n import force_language


@pytest.mark.parametrize(("status", "comment"), [("draft", "Check row 3"), ("submitted", None),
                                                 ("published", None)])
def test_the_return_comment_shows_only_while_the_gradebook_is_a_draft(status, comment):
    assert Gradebook(status=status, return_comment="Check row 3").returned_comment == comment


@pytest.mark.parametrize(("status", "label"), [
    ("draft", "Draft"), ("submitted", "Submitted to the registration office"),
    ("published", "Approved and published")])
def test_each_step_has_its_words(status, label):
    with force_language("en"):
        assert str(Gradebook(status=status).status_label) == label
