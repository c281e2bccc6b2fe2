#!/usr/bin/env bash
# CostPilot's REST API end to end with nothing but curl and jq: sign in as a client, connect the sample account, wait for its
# discovery, read instances, costs and recommendations, apply the top recommendation and follow its experiment to the end;
# then, given admin credentials, read the admin console's health, accounts, failed jobs and logs, and retry a failed job.
#
#   BASE_URL=http://localhost:8080 EMAIL=me@example.com PASSWORD=... scripts/api-walkthrough.sh
#   optional: ADMIN_EMAIL, ADMIN_PASSWORD; DEADLINE_SECONDS (each wait, default 300)
#
# Exits non-zero with the API's problem detail on the first unexpected answer, or when a wait passes its deadline.
set -euo pipefail

: "${BASE_URL:?Set BASE_URL, e.g. http://localhost:8080}"
: "${EMAIL:?Set EMAIL (a client user)}"
: "${PASSWORD:?Set PASSWORD}"
BASE_URL="${BASE_URL%/}"
DEADLINE_SECONDS="${DEADLINE_SECONDS:-300}"

for tool in curl jq; do
  command -v "$tool" >/dev/null || { echo "This script needs $tool." >&2; exit 2; }
done

BODY="$(mktemp)"
trap 'rm -f "$BODY"' EXIT
TOKEN=""
STATUS=""

# send METHOD PATH [JSON]: the status in $STATUS, the body in $BODY.
send() {
  local args=(-sS -o "$BODY" -w '%{http_code}' -X "$1" -H 'Accept: application/json')
  if [[ -n "$TOKEN" ]]; then args+=(-H "Authorization: Bearer $TOKEN"); fi
  if [[ $# -ge 3 ]]; then args+=(-H 'Content-Type: application/json' --data "$3"); fi
  STATUS="$(curl "${args[@]}" "$BASE_URL$2")"
}

# expect STATUS... : returns when $STATUS is one of them, else stops with the problem's title and detail.
expect() {
  local wanted
  for wanted in "$@"; do [[ "$STATUS" == "$wanted" ]] && return 0; done
  echo "Unexpected HTTP $STATUS (wanted $*): $(jq -r '[.title, .detail] | map(select(. != null)) | join(": ")' "$BODY" 2>/dev/null || head -c 300 "$BODY")" >&2
  exit 1
}

# api METHOD PATH [JSON]: the body of a 2xx answer on stdout; stops on anything else.
api() {
  send "$@"
  expect 200 201 202 204
  cat "$BODY"
}

login() {
  TOKEN=""
  TOKEN="$(api POST /api/auth/login "$(jq -nc --arg e "$1" --arg p "$2" '{email: $e, password: $p}')" | jq -r .access_token)"
}

deadline() { echo $(( $(date +%s) + DEADLINE_SECONDS )); }

# --- Client ------------------------------------------------------------------------------------------------------------
login "$EMAIL" "$PASSWORD"
echo "Signed in as $EMAIL (token valid 24 h)."

send POST /api/onboarding/sample
if [[ "$STATUS" == 409 ]]; then
  ACCOUNT="$(api GET /api/client/accounts | jq -r 'map(select(.method == "sandbox"))[0].id // empty')"
  [[ -n "$ACCOUNT" ]] || { echo "The sample account exists but is not listed." >&2; exit 1; }
  echo "Sample account already connected: $ACCOUNT"
else
  expect 201
  ACCOUNT="$(jq -r .id "$BODY")"
  echo "Connected the sample account: $ACCOUNT"
fi

until_time="$(deadline)"
while :; do
  account="$(api GET "/api/client/accounts/$ACCOUNT")"
  status="$(jq -r .account.status <<<"$account")"
  case "$status" in
    active) break ;;
    error) echo "Discovery failed: $(jq -r '.account.statusMessage // "no message"' <<<"$account")" >&2; exit 1 ;;
  esac
  if (( $(date +%s) > until_time )); then echo "Discovery still '$status' after ${DEADLINE_SECONDS}s." >&2; exit 1; fi
  sleep 2
done
jq -r '"Discovery done: \(.account.instances) instances (\(.account.running) running), $\(.account.cost.totalUsd) a month" +
  (if .account.cost.unknownCount > 0 then " (\(.account.cost.unknownCount) prices unknown, not counted)" else "" end)' <<<"$account"

api GET "/api/client/accounts/$ACCOUNT/instances?sort=MonthlyCost&desc=true&take=5" |
  jq -r '"Most expensive of \(.total) instances:", (.items[] | "  \(.instanceId)  \(.instanceType)  \(.state)  \(if .monthlyUsd == null then "price unknown" else "$\(.monthlyUsd)/month" end)")'

api GET "/api/client/accounts/$ACCOUNT/costs" |
  jq -r '"Cost by region: " + ([.byRegion[] | "\(.label) $\(.monthlyUsd)"] | join(", "))'

# Recommendations follow discovery once utilization is read: wait for one CostPilot can apply (an instance one).
until_time="$(deadline)"
while :; do
  recommendations="$(api GET "/api/client/accounts/$ACCOUNT/recommendations?take=100")"
  top="$(jq -c '[.items[] | select(.kind == "idle" or .kind == "rightsize" or .kind == "graviton" or .kind == "modernize")][0] // empty' <<<"$recommendations")"
  [[ -n "$top" ]] && break
  if (( $(date +%s) > until_time )); then echo "No applicable recommendation after ${DEADLINE_SECONDS}s." >&2; exit 1; fi
  sleep 3
done
jq -r '"\(.total) recommendations; the first 3:", (.items[:3][] | "  \(.kind) \(.resourceId): \(.current) -> \(.proposed), saves \(if .monthlySaving == null then "unknown" else "$\(.monthlySaving)/month" end)")' <<<"$recommendations"

echo "Applying $(jq -r '"\(.kind) on \(.resourceId) (\(.current) -> \(.proposed))"' <<<"$top")"
experiment="$(api POST /api/client/experiments "$(jq -c '{recommendationId: .id}' <<<"$top")")"
EXPERIMENT="$(jq -r .id <<<"$experiment")"
until_time="$(deadline)"
last=""
while :; do
  experiment="$(api GET "/api/client/experiments/$EXPERIMENT")"
  state="$(jq -r .state <<<"$experiment")"
  if [[ "$state" != "$last" ]]; then echo "  experiment $EXPERIMENT: $state"; last="$state"; fi
  [[ "$(jq -r .finished <<<"$experiment")" == true ]] && break
  if (( $(date +%s) > until_time )); then echo "Experiment still '$state' after ${DEADLINE_SECONDS}s." >&2; exit 1; fi
  sleep 2
done
jq -r '"Experiment ended \(.state)" + (if .realizedMonthlySaving != null then ", saving $\(.realizedMonthlySaving)/month" else "" end) +
  (if .message != null then " (\(.message))" else "" end) + ", downtime \(.downtimeSeconds | floor) s"' <<<"$experiment"

# --- Admin (optional) ----------------------------------------------------------------------------------------------------
if [[ -n "${ADMIN_EMAIL:-}" && -n "${ADMIN_PASSWORD:-}" ]]; then
  login "$ADMIN_EMAIL" "$ADMIN_PASSWORD"
  echo "Signed in as admin $ADMIN_EMAIL."
  api GET /api/admin/health | jq -r '"Health: \(.status // "see body")"'
  api GET /api/admin/accounts | jq -r '"Accounts of all tenants: \(.total // (.items // . | length))"'
  jobs="$(api GET '/api/admin/jobs?state=failed')"
  jq -r '"Failed jobs: \(.total // (.items // . | length))"' <<<"$jobs"
  api GET '/api/admin/logs?take=5' | jq -r '"Latest logs:", ((.items // .)[] | "  \(.level // "") \(.message // .text // "")")'
  job="$(jq -r '(.items // .)[0].id // empty' <<<"$jobs")"
  if [[ -n "$job" ]]; then
    api POST "/api/admin/jobs/$job/retry" >/dev/null
    echo "Retried failed job $job."
  fi
fi
echo "Done."
