#!/usr/bin/env python3
"""Every route the server registers (router.add, add_stream, add_open in server/http) is an
operation of docs/openapi.json, and every operation there is a route: a route
cannot be added, or removed, without the document following. The dashboard's
files are registered in a loop and stand in the document as GET /."""
import json
import re
import sys

http_dir, doc_path = sys.argv[1], sys.argv[2]
routes = set()
pattern = re.compile(r'router\.add(?:_stream|_open)?\(\s*verb::(\w+),\s*"([^"]+)"')
import glob
for path in glob.glob(f"{http_dir}/*_routes.cpp"):
    for verb, template in pattern.findall(open(path).read()):
        verb = "delete" if verb == "delete_" else verb
        routes.add((verb.upper(), template.replace("{topic+}", "{topic}")))
routes.add(("GET", "/"))            # the dashboard (static_routes.cpp: one route per embedded file)
routes.add(("GET", "/v1/openapi.json"))  # embedded with the dashboard's files
doc = json.load(open(doc_path))
documented = {(m.upper(), p) for p, item in doc["paths"].items() for m in item if m != "parameters"}
missing, stale = sorted(routes - documented), sorted(documented - routes)
for verb, template in missing:
    print(f"route {verb} {template} is not in {doc_path}")
for verb, template in stale:
    print(f"{doc_path} documents {verb} {template}, which no route serves")
if missing or stale:
    sys.exit(1)
print(f"{len(routes)} routes, all documented")
