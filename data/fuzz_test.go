package data

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// The fuzz tests check that the readers never panic, that every error they
// return for bad input is a *ParseError naming the file, and that whatever
// they accept survives Write and a second read unchanged.

var indexSeeds = []string{
	"id,start_ind,end_ind\na,1,3\nb,4,5\n",
	"start_ind,end_ind\n1,63\n64,126\n",
	"id,post_time_day,start_ind,end_ind\nRT5,0.500381944444,1,4\nRT7,1.08230324074,5,6\n",
	"start_time,id,end_ind,start_ind\n100.5,a,3,1\n7,b,5,4\n",
	"\"id\" ,\"start_ind\", end_ind\r\n \"a, \"\"q\"\"\" ,1,\"3\"\r\n\r\nb , 4 , 5",
	"\ufeffid,post_time,start_ind,end_ind,note\na,-0,2,3,x\n",
	"id,start_ind,end_ind\na,3,5\nb,1,2\n",
	"",
	"id,start_ind,end_ind\na,1,2\nb,2,3\n",
	"id,start_ind,end_ind\na,1,2\na,3,3\n",
	"id,start_ind,end_ind\na,0,2\n",
	"id,start_ind,end_ind\na,3,2\n",
	"id,post_time_day,start_ind,end_ind\na,1e304,1,2\n",
	"id,start_ind,end_ind\n\"a,1,2\n",
}

var dataSeeds = []string{
	"time,magnitude\n0,10\n30,0\n30,7\n5,1\n6,2\n",
	"user,number_of_followers,relative_time_second\nu1,10,0\nu2,0,30\nu3,7,30\nu4,1,5\nu5,2,6\n",
	"\"\", \"magnitude\" , \"time\"\r\n\"1\",\"10\", 0\r\n\"2\", 0 ,30\r\n\r\n3,7,30\n4,1,5\n5,2,6",
	"time,magnitude\n0.25,1e3\n1.5e+02,14400000\n150.000,0.0\n1234567890123456789,.5\n-0,1\n",
	"time,magnitude\njunk\n0,10\n30,0\n-1,-1\n",
	"time,magnitude\n30,1\n12,1\n",
	"time,magnitude\nNaN,1\n1e400,Inf\n",
	"time,magnitude,relative_time_second\n0,1,0\n",
	"",
}

// requireParseError fails unless err is a *ParseError for file.
func requireParseError(t *testing.T, err error, files ...string) {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %q (%T) is not a *ParseError", err, err)
	}
	for _, f := range files {
		if pe.File == f {
			return
		}
	}
	t.Fatalf("error %q names file %q, want one of %q", err, pe.File, files)
}

// requireRoundTrip writes cs and reads them back, and fails unless that
// gives the same cascades.
func requireRoundTrip(t *testing.T, cs []Cascade) {
	t.Helper()
	var d, ix bytes.Buffer
	if err := Write(&d, &ix, cs); err != nil {
		t.Fatalf("Write of cascades the reader accepted: %v", err)
	}
	back, err := readPair(d.String(), ix.String())
	if err != nil {
		t.Fatalf("reading back what Write wrote: %v\ndata:\n%s\nindex:\n%s", err, d.String(), ix.String())
	}
	if diff := diffCascades(back, cs); diff != "" {
		t.Fatalf("round trip changed the cascades: %s\ndata:\n%s\nindex:\n%s", diff, d.String(), ix.String())
	}
}

func FuzzReadIndex(f *testing.F) {
	for _, s := range indexSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, index string) {
		entries, err := ReadIndex(strings.NewReader(index), "index.csv")
		if err != nil {
			requireParseError(t, err, "index.csv")
			return
		}
		ids := make(map[string]bool)
		last := 0
		for _, e := range entries {
			if e.StartInd < 1 || e.StartInd > e.EndInd {
				t.Fatalf("accepted range %d-%d", e.StartInd, e.EndInd)
			}
			if e.ID == "" || ids[e.ID] {
				t.Fatalf("accepted empty or duplicate id %q", e.ID)
			}
			ids[e.ID] = true
			last = max(last, e.EndInd)
		}
		if last > 1<<12 {
			return
		}
		// Any data file long enough fits the index: row r holds time r.
		var data strings.Builder
		data.WriteString("time,magnitude\n")
		for r := 1; r <= last; r++ {
			data.WriteString(strconv.Itoa(r) + ",1\n")
		}
		cs, err := ReadEvents(context.Background(), strings.NewReader(data.String()), "data.csv", entries)
		if err != nil {
			t.Fatalf("ReadEvents on %d rows: %v", last, err)
		}
		for i, c := range cs {
			if c.Len() != entries[i].Len() || c.Times[0] != float64(entries[i].StartInd) {
				t.Fatalf("cascade %s has %d events from %v, want rows %d-%d", c.ID, c.Len(), c.Times[0], entries[i].StartInd, entries[i].EndInd)
			}
		}
		requireRoundTrip(t, cs)
	})
}

func FuzzReadEvents(f *testing.F) {
	for i, d := range dataSeeds {
		f.Add(d, indexSeeds[i%len(indexSeeds)])
		f.Add(d, "start_ind,end_ind\n1,2\n3,3\n")
	}
	f.Fuzz(func(t *testing.T, data, index string) {
		cs, err := readPair(data, index)
		if err != nil {
			requireParseError(t, err, "data.csv", "index.csv")
			return
		}
		for _, c := range cs {
			if err := c.Validate(); err != nil {
				t.Fatalf("accepted an invalid cascade: %v", err)
			}
			if cap(c.Times) != len(c.Times) || cap(c.Mags) != len(c.Mags) {
				t.Fatalf("cascade %s: capacity beyond length", c.ID)
			}
		}
		requireRoundTrip(t, cs)
	})
}

func FuzzReadSingle(f *testing.F) {
	for _, s := range dataSeeds {
		f.Add(s)
	}
	f.Add(",magnitude,time\n1,40989,0\n2,1445,21\n")
	f.Add("\"\",\"magnitude\",\"time\"\n\"1\",227381,0\n\"2\",439,10\n")
	f.Add(",magnitude,time\n")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ReadSingleFrom(strings.NewReader(s), "dir/fuzz.csv")
		if err != nil {
			requireParseError(t, err, "dir/fuzz.csv")
			return
		}
		if c.ID != "fuzz" {
			t.Fatalf("ID %q, want fuzz", c.ID)
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted an invalid cascade: %v", err)
		}
		var buf bytes.Buffer
		if err := WriteSingle(&buf, c); err != nil {
			t.Fatalf("WriteSingle of a cascade the reader accepted: %v", err)
		}
		back, err := ReadSingleFrom(&buf, "fuzz.csv")
		if err != nil {
			t.Fatalf("reading back what WriteSingle wrote: %v", err)
		}
		if diff := diffCascades([]Cascade{back}, []Cascade{c}); diff != "" {
			t.Fatalf("round trip changed the cascade: %s", diff)
		}
		requireRoundTrip(t, []Cascade{c})
	})
}
