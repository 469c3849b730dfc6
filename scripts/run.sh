#!/usr/bin/env bash
# Start the action server and the Rasa server on 127.0.0.1; Ctrl-C stops both.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
mkdir -p var/log

"$BIN/rasa" run actions --actions actions --port 5055 >var/log/actions.log 2>&1 &
actions_pid=$!
"$BIN/rasa" run --enable-api -i 127.0.0.1 --port 5005 -m models/prr.tar.gz \
  --endpoints endpoints.yml --credentials credentials.yml >var/log/rasa.log 2>&1 &
rasa_pid=$!

stop() {
  trap - INT TERM EXIT
  echo; echo "Stopping the servers ..."
  kill "$rasa_pid" "$actions_pid" 2>/dev/null
  wait "$rasa_pid" "$actions_pid" 2>/dev/null
  echo "Stopped."
  exit 0
}
trap stop INT TERM EXIT

printf "Waiting for the Rasa server to load the model (logs: var/log/rasa.log) "
for _ in $(seq 1 180); do
  if ! kill -0 "$rasa_pid" 2>/dev/null; then echo; echo "The Rasa server stopped; see var/log/rasa.log"; exit 1; fi
  if curl -sf http://127.0.0.1:5005/status >/dev/null 2>&1; then break; fi
  printf "."; sleep 1
done
echo
cat <<MSG
PRR Assistant is running.
  Rasa server (REST channel + HTTP API): http://127.0.0.1:5005
  Action server:                         http://127.0.0.1:5055

Talk to it:
  in a terminal:  .venv/bin/prr shell --sender your-staff-id
  over REST:      curl -s http://127.0.0.1:5005/webhooks/rest/webhook \\
                    -H 'Content-Type: application/json' \\
                    -d '{"sender": "your-staff-id", "message": "what does resolution 2396 require?"}'

Press Ctrl-C to stop both servers.
MSG
wait "$rasa_pid"
