"""The reviewed access policy of every route, written out by hand: a change of a route's declaration
(``@public`` / ``@signed_in`` / ``@roles(...)`` in diploma/) must be made here too, in the same review.

``ROUTE_POLICY``: endpoint -> "public" (anyone, logged in or not), "signed_in" (any logged-in user), or the
tuple of the roles allowed. test_route_matrix.py asserts that the app's declarations are exactly these:
widening a route (a role more, ``@roles`` to ``@signed_in`` or ``@public``), narrowing one, adding a route
or removing one fails it until this table says the same.

``GLOBAL_IDS``: the (endpoint, URL argument) pairs whose integer id names a record every university shares.
Every other integer id in a URL is scoped: the route walk asks for it with the id of another university's
record (and of another offering's) and expects 404 (403 for a role not allowed). Keep this list short; each
entry says why the record is not any one university's.
"""

ROUTE_POLICY = {
    # auth
    "auth.login": "public",
    "auth.logout": "signed_in",
    "auth.logout_everywhere": "signed_in",  # ends every session of one's own account
    "auth.set_password": "public",  # the link's one-time secret is the credential
    "auth.switch_language": "public",
    # certificates
    "certificates.batch_pdf": ("admin", "registrar"),
    "certificates.certificate_credential": ("admin", "registrar"),
    "certificates.certificate_data_integrity_credential": ("admin", "registrar"),
    "certificates.certificate_detail": ("admin", "registrar"),
    "certificates.certificate_pdf": ("admin", "registrar"),
    "certificates.cohort_report": ("admin", "registrar"),
    "certificates.correct": ("admin", "registrar"),  # re-issue corrected; another university's: 404
    "certificates.index": ("admin", "registrar"),
    "certificates.issue": ("admin", "registrar"),
    "certificates.mine": ("student",),
    "certificates.my_credential": ("student",),
    "certificates.my_data_integrity_credential": ("student",),
    "certificates.my_certificate_pdf": ("student",),
    "certificates.my_transcript_pdf": ("student",),
    "certificates.public_credential": "public",  # a valid certificate's credential, only with its code
    "certificates.public_data_integrity_credential": "public",  # the same, with its Data Integrity proof
    "certificates.reinstate": ("admin", "registrar"),  # undoes a revocation; another university's: 404
    "certificates.revoke": ("admin", "registrar"),
    "certificates.transcript_pdf": ("admin", "registrar"),
    "certificates.verify": "public",  # shows a certificate only with its verification code
    "certificates.verify_form": "public",
    "certificates.verify_upload": "public",  # checks an uploaded PDF; stores nothing, rate-limited
    # curriculum
    "curriculum.edit_cohort": ("admin",),
    "curriculum.edit_course": ("admin",),
    "curriculum.edit_programme": ("admin",),
    "curriculum.edit_term": ("admin",),
    "curriculum.list_cohorts": ("admin",),
    "curriculum.list_courses": ("admin",),
    "curriculum.list_terms": ("admin",),
    # dashboard
    "dashboard.dashboard": "signed_in",
    "dashboard.home": "public",  # a redirect: to the login page or to the dashboard
    "dashboard.record_visit": "signed_in",  # the user's own last visit to a page (a POST, never a GET)
    # enrolment
    "enrolment.confirm_import": ("admin", "registrar"),
    "enrolment.course_page": "signed_in",  # the view lets in only the offering's staff and students
    "enrolment.course_seen": ("student",),  # the student's own enrolment only (404 otherwise)
    "enrolment.create_student": ("admin", "registrar"),
    "enrolment.edit_student": ("admin", "registrar"),
    "enrolment.edit_student_of_account": ("admin", "registrar"),
    "enrolment.enrol": ("admin", "registrar"),
    "enrolment.import_links": ("admin", "registrar"),
    "enrolment.import_job_links": ("admin", "registrar"),  # only the job's owner or the admin: job_or_404
    "enrolment.import_students": ("admin", "registrar"),
    "enrolment.import_template_csv": ("admin", "registrar"),
    "enrolment.import_template_xlsx": ("admin", "registrar"),
    "enrolment.list_students": ("admin", "registrar"),
    "enrolment.material_file": "signed_in",  # as enrolment.course_page
    "enrolment.my_courses": ("student",),
    "enrolment.roster": ("admin", "registrar", "lecturer"),
    "enrolment.student_password_link": ("admin", "registrar"),
    "enrolment.toggle_student_active": ("admin", "registrar"),
    "enrolment.withdraw": ("admin", "registrar"),
    # grading
    "grading.accept_marks_import": ("admin", "registrar", "lecturer"),  # only one's own previewed file
    "grading.edit_assessments": ("admin", "lecturer"),
    "grading.export_csv": ("admin", "registrar", "lecturer"),
    "grading.export_xlsx": ("admin", "registrar", "lecturer"),
    "grading.gradebook": ("admin", "registrar", "lecturer"),
    "grading.import_marks": ("admin", "registrar", "lecturer"),
    "grading.import_template": ("admin", "registrar", "lecturer"),
    "grading.mark_history": ("admin", "registrar", "lecturer"),
    "grading.my_grades": ("student",),
    "grading.my_grades_json": ("student",),
    "grading.publish": ("admin", "registrar"),
    "grading.queue": ("admin", "registrar"),
    "grading.return_to_lecturer": ("admin", "registrar"),
    "grading.post_marks": ("admin", "registrar", "lecturer"),
    "grading.second_round": ("admin", "registrar"),
    "grading.submit": ("lecturer",),
    "grading.transcript": ("student",),
    # jobs: a job is seen only by the person who started it and the administrator (404 for anyone else, in the
    # view: diploma.jobs.services.may_see)
    "jobs.cancel": "signed_in",
    "jobs.download": "signed_in",
    "jobs.job_page": "signed_in",
    "jobs.job_status": "signed_in",
    "certificates.print_in_background": ("admin", "registrar"),
    "jobs.start_backup": ("admin",),
    # partners
    "partners.create_user": ("admin",),
    "partners.edit_university": ("admin",),
    "partners.edit_user": ("admin",),
    "partners.list_universities": ("admin",),
    "partners.list_users": ("admin",),
    "partners.toggle_user_active": ("admin",),
    "partners.university_logo": "signed_in",  # see GLOBAL_IDS
    "partners.user_password_link": ("admin",),
    # results: the programme in numbers. The scope is the user's: a registrar's own university whatever
    # ?university= says, a lecturer's own offerings. The donor's report: administrator and registrars.
    "results.in_numbers": "public",  # headline figures only, counts under 5 hidden, no university named
    "results.index": ("admin", "registrar", "lecturer"),
    "results.report_pdf": ("admin", "registrar"),
    "results.report_xlsx": ("admin", "registrar"),
    # Flask's own, and the system's
    # signing: the public keys, issuer profiles and revocation lists that verifiers fetch
    "signing.issuer_profile": "public",
    "signing.jwk": "public",
    "signing.jwks": "public",
    "signing.offline_assets_list": "public",  # what the offline checker's service worker caches
    "signing.offline_checker": "public",  # verify offline: the token is checked in the browser
    "signing.offline_keys": "public",  # the published public keys, with their validity
    "signing.offline_worker": "public",  # the offline checker's service worker (a static script)
    "signing.root_certificate": "public",
    "signing.status_list": "public",
    "signing.data_integrity_status_list": "public",  # one key's list, for the Data Integrity credentials
    "signing.programme_crl": "public",  # the CRL the root signs, named in the university certificates
    "static": "public",
    "system.healthz": "public",
    # teaching
    "teaching.add_material": ("admin", "lecturer"),
    "teaching.delete_announcement": ("admin", "lecturer"),
    "teaching.delete_material": ("admin", "lecturer"),
    "teaching.edit_material": ("admin", "lecturer"),
    "teaching.edit_offering": ("admin", "registrar"),
    "teaching.list_offerings": ("admin", "registrar"),
    "teaching.my_offerings": ("lecturer",),
    "teaching.offering_page": ("admin", "registrar", "lecturer"),
    "teaching.post_announcement": ("admin", "lecturer"),
    "teaching.toggle_material_hidden": ("admin", "lecturer"),
    "teaching.toggle_offering_status": ("admin", "registrar"),
}

GLOBAL_IDS = {
    # Cohorts, courses and terms are the programme's, shared by the seven universities (and these pages
    # are the administrator's alone).
    ("curriculum.edit_cohort", "record_id"): "a cohort is programme-wide",
    ("curriculum.edit_course", "record_id"): "a course of the curriculum is programme-wide",
    ("curriculum.edit_term", "record_id"): "a term is programme-wide",
    # The graduation report, its batch PDF and issuing name a cohort (programme-wide); the university is the
    # registrar's own (the administrator's ?university=), never taken from the URL. The walk checks that a
    # registrar's report shows none of another university's records.
    ("certificates.cohort_report", "cohort_id"): "a cohort is programme-wide",
    ("certificates.batch_pdf", "cohort_id"): "a cohort is programme-wide",
    ("certificates.issue", "cohort_id"): "a cohort is programme-wide",
    ("certificates.print_in_background", "cohort_id"):
        "a cohort is programme-wide (the university is the user's own)",
    # A university's logo is its public emblem, printed on every certificate it issues (which anyone may
    # be shown and verify): no secret of the university.
    ("partners.university_logo", "university_id"): "a university's logo is public",
}
