package data

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFormat(t *testing.T) {
	tests := []struct {
		name             string
		cs               []Cascade
		wantData, wantIx string
	}{
		{
			name: "no start times, ids that need quotes",
			cs: []Cascade{
				{ID: "RT5", Times: []float64{0, 1.5, 1e6}, Mags: []float64{90, 0, 14400000}},
				{ID: `a,"b"`, Times: []float64{2}, Mags: []float64{1e-7}},
				{ID: " c", Times: []float64{0}, Mags: []float64{1}},
			},
			wantData: "time,magnitude\n0,90\n1.5,0\n1000000,14400000\n2,1e-07\n0,1\n",
			wantIx:   "id,start_ind,end_ind\nRT5,1,3\n\"a,\"\"b\"\"\",4,4\n\" c\",5,5\n",
		},
		{
			// 43200 s and 108000 s are 0.5 and 1.25 days exactly.
			name: "start times that are exact in days",
			cs: []Cascade{
				{ID: "a", Start: 43200, HasStart: true, Times: []float64{0}, Mags: []float64{1}},
				{ID: "b", Start: 108000, HasStart: true, Times: []float64{0, 1}, Mags: []float64{1, 2}},
			},
			wantData: "time,magnitude\n0,1\n0,1\n1,2\n",
			wantIx:   "id,post_time_day,start_ind,end_ind\na,0.5,1,1\nb,1.25,2,3\n",
		},
		{
			// No float64 d gives d*86400 == 1.4000000000000001 (see
			// TestStartDays), so the seconds are written instead.
			name: "start time not exact in days",
			cs: []Cascade{
				{ID: "a", Start: 1.4000000000000001, HasStart: true, Times: []float64{0}, Mags: []float64{1}},
				{ID: "b", Start: 43200, HasStart: true, Times: []float64{0}, Mags: []float64{1}},
			},
			wantData: "time,magnitude\n0,1\n0,1\n",
			wantIx:   "id,start_time,start_ind,end_ind\na,1.4000000000000001,1,1\nb,43200,2,2\n",
		},
		{
			name: "start times dropped when one cascade has none",
			cs: []Cascade{
				{ID: "a", Start: 43200, HasStart: true, Times: []float64{0}, Mags: []float64{1}},
				{ID: "b", Times: []float64{0}, Mags: []float64{1}},
			},
			wantData: "time,magnitude\n0,1\n0,1\n",
			wantIx:   "id,start_ind,end_ind\na,1,1\nb,2,2\n",
		},
		{
			name:     "no cascades",
			wantData: "time,magnitude\n",
			wantIx:   "id,start_ind,end_ind\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d, ix bytes.Buffer
			if err := Write(&d, &ix, tt.cs); err != nil {
				t.Fatal(err)
			}
			if d.String() != tt.wantData {
				t.Errorf("data file\n%s\nwant\n%s", d.String(), tt.wantData)
			}
			if ix.String() != tt.wantIx {
				t.Errorf("index file\n%s\nwant\n%s", ix.String(), tt.wantIx)
			}
			got, err := readPair(d.String(), ix.String())
			if err != nil {
				t.Fatal(err)
			}
			want := tt.cs
			if tt.name == "start times dropped when one cascade has none" {
				want = []Cascade{{ID: "a", Times: []float64{0}, Mags: []float64{1}}, tt.cs[1]}
			}
			if want == nil {
				want = []Cascade{}
			}
			if d := diffCascades(got, want); d != "" {
				t.Error("read back: " + d)
			}
		})
	}
}

func TestStartDays(t *testing.T) {
	// The fallback case of TestWriteFormat relies on 1.4000000000000001 s
	// (the float64 after 1.4) having no exact day count: check that by brute
	// force over 2000 float64 values around start/86400.
	start := 1.4000000000000001
	d := start / secondsPerDay
	for range 1000 {
		d = math.Nextafter(d, 0)
	}
	for range 2000 {
		if d*secondsPerDay == start {
			t.Fatalf("%v days is exactly %v s", d, start)
		}
		d = math.Nextafter(d, math.Inf(1))
	}
	if _, ok := startDays(start); ok {
		t.Errorf("startDays(%v) found a day count", start)
	}
	// And a typical post_time_day of seismic round-trips through seconds.
	days := 0.500381944444
	if got, ok := startDays(days * secondsPerDay); !ok || got*secondsPerDay != days*secondsPerDay {
		t.Errorf("startDays(%v days in seconds) = %v, %v", days, got, ok)
	}
}

func TestWriteErrors(t *testing.T) {
	ok := Cascade{ID: "a", Times: []float64{0}, Mags: []float64{1}}
	tests := []struct {
		name string
		c    Cascade
		want error
	}{
		{"lengths differ", Cascade{ID: "x", Times: []float64{0, 1}, Mags: []float64{1}}, ErrLength},
		{"no events", Cascade{ID: "x"}, ErrNoEvents},
		{"NaN time", Cascade{ID: "x", Times: []float64{math.NaN()}, Mags: []float64{1}}, ErrNotFinite},
		{"infinite magnitude", Cascade{ID: "x", Times: []float64{0}, Mags: []float64{math.Inf(1)}}, ErrNotFinite},
		{"infinite start", Cascade{ID: "x", Start: math.Inf(-1), HasStart: true, Times: []float64{0}, Mags: []float64{1}}, ErrNotFinite},
		{"negative time", Cascade{ID: "x", Times: []float64{-1}, Mags: []float64{1}}, ErrNegative},
		{"negative magnitude", Cascade{ID: "x", Times: []float64{0}, Mags: []float64{-1}}, ErrNegative},
		{"backwards", Cascade{ID: "x", Times: []float64{3, 2}, Mags: []float64{1, 1}}, ErrBackwards},
		{"empty id", Cascade{Times: []float64{0}, Mags: []float64{1}}, ErrBadID},
		{"id with a newline", Cascade{ID: "a\nb", Times: []float64{0}, Mags: []float64{1}}, ErrBadID},
		{"duplicate id", ok, ErrDuplicateID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d, ix bytes.Buffer
			err := Write(&d, &ix, []Cascade{ok, tt.c})
			if !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
			if d.Len() != 0 || ix.Len() != 0 {
				t.Errorf("wrote %d and %d bytes before failing", d.Len(), ix.Len())
			}
		})
	}
}

func TestWriteDirRoundTrip(t *testing.T) {
	cs := []Cascade{
		{ID: "RT5", Start: 43232.99999996, HasStart: true, Times: []float64{0, 292, 292, 604798}, Mags: []float64{90, 433344, 0, 14.5}},
		{ID: "RT7", Start: 93511, HasStart: true, Times: []float64{3, 3.25}, Mags: []float64{1, 2}},
	}
	dir := filepath.Join(t.TempDir(), "new", "set")
	if err := WriteDir(dir, cs); err != nil {
		t.Fatal(err)
	}
	got, err := LoadDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if d := diffCascades(got, cs); d != "" {
		t.Error(d)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 2 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want data.csv and index.csv only", names)
	}
	// A failed write leaves no temporary files behind.
	if err := WriteDir(dir, []Cascade{{ID: "x"}}); !errors.Is(err, ErrNoEvents) {
		t.Errorf("WriteDir of an empty cascade: error %v, want ErrNoEvents", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("after a failed write the directory holds %d files, want 2", len(ents))
	}
}

// TestWriteStartSeconds writes start times as post_time in seconds, and
// reads them back; without every start, the index has no start column.
func TestWriteStartSeconds(t *testing.T) {
	o := WriteOptions{StartSeconds: true}
	cs := []Cascade{
		{ID: "931794102785413120", Start: 1510992000, HasStart: true, Times: []float64{0, 7}, Mags: []float64{1226, 3}},
		{ID: "b", Start: 43200, HasStart: true, Times: []float64{0}, Mags: []float64{0}},
	}
	var dw, iw bytes.Buffer
	if err := o.Write(&dw, &iw, cs); err != nil {
		t.Fatal(err)
	}
	if want := "id,post_time,start_ind,end_ind\n931794102785413120,1510992000,1,2\nb,43200,3,3\n"; iw.String() != want {
		t.Errorf("index %q, want %q", iw.String(), want)
	}
	ix, err := ReadIndex(bytes.NewReader(iw.Bytes()), "index.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !ix[0].HasStart || ix[0].Start != 1510992000 || ix[1].Start != 43200 {
		t.Errorf("read back %+v", ix)
	}
	iw.Reset()
	dw.Reset()
	cs[1].HasStart = false
	if err := o.Write(&dw, &iw, cs); err != nil {
		t.Fatal(err)
	}
	if want := "id,start_ind,end_ind\n931794102785413120,1,2\nb,3,3\n"; iw.String() != want {
		t.Errorf("index %q, want %q", iw.String(), want)
	}
}
