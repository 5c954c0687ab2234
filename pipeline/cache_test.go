package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/hawkes-toolkit/hawkes/data"
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
