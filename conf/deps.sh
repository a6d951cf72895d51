#!/bin/sh
# The Debian 12 packages pilotomail needs to build, run and test.
#   sh conf/deps.sh ensure   installs what is missing (as root), or prints the command to run
#   sh conf/deps.sh install  same, always running apt-get for the missing ones
#   sh conf/deps.sh ensure fuzz  also clang and its libFuzzer runtime, for make fuzz only
# Both also install the browser tests' npm packages (tests/browser/package-lock.json, exact
# versions) with `npm ci` when tests/browser/node_modules is missing or older than the lock.
set -e
cd "$(dirname "$0")/.."

# playwright-core drives Debian's chromium: no browser is ever downloaded.
browser_modules() {
  lock=tests/browser/package-lock.json
  stamp=tests/browser/node_modules/.package-lock.json
  [ -f "$stamp" ] && [ ! "$lock" -nt "$stamp" ] && return 0
  if ! command -v npm >/dev/null 2>&1; then
    echo "The browser tests need Node.js 20 and npm (from the machine, or: apt-get install nodejs npm)." >&2
    return 1
  fi
  echo "Installing the browser tests' npm packages (npm ci in tests/browser)" >&2
  (cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
}

PACKAGES="build-essential pkg-config clearsilver-dev libfcgi-dev libcurl4-openssl-dev libjansson-dev
libssl-dev libsqlite3-dev sqlite3 check lighttpd apache2 libapache2-mod-fcgid spawn-fcgi
python3 python3-pytest python3-pytest-xdist python3-aiosmtpd valgrind openssl curl wrk man-db chromium fonts-dejavu-core tzdata
postgresql libpq-dev python3-psycopg2"
[ "${2:-}" = fuzz ] && PACKAGES="$PACKAGES clang libclang-rt-14-dev"

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && { browser_modules; exit 0; }

if [ "$(id -u)" != 0 ]; then
  echo "pilotomail needs these Debian packages:$missing" >&2
  echo "Run as root:  apt-get update && apt-get install -y$missing" >&2
  exit 1
fi
echo "Installing missing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Ask the package scripts not to start apache2/lighttpd services: tests start their own.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d.pilotomail
[ -e /usr/sbin/policy-rc.d ] || { cp /usr/sbin/policy-rc.d.pilotomail /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; created=1; }
apt-get install -y -qq --no-install-recommends $missing
rm -f /usr/sbin/policy-rc.d.pilotomail
[ -n "${created:-}" ] && rm -f /usr/sbin/policy-rc.d
browser_modules
exit 0
