package shared

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"os"
	"testing"
)

// TwitterSample is the raw Twitter v1.1 sample: one status or notice a
// line, gzip-compressed.
const TwitterSample = "twitter_sample_v1/statuses.jsonl.gz"

// GzipLines returns the first n lines (all of them for n < 0) of the
// gzip-compressed file name inside the shared data folder, each a copy,
// or skips tb as Path does when the file is missing. Lines may be up to
// 1 MiB long.
func GzipLines(tb testing.TB, name string, n int) [][]byte {
	tb.Helper()
	f, err := os.Open(Path(tb, name))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	var lines [][]byte
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	for len(lines) != n && sc.Scan() {
		lines = append(lines, bytes.Clone(sc.Bytes()))
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return lines
}
