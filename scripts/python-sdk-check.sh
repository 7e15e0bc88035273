#!/usr/bin/env bash
# Runs scripts/python-sdk-check.py (the official Encord Python SDK, unchanged) against the emulator:
# makes a demo project, its twin and a project with an image group and an image sequence, an ed25519 key, starts `dist/main.js emulator` on a free port,
# runs the check, stops the emulator. Exit status = the check's.
#
#   ENCORD_SDK_PATH=/tmp/encord-sdk scripts/python-sdk-check.sh [-v]
#
# ENCORD_SDK_PATH: a checkout of github.com/encord-team/encord-client-python (or leave it unset
# when `import encord` already works). It needs requests, pydantic, cryptography, python-dateutil,
# orjson and tqdm; PYTHONPATH is passed through (e.g. for a tqdm unpacked from a .deb). A source
# checkout has no package metadata, which `encord/_version.py` reads: a minimal
# encord-<version>.dist-info is written next to it when missing. Build first (`npm run build`).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/ta-sdk-check.XXXXXX")"
EMU_PID=""
cleanup() {
  if [[ -n "$EMU_PID" ]] && kill -0 "$EMU_PID" 2>/dev/null; then
    kill "$EMU_PID" 2>/dev/null || true
    wait "$EMU_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

if [[ -n "${ENCORD_SDK_PATH:-}" ]]; then
  export PYTHONPATH="$ENCORD_SDK_PATH${PYTHONPATH:+:$PYTHONPATH}"
  if ! ls -d "$ENCORD_SDK_PATH"/encord-*.dist-info >/dev/null 2>&1; then
    version="$(sed -n 's/^version *= *"\(.*\)"/\1/p' "$ENCORD_SDK_PATH/pyproject.toml" | head -1)"
    mkdir -p "$ENCORD_SDK_PATH/encord-${version}.dist-info"
    printf 'Metadata-Version: 2.1\nName: encord\nVersion: %s\n' "$version" > "$ENCORD_SDK_PATH/encord-${version}.dist-info/METADATA"
  fi
fi
"$PY" -c 'import encord.user_client' || { echo "the Encord SDK is not importable (set ENCORD_SDK_PATH)" >&2; exit 2; }

node "$ROOT/dist/main.js" project init "$WORK/project" --demo >/dev/null
node "$ROOT/dist/main.js" project init "$WORK/twin" --twin-of "$WORK/project" >/dev/null
# A third project: one image group and one image sequence made from the demo's images.
node "$ROOT/dist/main.js" project init "$WORK/groups" --title "sdk check: groups" >/dev/null
mkdir -p "$WORK/src/group" "$WORK/src/sequence"
media="$(find "$WORK/project/media" -type f \( -name '*.png' -o -name '*.jpg' \) | sort)"
for f in $(echo "$media" | grep -E '\.png$'); do cp "$f" "$WORK/src/group/"; done
for f in $(echo "$media" | grep -E '\.jpg$'); do cp "$f" "$WORK/src/sequence/"; done
node "$ROOT/dist/main.js" project import "$WORK/groups" "$WORK/src/group" --as image-group >/dev/null
node "$ROOT/dist/main.js" project import "$WORK/groups" "$WORK/src/sequence" --as image-sequence >/dev/null
hash_of() { node "$ROOT/dist/main.js" project status "$1" --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["projectHash"])'; }
PROJECT="$(hash_of "$WORK/project")"
TWIN="$(hash_of "$WORK/twin")"
GROUPS_PROJECT="$(hash_of "$WORK/groups")"

mkdir -p "$WORK/key"
ssh-keygen -q -t ed25519 -N '' -C sdk-check -f "$WORK/key/id"

# --page-size 3: the 8 demo tasks come in 3 pages, so the SDK's paging is exercised.
mkfifo "$WORK/out"
node "$ROOT/dist/main.js" emulator "$WORK/project" "$WORK/twin" "$WORK/groups" --port 0 --page-size 3 \
  --authorized-keys "$WORK/key/id.pub" >"$WORK/out" 2>"$WORK/emulator.err" &
EMU_PID=$!
exec 3<"$WORK/out"
read -r -t 30 line <&3 || { echo "emulator did not start: $(cat "$WORK/emulator.err")" >&2; exit 2; }
cat <&3 >/dev/null &   # keep draining its stdout
URL="${line#listening on }"
echo "emulator $URL, project $PROJECT, twin $TWIN, groups $GROUPS_PROJECT"

set +e
"$PY" "$ROOT/scripts/python-sdk-check.py" "$URL" "$WORK/key/id" "$PROJECT" --twin "$TWIN" --groups "$GROUPS_PROJECT" "$@"
rc=$?
set -e
if [[ -s "$WORK/emulator.err" ]]; then
  echo "--- emulator stderr:" >&2
  cat "$WORK/emulator.err" >&2
fi
exit $rc
