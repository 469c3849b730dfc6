#!/usr/bin/env bash
# Start the action server and the Rasa server on 127.0.0.1; Ctrl-C stops both.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
BRIDGES_BIN=.venv-bridges/bin  # web chat and Telegram: their own environment, a current aiohttp, no Rasa
export RASA_TELEMETRY_ENABLED=false  # no telemetry or error reports leave this machine
# Every file made from here on (endpoints with secrets, logs, the database) is for this account only.
umask 077
mkdir -p var/log
chmod 700 var var/log
# Files of an earlier run (or made before this umask) keep their mode when written again.
chmod 600 var/log/*.log var/prr.db var/prr.db-wal var/prr.db-shm 2>/dev/null

# Rasa keeps conversations in our database and presents the actions token to the action server;
# written under another name first, so no server ever reads half a file.
"$BIN/prr" rasa-endpoints >var/endpoints.yml.new || { echo "Could not write var/endpoints.yml." >&2; exit 1; }
mv -f var/endpoints.yml.new var/endpoints.yml
"$BIN/prr" secret bridge-token >/dev/null || exit 1  # made before the servers read it

# Only the Rasa server may call it (the actions token); it listens on 127.0.0.1.
"$BIN/python" -m bot.rasa_plugins.action_server --port 5055 >var/log/actions.log 2>&1 &
actions_pid=$!
# bot.rasa_plugins.serve is `rasa run` with our tokens checked first. Rasa's HTTP API stays off:
# nothing here needs it (add --enable-api to have it, with the token in var/keys/api.token).
"$BIN/python" -m bot.rasa_plugins.serve run -i 127.0.0.1 --port 5005 -m models/prr.tar.gz \
  --endpoints var/endpoints.yml --credentials credentials.yml >var/log/rasa.log 2>&1 &
rasa_pid=$!
"$BRIDGES_BIN/prr" web --listen 127.0.0.1:5080 --rasa-url http://127.0.0.1:5005 >var/log/web.log 2>&1 &
web_pid=$!
telegram_pid=""
if [ -n "${TELEGRAM_BOT_TOKEN:-}" ]; then
  "$BRIDGES_BIN/prr" telegram --rasa-url http://127.0.0.1:5005 >var/log/telegram.log 2>&1 &
  telegram_pid=$!
fi

stop() {
  trap - INT TERM EXIT
  echo; echo "Stopping the servers ..."
  kill $telegram_pid "$web_pid" "$rasa_pid" "$actions_pid" 2>/dev/null
  wait $telegram_pid "$web_pid" "$rasa_pid" "$actions_pid" 2>/dev/null
  echo "Stopped."
  exit 0
}
trap stop INT TERM EXIT

printf "Waiting for the Rasa server to load the model (logs: var/log/rasa.log) "
for _ in $(seq 1 180); do
  if ! kill -0 "$rasa_pid" 2>/dev/null; then echo; echo "The Rasa server stopped; see var/log/rasa.log"; exit 1; fi
  # Rasa answers / only once the model is loaded; no token needed (none in curl's command line).
  if curl -sf "http://127.0.0.1:5005/" >/dev/null 2>&1; then break; fi
  printf "."; sleep 1
done
echo
cat <<MSG
PRR Assistant is running.
  Rasa server (bridge channel only):     http://127.0.0.1:5005
  Action server (Rasa's calls only):     http://127.0.0.1:5055
  Web chat:                              http://127.0.0.1:5080/   (log in: prr staff set-password NAME --as ADMIN)

Talk to it (as a registered staff member; an admin adds one with: .venv/bin/prr staff add --name NAME --role intake --as ADMIN):
  in a terminal:  .venv/bin/prr shell --as NAME   (asks for NAME's password)
Logs (this account only): var/log/

MSG
if [ -n "$telegram_pid" ]; then
  echo "  Telegram bridge:                       running (long polling; logs: var/log/telegram.log)"
else
  echo "  Telegram bridge:                       off (set TELEGRAM_BOT_TOKEN to start it)"
fi
echo
echo "Press Ctrl-C to stop."
wait "$rasa_pid"
