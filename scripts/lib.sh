# shellcheck shell=bash
# Helpers for costpilot.sh. Sourced, not run: expects ROOT (the repository root) to be set
# and the current directory to be ROOT.

DATA_DIR="$ROOT/.data"
LOG_DIR="$DATA_DIR/logs"
PG_DEFAULT_PORT=5544
PG_DB=costpilot
APT_UPDATED=""

# ---------------------------------------------------------------------------- output

say()  { printf '==> %s\n' "$*"; }
warn() { printf '==> warning: %s\n' "$*" >&2; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }

# Path relative to the repository when it is inside it (shorter messages).
rel() { case "$1" in "$ROOT"/*) printf '%s' "${1#"$ROOT"/}" ;; *) printf '%s' "$1" ;; esac; }

# Last lines of a log, indented, for a failure message.
show_tail() { [ -f "$1" ] && tail -n "${2:-5}" "$1" | sed 's/^/    /' >&2; return 0; }

# An unexpected failure (set -e) gets one line, not silence. Subshells stay quiet: their
# parent reports.
on_err() {
  local rc=$1 line=$2 cmd=$3
  [ "${BASH_SUBSHELL:-0}" -eq 0 ] || return 0
  printf 'error: unexpected failure (exit %s) at %s line %s: %s\n' "$rc" "$(rel "${BASH_SOURCE[1]:-costpilot.sh}")" "$line" "$cmd" >&2
  printf '       re-run with COSTPILOT_DEBUG=1 for a trace; logs are in %s\n' "$(rel "$LOG_DIR")" >&2
}

is_root() { [ "$(id -u)" -eq 0 ]; }

random_password() { # 20 alphanumeric characters with a digit, a lower and an upper case letter
  local pw=""
  until [ ${#pw} -ge 20 ] && [[ ${pw:0:20} =~ [0-9] && ${pw:0:20} =~ [a-z] && ${pw:0:20} =~ [A-Z] ]]; do
    [ ${#pw} -lt 20 ] || pw=""
    pw+=$(head -c 64 /dev/urandom | LC_ALL=C tr -dc 'A-Za-z0-9')
  done
  printf '%s' "${pw:0:20}"
}

ensure_dirs() { mkdir -p "$LOG_DIR"; }

# ---------------------------------------------------------------------------- tools

ensure_dotnet() {
  command -v dotnet >/dev/null 2>&1 ||
    die "dotnet is not installed: install the .NET 10 SDK (https://dot.net) and re-run"
  dotnet --list-sdks 2>/dev/null | grep -q '^10\.' ||
    die "no .NET 10 SDK found (dotnet --list-sdks): install it from https://dot.net and re-run"
  export DOTNET_NOLOGO="${DOTNET_NOLOGO:-1}"
  export DOTNET_CLI_TELEMETRY_OPTOUT="${DOTNET_CLI_TELEMETRY_OPTOUT:-1}"
}

# apt_install PKG...: Debian packages, as root or through sudo; noise goes to .data/logs/apt.log.
apt_install() {
  local pkgs="$*" log="$LOG_DIR/apt.log" sudo=""
  command -v apt-get >/dev/null 2>&1 ||
    die "$pkgs is needed and apt-get is not available: install $pkgs with your package manager, then re-run"
  if ! is_root; then
    command -v sudo >/dev/null 2>&1 ||
      die "$pkgs is needed: as root run 'apt-get install -y $pkgs' (sudo is not available), then re-run"
    sudo=sudo
  fi
  say "installing $pkgs with apt-get (log: $(rel "$log"))"
  if [ -z "$APT_UPDATED" ]; then
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 update \
      </dev/null >>"$log" 2>&1 || { show_tail "$log"; die "apt-get update failed; see $log"; }
    APT_UPDATED=1
  fi
  # shellcheck disable=SC2086 # word splitting of the package list is intended
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y $pkgs \
    </dev/null >>"$log" 2>&1 || { show_tail "$log"; die "apt-get install $pkgs failed; see $log"; }
}

# dotnet_quiet LABEL LOG ARGS...: a dotnet command with its output in LOG; errors on failure.
dotnet_quiet() {
  local label=$1 log=$2
  shift 2
  say "$label (log: $(rel "$log"))"
  if ! dotnet "$@" -nologo -v q >"$log" 2>&1; then
    grep -E "error|Error" "$log" | sort -u | head -n 40 >&2 || true
    die "$label failed; full log: $log"
  fi
}

ensure_chromium() {
  if [ -n "${COSTPILOT_CHROMIUM:-}" ] && [ -x "$COSTPILOT_CHROMIUM" ]; then
    say "using Chromium at $COSTPILOT_CHROMIUM (COSTPILOT_CHROMIUM)"
    return 0
  fi
  [ -x /usr/bin/chromium ] || apt_install chromium
  [ -x /usr/bin/chromium ] ||
    die "Chromium is missing: install Debian's chromium package (apt-get install -y chromium), then re-run"
  export COSTPILOT_CHROMIUM=/usr/bin/chromium
}

# port_busy HOST PORT: true when something accepts TCP connections there.
port_busy() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# http_status HOST PORT PATH: prints the HTTP status code (empty when nothing answers).
http_status() {
  local line=""
  {
    exec 3<>"/dev/tcp/$1/$2" &&
      printf 'GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$3" "$1" >&3 &&
      IFS=' ' read -r -t 5 _ line _ <&3
  } 2>/dev/null || true
  exec 3>&- 2>/dev/null || true
  printf '%s' "$line"
}

# ---------------------------------------------------------------------------- PostgreSQL

# Directories that may hold PostgreSQL server binaries (Debian keeps them off PATH).
pg_candidates() {
  local d c
  for d in /usr/lib/postgresql/*/bin /usr/pgsql-*/bin; do
    [ -d "$d" ] && printf '%s\n' "$d"
  done
  if command -v pg_config >/dev/null 2>&1; then pg_config --bindir 2>/dev/null || true; fi
  for c in initdb pg_ctl; do
    if command -v "$c" >/dev/null 2>&1; then dirname "$(readlink -f "$(command -v "$c")")"; fi
  done
  return 0
}

pg_major_of() { "$1/pg_ctl" --version 2>/dev/null | sed -n 's/.*(PostgreSQL) \([0-9][0-9]*\).*/\1/p'; }

# pg_find_bindir [MAJOR]: the bin dir of that major version, else of the newest one; empty
# when none.
pg_find_bindir() {
  local want="${1:-}" d m best="" bestm=0
  while IFS= read -r d; do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ] || continue
    m=$(pg_major_of "$d")
    [ -n "$m" ] || continue
    if [ -n "$want" ]; then
      if [ "$m" = "$want" ]; then printf '%s' "$d"; return 0; fi
    elif [ "$m" -gt "$bestm" ]; then
      best=$d bestm=$m
    fi
  done < <(pg_candidates)
  printf '%s' "$best"
}

repo_hash() {
  if command -v sha256sum >/dev/null 2>&1; then
    printf '%s' "$ROOT" | sha256sum | cut -c1-12
  else
    printf '%s' "$ROOT" | cksum | cut -d' ' -f1
  fi
}

# run_as USER CMD...: run a command as USER (root runs initdb/pg_ctl as the cluster's owner),
# from / so that a checkout the user cannot read does not matter.
run_as() {
  local user=$1
  shift
  if [ "$user" = "$(id -un)" ]; then
    "$@"
  elif command -v runuser >/dev/null 2>&1; then
    (cd / && runuser -u "$user" -- "$@")
  else
    (cd / && su -s /bin/bash "$user" -c "$(printf '%q ' "$@")")
  fi
}

# Sets PG_BASE (folder of the cluster), PGDATA_DIR, PG_SOCK, PG_LOG, PG_PORT_FILE, PG_PASSWORD_FILE, PG_FALLBACK.
# As root the cluster belongs to the postgres OS user, which must be able to reach .data;
# when it cannot (e.g. a checkout under /root) the cluster lives under /var/tmp instead.
pg_locate() {
  local fallback
  fallback="/var/tmp/costpilot-pg-$(repo_hash)"
  PG_FALLBACK=""
  if [ -f "$DATA_DIR/pg/PG_VERSION" ]; then
    :
  elif [ -f "$fallback/pg/PG_VERSION" ]; then
    PG_FALLBACK=1
  elif is_root && id postgres >/dev/null 2>&1 && ! run_as postgres test -x "$DATA_DIR" 2>/dev/null; then
    PG_FALLBACK=1
  fi
  if [ -n "$PG_FALLBACK" ]; then
    PG_BASE=$fallback
    PGDATA_DIR="$fallback/pg"
    PG_SOCK="$fallback/sock"
    PG_LOG="$fallback/postgres.log"
  else
    PG_BASE=$DATA_DIR
    PGDATA_DIR="$DATA_DIR/pg"
    PG_SOCK="$DATA_DIR/pgsock"
    PG_LOG="$LOG_DIR/postgres.log"
  fi
  PG_PORT_FILE="$PG_BASE/pg-port"
  PG_PASSWORD_FILE="$PG_BASE/pg-password"
}

# The OS user that owns (or will own) the cluster.
pg_owner() {
  if [ -f "$PGDATA_DIR/PG_VERSION" ]; then
    stat -c %U "$PGDATA_DIR"
  elif is_root; then
    id postgres >/dev/null 2>&1 ||
      die "there is no 'postgres' OS user to run PostgreSQL: install Debian's postgresql package (apt-get install -y postgresql), then re-run"
    printf postgres
  else
    id -un
  fi
}

pg_ctl_as() { run_as "$PG_OWNER" "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" "$@"; }

pg_running() { pg_ctl_as status >/dev/null 2>&1; }

# Port of the running postmaster (line 4 of postmaster.pid).
pg_running_port() { sed -n 4p "$PGDATA_DIR/postmaster.pid" 2>/dev/null || true; }

pg_ready() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$1" -U postgres -d postgres -t 1 >/dev/null 2>&1; }

sql_quote() { printf '%s' "$1" | sed "s/'/''/g"; }

# Settings costpilot.sh owns, in an include file rewritten on each start (the -o option of
# pg_ctl goes through a shell and breaks on paths with spaces).
pg_write_conf() {
  local conf="$PGDATA_DIR/costpilot.conf" sock="$PG_SOCK" tmp
  # A Unix socket path must fit in ~107 bytes; without one, clients use TCP (as we do).
  if [ $(( ${#sock} + 20 )) -gt 107 ]; then sock=""; fi
  tmp=$(mktemp)
  {
    echo "# Written by costpilot.sh at each start: change costpilot.sh, not this file."
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $PG_PORT"
    echo "unix_socket_directories = '$(sql_quote "$sock")'"
    echo "unix_socket_permissions = 0700"
    echo "password_encryption = 'scram-sha-256'"
    echo "max_connections = 300"
  } >"$tmp"
  if ! cmp -s "$tmp" "$conf"; then
    cat "$tmp" >"$conf"
    if is_root; then chown "$PG_OWNER" "$conf"; fi
  fi
  rm -f "$tmp"
  grep -q "^include_if_exists = 'costpilot.conf'" "$PGDATA_DIR/postgresql.conf" ||
    echo "include_if_exists = 'costpilot.conf'" >>"$PGDATA_DIR/postgresql.conf"
}

# The password of the cluster's superuser 'postgres': generated once into PG_PASSWORD_FILE (mode 0600, beside
# the cluster), then reused. Sets PG_PASSWORD, and PG_PASSWORD_NEW=1 when this run made it (the cluster does not
# know it yet).
pg_load_password() {
  local tmp
  PG_PASSWORD_NEW=""
  if [ ! -s "$PG_PASSWORD_FILE" ]; then
    tmp=$(umask 077 && mktemp "$PG_PASSWORD_FILE.XXXXXX")
    random_password >"$tmp"
    mv -f "$tmp" "$PG_PASSWORD_FILE"
    PG_PASSWORD_NEW=1
  fi
  chmod 600 "$PG_PASSWORD_FILE"
  PG_PASSWORD=$(cat "$PG_PASSWORD_FILE")
  [[ $PG_PASSWORD =~ ^[A-Za-z0-9]{20,}$ ]] ||
    die "$PG_PASSWORD_FILE does not hold a password costpilot.sh made: delete it and re-run (the next start sets a new one)"
}

PG_HBA_MARK="# costpilot.sh: scram-sha-256"

# Client authentication, rewritten on each start: a password (SCRAM) for every connection, TCP or socket.
# Sets PG_HBA_CHANGED=1 when the file changed (a running server must reload it).
pg_write_hba() {
  local hba="$PGDATA_DIR/pg_hba.conf" tmp
  PG_HBA_CHANGED=""
  tmp=$(mktemp)
  cat >"$tmp" <<HBA
# Written by costpilot.sh at each start: change costpilot.sh, not this file.
$PG_HBA_MARK
# TYPE  DATABASE     USER  ADDRESS        METHOD
local   all          all                  scram-sha-256
host    all          all   127.0.0.1/32   scram-sha-256
host    all          all   ::1/128        scram-sha-256
local   replication  all                  scram-sha-256
host    replication  all   127.0.0.1/32   scram-sha-256
host    replication  all   ::1/128        scram-sha-256
HBA
  if ! cmp -s "$tmp" "$hba"; then
    cat "$tmp" >"$hba" # in place: the file keeps its owner and mode 0600
    PG_HBA_CHANGED=1
  fi
  rm -f "$tmp"
}

# Sets the superuser's password while the server is stopped, in single-user mode: no connection, so no
# authentication is needed, and the password goes through a pipe, never a command line.
pg_set_password() {
  local log="$LOG_DIR/pg_password.log"
  if ! printf "SET password_encryption = 'scram-sha-256';\nALTER ROLE postgres WITH PASSWORD '%s';\n" "$PG_PASSWORD" |
    run_as "$PG_OWNER" "$PG_BIN/postgres" --single -D "$PGDATA_DIR" postgres >"$log" 2>&1 ||
    grep -q 'ERROR' "$log"; then
    show_tail "$log"
    die "could not set the password of the PostgreSQL cluster in $PGDATA_DIR; see $log"
  fi
}

# A cluster made by an older costpilot.sh trusts every local connection; one whose password file was deleted has
# a password nobody knows. Either way: stop it, set the password from PG_PASSWORD_FILE, and let the start below
# bring it up with password authentication and the private socket folder.
pg_secure() {
  if [ -z "$PG_PASSWORD_NEW" ] && grep -qxF "$PG_HBA_MARK" "$PGDATA_DIR/pg_hba.conf" 2>/dev/null; then
    return 0
  fi
  if pg_running; then
    say "stopping PostgreSQL to turn on password authentication"
    pg_ctl_as stop -w -t 60 -m fast >>"$LOG_DIR/pg_ctl.log" 2>&1 ||
      die "PostgreSQL did not stop; see $LOG_DIR/pg_ctl.log"
  fi
  say "setting the password of PostgreSQL's superuser (kept in $(rel "$PG_PASSWORD_FILE"), mode 0600)"
  pg_set_password
}

pg_init() {
  local log="$LOG_DIR/initdb.log"
  if [ -n "$PG_FALLBACK" ]; then
    say "the postgres OS user cannot reach $ROOT: the cluster goes to $PG_BASE instead"
  fi
  say "creating a private PostgreSQL $(pg_major_of "$PG_BIN") cluster in $(rel "$PGDATA_DIR")"
  mkdir -p "$PG_BASE" # .data, or the folder under /var/tmp
  if is_root; then
    install -d -m 700 -o "$PG_OWNER" "$PGDATA_DIR"
  else
    install -d -m 700 "$PGDATA_DIR"
  fi
  if ! run_as "$PG_OWNER" "$PG_BIN/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust -E UTF8 \
    --locale=C.UTF-8 >"$log" 2>&1; then
    show_tail "$log"
    die "initdb failed; see $log (delete $PGDATA_DIR to start over)"
  fi
}

# pg_start_private: ensures the private cluster runs and has the costpilot database.
# Sets PG_PORT and PG_BIN.
pg_start_private() {
  local want="" explicit="${COSTPILOT_PG_PORT:-}" running_port p i exists ctl_log="$LOG_DIR/pg_ctl.log"
  pg_locate
  if [ -f "$PGDATA_DIR/PG_VERSION" ]; then
    want=$(cat "$PGDATA_DIR/PG_VERSION")
    PG_BIN=$(pg_find_bindir "$want")
    [ -n "$PG_BIN" ] ||
      die "the cluster in $PGDATA_DIR needs PostgreSQL $want, which is not installed: install postgresql-$want, or delete that folder to create a new cluster"
  else
    PG_BIN=$(pg_find_bindir)
    if [ -z "$PG_BIN" ]; then
      apt_install postgresql
      PG_BIN=$(pg_find_bindir)
      [ -n "$PG_BIN" ] ||
        die "PostgreSQL server binaries (initdb, pg_ctl) not found after installing postgresql: install them, then re-run"
    fi
    pg_locate # installing postgresql may just have created the postgres OS user
  fi
  PG_OWNER=$(pg_owner)
  if ! is_root && [ "$PG_OWNER" != "$(id -un)" ]; then
    die "the cluster in $PGDATA_DIR belongs to user $PG_OWNER: run as root, or delete that folder"
  fi
  [ -f "$PGDATA_DIR/PG_VERSION" ] || pg_init

  # Folders and files the server writes (cheap to re-assert on each run). The socket folder is the server's
  # alone: other users of the machine reach the cluster through TCP, with the password, or not at all.
  if is_root; then
    install -d -m 700 -o "$PG_OWNER" "$PG_SOCK"
    touch "$PG_LOG" && chown "$PG_OWNER" "$PG_LOG"
  else
    install -d -m 700 "$PG_SOCK"
    touch "$PG_LOG"
  fi
  chmod 700 "$PG_SOCK"

  pg_load_password
  pg_secure
  pg_write_hba

  # Port: COSTPILOT_PG_PORT, else the one this cluster used last, else 5544; when another
  # server holds it (another checkout, say), the next free one unless it was asked for.
  PG_PORT=${explicit:-$(cat "$PG_PORT_FILE" 2>/dev/null || echo "$PG_DEFAULT_PORT")}
  case "$PG_PORT" in '' | *[!0-9]*) die "COSTPILOT_PG_PORT must be a port number (got '$PG_PORT')" ;; esac

  if pg_running; then
    running_port=$(pg_running_port)
    if [ -n "$explicit" ] && [ "$running_port" != "$PG_PORT" ]; then
      say "restarting PostgreSQL to move it from port $running_port to $PG_PORT"
      port_busy 127.0.0.1 "$PG_PORT" && die "port $PG_PORT is already in use: pick another COSTPILOT_PG_PORT"
      pg_write_conf
      pg_ctl_as restart -w -t 60 -m fast -l "$PG_LOG" >>"$ctl_log" 2>&1 ||
        { show_tail "$PG_LOG"; die "PostgreSQL did not restart; see $PG_LOG"; }
    else
      PG_PORT=${running_port:-$PG_PORT}
      say "PostgreSQL is running on 127.0.0.1:$PG_PORT ($(rel "$PGDATA_DIR"))"
      if [ -n "$PG_HBA_CHANGED" ]; then
        pg_ctl_as reload >>"$ctl_log" 2>&1 || die "PostgreSQL did not reload pg_hba.conf; see $ctl_log"
      fi
    fi
  else
    if port_busy 127.0.0.1 "$PG_PORT"; then
      [ -z "$explicit" ] ||
        die "port $PG_PORT (COSTPILOT_PG_PORT) is already in use by another program: pick another port"
      p=$PG_PORT
      for ((i = 1; i <= 50; i++)); do
        port_busy 127.0.0.1 $((p + i)) || { PG_PORT=$((p + i)); break; }
      done
      [ "$PG_PORT" != "$p" ] || die "ports $p to $((p + 50)) are all in use: set COSTPILOT_PG_PORT to a free port"
      say "port $p is in use by another program: using $PG_PORT"
    fi
    pg_write_conf
    say "starting PostgreSQL on 127.0.0.1:$PG_PORT ($(rel "$PGDATA_DIR"))"
    if ! pg_ctl_as start -w -t 60 -l "$PG_LOG" >>"$ctl_log" 2>&1; then
      show_tail "$PG_LOG"
      die "PostgreSQL did not start; see $PG_LOG"
    fi
  fi
  printf '%s\n' "$PG_PORT" >"$PG_PORT_FILE"

  for ((i = 0; i < 60; i++)); do
    pg_ready "$PG_PORT" && break
    sleep 0.5
  done
  pg_ready "$PG_PORT" ||
    die "PostgreSQL in $PGDATA_DIR does not answer on port $PG_PORT: see $PG_LOG, or run './costpilot.sh stop-db' and retry"

  exists=$(PGPASSWORD=$PG_PASSWORD "$PG_BIN/psql" -X -q -t -A -w -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
    -c "select 1 from pg_database where datname = '$PG_DB'" 2>>"$ctl_log") ||
    die "PostgreSQL on port $PG_PORT refuses the password in $PG_PASSWORD_FILE (see $ctl_log): delete that file and re-run to set a new one"
  if [ "$exists" != 1 ]; then
    PGPASSWORD=$PG_PASSWORD "$PG_BIN/createdb" -w -h 127.0.0.1 -p "$PG_PORT" -U postgres "$PG_DB" 2>>"$ctl_log" ||
      die "could not create database $PG_DB; see $ctl_log"
    say "created database $PG_DB"
  fi
}

pg_stop_private() {
  local want
  pg_locate
  if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
    say "there is no private PostgreSQL cluster"
    return 0
  fi
  want=$(cat "$PGDATA_DIR/PG_VERSION")
  PG_BIN=$(pg_find_bindir "$want")
  [ -n "$PG_BIN" ] || die "PostgreSQL $want (which runs $PGDATA_DIR) is not installed"
  PG_OWNER=$(pg_owner)
  if pg_running; then
    pg_ctl_as stop -w -t 60 -m fast >>"$LOG_DIR/pg_ctl.log" 2>&1 ||
      die "PostgreSQL did not stop; see $LOG_DIR/pg_ctl.log"
    say "stopped PostgreSQL ($(rel "$PGDATA_DIR"))"
  else
    say "PostgreSQL is not running ($(rel "$PGDATA_DIR"))"
  fi
}

# ensure_postgres app|test
#   app:  DATABASE_URL / ConnectionStrings__Default win; else the private cluster, and
#         ConnectionStrings__Default points at its costpilot database.
#   test: COSTPILOT_TEST_PG wins; else the private cluster, and COSTPILOT_TEST_PG is an admin
#         connection string without a database (tests create and drop their own).
ensure_postgres() {
  local mode=${1:-app}
  if [ "$mode" = test ]; then
    if [ -n "${COSTPILOT_TEST_PG:-}" ]; then
      say "tests use the configured server (COSTPILOT_TEST_PG)"
      return 0
    fi
    if [ -n "${DATABASE_URL:-}" ] || [ -n "${ConnectionStrings__Default:-}" ]; then
      say "tests ignore DATABASE_URL / ConnectionStrings__Default: they use the private cluster"
      unset DATABASE_URL ConnectionStrings__Default
    fi
    pg_start_private
    export COSTPILOT_TEST_PG="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Password=$PG_PASSWORD"
    return 0
  fi
  if [ -n "${DATABASE_URL:-}" ]; then
    say "using the configured database (DATABASE_URL)"
  elif [ -n "${ConnectionStrings__Default:-}" ]; then
    say "using the configured database (ConnectionStrings__Default)"
  else
    pg_start_private
    export ConnectionStrings__Default="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Password=$PG_PASSWORD;Database=$PG_DB"
  fi
}

# ---------------------------------------------------------------------------- test results

# trx_counts FILE...: "files total passed failed" summed over the <Counters> of each file;
# errors, timeouts and aborts count as failed.
trx_counts() {
  awk '
    match($0, /<Counters [^>]*>/) {
      c = substr($0, RSTART, RLENGTH)
      n = split("total passed failed error timeout aborted", k, " ")
      for (i = 1; i <= n; i++)
        if (match(c, " " k[i] "=\"[0-9]+\"")) {
          v = substr(c, RSTART, RLENGTH); gsub(/[^0-9]/, "", v); sum[k[i]] += v
        }
      files++
    }
    END {
      printf "%d %d %d %d\n", files, sum["total"], sum["passed"],
        sum["failed"] + sum["error"] + sum["timeout"] + sum["aborted"]
    }' "$@"
}
