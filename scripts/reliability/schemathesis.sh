#!/usr/bin/env bash
# Fuzzes every operation of a real `quarry serve` from its own /openapi.json with schemathesis
# (installed into scripts/reliability/.venv-schemathesis from PyPI), once per scope: no key,
# read, write and admin. Fails on any 5xx or any response that disagrees with the document
# (status, content type, schema). Figures go into RELIABILITY.md.
#
#   scripts/reliability/schemathesis.sh [QUARRY_BINARY] [MAX_EXAMPLES]
set -euo pipefail
cd "$(dirname "$0")/../.."
quarry=${1:-.build/debug/quarry}
examples=${2:-50}
venv=scripts/reliability/.venv-schemathesis
[[ -x $venv/bin/st ]] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q "schemathesis==4.32.5"; }
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
"$quarry" ingest corpora/demo --home "$work/home" --collection demo --embedder none --quiet >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
QUARRY_API_KEYS="fuzz-read-key-1:read,fuzz-write-key-2:read+write,fuzz-admin-key-3:admin" \
  "$quarry" serve --home "$work/home" --port "$port" --embedder none --quiet &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
status=0
for scope in none read write admin; do
  headers=()
  case $scope in
    read) headers=(-H "Authorization: Bearer fuzz-read-key-1") ;;
    write) headers=(-H "Authorization: Bearer fuzz-write-key-2") ;;
    admin) headers=(-H "Authorization: Bearer fuzz-admin-key-3") ;;
  esac
  echo "== scope: $scope"
  "$venv/bin/st" run "http://127.0.0.1:$port/openapi.json" "${headers[@]}" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples "$examples" --request-timeout 30 --workers 2 --no-color 2>&1 | tail -25 || status=1
done
kill -0 $server 2>/dev/null || { echo "the server died during the run"; status=1; }
exit $status
