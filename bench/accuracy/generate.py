#!/usr/bin/env python3
"""Generate the labeled accuracy corpus for leakgate.

    python3 bench/accuracy/generate.py --seed 42 --out /tmp/corpus [--files-per-kind 15]

Writes realistic source/config/docs files with planted, format-valid fake
credentials and hard negatives, plus:

    labels.json     every planted secret: {"path", "line", "type", "secret"}
    negatives.json  how many hard negatives of each family were written
    manifest.json   seed, file -> kind map, type ids

The output directory becomes a git repository with the corpus staged (not
committed); the three metadata files are kept out of the index through
.git/info/exclude so that ``leakgate scan`` only sees the corpus.  The same
seed always produces byte-identical files (compare with ``diff -r -x .git``).
Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from corpus import negatives as N  # noqa: E402
from corpus import tokens as T  # noqa: E402
from corpus.codelangs import CSharp, Go, Java, JavaScript, PHP, Python, Ruby, TypeScript  # noqa: E402
from corpus.common import ENTITIES, PROJECTS, FileSpec, cap, pascal  # noqa: E402
from corpus.configkinds import (DotEnv, Dockerfile, Ini, Json, K8s, Markdown, Notebook, Properties, Shell,  # noqa: E402
                                Terraform, Toml, Yaml)
from corpus.tokens import HEX, rand  # noqa: E402

METADATA_FILES = ("labels.json", "negatives.json", "manifest.json")

KINDS = {
    "python": Python(), "js": JavaScript(), "ts": TypeScript(), "go": Go(), "java": Java(), "csharp": CSharp(),
    "ruby": Ruby(), "php": PHP(), "yaml": Yaml(), "json": Json(), "toml": Toml(), "ini": Ini(), "env": DotEnv(),
    "properties": Properties(), "dockerfile": Dockerfile(), "terraform": Terraform(), "shell": Shell(),
    "ipynb": Notebook(), "k8s": K8s(), "markdown": Markdown(),
}
KIND_IDS = list(KINDS)

AUX = {  # aux files (negatives only) per kind, given enough files per kind
    "js": ["aux-minified", "aux-bundle", "aux-yarn"],
    "yaml": ["aux-pnpm"],
    "go": ["aux-gosum"],
    "json": ["aux-lockfile"],
    "toml": ["aux-poetry", "aux-cargo"],
}
ENVS = ["production", "staging", "dev", "prod", "local"]
# the first occurrence of these types goes to a kind with a characteristic context
# (.npmrc _authToken, .pypirc, a service-account key file, ~/.aws/credentials); those files get nothing else
PREFERRED_KIND = {"npm-access-token": "ini", "pypi-upload-token": "ini", "gcp-service-account": "json",
                  "group:aws-access-key-id+aws-secret-access-key": "ini"}


# --------------------------------------------------------------------------------------
# paths
# --------------------------------------------------------------------------------------

def choose_path(rng, f: FileSpec) -> tuple[str, str]:
    """Return (path, flavor) for a file, looking at what it will contain."""
    p = f.project
    e = rng.choice(ENTITIES)
    env = rng.choice(ENVS)
    types = {s.type for g in f.plants for s in g}
    svc = next((s.extra["spec"].service for g in f.plants for s in g), rng.choice(ENTITIES))
    test = f.role == "test"
    k = f.kind
    c = rng.choice
    if k == "python":
        return (f"{p}/tests/test_{e}_api.py" if test else c([f"{p}/app/{e}_service.py", f"{p}/{p}/settings/{env}.py",
                f"{p}/scripts/{c(['sync', 'backfill', 'export'])}_{e}s.py", f"{p}/app/integrations/{svc}.py", f"{p}/config.py"])), ""
    if k == "js":
        if f.role == "aux-minified":
            return f"{p}/public/assets/vendor.{rand(rng, HEX, 8)}.min.js", ""
        if f.role == "aux-bundle":
            return f"{p}/dist/app.{rand(rng, HEX, 8)}.js", ""
        if f.role == "aux-yarn":
            return f"{p}/yarn.lock", ""
        return (f"{p}/test/{e}.test.js" if test else c([f"{p}/src/{e}Client.js", f"{p}/config/{env}.js",
                f"{p}/lib/{svc}.js", f"{p}/scripts/{c(['seed', 'migrate', 'publish'])}.js"])), ""
    if k == "ts":
        return (f"{p}/src/{e}/{e}.service.spec.ts" if test else c([f"{p}/src/{e}/{e}.service.ts", f"{p}/src/config/{env}.ts",
                f"{p}/src/lib/{svc}.ts", f"{p}/apps/web/lib/{svc}-client.ts"])), ""
    if k == "go":
        if f.role == "aux-gosum":
            return f"{p}/go.sum", ""
        return (f"{p}/internal/auth/{e}_test.go" if test else c([f"{p}/internal/{svc}/{e}.go", f"{p}/cmd/{p}/main.go",
                f"{p}/pkg/client/{e}_client.go", f"{p}/internal/config/{env}.go"])), ""
    if k == "java":
        cls = pascal(e) + c(["Service", "Client", "Config", "Gateway"])
        pkg = p.replace("-", "")
        if test:
            return f"{p}/src/test/java/com/acme/{pkg}/{cls}Test.java", ""
        return f"{p}/src/main/java/com/acme/{pkg}/{cls}.java", ""
    if k == "csharp":
        proj = pascal(p.replace("-", "_"))
        cls = pascal(e) + c(["Service", "Client", "Options", "Handler"])
        return (f"{p}/tests/{proj}.Tests/{cls}Tests.cs" if test else f"{p}/src/{proj}/{cls}.cs"), ""
    if k == "ruby":
        return (f"{p}/spec/requests/{e}s_spec.rb" if test else c([f"{p}/lib/{p}/{e}_client.rb",
                f"{p}/config/initializers/{svc}.rb", f"{p}/app/services/{e}_sync.rb"])), ""
    if k == "php":
        cls = pascal(e) + c(["Service", "Client", "Gateway"])
        return (f"{p}/tests/Feature/{cls}Test.php" if test else c([f"{p}/config/{svc}.php", f"{p}/src/{cls}.php",
                f"{p}/app/Services/{cls}.php"])), ""
    if k == "yaml":
        if f.role == "aux-pnpm":
            return f"{p}/pnpm-lock.yaml", ""
        if test:
            return f"{p}/tests/fixtures/{e}s.yaml", "app"
        flavor = c(["app", "app", "compose", "gha"])
        if flavor == "compose":
            return c([f"{p}/docker-compose.yml", f"{p}/docker-compose.{env}.yml"]), flavor
        if flavor == "gha":
            return f"{p}/.github/workflows/{c(['deploy', 'release', 'publish', 'nightly'])}.yml", flavor
        return c([f"{p}/config/{env}.yaml", f"{p}/config/application.yml", f"{p}/helm/values-{env}.yaml",
                  f"{p}/ansible/group_vars/{env}.yml"]), flavor
    if k == "json":
        if f.role == "aux-lockfile":
            return f"{p}/package-lock.json", ""
        if len(f.plants) == 1 and f.plants[0][0].shape == "sa" and not test:
            return f"{p}/keys/{f.plants[0][0].value['project_id']}-{rand(rng, HEX, 12)}.json", "sa"
        flavor = "config" if test else c(["config", "config", "appsettings", "package"])
        if flavor == "appsettings":
            return f"{p}/src/{pascal(p.replace('-', '_'))}/appsettings.{c(['Production', 'Staging', 'Development'])}.json", flavor
        if flavor == "package":
            return f"{p}/package.json", flavor
        return (f"{p}/test/fixtures/{e}.json" if test else c([f"{p}/config/{env}.json", f"{p}/config/{svc}.json"])), flavor
    if k == "toml":
        if f.role == "aux-poetry":
            return f"{p}/poetry.lock", ""
        if f.role == "aux-cargo":
            return f"{p}/Cargo.lock", ""
        if test:
            return f"{p}/tests/fixtures/settings.toml", "app"
        flavor = c(["app", "app", "pyproject", "cargo", "netlify"])
        return {"app": c([f"{p}/config/{env}.toml", f"{p}/config.toml"]), "pyproject": f"{p}/pyproject.toml",
                "cargo": f"{p}/.cargo/config.toml", "netlify": f"{p}/netlify.toml"}[flavor], flavor
    if k == "ini":
        if test:
            return f"{p}/pytest.ini", "app"
        if "npm-access-token" in types:
            return f"{p}/.npmrc", "npmrc"
        if "pypi-upload-token" in types:
            return f"{p}/.pypirc", "pypirc"
        if types == {"aws-access-key-id", "aws-secret-access-key"} and len(f.plants) == 1:
            return f"{p}/deploy/.aws/credentials", "aws-credentials"
        return c([f"{p}/config/settings.ini", f"{p}/setup.cfg", f"{p}/alembic.ini", f"{p}/deploy/supervisord.conf",
                  f"{p}/config/{env}.ini"]), "app"
    if k == "env":
        return (f"{p}/.env.test" if test else c([f"{p}/.env", f"{p}/.env.production", f"{p}/.env.local", f"{p}/.env.staging",
                f"{p}/services/{svc}/.env"])), ""
    if k == "properties":
        return (f"{p}/src/test/resources/application-test.properties" if test else c([
            f"{p}/src/main/resources/application.properties", f"{p}/src/main/resources/application-{env}.properties",
            f"{p}/gradle.properties", f"{p}/config/{e}.properties"])), ""
    if k == "dockerfile":
        return (f"{p}/Dockerfile.test" if test else c([f"{p}/Dockerfile", f"{p}/Dockerfile.prod", f"{p}/build/Dockerfile",
                f"{p}/docker/{svc}/Dockerfile"])), ""
    if k == "terraform":
        return (f"{p}/infra/tests/fixtures/main.tf" if test else c([f"{p}/infra/main.tf", f"{p}/infra/providers.tf",
                f"{p}/infra/variables.tf", f"{p}/infra/envs/{env}/terraform.tfvars", f"{p}/infra/modules/{svc}/main.tf"])), ""
    if k == "shell":
        return (f"{p}/tests/integration.sh" if test else c([f"{p}/scripts/deploy.sh", f"{p}/scripts/bootstrap.sh",
                f"{p}/scripts/release.sh", f"{p}/bin/{c(['backup', 'rotate', 'seed'])}-{e}s.sh", f"{p}/.envrc"])), ""
    if k == "ipynb":
        return (f"{p}/notebooks/scratch_{e}.ipynb" if test else
                f"{p}/notebooks/{e}_{c(['analysis', 'exploration', 'backfill', 'eval'])}.ipynb"), ""
    if k == "k8s":
        return (f"{p}/deploy/test/{e}.yaml" if test else c([f"{p}/deploy/k8s/{e}.yaml", f"{p}/k8s/{env}/{e}-deployment.yaml",
                f"{p}/manifests/{e}-secret.yaml"])), ""
    if k == "markdown":
        return (f"{p}/docs/testing.md" if test else c([f"{p}/README.md", f"{p}/docs/{c(['setup', 'deploy', 'integrations', 'faq'])}.md",
                f"{p}/CONTRIBUTING.md", f"{p}/docs/runbooks/{e}.md"])), ""
    raise ValueError(k)


def dedupe(path: str, used: set, rng) -> str:
    if path not in used:
        return path
    d, b = os.path.split(path)
    for i in range(2, 1000):
        alt = f"{d}/{rng.choice(['v2', 'legacy', 'staging', 'eu', 'internal', 'old'])}{i}/{b}"
        if alt not in used:
            return alt
    raise RuntimeError("could not find a free path for " + path)


# --------------------------------------------------------------------------------------
# generation
# --------------------------------------------------------------------------------------

def build(seed: int, files_per_kind: int):
    rng = random.Random(seed)
    per_type = max(5, round(6 * files_per_kind / 15))

    # 1. file slots
    files: list[FileSpec] = []
    by_kind = defaultdict(list)
    for k in KIND_IDS:
        roles = []
        aux = AUX.get(k, [])
        if files_per_kind >= 8:
            roles += aux
        elif files_per_kind >= 4:
            roles += aux[:1]
        roles.append("test")
        roles += ["normal"] * max(0, files_per_kind - len(roles))
        for role in roles[:max(files_per_kind, 1)]:
            f = FileSpec(kind=k, path="", role=role, project=rng.choice(PROJECTS))
            files.append(f)
            by_kind[k].append(f)

    # 2. planted secrets, spread over kinds
    units = []
    for spec in T.TYPES:
        if spec.group:
            continue
        n = per_type
        if spec.id in ("generic-password", "generic-api-key"):
            n = max(per_type, len(KIND_IDS))  # one of each in every kind
        for _ in range(n):
            units.append([T.generate(rng, spec.id)])
    for group in T.GROUPS:
        for _ in range(per_type):
            units.append(T.generate_group(rng, group))
    for g in units:
        for s in g:
            sp = T.TYPE_BY_ID[s.type]
            s.extra["spec"] = sp
            s.extra["name"] = rng.choice(sp.names)

    # assign: each type rotates over kinds so its occurrences land in different kinds
    plant_count = Counter()
    sealed = set()
    first_pref = [g for g in units if (g[0].type if len(g) == 1 else "group:" + "+".join(s.type for s in g)) in PREFERRED_KIND]
    seen_pref = set()
    ordered = []
    for g in first_pref:
        key = g[0].type if len(g) == 1 else "group:" + "+".join(s.type for s in g)
        if key not in seen_pref:
            seen_pref.add(key)
            ordered.append(g)
    units = ordered + [g for g in units if not any(g is o for o in ordered)]
    type_offset = {}
    type_seen = Counter()
    kind_cycle = KIND_IDS[:]
    for g in units:
        key = g[0].type if len(g) == 1 else "group:" + "+".join(s.type for s in g)
        if key not in type_offset:
            type_offset[key] = rng.randrange(len(kind_cycle))
        i = type_seen[key]
        type_seen[key] += 1
        pref = PREFERRED_KIND.get(key)
        if pref and i == 0:
            kind = pref
        else:
            kind = kind_cycle[(type_offset[key] + i * 7) % len(kind_cycle)]
            if pref and kind == pref:
                kind = kind_cycle[(type_offset[key] + i * 7 + 1) % len(kind_cycle)]
        cands = [f for f in by_kind[kind] if not f.role.startswith("aux")]
        weight = lambda f: plant_count[id(f)] + (1.5 if f.role == "test" else 0) + (1000 if id(f) in sealed else 0)
        best = min(weight(f) for f in cands)
        pick = rng.choice([f for f in cands if weight(f) == best])
        pick.plants.append(g)
        plant_count[id(pick)] += len(g)
        if pref and i == 0:
            sealed.add(id(pick))

    # 3. negatives
    fam_use = defaultdict(Counter)
    for f in files:
        if f.role.startswith("aux"):
            continue
        fams = [x for x in KINDS[f.kind].FAMILIES if x != "test-password"]
        want = rng.randint(2, 4)
        chosen = []
        if f.role == "test" and "test-password" in KINDS[f.kind].FAMILIES:
            chosen.append("test-password")
        order = sorted(fams, key=lambda x: (fam_use[f.kind][x], rng.random()))
        chosen += order[:want]
        for x in chosen:
            fam_use[f.kind][x] += 1
        f.negs = chosen

    # 4. paths
    used = set()
    for f in files:
        path, flavor = choose_path(rng, f)
        f.path = dedupe(path, used, rng)
        f.flavor = flavor
        used.add(f.path)
    return files


def render_all(seed: int, files: list[FileSpec]):
    outputs = {}
    labels = []
    neg_total = Counter()
    neg_by_kind = defaultdict(Counter)
    for f in files:
        rng = random.Random(f"{seed}:{f.path}")
        if f.role == "aux-minified":
            text, counts = N.minified_js(rng) + "\n", ["minified-js"]
        elif f.role == "aux-bundle":
            text, counts = N.minified_js(rng) + "\n" + N.source_map_line(rng) + "\n", ["minified-js"]
        elif f.role == "aux-yarn":
            text, counts = N.yarn_lock(rng), ["lockfile"]
        elif f.role == "aux-pnpm":
            text, counts = N.pnpm_lock(rng), ["lockfile"]
        elif f.role == "aux-gosum":
            text, counts = N.go_sum(rng), ["version-pin"]
        else:
            text, counts = KINDS[f.kind].render(f, rng)
        for fam in counts:
            neg_total[fam] += 1
            neg_by_kind[f.kind][fam] += 1
        for g in f.plants:
            for s in g:
                n = text.count(s.anchor)
                if n != 1:
                    raise AssertionError(f"{f.path}: anchor of {s.type} found {n} times")
                pos = text.find(s.anchor)
                if s.start:
                    pos = text.rfind(s.start, 0, pos)
                    assert pos >= 0, (f.path, s.type)
                labels.append({"path": f.path, "line": text.count("\n", 0, pos) + 1, "type": s.type, "secret": s.secret})
        outputs[f.path] = text
    labels.sort(key=lambda l: (l["path"], l["line"], l["type"], l["secret"]))
    return outputs, labels, neg_total, neg_by_kind


def write_corpus(out: str, seed: int, files, outputs, labels, neg_total, neg_by_kind, use_git=True):
    if os.path.exists(out) and os.listdir(out):
        if not os.path.exists(os.path.join(out, "manifest.json")):
            sys.exit(f"generate.py: {out} is not empty and is not a previous corpus; refusing to replace it")
        shutil.rmtree(out)
    os.makedirs(out, exist_ok=True)
    for path in sorted(outputs):
        full = os.path.join(out, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(outputs[path])

    def dump(name, obj):
        with open(os.path.join(out, name), "w", encoding="utf-8", newline="\n") as fh:
            json.dump(obj, fh, indent=2, sort_keys=False)
            fh.write("\n")

    dump("labels.json", labels)
    dump("negatives.json", {
        "description": "hard negatives written per family (unlabeled; any finding on them is a false positive)",
        "families": {fam: neg_total.get(fam, 0) for fam in N.FAMILIES},
        "by_kind": {k: {fam: neg_by_kind[k][fam] for fam in N.FAMILIES if neg_by_kind[k][fam]} for k in KIND_IDS},
        "total": sum(neg_total.values()),
    })
    dump("manifest.json", {
        "seed": seed,
        "files": {f.path: f.kind for f in sorted(files, key=lambda f: f.path)},
        "types": T.TYPE_IDS,
        "kinds": KIND_IDS,
        "metadata_files": list(METADATA_FILES),
    })
    if use_git:
        git = shutil.which("git")
        if not git:
            print("generate.py: git not found; corpus written as plain files only", file=sys.stderr)
            return
        env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1")
        subprocess.run([git, "-c", "init.defaultBranch=main", "init", "-q", out], check=True, env=env)
        subprocess.run([git, "-C", out, "config", "core.autocrlf", "false"], check=True, env=env)
        with open(os.path.join(out, ".git", "info", "exclude"), "a", encoding="utf-8") as fh:
            fh.write("\n# corpus metadata, not part of what the scanner should see\n")
            for m in METADATA_FILES:
                fh.write("/" + m + "\n")
        subprocess.run([git, "-C", out, "add", "-A"], check=True, env=env)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", required=True, help="output directory (replaced if it exists)")
    ap.add_argument("--files-per-kind", type=int, default=15, metavar="K")
    ap.add_argument("--no-git", action="store_true", help="do not make the output a git repository")
    args = ap.parse_args(argv)
    if args.files_per_kind < 1:
        ap.error("--files-per-kind must be >= 1")
    files = build(args.seed, args.files_per_kind)
    outputs, labels, neg_total, neg_by_kind = render_all(args.seed, files)
    write_corpus(args.out, args.seed, files, outputs, labels, neg_total, neg_by_kind, use_git=not args.no_git)
    size = sum(len(t.encode()) for t in outputs.values())
    types = Counter(l["type"] for l in labels)
    print(f"wrote {len(outputs)} files ({size / 1024:.0f} KiB), {len(labels)} labels over {len(types)} types, "
          f"{sum(neg_total.values())} hard negatives -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
