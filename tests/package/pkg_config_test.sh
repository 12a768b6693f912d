#!/usr/bin/env bash
# Builds the consumer without CMake, with the flags pkg-config reads from the installed
# yieldtasks.pc, and runs it. Usage: pkg_config_test.sh PKG_CONFIG PREFIX CXX SOURCE WORK_DIR VERSION
set -euo pipefail
pkg_config="$1" prefix="$2" cxx="$3" source="$4" work_dir="$5" version="$6"

# Only the installed file, wherever the default search path points.
export PKG_CONFIG_LIBDIR="$prefix/share/pkgconfig"
unset PKG_CONFIG_PATH

found="$("$pkg_config" --modversion yieldtasks)"
if [[ "$found" != "$version" ]]; then
  echo "pkg-config says version '$found', the project is $version" >&2
  exit 1
fi

mkdir -p "$work_dir"
read -ra cflags <<<"$("$pkg_config" --cflags yieldtasks)"
read -ra libs <<<"$("$pkg_config" --libs yieldtasks)"
echo "$cxx -std=c++20 ${cflags[*]} $source ${libs[*]}"
"$cxx" -std=c++20 "${cflags[@]}" "$source" -o "$work_dir/consumer" "${libs[@]}"
"$work_dir/consumer"
