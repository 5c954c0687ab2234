package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hawkes-toolkit/hawkes/features"
)

// stutter returns the first pair of consecutive ": "-separated parts of msg
// that begin with the same word, as in "read features: features: ..." or
// "train: train: ...", or "" if there is none: each layer of an error should
// add what it knows, not repeat what the layer below said.
func stutter(msg string) string {
	parts := strings.Split(msg, ": ")
	first := func(s string) string { return strings.Fields(s + " ")[0] }
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" && parts[i-1] != "" && first(parts[i]) == first(parts[i-1]) {
			return parts[i-1] + ": " + parts[i]
		}
	}
	return ""
}

func TestStutter(t *testing.T) {
	for msg, want := range map[string]string{
		"hawkes: read features bad.csv: read features: features: header":    "read features bad.csv: read features",
		"pipeline: train: train: invalid config":                            "train: train",
		"hawkes: read features bad.csv: header is not the expected columns": "",
	} {
		if got := stutter(msg); got != want {
			t.Errorf("stutter(%q) = %q, want %q", msg, got, want)
		}
	}
}

// TestFeaturesHeaderError checks the message of a features file with the
// wrong header, which used to read "hawkes: read features bad.csv: read
// features: features: header is not ...": the command names the file, the
// features package the problem; a malformed features file is bad input.
func TestFeaturesHeaderError(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	writeFile(t, bad, "a,b\n1,2\n")
	code, stdout, stderr := runArgv(t, context.Background(), "train", "--features", bad, "--model", filepath.Join(dir, "m.hkrf"))
	want := fmt.Sprintf("hawkes: read features %s: header is not the expected columns: got [\"a\" \"b\"], want %q\n", bad, features.Columns())
	if code != exitBadInput || stdout != "" || stderr != want {
		t.Errorf("exit code %d, stdout %q, stderr\n%q\nwant %d and\n%q", code, stdout, stderr, exitBadInput, want)
	}
	if s := stutter(stderr); s != "" {
		t.Errorf("stderr %q stutters: %q", stderr, s)
	}
}
