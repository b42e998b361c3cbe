#!/usr/bin/env bash
# The Dockerfile's steps without a container engine (none runs on the development machines):
# a clean directory with only what the image copies, production dependencies only (scripts
# skipped but better-sqlite3's), the compiled dist/, then `node dist/main.js` as the numeric
# non-root user 10001 with the application read-only and only the data directory writable.
# Checks /health/ready answers 200, that the service user cannot write the application, that an
# email sent with the CLI is delivered (the sandbox's .eml lands on the data volume) and that
# SIGTERM stops the process with exit code 0. Needs root (to switch user), node, npm, curl.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
UID_GID=10001
PORT="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"

[ "$(id -u)" = 0 ] || { echo "image-steps: must run as root (to start the server as uid $UID_GID)" >&2; exit 1; }

WORK="$(mktemp -d /tmp/mailover-image-XXXXXX)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then kill -KILL "$SERVER_PID"; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
APP="$WORK/app"
DATA="$WORK/data"
mkdir -p "$APP" "$DATA"

echo "== copy what the image copies (package*.json, config/)"
cp "$REPO/package.json" "$REPO/package-lock.json" "$APP/"
cp -r "$REPO/config" "$APP/config"

echo "== deps stage: npm ci --omit=dev --ignore-scripts, then better-sqlite3's install script"
(cd "$APP" && npm ci --omit=dev --no-audit --no-fund --ignore-scripts --prefer-offline --loglevel=error)
ADDON=node_modules/better-sqlite3/build/Release/better_sqlite3.node
version_of() { node -p "require('$1/node_modules/better-sqlite3/package.json').version"; }
if [ "${MAILOVER_IMAGE_STEPS_COMPILE:-0}" = 1 ] || [ ! -f "$REPO/$ADDON" ] \
  || [ "$(version_of "$REPO")" != "$(version_of "$APP")" ]; then
  # What the Dockerfile does. Here prebuild-install cannot download, so node-gyp compiles
  # SQLite: 1.5 to 3 minutes on two busy cores.
  (cd "$APP" && npm rebuild better-sqlite3 --loglevel=error)
else
  # The same install script already compiled this version for this Node in the repository
  # (its own npm ci): reuse that addon rather than compile SQLite again.
  echo "reusing $ADDON $(version_of "$REPO") from the repository (MAILOVER_IMAGE_STEPS_COMPILE=1 compiles it)"
  mkdir -p "$APP/$(dirname "$ADDON")"
  cp "$REPO/$ADDON" "$APP/$ADDON"
fi
if [ -e "$APP/node_modules/typescript" ] || [ -e "$APP/node_modules/jest" ]; then
  echo "image-steps: dev dependencies were installed" >&2; exit 1
fi

echo "== build stage: tsc into dist/, the console into dist/console-ui"
(cd "$REPO" && node_modules/.bin/tsc -p tsconfig.build.json --outDir "$APP/dist")
(cd "$REPO" && node scripts/build-console.js "$APP/dist/console-ui")

echo "== runtime stage: root-owned read-only application, data directory owned by $UID_GID"
chown -R 0:0 "$APP"
chmod -R a-w "$APP"
chmod 0755 "$WORK"
chown "$UID_GID:$UID_GID" "$DATA"
chmod 0700 "$DATA"
as_service() { setpriv --reuid="$UID_GID" --regid="$UID_GID" --clear-groups -- "$@"; }
if as_service touch "$APP/written" 2>/dev/null || as_service touch "$APP/dist/written" 2>/dev/null; then
  echo "image-steps: the service user can write the application" >&2; exit 1
fi

KEY_ID=image-steps
KEY_SECRET="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
cat > "$WORK/overlay.yaml" <<YAML
server:
  host: 127.0.0.1
auth:
  keys:
    - id: \${MAILOVER_KEY_ID}
      secret: \${MAILOVER_KEY_SECRET}
      scopes: [send, read]
YAML
chmod 0644 "$WORK/overlay.yaml"

echo "== start: node dist/main.js as uid $UID_GID on 127.0.0.1:$PORT"
cd "$APP"
env -i PATH="$PATH" HOME=/tmp NODE_ENV=production MAILOVER_DATA_DIR="$DATA" PORT="$PORT" \
  MAILOVER_CONFIG="$WORK/overlay.yaml" MAILOVER_KEY_ID="$KEY_ID" MAILOVER_KEY_SECRET="$KEY_SECRET" \
  setpriv --reuid="$UID_GID" --regid="$UID_GID" --clear-groups -- node dist/main.js > "$WORK/server.log" 2>&1 &
SERVER_PID=$!

ready=""
for _ in $(seq 1 100); do
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health/ready" || true)" = 200 ]; then
    ready=yes; break
  fi
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.2
done
if [ -z "$ready" ]; then
  echo "image-steps: /health/ready never answered 200; server output:" >&2
  cat "$WORK/server.log" >&2; exit 1
fi
echo "/health/ready: 200"
console_page="$(curl -s "http://127.0.0.1:$PORT/console/emails")"
case "$console_page" in
  *'src="main.js"'*) echo "/console: the operator console is served" ;;
  *) echo "image-steps: /console does not serve the console" >&2; exit 1 ;;
esac
[ "$(ps -o uid= -p "$SERVER_PID" | tr -d ' ')" = "$UID_GID" ] || { echo "image-steps: server is not uid $UID_GID" >&2; exit 1; }

echo "== send an email with the CLI"
export MAILOVER_URL="http://127.0.0.1:$PORT" MAILOVER_KEY_ID="$KEY_ID" MAILOVER_KEY_SECRET="$KEY_SECRET"
accepted="$(node dist/cli/mailover.js send --from ops@acme.test --to ann@example.com --subject 'Image steps' --text Hello)"
echo "$accepted"
id="$(node -e 'process.stdout.write(JSON.parse(process.argv[1]).id)' "$accepted")"
status=""
for _ in $(seq 1 100); do
  status="$(node dist/cli/mailover.js get "$id" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).status))')"
  [ "$status" = sent ] && break
  sleep 0.2
done
[ "$status" = sent ] || { echo "image-steps: email $id is $status, not sent" >&2; cat "$WORK/server.log" >&2; exit 1; }
[ -f "$DATA/outbox/$id.eml" ] || { echo "image-steps: no $DATA/outbox/$id.eml" >&2; exit 1; }
echo "email $id: sent, $DATA/outbox/$id.eml written by uid $(stat -c %u "$DATA/outbox/$id.eml")"

echo "== SIGTERM"
kill -TERM "$SERVER_PID"
code=0; wait "$SERVER_PID" || code=$?
SERVER_PID=""
[ "$code" = 0 ] || { echo "image-steps: exit code $code after SIGTERM" >&2; cat "$WORK/server.log" >&2; exit 1; }
echo "image-steps: ok"
