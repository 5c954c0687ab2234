package data

import (
	"github.com/hawkes-toolkit/hawkes/internal/shared"

	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// The expected numbers in this file come from ../shared/data/README.md,
// which was written from the source repositories independently of this
// package.

func TestLoadSharedSets(t *testing.T) {
	tests := []struct {
		dir            string
		cascades, rows int
		minN, maxN     int // 0: not checked
		hasStart       bool
		long           bool
	}{
		{dir: "seismic_subset", cascades: 508, rows: 2109923, minN: 2009, maxN: 33485, hasStart: true, long: true},
		{dir: "auspol", cascades: 3333, rows: 10504, minN: 1, maxN: 309},
		{dir: "smh_cascades", cascades: 20, rows: 2104, minN: 50, maxN: 317},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			if tt.long && testing.Short() {
				t.Skip("loads 2.1 M rows; skipped under -short")
			}
			cs, err := LoadDir(context.Background(), shared.Path(t, tt.dir))
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) != tt.cascades {
				t.Errorf("%d cascades, want %d", len(cs), tt.cascades)
			}
			rows, minN, maxN := 0, int(^uint(0)>>1), 0
			for i := range cs {
				c := &cs[i]
				n := c.Len()
				rows += n
				minN, maxN = min(minN, n), max(maxN, n)
				if c.HasStart != tt.hasStart {
					t.Errorf("cascade %s: HasStart %v, want %v", c.ID, c.HasStart, tt.hasStart)
				}
				if err := c.Validate(); err != nil {
					t.Error(err)
				}
			}
			if rows != tt.rows {
				t.Errorf("%d rows, want %d", rows, tt.rows)
			}
			if minN != tt.minN || maxN != tt.maxN {
				t.Errorf("size N from %d to %d, want %d to %d", minN, maxN, tt.minN, tt.maxN)
			}
		})
	}
}

func TestSeismicDetails(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 2.1 M rows; skipped under -short")
	}
	dir := shared.Path(t, "seismic_subset")
	cs, err := LoadDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	// README: 8,056 rows with magnitude 0; the first row of each cascade is
	// at time 0, so the largest time is the largest span of the table,
	// 604,791 s (604,798 s is the cap over all 738 files, hold-out included);
	// post days < 11. The first row of index.csv is RT5 at day 0.500381944444.
	zeros, maxT := 0, 0.0
	for _, c := range cs {
		if c.Times[0] != 0 {
			t.Errorf("cascade %s starts at %v, want 0", c.ID, c.Times[0])
		}
		for i, m := range c.Mags {
			if m == 0 {
				zeros++
			}
			maxT = max(maxT, c.Times[i])
		}
		if c.Start < 0 || c.Start >= 11*secondsPerDay {
			t.Errorf("cascade %s starts at %v s, want a post day in [0, 11)", c.ID, c.Start)
		}
	}
	if zeros != 8056 {
		t.Errorf("%d zero magnitudes, want 8056", zeros)
	}
	if maxT != 604791 {
		t.Errorf("largest time %v, want 604791", maxT)
	}
	if cs[0].ID != "RT5" || cs[0].Start != 0.500381944444*secondsPerDay {
		t.Errorf("first cascade %s at %v s, want RT5 at 0.500381944444 days", cs[0].ID, cs[0].Start)
	}

	// Writing the cascades back reproduces data.csv byte for byte (its
	// numbers are all whole), and the index reads back to the same cascades.
	var d, ix bytes.Buffer
	if err := Write(&d, &ix, cs); err != nil {
		t.Fatal(err)
	}
	orig, err := os.ReadFile(filepath.Join(dir, "data.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(d.Bytes(), orig) {
		t.Error("Write does not reproduce seismic_subset/data.csv")
	}
	if got := ix.String()[:len("id,post_time_day,")]; got != "id,post_time_day," {
		t.Errorf("index header starts %q, want id,post_time_day,", got)
	}
	index, err := ReadIndex(&ix, "index.csv")
	if err != nil {
		t.Fatal(err)
	}
	back, err := ReadEvents(context.Background(), &d, "data.csv", index)
	if err != nil {
		t.Fatal(err)
	}
	if diff := diffCascades(back, cs); diff != "" {
		t.Error(diff)
	}
}

func TestReadSharedSingles(t *testing.T) {
	tests := []struct {
		file string
		id   string
		rows int
		span float64 // last time minus first, in seconds; 0: not checked
	}{
		{"spock_example_book.csv", "spock_example_book", 219, 241072},
		{"mishra_example_2016.csv", "mishra_example_2016", 247, 488411}, // last row "247",20,488411
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			c, err := ReadSingle(shared.Path(t, filepath.Join("single_cascades", tt.file)))
			if err != nil {
				t.Fatal(err)
			}
			if c.ID != tt.id || c.Len() != tt.rows {
				t.Errorf("cascade %s with %d events, want %s with %d", c.ID, c.Len(), tt.id, tt.rows)
			}
			if span := c.Times[c.Len()-1] - c.Times[0]; span != tt.span || c.Times[0] != 0 {
				t.Errorf("times from %v spanning %v s, want from 0 spanning %v s", c.Times[0], span, tt.span)
			}
		})
	}
}

func TestReadNewsIndex(t *testing.T) {
	f, err := os.Open(shared.Path(t, filepath.Join("news_mishra2016", "index.csv")))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	index, err := ReadIndex(f, "index.csv")
	if err != nil {
		t.Fatal(err)
	}
	// README: 20,093 cascades covering 3,252,549 rows contiguously, N from
	// 50 to 35,999; no id column, so IDs are positions.
	if len(index) != 20093 {
		t.Fatalf("%d entries, want 20093", len(index))
	}
	next, minN, maxN := 1, int(^uint(0)>>1), 0
	for i, e := range index {
		if e.StartInd != next {
			t.Fatalf("entry %d starts at row %d, want %d (contiguous)", i+1, e.StartInd, next)
		}
		next = e.EndInd + 1
		minN, maxN = min(minN, e.Len()), max(maxN, e.Len())
		if e.HasStart {
			t.Errorf("entry %d has a start time", i+1)
		}
	}
	if next-1 != 3252549 {
		t.Errorf("ranges end at row %d, want 3252549", next-1)
	}
	if minN != 50 || maxN != 35999 {
		t.Errorf("N from %d to %d, want 50 to 35999", minN, maxN)
	}
	if index[0].ID != "1" || index[len(index)-1].ID != "20093" {
		t.Errorf("IDs %q to %q, want 1 to 20093", index[0].ID, index[len(index)-1].ID)
	}
}
