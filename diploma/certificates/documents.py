"""The signed documents of a certificate, for the pages, the worker and the command line alike: the signer
is found (and its key opened) before anything is rendered, so a missing or wrong passphrase, or a university
without a key, is an error and never an unsigned PDF.

- A certificate or its transcript: PDF/A-3b with two associated files (the snapshot JSON and the Open
  Badges 3.0 credential), certified (PAdES, DocMDP "no changes", B-LT, B-T with a TSA) by the university,
  the serial in the reason.
- Signed once, kept for life (``KeptDocument``): the four files of a certificate (certificate and
  transcript, Arabic and English) are signed when it is issued (and a correction's new edition when it is
  made) — by the worker after the commit, so that issuing a cohort of hundreds stays fast — and kept with
  their SHA-256. Every download hands out the kept bytes; a download that comes before the worker signs
  and keeps the file itself (``keep_document``: one file per certificate, kind and language, whoever comes
  second takes the first's). ``keep_documents`` re-signs and replaces them (after a key is disowned).
- A batch (for printing on paper): one signature by the university over the whole file, not one per page,
  not kept; a signature covers a file, and the pages of a printed batch are separated on paper anyway.

Signing takes plain values (``diploma.signing``): the snapshot, the certificate's index in the revocation
list (its id) and the signer, opened once per document or batch — nothing is looked up again per page.
"""
import hashlib

from sqlalchemy.exc import IntegrityError

from diploma import clock
from diploma.certificates import pdf
from diploma.certificates.models import (
    CERTIFICATE_DOCUMENT,
    KEPT_KINDS,
    TRANSCRIPT_DOCUMENT,
    VALID,
    Certificate,
    KeptDocument,
)
from diploma.certificates.qr import qr_url
from diploma.extensions import db
from diploma.signing import credential, crl, keystore
from diploma.signing.models import SigningKey

KEPT_LANGUAGES = ("ar", "en")
# The renderer (by name, looked up at each call) and the signature's reason, by kind of document.
_RENDERERS = {CERTIFICATE_DOCUMENT: ("render_certificate", "Graduation certificate"),
              TRANSCRIPT_DOCUMENT: ("render_transcript", "Transcript")}


def _reason(serial, kind):
    return f"{kind} {serial}"


def certificate_credential(certificate):
    """The certificate's OpenBadgeCredential as a VC-JWT (signed by its university's current key)."""
    signer = keystore.signer_for(certificate.university)
    return credential.signed_credential(certificate.snapshot, certificate.status_index, signer)


def certificate_data_integrity_credential(certificate):
    """The certificate's OpenBadgeCredential with its Data Integrity proof (eddsa-rdfc-2022), as JSON."""
    signer = keystore.signer_for(certificate.university)
    secured = credential.data_integrity_credential(certificate.snapshot, certificate.status_index, signer)
    return credential.data_integrity_json(secured)


def sign_document(certificate, kind, language):
    """(the signed PDF's bytes, the signer) for ``kind`` of ``certificate`` in ``language``: signed now, not
    kept (``store_document`` keeps it)."""
    from diploma.signing import pades  # pyHanko loads only when a PDF is signed

    renderer, label = _RENDERERS[kind]
    render = getattr(pdf, renderer)
    signer = keystore.signer_for(certificate.university)
    token = credential.signed_credential(certificate.snapshot, certificate.status_index, signer)
    data = render(certificate.snapshot, language,
                  qr_url=qr_url(certificate.snapshot, signer, certificate.status_index),
                  extra_attachments=[pdf.credential_attachment(token, credential.ATTACHMENT_NAME),
                                     pdf.credential_attachment(certificate_data_integrity_credential(certificate),
                                                               credential.JSON_ATTACHMENT_NAME)])
    signed = pades.sign_pdf(data, signer, reason=_reason(certificate.serial, label),
                            location=certificate.snapshot["university"]["city_en"],
                            crls=[crl.crl_for_signing()])
    return signed, signer


def certificate_pdf(certificate, language):
    """A fresh signature of the certificate (not kept): see ``document_bytes`` for what is handed out."""
    return sign_document(certificate, CERTIFICATE_DOCUMENT, language)[0]


def transcript_pdf(certificate, language):
    """A fresh signature of the transcript (not kept)."""
    return sign_document(certificate, TRANSCRIPT_DOCUMENT, language)[0]


def batch_pdf(university, certificates, language, progress=None):
    """The certificates of a batch in one PDF signed by ``university``, each page's QR signed with the same
    key (the certificates are the university's)."""
    from diploma.signing import pades

    signer = keystore.signer_for(university)
    data = pdf.render_batch([c.snapshot for c in certificates], language, progress=progress,
                            qr_urls=[qr_url(c.snapshot, signer, c.id) for c in certificates])
    first, last = certificates[0].serial, certificates[-1].serial
    return pades.sign_pdf(data, signer, reason=f"Certificates for printing {first} … {last}",
                          location=university.city_en, crls=[crl.crl_for_signing()])


def signing_key_of(university):
    """The key the university signs with today (shown on the verification page), or None."""
    return keystore.current_key(university)


# --- kept for life --------------------------------------------------------------------------------------

def sha256_of(data):
    return hashlib.sha256(data).hexdigest()


def kept_document(certificate, kind, language):
    """The kept file of ``kind`` (certificate|transcript) in ``language``, or None (not signed yet)."""
    return _kept(certificate.id, kind, language)


def _kept(certificate_id, kind, language):
    return db.session.scalar(db.select(KeptDocument).where(
        KeptDocument.certificate_id == certificate_id, KeptDocument.kind == kind,
        KeptDocument.language == language))


def kept_by_hash(data):
    """The kept file whose bytes are ``data`` exactly (by SHA-256), or None."""
    return db.session.scalar(db.select(KeptDocument).where(KeptDocument.sha256 == sha256_of(data)).limit(1))


def document_bytes(certificate, kind, language):
    """What is handed out for ``kind`` in ``language``: the kept bytes, or a fresh signature when none is
    kept yet (the caller may keep it: ``keep_document``)."""
    kept = kept_document(certificate, kind, language)
    return kept.data if kept is not None else sign_document(certificate, kind, language)[0]


def _put(kept, data, signed_at=None):
    """``data`` as ``kept``'s bytes, with their hash and their last time stamp's end."""
    from diploma.signing import pades

    kept.data, kept.sha256 = data, sha256_of(data)
    kept.signed_at = signed_at or clock.utcnow()
    kept.timestamp_until = pades.last_timestamp_until(data)


def store_document(certificate_id, kind, language, data, signer):
    """The kept file (``data``, signed by ``signer``), added in a savepoint (flushed), reading nothing
    before: by the certificate's id. When another transaction kept the same certificate, kind and language
    at the same moment, the savepoint is dropped and the other's file returned."""
    savepoint = db.session.begin_nested()
    try:
        kept = KeptDocument(certificate_id=certificate_id, kind=kind, language=language,
                            signing_key_id=signer.key_id)
        _put(kept, data)
        db.session.add(kept)
        db.session.flush()
        savepoint.commit()
    except IntegrityError:
        savepoint.rollback()
        return _kept(certificate_id, kind, language)
    return kept


def keep_document(certificate, kind, language):
    """The kept file of ``kind`` in ``language``: the one kept already, or signed now and kept (flushed;
    the caller commits). Never two for the same certificate, kind and language."""
    kept = kept_document(certificate, kind, language)
    if kept is not None:
        return kept
    data, signer = sign_document(certificate, kind, language)
    return store_document(certificate.id, kind, language, data, signer)


def keep_documents(certificate):
    """The certificate's four files (certificate and transcript, Arabic and English) signed anew with its
    university's current key, replacing any kept before (after a key is disowned, or at issue). Flushed;
    returns the kept files."""
    kept = []
    for kind in KEPT_KINDS:
        for language in KEPT_LANGUAGES:
            data, signer = sign_document(certificate, kind, language)
            existing = kept_document(certificate, kind, language)
            if existing is None:
                kept.append(store_document(certificate.id, kind, language, data, signer))
                continue
            _put(existing, data)
            existing.signing_key_id = signer.key_id
            kept.append(existing)
    db.session.flush()
    return kept


def keep_missing(limit=1):
    """The worker's step: the files not kept yet of up to ``limit`` valid certificates (of universities that
    have a key), signed, then kept. All signing comes before the first write, so that on SQLite the write
    lock is held only for the inserts, not while signing. Returns the certificates done."""
    complete = (db.select(KeptDocument.certificate_id).group_by(KeptDocument.certificate_id)
                .having(db.func.count() >= len(KEPT_KINDS) * len(KEPT_LANGUAGES)))
    signing = db.select(SigningKey.university_id).where(SigningKey.university_id.is_not(None),
                                                        SigningKey.retired_at.is_(None))
    done = db.session.scalars(db.select(Certificate).where(
        Certificate.status == VALID, Certificate.id.not_in(complete), Certificate.university_id.in_(signing))
        .order_by(Certificate.id).limit(limit)).all()
    signed = [(certificate, kind, language, *sign_document(certificate, kind, language))
              for certificate in done for kind in KEPT_KINDS for language in KEPT_LANGUAGES
              if kept_document(certificate, kind, language) is None]
    for certificate, kind, language, data, signer in signed:
        store_document(certificate.id, kind, language, data, signer)
    return done


# --- time stamps renewed (B-LTA) ------------------------------------------------------------------------

def timestamps_due(margin, limit=1):
    """Kept files whose last time stamp lapses within ``margin`` (a timedelta), or that have none: the ones
    the worker time-stamps (where a time-stamp server is configured)."""
    horizon = clock.utcnow() + margin
    return db.session.scalars(db.select(KeptDocument).where(
        db.or_(KeptDocument.timestamp_until.is_(None), KeptDocument.timestamp_until < horizon))
        .order_by(KeptDocument.id).limit(limit)).all()


def add_archive_timestamp(kept, timestamper=None, tsa_roots=()):
    """``kept``'s file with a document time stamp added over it (and the validation data of what it holds:
    the signature's chain, the programme's current CRL, the earlier time stamps). The hash is recorded anew;
    the signature is the same one, so ``signed_at`` stays. Flushed."""
    from diploma.signing import pades

    root = keystore.load_certificate(keystore.root_key())
    data = pades.add_document_timestamp(kept.data, root, crls=[crl.crl_for_signing()],
                                        timestamper=timestamper, extra_tsa_roots=tsa_roots)
    _put(kept, data, signed_at=kept.signed_at)
    db.session.flush()
    return kept
