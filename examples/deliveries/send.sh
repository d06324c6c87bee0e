#!/bin/sh
# Send the example deliveries in this folder to a running casebot, in file-name order.
# Usage: examples/deliveries/send.sh [TOKEN [BASE_URL]]
# Without them, `casebot webhooks token` and `casebot webhooks url` say: the token of
# the database casebot uses and CASEBOT_PUBLIC_URL (default http://127.0.0.1:8080).
# Each file is named <NN>-<source>-<what>.json and goes to /webhooks/<source>.
set -eu
dir=$(dirname "$0")
casebot=$(command -v casebot || echo "$dir/../../.venv/bin/casebot")
token=${1:-$("$casebot" webhooks token)}
base=${2:-$("$casebot" webhooks url)}
for file in "$dir"/*.json; do
    source=$(basename "$file" | cut -d- -f2)
    printf '%s -> /webhooks/%s: ' "$(basename "$file")" "$source"
    curl -sS -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        --data-binary "@$file" "$base/webhooks/$source"
    echo
done
