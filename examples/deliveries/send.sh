#!/bin/sh
# Send the example deliveries in this folder to a running casebot, in file-name order.
# Usage: examples/deliveries/send.sh TOKEN [BASE_URL]
# The token and URLs are printed by `casebot serve` (and `make run`) at start-up.
# Each file is named <NN>-<source>-<what>.json and goes to /webhooks/<source>.
set -eu
token=${1:?usage: $0 TOKEN [BASE_URL]}
base=${2:-http://127.0.0.1:8080}
dir=$(dirname "$0")
for file in "$dir"/*.json; do
    source=$(basename "$file" | cut -d- -f2)
    printf '%s -> /webhooks/%s: ' "$(basename "$file")" "$source"
    curl -sS -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        --data-binary "@$file" "$base/webhooks/$source"
    echo
done
