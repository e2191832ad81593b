#!/usr/bin/env bash
# Runs tokio's, tokio-stream's and tokio-util's own integration tests against Magpie.
#
# The tests are not in this repository: the script fetches the published crates from the
# package registry, unpacks their `tests/` directories into a scratch crate under
# $WORK (default: target/tokio-suite) whose `tokio` is patched to ../tokio (the shim over
# magpie), and runs each test file on its own, with a time limit. What tokio's suite
# checks that magpie does not do yet is listed in `skip.txt` (one test file or test per
# line, with the reason): those are left out; everything else must pass.
#
#   compat/tokio-suite/run.sh                 # every file
#   compat/tokio-suite/run.sh sync_ time_     # files whose name starts with these
#
# Needs network access to the registry the first time (or a warm cargo cache).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
work="${WORK:-$repo/target/tokio-suite}"
tokio_version="1.54.1"
stream_version="0.1.19"
util_version="0.7.20"
mkdir -p "$work"

# 1. Fetch the three crates (no build) and unpack their tests.
fetch="$work/fetch"
mkdir -p "$fetch/src"
cat > "$fetch/Cargo.toml" <<TOML
[package]
name = "fetch"
version = "0.0.0"
edition = "2021"
[workspace]
[dependencies]
tokio = "=$tokio_version"
tokio-stream = "=$stream_version"
tokio-util = "=$util_version"
TOML
touch "$fetch/src/lib.rs"
(cd "$fetch" && cargo fetch -q)
cache="$(dirname "$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/"tokio-$tokio_version.crate" | head -1)")"

suite="$work/suite"
rm -rf "$suite/tests" && mkdir -p "$suite/tests" "$suite/src" "$work/unpack"
for crate in "tokio-$tokio_version" "tokio-stream-$stream_version" "tokio-util-$util_version"; do
    tar -xzf "$cache/$crate.crate" -C "$work/unpack"
done
# tokio's files keep their names; tokio-stream's and tokio-util's get a prefix (some names
# clash).
cp -r "$work/unpack/tokio-$tokio_version/tests/." "$suite/tests/"
for pair in "stream:tokio-stream-$stream_version" "util:tokio-util-$util_version"; do
    prefix="${pair%%:*}"; dir="$work/unpack/${pair#*:}/tests"
    for f in "$dir"/*.rs; do cp "$f" "$suite/tests/${prefix}__$(basename "$f")"; done
    # Their support modules join tokio's (the names do not clash; checked here).
    if [ -d "$dir/support" ]; then
        for m in "$dir"/support/*; do
            if [ -e "$suite/tests/support/$(basename "$m")" ]; then
                echo "support module $(basename "$m") of $prefix clashes with tokio's" >&2; exit 2
            fi
            cp -r "$m" "$suite/tests/support/"
        done
    fi
done

# 2. The scratch crate: tokio is the shim; its own features stand for the tokio features
# the test files check with cfg(feature = ...) (all stable ones; not tracing, taskdump,
# io-uring or schedule-latency, which need tokio_unstable).
cat > "$suite/Cargo.toml" <<TOML
# Some of tokio's tests read this file and look for https://tokio.rs in it.
[package]
name = "tokio-suite"
version = "0.0.0"
edition = "2021"
publish = false
[workspace]
[features]
default = ["full", "rt", "macros", "io-util", "sync", "fs", "rt-multi-thread", "test-util", "time", "net", "io-std", "parking_lot", "compat", "join-map", "signal", "process"]
full = []
rt = []
macros = []
io-util = []
sync = []
fs = []
rt-multi-thread = []
test-util = []
time = []
net = []
io-std = []
parking_lot = []
compat = []
join-map = []
signal = []
process = []
[patch.crates-io]
tokio = { path = "$repo/compat/tokio" }
[dev-dependencies]
tokio = { version = "1", features = ["full", "test-util"] }
tokio-stream = { version = "=$stream_version", features = ["full"] }
tokio-util = { version = "=$util_version", features = ["full"] }
tokio-test = "0.4"
futures = { version = "0.3", features = ["async-await"] }
futures-test = "0.3"
futures-core = "0.3"
futures-sink = "0.3"
futures-io = "0.3"
futures-util = { version = "0.3", features = ["sink"] }
async-stream = "0.3"
parking_lot = "0.12"
bytes = "1"
pin-project-lite = "0.2"
libc = "0.2"
socket2 = "0.6"
tempfile = "3"
rand = "0.9"
nix = { version = "0.31", default-features = false, features = ["aio", "fs", "socket"] }
TOML
touch "$suite/src/lib.rs"
# The versions this suite last passed with (cargo updates the lock if a dependency moved).
cp "$here/Cargo.lock" "$suite/Cargo.lock"

# 3. Leave out what skip.txt lists: whole files (`file.rs`) are removed; single tests
# (`file.rs::name`) are passed to the harness as --skip.
declare -A skips=()
while read -r entry _; do
    case "$entry" in ''|'#'*) continue ;; esac
    if [[ "$entry" == *::* ]]; then
        skips["${entry%%::*}"]+=" --skip ${entry#*::}"
    else
        rm -f "$suite/tests/$entry"
    fi
done < "$here/skip.txt"
# Permission bits do not stop root: tokio's try_exists test needs an unprivileged user.
if [ "$(id -u)" = 0 ]; then
    skips["fs_try_exists.rs"]+=" --skip try_exists"
fi

# 4. Build every file, then run each alone with a time limit. The suite has a target
# directory of its own (a CARGO_TARGET_DIR set for the main workspace is not used).
cd "$suite"
export CARGO_TARGET_DIR="$work/target"
# Some 225 test binaries: without debug info they take 1.8 GB here and link faster (with
# it they filled a disk that also held the workspace's targets); panics still carry their
# messages and locations.
export CARGO_PROFILE_DEV_DEBUG=0
cargo build --tests --keep-going -q 2>"$work/build.log" || true
failed=()
for f in tests/*.rs; do
    name="$(basename "$f" .rs)"
    if [ $# -gt 0 ]; then
        match=no
        for p in "$@"; do [[ "$name" == "$p"* ]] && match=yes; done
        [ "$match" = yes ] || continue
    fi
    bin="$(ls -t "$CARGO_TARGET_DIR"/debug/deps/"$name"-???????????????? 2>/dev/null | grep -v '\.d$' | head -1 || true)"
    if [ -z "$bin" ]; then
        echo "BUILD FAILED  $name (see $work/build.log)"; failed+=("$name"); continue
    fi
    # shellcheck disable=SC2086
    if timeout 300 "$bin" --test-threads 2 ${skips[$name.rs]:-} >"$work/$name.log" 2>&1; then
        echo "ok            $name $(grep -E '^test result' "$work/$name.log" | head -1 | cut -d. -f2)"
    else
        echo "FAILED        $name (see $work/$name.log)"; failed+=("$name")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "${#failed[@]} file(s) failed: ${failed[*]}"
    exit 1
fi
echo "all files passed"
