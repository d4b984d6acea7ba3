#!/usr/bin/env python3
"""A wrk Lua script that POSTs search bodies built from a BEIR queries file, rotated per
request, with a bearer key: the load of serve_load.sh and soak.py.

    scripts/bench/wrk_search.py QUERIES.jsonl OUT.lua KEY [MODE [K]]
"""
import json
import sys


def write_lua(queries, path, key, mode="hybrid", k=10):
    bodies = [json.dumps({"query": json.loads(line)["text"], "mode": mode, "k": k}) for line in open(queries) if line.strip()]
    with open(path, "w") as out:
        out.write("local bodies = {\n" + ",\n".join("  " + json.dumps(body) for body in bodies) + "\n}\n")
        out.write('local i = 0\nwrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n')
        out.write(f'wrk.headers["Authorization"] = "Bearer {key}"\n')
        out.write("request = function()\n  i = i % #bodies + 1\n  return wrk.format(nil, nil, nil, bodies[i])\nend\n")


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) < 3:
        raise SystemExit(__doc__)
    mode = args[3] if len(args) > 3 else "hybrid"
    k = int(args[4]) if len(args) > 4 else 10
    write_lua(args[0], args[1], args[2], mode, k)
