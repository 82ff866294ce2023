#!/usr/bin/env python3
"""Self-test for the accuracy benchmark (generator + scorer).

    python3 bench/accuracy/selftest.py

Checks that the corpus is deterministic, that every label points at its
secret, that planted secrets have the documented formats (checksums, JWT
JSON, PEM shape), that the files of parseable kinds parse, and that
score.py reports exact numbers on hand-made findings.  Ends with the line
"N passed, N failed"; exits 1 when something failed.
"""

from __future__ import annotations

import ast
import base64
import configparser
import filecmp
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter
from contextlib import redirect_stdout

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import fake_findings  # noqa: E402
import generate  # noqa: E402
import score  # noqa: E402
from corpus import negatives as N  # noqa: E402
from corpus import tokens as T  # noqa: E402

RESULTS = []


def check(name, cond, detail=""):
    RESULTS.append((name, bool(cond)))
    print(f"{'ok  ' if cond else 'FAIL'} {name}" + (f": {detail}" if detail and not cond else ""))


# Published shapes (mostly gitleaks / vendor docs); every planted secret must fullmatch its pattern.
FORMATS = {
    "aws-access-key-id": r"(?:AKIA|ASIA)[A-Z2-7]{16}",
    "aws-secret-access-key": r"[A-Za-z0-9/+]{40}",
    "aws-session-token": r"(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdzE)[A-Za-z0-9/+]{300,}",
    "aws-bedrock-api-key": r"ABSKQmVkcm9ja0FQSUtleS[A-Za-z0-9+/]{109}=",
    "gcp-api-key": r"AIza[\w-]{35}",
    "gcp-oauth-client-secret": r"GOCSPX-[\w-]{28}",
    "azure-storage-key": r"[A-Za-z0-9+/]{86}==",
    "azure-sas-token": r"sv=\d{4}-\d\d-\d\d&.*&sig=[A-Za-z0-9%]{43,}",
    "azure-ad-client-secret": r"[\w~.-]{3}8Q~[\w~.-]{34}",
    "azure-devops-pat": r"[A-Za-z0-9]{52}JQQJ99[A-L]{2}[A-Za-z0-9]{16}AZDO[A-Za-z0-9]{4}",
    "alibaba-access-key-id": r"LTAI[A-Za-z0-9]{12,20}",
    "alibaba-access-key-secret": r"[A-Za-z0-9]{30}",
    "openai-api-key": r"sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}",
    "openai-project-key": r"sk-proj-[\w-]{74}T3BlbkFJ[\w-]{74}",
    "openai-svcacct-key": r"sk-svcacct-[\w-]{74}T3BlbkFJ[\w-]{74}",
    "openai-admin-key": r"sk-admin-[\w-]{58}T3BlbkFJ[\w-]{58}",
    "anthropic-api-key": r"sk-ant-api03-[\w-]{93}AA",
    "anthropic-admin-key": r"sk-ant-admin01-[\w-]{93}AA",
    "huggingface-token": r"hf_[A-Za-z]{34}",
    "cohere-api-key": r"[A-Za-z0-9]{40}",
    "mistral-api-key": r"[A-Za-z0-9]{32}",
    "groq-api-key": r"gsk_[A-Za-z0-9]{52}",
    "perplexity-api-key": r"pplx-[A-Za-z0-9]{48}",
    "replicate-api-token": r"r8_[A-Za-z0-9]{37}",
    "xai-api-key": r"xai-[A-Za-z0-9]{80}",
    "openrouter-api-key": r"sk-or-v1-[0-9a-f]{64}",
    "langsmith-api-key": r"lsv2_(?:pt|sk)_[0-9a-f]{32}_[0-9a-f]{10}",
    "pinecone-api-key": r"pcsk_[A-Za-z0-9]{5,6}_[A-Za-z0-9]{63}",
    "github-pat": r"ghp_[A-Za-z0-9]{36}",
    "github-oauth-token": r"gho_[A-Za-z0-9]{36}",
    "github-user-to-server-token": r"ghu_[A-Za-z0-9]{36}",
    "github-server-to-server-token": r"ghs_[A-Za-z0-9]{36}",
    "github-refresh-token": r"ghr_[A-Za-z0-9]{36}",
    "github-fine-grained-pat": r"github_pat_11[A-Z0-9]{20}_[A-Za-z0-9]{59}",
    "gitlab-pat": r"glpat-[\w-]{20}",
    "gitlab-deploy-token": r"gldt-[\w-]{20}",
    "gitlab-runner-token": r"glrt-[\w-]{20}",
    "gitlab-pipeline-trigger-token": r"glptt-[0-9a-f]{40}",
    "bitbucket-app-password": r"ATBB[A-Za-z0-9]{24}[0-9A-F]{8}",
    "npm-access-token": r"npm_[A-Za-z0-9]{36}",
    "pypi-upload-token": r"pypi-AgEIcHlwaS5vcmc[\w-]{50,}",
    "rubygems-api-key": r"rubygems_[0-9a-f]{48}",
    "nuget-api-key": r"oy2[a-p][0-9a-z]{15}[aq][0-9a-z]{11}[eu][bdfhjlnprtvxz357][a-p][0-9a-z]{11}[aeimquy4]",
    "dockerhub-pat": r"dckr_pat_[\w-]{27}",
    "jfrog-api-key": r"AKCp[A-Za-z0-9]{69}",
    "stripe-secret-key": r"sk_live_[A-Za-z0-9]{24,99}",
    "stripe-restricted-key": r"rk_live_[A-Za-z0-9]{24,99}",
    "stripe-webhook-secret": r"whsec_[A-Za-z0-9]{32}",
    "square-access-token": r"(?:EAAA[\w-]{60}|sq0atp-[\w-]{22})",
    "braintree-access-token": r"access_token\$production\$[0-9a-z]{16}\$[0-9a-f]{32}",
    "shopify-access-token": r"shpat_[0-9a-f]{32}",
    "shopify-shared-secret": r"shpss_[0-9a-f]{32}",
    "slack-bot-token": r"xoxb-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{24}",
    "slack-user-token": r"xoxp-[0-9]{10,13}-[0-9]{10,13}-[0-9]{10,13}-[0-9a-f]{32}",
    "slack-app-token": r"xapp-1-A[A-Z0-9]{10}-[0-9]{13}-[0-9a-f]{64}",
    "slack-webhook-url": r"https://hooks\.slack\.com/services/T[A-Z0-9]{8}/B[A-Z0-9]{10}/[A-Za-z0-9]{24}",
    "discord-bot-token": r"[A-Za-z0-9]{24,26}\.[\w-]{6}\.[\w-]{38}",
    "discord-webhook-url": r"https://discord(?:app)?\.com/api/webhooks/[0-9]{18,19}/[\w-]{68}",
    "telegram-bot-token": r"[0-9]{10}:AA[\w-]{33}",
    "twilio-api-key": r"SK[0-9a-f]{32}",
    "sendgrid-api-key": r"SG\.[\w-]{22}\.[\w-]{43}",
    "mailgun-api-key": r"key-[0-9a-f]{32}",
    "mailchimp-api-key": r"[0-9a-f]{32}-us[0-9]{1,2}",
    "postmark-server-token": r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
    "teams-webhook-url": r"https://[a-z]+\.webhook\.office\.com/webhookb2/[0-9a-f-]{36}@[0-9a-f-]{36}/IncomingWebhook/[0-9a-f]{32}/[0-9a-f-]{36}",
    "datadog-api-key": r"[0-9a-f]{32}",
    "newrelic-user-api-key": r"NRAK-[A-Z0-9]{27}",
    "sentry-org-token": r"sntrys_eyJpYXQiO[A-Za-z0-9+/]+_[A-Za-z0-9+/]{43}",
    "sentry-dsn": r"https://[0-9a-f]{32}@o[0-9]{6}\.ingest\.(?:us\.|de\.)?sentry\.io/[0-9]{7}",
    "grafana-cloud-token": r"glc_eyJ[A-Za-z0-9+/]{32,400}={0,3}",
    "grafana-service-account-token": r"glsa_[A-Za-z0-9]{32}_[0-9a-f]{8}",
    "pagerduty-api-key": r"[\w+-]{20}",
    "cloudflare-api-token": r"[\w-]{40}",
    "digitalocean-pat": r"dop_v1_[0-9a-f]{64}",
    "heroku-api-key": r"HRKU-AA[\w-]{58}",
    "vercel-token": r"[A-Za-z0-9]{24}",
    "netlify-token": r"nfp_[A-Za-z0-9]{36}",
    "flyio-token": r"fo1_[\w-]{43}",
    "vault-token": r"hvs\.[\w-]{90,120}",
    "terraform-cloud-token": r"[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9]{60,70}",
    "doppler-token": r"dp\.pt\.[A-Za-z0-9]{43}",
    "databricks-token": r"dapi[0-9a-f]{32}",
    "okta-api-token": r"00[\w-]{40}",
    "atlassian-api-token": r"ATATT3[\w=-]{186}",
    "linear-api-key": r"lin_api_[A-Za-z0-9]{40}",
    "notion-token": r"ntn_[0-9]{11}[A-Za-z0-9]{35}",
    "airtable-pat": r"pat[A-Za-z0-9]{14}\.[0-9a-f]{64}",
    "figma-pat": r"figd_[\w-]{40}",
    "supabase-token": r"sbp_[0-9a-f]{40}",
    "firebase-fcm-server-key": r"AAAA[\w-]{7}:APA91b[\w-]{134}",
    "postgres-uri": r"[A-Za-z0-9]{16,28}",
    "mysql-uri": r"[A-Za-z0-9]{16,28}",
    "mongodb-uri": r"[A-Za-z0-9]{16,28}",
    "redis-uri": r"[A-Za-z0-9]{16,28}",
    "amqp-uri": r"[A-Za-z0-9]{16,28}",
    "jwt": r"eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+",
    "generic-password": r"[A-Za-z0-9][A-Za-z0-9!@^*\-_+.~]{13,23}",
    "generic-api-key": r"[\w-]{32,48}",
    "basic-auth-header": r"[A-Za-z0-9+/]+={0,2}",
    "generic-symbol-key": r"[A-Za-z0-9][A-Za-z0-9@*^#~!=_]{22,34}[A-Za-z0-9]",
    "generic-plain-key": r"[A-Za-z0-9]{52}",
    "azure-search-key": r"[A-Za-z0-9]{42}AzSe[A-D][A-Za-z0-9]{5}",
    "azure-apim-key": r"[A-Za-z0-9+/]{76}APIM[A-Za-z0-9+/]{5}[AQgw]==",
    "azure-cosmos-key": r"[A-Za-z0-9+/]{76}ACDb[A-Za-z0-9+/]{5}[AQgw]==",
    "azure-acr-key": r"[A-Za-z0-9+/]{42}\+ACR[A-D][A-Za-z0-9]{5}",
    "azure-function-key": r"[A-Za-z0-9_-]{44}AzFu[A-Za-z0-9_-]{5}[AQgw]==",
    "azure-redis-connection-string": r"[A-Za-z0-9+/]{43}=",
    "github-refresh-token-long": r"ghr_[A-Za-z0-9]{76}",
    "npm-legacy-token": r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    "telegram-bot-token-plain": r"[0-9]{8,10}:(?!AA)[A-Za-z0-9_-]{35}",
    "hubspot-private-app-token": r"pat-(?:na|eu)[12]-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    "asana-pat": r"2/[0-9]{16}/[0-9]{16}:[0-9a-f]{32}",
    "octopus-api-key": r"API-[A-Z0-9]{26}",
    "aws-appsync-api-key": r"da2-[a-z0-9]{26}",
    "bitbucket-dc-token": r"BBDC-[A-Za-z0-9+/]{44}",
    "paypal-access-token": r"A21AA[A-Za-z0-9_-]{92}",
    "twilio-api-secret": r"[A-Za-z0-9]{32}",
    "razorpay-key-secret": r"[A-Za-z0-9]{24}",
    "zendesk-api-token": r"[A-Za-z0-9]{40}",
}
PEM_TYPES = {"private-key-rsa": "RSA PRIVATE KEY", "private-key-ec": "EC PRIVATE KEY",
             "private-key-openssh": "OPENSSH PRIVATE KEY", "private-key-pkcs8": "PRIVATE KEY",
             "private-key-pgp": "PGP PRIVATE KEY BLOCK", "gcp-service-account": "PRIVATE KEY"}


def b64url_json(seg):
    return json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4)))


def test_corpus(tmp):
    a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
    for d in (a, b):
        with redirect_stdout(io.StringIO()):
            generate.main(["--seed", "42", "--out", d])
    cmp = filecmp.dircmp(a, b, ignore=[".git"])

    def same(c):
        if c.left_only or c.right_only or c.diff_files or c.funny_files:
            return False
        return all(same(s) for s in c.subdirs.values())
    check("determinism: same seed gives identical files", same(cmp))
    with redirect_stdout(io.StringIO()):
        generate.main(["--seed", "43", "--out", os.path.join(tmp, "c")])
    with open(os.path.join(a, "labels.json")) as f1, open(os.path.join(tmp, "c", "labels.json")) as f2:
        check("a different seed gives different secrets", f1.read() != f2.read())

    labels = json.load(open(os.path.join(a, "labels.json")))
    manifest = json.load(open(os.path.join(a, "manifest.json")))
    negs = json.load(open(os.path.join(a, "negatives.json")))
    files = manifest["files"]
    nfiles, size = len(files), sum(os.path.getsize(os.path.join(a, p)) for p in files)
    check("default corpus: a few hundred files, a few MB at most", 200 <= nfiles <= 600 and size < 4_000_000,
          f"{nfiles} files, {size} bytes")
    kinds = Counter(files.values())
    check("all 20 file kinds present", len(kinds) == 20 and set(kinds) == set(generate.KIND_IDS), str(kinds))

    per_type = Counter(l["type"] for l in labels)
    check("every type id is planted", set(per_type) == set(T.TYPE_IDS), str(set(T.TYPE_IDS) - set(per_type)))
    check("every type planted at least 5 times", min(per_type.values()) >= 5, str(per_type.most_common()[-3:]))
    kinds_per_type = {t: len({files[l["path"]] for l in labels if l["type"] == t}) for t in per_type}
    check("every type appears in at least 5 file kinds", min(kinds_per_type.values()) >= 5,
          str(sorted(kinds_per_type.items(), key=lambda x: x[1])[:3]))
    generic_kinds = {t: {files[l["path"]] for l in labels if l["type"] == t} for t in ("generic-password", "generic-api-key")}
    check("generic password / api key in every file kind", all(len(v) == 20 for v in generic_kinds.values()))

    bad_line, bad_fmt = [], []
    cache = {}
    for l in labels:
        if l["path"] not in cache:
            cache[l["path"]] = open(os.path.join(a, l["path"]), encoding="utf-8").read().split("\n")
        line = cache[l["path"]][l["line"] - 1]
        first = l["secret"].split("\n")[0]
        if first not in line and json.dumps(first)[1:-1] not in line:
            bad_line.append(f"{l['path']}:{l['line']}")
        sec = l["secret"]
        if l["type"] in PEM_TYPES:
            lines = sec.split("\n")
            label = PEM_TYPES[l["type"]]
            body = [x for x in lines[1:-1] if x and not x.startswith("=")]
            width = 70 if "OPENSSH" in label else 64
            ok = (lines[0] == f"-----BEGIN {label}-----" and lines[-1] == f"-----END {label}-----"
                  and all(len(x) == width for x in body[:-1]) and 0 < len(body[-1]) <= width)
            try:
                der = base64.b64decode("".join(body), validate=True)
                ok = ok and len(der) > 40
            except ValueError:
                ok = False
            if not ok:
                bad_fmt.append(l["type"])
            continue
        if not re.fullmatch(FORMATS[l["type"]], sec):
            bad_fmt.append(f"{l['type']}:{sec[:20]}")
        if (l["type"].startswith("github-") and l["type"] not in ("github-fine-grained-pat", "github-refresh-token-long")
                or l["type"] == "npm-access-token"):
            if not T.crc_token_valid(sec):
                bad_fmt.append(f"{l['type']} checksum")
        if l["type"] == "jwt":
            h, p, s = sec.split(".")
            try:
                ok = isinstance(b64url_json(h), dict) and "alg" in b64url_json(h) and isinstance(b64url_json(p), dict)
            except ValueError:
                ok = False
            if not ok:
                bad_fmt.append("jwt json")
        if not T.looks_random(re.sub(r"^(?:[a-z_]+[-_.]|[A-Z]{2,5}[-_])", "", sec)[-16:], max_run=3):
            bad_fmt.append(f"{l['type']} not random-looking: {sec[:24]}")
    check("every label's line holds the secret's first line", not bad_line, ", ".join(bad_line[:5]))
    check("planted secrets match their published formats", not bad_fmt, ", ".join(bad_fmt[:8]))
    check("no two labels share a secret", len({l["secret"] for l in labels}) == len(labels))

    fam = negs["families"]
    check("every negative family written", all(fam.get(x, 0) > 0 for x in N.FAMILIES),
          str([x for x in N.FAMILIES if not fam.get(x)]))
    check("every file kind has hard negatives", all(sum(negs["by_kind"].get(k, {}).values()) >= 5 for k in generate.KIND_IDS))
    check("bad-checksum tokens really fail the checksum",
          all(not T.crc_token_valid(N.wrong_crc_token(__import__("random").Random(i), "ghp_")) for i in range(200)))

    parse_errors = []
    for p, k in files.items():
        text = open(os.path.join(a, p), encoding="utf-8").read()
        try:
            if p.endswith(".py"):
                ast.parse(text)
            elif p.endswith((".json", ".ipynb")):
                json.loads(text)
            elif p.endswith(".toml") or p.endswith(("poetry.lock", "Cargo.lock")):
                tomllib.loads(text)
            elif k == "ini" and not p.endswith(".npmrc"):
                configparser.ConfigParser(interpolation=None).read_string(text)
        except Exception as e:  # noqa: BLE001
            parse_errors.append(f"{p}: {e}")
    check("Python/JSON/notebook/TOML/INI files parse", not parse_errors, "; ".join(parse_errors[:3]))

    if os.path.isdir(os.path.join(a, ".git")):
        staged = subprocess.run(["git", "-C", a, "ls-files"], capture_output=True, text=True, check=True).stdout.split()
        check("corpus is staged in git, metadata is not", set(staged) == set(files), f"{len(staged)} staged vs {len(files)}")
        head = subprocess.run(["git", "-C", a, "rev-parse", "--verify", "-q", "HEAD"], capture_output=True)
        check("nothing is committed", head.returncode != 0)
    return a


def run_score(corpus, findings_obj, tmp, name):
    path = os.path.join(tmp, name)
    with open(path, "w") as fh:
        json.dump(findings_obj, fh)
    buf = io.StringIO()
    with redirect_stdout(buf):
        score.main(["--corpus", corpus, "--findings", path, "--json"])
    return json.loads(buf.getvalue())


def test_scorer_handmade(tmp):
    corpus = os.path.join(tmp, "tiny")
    os.makedirs(os.path.join(corpus, "src"))
    for p, n in (("src/a.py", 30), ("b.env", 12)):
        with open(os.path.join(corpus, p), "w") as fh:
            fh.write("x = 1\n" * n)
    labels = [{"path": "src/a.py", "line": 3, "type": "x", "secret": "s1"},
              {"path": "src/a.py", "line": 10, "type": "y", "secret": "s2"},
              {"path": "b.env", "line": 1, "type": "x", "secret": "s3"},
              {"path": "b.env", "line": 2, "type": "z", "secret": "s4"}]
    json.dump(labels, open(os.path.join(corpus, "labels.json"), "w"))
    json.dump({"files": {"src/a.py": "python", "b.env": "env"}}, open(os.path.join(corpus, "manifest.json"), "w"))

    def f(path, line, end, rule="r"):
        return {"rule_id": rule, "description": "", "path": path, "line": line, "column": 1, "end_line": end,
                "end_column": 2, "secret": "***", "fingerprint": "f", "commit": None}
    findings = [f("src/a.py", 3, 3, "aws"),                       # TP on label 1
                f("src/a.py", 2, 4, "generic"),                   # duplicate of label 1
                f("src/a.py", 7, 7, "generic"),                   # FP
                f("b.env", 1, 2, "private-key"),                  # one finding covering labels 3 and 4
                f("labels.json", 5, 5, "aws"),                    # ignored (metadata)
                f("./src/a.py", 20, 20, "jwt"),                   # FP, path normalised
                f(os.path.join(os.path.realpath(corpus), "b.env"), 9, 9, "slack")]  # FP, absolute path
    r = run_score(corpus, {"version": 1, "findings": findings, "scanned": {"files": 2, "bytes": 100}}, tmp, "h.json")
    expect = {"labels": 4, "found": 3, "findings": 6, "true_positives": 3, "false_positives": 3, "precision": 0.5,
              "recall": 0.75, "duplicates": 1, "ignored_metadata_findings": 1}
    got = {k: r[k] for k in expect}
    check("scorer: hand-made findings give exact numbers", got == expect, f"{got} != {expect}")
    check("scorer: per-type table is worst first",
          [(t["type"], t["planted"], t["found"]) for t in r["per_type"]] == [("y", 1, 0), ("x", 2, 2), ("z", 1, 1)],
          str(r["per_type"]))
    check("scorer: missed and false-positive lists",
          r["missed"] == [{"path": "src/a.py", "line": 10, "type": "y"}]
          and [(x["path"], x["line"]) for x in r["false_positive_list"]] == [("b.env", 9), ("src/a.py", 7), ("src/a.py", 20)],
          f"{r['missed']} {r['false_positive_list']}")
    gl = [{"RuleID": x["rule_id"], "File": x["path"], "StartLine": x["line"], "EndLine": x["end_line"]} for x in findings]
    r2 = run_score(corpus, gl, tmp, "gl.json")
    check("scorer: gitleaks report gives the same numbers", {k: r2[k] for k in expect} == expect)
    r3 = run_score(corpus, {"version": 1, "findings": [], "scanned": {"files": 0, "bytes": 0}}, tmp, "empty.json")
    check("scorer: empty report", r3["found"] == 0 and r3["recall"] == 0 and r3["precision"] is None and r3["findings"] == 0)
    proc = subprocess.run([sys.executable, os.path.join(HERE, "score.py"), "--corpus", corpus, "--findings",
                           os.path.join(tmp, "h.json")], capture_output=True, text=True)
    check("scorer: text output and exit status 0", proc.returncode == 0 and "recall             75.0%" in proc.stdout
          and "src/a.py:10 y" in proc.stdout and "b.env:9 slack" in proc.stdout, proc.stdout[:300])


def test_scorer_on_corpus(corpus, tmp):
    perfect, exp = fake_findings.build(corpus, 0, 0, 0, 1)
    r = run_score(corpus, perfect, tmp, "perfect.json")
    check("scorer: perfect report scores 100%", r["recall"] == 1 and r["precision"] == 1 and r["false_positives"] == 0
          and r["duplicates"] == 0 and r["found"] == exp["labels"])
    for seed, (drop, fps, dups) in enumerate([(25, 17, 9), (1, 0, 40), (200, 300, 0)]):
        rep, exp = fake_findings.build(corpus, drop, fps, dups, seed)
        r = run_score(corpus, rep, tmp, f"fake{seed}.json")
        got = {"labels": r["labels"], "found": r["found"], "false_positives": r["false_positives"],
               "duplicates": r["duplicates"], "findings": r["findings"]}
        check(f"scorer: injected misses={drop} fps={fps} dups={dups}", got == exp, f"{got} != {exp}")
        tp = exp["findings"] - fps
        check(f"scorer: precision / recall arithmetic (seed {seed})",
              r["precision"] == round(tp / exp["findings"], 4) and r["recall"] == round(exp["found"] / exp["labels"], 4))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        corpus = test_corpus(tmp)
        test_scorer_handmade(tmp)
        test_scorer_on_corpus(corpus, tmp)
    passed = sum(ok for _, ok in RESULTS)
    failed = len(RESULTS) - passed
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
