#!/usr/bin/env bash
# The image benchmark: a 1 GiB image uploaded and downloaded through Kumo's image API, against the
# object store (the stack's image service on :9292) and against a file store (a second image process
# on :9293 with KUMO_IMAGE_STORE=file, data under .bench/image), each with its ceiling measured in the
# same run (object store: one object PUT/GET through the object service; file store: the same bytes as
# a fsynced file on the same filesystem) and the image process's peak RSS.
#
#   tools/bench/image/run.sh [--size-mib 1024]
# Needs ./stack.sh running. Prints one JSON document per store.
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "$0")")/../../.." && pwd)"
cd "$ROOT"
[ -f .stack/admin-openrc.sh ] || { echo "run ./stack.sh first (.stack/admin-openrc.sh is missing)"; exit 1; }
# shellcheck disable=SC1091
. .stack/admin-openrc.sh
npx --no-install tsc -b tools/bench

echo "== object store (the stack's image service, :9292)"
node tools/bench/dist/image.js --image-url http://127.0.0.1:9292 --store object "$@"

echo "== file store (a second image process on :9293, data in .bench/image/store)"
mkdir -p .bench/image
# the environment deploy/allinone/services.sh starts the image service with (its NODE_OPTIONS)
image_env="$(grep -o '"image|[^"]*"' deploy/allinone/services.sh | tr -d '"' | cut -d'|' -f5)"
# shellcheck disable=SC2086 # KEY=VALUE words
env $image_env KUMO_CONFIG="$ROOT/.stack/kumo.yaml" KUMO_IMAGE_PORT=9293 KUMO_IMAGE_STORE=file KUMO_IMAGE_FILE_DIR="$ROOT/.bench/image/store" \
  node apps/image/dist/main.api.js > .bench/image/image-file.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -fs -o /dev/null http://127.0.0.1:9293/healthcheck && break; sleep 0.2; done
node tools/bench/dist/image.js --image-url http://127.0.0.1:9293 --store file --pid "$pid" --file-dir "$ROOT/.bench/image" "$@"
