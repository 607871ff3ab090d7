# Shared by bin/run and bin/test: install what the project needs and start local services
# that do not answer. Sourced, not executed.

export UV_PYTHON_DOWNLOADS=never
PYTHON_VERSION=3.13
UV_VERSION=0.13.9

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

find_python() {
    local candidate
    for candidate in "$(pyenv root 2>/dev/null)/versions/3.13.0/bin/python3.13" python3.13; do
        if command -v "$candidate" >/dev/null 2>&1; then
            command -v "$candidate"
            return
        fi
    done
    echo "Python $PYTHON_VERSION not found: install it (pyenv install 3.13) and retry." >&2
    return 1
}

uv() {
    "$PREFHUB_PYTHON" -m uv "$@"
}

ensure_uv() {
    PREFHUB_PYTHON=$(find_python)
    if ! "$PREFHUB_PYTHON" -m uv --version >/dev/null 2>&1; then
        say "installing uv $UV_VERSION"
        "$PREFHUB_PYTHON" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
    fi
}

# Installs the locked dependencies into .venv; extra arguments go to `uv sync`.
ensure_venv() {
    ensure_uv
    uv sync --frozen --python "$PREFHUB_PYTHON" --quiet "$@"
}

url_host_port() {
    # prints "host port" of a redis:// or postgres:// URL, with the service's default port
    "$PREFHUB_PYTHON" - "$1" "$2" <<'PY'
import sys
from urllib.parse import urlsplit
url = urlsplit(sys.argv[1])
print(url.hostname or "127.0.0.1", url.port or int(sys.argv[2]))
PY
}

is_local() {
    case "$1" in 127.*|localhost|::1) return 0 ;; *) return 1 ;; esac
}

ensure_redis() {
    local host port
    read -r host port < <(url_host_port "${1:-redis://127.0.0.1:6379/0}" 6379)
    if redis-cli -h "$host" -p "$port" ping >/dev/null 2>&1; then return; fi
    is_local "$host" || { echo "Redis at $host:$port does not answer." >&2; return 1; }
    say "starting redis-server on $host:$port"
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$port" --save "" --appendonly no
    for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && return; sleep 0.2; done
    echo "redis-server did not start" >&2
    return 1
}

ensure_postgres() {
    local host port
    read -r host port < <(url_host_port "$1" 5432)
    if pg_isready -q -h "$host" -p "$port"; then return; fi
    is_local "$host" || { echo "PostgreSQL at $host:$port does not answer." >&2; return 1; }
    say "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
    for _ in $(seq 50); do pg_isready -q -h "$host" -p "$port" && return; sleep 0.2; done
    echo "PostgreSQL did not start" >&2
    return 1
}

ensure_database() {
    case "${DATABASE_URL:-}" in
        postgres*|postgis*) ensure_postgres "$DATABASE_URL" ;;
    esac
}

ensure_docker_compose() {
    # Only to validate docker-compose.yml (`docker-compose config -q`); no engine needed.
    if command -v docker-compose >/dev/null 2>&1; then return; fi
    say "installing docker-compose (Debian package) to validate docker-compose.yml"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null
}

ensure_prometheus() {
    # The /metrics test has a real Prometheus scrape the site.
    if command -v prometheus >/dev/null 2>&1; then return; fi
    say "installing prometheus (Debian package) for the metrics test"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
}

ensure_chromium() {
    if command -v chromium >/dev/null 2>&1; then return; fi
    say "installing chromium (Debian package) for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
}
