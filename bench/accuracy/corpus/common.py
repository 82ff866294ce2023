"""Shared helpers for the file-kind renderers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from . import negatives as N
from .tokens import ALNUM, HEX, LOWER, rand

# Contexts that lose the provider keyword; keyword-only types never use them.
NO_KW_CONTEXTS = {"bearer", "url", "inline", "env-block", "tf-variable", "positional"}

ENTITIES = ["order", "invoice", "customer", "shipment", "payment", "user", "report", "subscription", "ticket",
            "product", "refund", "account", "session", "webhook", "export"]
FIELDS = ["status", "amount", "email", "created_at", "currency", "region", "plan", "owner_id", "total", "sku"]
VERBS = ["fetch", "load", "sync", "build", "parse", "update", "list", "resolve", "export", "validate"]
PROJECTS = ["billing", "orders", "ledger", "atlas", "nimbus", "kestrel", "harbor", "beacon", "quartz", "meridian",
            "relay", "sentinel", "tundra", "vector", "zephyr", "orbit", "cobalt", "pioneer", "summit", "delta"]
REGIONS = ["eu-west-1", "us-east-1", "us-west-2", "eu-central-1", "ap-southeast-2"]


@dataclass
class FileSpec:
    kind: str
    path: str
    role: str                      # normal | test | aux-<name>
    flavor: str = ""
    plants: list = field(default_factory=list)    # list[list[Secret]] (groups)
    negs: list = field(default_factory=list)      # family ids
    project: str = "app"


def words(name: str) -> list[str]:
    return [w for w in name.lower().split("_") if w]


def snake(name): return "_".join(words(name))
def upper(name): return "_".join(words(name)).upper()
def camel(name):
    w = words(name)
    return w[0] + "".join(x.capitalize() for x in w[1:])
def pascal(name): return "".join(x.capitalize() for x in words(name))
def kebab(name): return "-".join(words(name))
def dotted(name): return ".".join(words(name))


def spec(s):
    return s.extra["spec"]


def vname(s):
    return s.extra["name"]


def pick_ctx(rng, s, options):
    """Choose a context for secret ``s`` among ``options`` (list of names)."""
    opts = list(options)
    if spec(s).needs_kw:
        opts = [o for o in opts if o not in NO_KW_CONTEXTS] or opts
    if s.shape != "token":
        opts = [o for o in opts if o not in ("bearer", "url")] or opts
    return rng.choice(opts)


def url_with_token(rng, s):
    sp = spec(s)
    v = s.value
    if sp.service == "github" and rng.random() < 0.6:
        return f"https://x-access-token:{v}@github.com/acme/{rng.choice(PROJECTS)}-service.git"
    if sp.service == "gitlab" and rng.random() < 0.6:
        return f"https://oauth2:{v}@gitlab.com/acme/{rng.choice(PROJECTS)}.git"
    if sp.service == "npm":
        return f"https://registry.npmjs.org/-/whoami?token={v}"
    param = rng.choice(["api_key", "key", "token", "access_token", "apikey"])
    path = rng.choice(["v1/items", "api/v2/status", "v1/query", "api/events", "v3/search"])
    return f"https://{sp.host}/{path}?{param}={v}"


def sa_json(info, indent=2):
    return json.dumps(info, indent=indent)


def sa_json_line(info):
    return json.dumps(info)


def pem_escaped(text):
    return text.replace("\n", "\\n")


def indent(lines, n):
    pad = " " * n
    return [pad + l if l else l for l in lines]


def cap(s):
    return s[:1].upper() + s[1:]


def entity(rng):
    return rng.choice(ENTITIES)


def neg_values(family, rng):
    """(NAME, value) for literal families."""
    return N.literal(family, rng)


def comment_prose(rng):
    return N.prose(rng)


def yaml_scalar(v: str, rng=None, force_quote=False):
    safe = all(c.isalnum() or c in "._/-+=:@" for c in v) and v[:1].isalnum() and ": " not in v
    if safe and not force_quote and (rng is None or rng.random() < 0.5):
        return v
    return '"' + v + '"'


def random_port(rng):
    return rng.choice([8080, 8000, 3000, 5000, 9090, 8443])


def random_hexish_id(rng, n=8):
    return rand(rng, LOWER + "0123456789", n)
