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
telegram_pid=""
if [ -n "${TELEGRAM_BOT_TOKEN:-}" ]; then
  "$BIN/prr" telegram --rasa-url http://127.0.0.1:5005 >var/log/telegram.log 2>&1 &
  telegram_pid=$!
fi

stop() {
  trap - INT TERM EXIT
  echo; echo "Stopping the servers ..."
  kill $telegram_pid "$rasa_pid" "$actions_pid" 2>/dev/null
  wait $telegram_pid "$rasa_pid" "$actions_pid" 2>/dev/null
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

MSG
if [ -n "$telegram_pid" ]; then
  echo "  Telegram bridge:                       running (long polling; logs: var/log/telegram.log)"
else
  echo "  Telegram bridge:                       off (set TELEGRAM_BOT_TOKEN to start it)"
fi
echo
echo "Press Ctrl-C to stop."
wait "$rasa_pid"
