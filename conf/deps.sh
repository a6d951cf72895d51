#!/bin/sh
# The Debian 12 packages pilotomail needs to build, run and test.
#   sh conf/deps.sh ensure   installs what is missing (as root), or prints the command to run
#   sh conf/deps.sh install  same, always running apt-get for the missing ones
#   sh conf/deps.sh ensure fuzz  also clang and its libFuzzer runtime, for make fuzz only
set -e
PACKAGES="build-essential pkg-config clearsilver-dev libfcgi-dev libcurl4-openssl-dev libjansson-dev
libssl-dev libsqlite3-dev sqlite3 libpq-dev postgresql check lighttpd apache2 libapache2-mod-fcgid spawn-fcgi
python3 python3-pytest python3-aiosmtpd valgrind openssl curl wrk man-db"
[ "${2:-}" = fuzz ] && PACKAGES="$PACKAGES clang libclang-rt-14-dev"

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

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
exit 0
