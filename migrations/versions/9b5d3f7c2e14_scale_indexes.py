"""indexes for flat cost at scale: audit record, folded search text

- ``audit_event (target_type, target_id)``: a record's trail (a mark's history) without reading the log.
- ``certificate (university_id, cohort_id)`` and ``student (university_id, cohort_id)``: the certificates
  list counts a page of cohorts at one university from the indexes alone (not the certificates' snapshots).
- trigram (pg_trgm, GIN) indexes on ``user.search_text`` and ``student.student_number``: the students
  search (``LIKE '%word%'``) served by an index on PostgreSQL. The extension is created when missing
  (``pg_trgm`` is a trusted extension: the database's owner may create it) and left in place on downgrade,
  as other objects may use it. ``fastupdate = off``: a new or renamed student goes straight into the index,
  not into a pending list that only a vacuum merges (while it is long, the planner prices the index above
  a sequential scan and stops using it). SQLite gets plain indexes of the same names (it has no trigram
  index; the search stays correct there by reading the university's students).

Revision ID: 9b5d3f7c2e14
Revises: 8a4c2e6b1d03
Create Date: 2026-12-01 22:10:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '9b5d3f7c2e14'
down_revision = '8a4c2e6b1d03'
branch_labels = None
depends_on = None

COMPOSITE_INDEXES = (("ix_audit_event_target", "audit_event", ["target_type", "target_id"]),
                     ("ix_certificate_university_cohort", "certificate", ["university_id", "cohort_id"]),
                     ("ix_student_university_cohort", "student", ["university_id", "cohort_id"]))
TRIGRAM_INDEXES = (("ix_user_search_text_trgm", "user", "search_text"),
                   ("ix_student_number_trgm", "student", "student_number"))


def upgrade():
    for name, table, columns in COMPOSITE_INDEXES:
        op.create_index(name, table, columns)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in TRIGRAM_INDEXES:
        op.create_index(name, table, [column], postgresql_using="gin",
                        postgresql_ops={column: "gin_trgm_ops"}, postgresql_with={"fastupdate": "off"})


def downgrade():
    for name, table, _column in reversed(TRIGRAM_INDEXES):
        op.drop_index(name, table_name=table)
    for name, table, _columns in reversed(COMPOSITE_INDEXES):
        op.drop_index(name, table_name=table)
