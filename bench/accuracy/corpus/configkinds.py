"""Renderers for config / infra / docs file kinds."""

from __future__ import annotations

import json
import re

from . import negatives as N
from .codelangs import Python
from .common import (ENTITIES, FIELDS, PROJECTS, REGIONS, cap, camel, dotted, entity, indent, kebab, pascal,
                     pem_escaped, pick_ctx, random_port, sa_json, sa_json_line, snake, spec, upper, url_with_token, vname,
                     yaml_scalar)
from .tokens import ALNUM, HEX, LOWER, rand

LITERAL = ("placeholder", "repeated-sequential", "uuid", "hex-digest", "provider-example-key", "bad-checksum-token",
           "invalid-jwt")


def shq(v):
    """Shell-safe quoting that leaves the value text intact."""
    return "'" + v + "'" if "$" in v or "!" in v else '"' + v + '"'


class ConfigKind:
    name = "config"
    FAMILIES = []

    def render(self, f, rng):
        raise NotImplementedError


# ======================================================================================
# YAML (app config, docker-compose, GitHub Actions)
# ======================================================================================

def merge_yaml_blocks(blocks):
    """Merge blocks that open the same top-level key; repeated child keys get a numeric suffix."""
    merged, order = {}, []
    for b in blocks:
        head = b[0]
        if not head.endswith(":") or head.startswith(("#", " ")):
            order.append(b)
            continue
        if head not in merged:
            merged[head] = ([head], set())
            order.append(merged[head][0])
        lines, keys = merged[head]
        for line in b[1:]:
            if line.startswith("  ") and not line.startswith("   ") and ":" in line:
                k, rest = line[2:].split(":", 1)
                base, n = k, 1
                while k in keys:
                    n += 1
                    k = f"{base}_{n}"
                keys.add(k)
                line = f"  {k}:{rest}"
            lines.append(line)
    return order


class Yaml(ConfigKind):
    name = "yaml"
    FAMILIES = ["placeholder", "template-variable", "env-reference", "repeated-sequential", "uuid", "hex-digest",
                "version-pin", "public-key-or-cert", "provider-example-key", "bad-checksum-token", "invalid-jwt",
                "data-uri-image", "test-password", "docs-prose"]

    def render(self, f, rng):
        return {"compose": self.compose, "gha": self.gha}.get(f.flavor, self.app)(f, rng)

    # -- app config ---------------------------------------------------------------------
    def section(self, s, rng):
        sp = spec(s)
        key = snake(vname(s))
        if s.shape == "pem":
            if rng.random() < 0.65:
                return [f"{sp.service}:", f"  {key}: |", *indent(s.value.split("\n"), 4)]
            return [f"{sp.service}:", f'  {key}: "{pem_escaped(s.value)}"']
        if s.shape == "sa":
            if rng.random() < 0.5:
                return ["gcp:", f"  project: {s.value['project_id']}", "  credentials_json: |", *indent(sa_json(s.value).split("\n"), 4)]
            return ["gcp:", f"  project: {s.value['project_id']}", f"  credentials: '{sa_json_line(s.value)}'"]
        if s.shape == "basic":
            return [f"{sp.service}:", f"  base_url: https://{sp.host}", "  headers:", f'    Authorization: "{s.value}"']
        ctx = pick_ctx(rng, s, ["map", "map", "map", "bearer", "url"] if s.shape == "token" else ["map"])
        if ctx == "bearer":
            return [f"{sp.service}:", f"  base_url: https://{sp.host}", "  headers:", f'    Authorization: "Bearer {s.value}"']
        if ctx == "url":
            return [f"{sp.service}:", f"  endpoint: {yaml_scalar(url_with_token(rng, s), rng, True)}"]
        out = [f"{sp.service}:", f"  {key}: {yaml_scalar(s.value, rng)}"]
        if rng.random() < 0.5:
            out.append(f"  timeout_seconds: {rng.choice([5, 10, 30])}")
        return out

    def group(self, g, rng):
        head = "aws:" if g[0].type.startswith("aws") else "alibaba:"
        out = [head, f"  region: {rng.choice(REGIONS) if head == 'aws:' else 'cn-hangzhou'}"]
        return out + [f"  {snake(vname(s))}: {yaml_scalar(s.value, rng)}" for s in g]

    def neg_app(self, fam, rng, f):
        if fam in LITERAL:
            name, value = N.literal(fam, rng)
            return [f"{rng.choice(['defaults', 'fixtures', 'integrations', 'example'])}:", f"  {snake(name)}: {yaml_scalar(value, rng, True)}"]
        if fam == "template-variable":
            name = N.secret_name(rng)
            v = rng.choice(["${" + name + "}", "{{ vault_" + snake(name) + " }}", "<%= ENV['" + name + "'] %>",
                            "{{ .Values." + camel(name) + " }}"])
            return ["secrets:", f'  {snake(name)}: "{v}"']
        if fam == "env-reference":
            name = N.secret_name(rng)
            return [rng.choice(["database:", "auth:", "smtp:"]),
                    rng.choice([f"  password_file: /run/secrets/{snake(name)}", f"  {snake(name)}_env: {name}",
                                f"  {snake(name)}: !ENV ${{{name}}}"])]
        if fam == "version-pin":
            return ["deploy:", f"  image: registry.acme.net/{f.project}/api@sha256:{rand(rng, HEX, 64, 3)}"]
        if fam == "public-key-or-cert":
            kind, text = N.public_material(rng)
            if kind == "ssh":
                return ["ssh:", "  authorized_keys:", f"    - {text}"]
            return ["tls:", "  ca_cert: |", *indent(text.split("\n"), 4)]
        if fam == "data-uri-image":
            return ["branding:", f'  favicon: "{N.data_uri(rng)}"']
        if fam == "test-password":
            _, pw = N.test_password(rng)
            return ["test:", "  adapter: postgresql", "  database: app_test", "  username: postgres", f"  password: {pw}"]
        if fam == "docs-prose":
            return ["# " + N.prose(rng), "# " + N.prose(rng)]
        return None

    def app(self, f, rng):
        blocks, counts = [], []
        for g in f.plants:
            blocks.append(self.group(g, rng) if len(g) > 1 else self.section(g[0], rng))
        for fam in f.negs:
            b = self.neg_app(fam, rng, f)
            if b:
                blocks.append(b)
                counts.append(fam)
        for _ in range(rng.randint(1, 2)):
            e = entity(rng)
            blocks.append([f"{e}s:", f"  page_size: {rng.choice([25, 50, 100])}", f"  retention_days: {rng.choice([7, 30, 90])}",
                           f"  sort_by: {rng.choice(FIELDS)}"])
        rng.shuffle(blocks)
        blocks = merge_yaml_blocks(blocks)
        out = [f"# {cap(f.project)} service configuration", "app:", f"  name: {f.project}",
               f"  environment: {rng.choice(['production', 'staging'])}", f"  port: {random_port(rng)}",
               "logging:", f"  level: {rng.choice(['info', 'warn', 'debug'])}", "  format: json", ""]
        for b in blocks:
            out += b + [""]
        return "\n".join(out).rstrip() + "\n", counts

    # -- docker-compose -----------------------------------------------------------------
    def compose(self, f, rng):
        counts = []
        list_style = rng.random() < 0.5
        env = []

        def add(key, value, quote=False):
            if list_style:
                env.append(f"      - {key}={value}")
            else:
                env.append(f"      {key}: {yaml_scalar(value, rng, quote)}")
        for g in f.plants:
            for s in g:
                if s.shape == "pem":
                    add(upper(vname(s)), pem_escaped(s.value), True)
                elif s.shape == "sa":
                    env.append(f"      {'- ' if list_style else ''}{upper(vname(s))}{'=' if list_style else ': '}'{sa_json_line(s.value)}'")
                else:
                    add(upper(vname(s)), s.value)
        extra = []
        for fam in f.negs:
            if fam in LITERAL:
                name, value = N.literal(fam, rng)
                add(name, value, True)
            elif fam == "template-variable":
                name = N.secret_name(rng)
                add(name, "${" + name + ":-changeme}" if rng.random() < 0.5 else "${" + name + "}", True)
            elif fam == "env-reference":
                name = N.secret_name(rng)
                add(name + "_FILE", f"/run/secrets/{snake(name)}")
            elif fam == "version-pin":
                extra.append(("image", N.image_pin(rng)))
            elif fam == "test-password":
                extra.append(("dbpw", N.test_password(rng)[1]))
            elif fam == "docs-prose":
                extra.append(("comment", N.prose(rng)))
            else:
                continue
            counts.append(fam)
        image = next((v for k, v in extra if k == "image"), f"acme/{f.project}-api:{rng.randint(1, 3)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}")
        out = [f"# Local stack for {f.project}"]
        out += ["# " + v for k, v in extra if k == "comment"]
        out += ["services:", "  api:", f"    image: {image}", "    ports:", f'      - "{random_port(rng)}:8080"',
                "    depends_on:", "      - db", "    environment:"]
        out += env or ["      LOG_LEVEL: info"]
        dbpw = next((v for k, v in extra if k == "dbpw"), None)
        out += ["  db:", "    image: postgres:16-alpine", "    environment:", "      POSTGRES_USER: app", "      POSTGRES_DB: app"]
        if dbpw:
            out.append(f"      POSTGRES_PASSWORD: {dbpw}")
        out += ["    volumes:", "      - pgdata:/var/lib/postgresql/data", "", "volumes:", "  pgdata: {}"]
        return "\n".join(out) + "\n", counts

    # -- GitHub Actions -----------------------------------------------------------------
    def gha(self, f, rng):
        counts = []
        env, run, steps_pre = [], [], []
        for g in f.plants:
            if len(g) > 1:
                env += [f"      {upper(vname(s))}: {yaml_scalar(s.value, rng)}" for s in g]
                continue
            for s in g:
                if s.shape == "pem":
                    run += ["mkdir -p ~/.ssh", "cat > ~/.ssh/deploy_key <<'EOF'", *s.value.split("\n"), "EOF", "chmod 600 ~/.ssh/deploy_key"]
                elif s.shape == "sa":
                    env.append(f"      {upper(vname(s))}: '{sa_json_line(s.value)}'")
                elif s.shape == "basic":
                    run.append(f'curl -fsS -H "Authorization: {s.value}" https://{spec(s).host}/service/rest/v1/status')
                elif s.shape == "token" and not spec(s).needs_kw and rng.random() < 0.4:
                    run.append(f'curl -fsS -H "Authorization: Bearer {s.value}" https://{spec(s).host}/v1/deployments')
                else:
                    env.append(f"      {upper(vname(s))}: {yaml_scalar(s.value, rng)}")
        for fam in f.negs:
            if fam in LITERAL:
                name, value = N.literal(fam, rng)
                env.append(f"      {name}: {yaml_scalar(value, rng, True)}")
            elif fam == "template-variable":
                name = N.secret_name(rng)
                env.append(f"      {name}: ${{{{ secrets.{name} }}}}")
            elif fam == "env-reference":
                name = N.secret_name(rng)
                run.append(f'test -n "${name}" || {{ echo "{name} is not set"; exit 1; }}')
            elif fam == "version-pin":
                a, v = N.action_pin(rng)
                steps_pre.append(f"      - uses: {a} # {v}")
            elif fam == "test-password":
                env.append(f"      TEST_DB_PASSWORD: {N.test_password(rng)[1]}")
            elif fam == "docs-prose":
                run.append("# " + N.prose(rng))
            elif fam == "public-key-or-cert":
                run.append(f'echo "{N.ssh_public_key(rng)}" >> ~/.ssh/known_hosts')
            else:
                continue
            counts.append(fam)
        out = [f"name: {rng.choice(['deploy', 'release', 'publish', 'nightly'])}", "", "on:", "  push:", "    branches: [main]",
               "  workflow_dispatch: {}", "", "jobs:", "  deploy:", "    runs-on: ubuntu-latest"]
        if env:
            out += ["    env:"] + [e.replace("      ", "      ", 1) for e in env]
        out += ["    steps:"]
        out += steps_pre or ["      - uses: actions/checkout@v4"]
        out += ["      - name: Build", "        run: make build"]
        if run:
            out += ["      - name: Deploy", "        run: |"] + ["          " + r if r else "" for r in run]
        return "\n".join(out) + "\n", counts


# ======================================================================================
# Kubernetes manifests
# ======================================================================================

class K8s(ConfigKind):
    name = "k8s"
    FAMILIES = ["placeholder", "template-variable", "env-reference", "repeated-sequential", "uuid", "hex-digest",
                "version-pin", "public-key-or-cert", "provider-example-key", "bad-checksum-token", "invalid-jwt",
                "test-password", "docs-prose"]

    def render(self, f, rng):
        app = f"{f.project}-{rng.choice(['api', 'worker', 'gateway', 'scheduler'])}"
        ns = rng.choice(["default", "prod", "payments", "platform"])
        secret_lines, env_lines, cm_lines, counts, comments, args = [], [], [], [], [], []
        image = f"registry.acme.net/{app}:{rng.randint(1, 3)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}"
        annotations = []
        for g in f.plants:
            if len(g) > 1:
                secret_lines += [f"  {upper(vname(s))}: {yaml_scalar(s.value, rng, True)}" for s in g]
                continue
            for s in g:
                key = upper(vname(s))
                if s.shape == "pem":
                    secret_lines += [f"  {rng.choice(['tls.key', 'signing.key', 'id_rsa', 'private.pem'])}: |", *indent(s.value.split("\n"), 4)]
                elif s.shape == "sa":
                    secret_lines += ["  key.json: |", *indent(sa_json(s.value).split("\n"), 4)]
                else:
                    where = rng.random()
                    if where < 0.55:
                        secret_lines.append(f"  {key}: {yaml_scalar(s.value, rng, rng.random() < 0.6)}")
                    elif where < 0.9 or spec(s).needs_kw:
                        if spec(s).needs_kw or rng.random() < 0.4:
                            env_lines.append(f'            - {{name: {key}, value: "{s.value}"}}')
                        else:
                            env_lines += [f"            - name: {key}", f'              value: "{s.value}"']
                    else:
                        args.append(f'            - "--{kebab(vname(s))}={s.value}"')
        for fam in f.negs:
            if fam in LITERAL:
                name, value = N.literal(fam, rng)
                cm_lines.append(f"  {name}: {yaml_scalar(value, rng, True)}")
            elif fam == "template-variable":
                name = N.secret_name(rng)
                secret_lines.append(f"  {name}: {{{{ .Values.secrets.{camel(name)} | quote }}}}")
            elif fam == "env-reference":
                name = N.secret_name(rng)
                env_lines += [f"            - name: {name}", "              valueFrom:", "                secretKeyRef:",
                              f"                  name: {app}-secrets", f"                  key: {kebab(name)}"]
            elif fam == "version-pin":
                image = f"registry.acme.net/{app}@sha256:{rand(rng, HEX, 64, 3)}"
            elif fam == "public-key-or-cert":
                cm_lines += ["  ca.crt: |", *indent(N.certificate_pem(rng).split("\n"), 4)]
            elif fam == "test-password":
                cm_lines.append(f"  TEST_DB_PASSWORD: {N.test_password(rng)[1]}")
            elif fam == "docs-prose":
                comments.append("# " + N.prose(rng))
            else:
                continue
            counts.append(fam)
        if "hex-digest" not in counts and rng.random() < 0.5:
            annotations.append(f"        checksum/config: {rand(rng, HEX, 64, 3)}")
            counts.append("hex-digest")
        docs = []
        if secret_lines:
            docs.append(["apiVersion: v1", "kind: Secret", "metadata:", f"  name: {app}-secrets", f"  namespace: {ns}",
                         "type: Opaque", "stringData:", *secret_lines])
        dep = ["apiVersion: apps/v1", "kind: Deployment", "metadata:", f"  name: {app}", f"  namespace: {ns}",
               "  labels:", f"    app: {app}", "spec:", f"  replicas: {rng.choice([2, 3, 4])}", "  selector:",
               "    matchLabels:", f"      app: {app}", "  template:", "    metadata:", "      labels:", f"        app: {app}"]
        if annotations:
            dep += ["      annotations:", *annotations]
        dep += ["    spec:", "      containers:", f"        - name: {app.split('-')[-1]}", f"          image: {image}",
                "          ports:", f"            - containerPort: {random_port(rng)}"]
        if args:
            dep += ["          args:", *args]
        dep += ["          envFrom:", "            - secretRef:", f"                name: {app}-secrets"]
        if env_lines:
            dep += ["          env:", *env_lines]
        dep += ["          resources:", "            limits:", f"              memory: {rng.choice(['256Mi', '512Mi', '1Gi'])}",
                f"              cpu: {rng.choice(['250m', '500m', '1'])}"]
        docs.append(dep)
        if cm_lines:
            docs.append(["apiVersion: v1", "kind: ConfigMap", "metadata:", f"  name: {app}-config", f"  namespace: {ns}",
                         "data:", *cm_lines])
        rng.shuffle(docs)
        out = comments[:]
        for i, d in enumerate(docs):
            if i:
                out.append("---")
            out += d
        return "\n".join(out) + "\n", counts


# ======================================================================================
# JSON
# ======================================================================================

def put(d, key, value):
    """Set d[key] without overwriting an existing entry (a second one gets a numbered key)."""
    k, n = key, 1
    while k in d:
        n += 1
        k = f"{key}{n}" if key[:1].isupper() or "_" not in key else f"{key}_{n}"
    d[k] = value


class Json(ConfigKind):
    name = "json"
    FAMILIES = ["placeholder", "template-variable", "env-reference", "repeated-sequential", "uuid", "hex-digest",
                "version-pin", "public-key-or-cert", "provider-example-key", "bad-checksum-token", "invalid-jwt",
                "data-uri-image", "test-password", "docs-prose"]

    def render(self, f, rng):
        if f.role == "aux-lockfile":
            return N.package_lock(rng), ["lockfile"]
        counts = []
        if f.flavor == "sa" and len(f.plants) == 1 and f.plants[0][0].shape == "sa":
            return json.dumps(f.plants[0][0].value, indent=2) + "\n", counts
        if f.flavor == "package":
            doc = {"name": f"@acme/{f.project}", "version": f"{rng.randint(0, 3)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
                   "private": True, "scripts": {"build": "tsc -p .", "test": "vitest run", "lint": "eslint ."},
                   "dependencies": {"express": "^4.19.2", "zod": "^3.23.8"}, "config": {}}
            target = doc["config"]
        elif f.flavor == "appsettings":
            doc = {"Logging": {"LogLevel": {"Default": "Information", "Microsoft.AspNetCore": "Warning"}},
                   "AllowedHosts": "*", "ConnectionStrings": {}}
            target = doc
        else:
            doc = {"service": f.project, "port": random_port(rng), "features": {"beta_checkout": rng.random() < 0.5}}
            target = doc
        key = (lambda n: pascal(n)) if f.flavor == "appsettings" else (lambda n: camel(n) if f.flavor == "package" else snake(n))
        for g in f.plants:
            if len(g) > 1:
                creds = {}
                for s in g:
                    put(creds, key(vname(s)), s.value)
                put(target, "aws" if g[0].type.startswith("aws") else "alibaba", creds)
                continue
            s = g[0]
            sect = target.setdefault(pascal(spec(s).service) if f.flavor == "appsettings" else spec(s).service, {})
            if not isinstance(sect, dict):
                sect = {}
                put(target, spec(s).service, sect)
            if s.shape == "url" and f.flavor == "appsettings" and spec(s).service in ("postgres", "mysql", "mongodb", "redis"):
                put(doc["ConnectionStrings"], rng.choice(["Default", "Primary", "Cache", "Reporting"]), s.value)
                continue
            if s.shape == "sa":
                if rng.random() < 0.5:
                    put(sect, key("CREDENTIALS"), s.value)
                else:
                    put(sect, key("CREDENTIALS_JSON"), sa_json_line(s.value))
                continue
            ctx = pick_ctx(rng, s, ["map", "map", "bearer", "url"] if s.shape == "token" else ["map"])
            if ctx == "bearer":
                put(sect, "headers", {"Authorization": "Bearer " + s.value})
            elif ctx == "url":
                put(sect, key("ENDPOINT"), url_with_token(rng, s))
            elif s.shape == "basic":
                put(sect, "headers", {"Authorization": s.value})
            else:
                put(sect, key(vname(s)), s.value)
        for fam in f.negs:
            if fam in LITERAL:
                name, value = N.literal(fam, rng)
                put(target.setdefault(rng.choice(["defaults", "example", "fixtures"]), {}), key(name), value)
            elif fam == "template-variable":
                name = N.secret_name(rng)
                put(target.setdefault("secrets", {}), key(name), rng.choice(["${" + name + "}", "{{" + camel(name) + "}}", "#{" + name + "}#"]))
            elif fam == "env-reference":
                name = N.secret_name(rng)
                put(target.setdefault("secrets", {}), key(name) + ("Env" if f.flavor != "config" else "_env"), name)
            elif fam == "version-pin":
                if f.flavor == "package":
                    doc["dependencies"][rng.choice(["internal-ui", "shared-utils", "eslint-config"])] = f"github:acme/{rng.choice(PROJECTS)}#{N.git_ref(rng)}"
                else:
                    put(target, "image", f"registry.acme.net/{f.project}@sha256:{rand(rng, HEX, 64, 3)}")
            elif fam == "public-key-or-cert":
                kind, text = N.public_material(rng)
                put(target.setdefault("tls", {}), "publicKey" if kind == "pem" else "authorizedKey", text)
            elif fam == "data-uri-image":
                put(target.setdefault("branding", {}), "icon", N.data_uri(rng))
            elif fam == "test-password":
                put(target, "testUser", {"username": "alice", "password": N.test_password(rng)[1]})
            elif fam == "docs-prose":
                put(target, "_comment", N.prose(rng))
            else:
                continue
            counts.append(fam)
        return json.dumps(doc, indent=2) + "\n", counts


# ======================================================================================
# TOML
# ======================================================================================

TOML_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*) = ")


class Toml(ConfigKind):
    name = "toml"
    FAMILIES = ["placeholder", "template-variable", "env-reference", "repeated-sequential", "uuid", "hex-digest",
                "version-pin", "public-key-or-cert", "provider-example-key", "bad-checksum-token", "invalid-jwt",
                "test-password", "docs-prose"]

    def render(self, f, rng):
        if f.role == "aux-poetry":
            return N.poetry_lock(rng), ["lockfile"]
        if f.role == "aux-cargo":
            return N.cargo_lock(rng), ["lockfile"]
        sections = {}   # table header -> list of blocks (each a list of lines); merged so no table repeats
        counts = []
        netlify = f.flavor == "netlify"
        prefix = {"pyproject": "tool.acme.", "cargo": "registries."}.get(f.flavor, "")

        def add(table, lines):
            if netlify and not table.startswith("["):
                table = "context.production.environment"
            sections.setdefault(table, []).append(lines)

        def key_of(name):
            return upper(name) if netlify else snake(name)

        for g in f.plants:
            if len(g) > 1:
                add(prefix + ("aws" if g[0].type.startswith("aws") else "alibaba"), [f'{key_of(vname(s))} = "{s.value}"' for s in g])
                continue
            s = g[0]
            table = prefix + spec(s).service
            key = key_of(vname(s))
            if s.shape == "pem":
                if rng.random() < 0.6:
                    add(table, [f'{key} = """', *s.value.split("\n"), '"""'])
                else:
                    add(table, [f'{key} = "{pem_escaped(s.value)}"'])
            elif s.shape == "sa":
                add(table, [f"{key_of('GOOGLE_CREDENTIALS')} = '''", *sa_json(s.value).split("\n"), "'''"])
            else:
                ctx = pick_ctx(rng, s, ["map", "map", "url", "bearer"] if s.shape == "token" else ["map"])
                if ctx == "url" and not netlify:
                    add(table, [f'endpoint = "{url_with_token(rng, s)}"'])
                elif (ctx == "bearer" or s.shape == "basic") and not netlify:
                    v = s.value if s.shape == "basic" else "Bearer " + s.value
                    add(table + ".headers", [f'Authorization = "{v}"'])
                else:
                    add(table, [f'{key} = "{s.value}"'])
        for fam in f.negs:
            if fam in LITERAL:
                name, value = N.literal(fam, rng)
                add(prefix + rng.choice(["defaults", "example"]), [f'{key_of(name)} = "{value}"'])
            elif fam == "template-variable":
                name = N.secret_name(rng)
                add(prefix + "secrets", [f'{key_of(name)} = "${{{name}}}"'])
            elif fam == "env-reference":
                name = N.secret_name(rng)
                add(prefix + "secrets", [f'{key_of(name + "_ENV")} = "{name}"', f'{key_of(name + "_FILE")} = "/run/secrets/{snake(name)}"'])
            elif fam == "version-pin":
                sections.setdefault("[dependencies]", []).append(
                    [f'{rng.choice(["internal-proto", "acme-auth", "shared"])} = {{ git = "https://github.com/acme/{rng.choice(PROJECTS)}", rev = "{N.git_ref(rng)}" }}'])
            elif fam == "public-key-or-cert":
                add(prefix + "ssh", [f'{key_of("AUTHORIZED_KEY")} = "{N.ssh_public_key(rng)}"'])
            elif fam == "test-password":
                add(prefix + "test_database", [f'{key_of("USER")} = "postgres"', f'{key_of("PASSWORD")} = "{N.test_password(rng)[1]}"'])
            elif fam == "docs-prose":
                sections.setdefault("#", []).append(["# " + N.prose(rng)])
            else:
                continue
            counts.append(fam)
        if f.flavor == "pyproject":
            out = ["[project]", f'name = "{f.project}"', f'version = "{rng.randint(0, 3)}.{rng.randint(0, 20)}.0"',
                   'requires-python = ">=3.11"', 'dependencies = ["httpx>=0.27", "pydantic>=2.7"]', "",
                   "[tool.ruff]", "line-length = 110", ""]
        elif netlify:
            out = ["[build]", '  command = "npm run build"', '  publish = "dist"', ""]
        elif f.flavor == "cargo":
            out = ["[build]", f"jobs = {rng.choice([2, 4, 8])}", "", "[net]", "git-fetch-with-cli = true", ""]
        else:
            out = [f"# {f.project} runtime configuration", f'title = "{f.project}"', "", "[server]",
                   f'host = "0.0.0.0"', f"port = {random_port(rng)}", ""]
        tables = list(sections)
        rng.shuffle(tables)
        for t in tables:
            blocks = sections[t]
            if t == "#":
                for b in blocks:
                    out += b + [""]
                continue
            out.append(t if t.startswith("[") else f"[{t}]")
            keys = set()
            for b in blocks:
                for line in b:
                    m = TOML_KEY.match(line)
                    if m:
                        k, n = m.group(1), 1
                        while k in keys:
                            n += 1
                            k = f"{m.group(1)}_{n}"
                        keys.add(k)
                        line = k + line[len(m.group(1)):]
                    out.append(line)
            out.append("")
        return "\n".join(out).rstrip() + "\n", counts


# ======================================================================================
# INI (config.ini, .npmrc, .pypirc, alembic.ini)
# ======================================================================================

def merge_ini_sections(blocks):
    """Merge blocks that open the same [section]; a repeated key moves to a numbered twin section."""
    merged, order = {}, []
    for b in blocks:
        if not b[0].startswith("["):
            order.append(b)
            continue
        head, body = b[0], b[1:]
        keys = [l.split("=", 1)[0].strip() for l in body if "=" in l and not l.startswith(" ")]
        n = 1
        while head in merged and set(keys) & merged[head][1]:
            n += 1
            head = b[0][:-1] + f"_{n}]"
        if head not in merged:
            merged[head] = ([head], set())
            order.append(merged[head][0])
        merged[head][0].extend(body)
        merged[head][1].update(keys)
    return order


class Ini(ConfigKind):
    name = "ini"
    FAMILIES = ["placeholder", "template-variable", "env-reference", "repeated-sequential", "uuid", "hex-digest",
                "provider-example-key", "bad-checksum-token", "invalid-jwt", "test-password", "docs-prose",
                "public-key-or-cert"]

    def render(self, f, rng):
        if f.flavor == "npmrc":
            return self.npmrc(f, rng)
        if f.flavor == "aws-credentials":
            out = ["[default]"] + [f"{snake(vname(s))} = {s.value}" for s in f.plants[0]]
            out += ["", "[profile-readonly]", "role_arn = arn:aws:iam::" + rand(rng, "0123456789", 12) + ":role/ReadOnly",
                    "source_profile = default"]
            return "\n".join(out) + "\n", []
        blocks, counts = [], []
        for g in f.plants:
            if len(g) > 1:
                blocks.append([f"[{'aws' if g[0].type.startswith('aws') else 'alibaba'}]"] + [f"{snake(vname(s))} = {s.value}" for s in g])
                continue
            s = g[0]
            sect = f"[{spec(s).service}]"
            if s.type == "pypi-upload-token" and (f.flavor == "pypirc" or rng.random() < 0.7):
                blocks.append(["[pypi]", "username = __token__", f"password = {s.value}"])
            elif s.shape == "pem":
                if rng.random() < 0.5:
                    lines = s.value.split("\n")
                    blocks.append([sect, f"{snake(vname(s))} = {lines[0]}", *["    " + l for l in lines[1:]]])
                else:
                    blocks.append([sect, f"{snake(vname(s))} = {pem_escaped(s.value)}"])
            elif s.shape == "sa":
                blocks.append([sect, f"credentials_json = {sa_json_line(s.value)}"])
            elif s.shape == "url" and s.type in ("postgres-uri", "mysql-uri") and rng.random() < 0.5:
                blocks.append(["[alembic]", "script_location = migrations", f"sqlalchemy.url = {s.value}"])
            else:
                ctx = pick_ctx(rng, s, ["map", "map", "url"] if s.shape == "token" else ["map"])
                if ctx == "url":
                    blocks.append([sect, f"endpoint = {url_with_token(rng, s)}"])
                else:
                    blocks.append([sect, f"{snake(vname(s))} = {s.value}", f"timeout = {rng.choice([5, 10, 30])}"])
        for fam in f.negs:
            if fam in LITERAL:
                name, value = N.literal(fam, rng)
                blocks.append([f"[{rng.choice(['defaults', 'example'])}]", f"{snake(name)} = {value}"])
            elif fam == "template-variable":
                name = N.secret_name(rng)
                blocks.append(["[database]", "user = app", rng.choice([f"password = %(db_password)s", f"password = ${{{name}}}",
                                                                        "dsn = postgresql://%(user)s:%(password)s@%(host)s/app"])])
            elif fam == "env-reference":
                name = N.secret_name(rng)
                blocks.append(["[secrets]", f"{snake(name)} = env:{name}", f"password_command = pass show {kebab(name)}"])
            elif fam == "public-key-or-cert":
                blocks.append(["[ssh]", f"host_key = {N.ssh_public_key(rng)}"])
            elif fam == "test-password":
                blocks.append(["[test]", "db_user = postgres", f"db_password = {N.test_password(rng)[1]}"])
            elif fam == "docs-prose":
                blocks.append(["; " + N.prose(rng)])
            else:
                continue
            counts.append(fam)
        rng.shuffle(blocks)
        if f.flavor == "pypirc":
            out = ["[distutils]", "index-servers =", "    pypi", "    internal", "", "[internal]",
                   "repository = https://pypi.acme.net/", "username = deploy", ""]
        else:
            out = [f"; {f.project} settings", "[server]", f"host = 0.0.0.0", f"port = {random_port(rng)}",
                   f"workers = {rng.choice([2, 4, 8])}", ""]
        for b in merge_ini_sections(blocks):
            out += b + [""]
        return "\n".join(out).rstrip() + "\n", counts

    def npmrc(self, f, rng):
        out = ["registry=https://registry.npmjs.org/", "save-exact=true", "fund=false"]
        counts = []
        for g in f.plants:
            for s in g:
                if s.type == "npm-access-token":
                    out.append(f"//registry.npmjs.org/:_authToken={s.value}")
                elif s.type == "jfrog-api-key" or s.shape == "basic":
                    out += ["@acme:registry=https://acme.jfrog.io/artifactory/api/npm/npm/",
                            f"//acme.jfrog.io/artifactory/api/npm/npm/:_auth={s.value.removeprefix('Basic ')}" if s.shape == "basic"
                            else f"//acme.jfrog.io/artifactory/api/npm/npm/:_password={s.value}"]
                elif s.type == "github-pat" or s.type == "github-fine-grained-pat":
                    out += ["@acme:registry=https://npm.pkg.github.com", f"//npm.pkg.github.com/:_authToken={s.value}"]
                else:
                    out.append(f"{kebab(vname(s))}={s.value if s.shape != 'pem' else pem_escaped(s.value)}")
        for fam in f.negs:
            if fam == "template-variable":
                out.append("//registry.npmjs.org/:_authToken=${NPM_TOKEN}")
            elif fam == "placeholder":
                out.append("//npm.pkg.github.com/:_authToken=<YOUR_GITHUB_TOKEN>")
            elif fam == "docs-prose":
                out.insert(0, "; " + N.prose(rng))
            elif fam == "bad-checksum-token":
                out.append(f"//registry.npmjs.org/:_authToken={N.wrong_crc_token(rng, 'npm_')}")
            else:
                continue
            counts.append(fam)
        return "\n".join(out) + "\n", counts


# ======================================================================================
# .env
# ======================================================================================

class DotEnv(ConfigKind):
    name = "env"
    FAMILIES = ["placeholder", "template-variable", "env-reference", "repeated-sequential", "uuid", "hex-digest",
                "provider-example-key", "bad-checksum-token", "invalid-jwt", "test-password", "docs-prose"]

    def line(self, name, v, rng):
        style = rng.random()
        if "$" in v:
            return f"{name}='{v}'"
        if style < 0.4:
            return f"{name}={v}"
        if style < 0.7:
            return f'{name}="{v}"'
        if style < 0.85:
            return f"export {name}={v}"
        return f"{name}='{v}'"

    def render(self, f, rng):
        blocks, counts = [], []
        for g in f.plants:
            b = []
            for s in g:
                n = upper(vname(s))
                if s.shape == "pem":
                    if rng.random() < 0.5:
                        lines = s.value.split("\n")
                        b += [f'{n}="{lines[0]}', *lines[1:-1], f'{lines[-1]}"']
                    else:
                        b.append(f'{n}="{pem_escaped(s.value)}"')
                elif s.shape == "sa":
                    b.append(f"{n}='{sa_json_line(s.value)}'")
                else:
                    b.append(self.line(n, s.value, rng))
            blocks.append(b)
        for fam in f.negs:
            if fam in LITERAL:
                name, value = N.literal(fam, rng)
                blocks.append([self.line(name, value, rng)])
            elif fam == "template-variable":
                name = N.secret_name(rng)
                blocks.append([f"{name}=${{{rng.choice(['VAULT_' + name, name + '_FROM_CI', 'SHARED_' + name])}}}"])
            elif fam == "env-reference":
                name = N.secret_name(rng)
                blocks.append([f"{name}_FILE=/run/secrets/{snake(name)}"])
            elif fam == "test-password":
                blocks.append([f"TEST_DB_PASSWORD={N.test_password(rng)[1]}", "TEST_DB_USER=postgres"])
            elif fam == "docs-prose":
                blocks.append(["# " + N.prose(rng)])
            else:
                continue
            counts.append(fam)
        rng.shuffle(blocks)
        out = [f"# {f.project} - {rng.choice(['production', 'staging', 'local'])} environment",
               f"NODE_ENV={rng.choice(['production', 'development'])}", f"PORT={random_port(rng)}",
               f"LOG_LEVEL={rng.choice(['info', 'debug'])}", f"APP_URL=https://{f.project}.acme.net", ""]
        for b in blocks:
            out += b
            if rng.random() < 0.4:
                out.append("")
        return "\n".join(out).rstrip() + "\n", counts


# ======================================================================================
# Java .properties
# ======================================================================================

class Properties(ConfigKind):
    name = "properties"
    FAMILIES = ["placeholder", "template-variable", "env-reference", "repeated-sequential", "uuid", "hex-digest",
                "provider-example-key", "bad-checksum-token", "invalid-jwt", "test-password", "docs-prose",
                "public-key-or-cert"]

    def key(self, s):
        n = kebab(vname(s))
        return n.replace("-", ".", 1) if "-" in n else n

    def render(self, f, rng):
        sep = rng.choice(["=", " = ", ": "])
        blocks, counts = [], []
        for g in f.plants:
            b = []
            for s in g:
                k = self.key(s)
                if s.shape == "pem":
                    if rng.random() < 0.5:
                        lines = s.value.split("\n")
                        b += [f"{k}{sep}{lines[0]}\\n\\"] + [f"    {l}\\n\\" for l in lines[1:-1]] + [f"    {lines[-1]}"]
                    else:
                        b.append(f"{k}{sep}{pem_escaped(s.value)}")
                elif s.shape == "sa":
                    b.append(f"gcp.credentials-json{sep}{sa_json_line(s.value)}")
                elif s.shape == "url" and s.type == "postgres-uri" and rng.random() < 0.4:
                    b.append(f"spring.datasource.url{sep}{s.value}")
                else:
                    b.append(f"{k}{sep}{s.value}")
            blocks.append(b)
        for fam in f.negs:
            if fam in LITERAL:
                name, value = N.literal(fam, rng)
                blocks.append([f"{dotted(name)}{sep}{value}"])
            elif fam == "template-variable":
                name = N.secret_name(rng)
                blocks.append([f"{dotted(name)}{sep}${{{name}}}"])
            elif fam == "env-reference":
                name = N.secret_name(rng)
                blocks.append([f"{dotted(name)}{sep}${{vault:secret/{kebab(name)}}}"])
            elif fam == "test-password":
                blocks.append([f"spring.datasource.username{sep}sa", f"spring.datasource.password{sep}{N.test_password(rng)[1]}"])
            elif fam == "docs-prose":
                blocks.append(["# " + N.prose(rng)])
            elif fam == "public-key-or-cert":
                blocks.append([f"sftp.known-host-key{sep}{N.ssh_public_key(rng)}"])
            else:
                continue
            counts.append(fam)
        rng.shuffle(blocks)
        out = [f"# {f.project} application properties", f"spring.application.name{sep}{f.project}",
               f"server.port{sep}{random_port(rng)}", f"management.endpoints.web.exposure.include{sep}health,info", ""]
        for b in blocks:
            out += b + [""]
        return "\n".join(out).rstrip() + "\n", counts


# ======================================================================================
# Dockerfile
# ======================================================================================

class Dockerfile(ConfigKind):
    name = "dockerfile"
    FAMILIES = ["placeholder", "template-variable", "env-reference", "repeated-sequential", "uuid", "hex-digest",
                "version-pin", "public-key-or-cert", "provider-example-key", "bad-checksum-token", "invalid-jwt",
                "test-password", "docs-prose"]

    def plant(self, s, rng):
        n = upper(vname(s))
        sp = spec(s)
        if s.shape == "pem":
            if rng.random() < 0.5:
                return ["RUN mkdir -p /root/.ssh && chmod 700 /root/.ssh",
                        f'RUN echo "{pem_escaped(s.value)}" > /root/.ssh/id_key && chmod 600 /root/.ssh/id_key']
            return ["COPY <<EOF /root/.ssh/id_key", *s.value.split("\n"), "EOF"]
        if s.shape == "sa":
            if rng.random() < 0.5:
                return [f"ENV {n}='{sa_json_line(s.value)}'"]
            return ["COPY <<EOF /app/service-account.json", *sa_json(s.value).split("\n"), "EOF",
                    "ENV GOOGLE_APPLICATION_CREDENTIALS=/app/service-account.json"]
        if s.shape == "basic":
            return [f'RUN curl -fsSL -H "Authorization: {s.value}" https://{sp.host}/repository/raw/tools.tar.gz | tar xz -C /opt']
        if s.type == "npm-access-token" and rng.random() < 0.6:
            return [f'RUN echo "//registry.npmjs.org/:_authToken={s.value}" > .npmrc && npm ci && rm .npmrc']
        if s.type == "pypi-upload-token" and rng.random() < 0.6:
            return [f"RUN pip install --no-cache-dir --index-url https://__token__:{s.value}@pypi.acme.net/simple/ acme-internal"]
        ctx = pick_ctx(rng, s, ["env", "env", "env-legacy", "arg", "bearer", "url"] if s.shape == "token" else ["env", "arg"])
        if ctx == "env":
            return [f"ENV {n}={shq(s.value) if '$' in s.value else s.value}"]
        if ctx == "env-legacy":
            return [f"ENV {n} {s.value}"]
        if ctx == "arg":
            return [f"ARG {n}={shq(s.value) if '$' in s.value else s.value}"]
        if ctx == "bearer":
            return [f'RUN curl -fsSL -H "Authorization: Bearer {s.value}" https://{sp.host}/v1/releases/latest -o /tmp/release.json']
        url = url_with_token(rng, s)
        if url.endswith(".git"):
            return [f"RUN git clone --depth 1 {url} /src/vendor"]
        return [f'RUN curl -fsSL "{url}" -o /tmp/data.json']

    def render(self, f, rng):
        lang = rng.choice(["node", "python", "go"])
        base = {"node": "node:20-alpine", "python": "python:3.12-slim", "go": "golang:1.22"}[lang]
        pre, build_lines, counts, comments = [], [], [], []
        for g in f.plants:
            if len(g) > 1:
                build_lines += [f"ENV {upper(vname(s))}={s.value}" for s in g]
                continue
            build_lines += self.plant(g[0], rng)
        for fam in f.negs:
            if fam in LITERAL:
                name, value = N.literal(fam, rng)
                build_lines.append(f"ENV {name}={value}")
            elif fam == "template-variable":
                name = N.secret_name(rng)
                build_lines += [f"ARG {name}", f"ENV {name}=${{{name}}}"]
            elif fam == "env-reference":
                name = N.secret_name(rng)
                build_lines.append(f"RUN --mount=type=secret,id={kebab(name)} {name}=$(cat /run/secrets/{kebab(name)}) ./scripts/fetch-deps.sh")
            elif fam == "version-pin":
                base = f"{base}@sha256:{rand(rng, HEX, 64, 3)}"
            elif fam == "public-key-or-cert":
                build_lines.append(f'RUN mkdir -p /root/.ssh && echo "{N.ssh_public_key(rng)}" >> /root/.ssh/authorized_keys')
            elif fam == "test-password":
                build_lines += ["ENV POSTGRES_USER=postgres", f"ENV POSTGRES_PASSWORD={N.test_password(rng)[1]}"]
            elif fam == "docs-prose":
                comments.append("# " + N.prose(rng))
            else:
                continue
            counts.append(fam)
        if "hex-digest" not in counts and rng.random() < 0.4:
            sha = rand(rng, HEX, 64, 3)
            build_lines += [f"ENV TINI_VERSION=v0.19.0 TINI_SHA256={sha}",
                            "RUN curl -fsSL -o /tini https://github.com/krallin/tini/releases/download/${TINI_VERSION}/tini \\",
                            '    && echo "${TINI_SHA256}  /tini" | sha256sum -c - && chmod +x /tini']
            counts.append("hex-digest")
        install = {"node": ["COPY package*.json ./", "RUN npm ci --omit=dev"],
                   "python": ["COPY requirements.txt .", "RUN pip install --no-cache-dir -r requirements.txt"],
                   "go": ["COPY go.mod go.sum ./", "RUN go mod download"]}[lang]
        cmd = {"node": 'CMD ["node", "dist/server.js"]', "python": 'CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:create_app()"]',
               "go": 'CMD ["/app/server"]'}[lang]
        out = ["# syntax=docker/dockerfile:1.7", f"# {f.project} image"] + comments
        out += [f"FROM {base} AS build", "WORKDIR /app"] + install
        out += build_lines
        out += ["COPY . .", {"node": "RUN npm run build", "python": "RUN python -m compileall -q .", "go": "RUN CGO_ENABLED=0 go build -o /app/server ./cmd/server"}[lang],
                "", f"EXPOSE {random_port(rng)}", "USER 10001", cmd]
        return "\n".join(out) + "\n", counts


# ======================================================================================
# Terraform
# ======================================================================================

class Terraform(ConfigKind):
    name = "terraform"
    FAMILIES = ["placeholder", "template-variable", "env-reference", "repeated-sequential", "uuid", "hex-digest",
                "version-pin", "public-key-or-cert", "provider-example-key", "bad-checksum-token", "invalid-jwt",
                "test-password", "docs-prose"]

    def plant(self, s, rng, tfvars):
        n = snake(vname(s))
        v = s.value
        if tfvars:
            if s.shape == "pem":
                return [f"{n} = <<-EOT", *indent(v.split("\n"), 2), "EOT"]
            if s.shape == "sa":
                return [f"gcp_credentials = <<-EOT", *indent(sa_json(v).split("\n"), 2), "EOT"]
            return [f'{n} = "{v}"']
        if s.shape == "pem":
            if rng.random() < 0.5:
                return ["locals {", f"  {n} = <<-EOT", *indent(v.split("\n"), 4), "  EOT", "}"]
            return ['resource "kubernetes_secret" "tls" {', "  metadata {", '    name = "tls-keys"', "  }", "  data = {",
                    f'    "tls.key" = "{pem_escaped(v)}"', "  }", "}"]
        if s.shape == "sa":
            return ['provider "google" {', f'  project     = "{v["project_id"]}"', f'  region      = "europe-west1"',
                    "  credentials = <<-EOF", *indent(sa_json(v).split("\n"), 4), "  EOF", "}"]
        ctx = pick_ctx(rng, s, ["tf-variable", "locals", "lambda", "tf-provider"] if s.shape != "url" else ["tf-variable", "locals", "lambda"])
        if ctx == "tf-variable":
            return [f'variable "{n}" {{', "  type      = string", "  sensitive = true", f'  default   = "{v}"', "}"]
        if ctx == "locals":
            return ["locals {", f'  {n} = "{v}"', "}"]
        if ctx == "lambda":
            fn = rng.choice(ENTITIES)
            return [f'resource "aws_lambda_function" "{fn}_handler" {{', f'  function_name = "{fn}-handler"',
                    f'  runtime       = "python3.12"', f'  handler       = "app.handler"', "  environment {", "    variables = {",
                    f'      {upper(vname(s))} = "{v}"', '      LOG_LEVEL = "info"', "    }", "  }", "}"]
        param = "token" if "TOKEN" in upper(vname(s)) else ("password" if "PASSWORD" in upper(vname(s)) else "api_key")
        return [f'provider "{spec(s).service}" {{', f'  {param} = "{v}"', "}"]

    def render(self, f, rng):
        tfvars = f.path.endswith(".tfvars")
        blocks, counts = [], []
        for g in f.plants:
            if len(g) > 1 and g[0].type.startswith("aws") and not tfvars:
                args = [f'  {"access_key" if s.type == "aws-access-key-id" else "secret_key" if s.type == "aws-secret-access-key" else "token"} = "{s.value}"' for s in g]
                blocks.append(['provider "aws" {', f'  region     = "{rng.choice(REGIONS)}"', *args, "}"])
                continue
            if len(g) > 1:
                pairs = [f'{snake(vname(s))} = "{s.value}"' for s in g]
                blocks.append(pairs if tfvars else ["locals {", *["  " + p for p in pairs], "}"])
                continue
            blocks.append(self.plant(g[0], rng, tfvars))
        for fam in f.negs:
            if tfvars and fam in ("template-variable", "env-reference", "version-pin"):
                continue
            if tfvars and fam == "public-key-or-cert":
                blocks.append([f'ssh_public_key = "{N.ssh_public_key(rng)}"'])
                counts.append(fam)
                continue
            if tfvars and fam == "test-password":
                blocks.append([f'test_db_password = "{N.test_password(rng)[1]}"'])
                counts.append(fam)
                continue
            if fam in LITERAL:
                name, value = N.literal(fam, rng)
                blocks.append([f'{snake(name)} = "{value}"'] if tfvars else [f'variable "{snake(name)}" {{', "  type    = string", f'  default = "{value}"', "}"])
            elif fam == "template-variable":
                name = N.secret_name(rng)
                blocks.append(["locals {", f'  {snake(name)}_dsn = "postgresql://app:${{var.{snake(name)}}}@${{aws_db_instance.main.address}}/app"', "}"])
            elif fam == "env-reference":
                name = N.secret_name(rng)
                blocks.append(['data "aws_secretsmanager_secret_version" "' + snake(name) + '" {', f'  secret_id = "prod/{kebab(name)}"', "}", "",
                               "locals {", f"  {snake(name)} = data.aws_secretsmanager_secret_version.{snake(name)}.secret_string", "}"])
            elif fam == "version-pin":
                blocks.append([f'module "{rng.choice(["vpc", "eks", "rds", "iam"])}" {{',
                               f'  source = "git::https://github.com/acme/terraform-modules.git//{rng.choice(["vpc", "eks", "rds"])}?ref={N.git_ref(rng)}"', "}"])
            elif fam == "public-key-or-cert":
                blocks.append(['resource "aws_key_pair" "deployer" {', '  key_name   = "deployer"', f'  public_key = "{N.ssh_public_key(rng)}"', "}"])
            elif fam == "test-password":
                blocks.append(['variable "test_db_password" {', '  description = "Password for the throwaway test database"',
                               f'  default     = "{N.test_password(rng)[1]}"', "}"])
            elif fam == "docs-prose":
                blocks.append(["# " + N.prose(rng)])
            else:
                continue
            counts.append(fam)
        rng.shuffle(blocks)
        if tfvars:
            out = [f'environment = "{rng.choice(["prod", "staging"])}"', f'region      = "{rng.choice(REGIONS)}"', ""]
        else:
            out = ["terraform {", '  required_version = ">= 1.6"', "  required_providers {",
                   '    aws = { source = "hashicorp/aws", version = "~> 5.0" }', "  }", "}", ""]
        for b in blocks:
            out += b + [""]
        if not tfvars:
            out += [f'resource "aws_s3_bucket" "{f.project.replace("-", "_")}_artifacts" {{', f'  bucket = "acme-{f.project}-artifacts"',
                    "  tags = {", f'    Team = "{rng.choice(["platform", "payments", "data"])}"', "  }", "}"]
        return "\n".join(out).rstrip() + "\n", counts


# ======================================================================================
# Shell
# ======================================================================================

class Shell(ConfigKind):
    name = "shell"
    FAMILIES = ["placeholder", "template-variable", "env-reference", "repeated-sequential", "uuid", "hex-digest",
                "version-pin", "public-key-or-cert", "provider-example-key", "bad-checksum-token", "invalid-jwt",
                "test-password", "docs-prose"]

    def plant(self, s, rng):
        n = upper(vname(s))
        sp = spec(s)
        v = s.value
        if s.shape == "pem":
            if rng.random() < 0.6:
                return ['mkdir -p "$HOME/.ssh"', 'cat > "$HOME/.ssh/id_deploy" <<\'EOF\'', *v.split("\n"), "EOF", 'chmod 600 "$HOME/.ssh/id_deploy"']
            return [f'printf \'%b\' "{pem_escaped(v)}" > /tmp/signing.pem']
        if s.shape == "sa":
            return ["cat > /tmp/sa.json <<'EOF'", *sa_json(v).split("\n"), "EOF",
                    "gcloud auth activate-service-account --key-file=/tmp/sa.json"]
        if s.shape == "basic":
            return [f'curl -fsS -H "Authorization: {v}" \\', f"  https://{sp.host}/service/rest/v1/components?repository=releases"]
        if s.type == "generic-password" and rng.random() < 0.4:
            return [f"curl -fsS -u \"admin:{v}\" https://{rng.choice(['jenkins', 'nexus', 'grafana'])}.acme.internal/api/health"]
        if s.type == "dockerhub-pat" and rng.random() < 0.5:
            return [f"echo '{v}' | docker login -u acmebot --password-stdin"]
        if s.shape == "url" and s.type == "postgres-uri" and rng.random() < 0.5:
            return [f'psql "{v}" -c "select count(*) from orders"']
        ctx = pick_ctx(rng, s, ["export", "export", "assign", "bearer", "url"] if s.shape == "token" else ["export", "assign"])
        if ctx == "export":
            return [f"export {n}={shq(v) if rng.random() < 0.7 else v}"]
        if ctx == "assign":
            return [f"{n}={shq(v)}"]
        if ctx == "bearer":
            return ["curl -fsS \\", f'  -H "Authorization: Bearer {v}" \\', '  -H "Accept: application/json" \\',
                    f"  https://{sp.host}/v1/{rng.choice(ENTITIES)}s"]
        url = url_with_token(rng, s)
        if url.endswith(".git"):
            return [f"git clone --depth 1 {url} vendor/{rng.choice(PROJECTS)}"]
        return [f'curl -fsS "{url}" | jq .']

    def render(self, f, rng):
        blocks, counts = [], []
        for g in f.plants:
            if len(g) > 1:
                blocks.append([f"export {upper(vname(s))}={shq(s.value)}" for s in g])
            else:
                blocks.append(self.plant(g[0], rng))
        for fam in f.negs:
            if fam in LITERAL:
                name, value = N.literal(fam, rng)
                if fam == "hex-digest" and rng.random() < 0.5:
                    blocks.append([f'echo "{rand(rng, HEX, 64, 3)}  release.tar.gz" | sha256sum -c -'])
                else:
                    blocks.append([f'{name}="{value}"'])
            elif fam == "template-variable":
                name = N.secret_name(rng)
                blocks.append([f': "${{{name}:?{name} must be set}}"', f'export {name}="${{{name}}}"'])
            elif fam == "env-reference":
                name = N.secret_name(rng)
                blocks.append([f'{name}="$(vault kv get -field=value secret/ci/{kebab(name)})"'])
            elif fam == "version-pin":
                blocks.append([f"git -C vendor/{rng.choice(PROJECTS)} checkout {N.git_ref(rng)}"])
            elif fam == "public-key-or-cert":
                blocks.append([f'echo "{N.ssh_public_key(rng)}" >> "$HOME/.ssh/authorized_keys"'])
            elif fam == "test-password":
                blocks.append([f"PGPASSWORD={N.test_password(rng)[1]} psql -h localhost -U postgres -c 'create database app_test'"])
            elif fam == "docs-prose":
                blocks.append(["usage() {", "  cat <<'USAGE'", f"Usage: {f.path.rsplit('/', 1)[-1]} [--dry-run]", "",
                               N.prose(rng), "USAGE", "}"])
            else:
                continue
            counts.append(fam)
        rng.shuffle(blocks)
        out = ["#!/usr/bin/env bash", f"# {cap(rng.choice(['deploy', 'bootstrap', 'release', 'backup']))} helper for {f.project}.",
               "set -euo pipefail", "", f'readonly REGION="{rng.choice(REGIONS)}"', f'readonly APP="{f.project}"', "",
               "log() { printf '%s %s\\n' \"$(date -u +%FT%TZ)\" \"$*\" >&2; }", ""]
        for b in blocks:
            out += b + [""]
        out += ['log "done: $APP in $REGION"']
        return "\n".join(out) + "\n", counts


# ======================================================================================
# Markdown
# ======================================================================================

class Markdown(ConfigKind):
    name = "markdown"
    FAMILIES = ["placeholder", "template-variable", "env-reference", "repeated-sequential", "uuid", "hex-digest",
                "version-pin", "public-key-or-cert", "provider-example-key", "bad-checksum-token", "invalid-jwt",
                "data-uri-image", "test-password", "docs-prose"]

    def plant(self, s, rng):
        n = upper(vname(s))
        v = s.value
        sp = spec(s)
        if s.shape == "pem":
            return [f"Paste the {rng.choice(['deploy', 'signing', 'service'])} key into `{snake(n)}.pem`:", "", "```", *v.split("\n"), "```"]
        if s.shape == "sa":
            return ["The service account used by the importer:", "", "```json", *sa_json(v).split("\n"), "```"]
        ctx = pick_ctx(rng, s, ["export", "curl", "yaml", "python", "env", "inline"] if s.shape == "token" else ["export", "yaml", "python", "env"])
        if ctx == "export":
            return ["Set up your shell:", "", "```bash", f"export {n}={shq(v)}", "```"]
        if ctx == "curl" or s.shape == "basic":
            auth = v if s.shape == "basic" else "Bearer " + v
            return ["Smoke test:", "", "```sh", "curl -s \\", f'  -H "Authorization: {auth}" \\', f"  https://{sp.host}/v1/health", "```"]
        if ctx == "yaml":
            return ["Example `config.yaml`:", "", "```yaml", f"{sp.service}:", f"  {snake(n)}: {yaml_scalar(v, rng, True)}", "```"]
        if ctx == "python":
            return ["From Python:", "", "```python", "import os", "", f'os.environ["{n}"] = "{v}"', "```"]
        if ctx == "env":
            return ["Add this to `.env`:", "", "```", f"{n}={v}", "```"]
        return [f"The staging {sp.service} account uses `{v}` until the vault migration is done."]

    def render(self, f, rng):
        sections, counts = [], []
        for g in f.plants:
            if len(g) > 1:
                sections.append(["Credentials for the sandbox account:", "", "```ini", "[default]",
                                 *[f"{snake(vname(s))} = {s.value}" for s in g], "```"])
            else:
                sections.append(self.plant(g[0], rng))
        for fam in f.negs:
            if fam in LITERAL:
                name, value = N.literal(fam, rng)
                sections.append([rng.choice(["For example:", "Example value:", "It should look like this:"]), "", "```bash", f"export {name}={value}", "```"])
            elif fam == "template-variable":
                name = N.secret_name(rng)
                sections.append(["In CI the value comes from the secret store:", "", "```yaml", "env:",
                                 f"  {name}: ${{{{ secrets.{name} }}}}", "```"])
            elif fam == "env-reference":
                name = N.secret_name(rng)
                sections.append(["Read it from the environment, never hard-code it:", "", "```js",
                                 f"const {camel(name)} = process.env.{name};", "```"])
            elif fam == "version-pin":
                a, v = N.action_pin(rng)
                sections.append(["Pin actions to a full commit SHA:", "", "```yaml", f"- uses: {a} # {v}", "```"])
            elif fam == "public-key-or-cert":
                sections.append(["Add this public key to `authorized_keys`:", "", "```", N.ssh_public_key(rng), "```"])
            elif fam == "data-uri-image":
                sections.append([f"![status badge]({N.data_uri(rng)})"])
            elif fam == "test-password":
                sections.append([f"The seeded test user is `alice` with password `{N.test_password(rng)[1]}`."])
            elif fam == "docs-prose":
                sections.append([N.prose(rng) + " " + N.prose(rng)])
            else:
                continue
            counts.append(fam)
        rng.shuffle(sections)
        title = cap(f.project) + " " + rng.choice(["setup", "runbook", "integration guide", "onboarding", "operations notes"])
        out = [f"# {title}", "", f"This document describes how to run the {f.project} {rng.choice(ENTITIES)} service "
               f"and its {rng.choice(['staging', 'production', 'local'])} dependencies.", ""]
        for i, s in enumerate(sections):
            if i % 2 == 0:
                out += [f"## {rng.choice(['Configuration', 'Credentials', 'Troubleshooting', 'Deploying', 'Local development', 'Testing'])}", ""]
            out += s + [""]
        return "\n".join(out).rstrip() + "\n", counts


# ======================================================================================
# Jupyter notebooks
# ======================================================================================

class Notebook(ConfigKind):
    name = "ipynb"
    FAMILIES = ["placeholder", "template-variable", "env-reference", "repeated-sequential", "uuid", "hex-digest",
                "public-key-or-cert", "provider-example-key", "bad-checksum-token", "invalid-jwt", "data-uri-image",
                "test-password", "docs-prose"]

    def cell_source(self, s, rng, py):
        n = upper(vname(s))
        v = s.value
        if s.shape == "pem":
            return py.multiline(n, v) if rng.random() < 0.6 else py.const(n, pem_escaped(v))
        if s.shape == "sa":
            return ["import json", ""] + py.sa(n, v, rng)
        if s.shape == "basic":
            return py.header(v, s, rng)
        ctx = pick_ctx(rng, s, ["assign", "environ", "magic-env", "bang-curl", "call"] if s.shape == "token" else ["assign", "environ", "magic-env", "call"])
        if ctx == "assign":
            return py.const(n, v)
        if ctx == "environ":
            return ["import os", f'os.environ["{n}"] = "{v}"']
        if ctx == "magic-env":
            return [f"%env {n}={v}"]
        if ctx == "bang-curl":
            return [f'!curl -s -H "Authorization: Bearer {v}" https://{spec(s).host}/v1/models | head -c 400']
        return py.call(s, v, rng)

    def render(self, f, rng):
        py = Python()
        py.rng = rng
        py.f = f
        cells, counts = [], []
        for g in f.plants:
            if len(g) > 1:
                cells.append(("code", ["import boto3" if g[0].type.startswith("aws") else "from aliyunsdkcore.client import AcsClient", ""]
                              + py.group_call(g), None))
            else:
                cells.append(("code", self.cell_source(g[0], rng, py), None))
        for fam in f.negs:
            if fam == "data-uri-image":
                cells.append(("code", ["import matplotlib.pyplot as plt", "", f"df.groupby('{rng.choice(FIELDS)}').size().plot(kind='bar')", "plt.show()"],
                              {"output_type": "display_data", "data": {"image/png": N.png_b64(rng), "text/plain": ["<Figure size 640x480 with 1 Axes>"]}, "metadata": {}}))
            elif fam == "docs-prose":
                cells.append(("markdown", [N.prose(rng)], None))
            elif fam == "test-password":
                _, pw = N.test_password(rng)
                cells.append(("code", ["# local sandbox only", f'conn = psycopg.connect(host="localhost", user="postgres", password="{pw}")'], None))
            else:
                out = py.negative(fam, rng, f)
                if out is None:
                    continue
                cells.append(("code", out[0], None))
            counts.append(fam)
        rng.shuffle(cells)
        intro = ("markdown", [f"# {cap(rng.choice(ENTITIES))} {rng.choice(['analysis', 'exploration', 'backfill', 'model evaluation'])}", "",
                              f"Notebook for the {f.project} team. Run the cells top to bottom."], None)
        setup = ("code", ["import pandas as pd", "import numpy as np", "import requests", "", f"df = pd.read_parquet('s3://acme-{f.project}/exports/{rng.choice(ENTITIES)}s.parquet')",
                          "df.head()"], {"output_type": "execute_result", "execution_count": 1, "metadata": {},
                                         "data": {"text/plain": [f"   id  {rng.choice(FIELDS)}\n", f"0   1  {rng.randint(10, 99)}\n", f"1   2  {rng.randint(10, 99)}"]}})
        all_cells = [intro, setup] + cells
        nb_cells = []
        count = 1
        for kind, src, output in all_cells:
            src_lines = [l + "\n" for l in src[:-1]] + [src[-1]] if src else []
            cell = {"cell_type": kind, "id": rand(rng, HEX, 8), "metadata": {}, "source": src_lines}
            if kind == "code":
                cell["execution_count"] = count
                outs = []
                if output:
                    o = dict(output)
                    if o["output_type"] == "execute_result":
                        o["execution_count"] = count
                    outs.append(o)
                cell["outputs"] = outs
                count += 1
            nb_cells.append(cell)
        nb = {"cells": nb_cells, "metadata": {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
                                              "language_info": {"name": "python", "version": "3.11.7"}},
              "nbformat": 4, "nbformat_minor": 5}
        return json.dumps(nb, indent=1, ensure_ascii=False) + "\n", counts
