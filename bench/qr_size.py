"""How big the certificate's QR code gets with the signed token in it, for names from short to very long.

For each name, the token (compact JWS, ES256: ``diploma.signing.token.make_token``) is made with a throwaway
P-256 key and put in the fragment of a verification URL on a production-like address; the script prints the
token's and the URL's length, the QR version at error correction M (as ``pdf_engine.qr_svg`` draws it), the
number of modules with the quiet zone, and the printed size of a module at the certificate's 38 mm
(``.qr`` in templates/certificates/pdf/certificate.css), with the ratio to 0.33 mm (a common lower bound for
a phone camera at reading distance: above 1 is comfortable, below it needs a steadier hand and good print).

Usage, from the project root:

    .venv/bin/python bench/qr_size.py
    .venv/bin/python bench/qr_size.py --base-url https://diploma.uobaghdad.edu.iq --width-mm 38

It is a measurement, not a test: it asserts nothing.
"""
import argparse
import sys
from pathlib import Path

import segno
from cryptography.hazmat.primitives.asymmetric import ec

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from diploma.certificates.qr import token_claims  # noqa: E402
from diploma.signing.token import make_token  # noqa: E402
from tests.certificates.builders import snapshot  # noqa: E402

NAMES = (
    ("حيدر كريم ياسر الدوري", "Haider Kareem Yasir Al-Douri"),
    ("مصطفى عبد الأمير جاسم الشمري", "Mustafa Abdulameer Jasim Al-Shammari"),
    ("عبد الرحمن عبد الأمير عبد الزهرة عبد الحسين الموسوي",
     "Abdulrahman Abdulameer Abdulzahra Abdulhussein Al-Musawi"),
    ("عبد الرحمن عبد الأمير عبد الزهرة عبد الحسين عبد الكريم آل عبد الجبار الموسوي",
     "Abdulrahman Abdulameer Abdulzahra Abdulhussein Abdulkareem Al Abduljabbar Al-Musawi"),
)
QUIET_ZONE = 4
COMFORTABLE_MM = 0.33


class ThrowawayKey:
    private_key = ec.generate_private_key(ec.SECP256R1())
    kid = "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0fGh3"  # a JWK thumbprint's length (43)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="https://diploma.example.edu.iq")
    parser.add_argument("--width-mm", type=float, default=38.0)
    arguments = parser.parse_args()
    print(f"{'name (ar)':>9} {'token':>6} {'URL':>5} {'ver':>4} {'modules':>8} {'mm/module':>10} "
          f"{'ratio':>6}")
    for name_ar, name_en in NAMES:
        serial = "PCS-MSL-2025-0042"
        data = snapshot(serial=serial, student={"name_ar": name_ar, "name_en": name_en})
        url = f"{arguments.base_url}/verify/{serial}?code=Zx3vQ9kL2mN8pR4tY6wB1c"
        token = make_token(token_claims(data, 1234), ThrowawayKey)
        full = f"{url}#{token}"
        code = segno.make(full, error="m", boost_error=False, micro=False)
        modules = code.symbol_size(border=QUIET_ZONE)[0]
        module_mm = arguments.width_mm / modules
        print(f"{len(name_ar):>9} {len(token):>6} {len(full):>5} {code.version:>4} {modules:>8} "
              f"{module_mm:>10.3f} {module_mm / COMFORTABLE_MM:>6.2f}")


if __name__ == "__main__":
    main()
