"""Tests of the grading domain: the rules (pure, Decimal), the services (gradebooks, marks, the workflow,
the second round, students' published results), the views (who sees what), the number of queries, and
two people saving the same mark at the same moment."""
