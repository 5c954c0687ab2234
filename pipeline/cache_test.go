package pipeline

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/sim"
)

// The cache returns the rows it stored, and misses when the window, a fit
// setting or the data change.
func TestCacheRows(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p := fit.Params{Kappa: fit.KappaFor(0.6, 0.5, 60, 0.8), Beta: 0.5, C: 60, Theta: 0.8}
	cs, _, err := sim.Dataset(ctx, 6, sim.Config{Params: p, FirstMag: 3000, WholeSeconds: true, Horizon: 86400}, 4)
	if err != nil {
		t.Fatal(err)
	}
	if err := data.WriteDir(dir, cs); err != nil {
		t.Fatal(err)
	}
	cache := Cache{Dir: filepath.Join(t.TempDir(), "cache")}
	opts := fit.BatchOptions{Workers: 2}
	rows, hit, err := cache.Rows(ctx, dir, cs, 3600, opts)
	if err != nil || hit {
		t.Fatalf("first call: hit %v, err %v", hit, err)
	}
	again, hit, err := cache.Rows(ctx, dir, cs, 3600, opts)
	if err != nil || !hit || !reflect.DeepEqual(rows, again) {
		t.Fatalf("second call: hit %v, err %v, same rows %v", hit, err, reflect.DeepEqual(rows, again))
	}
	opts.Workers = 1 // does not change the rows: still a hit
	if _, hit, _ := cache.Rows(ctx, dir, cs, 3600, opts); !hit {
		t.Error("a different worker count missed the cache")
	}
	for name, call := range map[string]func() bool{
		"window": func() bool { _, hit, _ := cache.Rows(ctx, dir, cs, 600, opts); return hit },
		"seed": func() bool {
			o := opts
			o.Seed = 9
			_, hit, _ := cache.Rows(ctx, dir, cs, 3600, o)
			return hit
		},
		"data": func() bool {
			f, err := os.OpenFile(filepath.Join(dir, "index.csv"), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString("\n") // same cascades, different bytes
			f.Close()
			_, hit, _ := cache.Rows(ctx, dir, cs, 3600, opts)
			return hit
		},
	} {
		if call() {
			t.Errorf("changing the %s hit the cache", name)
		}
	}
	if rows, hit, err := (Cache{}).Rows(ctx, dir, cs, 3600, opts); hit || err != nil || len(rows) != len(cs) {
		t.Errorf("no cache: %d rows, hit %v, err %v", len(rows), hit, err)
	}
}

// Hostile: a fit cache entry edited, truncated, emptied, replaced by junk, given another key's header, or holding other cascades' rows under a right checksum -> refused with a warning naming the entry, recomputed and stored again; the rows equal an uncached run's
func TestHostileCacheEditedEntry(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p := fit.Params{Kappa: fit.KappaFor(0.6, 0.5, 60, 0.8), Beta: 0.5, C: 60, Theta: 0.8}
	cs, _, err := sim.Dataset(ctx, 4, sim.Config{Params: p, FirstMag: 3000, WholeSeconds: true, Horizon: 86400}, 5)
	if err != nil {
		t.Fatal(err)
	}
	if err := data.WriteDir(dir, cs); err != nil {
		t.Fatal(err)
	}
	const T = 3600
	opts := fit.BatchOptions{Workers: 2}
	want, err := Rows(ctx, cs, T, opts)
	if err != nil {
		t.Fatal(err)
	}
	var warnings []string
	cache := Cache{Dir: filepath.Join(t.TempDir(), "cache"), Warn: func(msg string) { warnings = append(warnings, msg) }}
	if _, hit, err := cache.Rows(ctx, dir, cs, T, opts); hit || err != nil {
		t.Fatalf("first call: hit %v, err %v", hit, err)
	}
	entries, _ := filepath.Glob(filepath.Join(cache.Dir, "*"))
	if len(entries) != 1 || len(warnings) != 0 {
		t.Fatalf("after the first call: entries %v, warnings %q", entries, warnings)
	}
	entry := entries[0]
	good, err := os.ReadFile(entry)
	if err != nil {
		t.Fatal(err)
	}
	header, body, _ := bytes.Cut(good, []byte("\n"))
	key := strings.Fields(string(header))[1]
	// The rows of the cascades in reverse order, under a header with the
	// right key and checksum.
	var reversed bytes.Buffer
	back := slices.Clone(want)
	slices.Reverse(back)
	if err := features.Write(&reversed, back); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name  string
		entry []byte
		why   string // in the warning
	}{
		// A digit of a fitted value changed: the rows still parse.
		{"a value edited", bytes.Replace(good, []byte(",ok,"), []byte(",ok,1"), 1), "checksum"},
		{"truncated", good[:len(good)/2], "checksum"},
		{"empty", nil, "no header line"},
		{"junk", []byte("not a cache entry\n"), "header line"},
		{"header of another key", append([]byte(entryHeader(strings.Repeat("0", 64), body)), body...), "another key"},
		{"other rows, right checksum", append([]byte(entryHeader(key, reversed.Bytes())), reversed.Bytes()...), "row 1 is cascade"},
		{"huge", append(bytes.Clone(good), bytes.Repeat([]byte("x"), 1<<20)...), "larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(entry, tc.entry, 0o644); err != nil {
				t.Fatal(err)
			}
			warnings = nil
			rows, hit, err := cache.Rows(ctx, dir, cs, T, opts)
			if err != nil || hit {
				t.Fatalf("hit %v, err %v; want a recomputation", hit, err)
			}
			if !reflect.DeepEqual(rows, want) {
				t.Error("the rows differ from an uncached run's")
			}
			if len(warnings) != 1 || !strings.Contains(warnings[0], entry) || !strings.Contains(warnings[0], tc.why) {
				t.Errorf("warnings %q, want one naming %s and saying %q", warnings, entry, tc.why)
			}
			// The entry was stored again: the next call hits, silently.
			warnings = nil
			again, hit, err := cache.Rows(ctx, dir, cs, T, opts)
			if err != nil || !hit || len(warnings) != 0 || !reflect.DeepEqual(again, want) {
				t.Errorf("next call: hit %v, err %v, warnings %q", hit, err, warnings)
			}
		})
	}

	// A cache folder that is a file: the rows all the same, and a warning.
	warnings = nil
	blocked := Cache{Dir: entry, Warn: cache.Warn}
	rows, hit, err := blocked.Rows(ctx, dir, cs, T, opts)
	if err != nil || hit || !reflect.DeepEqual(rows, want) {
		t.Errorf("cache folder a file: hit %v, err %v", hit, err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "not stored") {
		t.Errorf("cache folder a file: warnings %q", warnings)
	}
}
