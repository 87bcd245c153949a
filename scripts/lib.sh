# scripts/lib.sh: shared by scripts/demo and scripts/test: install the Debian packages a
# step needs when they are missing, and configure + build one build folder.

# need_packages PKG...: installs the missing ones with apt-get (as root, or with sudo).
need_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "installing Debian packages: ${missing[*]}" >&2
	local sudo=""
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null || {
			echo "error: need root or sudo to install: ${missing[*]}" >&2
			return 1
		}
		sudo="sudo"
	fi
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			"${missing[@]}" >&2
}

# Everything needed to build inspraak.
BUILD_PACKAGES=(gcc make cmake ninja-build pkg-config libc6-dev
	libcurl4-openssl-dev libjansson-dev libstemmer-dev libsqlite3-dev libxml2-dev
	libmicrohttpd-dev libutf8proc-dev libexttextcat-dev libexttextcat-data libcsv-dev)

# configure_build DIR [CMAKE ARGS...]: configure (once) and build DIR.
configure_build() {
	local dir=$1
	shift
	cmake -S "$ROOT" -B "$dir" -G Ninja "$@" >/dev/null
	cmake --build "$dir" -j "$(nproc)"
}
