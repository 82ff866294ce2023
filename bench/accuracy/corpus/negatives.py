"""Hard negatives: values that look like secrets to a naive scanner but are not.

Nothing produced here is labeled.  Every finding on one of these lines is a
false positive.  The family ids below are reported in negatives.json.
"""

from __future__ import annotations

import base64
import json
import struct
import zlib

from .tokens import (ALNUM, B64, HEX, LOWER, UPPER, b64, b64url_nopad, rand, rand_bytes, sshstr,
                     uuid4, wrong_crc_token, der_len)

FAMILIES = [
    "placeholder",           # xxxx, changeme, your-api-key-here, <API_KEY>
    "template-variable",     # ${VAR}, {{ .Values.x }}, %(password)s, ${{ secrets.X }}
    "env-reference",         # os.environ["X"], process.env.X, settings.SECRET_KEY, get_secret("db")
    "repeated-sequential",   # aaaa..., 0000..., abcdef..., 123456...
    "uuid",                  # request ids, tenant ids
    "hex-digest",            # sha256 / checksum / integrity / hash values
    "version-pin",           # uses: x@<40 hex>, image@sha256:..., ?ref=<sha>, go.sum
    "lockfile",              # package-lock integrity, poetry.lock / Cargo.lock hashes
    "minified-js",           # long random-looking identifiers in bundles, source maps
    "public-key-or-cert",    # ssh-rsa AAAA..., BEGIN PUBLIC KEY, BEGIN CERTIFICATE
    "provider-example-key",  # AKIAIOSFODNN7EXAMPLE, sk_test_, pk_live_, emulator keys, doc samples
    "bad-checksum-token",    # ghp_/npm_ token whose CRC32 suffix is wrong
    "invalid-jwt",           # eyJ... segments that do not decode to JSON
    "data-uri-image",        # data:image/png;base64,...
    "test-password",         # password = "password" in tests / fixtures
    "docs-prose",            # "set password= in ..." in documentation / comments
]

SECRET_NAMES = ["API_KEY", "SECRET_KEY", "AUTH_TOKEN", "DB_PASSWORD", "GITHUB_TOKEN", "STRIPE_SECRET_KEY",
                "AWS_SECRET_ACCESS_KEY", "SLACK_BOT_TOKEN", "OPENAI_API_KEY", "CLIENT_SECRET", "ACCESS_TOKEN",
                "SMTP_PASSWORD", "SENDGRID_API_KEY", "ADMIN_PASSWORD", "PRIVATE_TOKEN", "ANTHROPIC_API_KEY"]


def secret_name(rng):
    return rng.choice(SECRET_NAMES)


# --------------------------------------------------------------------------
# Literal-valued families: (NAME, value)
# --------------------------------------------------------------------------

PLACEHOLDERS = [
    ("API_KEY", "your-api-key-here"), ("API_KEY", "<API_KEY>"), ("DB_PASSWORD", "changeme"), ("SECRET_KEY", "<SECRET_KEY>"),
    ("STRIPE_SECRET_KEY", "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx"), ("GITHUB_TOKEN", "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
    ("AWS_ACCESS_KEY_ID", "AKIAXXXXXXXXXXXXXXXX"), ("AWS_SECRET_ACCESS_KEY", "<your-secret-access-key>"),
    ("OPENAI_API_KEY", "sk-..."), ("SLACK_BOT_TOKEN", "xoxb-your-bot-token"), ("AUTH_TOKEN", "REPLACE_ME"),
    ("ADMIN_PASSWORD", "********"), ("CLIENT_SECRET", "<insert client secret>"), ("SENDGRID_API_KEY", "SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
    ("ANTHROPIC_API_KEY", "sk-ant-api03-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"), ("API_TOKEN", "TODO"),
    ("DATABASE_URL", "postgres://user:password@localhost:5432/mydb"), ("PRIVATE_TOKEN", "glpat-xxxxxxxxxxxxxxxxxxxx"),
    ("WEBHOOK_SECRET", "whsec_..."), ("SMTP_PASSWORD", "your_password"), ("HF_TOKEN", "hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
]


def placeholder(rng):
    return rng.choice(PLACEHOLDERS)


def repeated_sequential(rng):
    return rng.choice([
        ("API_KEY", "a" * 32), ("SECRET_KEY", "0" * 40), ("AUTH_TOKEN", "abcdefghijklmnopqrstuvwxyz012345"),
        ("CLIENT_SECRET", "1234567890abcdef1234567890abcdef"), ("ENCRYPTION_KEY", "ABCDEFGHIJKLMNOPQRSTUVWXYZ123456"),
        ("GITHUB_TOKEN", "ghp_" + "A" * 36), ("STRIPE_SECRET_KEY", "sk_live_" + "0" * 24),
        ("AWS_ACCESS_KEY_ID", "AKIA" + "A" * 16), ("DB_PASSWORD", "1111111111"), ("SESSION_SECRET", "x" * 64),
        ("SIGNING_KEY", "0123456789" * 4), ("API_TOKEN", "zyxwvutsrqponmlkjihgfedcba"),
    ])


def uuid_value(rng):
    return rng.choice(["REQUEST_ID", "TENANT_ID", "SUBSCRIPTION_ID", "CORRELATION_ID", "AZURE_CLIENT_ID",
                       "WORKSPACE_ID", "DEVICE_ID", "PROJECT_ID", "ORGANIZATION_ID", "TRACE_ID"]), uuid4(rng)


def hex_digest(rng):
    kind = rng.choice(["sha256", "sha1", "md5", "git", "sri", "oci"])
    if kind == "sha256":
        return rng.choice(["SHA256", "EXPECTED_SHA256", "CHECKSUM", "ARCHIVE_SHA256", "CONTENT_HASH"]), rand(rng, HEX, 64, 3)
    if kind == "sha1":
        return rng.choice(["SHA1", "FILE_HASH", "CHECKSUM_SHA1"]), rand(rng, HEX, 40, 3)
    if kind == "md5":
        return rng.choice(["MD5", "MD5_CHECKSUM", "ETAG_MD5"]), rand(rng, HEX, 32, 3)
    if kind == "git":
        return rng.choice(["GIT_SHA", "COMMIT_HASH", "BUILD_COMMIT", "REVISION_HASH"]), rand(rng, HEX, 40, 3)
    if kind == "sri":
        return rng.choice(["INTEGRITY", "SCRIPT_INTEGRITY"]), "sha384-" + b64(rand_bytes(rng, 48))
    return rng.choice(["IMAGE_DIGEST", "LAYER_HASH"]), "sha256:" + rand(rng, HEX, 64, 3)


EXAMPLE_KEYS = [
    ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
    ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("AWS_ACCESS_KEY_ID", "AKIAI44QH8DHBEXAMPLE"),
    ("AWS_SECRET_ACCESS_KEY", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"),
]


# Values published in vendors' documentation and SDKs (emulator keys, sample
# keys and tokens), digests of the empty string, and SAS query strings with no
# signature: secret-shaped, secret-named, and harmless.
PUBLISHED_SAMPLES = [
    ("AZURE_STORAGE_KEY", "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="),
    ("COSMOS_KEY", "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="),
    ("FIREBASE_API_KEY", "AIzaSyDOCAbC123dEf456GhI789jKl012-MnO"),
    ("MAPS_API_KEY", "AIzaSyB41DRUbKWJHPxaFjMAwdrzWzbVKartNGg"),
    ("AUTH_TOKEN", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"),
    ("TELEGRAM_BOT_TOKEN", "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"),
    ("API_KEY", "d41d8cd98f00b204e9800998ecf8427e"),
    ("SECRET_KEY", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    ("SIGNING_KEY", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("SAS_TOKEN", "sv=2022-11-02&ss=bfqt&srt=sco&sp=rwdlacupiytfx&se=2026-03-01T00:00:00Z&spr=https"),
]


def provider_example(rng):
    r = rng.random()
    if r < 0.3:
        return rng.choice(PUBLISHED_SAMPLES)
    r = rng.random()
    if r < 0.4:
        return rng.choice(EXAMPLE_KEYS)
    if r < 0.6:
        return "STRIPE_SECRET_KEY", "sk_test_" + rand(rng, ALNUM, rng.choice([24, 99]))
    if r < 0.8:
        return "STRIPE_PUBLISHABLE_KEY", "pk_" + rng.choice(["test", "live"]) + "_" + rand(rng, ALNUM, rng.choice([24, 99]))
    return "STRIPE_TEST_RESTRICTED_KEY", "rk_test_" + rand(rng, ALNUM, 24)


def bad_checksum(rng):
    prefix = rng.choice(["ghp_", "ghp_", "gho_", "ghs_", "npm_"])
    name = "NPM_TOKEN" if prefix == "npm_" else rng.choice(["GITHUB_TOKEN", "GH_TOKEN", "GITHUB_PAT"])
    return name, wrong_crc_token(rng, prefix)


def invalid_jwt(rng):
    while True:
        segs = ["eyJ" + rand(rng, ALNUM + "-_", rng.randint(30, 60)) for _ in range(2)]
        sig = rand(rng, ALNUM + "-_", 43)
        try:
            json.loads(base64.urlsafe_b64decode(segs[0] + "=" * (-len(segs[0]) % 4)))
            continue
        except Exception:
            pass
        try:
            json.loads(base64.urlsafe_b64decode(segs[1] + "=" * (-len(segs[1]) % 4)))
            continue
        except Exception:
            pass
        return rng.choice(["ID_TOKEN_FIXTURE", "SAMPLE_JWT", "MOCK_ACCESS_TOKEN", "EXPIRED_TOKEN"]), ".".join(segs + [sig])


TEST_PASSWORDS = ["password", "hunter2", "secret", "admin123", "test1234", "changeit", "P@ssw0rd", "letmein",
                  "postgres", "root", "pass", "qwerty", "Password1", "correct-horse"]


def test_password(rng):
    return rng.choice(["password", "PASSWORD", "DB_PASSWORD", "ADMIN_PASSWORD", "TEST_PASSWORD", "USER_PASSWORD"]), rng.choice(TEST_PASSWORDS)


LITERAL_FAMILIES = {
    "placeholder": placeholder,
    "repeated-sequential": repeated_sequential,
    "uuid": uuid_value,
    "hex-digest": hex_digest,
    "provider-example-key": provider_example,
    "bad-checksum-token": bad_checksum,
    "invalid-jwt": invalid_jwt,
    "test-password": test_password,
}


def literal(family, rng):
    return LITERAL_FAMILIES[family](rng)


# --------------------------------------------------------------------------
# Structured families
# --------------------------------------------------------------------------

PROSE = [
    "Set `password=` in the `[database]` section before starting the service.",
    "The `api_key=` query parameter is required on every request; see the API docs.",
    "Pass `--token=<token>` to override the token from the environment.",
    "password: the password used to connect (string, required, never logged).",
    "If you see `secret_key=None` in the logs, the settings module was not loaded.",
    "Rotate the token every 90 days; the old token= value stops working after 24h.",
    "Use the password= option only for local testing; production reads it from Vault.",
    "The client reads AWS_SECRET_ACCESS_KEY from the environment, never from this file.",
    "A GitHub token looks like ghp_ followed by 36 characters; do not paste it here.",
    "api_key: string. Your API key, available from the dashboard under Settings > API.",
]


def prose(rng):
    return rng.choice(PROSE)


def ssh_public_key(rng):
    if rng.random() < 0.5:
        n = bytearray(rand_bytes(rng, 256))
        n[0] |= 0x80
        blob = sshstr(b"ssh-rsa") + sshstr(b"\x01\x00\x01") + sshstr(b"\x00" + bytes(n))
        kt = "ssh-rsa"
    else:
        blob = sshstr(b"ssh-ed25519") + sshstr(rand_bytes(rng, 32))
        kt = "ssh-ed25519"
    user = rng.choice(["alice@laptop", "deploy@ci", "bob@workstation", "jenkins@build-02", "ops@bastion"])
    return f"{kt} {b64(blob)} {user}"


def public_key_pem(rng):
    n = bytearray(rand_bytes(rng, 256))
    n[0] |= 0x80
    rsakey = b"\x02\x82\x01\x01\x00" + bytes(n) + b"\x02\x03\x01\x00\x01"
    rsaseq = b"\x30" + der_len(len(rsakey)) + rsakey
    bitstr = b"\x03" + der_len(len(rsaseq) + 1) + b"\x00" + rsaseq
    body = bytes.fromhex("300d06092a864886f70d0101010500") + bitstr
    der = b"\x30" + der_len(len(body)) + body
    s = b64(der)
    return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(s[i:i + 64] for i in range(0, len(s), 64)) + "\n-----END PUBLIC KEY-----"


def certificate_pem(rng):
    tbs = (bytes.fromhex("a003020102") + b"\x02\x14" + rand_bytes(rng, 20)
           + bytes.fromhex("300d06092a864886f70d01010b0500") + rand_bytes(rng, rng.randint(600, 800)))
    tbs = b"\x30" + der_len(len(tbs)) + tbs
    body = tbs + bytes.fromhex("300d06092a864886f70d01010b0500") + b"\x03\x82\x01\x01\x00" + rand_bytes(rng, 256)
    der = b"\x30" + der_len(len(body)) + body
    s = b64(der)
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(s[i:i + 64] for i in range(0, len(s), 64)) + "\n-----END CERTIFICATE-----"


def public_material(rng):
    """(kind, text) where kind is 'ssh' (one line) or 'pem' (multi-line)."""
    r = rng.random()
    if r < 0.4:
        return "ssh", ssh_public_key(rng)
    if r < 0.7:
        return "pem", public_key_pem(rng)
    return "pem", certificate_pem(rng)


def png_bytes(rng):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    w, h = rng.randint(16, 48), rng.randint(16, 48)
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)
    idat = zlib.compress(rand_bytes(rng, rng.randint(120, 400)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def data_uri(rng):
    return "data:image/png;base64," + b64(png_bytes(rng))


def png_b64(rng):
    return b64(png_bytes(rng))


def minified_js(rng):
    """One long line of bundled JS with random-looking identifiers and hashes."""
    ident = lambda: rng.choice(UPPER + LOWER + "_$") + rand(rng, ALNUM + "_$", rng.randint(6, 22), max_run=3)
    parts = ['!function(e,t){"object"==typeof exports&&"undefined"!=typeof module?module.exports=t():"function"==typeof define&&define.amd?define(t):(e="undefined"!=typeof globalThis?globalThis:e||self).'
             + ident() + "=t()}(this,function(){\"use strict\";"]
    for _ in range(rng.randint(12, 24)):
        a, b, c = ident(), ident(), ident()
        choice = rng.random()
        if choice < 0.3:
            parts.append(f'var {a}="{rand(rng, ALNUM, rng.randint(20, 44), 3)}",{b}=function({c}){{return {c}.{ident()}({a})}};')
        elif choice < 0.55:
            parts.append(f'function {a}({b},{c}){{if(!{b})throw new TypeError("{rand(rng, LOWER, 6)}");return Object.assign({{}},{b},{{key:{c}.{ident()}}})}}')
        elif choice < 0.75:
            parts.append(f'const {a}={{chunk:"{rand(rng, HEX, 20, 3)}",hash:"{rand(rng, HEX, 32, 3)}",id:{rng.randint(100, 99999)}}};')
        else:
            parts.append(f'{a}.prototype.{b}=function(){{return this.{c}||(this.{c}=new {ident()}(this.{ident()}))}};')
    parts.append("return " + ident() + "});")
    return "".join(parts)


def source_map_line(rng):
    segs = []
    for _ in range(rng.randint(60, 140)):
        segs.append(rand(rng, ALNUM + "+/", rng.randint(2, 8), max_run=3))
    mappings = "".join(s + rng.choice([",", ",", ",", ";"]) for s in segs)
    return '//# sourceMappingURL=data:application/json;charset=utf-8;base64,' + b64(
        json.dumps({"version": 3, "sources": ["webpack://app/./src/index.ts"], "mappings": mappings}).encode())


def sha512_integrity(rng):
    return "sha512-" + b64(rand_bytes(rng, 64))


def go_sum_hash(rng):
    return "h1:" + b64(rand_bytes(rng, 32))


NPM_PACKAGES = ["lodash", "react", "react-dom", "express", "axios", "zod", "chalk", "debug", "ms", "semver",
                "commander", "uuid", "dotenv", "yaml", "tslib", "picomatch", "ws", "undici", "vite", "esbuild"]
PY_PACKAGES = ["requests", "urllib3", "certifi", "idna", "charset-normalizer", "pydantic", "pydantic-core",
               "fastapi", "starlette", "anyio", "sniffio", "sqlalchemy", "psycopg", "boto3", "botocore"]
CRATES = ["serde", "serde_json", "regex", "regex-syntax", "memchr", "aho-corasick", "anyhow", "clap", "rayon",
          "crossbeam-utils", "once_cell", "itoa", "ryu", "libc", "log"]
GO_MODULES = ["github.com/spf13/cobra", "github.com/stretchr/testify", "golang.org/x/sys", "golang.org/x/net",
              "github.com/google/uuid", "go.uber.org/zap", "github.com/pkg/errors", "gopkg.in/yaml.v3",
              "github.com/aws/aws-sdk-go-v2", "github.com/prometheus/client_golang"]


def version(rng):
    return f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 20)}"


def package_lock(rng):
    pkgs = {"": {"name": rng.choice(["web-app", "dashboard", "api-gateway"]), "version": version(rng),
                 "dependencies": {}}}
    for name in rng.sample(NPM_PACKAGES, rng.randint(8, 14)):
        v = version(rng)
        pkgs[""]["dependencies"][name] = "^" + v
        pkgs[f"node_modules/{name}"] = {"version": v, "resolved": f"https://registry.npmjs.org/{name}/-/{name}-{v}.tgz",
                                        "integrity": sha512_integrity(rng), "license": rng.choice(["MIT", "ISC", "Apache-2.0"])}
    return json.dumps({"name": pkgs[""]["name"], "version": pkgs[""]["version"], "lockfileVersion": 3,
                       "requires": True, "packages": pkgs}, indent=2) + "\n"


def poetry_lock(rng):
    out = ["# This file is automatically @generated by Poetry 1.8.3 and should not be changed by hand.", ""]
    for name in sorted(rng.sample(PY_PACKAGES, rng.randint(6, 10))):
        v = version(rng)
        mod = name.replace("-", "_")
        out += ["[[package]]", f'name = "{name}"', f'version = "{v}"', f'description = ""', "optional = false",
                'python-versions = ">=3.8"', "files = [",
                f'    {{file = "{mod}-{v}-py3-none-any.whl", hash = "sha256:{rand(rng, HEX, 64, 3)}"}},',
                f'    {{file = "{mod}-{v}.tar.gz", hash = "sha256:{rand(rng, HEX, 64, 3)}"}},', "]", ""]
    out += ["[metadata]", 'lock-version = "2.0"', 'python-versions = "^3.11"', f'content-hash = "{rand(rng, HEX, 64, 3)}"', ""]
    return "\n".join(out)


def cargo_lock(rng):
    out = ["# This file is automatically @generated by Cargo.", "# It is not intended for manual editing.", "version = 4", ""]
    for name in sorted(rng.sample(CRATES, rng.randint(6, 10))):
        out += ["[[package]]", f'name = "{name}"', f'version = "{version(rng)}"',
                'source = "registry+https://github.com/rust-lang/crates.io-index"',
                f'checksum = "{rand(rng, HEX, 64, 3)}"', ""]
    return "\n".join(out)


def go_sum(rng):
    out = []
    for mod in sorted(rng.sample(GO_MODULES, rng.randint(5, 9))):
        v = "v" + version(rng)
        if rng.random() < 0.3:
            v = f"v0.0.0-2024{rng.randint(1, 12):02d}{rng.randint(10, 28)}{rng.randint(100000, 235959)}-{rand(rng, HEX, 12)}"
        out.append(f"{mod} {v} {go_sum_hash(rng)}")
        out.append(f"{mod} {v}/go.mod {go_sum_hash(rng)}")
    return "\n".join(out) + "\n"


def action_pin(rng):
    action = rng.choice(["actions/checkout", "actions/setup-node", "actions/setup-python", "docker/login-action",
                         "aws-actions/configure-aws-credentials", "actions/cache", "actions/upload-artifact"])
    return f"{action}@{rand(rng, HEX, 40, 3)}", f"v{rng.randint(2, 5)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}"


def image_pin(rng):
    img = rng.choice(["python:3.12-slim", "node:20-alpine", "golang:1.22", "eclipse-temurin:21-jre",
                      "mcr.microsoft.com/dotnet/aspnet:8.0", "ruby:3.3-slim", "php:8.3-fpm", "nginx:1.27-alpine"])
    return f"{img}@sha256:{rand(rng, HEX, 64, 3)}"


def git_ref(rng):
    return rand(rng, HEX, 40, 3)


def _npm_picks(rng):
    return [(name, version(rng)) for name in sorted(rng.sample(NPM_PACKAGES, rng.randint(6, 12)))]


def pnpm_lock(rng):
    picks = _npm_picks(rng)
    out = ["lockfileVersion: '9.0'", "", "settings:", "  autoInstallPeers: true", "  excludeLinksFromLockfile: false", "",
           "importers:", "", "  .:", "    dependencies:"]
    for name, v in picks:
        out += [f"      {name}:", f"        specifier: ^{v}", f"        version: {v}"]
    out += ["", "packages:", ""]
    for name, v in picks:
        out += [f"  {name}@{v}:", f"    resolution: {{integrity: {sha512_integrity(rng)}}}", f"    engines: {{node: '>=18'}}", ""]
    return "\n".join(out)


def yarn_lock(rng):
    out = ["# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.", "# yarn lockfile v1", "", ""]
    for name, v in _npm_picks(rng):
        out += [f'{name}@^{v}:', f'  version "{v}"',
                f'  resolved "https://registry.yarnpkg.com/{name}/-/{name}-{v}.tgz#{rand(rng, HEX, 40, 3)}"',
                f"  integrity {sha512_integrity(rng)}", ""]
    return "\n".join(out)
