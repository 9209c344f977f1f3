"""The signed documents of a certificate, for the pages and the command line alike: the signer is found
(and its key opened) before anything is rendered, so a missing or wrong passphrase, or a university
without a key, is an error and never an unsigned PDF.

- A certificate or its transcript: PDF/A-3b with two associated files (the snapshot JSON and the Open
  Badges 3.0 credential), signed (PAdES) by the university, the serial in the reason.
- A batch (for printing on paper): one signature by the university over the whole file, not one per page;
  a signature covers a file, and the pages of a printed batch are separated on paper anyway. Each
  graduate's own PDF carries its own signature and credential.

Signing takes plain values (``diploma.signing``): the snapshot, the certificate's index in the revocation
list (its id) and the signer, opened once per document or batch — nothing is looked up again per page.
"""
from diploma.certificates import pdf
from diploma.certificates.qr import qr_url
from diploma.signing import credential, keystore


def _reason(serial, kind):
    return f"{kind} {serial}"


def certificate_credential(certificate):
    """The certificate's OpenBadgeCredential as a VC-JWT (signed by its university's current key)."""
    signer = keystore.signer_for(certificate.university)
    return credential.signed_credential(certificate.snapshot, certificate.status_index, signer)


def certificate_data_integrity_credential(certificate):
    """The certificate's OpenBadgeCredential with its Data Integrity proof (eddsa-rdfc-2022), as JSON."""
    signer = keystore.signer_for(certificate.university)
    return credential.data_integrity_json(credential.data_integrity_credential(certificate.snapshot,
                                                                               certificate.status_index, signer))


def _signed(certificate, render, language, kind):
    from diploma.signing import pades  # pyHanko loads only when a PDF is signed

    signer = keystore.signer_for(certificate.university)
    token = credential.signed_credential(certificate.snapshot, certificate.status_index, signer)
    data = render(certificate.snapshot, language, qr_url=qr_url(certificate.snapshot, signer, certificate.status_index),
                  extra_attachments=[pdf.credential_attachment(token, credential.ATTACHMENT_NAME),
                                     pdf.credential_attachment(certificate_data_integrity_credential(certificate),
                                                               credential.JSON_ATTACHMENT_NAME)])
    return pades.sign_pdf(data, signer, reason=_reason(certificate.serial, kind),
                          location=certificate.snapshot["university"]["city_en"])


def certificate_pdf(certificate, language):
    return _signed(certificate, pdf.render_certificate, language, "Graduation certificate")


def transcript_pdf(certificate, language):
    return _signed(certificate, pdf.render_transcript, language, "Transcript")


def batch_pdf(university, certificates, language, progress=None):
    """The certificates of a batch in one PDF signed by ``university``, each page's QR signed with the same
    key (the certificates are the university's)."""
    from diploma.signing import pades

    signer = keystore.signer_for(university)
    data = pdf.render_batch([c.snapshot for c in certificates], language, progress=progress,
                            qr_urls=[qr_url(c.snapshot, signer, c.id) for c in certificates])
    first, last = certificates[0].serial, certificates[-1].serial
    return pades.sign_pdf(data, signer, reason=f"Certificates for printing {first} … {last}",
                          location=university.city_en)


def signing_key_of(university):
    """The key the university signs with today (shown on the verification page), or None."""
    return keystore.current_key(university)
