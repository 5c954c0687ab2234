package features

import (
	"bytes"
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/internal/golden"
	"github.com/hawkes-toolkit/hawkes/internal/shared"
)

const testT = 100

// testCascade has 100 events: 40 at times 0, 2.5, ..., 97.5 (observed on
// [0, testT]) and 60 after the window. Of the 40, those with t > 80 are
// 82.5, ..., 97.5: 7 events, so Growth is 7/40.
func testCascade() *data.Cascade {
	c := &data.Cascade{ID: "c1"}
	for i := range 100 {
		t := 2.5 * float64(i)
		if i >= 40 {
			t = 200 + float64(i)
		}
		c.Times = append(c.Times, t)
		c.Mags = append(c.Mags, 10)
	}
	return c
}

func opt(v float64) Opt { return Opt{V: v, OK: true} }

// buildCases are hand-made results of testCascade at testT, one per status.
// The expected w comes from the closed form w = (N-n)(1-n*)/A1 with N = 100,
// n = 40: with n* = 0.5 and A1 = 10, w = 60*0.5/10 = 3.
var buildCases = []struct {
	name string
	r    fit.Result
	want Row
}{
	{"ok",
		fit.Result{Params: fit.Params{Kappa: 0.1, Beta: 0.3, C: 20, Theta: 0.5}, Rate: 0.025, NStar: 0.5, A1: 10, NHat: 60, LogLik: -80, N: 40, Status: fit.StatusOK},
		Row{C: opt(20), Theta: opt(0.5), A1: opt(10), NStar: opt(0.5), Beta: opt(0.3), Rate: opt(0.025),
			LogLikPerEvent: opt(-2), NHat: opt(60), W: opt(3)}},
	{"unbounded",
		// w = 60*(1-0.8)/4 = 3.
		fit.Result{Params: fit.Params{Beta: 0.2}, Rate: 0.01, NStar: 0.8, A1: 4, NHat: 60, LogLik: -120, N: 40, Status: fit.StatusUnbounded, Exponential: true},
		Row{A1: opt(4), NStar: opt(0.8), Beta: opt(0.2), Rate: opt(0.01), LogLikPerEvent: opt(-3), NHat: opt(60), W: opt(3)}},
	{"supercritical",
		fit.Result{Params: fit.Params{Kappa: 2, Beta: 0.5, C: 10, Theta: 0.2}, Rate: 0.02, NStar: 1.3, A1: 50, LogLik: -40, N: 40, Status: fit.StatusSupercritical},
		Row{C: opt(10), Theta: opt(0.2), A1: opt(50), NStar: opt(1.3), Beta: opt(0.5), Rate: opt(0.02), LogLikPerEvent: opt(-1)}},
	{"failed",
		fit.Result{N: 40, Status: fit.StatusFailed, Reason: "no start converged"},
		Row{}},
	{"ok with no children expected",
		// A1 = 0: the target is undefined (division by zero).
		fit.Result{Params: fit.Params{Kappa: 0.1, Beta: 0.3, C: 20, Theta: 0.5}, Rate: 0.025, NStar: 0.5, NHat: 40, LogLik: -80, N: 40, Status: fit.StatusOK},
		Row{C: opt(20), Theta: opt(0.5), A1: opt(0), NStar: opt(0.5), Beta: opt(0.3), Rate: opt(0.025),
			LogLikPerEvent: opt(-2), NHat: opt(40)}},
}

func TestBuild(t *testing.T) {
	c := testCascade()
	for _, tt := range buildCases {
		t.Run(tt.name, func(t *testing.T) {
			got := Build(c, testT, tt.r)
			want := tt.want
			want.ID, want.Window, want.Status, want.N, want.Size = "c1", testT, tt.r.Status, 40, 100
			want.LogN, want.Growth = opt(math.Log(40)), opt(7.0/40)
			// Followers: the poster's 10, 39 retweeters of 10 each.
			want.LogPosterFollowers, want.LogFollowersSum = opt(math.Log(11)), opt(math.Log(391))
			want.LogFollowersMax, want.FollowersTopShare = opt(math.Log(11)), opt(1.0/39)
			const tol = 1e-12 // every expected value is exact up to rounding
			if got.ID != want.ID || got.Window != want.Window || got.Status != want.Status || got.N != want.N || got.Size != want.Size {
				t.Errorf("got %+v, want %+v", got, want)
			}
			for _, f := range []struct {
				name      string
				got, want Opt
			}{
				{"c", got.C, want.C}, {"theta", got.Theta, want.Theta}, {"a1", got.A1, want.A1},
				{"nstar", got.NStar, want.NStar}, {"beta", got.Beta, want.Beta}, {"rate", got.Rate, want.Rate},
				{"loglik_per_event", got.LogLikPerEvent, want.LogLikPerEvent}, {"log_n", got.LogN, want.LogN},
				{"growth", got.Growth, want.Growth}, {"nhat", got.NHat, want.NHat}, {"w", got.W, want.W},
				{"log_poster_followers", got.LogPosterFollowers, want.LogPosterFollowers},
				{"log_followers_sum", got.LogFollowersSum, want.LogFollowersSum},
				{"log_followers_max", got.LogFollowersMax, want.LogFollowersMax},
				{"followers_top_share", got.FollowersTopShare, want.FollowersTopShare},
			} {
				if f.got.OK != f.want.OK || math.Abs(f.got.V-f.want.V) > tol*math.Max(1, math.Abs(f.want.V)) {
					t.Errorf("%s = %+v, want %+v", f.name, f.got, f.want)
				}
			}
		})
	}
}

func TestGrowth(t *testing.T) {
	// Worked by hand: on [0, 100] the events 0, 10, 50, 81, 90, 100 are
	// observed; 81, 90 and 100 are after 0.8*100 = 80, so growth = 3/6.
	c := &data.Cascade{ID: "g", Times: []float64{0, 10, 50, 81, 90, 100, 150}, Mags: []float64{1, 1, 1, 1, 1, 1, 1}}
	r := Build(c, 100, fit.Result{Status: fit.StatusFailed})
	if r.N != 6 || !r.Growth.OK || r.Growth.V != 0.5 {
		t.Errorf("n %d, growth %+v; want 6 and 0.5", r.N, r.Growth)
	}
	// An event exactly at the cut, 80, is not counted.
	if g := Growth([]float64{0, 80}, 100); g != 0 {
		t.Errorf("Growth with an event at the cut = %v, want 0", g)
	}
	if g := Growth(nil, 100); g != 0 {
		t.Errorf("Growth of no events = %v, want 0", g)
	}
	// No event observed: growth, log_n and loglik_per_event do not apply.
	r = Build(&data.Cascade{ID: "e", Times: []float64{5}, Mags: []float64{1}}, 1, fit.Result{Status: fit.StatusFailed})
	if r.N != 0 || r.Growth.OK || r.LogN.OK || r.LogLikPerEvent.OK {
		t.Errorf("empty window: %+v", r)
	}
}

func TestVector(t *testing.T) {
	c := testCascade()
	ok := Build(c, testT, buildCases[0].r)
	got := ok.Vector(nil)
	fw := []float64{math.Log(11), math.Log(391), math.Log(11), 1.0 / 39} // see TestBuild
	want := append([]float64{20, 0.5, 10, 0.5, 0.3, 0.025, -2, math.Log(40), 7.0 / 40, 1, 1, 0, 0, 0}, fw...)
	if len(got) != NumFeatures {
		t.Fatalf("len %d, want %d", len(got), NumFeatures)
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Errorf("%s = %v, want %v", Names()[i], got[i], want[i])
		}
	}
	failed := Build(c, testT, buildCases[3].r)
	dst := make([]float64, NumFeatures)
	got = failed.Vector(dst)
	want = append([]float64{Missing, Missing, Missing, Missing, Missing, Missing, Missing, math.Log(40), 7.0 / 40, 0, 0, 0, 0, 1}, fw...)
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Errorf("failed: %s = %v, want %v", Names()[i], got[i], want[i])
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Vector with a short dst did not panic")
		}
	}()
	failed.Vector(make([]float64, 3))
}

func buildRows() []Row {
	c := testCascade()
	rows := make([]Row, len(buildCases))
	for i, tt := range buildCases {
		rows[i] = Build(c, testT, tt.r)
	}
	// Values whose shortest representation needs all 17 digits, and an id
	// that needs quoting.
	rows[0].ID = `odd, "id"`
	rows[0].C = opt(1.0 / 3)
	rows[0].Rate = opt(1e-300)
	return rows
}

func TestGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, buildRows()); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "rows.golden.csv"), buf.Bytes())
	if first := strings.SplitN(buf.String(), "\n", 2)[0]; first != strings.Join(Columns(), ",") {
		t.Errorf("header %q, want %q", first, strings.Join(Columns(), ","))
	}
}

func TestRoundTrip(t *testing.T) {
	rows := buildRows()
	var buf bytes.Buffer
	if err := Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	got, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(rows) {
		t.Fatalf("read %d rows, want %d", len(got), len(rows))
	}
	for i := range rows {
		if got[i] != rows[i] { // exact: floats are written with all the digits needed
			t.Errorf("row %d\n got %+v\nwant %+v", i, got[i], rows[i])
		}
	}
	// No rows: a header alone.
	buf.Reset()
	if err := Write(&buf, nil); err != nil || buf.String() != strings.Join(Columns(), ",")+"\n" {
		t.Errorf("Write(nil) = %q, %v", buf.String(), err)
	}
	if got, err := Read(&buf); err != nil || len(got) != 0 {
		t.Errorf("Read(header only) = %v, %v", got, err)
	}
}

func TestReadErrors(t *testing.T) {
	header := strings.Join(Columns(), ",") + "\n"
	tests := []struct {
		name, in string
		line     int // line of the *csv.ParseError; 0 for a header error
	}{
		{"empty", "", 0},
		{"wrong header", "id,window\n", 0},
		{"NaN", header + "a,600,ok,1,2,NaN,,,,,,,,,,,,,,\n", 2},
		{"Inf", header + "a,600,ok,1,2,,,,,,,,,,,,,,,+Inf\n", 2},
		{"not a number", header + "a,600,ok,1,2,x,,,,,,,,,,,,,,\n", 2},
		{"bad status", header + "a,600,ok,1,2,,,,,,,,,,,,,,,\na,600,great,1,2,,,,,,,,,,,,,,,\n", 3},
		{"zero window", header + "a,0,ok,1,2,,,,,,,,,,,,,,,\n", 2},
		{"n above size", header + "a,600,ok,3,2,,,,,,,,,,,,,,,\n", 2},
		{"no size", header + "a,600,ok,3,,,,,,,,,,,,,,,,\n", 2},
		{"short line", header + "a,600,ok\n", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.in))
			if err == nil {
				t.Fatal("no error")
			}
			if tt.line == 0 {
				if !errors.Is(err, ErrHeader) {
					t.Errorf("error %v is not ErrHeader", err)
				}
				return
			}
			if line := parseErrorLine(err); line != tt.line {
				t.Errorf("error %v: line %d, want %d", err, line, tt.line)
			}
		})
	}
}

func TestComputeSharedData(t *testing.T) {
	if testing.Short() {
		t.Skip("fits 20 real cascades twice")
	}
	dir := shared.Path(t, "smh_cascades")
	ctx := context.Background()
	cascades, err := data.LoadDir(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	windows := []float64{600, 3600}
	var rows []Row
	err = Compute(ctx, cascades, windows, fit.BatchOptions{Options: fit.Options{Starts: 2, Seed: 1}}, func(r Row) error {
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2*len(cascades) || len(rows) != 40 {
		t.Fatalf("%d rows for %d cascades, want 40", len(rows), len(cascades))
	}
	for i, r := range rows {
		c := &cascades[i%len(cascades)]
		T := windows[i/len(cascades)]
		if r.ID != c.ID || float64(r.Window) != T || !validStatus(r.Status) || r.N != c.Window(T) || r.Size != c.Len() {
			t.Errorf("row %d = %+v, want cascade %s at %v", i, r, c.ID, T)
		}
		if r.W.OK && (math.IsNaN(r.W.V) || math.IsInf(r.W.V, 0) || r.W.V < 0) {
			t.Errorf("row %d: w = %v", i, r.W.V)
		}
		defined := (r.Status == fit.StatusOK || r.Status == fit.StatusUnbounded) && r.A1.V > 0 && r.NStar.V < 1
		if r.W.OK != defined {
			t.Errorf("row %d: status %s, a1 %+v, w %+v", i, r.Status, r.A1, r.W)
		}
		for j, v := range r.Vector(nil) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("row %d: feature %s = %v", i, Names()[j], v)
			}
		}
	}
}

// TestNamesAreCopies checks that a caller cannot change the feature names
// that decide which models apply, nor the CSV columns.
func TestNamesAreCopies(t *testing.T) {
	n := Names()
	if len(n) != NumFeatures {
		t.Fatalf("%d names, NumFeatures %d", len(n), NumFeatures)
	}
	n[0] = "changed"
	if Names()[0] == "changed" {
		t.Error("Names returned the package's own slice")
	}
	c := Columns()
	c[0] = "changed"
	if Columns()[0] == "changed" {
		t.Error("Columns returned the package's own slice")
	}
}

func TestFollowers(t *testing.T) {
	tests := []struct {
		mags []float64
		want FollowerStats
		top  float64
	}{
		{[]float64{5}, FollowerStats{Poster: 5}, 0},                             // no retweet
		{[]float64{5, 0, 0}, FollowerStats{Poster: 5}, 0},                       // retweeters without followers
		{[]float64{1, 2, 6, 2}, FollowerStats{Poster: 1, Sum: 10, Max: 6}, 0.6}, // 6 of 10
	}
	for _, tt := range tests {
		got := Followers(tt.mags)
		if got != tt.want || got.TopShare() != tt.top {
			t.Errorf("Followers(%v) = %+v, share %v; want %+v, %v", tt.mags, got, got.TopShare(), tt.want, tt.top)
		}
	}
}

// TestIndex checks that the features of an older model (the first 14, in
// another order here) map back to their positions, and that an unknown one
// is refused.
func TestIndex(t *testing.T) {
	old := []string{"theta", "c", "status_failed"}
	idx, err := Index(old)
	if err != nil || len(idx) != 3 || idx[0] != 1 || idx[1] != 0 || idx[2] != 13 {
		t.Errorf("Index(%v) = %v, %v; want [1 0 13]", old, idx, err)
	}
	if _, err := Index([]string{"c", "hour_of_day"}); err == nil || !strings.Contains(err.Error(), "hour_of_day") {
		t.Errorf("unknown feature: error %v", err)
	}
}
