package dashboard

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/hawkes-toolkit/hawkes/stream"
)

func pred(id string, window, nhat float64, n, version int) stream.Prediction {
	return stream.Prediction{V: 1, ID: id, Window: window, Time: 100 + window, N: n, NHat: nhat, Source: stream.SourceHawkes,
		Status: "ok", ModelVersion: version, Start: 100, Curve: [][2]float64{{0, 1}, {window / 2, float64(n)}}}
}

func statMsg(id string, window float64, size int, are float64, version int) stream.Stat {
	return stream.Stat{V: 1, ID: id, Window: window, N: 1, Size: size, NHat: 1, ARE: are, ModelVersion: version,
		Source: stream.SourceHawkes, Curve: [][2]float64{{0, 1}, {5000, float64(size)}}}
}

func newTestState(t *testing.T, max int) *State {
	t.Helper()
	s, err := NewState(max)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ids(cs []Cascade) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func TestStateKeepsNewestCascades(t *testing.T) {
	s := newTestState(t, 3)
	for i := range 5 {
		s.Prediction(pred(fmt.Sprint("c", i), 600, float64(10*i), i, 0))
	}
	cs, err := s.Cascades(SortID, -1)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(cs); !slices.Equal(got, []string{"c2", "c3", "c4"}) {
		t.Errorf("kept %v, want the newest three", got)
	}
	sum := s.Summary()
	if sum.Cascades != 5 || sum.Kept != 3 || sum.MaxCascades != 3 || sum.Predictions != 5 || sum.Open != 3 {
		t.Errorf("summary %+v", sum)
	}
	// A stat of a forgotten cascade counts in the ARE, and brings it
	// back as the newest.
	s.Stat(statMsg("c0", 600, 10, 0.5, 0))
	cs, _ = s.Cascades(SortID, -1)
	if got := ids(cs); !slices.Equal(got, []string{"c0", "c3", "c4"}) {
		t.Errorf("kept %v, want c0 back and the oldest forgotten", got)
	}
	if got := s.Summary().Windows[0].ARE; got.Count != 1 || got.Mean != 0.5 {
		t.Errorf("ARE %+v, want the forgotten cascade's", got)
	}
	if _, err := NewState(-1); err == nil {
		t.Error("NewState(-1): no error")
	}
}

func TestStateCountsEachPairOnce(t *testing.T) {
	s := newTestState(t, 10)
	p := pred("a", 600, 50, 5, 1)
	s.Prediction(p)
	again := p
	again.NHat, again.ModelVersion = 999, 2 // a fitter's replay, newer model
	s.Prediction(again)
	s.Stat(statMsg("a", 600, 60, 0.2, 1))
	s.Stat(statMsg("a", 600, 60, 0.9, 2))
	al := stream.Alert{V: 1, ID: "a", Window: 600, NHat: 50, Threshold: 40}
	s.Alert(al)
	s.Alert(al)
	sum := s.Summary()
	if sum.Predictions != 1 || sum.Alerts != 1 || sum.Finished != 1 || sum.Windows[0].ARE.Count != 1 || sum.Windows[0].ARE.Mean != 0.2 {
		t.Errorf("summary %+v, want each (id, window) counted once", sum)
	}
	c, _ := s.Cascade("a")
	if c.Latest.NHat != 50 || c.Latest.ModelVersion != 1 || !c.Alerted || c.State != StateFinished || c.N != 60 {
		t.Errorf("cascade %+v, want the first prediction, alerted, finished with 60 events", c)
	}
	if c.Latest.ARE == nil || *c.Latest.ARE != 0.2 {
		t.Errorf("ARE of the prediction %v, want 0.2", c.Latest.ARE)
	}
}

func TestStateAlertBeforePrediction(t *testing.T) {
	s := newTestState(t, 10)
	// The alerts and predictions topics are read independently.
	s.Alert(stream.Alert{V: 1, ID: "a", Window: 600, NHat: 50, Threshold: 40})
	s.Prediction(pred("a", 600, 50, 5, 0))
	s.Prediction(pred("b", 600, 5, 5, 0))
	if c, _ := s.Cascade("a"); !c.Alerted {
		t.Error("cascade a, alerted before its prediction came, is not marked alerted")
	}
	if c, _ := s.Cascade("b"); c.Alerted {
		t.Error("cascade b is marked alerted")
	}
	// Beyond MaxAlerts, the oldest alerts are forgotten with their marks.
	for i := range MaxAlerts {
		s.Alert(stream.Alert{V: 1, ID: fmt.Sprint("x", i), Window: 600})
	}
	if len(s.alerted) != MaxAlerts || s.alerted["a"] != 0 {
		t.Errorf("%d ids marked, a %d times; want the %d newest", len(s.alerted), s.alerted["a"], MaxAlerts)
	}
}

func TestStateStatBeforePrediction(t *testing.T) {
	s := newTestState(t, 10)
	s.Stat(statMsg("a", 600, 60, 0.2, 1))
	c, _ := s.Cascade("a")
	if c.State != StateFinished || c.N != 60 || c.Latest.NHat != 1 || *c.Latest.ARE != 0.2 {
		t.Fatalf("cascade %+v, want it finished from its stat alone", c)
	}
	lo, hi := 0.5, 2.0
	p := pred("a", 600, 1, 5, 1)
	p.Lo, p.Hi = &lo, &hi
	s.Prediction(p)
	c, _ = s.Cascade("a")
	if c.State != StateFinished || c.N != 60 || c.Latest.Lo == nil || c.Latest.Status != "ok" || c.Latest.ARE == nil || *c.Latest.ARE != 0.2 {
		t.Errorf("cascade %+v, want the prediction's interval and status, the stat's ARE and size", c)
	}
	if sum := s.Summary(); sum.Finished != 1 || sum.Open != 0 {
		t.Errorf("summary %+v, want 1 finished, none open", sum)
	}
}

func TestStateCascade(t *testing.T) {
	s := newTestState(t, 10)
	lo, hi := 40.0, 90.0
	p := pred("a", 3600, 70, 8, 3)
	p.Lo, p.Hi = &lo, &hi
	s.Prediction(p)
	s.Prediction(pred("a", 600, 30, 4, 3)) // windows may come in any order
	c, ok := s.Cascade("a")
	if !ok {
		t.Fatal("cascade a not kept")
	}
	if len(c.Windows) != 2 || c.Windows[0].Window != 600 || c.Latest.Window != 3600 || *c.Latest.Lo != 40 || c.N != 8 {
		t.Errorf("cascade %+v, want windows 600 and 3600, the latest 3600's", c)
	}
	// The curve is the longest window's, until the whole cascade's.
	if got := c.Curve[len(c.Curve)-1]; got != [2]float64{1800, 8} {
		t.Errorf("curve ends at %v, want the 3600 s window's [1800 8]", got)
	}
	if c.Age != 3600 { // the newest prediction's time (3700) minus the start (100)
		t.Errorf("age %v, want 3600", c.Age)
	}
	s.Stat(statMsg("a", 600, 120, 0.75, 3))
	c, _ = s.Cascade("a")
	if got := c.Curve[len(c.Curve)-1]; got != [2]float64{5000, 120} || c.State != StateFinished || c.Age != 5000 {
		t.Errorf("finished: curve ends at %v, state %s, age %v; want [5000 120], finished, 5000", got, c.State, c.Age)
	}
	if _, ok := s.Cascade("nope"); ok {
		t.Error("an unknown cascade was found")
	}
	evicted := pred("e", 600, 5, 5, 0)
	evicted.Evicted = true
	s.Prediction(evicted)
	st := statMsg("e", 600, 5, 0, 0)
	st.Evicted = true
	s.Stat(st)
	if c, _ := s.Cascade("e"); c.State != StateEvicted {
		t.Errorf("state %s, want evicted", c.State)
	}
	if got := s.Summary().Windows[0].ARE.Count; got != 1 {
		t.Errorf("%d AREs on 600 s, want 1: an evicted cascade has none", got)
	}
}

func TestStateSort(t *testing.T) {
	s := newTestState(t, 10)
	s.Prediction(pred("small-old", 600, 10, 9, 0))
	b := pred("big", 600, 500, 2, 0)
	b.Start, b.Time = 600, 1300 // the newest: younger
	s.Prediction(b)
	s.Prediction(pred("mid", 600, 100, 5, 0))
	tests := []struct {
		sort  string
		limit int
		want  []string
	}{
		{"", -1, []string{"big", "mid", "small-old"}},
		{SortNHat, 2, []string{"big", "mid"}},
		{SortN, -1, []string{"small-old", "mid", "big"}},
		{SortAge, -1, []string{"big", "mid", "small-old"}},
		{SortID, -1, []string{"big", "mid", "small-old"}},
		{SortID, 0, []string{}},
	}
	for _, tt := range tests {
		cs, err := s.Cascades(tt.sort, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(cs); !slices.Equal(got, tt.want) {
			t.Errorf("sort %q limit %d: %v, want %v", tt.sort, tt.limit, got, tt.want)
		}
	}
	if _, err := s.Cascades("size", 1); err == nil {
		t.Error("an unknown sort: no error")
	}
}

func TestStateAREByVersion(t *testing.T) {
	s := newTestState(t, 10)
	for i, tt := range []struct {
		version int
		are     float64
	}{{0, 1}, {0, 3}, {0, 2}, {2, 0.5}, {2, 0.1}, {5, 0.2}} {
		s.Stat(statMsg(fmt.Sprint("c", i), 600, 10, tt.are, tt.version))
	}
	s.Model(stream.ModelMessage{V: 1, Window: 600, Version: 5, Trained: 40, Model: []byte("x")})
	s.Model(stream.ModelMessage{V: 1, Window: 600, Version: 4, Trained: 30}) // older: ignored
	w := s.Summary().Windows[0]
	want := []VersionARE{{0, AREStat{3, 2, 2}}, {2, AREStat{2, 0.3, 0.3}}, {5, AREStat{1, 0.2, 0.2}}}
	if len(w.Versions) != len(want) {
		t.Fatalf("versions %+v, want %+v", w.Versions, want)
	}
	for i := range want {
		g := w.Versions[i]
		if g.Version != want[i].Version || g.Count != want[i].Count || math.Abs(g.Mean-want[i].Mean) > 1e-12 || math.Abs(g.Median-want[i].Median) > 1e-12 {
			t.Errorf("version %d: %+v, want %+v", i, g, want[i])
		}
	}
	if w.ARE.Count != 6 || math.Abs(w.ARE.Median-0.75) > 1e-12 || w.ModelVersion != 5 || w.TrainedOn != 40 {
		t.Errorf("window %+v, want 6 AREs of median 0.75, model v5 trained on 40", w)
	}
}

func TestStateBounds(t *testing.T) {
	s := newTestState(t, 1)
	for i := range MaxAlerts + 10 {
		s.Alert(stream.Alert{V: 1, ID: fmt.Sprint("a", i), Window: 600, NHat: float64(i)})
	}
	al := s.Alerts(-1)
	if len(al) != MaxAlerts || al[0].ID != fmt.Sprint("a", MaxAlerts+9) || al[len(al)-1].ID != "a10" {
		t.Errorf("%d alerts from %s to %s, want %d, newest first", len(al), al[0].ID, al[len(al)-1].ID, MaxAlerts)
	}
	if got := s.Alerts(3); len(got) != 3 || got[2].ID != fmt.Sprint("a", MaxAlerts+7) {
		t.Errorf("Alerts(3) = %v", got)
	}
	var r ring
	for i := range MaxAREs + 5 {
		r.add(float64(i))
	}
	if st := r.stat(); st.Count != MaxAREs+5 || len(r.vals) != MaxAREs || st.Mean != float64(MaxAREs+4+5)/2 {
		t.Errorf("ring %+v over %d values, want the newest %d", st, len(r.vals), MaxAREs)
	}
	for v := range MaxVersions + 3 {
		s.Stat(statMsg(fmt.Sprint("v", v), 600, 10, 1, v))
	}
	if vs := s.Summary().Windows[0].Versions; len(vs) != MaxVersions || vs[0].Version != 3 {
		t.Errorf("%d versions from %d, want the newest %d", len(vs), vs[0].Version, MaxVersions)
	}
}

func TestStateChanged(t *testing.T) {
	s := newTestState(t, 10)
	ch := s.Changed()
	s.Status(stream.Status{})
	select {
	case <-ch:
		t.Fatal("an unchanged status signalled a change")
	default:
	}
	s.Status(stream.Status{Events: 5, EventsPerSecond: 2.5, Lag: 3, DeadLetters: 1})
	select {
	case <-ch:
	default:
		t.Fatal("a new status signalled no change")
	}
	if got := s.Summary().Status; got.Events != 5 || got.Lag != 3 {
		t.Errorf("status %+v", got)
	}
}
