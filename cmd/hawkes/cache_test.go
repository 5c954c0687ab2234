package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Hostile: an edited fit cache entry under hawkes train -> "train: fit cache entry FILE refused (...): recomputing it" on stderr, exit 0, and the same model as without the cache
func TestHostileCacheEntryTrain(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "sim")
	if code, _, stderr := runArgv(t, ctx, "simulate", "--out", dir, "--cascades", "6", "--random", "--first-mag", "3000", "--horizon", "3600", "-q"); code != exitOK {
		t.Fatalf("simulate: exit code %d, stderr %q", code, stderr)
	}
	cache := filepath.Join(tmp, "cache")
	trainArgv := func(model string, extra ...string) []string {
		return append([]string{"train", "--data", dir, "--window", "600", "--model", model, "--trees", "5", "--workers", "2"}, extra...)
	}
	m1 := filepath.Join(tmp, "m1.hkrf")
	if code, _, stderr := runArgv(t, ctx, trainArgv(m1, "--cache-dir", cache)...); code != exitOK {
		t.Fatalf("first train: exit code %d, stderr %q", code, stderr)
	}
	entries, _ := filepath.Glob(filepath.Join(cache, "*"))
	if len(entries) != 1 {
		t.Fatalf("cache holds %v, want one entry", entries)
	}
	b, err := os.ReadFile(entries[0])
	if err != nil {
		t.Fatal(err)
	}
	// Change the first digit of the rows, after the two header lines.
	start := bytes.IndexByte(b, '\n') + 1
	start += bytes.IndexByte(b[start:], '\n') + 1
	i := start + bytes.IndexAny(b[start:], "123456789")
	b[i] = '1' + (b[i]-'0')%9
	writeFile(t, entries[0], string(b))

	m2 := filepath.Join(tmp, "m2.hkrf")
	code, _, stderr := runArgv(t, ctx, trainArgv(m2, "--cache-dir", cache)...)
	want := "train: fit cache entry " + entries[0] + " refused ("
	if code != exitOK || !strings.Contains(stderr, want) || !strings.Contains(stderr, "): recomputing it\n") {
		t.Errorf("train on an edited entry: exit code %d, stderr %q, want it to hold %q", code, stderr, want)
	}
	m3 := filepath.Join(tmp, "m3.hkrf")
	if code, _, stderr := runArgv(t, ctx, trainArgv(m3, "--no-cache")...); code != exitOK {
		t.Fatalf("train without cache: exit code %d, stderr %q", code, stderr)
	}
	if a, b := modelBytes(t, m2), modelBytes(t, m3); !bytes.Equal(a, b) {
		t.Error("the model trained on the edited entry differs from the one trained without the cache")
	}
}

// modelBytes reads the model at path and returns it encoded with no
// creation time, to compare two models trained at different times.
func modelBytes(t *testing.T, path string) []byte {
	t.Helper()
	m, err := readModel(path)
	if err != nil {
		t.Fatal(err)
	}
	m.Created = time.Time{}
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
