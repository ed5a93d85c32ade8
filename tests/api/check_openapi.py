#!/usr/bin/python3
"""check_openapi.py - check answers of the registry API against docs/api.yaml.

    check_openapi.py API_YAML REQUEST_PATH STATUS FILE [REQUEST_PATH STATUS FILE]...

For each triple: find the path template of API_YAML that REQUEST_PATH (without
its query string) matches, the response documented for STATUS (or
"default"), and validate the JSON in FILE against its application/json schema.
OpenAPI 3.0's schema dialect is turned into JSON Schema first (nullable:
true becomes a "null" type; $ref into components stays resolvable).
Exits 1 with one line per problem, naming the request, the JSON path and
what is wrong; so docs/api.yaml stays true to what serve answers.
"""
import json
import re
import sys

import jsonschema
import yaml


def to_json_schema(node):
    """OpenAPI 3.0 schema objects -> JSON Schema, recursively."""
    if isinstance(node, list):
        return [to_json_schema(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_json_schema(v) for k, v in node.items() if k not in ("nullable", "example")}
    if node.get("nullable") is True:
        if "type" in out:
            t = out["type"]
            out["type"] = (t if isinstance(t, list) else [t]) + ["null"]
            if "enum" in out:
                out["enum"] = out["enum"] + [None]
        elif "$ref" in out or "allOf" in out:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def template_regex(template):
    """A parameter matches one path segment; {path} (a file's path in a tree) any number."""
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile("^" + "".join((".+" if p == "{path}" else "[^/]+") if p.startswith("{")
                                    else re.escape(p) for p in parts) + "$")


def main(argv):
    if len(argv) < 5 or (len(argv) - 2) % 3 != 0:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    spec = yaml.safe_load(open(argv[1]))
    root = to_json_schema(spec)
    resolver = jsonschema.RefResolver.from_schema(root)
    problems = 0
    for i in range(2, len(argv), 3):
        request, status, path = argv[i], argv[i + 1], argv[i + 2]
        bare = request.split("?", 1)[0]
        matches = [t for t in spec["paths"] if template_regex(t).match(bare)]
        # the most specific template: the one with the fewest parameters
        matches.sort(key=lambda t: t.count("{"))
        if not matches:
            print(f"{request}: no path of {argv[1]} matches", file=sys.stderr)
            problems += 1
            continue
        responses = root["paths"][matches[0]]["get"]["responses"]
        response = responses.get(status) or responses.get("default")
        if response is None:
            print(f"{request}: {argv[1]} documents no {status} answer for {matches[0]}", file=sys.stderr)
            problems += 1
            continue
        if "$ref" in response:
            response = resolver.resolve(response["$ref"])[1]
        schema = response["content"]["application/json"]["schema"]
        doc = json.load(open(path))
        validator = jsonschema.Draft7Validator(schema, resolver=resolver)
        for error in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(p) for p in error.absolute_path) or "(document)"
            print(f"{request} ({status}): {where}: {error.message}", file=sys.stderr)
            problems += 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
