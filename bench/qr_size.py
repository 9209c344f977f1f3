"""How big the certificate's QR code gets with the signed token in it, for names from short to very long.

For each name, the token (compact JWS, ES256: ``diploma.signing.token.make_token``) is made with a throwaway
P-256 key and put in the fragment of a verification URL on a production-like address; the script prints the
token's and the URL's length, the QR version at error correction M (as ``pdf_engine.qr_svg`` draws it), the
number of modules with the quiet zone, and the printed size of a module at the certificate's 38 mm
(``.qr`` in templates/certificates/pdf/certificate.css), with the ratio to 0.33 mm (a common lower bound for
a phone camera at reading distance: above 1 is comfortable, below it needs a steadier hand and good print).

Then, for the mask the QR is drawn with (``pdf_engine.QR_MASK``, fixed so that segno need not try all
eight): each mask's penalty (ISO/IEC 18004's score, lower is better) over sample tokens of those names,
how often it is the best and how far above the best it is at worst — the fixed mask should be the best or
near it.

Usage, from the project root:

    .venv/bin/python bench/qr_size.py
    .venv/bin/python bench/qr_size.py --base-url https://diploma.uobaghdad.edu.iq --width-mm 38
    .venv/bin/python bench/qr_size.py --samples 20      # tokens per name for the masks' scores

It is a measurement, not a test: it asserts nothing.
"""
import argparse
import statistics
import sys
from pathlib import Path

import segno
from cryptography.hazmat.primitives.asymmetric import ec

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from diploma.certificates.pdf_engine import QR_MASK  # noqa: E402
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


def sample_url(base_url, name_ar, name_en, number):
    serial = f"PCS-MSL-2025-{number:04d}"
    data = snapshot(serial=serial, student={"name_ar": name_ar, "name_en": name_en})
    url = f"{base_url}/verify/{serial}?code=Zx3vQ9kL2mN8pR4tY6wB1c"
    return f"{url}#{make_token(token_claims(data, 1234 + number), ThrowawayKey)}"


def mask_scores(base_url, samples):
    """Each mask's penalty for ``samples`` tokens of each name: {mask: [penalty, …]} and the best's."""
    from segno.encoder import evaluate_mask

    scores, best = {mask: [] for mask in range(8)}, []
    for name_ar, name_en in NAMES:
        for number in range(samples):
            url = sample_url(base_url, name_ar, name_en, number)
            penalties = []
            for mask in range(8):
                matrix = segno.make(url, error="m", boost_error=False, micro=False, mask=mask).matrix
                penalties.append(evaluate_mask(matrix, len(matrix), len(matrix)))
                scores[mask].append(penalties[-1])
            best.append(min(penalties))
    return scores, best


def print_masks(base_url, samples):
    scores, best = mask_scores(base_url, samples)
    print(f"\nmasks over {len(best)} tokens (penalty: lower is better; the QR is drawn with mask {QR_MASK})")
    print(f"{'mask':>4} {'mean':>8} {'worst':>7} {'best for':>9} {'worst over the best':>20}")
    for mask, penalties in scores.items():
        wins = sum(penalty == lowest for penalty, lowest in zip(penalties, best, strict=True))
        excess = max(penalty / lowest - 1 for penalty, lowest in zip(penalties, best, strict=True))
        marker = "  ← fixed" if mask == QR_MASK else ""
        print(f"{mask:>4} {statistics.mean(penalties):>8.0f} {max(penalties):>7} {wins:>9} {excess:>19.1%}"
              f"{marker}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="https://diploma.example.edu.iq")
    parser.add_argument("--width-mm", type=float, default=38.0)
    parser.add_argument("--samples", type=int, default=5, help="tokens per name for the masks' scores")
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
    print_masks(arguments.base_url, arguments.samples)


if __name__ == "__main__":
    main()
