#!/usr/bin/env bash
# CostPilot developer entry point: ./costpilot.sh help
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
cd "$ROOT"
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
trap 'on_err $? $LINENO "$BASH_COMMAND"' ERR
if [ -n "${COSTPILOT_DEBUG:-}" ]; then set -x; fi

usage() {
  cat <<'EOF'
Usage: ./costpilot.sh COMMAND [ARGS]

  run              build and start CostPilot at http://127.0.0.1:5000 (Ctrl-C stops it)
  test [ARGS]      run all tests but the benchmarks; ARGS go to dotnet test (e.g. --filter Name~Health,
                   which replaces the default filter Category!=Benchmark)
  benchmark [NAME] run the benchmarks (tests in Category=Benchmark), optionally those whose name
                   contains NAME (e.g. discovery)
  update-price-snapshot [DIR]
                   re-create the shipped price snapshot (CostPilot.Infrastructure/Pricing/Snapshot/*.csv.gz)
                   from the public data files in DIR (default ../shared/data)
  stop-db          stop the private PostgreSQL cluster
  help             show this help

Without DATABASE_URL or ConnectionStrings__Default, a private PostgreSQL cluster is created
in .data/pg on 127.0.0.1:5544 (installed from Debian packages when missing). It asks for a
password on every connection: generated once into .data/pg-password (mode 0600).

Environment:
  DATABASE_URL / ConnectionStrings__Default   use this database instead of the private one
  COSTPILOT_PORT (5000), COSTPILOT_HOST (127.0.0.1)   where `run` listens
  COSTPILOT_PG_PORT (5544)                    port of the private PostgreSQL cluster
  COSTPILOT_ADMIN_EMAIL / COSTPILOT_ADMIN_PASSWORD
                                              first super admin (else generated on first run)
  ASPNETCORE_ENVIRONMENT (Development), ENCRYPTION_KEY and JWT_SECRET_KEY (required in Production), AWS_REGION
  COSTPILOT_DEBUG=1                           trace this script
Logs: .data/logs/
EOF
}

require_project() {
  [ -f "$1/$1.csproj" ] || die "project $1 is missing ($1/$1.csproj): is this a complete checkout?"
}

print_admin_box() {
  local line
  printf '\n  +%s+\n' "------------------------------------------------------------"
  for line in "First super admin -- shown only this once, save it now:" "" \
    "  Sign in as  $1" "  with        $2"; do
    printf '  | %-58s |\n' "$line"
  done
  printf '  +%s+\n\n' "------------------------------------------------------------"
}

print_demo_box() {
  local line
  printf '  +%s+\n' "------------------------------------------------------------"
  for line in "Demo client with a sample AWS account (simulated fleet):" "" \
    "  Sign in as  $1" "  with        $2"; do
    printf '  | %-58s |\n' "$line"
  done
  printf '  +%s+\n\n' "------------------------------------------------------------"
}

cmd_run() {
  local host="${COSTPILOT_HOST:-127.0.0.1}" port="${COSTPILOT_PORT:-5000}" probe
  local marker="$DATA_DIR/admin-initialized" out="CostPilot.Web/bin/Release/net10.0"
  ensure_dotnet
  require_project CostPilot.Web
  export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
  if [ "$ASPNETCORE_ENVIRONMENT" = Production ] && [ -z "${ENCRYPTION_KEY:-}" ]; then
    die "ENCRYPTION_KEY is required in Production: export ENCRYPTION_KEY=\$(openssl rand -base64 32) and keep it safe"
  fi
  if [ "$ASPNETCORE_ENVIRONMENT" = Production ] && [ -z "${JWT_SECRET_KEY:-}" ]; then
    die "JWT_SECRET_KEY is required in Production: export JWT_SECRET_KEY=\$(openssl rand -base64 32) (the same on every node)"
  fi
  probe=$host
  if [ "$probe" = 0.0.0.0 ] || [ "$probe" = '*' ] || [ "$probe" = '+' ]; then probe=127.0.0.1; fi
  if port_busy "$probe" "$port"; then
    die "port $port is already in use: stop what listens there, or set COSTPILOT_PORT to a free port"
  fi
  ensure_postgres app
  dotnet_quiet "building CostPilot.Web" "$LOG_DIR/build.log" build CostPilot.Web -c Release
  [ -f "$out/CostPilot.Web.dll" ] || die "the build produced no $out/CostPilot.Web.dll; see $LOG_DIR/build.log"

  if [ -n "${COSTPILOT_ADMIN_EMAIL:-}" ] && [ -n "${COSTPILOT_ADMIN_PASSWORD:-}" ]; then
    say "first super admin: $COSTPILOT_ADMIN_EMAIL (created only if there is no super admin yet)"
  elif [ -n "${COSTPILOT_ADMIN_EMAIL:-}" ] || [ -n "${COSTPILOT_ADMIN_PASSWORD:-}" ]; then
    die "set both COSTPILOT_ADMIN_EMAIL and COSTPILOT_ADMIN_PASSWORD, or neither"
  elif [ -f "$marker" ]; then
    say "admin credentials were printed on first run"
  else
    export COSTPILOT_ADMIN_EMAIL=admin@costpilot.local
    COSTPILOT_ADMIN_PASSWORD=$(random_password)
    export COSTPILOT_ADMIN_PASSWORD
    print_admin_box "$COSTPILOT_ADMIN_EMAIL" "$COSTPILOT_ADMIN_PASSWORD"
    # A demo client with the sample account, so the dashboards show data without AWS.
    export COSTPILOT_DEMO_EMAIL=demo@costpilot.local
    COSTPILOT_DEMO_PASSWORD=$(random_password)
    export COSTPILOT_DEMO_PASSWORD
    print_demo_box "$COSTPILOT_DEMO_EMAIL" "$COSTPILOT_DEMO_PASSWORD"
    # The app seeds the admin before it listens: once it answers, record that the
    # credentials were handed out so that later runs neither print nor pass new ones.
    (
      trap - ERR
      for ((i = 0; i < 600; i++)); do
        sleep 1
        kill -0 "$$" 2>/dev/null || exit 0
        if [ -n "$(http_status "$probe" "$port" /api/health)" ]; then
          printf 'first super admin %s, printed %s\n' "$COSTPILOT_ADMIN_EMAIL" "$(date -u +%FT%TZ)" >"$marker"
          exit 0
        fi
      done
    ) </dev/null >/dev/null 2>&1 &
  fi

  export ASPNETCORE_URLS="http://$host:$port"
  export CostPilot__DataDirectory="$DATA_DIR"
  say "starting CostPilot ($ASPNETCORE_ENVIRONMENT) at http://$probe:$port — Ctrl-C stops it"
  # Content root = the build output, as in the container (appsettings*.json are copied there).
  cd "$out"
  exec dotnet CostPilot.Web.dll
}

cmd_test() {
  local rc=0 files total passed failed skipped results="$ROOT/test-output/results" arg
  local -a trx filter=(--filter "Category!=Benchmark")
  # Benchmarks run with `benchmark`; a caller's own --filter replaces this default.
  for arg in "$@"; do
    case "$arg" in --filter | --filter=*) filter=() ;; esac
  done
  ensure_dotnet
  require_project CostPilot.Web
  require_project CostPilot.Tests
  ensure_postgres test
  ensure_chromium
  # The README's REST API walkthrough runs as a script in the suite: curl and jq, nothing more.
  command -v curl >/dev/null 2>&1 || apt_install curl
  command -v jq >/dev/null 2>&1 || apt_install jq
  rm -rf "$ROOT/artifacts/publish"
  dotnet_quiet "publishing CostPilot.Web to artifacts/publish" "$LOG_DIR/publish.log" \
    publish CostPilot.Web -c Release -o "$ROOT/artifacts/publish"
  export COSTPILOT_PUBLISH_DIR="$ROOT/artifacts/publish"
  # Tests talk to a local fake AWS only: never let an SDK probe the instance metadata address.
  export AWS_EC2_METADATA_DISABLED=true

  rm -rf "$results"
  say "running tests (server: ${COSTPILOT_TEST_PG%%;Password=*})"
  dotnet test CostPilot.Tests -c Release --logger "trx;LogFileName=results.trx" \
    --results-directory "$results" "${filter[@]}" "$@" || rc=$?

  mapfile -t trx < <(find "$results" -type f -name '*.trx' 2>/dev/null | sort)
  if [ ${#trx[@]} -eq 0 ]; then
    die "dotnet test produced no results (exit code $rc): see its output above"
  fi
  read -r files total passed failed < <(trx_counts "${trx[@]}")
  skipped=$((total - passed - failed))
  if [ "$skipped" -lt 0 ]; then skipped=0; fi
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    printf 'error: dotnet test exited with code %s (see its output above)\n' "$rc" >&2
  fi
  say "results: $(rel "$results") ($files trx file(s))"
  printf '%d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
  if [ "$failed" -ne 0 ] || [ "$rc" -ne 0 ]; then exit 1; fi
}

cmd_benchmark() {
  local name=${1:-} filter="Category=Benchmark"
  [ $# -le 1 ] || die "usage: ./costpilot.sh benchmark [NAME]"
  if [ -n "$name" ]; then
    [[ $name =~ ^[A-Za-z0-9_.]+$ ]] || die "a benchmark name is letters, digits, '_' and '.' (e.g. discovery)"
    filter+="&FullyQualifiedName~$name"
  fi
  ensure_dotnet
  require_project CostPilot.Tests
  ensure_postgres test
  # The benchmarks talk to a local fake AWS only, like the tests.
  export AWS_EC2_METADATA_DISABLED=true
  say "running benchmarks (Release, filter $filter, server: ${COSTPILOT_TEST_PG%%;Password=*})"
  exec dotnet test CostPilot.Tests -c Release --filter "$filter" --logger "console;verbosity=detailed"
}

# The offline price catalog ships as gzip'd copies of the shared data files, embedded in
# CostPilot.Infrastructure. gzip -n leaves the name and time out of the header, so the same
# CSV always gives the same bytes and an unchanged file shows no diff.
cmd_update_price_snapshot() {
  local dir=${1:-"$ROOT/../shared/data"} out="$ROOT/CostPilot.Infrastructure/Pricing/Snapshot" file tmp
  local -a files=(ec2-ondemand-linux-prices.csv ec2-ondemand-windows-prices.csv ebs-prices.csv ec2-instance-types.csv)
  [ $# -le 1 ] || die "usage: ./costpilot.sh update-price-snapshot [DIR]"
  command -v gzip >/dev/null 2>&1 || apt_install gzip
  [ -d "$dir" ] || die "no data folder at $dir: pass the folder that holds ${files[0]} and the others"
  for file in "${files[@]}"; do
    [ -s "$dir/$file" ] || die "$dir/$file is missing or empty"
  done
  mkdir -p "$out"
  for file in "${files[@]}"; do
    tmp=$(mktemp "$out/.$file.XXXXXX")
    gzip -n -9 -c "$dir/$file" >"$tmp"
    if cmp -s "$tmp" "$out/$file.gz"; then
      rm -f "$tmp"
      say "unchanged  $(rel "$out/$file.gz")"
    else
      chmod 644 "$tmp"
      mv -f "$tmp" "$out/$file.gz"
      say "updated    $(rel "$out/$file.gz") ($(wc -l <"$dir/$file") lines from $(rel "$dir/$file"))"
    fi
  done
  say "rebuild CostPilot.Infrastructure to embed the new snapshot; the Pricing tests check it matches $(rel "$dir")"
}

# Hidden: ensure the private database and print how to reach it.
cmd_db() {
  pg_start_private
  printf 'ConnectionStrings__Default=Host=127.0.0.1;Port=%s;Username=postgres;Password=%s;Database=%s\n' "$PG_PORT" "$PG_PASSWORD" "$PG_DB"
  printf 'COSTPILOT_TEST_PG=Host=127.0.0.1;Port=%s;Username=postgres;Password=%s\n' "$PG_PORT" "$PG_PASSWORD"
  printf 'PGPASSWORD="$(cat %q)" psql -h 127.0.0.1 -p %s -U postgres %s\n' "$PG_PASSWORD_FILE" "$PG_PORT" "$PG_DB"
}

ensure_dirs
command=${1:-help}
if [ $# -gt 0 ]; then shift; fi
case "$command" in
  run) cmd_run "$@" ;;
  test) cmd_test "$@" ;;
  benchmark | bench) cmd_benchmark "$@" ;;
  update-price-snapshot) cmd_update_price_snapshot "$@" ;;
  stop-db) pg_stop_private ;;
  db) cmd_db ;;
  help | -h | --help) usage ;;
  *)
    usage >&2
    die "unknown command '$command'"
    ;;
esac
