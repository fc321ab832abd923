#!/usr/bin/env bash
# End-to-end suite: runs the real binary against the local PostgreSQL and
# Redis and drives it with third-party Node clients (e2e/). Each run gets its
# own database and Redis prefix, so it can run beside other suites; both are
# removed at the end, whatever happened. Exit code: the tests' result.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

log() { printf 'e2e: %s\n' "$*" >&2; }

GRACE_SECONDS=10
run_id="$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
db="agentgraph_e2e_${run_id}"
prefix="agentgraph_e2e_${run_id}:"
pg_base="postgres://postgres@127.0.0.1:5432"
work="$(mktemp -d)"
server_log="$work/server.log"
pid=""
stub_pids=() # the stand-ins of other services (start_stub)

redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

cleanup() {
  local status=$?
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  for p in "${stub_pids[@]}"; do
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  # The Redis-restart test puts Redis back itself; this covers a crash mid-test.
  if ! redis_up; then
    log "Redis is down; starting it again"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null || true
  fi
  psql "$pg_base/postgres?sslmode=disable" -qAt -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 ||
    log "could not drop database $db"
  redis-cli -h 127.0.0.1 -p 6379 --scan --pattern "${prefix}*" 2>/dev/null |
    xargs -r redis-cli -h 127.0.0.1 -p 6379 del >/dev/null 2>&1 || true
  if [ "$status" -ne 0 ] && [ -s "$server_log" ]; then
    log "server log (last 60 lines):"
    tail -n 60 "$server_log" >&2
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

./scripts/services.sh
CHROMIUM_PATH="$(./scripts/browser.sh)"
export CHROMIUM_PATH
go build -o bin/agentgraph ./cmd/agentgraph

# Tests need only the e2e dependencies, not the GraphiQL build's; reinstall
# only when the lock file changed since the last install.
stamp="e2e/node_modules/.e2e-installed"
want="$(sha256sum e2e/package-lock.json | cut -d' ' -f1) omit-dev"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "installing e2e dependencies (npm ci)"
  (cd e2e && npm ci --omit=dev --no-audit --no-fund --loglevel=error)
  echo "$want" >"$stamp"
fi

port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
export DATABASE_URL="$pg_base/$db?sslmode=disable"
export REDIS_URL="redis://127.0.0.1:6379/0"
export REDIS_PREFIX="$prefix"
export LISTEN_ADDR="127.0.0.1:$port"
export SHUTDOWN_GRACE="${GRACE_SECONDS}s"
# Tests sign in with JWTs of their own making (the browser test's JWT sign-in).
JWT_SECRET="e2e-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
export JWT_SECRET
base_url="http://127.0.0.1:$port"

# Starts the stand-in e2e/lib/$1.js and waits for the port it prints.
start_stub() {
  (cd e2e && exec node "lib/$1.js") >"$work/$1.port" &
  stub_pids+=("$!")
  for _ in $(seq 1 50); do [ -s "$work/$1.port" ] && break; sleep 0.1; done
  [ -s "$work/$1.port" ] || { log "the stand-in $1 did not start"; exit 1; }
}
stub_url() { echo "http://127.0.0.1:$(head -n 1 "$work/$1.port")"; }

# The platform's OpenAI key points at a stand-in model server (e2e/lib/llmstub.js)
# that writes its answer slowly, for the browser test's streamed AI text.
start_stub llmstub
export OPENAI_API_KEY="sk-e2e-stub"
export OPENAI_BASE_URL="$(stub_url llmstub)/v1"

# Stored credentials need a key; the browser test connects an account at a
# stand-in OAuth2 provider, "acme" (e2e/lib/oauthstub.js), which sends the
# browser back to PUBLIC_URL's callback and then to the page it came from.
ENCRYPTION_KEY="$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
export ENCRYPTION_KEY
start_stub oauthstub
acme="$(stub_url oauthstub)"
export PUBLIC_URL="$base_url" OAUTH_PROVIDERS=acme OAUTH_ACME_DISPLAY_NAME="Acme SSO" \
  OAUTH_ACME_CLIENT_ID=e2e-client OAUTH_ACME_CLIENT_SECRET=e2e-secret OAUTH_ACME_SCOPES="read write" \
  OAUTH_ACME_AUTH_URL="$acme/authorize" OAUTH_ACME_TOKEN_URL="$acme/token" \
  OAUTH_ACME_USERINFO_URL="$acme/userinfo" OAUTH_ACME_REVOKE_URL="$acme/revoke"

log "serving on $base_url with database $db"
./bin/agentgraph serve >"$server_log" 2>&1 &
pid=$!

ready=""
for _ in $(seq 1 300); do
  if ! kill -0 "$pid" 2>/dev/null; then
    log "the server exited during start-up"
    exit 1
  fi
  if node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "$base_url/readyz"; then
    ready=1
    break
  fi
  sleep 0.2
done
[ -n "$ready" ] || { log "the server was not ready within 60s"; exit 1; }

# Prints the API key of a new user (the last line of `user create`).
new_user() { ./bin/agentgraph user create "$@" | tail -n 1; }
E2E_USER_KEY="$(new_user --email "alice-$run_id@example.com" --credits 1000000)"
E2E_OTHER_USER_KEY="$(new_user --email "bob-$run_id@example.com" --credits 1000000)"
E2E_ADMIN_KEY="$(new_user --email "admin-$run_id@example.com" --role ADMIN --credits 1000000)"
export E2E_USER_KEY E2E_OTHER_USER_KEY E2E_ADMIN_KEY
export AGENTGRAPH_URL="$base_url"

status=0
# Independent files run side by side; the Redis-restart test disturbs the
# shared Redis, so it runs alone, after everything else.
(cd e2e && node --test --test-concurrency=4 test/*.test.js) || status=1
# The web app in headless Chromium; screenshots land in e2e/artifacts/.
(cd e2e && node --test --test-timeout=300000 browser/*.test.js) || status=1
# E2E_SERIAL=0 skips it, for a machine whose Redis others are using.
if [ "${E2E_SERIAL:-1}" != "0" ]; then
  (cd e2e && node --test --test-concurrency=1 serial/*.test.js) || status=1
fi

log "stopping the server (SIGTERM, grace ${GRACE_SECONDS}s)"
kill -TERM "$pid"
deadline=$((SECONDS + GRACE_SECONDS + 2))
while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then
  log "the server did not exit within its ${GRACE_SECONDS}s grace period"
  status=1
else
  code=0
  wait "$pid" || code=$?
  pid=""
  if [ "$code" -ne 0 ]; then
    log "the server exited with status $code after SIGTERM"
    status=1
  fi
fi
exit "$status"
