"""Renderers for source-code file kinds: Python, JS, TS, Go, Java, C#, Ruby, PHP."""

from __future__ import annotations

import json

from . import negatives as N
from .common import (ENTITIES, FIELDS, PROJECTS, REGIONS, VERBS, camel, cap, entity, indent, kebab, pascal, pem_escaped,
                     pick_ctx, sa_json, snake, spec, upper, url_with_token, vname)
from .tokens import ALNUM, rand

BASE_FAMILIES = ["placeholder", "template-variable", "env-reference", "repeated-sequential", "uuid", "hex-digest",
                 "public-key-or-cert", "provider-example-key", "bad-checksum-token", "invalid-jwt", "data-uri-image",
                 "test-password", "docs-prose"]

URL_SERVICES = {"postgres": "db", "mysql": "db", "mongodb": "mongo", "redis": "redis", "rabbitmq": "amqp",
                "sentry": "sentry", "slack": "webhook", "discord": "webhook", "teams": "webhook"}


def param_for(name: str) -> str:
    n = name.upper()
    if "PASSWORD" in n:
        return "password"
    if "SECRET" in n:
        return "client_secret" if "CLIENT" in n else "secret"
    if "TOKEN" in n or n.endswith("_PAT"):
        return "token"
    return "api_key"


def client_class(s) -> str:
    svc = spec(s).service
    special = {"aws": "Aws", "gcp": "Gcp", "xai": "XAI", "openai": "OpenAI", "github": "GitHub", "gitlab": "GitLab",
               "newrelic": "NewRelic", "digitalocean": "DigitalOcean", "huggingface": "HuggingFace",
               "openrouter": "OpenRouter", "langsmith": "LangSmith", "pagerduty": "PagerDuty", "dockerhub": "DockerHub",
               "azuredevops": "AzureDevOps", "rubygems": "RubyGems", "nuget": "NuGet", "sendgrid": "SendGrid",
               "app": "Partner", "http": "Http", "auth": "Auth"}
    return special.get(svc, cap(svc)) + "Client"


class CodeKind:
    name = "code"
    FAMILIES = BASE_FAMILIES
    TOKEN_CTX = ["assign", "assign", "map", "envset", "default", "call", "bearer", "url"]
    URL_CTX = ["assign", "map", "envset", "default", "call"]
    q = '"'

    # ---- language hooks (overridden) -------------------------------------------------
    def lit(self, v):
        return self.q + v + self.q

    def comment(self, text):
        return "# " + text

    # ---- main entry ------------------------------------------------------------------
    def render(self, f, rng):
        self.f = f
        self.rng = rng
        top, funcs = [], []
        counts = []
        for g in f.plants:
            lines, where = self.plant(g, rng)
            (top if where == "top" else funcs).append(lines if where == "top" else self.func(g[0], lines, rng))
        for fam in f.negs:
            out = self.negative(fam, rng, f)
            if out is None:
                continue
            lines, where = out
            counts.append(fam)
            if where == "top":
                top.append(lines)
            elif where == "func":
                funcs.append(lines)
            else:
                funcs.append(self.func(None, lines, rng))
        for _ in range(rng.randint(1, 3)):
            funcs.append(self.filler(rng))
        rng.shuffle(top)
        rng.shuffle(funcs)
        return self.assemble(f, rng, top, funcs), counts

    def plant(self, g, rng):
        if len(g) > 1:
            ctx = rng.choice(["assign", "map", "group-call"])
            if ctx == "assign":
                return [l for s in g for l in self.const(vname(s), s.value)], "top"
            if ctx == "map":
                return self.map_block(g[0], [(vname(s), s.value) for s in g]), "top"
            return self.group_call(g), "body"
        s = g[0]
        if s.shape == "pem":
            if rng.random() < 0.6:
                return self.multiline(vname(s), s.value), "top"
            return self.const(vname(s), pem_escaped(s.value)), "top"
        if s.shape == "sa":
            return self.sa(vname(s), s.value, rng), "top"
        if s.shape == "basic":
            if rng.random() < 0.5:
                return self.const(vname(s), s.value), "top"
            return self.header(s.value, s, rng), "body"
        ctx = pick_ctx(rng, s, self.URL_CTX if s.shape == "url" else self.TOKEN_CTX)
        v = s.value
        if ctx == "assign":
            return self.const(vname(s), v), "top"
        if ctx == "map":
            return self.map_block(s, [(vname(s), v)]), "top"
        if ctx == "envset":
            return self.envset(vname(s), v), "body"
        if ctx == "default":
            return self.default(vname(s), v), "body"
        if ctx == "call":
            return self.call(s, v, rng), "body"
        if ctx == "bearer":
            return self.header("Bearer " + v, s, rng), "body"
        return self.get_url(url_with_token(rng, s)), "body"

    # ---- negatives -------------------------------------------------------------------
    def negative(self, fam, rng, f):
        if fam in ("placeholder", "repeated-sequential", "uuid", "hex-digest", "provider-example-key",
                   "bad-checksum-token", "invalid-jwt"):
            name, value = N.literal(fam, rng)
            if rng.random() < 0.3:
                return self.map_block(None, [(name, value)], map_name=rng.choice(["DEFAULTS", "FIXTURE", "SAMPLE_CONFIG"])), "top"
            return self.const(name, value), "top"
        if fam == "test-password":
            name, value = N.test_password(rng)
            return self.test_block(value, rng), "func"
        if fam == "template-variable":
            name = N.secret_name(rng)
            return self.const(name, rng.choice(self.templates(name))), "top"
        if fam == "env-reference":
            name = N.secret_name(rng)
            return self.raw_assign(name, rng.choice(self.env_refs(name))), "top"
        if fam == "public-key-or-cert":
            kind, text = N.public_material(rng)
            if kind == "ssh":
                return self.const(rng.choice(["AUTHORIZED_KEY", "DEPLOY_PUBLIC_KEY", "SSH_PUBKEY"]), text), "top"
            return self.multiline(rng.choice(["PUBLIC_KEY", "CA_CERT", "JWT_PUBLIC_KEY", "ROOT_CERT"]), text), "top"
        if fam == "data-uri-image":
            return self.const(rng.choice(["DEFAULT_AVATAR", "LOGO_DATA_URI", "PIXEL_PNG", "EMPTY_STATE_IMAGE"]), N.data_uri(rng)), "top"
        if fam == "docs-prose":
            return [self.comment(N.prose(rng)), self.comment(N.prose(rng))], "top"
        return None

    def test_block(self, pw, rng):
        return [self.comment("test fixture credentials"), *self.const("TEST_PASSWORD", pw)]


    def templates(self, name):
        return ["${" + name + "}", "{{ " + name.lower() + " }}"]

    def func(self, s, lines, rng):
        raise NotImplementedError


# ======================================================================================
# Python
# ======================================================================================

PY_URL_CALLS = {
    "db": 'engine = create_engine("{v}", pool_pre_ping=True)',
    "mongo": 'client = MongoClient("{v}", serverSelectionTimeoutMS=5000)',
    "redis": 'cache = redis.Redis.from_url("{v}", decode_responses=True)',
    "amqp": 'params = pika.URLParameters("{v}")',
    "sentry": 'sentry_sdk.init(dsn="{v}", traces_sample_rate=0.1)',
    "webhook": 'requests.post("{v}", json={{"text": message}}, timeout=5)',
}


class Python(CodeKind):
    name = "python"

    def const(self, name, v):
        return [f"{upper(name)} = {self.lit(v)}"]

    def raw_assign(self, name, expr):
        return [f"{upper(name)} = {expr}"]

    def map_block(self, s, pairs, map_name=None):
        mname = map_name or (f"{upper(spec(s).service)}_SETTINGS" if s else "SETTINGS")
        out = [f"{mname} = {{"]
        rng = self.rng
        if rng.random() < 0.5:
            out.append(f'    "timeout": {rng.choice([5, 10, 30])},')
        for k, v in pairs:
            out.append(f'    "{snake(k)}": {self.lit(v)},')
        if rng.random() < 0.5:
            out.append(f'    "region": "{rng.choice(REGIONS)}",')
        return out + ["}"]

    def envset(self, name, v):
        if self.rng.random() < 0.5:
            return [f'os.environ["{upper(name)}"] = {self.lit(v)}']
        return [f'os.environ.setdefault("{upper(name)}", {self.lit(v)})']

    def default(self, name, v):
        return [f'{snake(name)} = os.environ.get("{upper(name)}", {self.lit(v)})']

    def call(self, s, v, rng):
        kind = URL_SERVICES.get(spec(s).service)
        if s.shape == "url" and kind:
            return [PY_URL_CALLS[kind].format(v=v)]
        return [f"client = {client_class(s)}({param_for(vname(s))}={self.lit(v)})"]

    def group_call(self, g):
        if g[0].type.startswith("aws"):
            out = ["session = boto3.session.Session("]
            for s in g:
                out.append(f"    {snake(vname(s))}={self.lit(s.value)},")
            return out + [f'    region_name="{self.rng.choice(REGIONS)}",', ")"]
        return ["client = AcsClient(", f"    ak={self.lit(g[0].value)},", f"    secret={self.lit(g[1].value)},",
                '    region_id="cn-hangzhou",', ")"]

    def header(self, value, s, rng):
        host = spec(s).host
        return [f'headers = {{"Authorization": "{value}", "Accept": "application/json"}}',
                f'resp = requests.get("https://{host}/v1/{rng.choice(ENTITIES)}s", headers=headers, timeout=10)',
                "resp.raise_for_status()"]

    def get_url(self, url):
        return [f'resp = requests.get("{url}", timeout=10)', "resp.raise_for_status()"]

    def multiline(self, name, text):
        lines = text.split("\n")
        return [f'{upper(name)} = """{lines[0]}', *lines[1:-1], f'{lines[-1]}"""']

    def sa(self, name, info, rng):
        if rng.random() < 0.5:
            return ['SERVICE_ACCOUNT_INFO = json.loads(r"""', *sa_json(info).split("\n"), '""")']
        return [f"{upper(name)} = " + json.dumps(info, indent=4).split("\n")[0], *json.dumps(info, indent=4).split("\n")[1:]]

    def comment(self, text):
        return "# " + text

    def env_refs(self, name):
        return [f'os.environ["{name}"]', f'os.getenv("{name}")', f"settings.{name}", f'config.get("{snake(name)}")',
                f'get_secret("{kebab(name)}")', f'vault_client.read("secret/data/{snake(name)}")["data"]["value"]']

    def templates(self, name):
        return ["%(" + snake(name) + ")s", "{" + snake(name) + "}", "${" + name + "}", "{{ " + snake(name) + " }}"]

    def test_block(self, pw, rng):
        e = entity(rng)
        return [f"def test_{e}_login_rejects_wrong_password(client):",
                f'    user = make_user(username="alice", password="{pw}")',
                f'    resp = client.post("/login", data={{"username": user.username, "password": "wrong-{pw}"}})',
                "    assert resp.status_code == 401"]

    def func(self, s, lines, rng):
        svc = spec(s).service if s else rng.choice(ENTITIES)
        name = f"_{rng.choice(['make', 'build', 'init', 'get'])}_{svc}_{rng.choice(['client', 'session', 'config', 'connection'])}"
        return [f"def {name}():", *indent(lines, 4), "    return None"]

    def filler(self, rng):
        e, fld, verb = rng.choice(ENTITIES), rng.choice(FIELDS), rng.choice(VERBS)
        t = rng.randrange(4)
        if t == 0:
            return [f"def {verb}_{e}({e}_id: int) -> dict:",
                    f'    """{cap(verb)} a {e} by id."""',
                    f'    row = db.fetch_one("SELECT id, {fld}, updated_at FROM {e}s WHERE id = %s", ({e}_id,))',
                    "    if row is None:",
                    f'        raise NotFoundError(f"{e} {{{e}_id}} not found")',
                    f'    return {{"id": row["id"], "{fld}": row["{fld}"], "updated_at": row["updated_at"].isoformat()}}']
        if t == 1:
            return ["@dataclass", f"class {cap(e)}Summary:", f"    {e}_id: int", f"    {fld}: str",
                    "    retries: int = 0", "", "    def is_stale(self, now: datetime) -> bool:",
                    f"        return now - self.updated_at > timedelta(minutes={rng.choice([5, 15, 60])})"]
        if t == 2:
            return [f"def {verb}_{e}s(items: list[dict]) -> list[dict]:", "    out = []", "    for item in items:",
                    f'        if item.get("{fld}") is None:', "            continue",
                    f'        item["{fld}"] = str(item["{fld}"]).strip()', "        out.append(item)",
                    f'    logger.info("{verb} %d {e}s", len(out))', "    return out"]
        return [f"class {cap(e)}Repository:", "    def __init__(self, conn):", "        self.conn = conn", "",
                f"    def count_by_{fld}(self, value):",
                f'        cur = self.conn.execute("SELECT count(*) FROM {e}s WHERE {fld} = ?", (value,))',
                "        return cur.fetchone()[0]"]

    def assemble(self, f, rng, top, funcs):
        imports = ["import json", "import logging", "import os", "import requests", "from datetime import datetime, timedelta",
                   "from dataclasses import dataclass"]
        imports += rng.sample(["import boto3", "import redis", "from sqlalchemy import create_engine", "import sentry_sdk",
                               "from pymongo import MongoClient"], 2)
        head = [f'"""{cap(rng.choice(ENTITIES))} {rng.choice(["service helpers", "settings", "integration", "client wiring"])} for {f.project}."""', ""]
        if f.role == "test":
            head = [f'"""Tests for the {f.project} {rng.choice(ENTITIES)} endpoints."""', "", "import pytest", ""]
        out = head + sorted(set(imports)) + ["", "logger = logging.getLogger(__name__)", ""]
        for b in top:
            out += b + [""]
        for b in funcs:
            out += [""] + b + [""]
        return "\n".join(out).rstrip() + "\n"


# ======================================================================================
# JavaScript / TypeScript
# ======================================================================================

JS_URL_CALLS = {
    "db": "const pool = new Pool({{ connectionString: \"{v}\" }});",
    "mongo": "const client = new MongoClient(\"{v}\");",
    "redis": "const redis = createClient({{ url: \"{v}\" }});",
    "amqp": "const conn = await amqp.connect(\"{v}\");",
    "sentry": "Sentry.init({{ dsn: \"{v}\", tracesSampleRate: 0.2 }});",
    "webhook": "await fetch(\"{v}\", {{ method: \"POST\", body: JSON.stringify({{ text: message }}) }});",
}


class JavaScript(CodeKind):
    name = "js"
    ts = False

    def const(self, name, v):
        kw = "export const" if self.rng.random() < 0.4 else "const"
        typ = ": string" if self.ts else ""
        return [f"{kw} {upper(name)}{typ} = {self.lit(v)};"]

    def raw_assign(self, name, expr):
        return [f"const {camel(name)} = {expr};"]

    def map_block(self, s, pairs, map_name=None):
        mname = map_name or (f"{camel(spec(s).service)}Config" if s else "config")
        head = "module.exports = {" if (not self.ts and self.rng.random() < 0.3 and not map_name) else f"const {camel(mname)} = {{"
        out = [head]
        for k, v in pairs:
            out.append(f"  {camel(k)}: {self.lit(v)},")
        out.append(f"  retries: {self.rng.randint(1, 5)},")
        return out + ["};"]

    def envset(self, name, v):
        return [f"process.env.{upper(name)} ||= {self.lit(v)};"]

    def default(self, name, v):
        return [f"const {camel(name)} = process.env.{upper(name)} ?? {self.lit(v)};"]

    def call(self, s, v, rng):
        kind = URL_SERVICES.get(spec(s).service)
        if s.shape == "url" and kind:
            return [JS_URL_CALLS[kind].format(v=v)]
        return [f"const client = new {client_class(s)}({{ {camel(param_for(vname(s)))}: {self.lit(v)} }});"]

    def group_call(self, g):
        if g[0].type.startswith("aws"):
            out = ["const s3 = new S3Client({", f'  region: "{self.rng.choice(REGIONS)}",', "  credentials: {"]
            for s in g:
                key = {"aws-access-key-id": "accessKeyId", "aws-secret-access-key": "secretAccessKey"}.get(s.type, "sessionToken")
                out.append(f"    {key}: {self.lit(s.value)},")
            return out + ["  },", "});"]
        return ["const client = new Core({", f"  accessKeyId: {self.lit(g[0].value)},",
                f"  accessKeySecret: {self.lit(g[1].value)},", '  endpoint: "https://ecs.aliyuncs.com",', "});"]

    def header(self, value, s, rng):
        return [f'const res = await fetch("https://{spec(s).host}/v1/{rng.choice(ENTITIES)}s", {{',
                f'  headers: {{ Authorization: "{value}", Accept: "application/json" }},', "});",
                "if (!res.ok) throw new Error(`request failed: ${res.status}`);"]

    def get_url(self, url):
        return [f'const res = await fetch("{url}");', "const body = await res.json();"]

    def multiline(self, name, text):
        lines = text.split("\n")
        typ = ": string" if self.ts else ""
        return [f"const {upper(name)}{typ} = `{lines[0]}", *lines[1:-1], f"{lines[-1]}`;"]

    def sa(self, name, info, rng):
        body = json.dumps(info, indent=2).split("\n")
        return [f"const serviceAccount = {body[0]}", *body[1:-1], body[-1] + ";"]

    def comment(self, text):
        return "// " + text

    def env_refs(self, name):
        return [f"process.env.{name}", f'process.env["{name}"]', f'config.get("{camel(name)}")',
                f'await getSecret("{kebab(name)}")', f"settings.{camel(name)}", f"import.meta.env.VITE_{name}"]

    def templates(self, name):
        return ["${" + name + "}", "{{" + camel(name) + "}}", "<%= " + camel(name) + " %>"]

    def test_block(self, pw, rng):
        return [f'it("rejects a wrong password", async () => {{',
                f'  const user = await createUser({{ email: "alice@example.com", password: "{pw}" }});',
                '  const res = await request(app).post("/login").send({ email: user.email, password: "nope" });',
                "  expect(res.status).toBe(401);", "});"]

    def func(self, s, lines, rng):
        svc = spec(s).service if s else rng.choice(ENTITIES)
        name = f"{rng.choice(['create', 'build', 'init', 'connect'])}{cap(svc)}{rng.choice(['Client', 'Session', 'Config'])}"
        ret = "Promise<void>" if self.ts else ""
        sig = f"export async function {name}(): {ret} {{" if self.ts else f"async function {name}() {{"
        return [sig, *indent(lines, 2), "}"]

    def filler(self, rng):
        e, fld, verb = rng.choice(ENTITIES), rng.choice(FIELDS), rng.choice(VERBS)
        t = rng.randrange(3)
        typ = (f"(items: {cap(e)}[]): {cap(e)}[]" if self.ts else "(items)")
        if t == 0:
            return [f"export function {verb}{cap(e)}s{typ} {{", f"  return items", f"    .filter((it) => it.{camel(fld)} != null)",
                    f"    .map((it) => ({{ ...it, {camel(fld)}: String(it.{camel(fld)}).trim() }}));", "}"]
        if t == 1:
            arg = f"id: number" if self.ts else "id"
            return [f"export async function get{cap(e)}({arg}) {{", f"  const res = await api.get(`/{e}s/${{id}}`);",
                    f"  if (res.status === 404) return null;", f"  return res.data;", "}"]
        return [f"class {cap(e)}Cache {{", "  constructor(ttlMs = 60_000) {", "    this.ttlMs = ttlMs;",
                "    this.entries = new Map();", "  }", "", "  get(key) {", "    const hit = this.entries.get(key);",
                "    if (!hit || Date.now() - hit.at > this.ttlMs) return undefined;", "    return hit.value;", "  }", "}"]

    def assemble(self, f, rng, top, funcs):
        if self.ts:
            imports = rng.sample(['import { z } from "zod";', 'import axios from "axios";',
                                  'import { S3Client } from "@aws-sdk/client-s3";', 'import * as Sentry from "@sentry/node";',
                                  'import { Pool } from "pg";', 'import { createClient } from "redis";'], 3)
            e = rng.choice(ENTITIES)
            head = sorted(imports) + ["", f"export interface {cap(e)} {{", "  id: number;",
                                      f"  {camel(rng.choice(FIELDS))}: string;", "  createdAt: Date;", "}", ""]
        else:
            imports = rng.sample(['const axios = require("axios");', 'const { Pool } = require("pg");',
                                  'const express = require("express");', 'const Sentry = require("@sentry/node");',
                                  'const { createClient } = require("redis");', 'const path = require("node:path");'], 3)
            head = ['"use strict";', ""] + sorted(imports) + [""]
        if f.role == "test":
            head = ['import request from "supertest";', 'import { app } from "../src/app";', ""] + head
        out = head
        for b in top:
            out += b + [""]
        for b in funcs:
            out += b + [""]
        if not self.ts and rng.random() < 0.5:
            out.append("module.exports.version = \"" + f"{rng.randint(1, 4)}.{rng.randint(0, 20)}.0" + "\";")
        return "\n".join(out).rstrip() + "\n"


class TypeScript(JavaScript):
    name = "ts"
    ts = True


# ======================================================================================
# Go
# ======================================================================================

class Go(CodeKind):
    name = "go"
    FAMILIES = BASE_FAMILIES

    def const(self, name, v):
        kw = self.rng.choice(["const", "var"])
        n = camel(name) if self.rng.random() < 0.6 else pascal(name)
        return [f"{kw} {n} = {self.lit(v)}"]

    def raw_assign(self, name, expr):
        return [f"var {camel(name)} = {expr}"]

    def map_block(self, s, pairs, map_name=None):
        mname = map_name or (f"{camel(spec(s).service)}Settings" if s else "defaults")
        out = [f"var {camel(mname)} = map[string]string{{"]
        for k, v in pairs:
            out.append(f'\t"{snake(k)}": {self.lit(v)},')
        out.append(f'\t"region": "{self.rng.choice(REGIONS)}",')
        return out + ["}"]

    def envset(self, name, v):
        return [f'if err := os.Setenv("{upper(name)}", {self.lit(v)}); err != nil {{', "\treturn err", "}"]

    def default(self, name, v):
        return [f'{camel(name)} := cmp.Or(os.Getenv("{upper(name)}"), {self.lit(v)})', f"_ = {camel(name)}"]

    def call(self, s, v, rng):
        if s.shape == "url":
            kind = URL_SERVICES.get(spec(s).service, "db")
            if kind == "db":
                return [f'db, err := sql.Open("pgx", {self.lit(v)})', "if err != nil {", "\treturn err", "}", "defer db.Close()"]
            if kind == "sentry":
                return [f"if err := sentry.Init(sentry.ClientOptions{{Dsn: {self.lit(v)}}}); err != nil {{", "\treturn err", "}"]
            if kind == "webhook":
                return [f'resp, err := http.Post({self.lit(v)}, "application/json", bytes.NewReader(payload))', "if err != nil {", "\treturn err", "}", "defer resp.Body.Close()"]
            return [f"opts, err := {kind}.ParseURL({self.lit(v)})", "if err != nil {", "\treturn err", "}", "_ = opts"]
        return [f"client := {spec(s).service}.New{client_class(s)}({self.lit(v)})", "_ = client"]

    def group_call(self, g):
        if g[0].type.startswith("aws"):
            args = ", ".join(self.lit(s.value) for s in g) + (', ""' if len(g) == 2 else "")
            return ["cfg, err := config.LoadDefaultConfig(ctx,",
                    f"\tconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider({args})),",
                    f'\tconfig.WithRegion("{self.rng.choice(REGIONS)}"),', ")", "if err != nil {", "\treturn err", "}", "_ = cfg"]
        return [f'client, err := ecs.NewClientWithAccessKey("cn-hangzhou", {self.lit(g[0].value)}, {self.lit(g[1].value)})',
                "if err != nil {", "\treturn err", "}", "_ = client"]

    def header(self, value, s, rng):
        return [f'req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://{spec(s).host}/v1/{rng.choice(ENTITIES)}s", nil)',
                "if err != nil {", "\treturn err", "}", f'req.Header.Set("Authorization", "{value}")',
                "resp, err := http.DefaultClient.Do(req)", "if err != nil {", "\treturn err", "}", "defer resp.Body.Close()"]

    def get_url(self, url):
        return [f'resp, err := http.Get("{url}")', "if err != nil {", "\treturn err", "}", "defer resp.Body.Close()"]

    def multiline(self, name, text):
        lines = text.split("\n")
        return [f"const {camel(name)} = `{lines[0]}", *lines[1:-1], f"{lines[-1]}`"]

    def sa(self, name, info, rng):
        body = sa_json(info).split("\n")
        return ["const serviceAccountJSON = `" + body[0], *body[1:-1], body[-1] + "`"]

    def comment(self, text):
        return "// " + text

    def env_refs(self, name):
        return [f'os.Getenv("{name}")', f'mustEnv("{name}")', f'cfg.{pascal(name)}', f'secrets.Get(ctx, "{kebab(name)}")',
                f'viper.GetString("{snake(name)}")']

    def templates(self, name):
        return ["${" + name + "}", "{{ ." + pascal(name) + " }}"]

    def test_block(self, pw, rng):
        e = cap(rng.choice(ENTITIES))
        return [f"func Test{e}LoginRejectsWrongPassword(t *testing.T) {{",
                f'\tu := newTestUser(t, "alice", "{pw}")',
                '\tif err := svc.Login(u.Name, "not-"+u.Password); err == nil {',
                '\t\tt.Fatal("expected error for wrong password")', "\t}", "}"]

    def func(self, s, lines, rng):
        svc = spec(s).service if s else rng.choice(ENTITIES)
        name = f"new{cap(svc)}{rng.choice(['Client', 'Session', 'Config'])}"
        return [f"func {name}(ctx context.Context) error {{", *["\t" + l for l in lines], "\treturn nil", "}"]

    def filler(self, rng):
        e, fld = rng.choice(ENTITIES), rng.choice(FIELDS)
        t = rng.randrange(3)
        if t == 0:
            return [f"type {cap(e)} struct {{", "\tID        int64     `json:\"id\"`",
                    f"\t{pascal(fld)} string `json:\"{fld}\"`", "\tCreatedAt time.Time `json:\"created_at\"`", "}"]
        if t == 1:
            return [f"func (s *Store) Get{cap(e)}(ctx context.Context, id int64) (*{cap(e)}, error) {{",
                    f'\trow := s.db.QueryRowContext(ctx, "SELECT id, {fld}, created_at FROM {e}s WHERE id = $1", id)',
                    f"\tvar out {cap(e)}", f"\tif err := row.Scan(&out.ID, &out.{pascal(fld)}, &out.CreatedAt); err != nil {{",
                    f'\t\treturn nil, fmt.Errorf("get {e} %d: %w", id, err)', "\t}", "\treturn &out, nil", "}"]
        return [f"func retry(ctx context.Context, attempts int, fn func() error) error {{", "\tvar err error",
                "\tfor i := 0; i < attempts; i++ {", "\t\tif err = fn(); err == nil {", "\t\t\treturn nil", "\t\t}",
                "\t\tselect {", "\t\tcase <-ctx.Done():", "\t\t\treturn ctx.Err()",
                f"\t\tcase <-time.After(time.Duration(i+1) * {rng.choice([100, 250, 500])} * time.Millisecond):", "\t\t}", "\t}",
                "\treturn err", "}"]

    def assemble(self, f, rng, top, funcs):
        pkg = rng.choice(["config", "client", "internal", "server", f.project.replace("-", "")])
        imports = sorted(['"context"', '"fmt"', '"net/http"', '"os"', '"time"'] + rng.sample(['"bytes"', '"cmp"', '"database/sql"'], 2))
        if f.role == "test":
            imports = sorted(set(imports + ['"testing"']))
        out = [f"// Package {pkg} wires the {f.project} {rng.choice(ENTITIES)} service.", f"package {pkg}", "", "import ("]
        out += ["\t" + i for i in imports] + [")", ""]
        for b in top:
            out += b + [""]
        for b in funcs:
            out += b + [""]
        return "\n".join(out).rstrip() + "\n"


# ======================================================================================
# Java
# ======================================================================================

class Java(CodeKind):
    name = "java"

    def const(self, name, v):
        return [f"    private static final String {upper(name)} = {self.lit(v)};"]

    def raw_assign(self, name, expr):
        return [f"    private final String {camel(name)} = {expr};"]

    def map_block(self, s, pairs, map_name=None):
        mname = map_name or (f"{upper(spec(s).service)}_PROPERTIES" if s else "DEFAULTS")
        inner = ", ".join(f'"{kebab(k)}", {self.lit(v)}' for k, v in pairs)
        return [f"    private static final Map<String, String> {upper(mname)} = Map.of(",
                f'            "region", "{self.rng.choice(REGIONS)}",', f"            {inner});"]

    def envset(self, name, v):
        return [f'System.setProperty("{kebab(name)}", {self.lit(v)});']

    def default(self, name, v):
        return [f'String {camel(name)} = Optional.ofNullable(System.getenv("{upper(name)}")).orElse({self.lit(v)});']

    def call(self, s, v, rng):
        if s.shape == "url":
            return [f"DataSource ds = DataSourceBuilder.create().url({self.lit(v)}).build();"] if spec(s).service in ("postgres", "mysql") \
                else [f"{client_class(s)} client = {client_class(s)}.fromUrl({self.lit(v)});"]
        return [f"{client_class(s)} client = {client_class(s)}.builder()",
                f"        .{camel(param_for(vname(s)))}({self.lit(v)})", "        .build();"]

    def group_call(self, g):
        if g[0].type.startswith("aws"):
            if len(g) == 3:
                return [f"AwsSessionCredentials creds = AwsSessionCredentials.create(",
                        *[f"        {self.lit(s.value)}{',' if i < 2 else ');'}" for i, s in enumerate(g)]]
            return [f"AwsBasicCredentials creds = AwsBasicCredentials.create({self.lit(g[0].value)}, {self.lit(g[1].value)});",
                    "S3Client s3 = S3Client.builder().credentialsProvider(StaticCredentialsProvider.create(creds)).build();"]
        return [f'DefaultProfile profile = DefaultProfile.getProfile("cn-hangzhou", {self.lit(g[0].value)}, {self.lit(g[1].value)});']

    def header(self, value, s, rng):
        return [f'HttpRequest request = HttpRequest.newBuilder(URI.create("https://{spec(s).host}/v1/{rng.choice(ENTITIES)}s"))',
                f'        .header("Authorization", "{value}")', "        .GET()", "        .build();"]

    def get_url(self, url):
        return [f'HttpRequest request = HttpRequest.newBuilder(URI.create("{url}")).GET().build();']

    def multiline(self, name, text):
        lines = text.split("\n")
        return [f'    private static final String {upper(name)} = """', *["            " + l for l in lines], '            """;']

    def sa(self, name, info, rng):
        body = sa_json(info).split("\n")
        return ['    private static final String SERVICE_ACCOUNT_JSON = """', *["            " + l for l in body], '            """;']

    def comment(self, text):
        return "    // " + text

    def env_refs(self, name):
        return [f'System.getenv("{name}")', f'env.getProperty("{kebab(name).replace("-", ".")}")',
                f'secretsManager.getSecretValue("{kebab(name)}")', f"config.{camel(name)}()"]

    def templates(self, name):
        return ["${" + kebab(name).replace("-", ".") + "}", "${" + name + "}"]

    def test_block(self, pw, rng):
        return ["    @Test", "    void rejectsWrongPassword() {",
                f'        User user = fixtures.createUser("alice", "{pw}");',
                '        assertThrows(AuthenticationException.class, () -> auth.login(user.name(), "wrong"));', "    }"]

    def func(self, s, lines, rng):
        svc = spec(s).service if s else rng.choice(ENTITIES)
        return [f"    public void configure{cap(svc)}() throws Exception {{", *["        " + l for l in lines], "    }"]

    def filler(self, rng):
        e, fld = rng.choice(ENTITIES), rng.choice(FIELDS)
        if rng.random() < 0.5:
            return [f"    public Optional<{cap(e)}> find{cap(e)}(long id) {{",
                    f'        return jdbc.query("SELECT id, {fld} FROM {e}s WHERE id = ?", rowMapper, id)',
                    "                .stream()", "                .findFirst();", "    }"]
        return [f"    public List<{cap(e)}> recent{cap(e)}s(int limit) {{", f"        if (limit <= 0) {{",
                '            throw new IllegalArgumentException("limit must be positive");', "        }",
                f"        return repository.findTop{rng.choice([10, 20, 50])}ByOrderByCreatedAtDesc().stream()",
                "                .limit(limit)", "                .collect(Collectors.toList());", "    }"]

    def assemble(self, f, rng, top, funcs):
        cls = f.path.rsplit("/", 1)[-1].removesuffix(".java")
        pkg = "com.acme." + f.project.replace("-", "")
        imports = sorted(rng.sample(["import java.net.URI;", "import java.net.http.HttpRequest;", "import java.util.List;",
                                     "import java.util.Map;", "import java.util.Optional;", "import java.util.stream.Collectors;",
                                     "import org.springframework.stereotype.Component;"], 5))
        if f.role == "test":
            imports += ["import org.junit.jupiter.api.Test;", "import static org.junit.jupiter.api.Assertions.assertThrows;"]
        out = [f"package {pkg};", ""] + imports + ["", "/**", f" * {cap(rng.choice(ENTITIES))} integration for {f.project}.", " */"]
        out += ["@Component" if f.role != "test" else "", f"public class {cls} {{", ""]
        for b in top:
            out += b + [""]
        for b in funcs:
            out += b + [""]
        out.append("}")
        return "\n".join(l for l in out if l is not None).rstrip() + "\n"


# ======================================================================================
# C#
# ======================================================================================

class CSharp(CodeKind):
    name = "csharp"

    def const(self, name, v):
        return [f"    private const string {pascal(name)} = {self.lit(v)};"]

    def raw_assign(self, name, expr):
        return [f"    private readonly string _{camel(name)} = {expr};"]

    def map_block(self, s, pairs, map_name=None):
        mname = map_name or (f"{pascal(spec(s).service)}Settings" if s else "Defaults")
        out = [f"    private static readonly Dictionary<string, string> {pascal(mname)} = new()", "    {"]
        for k, v in pairs:
            out.append(f'        ["{pascal(k)}"] = {self.lit(v)},')
        return out + [f'        ["Region"] = "{self.rng.choice(REGIONS)}",', "    };"]

    def envset(self, name, v):
        return [f'Environment.SetEnvironmentVariable("{upper(name)}", {self.lit(v)});']

    def default(self, name, v):
        return [f'var {camel(name)} = Environment.GetEnvironmentVariable("{upper(name)}") ?? {self.lit(v)};']

    def call(self, s, v, rng):
        if s.shape == "url":
            return [f"await using var conn = new NpgsqlConnection({self.lit(v)});"] if spec(s).service == "postgres" \
                else [f"var client = new {client_class(s)}(new Uri({self.lit(v)}));"]
        return [f"var client = new {client_class(s)}({camel(param_for(vname(s)))}: {self.lit(v)});"]

    def group_call(self, g):
        if g[0].type.startswith("aws"):
            if len(g) == 3:
                return ["var credentials = new SessionAWSCredentials(", *[f"    {self.lit(s.value)}{',' if i < 2 else ');'}" for i, s in enumerate(g)]]
            return [f"var credentials = new BasicAWSCredentials({self.lit(g[0].value)}, {self.lit(g[1].value)});",
                    "using var s3 = new AmazonS3Client(credentials, RegionEndpoint.EUWest1);"]
        return [f'var profile = DefaultProfile.GetProfile("cn-hangzhou", {self.lit(g[0].value)}, {self.lit(g[1].value)});']

    def header(self, value, s, rng):
        scheme, _, cred = value.partition(" ")
        return [f'using var http = new HttpClient {{ BaseAddress = new Uri("https://{spec(s).host}/") }};',
                f'http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("{scheme}", "{cred}");',
                f'var response = await http.GetAsync("v1/{rng.choice(ENTITIES)}s");']

    def get_url(self, url):
        return [f'var response = await _http.GetAsync("{url}");', "response.EnsureSuccessStatusCode();"]

    def multiline(self, name, text):
        lines = text.split("\n")
        return [f'    private const string {pascal(name)} = @"{lines[0]}', *lines[1:-1], f'{lines[-1]}";']

    def sa(self, name, info, rng):
        body = sa_json(info).replace('"', '""').split("\n")
        return [f'    private const string ServiceAccountJson = @"{body[0]}', *body[1:-1], f'{body[-1]}";']

    def comment(self, text):
        return "    // " + text

    def env_refs(self, name):
        return [f'Environment.GetEnvironmentVariable("{name}")', f'_configuration["{pascal(name)}"]',
                f'await _secretClient.GetSecretAsync("{kebab(name)}")', f"_options.Value.{pascal(name)}"]

    def templates(self, name):
        return ["#{" + pascal(name) + "}#", "$(" + pascal(name) + ")", "${" + name + "}"]

    def test_block(self, pw, rng):
        return ["    [Fact]", "    public async Task Login_WithWrongPassword_Returns401()", "    {",
                f'        var user = await _fixture.CreateUserAsync("alice", "{pw}");',
                '        var response = await _client.PostAsJsonAsync("/login", new { user.Name, Password = "wrong" });',
                "        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);", "    }"]

    def func(self, s, lines, rng):
        svc = spec(s).service if s else rng.choice(ENTITIES)
        return [f"    public async Task Configure{cap(svc)}Async()", "    {", *["        " + l for l in lines],
                "        await Task.CompletedTask;", "    }"]

    def filler(self, rng):
        e, fld = rng.choice(ENTITIES), rng.choice(FIELDS)
        if rng.random() < 0.5:
            return [f"    public async Task<{cap(e)}?> Get{cap(e)}Async(int id, CancellationToken ct = default)", "    {",
                    f"        return await _db.{cap(e)}s.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, ct);", "    }"]
        return [f"    public IReadOnlyList<{cap(e)}> Filter{cap(e)}s(IEnumerable<{cap(e)}> items)", "    {",
                f"        return items.Where(x => x.{pascal(fld)} is not null).OrderBy(x => x.Id).ToList();", "    }"]

    def assemble(self, f, rng, top, funcs):
        cls = f.path.rsplit("/", 1)[-1].removesuffix(".cs")
        usings = sorted(rng.sample(["using System;", "using System.Collections.Generic;", "using System.Linq;",
                                    "using System.Net.Http;", "using System.Net.Http.Headers;", "using System.Threading.Tasks;",
                                    "using Microsoft.Extensions.Configuration;"], 5))
        if f.role == "test":
            usings += ["using Xunit;"]
        out = usings + ["", f"namespace Acme.{pascal(f.project.replace('-', '_'))};", "",
                        f"public class {cls}", "{"]
        for b in top:
            out += b + [""]
        for b in funcs:
            out += b + [""]
        out.append("}")
        return "\n".join(out).rstrip() + "\n"


# ======================================================================================
# Ruby
# ======================================================================================

class Ruby(CodeKind):
    name = "ruby"

    def const(self, name, v):
        return [f"  {upper(name)} = {self.lit(v)}"]

    def raw_assign(self, name, expr):
        return [f"  {upper(name)} = {expr}"]

    def map_block(self, s, pairs, map_name=None):
        mname = map_name or (f"{upper(spec(s).service)}_CONFIG" if s else "DEFAULTS")
        out = [f"  {upper(mname)} = {{"]
        for k, v in pairs:
            out.append(f"    {snake(k)}: {self.lit(v)},")
        return out + [f'    region: "{self.rng.choice(REGIONS)}"', "  }.freeze"]

    def envset(self, name, v):
        return [f'ENV["{upper(name)}"] ||= {self.lit(v)}']

    def default(self, name, v):
        return [f'{snake(name)} = ENV.fetch("{upper(name)}", {self.lit(v)})']

    def call(self, s, v, rng):
        if s.shape == "url":
            kind = URL_SERVICES.get(spec(s).service, "db")
            if kind == "redis":
                return [f"redis = Redis.new(url: {self.lit(v)})"]
            if kind == "sentry":
                return ["Sentry.init do |config|", f"  config.dsn = {self.lit(v)}", "end"]
            return [f"ActiveRecord::Base.establish_connection({self.lit(v)})"] if kind == "db" else [f"client = {client_class(s)}.new(url: {self.lit(v)})"]
        return [f"client = {client_class(s).replace('Client', '')}::Client.new({param_for(vname(s))}: {self.lit(v)})"]

    def group_call(self, g):
        if g[0].type.startswith("aws"):
            return ["Aws.config.update(", f'  region: "{self.rng.choice(REGIONS)}",',
                    f"  credentials: Aws::Credentials.new({', '.join(self.lit(s.value) for s in g)})", ")"]
        return ["client = Aliyun::OSS::Client.new(", f"  access_key_id: {self.lit(g[0].value)},",
                f"  access_key_secret: {self.lit(g[1].value)},", '  endpoint: "https://oss-cn-hangzhou.aliyuncs.com"', ")"]

    def header(self, value, s, rng):
        return [f'uri = URI("https://{spec(s).host}/v1/{rng.choice(ENTITIES)}s")', "req = Net::HTTP::Get.new(uri)",
                f'req["Authorization"] = "{value}"', "res = Net::HTTP.start(uri.host, uri.port, use_ssl: true) { |http| http.request(req) }"]

    def get_url(self, url):
        return [f'res = Net::HTTP.get_response(URI("{url}"))']

    def multiline(self, name, text):
        return [f"  {upper(name)} = <<~PEM", *["    " + l for l in text.split("\n")], "  PEM"]

    def sa(self, name, info, rng):
        return [f"  SERVICE_ACCOUNT_JSON = <<~JSON", *["    " + l for l in sa_json(info).split("\n")], "  JSON"]

    def comment(self, text):
        return "  # " + text

    def env_refs(self, name):
        return [f'ENV["{name}"]', f'ENV.fetch("{name}")', f"Rails.application.credentials.{snake(name)}",
                f"Settings.{snake(name)}", f'SecretStore.get("{kebab(name)}")']

    def templates(self, name):
        return ["<%= ENV['" + name + "'] %>", "${" + name + "}", "%{" + snake(name) + "}"]

    def test_block(self, pw, rng):
        return ['  it "rejects a wrong password" do', f'    user = create(:user, email: "alice@example.com", password: "{pw}")',
                '    post "/login", params: { email: user.email, password: "nope" }', "    expect(response).to have_http_status(:unauthorized)", "  end"]

    def func(self, s, lines, rng):
        svc = spec(s).service if s else rng.choice(ENTITIES)
        return [f"  def self.{rng.choice(['build', 'configure', 'connect'])}_{svc}", *["    " + l for l in lines], "  end"]

    def filler(self, rng):
        e, fld = rng.choice(ENTITIES), rng.choice(FIELDS)
        if rng.random() < 0.5:
            return [f"  def self.find_{e}(id)", f"    {cap(e)}.where(id: id).first || raise(NotFound, \"{e} #{{id}}\")", "  end"]
        return [f"  def self.{rng.choice(VERBS)}_{e}s(items)", f"    items.reject {{ |i| i[:{fld}].nil? }}",
                f"         .map {{ |i| i.merge({fld}: i[:{fld}].to_s.strip) }}", "  end"]

    def assemble(self, f, rng, top, funcs):
        mod = pascal(f.project.replace("-", "_"))
        out = ["# frozen_string_literal: true", ""] + sorted(rng.sample(['require "json"', 'require "net/http"',
                                                                          'require "logger"', 'require "aws-sdk-s3"',
                                                                          'require "redis"'], 3)) + [""]
        if f.role == "test":
            out = ['require "rails_helper"', "", f'RSpec.describe "{mod} sessions", type: :request do']
            for b in top + funcs:
                out += b + [""]
            return "\n".join(out).rstrip() + "\nend\n"
        out += [f"module {mod}"]
        for b in top:
            out += b + [""]
        for b in funcs:
            out += b + [""]
        out.append("end")
        return "\n".join(out).rstrip() + "\n"


# ======================================================================================
# PHP
# ======================================================================================

class PHP(CodeKind):
    name = "php"
    q = "'"

    def const(self, name, v):
        if self.rng.random() < 0.5:
            return [f"define('{upper(name)}', {self.lit(v)});"]
        return [f"${camel(name)} = {self.lit(v)};"]

    def raw_assign(self, name, expr):
        return [f"${camel(name)} = {expr};"]

    def map_block(self, s, pairs, map_name=None):
        out = [f"${camel(map_name or (spec(s).service + '_config' if s else 'defaults'))} = ["]
        for k, v in pairs:
            out.append(f"    '{snake(k)}' => {self.lit(v)},")
        return out + [f"    'timeout' => {self.rng.choice([5, 10, 30])},", "];"]

    def envset(self, name, v):
        return [f"putenv('{upper(name)}={v}');"]

    def default(self, name, v):
        return [f"${camel(name)} = getenv('{upper(name)}') ?: {self.lit(v)};"]

    def call(self, s, v, rng):
        if s.shape == "url":
            if spec(s).service in ("postgres", "mysql"):
                return [f"$pdo = new PDO({self.lit(v)});"]
            return [f"$client = new {client_class(s)}({self.lit(v)});"]
        return [f"$client = new {client_class(s)}(['{param_for(vname(s))}' => {self.lit(v)}]);"]

    def group_call(self, g):
        if g[0].type.startswith("aws"):
            out = ["$s3 = new S3Client([", f"    'region' => '{self.rng.choice(REGIONS)}',", "    'credentials' => ["]
            for s in g:
                key = {"aws-access-key-id": "key", "aws-secret-access-key": "secret"}.get(s.type, "token")
                out.append(f"        '{key}' => {self.lit(s.value)},")
            return out + ["    ],", "]);"]
        return [f"AlibabaCloud::accessKeyClient({self.lit(g[0].value)}, {self.lit(g[1].value)})",
                "    ->regionId('cn-hangzhou')", "    ->asDefaultClient();"]

    def header(self, value, s, rng):
        return [f"$ch = curl_init('https://{spec(s).host}/v1/{rng.choice(ENTITIES)}s');",
                f"curl_setopt($ch, CURLOPT_HTTPHEADER, ['Authorization: {value}', 'Accept: application/json']);",
                "curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);", "$body = curl_exec($ch);"]

    def get_url(self, url):
        return [f"$body = file_get_contents('{url}');"]

    def multiline(self, name, text):
        return [f"${camel(name)} = <<<'PEM'", *text.split("\n"), "PEM;"]

    def sa(self, name, info, rng):
        return ["$serviceAccount = json_decode(<<<'JSON'", *sa_json(info).split("\n"), "JSON, true);"]

    def comment(self, text):
        return "// " + text

    def env_refs(self, name):
        return [f"getenv('{name}')", f"$_ENV['{name}']", f"env('{name}')", f"config('services.{snake(name)}')",
                f"$this->secrets->get('{kebab(name)}')"]

    def templates(self, name):
        return ["%env(" + name + ")%", "${" + name + "}", "{{ " + snake(name) + " }}"]

    def test_block(self, pw, rng):
        return ["public function testLoginRejectsWrongPassword(): void", "{",
                f"    $user = User::factory()->create(['password' => bcrypt('{pw}')]);",
                "    $this->post('/login', ['email' => $user->email, 'password' => 'wrong'])->assertStatus(401);", "}"]

    def func(self, s, lines, rng):
        svc = spec(s).service if s else rng.choice(ENTITIES)
        return [f"function {camel(rng.choice(['make', 'build', 'connect']) + '_' + svc + '_client')}()", "{", *["    " + l for l in lines], "}"]

    def filler(self, rng):
        e, fld = rng.choice(ENTITIES), rng.choice(FIELDS)
        if rng.random() < 0.5:
            return [f"function find{cap(e)}(PDO $pdo, int $id): ?array", "{",
                    f"    $stmt = $pdo->prepare('SELECT id, {fld} FROM {e}s WHERE id = :id');",
                    "    $stmt->execute(['id' => $id]);", "    return $stmt->fetch(PDO::FETCH_ASSOC) ?: null;", "}"]
        return [f"function normalize{cap(e)}s(array $items): array", "{",
                f"    return array_values(array_filter($items, fn ($i) => isset($i['{fld}'])));", "}"]

    def assemble(self, f, rng, top, funcs):
        out = ["<?php", "", "declare(strict_types=1);", ""]
        if f.role == "test":
            out += ["namespace Tests\\Feature;", "", "use Tests\\TestCase;", "", "final class AuthTest extends TestCase", "{"]
            for b in top + funcs:
                out += ["    " + l if l else l for l in b] + [""]
            return "\n".join(out).rstrip() + "\n}\n"
        out += [f"namespace App\\{pascal(f.project.replace('-', '_'))};", ""]
        out += sorted(rng.sample(["use GuzzleHttp\\Client;", "use Aws\\S3\\S3Client;", "use PDO;", "use Psr\\Log\\LoggerInterface;"], 2)) + [""]
        for b in top:
            out += b + [""]
        for b in funcs:
            out += b + [""]
        return "\n".join(out).rstrip() + "\n"
