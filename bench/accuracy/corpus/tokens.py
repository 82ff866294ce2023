"""Format-valid fake credentials, generated from a seeded RNG.

Every generator takes a ``random.Random`` and returns a ``Secret``.  The
formats follow public documentation and the public rule sets of existing
scanners (prefix, length, alphabet, checksum where the format has one).
Where the exact format is not publicly documented, the comment says so and
the generator follows the most commonly published shape.

None of these values is a live credential: they are random strings that
merely have the right shape.
"""

from __future__ import annotations

import base64
import binascii
import json
import string
import struct
import zlib
from dataclasses import dataclass, field
from typing import Callable, Optional

DIGITS = string.digits
LOWER = string.ascii_lowercase
UPPER = string.ascii_uppercase
BASE62 = DIGITS + UPPER + LOWER  # order matters for the base62 checksum encoding
ALNUM = BASE62
ALPHA = UPPER + LOWER
HEX = "0123456789abcdef"
HEXU = "0123456789ABCDEF"
B64 = UPPER + LOWER + DIGITS + "+/"
B64URL = UPPER + LOWER + DIGITS + "-_"
WORDISH = ALNUM + "_-"  # [A-Za-z0-9_-]
B32 = UPPER + "234567"
UPPER_DIGITS = UPPER + DIGITS
LOWER_DIGITS = LOWER + DIGITS

FORBIDDEN_WORDS = ("example", "test", "dummy", "fake", "sample", "demo", "xxx", "changeme", "secret", "passw")


def looks_random(s: str, max_run: int = 2) -> bool:
    """Reject strings a human would read as a placeholder.

    No character repeated more than ``max_run`` times in a row, no run of four
    ascending or descending characters (``1234``, ``abcd``, ``dcba``) and none
    of the words that mark example values.
    """
    run = 1
    for a, b in zip(s, s[1:]):
        run = run + 1 if a == b else 1
        if run > max_run:
            return False
    for i in range(len(s) - 3):
        d = [ord(s[i + k + 1]) - ord(s[i + k]) for k in range(3)]
        if d in ([1, 1, 1], [-1, -1, -1]):
            return False
    low = s.lower()
    return not any(w in low for w in FORBIDDEN_WORDS)


def rand(rng, alphabet: str, n: int, max_run: Optional[int] = None) -> str:
    if max_run is None:
        max_run = 2 if n <= 48 else 3
    while True:
        s = "".join(rng.choice(alphabet) for _ in range(n))
        if looks_random(s, max_run):
            return s


def rand_bytes(rng, n: int) -> bytes:
    return bytes(rng.getrandbits(8) for _ in range(n))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def b64url_nopad(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def digits(rng, n: int, first_nonzero: bool = True) -> str:
    while True:
        s = "".join(rng.choice(DIGITS) for _ in range(n))
        if (not first_nonzero or s[0] != "0") and looks_random(s, 2):
            return s


def uuid4(rng) -> str:
    h = rand(rng, HEX, 32, max_run=3)
    h = h[:12] + "4" + h[13:16] + rng.choice("89ab") + h[17:]
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def base62_encode(n: int, width: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = BASE62[r] + out
    return out.rjust(width, "0")


def crc_token(rng, prefix: str) -> str:
    """GitHub / npm style: prefix + 30 base62 + base62(crc32(those 30)) padded to 6."""
    body = rand(rng, BASE62, 30)
    return prefix + body + base62_encode(zlib.crc32(body.encode()) & 0xFFFFFFFF, 6)


def wrong_crc_token(rng, prefix: str) -> str:
    """Same shape as ``crc_token`` but the checksum does not match (hard negative)."""
    body = rand(rng, BASE62, 30)
    good = base62_encode(zlib.crc32(body.encode()) & 0xFFFFFFFF, 6)
    while True:
        bad = rand(rng, BASE62, 6)
        if bad != good:
            return prefix + body + bad


def crc_token_valid(tok: str) -> bool:
    body, check = tok[-36:-6], tok[-6:]
    return base62_encode(zlib.crc32(body.encode()) & 0xFFFFFFFF, 6) == check


# --------------------------------------------------------------------------
# Secret record
# --------------------------------------------------------------------------

@dataclass
class Secret:
    type: str
    secret: str            # what goes into labels.json
    value: object          # what a renderer writes (str, or dict for the GCP service account)
    shape: str             # token | url | pem | sa | basic
    anchor: str = ""       # unique substring on (or after) the secret's first line
    start: Optional[str] = None  # rfind this before the anchor to reach the first character
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if not self.anchor:
            self.anchor = self.secret


URL_SHAPED = {"slack-webhook-url", "discord-webhook-url", "teams-webhook-url", "sentry-dsn"}


def tok(type_, s):
    return Secret(type_, s, s, "url" if type_ in URL_SHAPED else "token")


# --------------------------------------------------------------------------
# PEM / DER helpers
# --------------------------------------------------------------------------

def pem_wrap(label: str, der: bytes, width: int = 64, armor_headers: str = "") -> tuple[str, list[str]]:
    body = b64(der)
    lines = [body[i:i + width] for i in range(0, len(body), width)]
    text = f"-----BEGIN {label}-----\n" + armor_headers + "\n".join(lines) + f"\n-----END {label}-----"
    return text, lines


def pem_secret(type_, text, lines) -> Secret:
    anchor = lines[1] if len(lines) > 1 else lines[0]
    return Secret(type_, text, text, "pem", anchor=anchor, start="-----BEGIN")


def der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    if n < 0x100:
        return bytes([0x81, n])
    return bytes([0x82]) + struct.pack(">H", n)


def rsa_pkcs1_der(rng, bits=2048) -> bytes:
    # Shape of a PKCS#1 RSAPrivateKey: SEQUENCE { version 0, n, e, d, p, q, dp, dq, qinv }.
    # The integers are random bytes of the right sizes, not a real key pair.
    nbytes = bits // 8
    half = nbytes // 2

    def integer(b: bytes) -> bytes:
        if b[0] & 0x80:
            b = b"\x00" + b
        return b"\x02" + der_len(len(b)) + b

    def rnd(n):
        b = bytearray(rand_bytes(rng, n))
        b[0] |= 0x80
        return bytes(b)

    parts = [b"\x02\x01\x00", integer(rnd(nbytes)), b"\x02\x03\x01\x00\x01",
             integer(rnd(nbytes)), integer(rnd(half)), integer(rnd(half)),
             integer(rnd(half)), integer(rnd(half)), integer(rnd(half))]
    body = b"".join(parts)
    return b"\x30" + der_len(len(body)) + body


def gen_private_key_rsa(rng):
    text, lines = pem_wrap("RSA PRIVATE KEY", rsa_pkcs1_der(rng, rng.choice([2048, 2048, 3072])))
    return pem_secret("private-key-rsa", text, lines)


def ec_sec1_der(rng) -> bytes:
    # SEC1 ECPrivateKey for P-256 (OID 1.2.840.10045.3.1.7); random scalar and point.
    return (bytes.fromhex("307702010104 20".replace(" ", "")) + rand_bytes(rng, 32)
            + bytes.fromhex("a00a06082a8648ce3d030107a144034200 04".replace(" ", "")) + rand_bytes(rng, 64))


def gen_private_key_ec(rng):
    text, lines = pem_wrap("EC PRIVATE KEY", ec_sec1_der(rng))
    return pem_secret("private-key-ec", text, lines)


def gen_private_key_pkcs8(rng):
    kind = rng.choice(["rsa", "rsa", "ec", "ed25519"])
    if kind == "rsa":
        inner = rsa_pkcs1_der(rng, 2048)
        alg = bytes.fromhex("300d06092a864886f70d0101010500")
    elif kind == "ec":
        sec1 = (bytes.fromhex("306b0201010420") + rand_bytes(rng, 32)
                + bytes.fromhex("a14403420004") + rand_bytes(rng, 64))
        inner = sec1
        alg = bytes.fromhex("301306072a8648ce3d020106082a8648ce3d030107")
    else:
        inner = b"\x04\x20" + rand_bytes(rng, 32)
        alg = bytes.fromhex("300506032b6570")
    octet = b"\x04" + der_len(len(inner)) + inner
    body = b"\x02\x01\x00" + alg + octet
    der = b"\x30" + der_len(len(body)) + body
    text, lines = pem_wrap("PRIVATE KEY", der)
    s = pem_secret("private-key-pkcs8", text, lines)
    s.extra["algo"] = kind
    return s


def sshstr(b: bytes) -> bytes:
    return struct.pack(">I", len(b)) + b


def gen_private_key_openssh(rng):
    # openssh-key-v1 container holding an unencrypted ed25519 key (random bytes).
    pub = rand_bytes(rng, 32)
    priv = rand_bytes(rng, 32)
    check = rand_bytes(rng, 4)
    comment = f"{rng.choice(['deploy', 'ci', 'backup', 'ansible', 'builder'])}@{rng.choice(['prod', 'bastion', 'runner-3', 'build-01'])}".encode()
    pubblob = sshstr(b"ssh-ed25519") + sshstr(pub)
    privsec = check + check + sshstr(b"ssh-ed25519") + sshstr(pub) + sshstr(priv + pub) + sshstr(comment)
    pad = 1
    while len(privsec) % 8:
        privsec += bytes([pad])
        pad += 1
    blob = (b"openssh-key-v1\x00" + sshstr(b"none") + sshstr(b"none") + sshstr(b"")
            + struct.pack(">I", 1) + sshstr(pubblob) + sshstr(privsec))
    text, lines = pem_wrap("OPENSSH PRIVATE KEY", blob, width=70)
    return pem_secret("private-key-openssh", text, lines)


def crc24(data: bytes) -> int:
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def gen_private_key_pgp(rng):
    # Old-format secret-key packet (tag 5) followed by random key material, with
    # the real CRC-24 armor checksum.
    material = bytes([4]) + rand_bytes(rng, 4) + bytes([1]) + rand_bytes(rng, rng.randint(900, 1300))
    packet = bytes([0x95]) + struct.pack(">H", len(material)) + material
    body = b64(packet)
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    checksum = "=" + b64(crc24(packet).to_bytes(3, "big"))
    text = ("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n" + "\n".join(lines) + "\n" + checksum
            + "\n-----END PGP PRIVATE KEY BLOCK-----")
    return pem_secret("private-key-pgp", text, lines)


# --------------------------------------------------------------------------
# Cloud providers
# --------------------------------------------------------------------------

def gen_aws_access_key_id(rng, prefix="AKIA"):
    # AKIA (long-term) / ASIA (temporary) + 16 chars of base32 [A-Z2-7].
    return tok("aws-access-key-id", prefix + rand(rng, B32, 16))


def gen_aws_secret_access_key(rng):
    return tok("aws-secret-access-key", rand(rng, ALNUM + "+/", 40))


def gen_aws_session_token(rng):
    # STS session tokens are long base64 blobs; current ones start with the
    # encoding of b"!\n\torigin_ec", older ones with "FwoGZXIvYXdz".  Real
    # tokens are 400-1200 chars; we keep them at the short end.
    prefix = rng.choice(["IQoJb3JpZ2luX2Vj", "IQoJb3JpZ2luX2Vj", "FwoGZXIvYXdzE"])
    body = rand(rng, B64, rng.randint(300, 420), max_run=3)
    return tok("aws-session-token", prefix + body)


def gen_aws_bedrock_api_key(rng):
    # Long-term Bedrock API key: "ABSK" + base64("BedrockAPIKey-<4>-at-<account>:<base64 secret>").
    inner = (f"BedrockAPIKey-{rand(rng, LOWER_DIGITS, 4)}-at-{digits(rng, 12)}:"
             + b64(rand_bytes(rng, 44)))
    return tok("aws-bedrock-api-key", "ABSK" + b64(inner.encode()))


def gen_gcp_api_key(rng):
    return tok("gcp-api-key", "AIzaSy" + rand(rng, WORDISH, 33))


def gen_gcp_oauth_client_secret(rng):
    return tok("gcp-oauth-client-secret", "GOCSPX-" + rand(rng, WORDISH, 28))


PROJECTS = ["billing-prod", "data-platform-321", "acme-analytics", "orbit-staging", "ledger-core",
            "mlops-pipeline", "atlas-search", "payments-eu", "kestrel-infra", "nimbus-etl"]


def gen_gcp_service_account(rng):
    project = rng.choice(PROJECTS) + "-" + digits(rng, 6)
    sa_name = rng.choice(["deployer", "ci-runner", "bq-loader", "terraform", "gcs-sync", "airflow"])
    email = f"{sa_name}@{project}.iam.gserviceaccount.com"
    pk = gen_private_key_pkcs8(rng)
    while pk.extra["algo"] != "rsa":
        pk = gen_private_key_pkcs8(rng)
    info = {
        "type": "service_account",
        "project_id": project,
        "private_key_id": rand(rng, HEX, 40, max_run=3),
        "private_key": pk.secret + "\n",
        "client_email": email,
        "client_id": digits(rng, 21),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/" + email.replace("@", "%40"),
        "universe_domain": "googleapis.com",
    }
    return Secret("gcp-service-account", pk.secret, info, "sa", anchor=pk.anchor, start="-----BEGIN")


def gen_azure_storage_key(rng):
    # 512-bit key, base64 -> 88 chars ending in "==".
    return tok("azure-storage-key", b64(rand_bytes(rng, 64)))


def gen_azure_sas_token(rng):
    sig = b64(rand_bytes(rng, 32)).replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    year = rng.choice([2025, 2026, 2027])
    sas = (f"sv=2022-11-02&ss={rng.choice(['b', 'bf', 'bfqt'])}&srt={rng.choice(['sco', 'co', 'o'])}"
           f"&sp={rng.choice(['rl', 'rwdlac', 'rwdlacupiytfx'])}&se={year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00Z"
           f"&st={year - 1}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T00:00:00Z&spr=https&sig={sig}")
    return tok("azure-sas-token", sas)


def gen_azure_ad_client_secret(rng):
    # Entra ID client secrets: 3 chars + "8Q~" + 34 chars, alphabet [A-Za-z0-9_~.-], 40 total.
    a = ALNUM + "_~.-"
    return tok("azure-ad-client-secret", rand(rng, a, 3) + "8Q~" + rand(rng, a, 34))


def gen_azure_devops_pat(rng):
    # New (2024) 84-char format: 52 random chars, then Microsoft's common
    # annotated-key signature "JQQJ99" and the provider signature "AZDO" at
    # offset 76.  The exact meaning of the chars between them and of the last
    # four (a checksum in the published format) is not public in detail; they
    # are random here, so a scanner that verifies that checksum will reject them.
    s = (rand(rng, ALNUM, 52) + "JQQJ99" + rng.choice("ABCDEFGHIJKL") + rng.choice("ABCDEFGHIJKL")
         + rand(rng, ALNUM, 16) + "AZDO" + rand(rng, ALNUM, 4))
    assert len(s) == 84 and s[76:80] == "AZDO"
    return tok("azure-devops-pat", s)


def gen_alibaba_access_key_id(rng):
    return tok("alibaba-access-key-id", "LTAI" + rand(rng, ALNUM, rng.choice([20, 20, 16])))


def gen_alibaba_access_key_secret(rng):
    return tok("alibaba-access-key-secret", rand(rng, ALNUM, 30))


# --------------------------------------------------------------------------
# AI providers
# --------------------------------------------------------------------------

def gen_openai_api_key(rng):
    # Legacy user key: sk- + 20 + "T3BlbkFJ" (base64 of "OpenAI") + 20.
    return tok("openai-api-key", "sk-" + rand(rng, ALNUM, 20) + "T3BlbkFJ" + rand(rng, ALNUM, 20))


def _openai_new(rng, prefix, n):
    return prefix + rand(rng, WORDISH, n) + "T3BlbkFJ" + rand(rng, WORDISH, n)


def gen_openai_project_key(rng):
    return tok("openai-project-key", _openai_new(rng, "sk-proj-", 74))


def gen_openai_svcacct_key(rng):
    return tok("openai-svcacct-key", _openai_new(rng, "sk-svcacct-", 74))


def gen_openai_admin_key(rng):
    return tok("openai-admin-key", _openai_new(rng, "sk-admin-", 58))


def gen_anthropic_api_key(rng):
    return tok("anthropic-api-key", "sk-ant-api03-" + rand(rng, WORDISH, 93) + "AA")


def gen_anthropic_admin_key(rng):
    return tok("anthropic-admin-key", "sk-ant-admin01-" + rand(rng, WORDISH, 93) + "AA")


def gen_huggingface_token(rng):
    return tok("huggingface-token", "hf_" + rand(rng, ALPHA, 34))


def gen_cohere_api_key(rng):
    # No prefix: 40 alphanumerics; only recognisable next to a cohere / CO_API_KEY keyword.
    return tok("cohere-api-key", rand(rng, ALNUM, 40))


def gen_mistral_api_key(rng):
    # No prefix; 32 alphanumerics.  Length taken from public detector tables,
    # not from Mistral's documentation (which does not state it).
    return tok("mistral-api-key", rand(rng, ALNUM, 32))


def gen_groq_api_key(rng):
    return tok("groq-api-key", "gsk_" + rand(rng, ALNUM, 52))


def gen_perplexity_api_key(rng):
    return tok("perplexity-api-key", "pplx-" + rand(rng, ALNUM, 48))


def gen_replicate_api_token(rng):
    return tok("replicate-api-token", "r8_" + rand(rng, ALNUM, 37))


def gen_xai_api_key(rng):
    return tok("xai-api-key", "xai-" + rand(rng, ALNUM, 80))


def gen_openrouter_api_key(rng):
    return tok("openrouter-api-key", "sk-or-v1-" + rand(rng, HEX, 64, max_run=3))


def gen_langsmith_api_key(rng):
    return tok("langsmith-api-key", f"lsv2_{rng.choice(['pt', 'pt', 'sk'])}_{rand(rng, HEX, 32, 3)}_{rand(rng, HEX, 10)}")


def gen_pinecone_api_key(rng):
    return tok("pinecone-api-key", "pcsk_" + rand(rng, ALNUM, rng.choice([5, 6])) + "_" + rand(rng, ALNUM, 63))


# --------------------------------------------------------------------------
# Source hosting and package registries
# --------------------------------------------------------------------------

def gen_github(prefix, type_):
    return lambda rng: tok(type_, crc_token(rng, prefix))


def gen_github_fine_grained_pat(rng):
    # github_pat_ + 22 [0-9A-Z] (starting "11") + "_" + 59 alphanumerics = 82 after the prefix.
    return tok("github-fine-grained-pat", "github_pat_11" + rand(rng, UPPER_DIGITS, 20) + "_" + rand(rng, ALNUM, 59))


def gen_gitlab_pat(rng):
    return tok("gitlab-pat", "glpat-" + rand(rng, WORDISH, 20))


def gen_gitlab_deploy_token(rng):
    return tok("gitlab-deploy-token", "gldt-" + rand(rng, WORDISH, 20))


def gen_gitlab_runner_token(rng):
    return tok("gitlab-runner-token", "glrt-" + rand(rng, WORDISH, 20))


def gen_gitlab_pipeline_trigger_token(rng):
    return tok("gitlab-pipeline-trigger-token", "glptt-" + rand(rng, HEX, 40, 3))


def gen_bitbucket_app_password(rng):
    # Current app passwords start with "ATBB"; the published shape is 32
    # alphanumerics with an 8-hex-digit suffix.  Not documented by Atlassian;
    # detection relies on the bitbucket keyword nearby.
    return tok("bitbucket-app-password", "ATBB" + rand(rng, ALNUM, 24) + rand(rng, HEXU, 8))


def gen_npm_access_token(rng):
    return tok("npm-access-token", crc_token(rng, "npm_"))


def gen_pypi_upload_token(rng):
    # Macaroon: base64url of b"\x02\x01\x08pypi.org\x02..." so it always
    # starts with "pypi-AgEIcHlwaS5vcmc".
    ident = uuid4(rng).encode()
    data = (b"\x02\x01\x08pypi.org\x02\x24" + ident + b"\x00\x02\x06"
            + b'\x00\x06 ' + rand_bytes(rng, 32) + rand_bytes(rng, rng.randint(60, 110)))
    return tok("pypi-upload-token", "pypi-" + b64url_nopad(data))


def gen_rubygems_api_key(rng):
    return tok("rubygems-api-key", "rubygems_" + rand(rng, HEX, 48, 3))


def gen_nuget_api_key(rng):
    # Pattern published by Microsoft's security-utilities (SEC101/031):
    # oy2[a-p][0-9a-z]{15}[aq][0-9a-z]{11}[eu][bdfhjlnprtvxz357][a-p][0-9a-z]{11}[aeimquy4]
    ld = LOWER_DIGITS
    ap = "abcdefghijklmnop"
    s = ("oy2" + rng.choice(ap) + rand(rng, ld, 15) + rng.choice("aq") + rand(rng, ld, 11)
         + rng.choice("eu") + rng.choice("bdfhjlnprtvxz357") + rng.choice(ap) + rand(rng, ld, 11)
         + rng.choice("aeimquy4"))
    return tok("nuget-api-key", s)


def gen_dockerhub_pat(rng):
    return tok("dockerhub-pat", "dckr_pat_" + rand(rng, WORDISH, 27))


def gen_jfrog_api_key(rng):
    return tok("jfrog-api-key", "AKCp8" + rand(rng, ALNUM, 68))


# --------------------------------------------------------------------------
# Payments and commerce
# --------------------------------------------------------------------------

def _stripe_body(rng):
    if rng.random() < 0.5:
        return rand(rng, ALNUM, 24)
    return "51" + rand(rng, ALNUM, 97)


def gen_stripe_secret_key(rng):
    return tok("stripe-secret-key", "sk_live_" + _stripe_body(rng))


def gen_stripe_restricted_key(rng):
    return tok("stripe-restricted-key", "rk_live_" + _stripe_body(rng))


def gen_stripe_webhook_secret(rng):
    return tok("stripe-webhook-secret", "whsec_" + rand(rng, ALNUM, 32))


def gen_square_access_token(rng):
    if rng.random() < 0.6:
        return tok("square-access-token", "EAAA" + rand(rng, WORDISH, 60))
    return tok("square-access-token", "sq0atp-" + rand(rng, WORDISH, 22))


def gen_braintree_access_token(rng):
    return tok("braintree-access-token",
               "access_token$production$" + rand(rng, LOWER_DIGITS, 16) + "$" + rand(rng, HEX, 32, 3))


def gen_shopify_access_token(rng):
    return tok("shopify-access-token", "shpat_" + rand(rng, HEX, 32, 3))


def gen_shopify_shared_secret(rng):
    return tok("shopify-shared-secret", "shpss_" + rand(rng, HEX, 32, 3))


# --------------------------------------------------------------------------
# Messaging
# --------------------------------------------------------------------------

def gen_slack_bot_token(rng):
    return tok("slack-bot-token", f"xoxb-{digits(rng, 12)}-{digits(rng, 13)}-{rand(rng, ALNUM, 24)}")


def gen_slack_user_token(rng):
    return tok("slack-user-token",
               f"xoxp-{digits(rng, 12)}-{digits(rng, 12)}-{digits(rng, 13)}-{rand(rng, HEX, 32, 3)}")


def gen_slack_app_token(rng):
    return tok("slack-app-token", f"xapp-1-A{rand(rng, UPPER_DIGITS, 10)}-{digits(rng, 13)}-{rand(rng, HEX, 64, 3)}")


def gen_slack_webhook_url(rng):
    return tok("slack-webhook-url",
               f"https://hooks.slack.com/services/T{rand(rng, UPPER_DIGITS, 8)}/B{rand(rng, UPPER_DIGITS, 10)}/{rand(rng, ALNUM, 24)}")


def snowflake(rng):
    return str(rng.randint(700_000_000_000_000_000, 1_350_000_000_000_000_000))


def gen_discord_bot_token(rng):
    # base64(user id) . 6 chars (timestamp) . 38 chars HMAC
    first = base64.b64encode(snowflake(rng).encode()).decode().rstrip("=")
    return tok("discord-bot-token", f"{first}.{rand(rng, WORDISH, 6)}.{rand(rng, WORDISH, 38)}")


def gen_discord_webhook_url(rng):
    host = rng.choice(["discord.com", "discord.com", "discordapp.com"])
    return tok("discord-webhook-url", f"https://{host}/api/webhooks/{snowflake(rng)}/{rand(rng, WORDISH, 68, 3)}")


def gen_telegram_bot_token(rng):
    return tok("telegram-bot-token", f"{digits(rng, 10)}:AA{rand(rng, WORDISH, 33)}")


def gen_twilio_api_key(rng):
    return tok("twilio-api-key", "SK" + rand(rng, HEX, 32, 3))


def gen_sendgrid_api_key(rng):
    return tok("sendgrid-api-key", f"SG.{rand(rng, WORDISH, 22)}.{rand(rng, WORDISH, 43)}")


def gen_mailgun_api_key(rng):
    return tok("mailgun-api-key", "key-" + rand(rng, HEX, 32, 3))


def gen_mailchimp_api_key(rng):
    return tok("mailchimp-api-key", rand(rng, HEX, 32, 3) + f"-us{rng.randint(2, 21)}")


def gen_postmark_server_token(rng):
    # A plain UUID; only recognisable next to the postmark keyword.
    return tok("postmark-server-token", uuid4(rng))


def gen_teams_webhook_url(rng):
    tenant = rng.choice(["contoso", "acmecorp", "northwind", "fabrikam", "globex"])
    return tok("teams-webhook-url",
               f"https://{tenant}.webhook.office.com/webhookb2/{uuid4(rng)}@{uuid4(rng)}/IncomingWebhook/{rand(rng, HEX, 32, 3)}/{uuid4(rng)}")


# --------------------------------------------------------------------------
# Observability and ops
# --------------------------------------------------------------------------

def gen_datadog_api_key(rng):
    return tok("datadog-api-key", rand(rng, HEX, 32, 3))


def gen_newrelic_user_api_key(rng):
    return tok("newrelic-user-api-key", "NRAK-" + rand(rng, UPPER_DIGITS, 27))


def gen_sentry_org_token(rng):
    org = rng.choice(["acme", "orbit-labs", "nimbus", "ledger-io", "kestrel"])
    payload = json.dumps({"iat": rng.randint(1_700_000_000, 1_760_000_000) + rng.random(),
                          "url": "https://sentry.io", "region_url": "https://us.sentry.io", "org": org},
                         separators=(",", ":"))
    body = b64(payload.encode()).rstrip("=")
    return tok("sentry-org-token", f"sntrys_{body}_{rand(rng, ALNUM + '+/', 43)}")


def gen_sentry_dsn(rng):
    return tok("sentry-dsn", f"https://{rand(rng, HEX, 32, 3)}@o{digits(rng, 6)}.ingest.{rng.choice(['', 'us.', 'de.'])}sentry.io/{digits(rng, 7)}")


def gen_grafana_cloud_token(rng):
    payload = json.dumps({"o": digits(rng, 6), "n": f"stack-{digits(rng, 6)}-hm-{rng.choice(['read', 'write', 'metrics'])}-{rng.choice(['prom', 'logs', 'alloy'])}",
                          "k": rand(rng, ALNUM, 24), "m": {"r": rng.choice(["prod-us-east-0", "prod-eu-west-2", "prod-ap-southeast-1"])}},
                         separators=(",", ":"))
    return tok("grafana-cloud-token", "glc_" + b64(payload.encode()))


def gen_grafana_service_account_token(rng):
    return tok("grafana-service-account-token", f"glsa_{rand(rng, ALNUM, 32)}_{rand(rng, HEX, 8)}")


def gen_pagerduty_api_key(rng):
    # REST API keys are 20 chars of [A-Za-z0-9_+-] ("u+" prefix for user
    # tokens); not formally documented.  Needs the pagerduty keyword.
    pre = rng.choice(["u+", "", ""])
    return tok("pagerduty-api-key", pre + rand(rng, ALNUM + "_-", 20 - len(pre)))


def gen_cloudflare_api_token(rng):
    return tok("cloudflare-api-token", rand(rng, WORDISH, 40))


def gen_digitalocean_pat(rng):
    return tok("digitalocean-pat", "dop_v1_" + rand(rng, HEX, 64, 3))


def gen_heroku_api_key(rng):
    return tok("heroku-api-key", "HRKU-AA" + rand(rng, WORDISH, 58))


def gen_vercel_token(rng):
    # Classic Vercel access tokens: 24 alphanumerics without a prefix.
    return tok("vercel-token", rand(rng, ALNUM, 24))


def gen_netlify_token(rng):
    # nfp_ + 36 alphanumerics (40 total); length from public detector tables.
    return tok("netlify-token", "nfp_" + rand(rng, ALNUM, 36))


def gen_flyio_token(rng):
    return tok("flyio-token", "fo1_" + rand(rng, WORDISH, 43))


def gen_vault_token(rng):
    # Service tokens: "hvs." + ~90 chars of base64url protobuf ("CAES..." prefix).
    return tok("vault-token", "hvs.CAESI" + rand(rng, WORDISH, 86))


def gen_terraform_cloud_token(rng):
    return tok("terraform-cloud-token", f"{rand(rng, ALNUM, 14)}.atlasv1.{rand(rng, ALNUM, 67)}")


def gen_doppler_token(rng):
    return tok("doppler-token", "dp.pt." + rand(rng, ALNUM, 43))


def gen_databricks_token(rng):
    return tok("databricks-token", "dapi" + rand(rng, HEX, 32, 3))


def gen_okta_api_token(rng):
    # SSWS tokens: "00" + 40 chars [A-Za-z0-9_-]; needs the okta keyword.
    return tok("okta-api-token", "00" + rand(rng, WORDISH, 40))


def gen_atlassian_api_token(rng):
    # ATATT3 + 186 chars, the last 9 being "=" + 8 hex digits (a checksum in
    # the real format; random here).
    s = "ATATT3xFfGF0" + rand(rng, WORDISH, 171) + "=" + rand(rng, HEXU, 8)
    assert len(s) == 192
    return tok("atlassian-api-token", s)


def gen_linear_api_key(rng):
    return tok("linear-api-key", "lin_api_" + rand(rng, ALNUM, 40))


def gen_notion_token(rng):
    return tok("notion-token", "ntn_" + digits(rng, 11) + rand(rng, ALNUM, 35))


def gen_airtable_pat(rng):
    return tok("airtable-pat", "pat" + rand(rng, ALNUM, 14) + "." + rand(rng, HEX, 64, 3))


def gen_figma_pat(rng):
    return tok("figma-pat", "figd_" + rand(rng, WORDISH, 40))


def gen_supabase_token(rng):
    return tok("supabase-token", "sbp_" + rand(rng, HEX, 40, 3))


def gen_firebase_fcm_server_key(rng):
    return tok("firebase-fcm-server-key", "AAAA" + rand(rng, WORDISH, 7) + ":APA91b" + rand(rng, WORDISH, 134))


# --------------------------------------------------------------------------
# Connection strings, JWT, generic
# --------------------------------------------------------------------------

HOSTS = {
    "postgres": ["db.internal", "pg-primary.prod.svc.cluster.local", "orders-db.c9xk2lq0a1bc.eu-west-1.rds.amazonaws.com",
                 "10.12.4.21", "postgres.acme.net"],
    "mysql": ["mysql.internal", "legacy-db.acme.net", "wp-db.c4rkq2mz7vwx.us-east-1.rds.amazonaws.com", "10.0.3.17"],
    "mongodb": ["cluster0.x7k2p.mongodb.net", "prod-shard.q9w3e.mongodb.net", "analytics.bz4n1.mongodb.net"],
    "redis": ["redis.internal", "cache-prod.abc123.ng.0001.use1.cache.amazonaws.com", "redis-12345.c1.us-east-1-2.ec2.cloud.redislabs.com"],
    "amqp": ["rabbitmq.internal", "mq.acme.net", "b-6a2f.mq.eu-central-1.amazonaws.com"],
}
USERS = ["app", "admin", "svc_orders", "reporting", "etl_user", "api", "deploy", "root", "billing"]


def db_password(rng):
    return rand(rng, ALNUM, rng.randint(16, 28))


def gen_postgres_uri(rng):
    pw = db_password(rng)
    scheme = rng.choice(["postgres", "postgresql", "postgresql+psycopg2"])
    uri = f"{scheme}://{rng.choice(USERS)}:{pw}@{rng.choice(HOSTS['postgres'])}:5432/{rng.choice(['orders', 'app', 'analytics', 'core'])}"
    if rng.random() < 0.3:
        uri += "?sslmode=require"
    return Secret("postgres-uri", pw, uri, "url", anchor=pw)


def gen_mysql_uri(rng):
    pw = db_password(rng)
    scheme = rng.choice(["mysql", "mysql+pymysql", "mysql2"])
    uri = f"{scheme}://{rng.choice(USERS)}:{pw}@{rng.choice(HOSTS['mysql'])}:3306/{rng.choice(['wordpress', 'shop', 'legacy', 'crm'])}"
    return Secret("mysql-uri", pw, uri, "url", anchor=pw)


def gen_mongodb_uri(rng):
    pw = db_password(rng)
    uri = f"mongodb+srv://{rng.choice(USERS)}:{pw}@{rng.choice(HOSTS['mongodb'])}/{rng.choice(['events', 'catalog', 'users'])}?retryWrites=true&w=majority"
    return Secret("mongodb-uri", pw, uri, "url", anchor=pw)


def gen_redis_uri(rng):
    pw = db_password(rng)
    user = rng.choice(["", "default"])
    uri = f"{rng.choice(['redis', 'rediss'])}://{user}:{pw}@{rng.choice(HOSTS['redis'])}:6379/{rng.randint(0, 3)}"
    return Secret("redis-uri", pw, uri, "url", anchor=pw)


def gen_amqp_uri(rng):
    pw = db_password(rng)
    uri = f"{rng.choice(['amqp', 'amqps'])}://{rng.choice(USERS)}:{pw}@{rng.choice(HOSTS['amqp'])}:5672/{rng.choice(['%2F', 'orders', 'events'])}"
    return Secret("amqp-uri", pw, uri, "url", anchor=pw)


def gen_jwt(rng):
    alg = rng.choice(["HS256", "HS256", "RS256", "ES256"])
    header = {"alg": alg, "typ": "JWT"}
    if alg != "HS256":
        header["kid"] = rand(rng, HEX, 16)
    iat = rng.randint(1_700_000_000, 1_760_000_000)
    payload = rng.choice([
        {"sub": uuid4(rng), "role": "service_role", "iss": "supabase", "iat": iat, "exp": iat + 10 * 365 * 86400},
        {"sub": "user_" + digits(rng, 8), "name": rng.choice(["Dana Whitfield", "Ola Nordmann", "Priya Raman", "Tom Becker"]),
         "email_verified": True, "iat": iat, "exp": iat + 3600},
        {"iss": "https://auth.acme-internal.net/", "aud": "orders-api", "scope": "orders:read orders:write",
         "client_id": rand(rng, ALNUM, 20), "iat": iat, "exp": iat + 86400},
        {"sub": digits(rng, 9), "org_id": digits(rng, 6), "permissions": ["deploy", "read:logs"], "iat": iat},
    ])
    sig_len = {"HS256": 32, "RS256": 256, "ES256": 64}[alg]
    j = lambda o: b64url_nopad(json.dumps(o, separators=(",", ":")).encode())
    return tok("jwt", f"{j(header)}.{j(payload)}.{b64url_nopad(rand_bytes(rng, sig_len))}")


PASSWORD_SYMBOLS = "!@^*-_+.~"


def gen_generic_password(rng):
    n = rng.randint(14, 24)
    while True:
        s = rand(rng, ALNUM + PASSWORD_SYMBOLS, n)
        if (any(c in PASSWORD_SYMBOLS for c in s) and any(c.isdigit() for c in s)
                and s[0] not in PASSWORD_SYMBOLS and any(c.isupper() for c in s)):
            return tok("generic-password", s)


def gen_generic_api_key(rng):
    return tok("generic-api-key", rand(rng, rng.choice([ALNUM, HEX, ALNUM + "_-"]), rng.choice([32, 40, 48])))


def gen_basic_auth_header(rng):
    user = rng.choice(["svc-deploy", "jenkins", "ci-bot", "admin", "metrics", "api-client", "grafana"])
    creds = b64(f"{user}:{rand(rng, ALNUM + '!@*', rng.randint(14, 22))}".encode())
    return Secret("basic-auth-header", creds, "Basic " + creds, "basic", anchor=creds)


# --------------------------------------------------------------------------
# Gaps of issue 13: generic values with symbols, key names without "api",
# formats leakgate missed, services it had no rule for
# --------------------------------------------------------------------------

KEY_SYMBOLS = "@*^#~!="


def gen_generic_symbol_key(rng):
    # Random keys and tokens that carry symbols, as some services and
    # hand-rolled token generators issue them.
    n = rng.randint(24, 36)
    while True:
        s = rand(rng, ALNUM + KEY_SYMBOLS + "_", n)
        if (sum(c in KEY_SYMBOLS for c in s) >= 2 and any(c.isdigit() for c in s)
                and s[0] not in KEY_SYMBOLS + "_" and s[-1] not in KEY_SYMBOLS + "_"):
            return tok("generic-symbol-key", s)


def gen_generic_plain_key(rng):
    # A service key under a `*_KEY` name without "api" (search, storage,
    # signing keys): 52 alphanumerics, no recognisable prefix.
    return tok("generic-plain-key", rand(rng, ALNUM, 52))


def _azure_identifiable(rng, alphabet, before, signature, after_alphabet, after, tail=""):
    return rand(rng, alphabet, before) + signature + rand(rng, after_alphabet, after) + tail


def gen_azure_search_key(rng):
    # Identifiable format: 42 alphanumerics, "AzSe", one of A-D, 5 alphanumerics.
    return tok("azure-search-key", _azure_identifiable(rng, ALNUM, 42, "AzSe" + rng.choice("ABCD"), ALNUM, 5))


def gen_azure_apim_key(rng):
    # Identifiable 88-character format with the "APIM" signature.
    return tok("azure-apim-key", _azure_identifiable(rng, ALNUM + "+/", 76, "APIM", ALNUM + "+/", 5, rng.choice("AQgw") + "=="))


def gen_azure_cosmos_key(rng):
    return tok("azure-cosmos-key", _azure_identifiable(rng, ALNUM + "+/", 76, "ACDb", ALNUM + "+/", 5, rng.choice("AQgw") + "=="))


def gen_azure_acr_key(rng):
    return tok("azure-acr-key", _azure_identifiable(rng, ALNUM + "+/", 42, "+ACR" + rng.choice("ABCD"), ALNUM, 5))


def gen_azure_function_key(rng):
    return tok("azure-function-key", _azure_identifiable(rng, WORDISH, 44, "AzFu", WORDISH, 5, rng.choice("AQgw") + "=="))


def gen_azure_redis_connection(rng):
    key = rand(rng, ALNUM + "+/", 43) + "="
    cache = rng.choice(["orders-cache", "session-store", "acme-prod-redis", "rt-cache"])
    value = f"{cache}.redis.cache.windows.net:6380,password={key},ssl=True,abortConnect=False"
    return Secret("azure-redis-connection-string", key, value, "url", anchor=key)


def gen_github_refresh_token_long(rng):
    # GitHub App user refresh tokens as issued today: ghr_ and 76 base62.
    return tok("github-refresh-token-long", "ghr_" + rand(rng, ALNUM, 76, 3))


def gen_npm_legacy_token(rng):
    # Legacy npm tokens are UUIDs; only recognisable beside an npm name.
    return tok("npm-legacy-token", uuid4(rng))


def gen_telegram_bot_token_plain(rng):
    # The published id:secret form, without the AA most tokens start with.
    while True:
        secret = rand(rng, WORDISH, 35)
        if not secret.startswith("AA"):
            return tok("telegram-bot-token-plain", f"{digits(rng, rng.choice([8, 9, 10]))}:{secret}")


def gen_hubspot_private_app_token(rng):
    return tok("hubspot-private-app-token", f"pat-{rng.choice(['na1', 'eu1', 'na2'])}-{uuid4(rng)}")


def gen_asana_pat(rng):
    return tok("asana-pat", f"2/{digits(rng, 16)}/{digits(rng, 16)}:{rand(rng, HEX, 32, 3)}")


def gen_octopus_api_key(rng):
    return tok("octopus-api-key", "API-" + rand(rng, UPPER_DIGITS, 26))


def gen_appsync_api_key(rng):
    return tok("aws-appsync-api-key", "da2-" + rand(rng, LOWER_DIGITS, 26))


def gen_bitbucket_dc_token(rng):
    return tok("bitbucket-dc-token", "BBDC-" + rand(rng, ALNUM + "+/", 44))


def gen_paypal_access_token(rng):
    return tok("paypal-access-token", "A21AA" + rand(rng, WORDISH, 92, 3))


def gen_twilio_api_secret(rng):
    return tok("twilio-api-secret", rand(rng, ALNUM, 32))


def gen_razorpay_key_secret(rng):
    return tok("razorpay-key-secret", rand(rng, ALNUM, 24))


def gen_zendesk_api_token(rng):
    return tok("zendesk-api-token", rand(rng, ALNUM, 40))


# --------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------

@dataclass
class TypeSpec:
    id: str
    gen: Callable
    names: list            # UPPER_SNAKE names used for variables / env vars
    service: str           # short service word (used in hosts, client names)
    needs_kw: bool = False # only recognisable with a keyword on the same line
    host: str = "api.example.org"
    group: Optional[str] = None  # types generated together (AWS pair, ...)


T = TypeSpec
TYPES: list[TypeSpec] = [
    T("aws-access-key-id", gen_aws_access_key_id, ["AWS_ACCESS_KEY_ID"], "aws", group="aws"),
    T("aws-secret-access-key", gen_aws_secret_access_key, ["AWS_SECRET_ACCESS_KEY"], "aws", group="aws"),
    T("aws-session-token", gen_aws_session_token, ["AWS_SESSION_TOKEN"], "aws", group="aws-sts"),
    T("aws-bedrock-api-key", gen_aws_bedrock_api_key, ["AWS_BEARER_TOKEN_BEDROCK", "BEDROCK_API_KEY"], "bedrock", host="bedrock-runtime.us-east-1.amazonaws.com"),
    T("gcp-service-account", gen_gcp_service_account, ["GOOGLE_CREDENTIALS", "GCP_SA_KEY", "SERVICE_ACCOUNT_JSON"], "gcp"),
    T("gcp-api-key", gen_gcp_api_key, ["GOOGLE_API_KEY", "GEMINI_API_KEY", "MAPS_API_KEY", "FIREBASE_API_KEY"], "google", host="generativelanguage.googleapis.com"),
    T("gcp-oauth-client-secret", gen_gcp_oauth_client_secret, ["GOOGLE_CLIENT_SECRET", "GOOGLE_OAUTH_CLIENT_SECRET"], "google", host="oauth2.googleapis.com"),
    T("azure-storage-key", gen_azure_storage_key, ["AZURE_STORAGE_KEY", "AZURE_STORAGE_ACCOUNT_KEY", "STORAGE_ACCOUNT_KEY"], "azure", host="acmeprod.blob.core.windows.net"),
    T("azure-sas-token", gen_azure_sas_token, ["AZURE_SAS_TOKEN", "BLOB_SAS_TOKEN"], "azure", host="acmeprod.blob.core.windows.net"),
    T("azure-ad-client-secret", gen_azure_ad_client_secret, ["AZURE_CLIENT_SECRET", "ENTRA_CLIENT_SECRET", "ARM_CLIENT_SECRET"], "azure", host="login.microsoftonline.com"),
    T("azure-devops-pat", gen_azure_devops_pat, ["AZURE_DEVOPS_PAT", "AZURE_DEVOPS_EXT_PAT", "ADO_PAT"], "azuredevops", host="dev.azure.com"),
    T("alibaba-access-key-id", gen_alibaba_access_key_id, ["ALIBABA_CLOUD_ACCESS_KEY_ID", "ALICLOUD_ACCESS_KEY"], "alibaba", group="alibaba"),
    T("alibaba-access-key-secret", gen_alibaba_access_key_secret, ["ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALICLOUD_SECRET_KEY"], "alibaba", needs_kw=True, group="alibaba"),
    T("openai-api-key", gen_openai_api_key, ["OPENAI_API_KEY"], "openai", host="api.openai.com"),
    T("openai-project-key", gen_openai_project_key, ["OPENAI_API_KEY", "OPENAI_KEY"], "openai", host="api.openai.com"),
    T("openai-svcacct-key", gen_openai_svcacct_key, ["OPENAI_API_KEY", "OPENAI_SERVICE_KEY"], "openai", host="api.openai.com"),
    T("openai-admin-key", gen_openai_admin_key, ["OPENAI_ADMIN_KEY"], "openai", host="api.openai.com"),
    T("anthropic-api-key", gen_anthropic_api_key, ["ANTHROPIC_API_KEY", "CLAUDE_API_KEY"], "anthropic", host="api.anthropic.com"),
    T("anthropic-admin-key", gen_anthropic_admin_key, ["ANTHROPIC_ADMIN_KEY"], "anthropic", host="api.anthropic.com"),
    T("huggingface-token", gen_huggingface_token, ["HF_TOKEN", "HUGGINGFACEHUB_API_TOKEN", "HUGGING_FACE_HUB_TOKEN"], "huggingface", host="huggingface.co"),
    T("cohere-api-key", gen_cohere_api_key, ["COHERE_API_KEY", "CO_API_KEY"], "cohere", needs_kw=True, host="api.cohere.com"),
    T("mistral-api-key", gen_mistral_api_key, ["MISTRAL_API_KEY"], "mistral", needs_kw=True, host="api.mistral.ai"),
    T("groq-api-key", gen_groq_api_key, ["GROQ_API_KEY"], "groq", host="api.groq.com"),
    T("perplexity-api-key", gen_perplexity_api_key, ["PERPLEXITY_API_KEY", "PPLX_API_KEY"], "perplexity", host="api.perplexity.ai"),
    T("replicate-api-token", gen_replicate_api_token, ["REPLICATE_API_TOKEN"], "replicate", host="api.replicate.com"),
    T("xai-api-key", gen_xai_api_key, ["XAI_API_KEY", "GROK_API_KEY"], "xai", host="api.x.ai"),
    T("openrouter-api-key", gen_openrouter_api_key, ["OPENROUTER_API_KEY"], "openrouter", host="openrouter.ai"),
    T("langsmith-api-key", gen_langsmith_api_key, ["LANGSMITH_API_KEY", "LANGCHAIN_API_KEY"], "langsmith", host="api.smith.langchain.com"),
    T("pinecone-api-key", gen_pinecone_api_key, ["PINECONE_API_KEY"], "pinecone", host="api.pinecone.io"),
    T("github-pat", gen_github("ghp_", "github-pat"), ["GITHUB_TOKEN", "GH_TOKEN", "GITHUB_PAT"], "github", host="api.github.com"),
    T("github-oauth-token", gen_github("gho_", "github-oauth-token"), ["GITHUB_OAUTH_TOKEN", "GH_OAUTH_TOKEN"], "github", host="api.github.com"),
    T("github-user-to-server-token", gen_github("ghu_", "github-user-to-server-token"), ["GITHUB_USER_TOKEN", "GH_APP_USER_TOKEN"], "github", host="api.github.com"),
    T("github-server-to-server-token", gen_github("ghs_", "github-server-to-server-token"), ["GITHUB_APP_TOKEN", "GH_INSTALLATION_TOKEN"], "github", host="api.github.com"),
    T("github-refresh-token", gen_github("ghr_", "github-refresh-token"), ["GITHUB_REFRESH_TOKEN"], "github", host="github.com"),
    T("github-fine-grained-pat", gen_github_fine_grained_pat, ["GITHUB_TOKEN", "GH_PAT", "GITHUB_FINE_GRAINED_TOKEN"], "github", host="api.github.com"),
    T("gitlab-pat", gen_gitlab_pat, ["GITLAB_TOKEN", "GITLAB_PRIVATE_TOKEN", "GL_TOKEN"], "gitlab", host="gitlab.com"),
    T("gitlab-deploy-token", gen_gitlab_deploy_token, ["GITLAB_DEPLOY_TOKEN", "CI_DEPLOY_PASSWORD"], "gitlab", host="gitlab.com"),
    T("gitlab-runner-token", gen_gitlab_runner_token, ["RUNNER_TOKEN", "GITLAB_RUNNER_TOKEN"], "gitlab", host="gitlab.com"),
    T("gitlab-pipeline-trigger-token", gen_gitlab_pipeline_trigger_token, ["GITLAB_TRIGGER_TOKEN", "TRIGGER_TOKEN"], "gitlab", host="gitlab.com"),
    T("bitbucket-app-password", gen_bitbucket_app_password, ["BITBUCKET_APP_PASSWORD", "BITBUCKET_PASSWORD"], "bitbucket", needs_kw=True, host="api.bitbucket.org"),
    T("npm-access-token", gen_npm_access_token, ["NPM_TOKEN", "NODE_AUTH_TOKEN"], "npm", host="registry.npmjs.org"),
    T("pypi-upload-token", gen_pypi_upload_token, ["PYPI_TOKEN", "TWINE_PASSWORD", "UV_PUBLISH_TOKEN"], "pypi", host="upload.pypi.org"),
    T("rubygems-api-key", gen_rubygems_api_key, ["GEM_HOST_API_KEY", "RUBYGEMS_API_KEY"], "rubygems", host="rubygems.org"),
    T("nuget-api-key", gen_nuget_api_key, ["NUGET_API_KEY"], "nuget", host="api.nuget.org"),
    T("dockerhub-pat", gen_dockerhub_pat, ["DOCKERHUB_TOKEN", "DOCKER_PASSWORD", "DOCKER_HUB_PAT"], "docker", host="hub.docker.com"),
    T("jfrog-api-key", gen_jfrog_api_key, ["ARTIFACTORY_API_KEY", "JFROG_API_KEY"], "artifactory", host="acme.jfrog.io"),
    T("stripe-secret-key", gen_stripe_secret_key, ["STRIPE_SECRET_KEY", "STRIPE_API_KEY"], "stripe", host="api.stripe.com"),
    T("stripe-restricted-key", gen_stripe_restricted_key, ["STRIPE_RESTRICTED_KEY", "STRIPE_READ_KEY"], "stripe", host="api.stripe.com"),
    T("stripe-webhook-secret", gen_stripe_webhook_secret, ["STRIPE_WEBHOOK_SECRET", "STRIPE_SIGNING_SECRET"], "stripe", host="api.stripe.com"),
    T("square-access-token", gen_square_access_token, ["SQUARE_ACCESS_TOKEN"], "square", host="connect.squareup.com"),
    T("braintree-access-token", gen_braintree_access_token, ["BRAINTREE_ACCESS_TOKEN"], "braintree", host="api.braintreegateway.com"),
    T("shopify-access-token", gen_shopify_access_token, ["SHOPIFY_ACCESS_TOKEN", "SHOPIFY_ADMIN_TOKEN"], "shopify", host="acme-store.myshopify.com"),
    T("shopify-shared-secret", gen_shopify_shared_secret, ["SHOPIFY_API_SECRET", "SHOPIFY_SHARED_SECRET"], "shopify", host="acme-store.myshopify.com"),
    T("slack-bot-token", gen_slack_bot_token, ["SLACK_BOT_TOKEN"], "slack", host="slack.com"),
    T("slack-user-token", gen_slack_user_token, ["SLACK_USER_TOKEN", "SLACK_TOKEN"], "slack", host="slack.com"),
    T("slack-app-token", gen_slack_app_token, ["SLACK_APP_TOKEN"], "slack", host="slack.com"),
    T("slack-webhook-url", gen_slack_webhook_url, ["SLACK_WEBHOOK_URL", "ALERTS_WEBHOOK"], "slack"),
    T("discord-bot-token", gen_discord_bot_token, ["DISCORD_BOT_TOKEN", "DISCORD_TOKEN"], "discord", host="discord.com"),
    T("discord-webhook-url", gen_discord_webhook_url, ["DISCORD_WEBHOOK_URL"], "discord"),
    T("telegram-bot-token", gen_telegram_bot_token, ["TELEGRAM_BOT_TOKEN", "TG_BOT_TOKEN"], "telegram", host="api.telegram.org"),
    T("twilio-api-key", gen_twilio_api_key, ["TWILIO_API_KEY", "TWILIO_API_KEY_SID"], "twilio", host="api.twilio.com"),
    T("sendgrid-api-key", gen_sendgrid_api_key, ["SENDGRID_API_KEY"], "sendgrid", host="api.sendgrid.com"),
    T("mailgun-api-key", gen_mailgun_api_key, ["MAILGUN_API_KEY"], "mailgun", host="api.mailgun.net"),
    T("mailchimp-api-key", gen_mailchimp_api_key, ["MAILCHIMP_API_KEY"], "mailchimp", host="us12.api.mailchimp.com"),
    T("postmark-server-token", gen_postmark_server_token, ["POSTMARK_SERVER_TOKEN", "POSTMARK_API_TOKEN"], "postmark", needs_kw=True, host="api.postmarkapp.com"),
    T("teams-webhook-url", gen_teams_webhook_url, ["TEAMS_WEBHOOK_URL", "MSTEAMS_WEBHOOK"], "teams"),
    T("datadog-api-key", gen_datadog_api_key, ["DD_API_KEY", "DATADOG_API_KEY"], "datadog", needs_kw=True, host="api.datadoghq.com"),
    T("newrelic-user-api-key", gen_newrelic_user_api_key, ["NEW_RELIC_API_KEY", "NEWRELIC_USER_KEY"], "newrelic", host="api.newrelic.com"),
    T("sentry-org-token", gen_sentry_org_token, ["SENTRY_AUTH_TOKEN"], "sentry", host="sentry.io"),
    T("sentry-dsn", gen_sentry_dsn, ["SENTRY_DSN"], "sentry"),
    T("grafana-cloud-token", gen_grafana_cloud_token, ["GRAFANA_CLOUD_TOKEN", "GRAFANA_CLOUD_API_KEY"], "grafana", host="grafana.net"),
    T("grafana-service-account-token", gen_grafana_service_account_token, ["GRAFANA_SA_TOKEN", "GRAFANA_TOKEN"], "grafana", host="acme.grafana.net"),
    T("pagerduty-api-key", gen_pagerduty_api_key, ["PAGERDUTY_API_KEY", "PAGERDUTY_TOKEN"], "pagerduty", needs_kw=True, host="api.pagerduty.com"),
    T("cloudflare-api-token", gen_cloudflare_api_token, ["CLOUDFLARE_API_TOKEN", "CF_API_TOKEN"], "cloudflare", needs_kw=True, host="api.cloudflare.com"),
    T("digitalocean-pat", gen_digitalocean_pat, ["DIGITALOCEAN_TOKEN", "DO_API_TOKEN"], "digitalocean", host="api.digitalocean.com"),
    T("heroku-api-key", gen_heroku_api_key, ["HEROKU_API_KEY"], "heroku", host="api.heroku.com"),
    T("vercel-token", gen_vercel_token, ["VERCEL_TOKEN"], "vercel", needs_kw=True, host="api.vercel.com"),
    T("netlify-token", gen_netlify_token, ["NETLIFY_AUTH_TOKEN"], "netlify", host="api.netlify.com"),
    T("flyio-token", gen_flyio_token, ["FLY_API_TOKEN"], "fly", host="api.fly.io"),
    T("vault-token", gen_vault_token, ["VAULT_TOKEN"], "vault", host="vault.acme.internal:8200"),
    T("terraform-cloud-token", gen_terraform_cloud_token, ["TFE_TOKEN", "TF_TOKEN_app_terraform_io"], "terraform", host="app.terraform.io"),
    T("doppler-token", gen_doppler_token, ["DOPPLER_TOKEN"], "doppler", host="api.doppler.com"),
    T("databricks-token", gen_databricks_token, ["DATABRICKS_TOKEN"], "databricks", host="adb-4411234567890123.7.azuredatabricks.net"),
    T("okta-api-token", gen_okta_api_token, ["OKTA_API_TOKEN", "OKTA_CLIENT_TOKEN"], "okta", needs_kw=True, host="acme.okta.com"),
    T("atlassian-api-token", gen_atlassian_api_token, ["JIRA_API_TOKEN", "ATLASSIAN_API_TOKEN", "CONFLUENCE_TOKEN"], "atlassian", host="acme.atlassian.net"),
    T("linear-api-key", gen_linear_api_key, ["LINEAR_API_KEY"], "linear", host="api.linear.app"),
    T("notion-token", gen_notion_token, ["NOTION_TOKEN", "NOTION_API_KEY"], "notion", host="api.notion.com"),
    T("airtable-pat", gen_airtable_pat, ["AIRTABLE_API_KEY", "AIRTABLE_TOKEN"], "airtable", host="api.airtable.com"),
    T("figma-pat", gen_figma_pat, ["FIGMA_TOKEN", "FIGMA_ACCESS_TOKEN"], "figma", host="api.figma.com"),
    T("supabase-token", gen_supabase_token, ["SUPABASE_ACCESS_TOKEN"], "supabase", host="api.supabase.com"),
    T("firebase-fcm-server-key", gen_firebase_fcm_server_key, ["FCM_SERVER_KEY", "FIREBASE_SERVER_KEY"], "firebase", host="fcm.googleapis.com"),
    T("postgres-uri", gen_postgres_uri, ["DATABASE_URL", "POSTGRES_URL", "PG_DSN"], "postgres"),
    T("mysql-uri", gen_mysql_uri, ["MYSQL_URL", "DATABASE_URL", "LEGACY_DB_URL"], "mysql"),
    T("mongodb-uri", gen_mongodb_uri, ["MONGODB_URI", "MONGO_URL"], "mongodb"),
    T("redis-uri", gen_redis_uri, ["REDIS_URL", "CACHE_URL"], "redis"),
    T("amqp-uri", gen_amqp_uri, ["AMQP_URL", "RABBITMQ_URL", "BROKER_URL"], "rabbitmq"),
    T("jwt", gen_jwt, ["SERVICE_JWT", "AUTH_TOKEN", "SUPABASE_SERVICE_ROLE_KEY", "ACCESS_TOKEN"], "auth", host="api.acme-internal.net"),
    T("private-key-rsa", gen_private_key_rsa, ["RSA_PRIVATE_KEY", "JWT_PRIVATE_KEY", "SIGNING_KEY"], "rsa"),
    T("private-key-ec", gen_private_key_ec, ["EC_PRIVATE_KEY", "APNS_KEY", "TLS_KEY"], "ec"),
    T("private-key-openssh", gen_private_key_openssh, ["SSH_PRIVATE_KEY", "DEPLOY_KEY"], "ssh"),
    T("private-key-pkcs8", gen_private_key_pkcs8, ["PRIVATE_KEY", "GITHUB_APP_PRIVATE_KEY", "TLS_PRIVATE_KEY"], "pkcs8"),
    T("private-key-pgp", gen_private_key_pgp, ["GPG_PRIVATE_KEY", "PGP_SIGNING_KEY"], "gpg"),
    T("generic-password", gen_generic_password, ["DB_PASSWORD", "SMTP_PASSWORD", "ADMIN_PASSWORD", "LDAP_BIND_PASSWORD", "KEYSTORE_PASSWORD", "REDIS_PASSWORD"], "app", needs_kw=True),
    T("generic-api-key", gen_generic_api_key, ["API_KEY", "CLIENT_SECRET", "APP_SECRET_KEY", "INTERNAL_API_TOKEN", "WEBHOOK_SIGNING_SECRET", "PARTNER_API_KEY"], "app", needs_kw=True, host="partner-api.acme.net"),
    T("basic-auth-header", gen_basic_auth_header, ["AUTH_HEADER", "BASIC_AUTH"], "http", host="nexus.acme.internal"),
    T("generic-symbol-key", gen_generic_symbol_key, ["API_KEY", "AUTH_TOKEN", "CLIENT_SECRET", "PARTNER_API_KEY", "INTEGRATION_AUTH_TOKEN"], "app", needs_kw=True, host="partner-api.acme.net"),
    T("generic-plain-key", gen_generic_plain_key, ["AZURE_SEARCH_KEY", "STORAGE_KEY", "SEARCH_ADMIN_KEY", "SIGNING_KEY", "ENCRYPTION_KEY"], "search", needs_kw=True, host="catalog.search.windows.net"),
    T("azure-search-key", gen_azure_search_key, ["AZURE_SEARCH_ADMIN_KEY", "SEARCH_QUERY_KEY"], "search", host="catalog.search.windows.net"),
    T("azure-apim-key", gen_azure_apim_key, ["APIM_SUBSCRIPTION_KEY", "OCP_APIM_SUBSCRIPTION_KEY"], "apim", host="acme.azure-api.net"),
    T("azure-cosmos-key", gen_azure_cosmos_key, ["COSMOS_KEY", "COSMOSDB_PRIMARY_KEY"], "cosmos", host="acme.documents.azure.com"),
    T("azure-acr-key", gen_azure_acr_key, ["ACR_PASSWORD", "REGISTRY_PASSWORD"], "acr", host="acmeprod.azurecr.io"),
    T("azure-function-key", gen_azure_function_key, ["FUNCTION_KEY", "AZURE_FUNCTIONS_KEY"], "functions", host="orders-api.azurewebsites.net"),
    T("azure-redis-connection-string", gen_azure_redis_connection, ["REDIS_CONNECTION", "AZURE_REDIS_CONNECTION_STRING"], "redis"),
    T("github-refresh-token-long", gen_github_refresh_token_long, ["GITHUB_APP_REFRESH_TOKEN", "GH_REFRESH_TOKEN"], "github", host="github.com"),
    T("npm-legacy-token", gen_npm_legacy_token, ["NPM_TOKEN", "NPM_AUTH_TOKEN"], "npm", needs_kw=True, host="registry.npmjs.org"),
    T("telegram-bot-token-plain", gen_telegram_bot_token_plain, ["TELEGRAM_BOT_TOKEN", "TELEGRAM_TOKEN"], "telegram", needs_kw=True, host="api.telegram.org"),
    T("hubspot-private-app-token", gen_hubspot_private_app_token, ["HUBSPOT_ACCESS_TOKEN", "HUBSPOT_PRIVATE_APP_TOKEN"], "hubspot", host="api.hubapi.com"),
    T("asana-pat", gen_asana_pat, ["ASANA_PAT", "ASANA_ACCESS_TOKEN"], "asana", needs_kw=True, host="app.asana.com"),
    T("octopus-api-key", gen_octopus_api_key, ["OCTOPUS_API_KEY", "OCTOPUS_CLI_API_KEY"], "octopus", host="deploy.acme.internal"),
    T("aws-appsync-api-key", gen_appsync_api_key, ["APPSYNC_API_KEY", "GRAPHQL_API_KEY"], "appsync", host="abc.appsync-api.us-east-1.amazonaws.com"),
    T("bitbucket-dc-token", gen_bitbucket_dc_token, ["BITBUCKET_TOKEN", "BITBUCKET_HTTP_TOKEN"], "bitbucket", host="git.acme.internal"),
    T("paypal-access-token", gen_paypal_access_token, ["PAYPAL_ACCESS_TOKEN"], "paypal", host="api-m.paypal.com"),
    T("twilio-api-secret", gen_twilio_api_secret, ["TWILIO_API_SECRET", "TWILIO_API_KEY_SECRET"], "twilio", needs_kw=True, host="api.twilio.com"),
    T("razorpay-key-secret", gen_razorpay_key_secret, ["RAZORPAY_KEY_SECRET", "RAZORPAY_SECRET"], "razorpay", needs_kw=True, host="api.razorpay.com"),
    T("zendesk-api-token", gen_zendesk_api_token, ["ZENDESK_API_TOKEN", "ZENDESK_TOKEN"], "zendesk", needs_kw=True, host="acme.zendesk.com"),
]
TYPE_BY_ID = {t.id: t for t in TYPES}
TYPE_IDS = [t.id for t in TYPES]
GROUPS = {
    # group -> ordered member types; ASIA key ids travel with session tokens
    "aws": ["aws-access-key-id", "aws-secret-access-key"],
    "aws-sts": ["aws-access-key-id", "aws-secret-access-key", "aws-session-token"],
    "alibaba": ["alibaba-access-key-id", "alibaba-access-key-secret"],
}


def generate(rng, type_id: str) -> Secret:
    if type_id == "aws-access-key-id":
        return gen_aws_access_key_id(rng)
    return TYPE_BY_ID[type_id].gen(rng)


def generate_group(rng, group: str) -> list[Secret]:
    if group == "aws-sts":
        return [gen_aws_access_key_id(rng, "ASIA"), gen_aws_secret_access_key(rng), gen_aws_session_token(rng)]
    return [generate(rng, t) for t in GROUPS[group]]
