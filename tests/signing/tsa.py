"""A local RFC 3161 time-stamp authority for the tests (never the network): pyHanko's DummyTimeStamper
behind http.server on 127.0.0.1, with its own self-signed TSA certificate valid until 2075 (as a real TSA's
certificate outlives the documents it stamps by decades), written as the PEM file SIGNING_TSA_ROOTS names."""
import datetime
import http.server
import threading
from dataclasses import dataclass

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

UNTIL = datetime.datetime(2075, 1, 1, tzinfo=datetime.UTC)


@dataclass
class LocalTsa:
    server: http.server.ThreadingHTTPServer
    certificate_pem: bytes
    stamper: DummyTimeStamper

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_port}/"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def tsa_certificate(common_name="Test TSA", until=UNTIL):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(until)
                   .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.TIME_STAMPING]),
                                  critical=True)
                   .sign(key, hashes.SHA256()))
    return key, certificate


def start_tsa(common_name="Test TSA", until=UNTIL):
    key, certificate = tsa_certificate(common_name, until)
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())))

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            body = stamper.request_tsa_response(request).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return LocalTsa(server, certificate.public_bytes(serialization.Encoding.PEM), stamper)
