#!/usr/bin/env bash
# Run every Fuzz target of the module for FUZZTIME each (default 20s).
# go test -fuzz takes one target of one package at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${FUZZTIME:-20s}"

found=0
while IFS= read -r file; do
	dir="./$(dirname "$file")"
	for name in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$file"); do
		found=1
		echo "== $dir $name ($fuzztime)"
		go test -run='^$' -fuzz="^${name}\$" -fuzztime="$fuzztime" "$dir"
	done
done < <(grep -rl --include='*_test.go' '^func Fuzz' . | sed 's|^\./||' | sort)

if [ "$found" = 0 ]; then
	echo "no Fuzz targets found" >&2
	exit 1
fi
