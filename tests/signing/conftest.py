"""The signing tests' shared fixtures: a graduating cohort at Mosul with the programme's root and
Mosul's key made through the command line (``cohort``), the root's certificate as a PEM file
(``root_pem``), and Mosul with its keys and nothing else (``mosul``)."""
import pytest

from diploma.extensions import db
from diploma.signing import keystore
from tests import factories
from tests.certificates.builders import graduating_cohort


@pytest.fixture
def cohort(runner):
    group = graduating_cohort(2, code="MSL")
    group.issue()
    assert runner.invoke(args=["keys", "init", "--language", "en"]).exit_code == 0
    assert runner.invoke(args=["keys", "issue", "--university", "MSL", "--language", "en"]).exit_code == 0
    return group


@pytest.fixture
def root_pem(tmp_path, cohort):
    path = tmp_path / "root.pem"
    path.write_text(keystore.root_key().certificate_pem)
    return path


@pytest.fixture
def mosul():
    university = factories.university(code="MSL", name_ar="جامعة الموصل", name_en="University of Mosul")
    keystore.create_root()
    keystore.issue_key(university)
    db.session.commit()
    return university
