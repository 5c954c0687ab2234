package dashboard

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/hawkes-toolkit/hawkes/evaluate"
	"github.com/hawkes-toolkit/hawkes/internal/fifo"
	"github.com/hawkes-toolkit/hawkes/internal/seen"
	"github.com/hawkes-toolkit/hawkes/stream"
)

// Bounds of a State's memory.
const (
	// DefaultMaxCascades is how many cascades a State keeps by default:
	// the newest ones, by when it first saw them.
	DefaultMaxCascades = 10000
	// MaxAlerts is how many alerts a State keeps, the newest.
	MaxAlerts = 1000
	// MaxAREs is how many ARE values per window, and per window and model
	// version, the running mean and median are computed over: the newest.
	MaxAREs = 1 << 16
	// MaxVersions is how many model versions per window a State keeps the
	// ARE of, the newest.
	MaxVersions = 100
	// maxRemembered bounds the (cascade, window) pairs remembered to count
	// each prediction, stat and alert once.
	maxRemembered = 1 << 18
)

// Cascade states.
const (
	StateOpen     = "open"     // predicted on some window, not finished
	StateFinished = "finished" // its stats came: its final size is known
	StateEvicted  = "evicted"  // a fitter closed it early at --max-open
)

// WindowPrediction is the prediction of a cascade on one window.
type WindowPrediction struct {
	Window       float64  `json:"window"`
	Time         float64  `json:"time"` // event time at which it was made
	N            int      `json:"n"`    // events in the window
	NHat         float64  `json:"nhat"`
	Lo           *float64 `json:"lo,omitempty"`
	Hi           *float64 `json:"hi,omitempty"`
	Source       string   `json:"source"`
	ModelVersion int      `json:"model_version"`
	Status       string   `json:"status"`        // status of the Hawkes fit
	ARE          *float64 `json:"are,omitempty"` // once the cascade is finished
	// fromStat: what the cascade's stat gave, before its prediction came
	// (no time, interval nor fit status).
	fromStat bool
}

// Cascade is what the dashboard shows of one cascade.
type Cascade struct {
	ID    string  `json:"id"`
	Start float64 `json:"start"` // absolute start, event time
	// Age is the stream's event time (the newest prediction's) minus
	// Start, for an open cascade; the last event's time for a finished
	// one.
	Age float64 `json:"age"`
	// N is the events seen so far: the final size once finished.
	N       int                `json:"n"`
	State   string             `json:"state"` // StateOpen, StateFinished or StateEvicted
	Alerted bool               `json:"alerted"`
	Latest  WindowPrediction   `json:"latest"` // the prediction of the longest window so far
	Windows []WindowPrediction `json:"windows"`
	// Curve is the growth, [t, events] pairs (stream.Prediction.Curve);
	// only /api/cascades/{id} gives it.
	Curve [][2]float64 `json:"curve,omitempty"`
}

// AREStat is the ARE of the finished cascades of one window, or of one
// window and model version: the count of all of them, the mean and median
// of the newest MaxAREs.
type AREStat struct {
	Count  int     `json:"count"`
	Mean   float64 `json:"mean"`
	Median float64 `json:"median"`
}

// VersionARE is the ARE of the finished cascades of one window whose
// prediction was made with one model version (0: no model).
type VersionARE struct {
	Version int `json:"version"`
	AREStat
}

// WindowSummary is the summary of one window.
type WindowSummary struct {
	Window       float64      `json:"window"`
	Predictions  int          `json:"predictions"`
	ARE          AREStat      `json:"are"`
	Versions     []VersionARE `json:"versions"`      // by version, oldest first
	ModelVersion int          `json:"model_version"` // newest on the models topic (0: none)
	TrainedOn    int          `json:"trained_on"`    // samples the newest model was grown on
}

// Summary is /api/summary: the pipeline at a glance.
type Summary struct {
	Time   float64       `json:"time"`   // the stream's event time: the newest prediction's
	Status stream.Status `json:"status"` // from the brokers: retweets/s, lag, dead letters
	// Cascades counts those seen; Open and Kept those among the kept
	// (the newest MaxCascades) that are open, and all of them.
	Cascades    int             `json:"cascades"`
	Kept        int             `json:"kept"`
	MaxCascades int             `json:"max_cascades"`
	Open        int             `json:"open"`
	Finished    int             `json:"finished"`
	Predictions int             `json:"predictions"`
	Alerts      int             `json:"alerts"`
	Windows     []WindowSummary `json:"windows"` // by window
	Updated     time.Time       `json:"updated"` // wall clock of the last change
}

// State is the dashboard's view of the stream, fed by a stream.Watcher (it
// is a stream.Sink) and read by the HTTP handlers. It keeps the newest
// MaxCascades cascades, the newest MaxAlerts alerts and, per window, the
// newest MaxAREs errors: its memory is bounded whatever the stream holds.
type State struct {
	mu       sync.Mutex
	cascades *fifo.Map[string, *entry] // the newest by first seen

	seenPred, seenStat, seenAlert *seen.Set
	seenFinished                  *seen.Set // cascades with a stat, by (id, 0)
	now                           float64
	status                        stream.Status
	seen, finished                int
	predictions, alertCount       int
	alerts                        []stream.Alert // a ring from alertHead once full
	alertHead                     int
	alerted                       map[string]int // alerts kept per cascade id
	windows                       map[float64]*windowAgg
	updated                       time.Time

	changed chan struct{} // closed and replaced at each change
}

type entry struct {
	c     Cascade
	curve [][2]float64
	// curveWindow is the window of the prediction the curve came from;
	// +Inf once it is the whole cascade's.
	curveWindow float64
	last        float64 // time of the last event, from the curve
}

type windowAgg struct {
	predictions int
	are         ring
	versions    map[int]*ring
	model       stream.ModelMessage
}

// NewState returns a state keeping the newest maxCascades cascades
// (DefaultMaxCascades when 0).
func NewState(maxCascades int) (*State, error) {
	if maxCascades == 0 {
		maxCascades = DefaultMaxCascades
	}
	if maxCascades < 1 {
		return nil, fmt.Errorf("dashboard: the cascades kept must be at least 1, got %d", maxCascades)
	}
	return &State{cascades: fifo.New[string, *entry](maxCascades), seenPred: seen.New(maxRemembered),
		seenStat: seen.New(maxRemembered), seenAlert: seen.New(maxRemembered), seenFinished: seen.New(maxRemembered),
		windows: map[float64]*windowAgg{}, alerted: map[string]int{}, changed: make(chan struct{})}, nil
}

var _ stream.Sink = (*State)(nil)

// Changed returns a channel closed at the next change.
func (s *State) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// touch marks a change; s.mu is held.
func (s *State) touch() {
	s.updated = time.Now()
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *State) window(w float64) *windowAgg {
	a := s.windows[w]
	if a == nil {
		a = &windowAgg{versions: map[int]*ring{}}
		s.windows[w] = a
	}
	return a
}

// cascade returns the entry of id, adding it (and evicting the oldest
// beyond max) when add is set and it is new.
func (s *State) cascade(id string, add bool) *entry {
	if e, _ := s.cascades.Get(id); e != nil || !add {
		return e
	}
	s.seen++
	// Its alert may come first: the topics are read independently.
	e := &entry{c: Cascade{ID: id, State: StateOpen, Alerted: s.alerted[id] > 0}}
	s.cascades.Add(id, e)
	return e
}

// Prediction records p, the first one of its (id, window).
func (s *State) Prediction(p stream.Prediction) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.seenPred.Add(p.ID, p.Window) {
		return
	}
	s.predictions++
	s.window(p.Window).predictions++
	s.now = max(s.now, p.Time)
	e := s.cascade(p.ID, true)
	c := &e.c
	c.Start = p.Start
	setWindow(c, WindowPrediction{Window: p.Window, Time: p.Time, N: p.N, NHat: p.NHat, Lo: p.Lo, Hi: p.Hi,
		Source: p.Source, ModelVersion: p.ModelVersion, Status: p.Status})
	if c.State == StateOpen {
		c.N = max(c.N, p.N)
		if p.Evicted {
			c.State = StateEvicted
		}
	}
	if len(p.Curve) > 0 && p.Window > e.curveWindow {
		e.curve, e.curveWindow = p.Curve, p.Window
		e.last = p.Curve[len(p.Curve)-1][0]
	}
	s.touch()
}

// setWindow records the prediction of one window in c: a prediction
// replaces what a stat gave (keeping its ARE), a stat adds its ARE to a
// prediction.
func setWindow(c *Cascade, wp WindowPrediction) {
	i, found := slices.BinarySearchFunc(c.Windows, wp.Window, func(w WindowPrediction, t float64) int { return cmp.Compare(w.Window, t) })
	switch {
	case !found:
		c.Windows = slices.Insert(c.Windows, i, wp)
	case wp.fromStat:
		c.Windows[i].ARE = wp.ARE
	case c.Windows[i].fromStat:
		wp.ARE = c.Windows[i].ARE
		c.Windows[i] = wp
	}
	c.Latest = c.Windows[len(c.Windows)-1]
}

// Stat records st, the first one of its (id, window): the cascade is
// finished, and the ARE of its prediction counts.
func (s *State) Stat(st stream.Stat) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.seenStat.Add(st.ID, st.Window) {
		return
	}
	if !st.Evicted {
		a := s.window(st.Window)
		a.are.add(st.ARE)
		r := a.versions[st.ModelVersion]
		if r == nil {
			r = &ring{}
			a.versions[st.ModelVersion] = r
			if len(a.versions) > MaxVersions {
				delete(a.versions, slices.Min(slices.Collect(maps.Keys(a.versions))))
			}
		}
		r.add(st.ARE)
	}
	// Its prediction may come later: the topics are read independently.
	e := s.cascade(st.ID, true)
	c := &e.c
	if s.seenFinished.Add(st.ID, 0) {
		s.finished++
	}
	if c.State == StateOpen {
		c.State = StateFinished
	}
	if st.Evicted {
		c.State = StateEvicted
	}
	c.N = st.Size
	wp := WindowPrediction{Window: st.Window, N: st.N, NHat: st.NHat, Source: st.Source, ModelVersion: st.ModelVersion, fromStat: true}
	if !st.Evicted {
		v := st.ARE
		wp.ARE = &v
	}
	setWindow(c, wp)
	if len(st.Curve) > 0 {
		e.curve, e.curveWindow = st.Curve, math.Inf(1)
		e.last = st.Curve[len(st.Curve)-1][0]
	}
	s.touch()
}

// Alert records a, the first one of its (id, window).
func (s *State) Alert(a stream.Alert) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.seenAlert.Add(a.ID, a.Window) {
		return
	}
	s.alertCount++
	if len(s.alerts) < MaxAlerts {
		s.alerts = append(s.alerts, a)
	} else {
		old := s.alerts[s.alertHead].ID
		if s.alerted[old]--; s.alerted[old] == 0 {
			delete(s.alerted, old)
		}
		s.alerts[s.alertHead] = a
		s.alertHead = (s.alertHead + 1) % MaxAlerts
	}
	s.alerted[a.ID]++
	if e := s.cascade(a.ID, false); e != nil {
		e.c.Alerted = true
	}
	s.touch()
}

// Model records the newest version of each window's model.
func (s *State) Model(m stream.ModelMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.window(m.Window)
	if m.Version <= a.model.Version {
		return
	}
	m.Model = nil
	a.model = m
	s.touch()
}

// Status records the pipeline's status.
func (s *State) Status(st stream.Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st == s.status {
		return
	}
	s.status = st
	s.touch()
}

// view returns the Cascade of e as shown now; s.mu is held.
func (s *State) view(e *entry, curve bool) Cascade {
	c := e.c
	c.Windows = slices.Clone(c.Windows)
	c.Age = s.age(e)
	if curve {
		c.Curve = slices.Clone(e.curve)
	}
	return c
}

// age returns the age of e's cascade; s.mu is held.
func (s *State) age(e *entry) float64 {
	if e.c.State == StateOpen {
		return max(s.now-e.c.Start, e.last)
	}
	return e.last
}

// Sort orders of Cascades.
const (
	SortNHat = "nhat" // predicted size, largest first (the default)
	SortN    = "n"    // events so far, most first
	SortAge  = "age"  // youngest first
	SortID   = "id"
)

// Cascades returns the first limit cascades kept in the given order (one
// of SortNHat, SortN, SortAge, SortID; "" is SortNHat), ties broken by id.
func (s *State) Cascades(sortBy string, limit int) ([]Cascade, error) {
	// key is what the cascades are sorted on, smallest first.
	var key func(e *entry) float64
	switch sortBy {
	case SortNHat, "":
		key = func(e *entry) float64 { return -e.c.Latest.NHat }
	case SortN:
		key = func(e *entry) float64 { return -float64(e.c.N) }
	case SortAge:
		key = s.age
	case SortID:
		key = func(*entry) float64 { return 0 }
	default:
		return nil, fmt.Errorf("sort must be %s, %s, %s or %s, got %q", SortNHat, SortN, SortAge, SortID, sortBy)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Sort small items, then view the first limit.
	type item struct {
		k float64
		e *entry
	}
	items := make([]item, 0, s.cascades.Len())
	for _, e := range s.cascades.All {
		items = append(items, item{key(e), e})
	}
	slices.SortFunc(items, func(a, b item) int {
		if c := cmp.Compare(a.k, b.k); c != 0 {
			return c
		}
		return cmp.Compare(a.e.c.ID, b.e.c.ID)
	})
	if limit >= 0 && limit < len(items) {
		items = items[:limit]
	}
	out := make([]Cascade, len(items))
	for i, it := range items {
		out[i] = s.view(it.e, false)
	}
	return out, nil
}

// Cascade returns the cascade id with its growth curve, if it is kept.
func (s *State) Cascade(id string) (Cascade, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, _ := s.cascades.Get(id)
	if e == nil {
		return Cascade{}, false
	}
	return s.view(e, true), true
}

// Alerts returns the newest limit alerts kept, newest first.
func (s *State) Alerts(limit int) []stream.Alert {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.alerts)
	if limit < 0 || limit > n {
		limit = n
	}
	out := make([]stream.Alert, 0, limit)
	for i := range limit {
		// The newest is just before the head once the ring is full.
		out = append(out, s.alerts[((s.alertHead-1-i)%n+n)%n])
	}
	return out
}

// Summary returns the summary now.
func (s *State) Summary() Summary {
	s.mu.Lock()
	defer s.mu.Unlock()
	sum := Summary{Time: s.now, Status: s.status, Cascades: s.seen, Kept: s.cascades.Len(), MaxCascades: s.cascades.Max(),
		Finished: s.finished, Predictions: s.predictions, Alerts: s.alertCount, Updated: s.updated}
	for _, e := range s.cascades.All {
		if e.c.State == StateOpen {
			sum.Open++
		}
	}
	for _, w := range slices.Sorted(maps.Keys(s.windows)) {
		a := s.windows[w]
		ws := WindowSummary{Window: w, Predictions: a.predictions, ARE: a.are.stat(),
			ModelVersion: a.model.Version, TrainedOn: a.model.Trained}
		for _, v := range slices.Sorted(maps.Keys(a.versions)) {
			ws.Versions = append(ws.Versions, VersionARE{Version: v, AREStat: a.versions[v].stat()})
		}
		sum.Windows = append(sum.Windows, ws)
	}
	return sum
}

// ring holds the newest MaxAREs values and counts them all; its stat is
// computed again only after a change.
type ring struct {
	vals   []float64
	head   int
	count  int
	cached *AREStat
}

func (r *ring) add(v float64) {
	r.cached = nil
	r.count++
	if len(r.vals) < MaxAREs {
		r.vals = append(r.vals, v)
		return
	}
	r.vals[r.head] = v
	r.head = (r.head + 1) % MaxAREs
}

func (r *ring) stat() AREStat {
	if r.cached != nil {
		return *r.cached
	}
	st := AREStat{Count: r.count}
	if len(r.vals) > 0 {
		st.Mean = stat.Mean(r.vals, nil)
		st.Median = evaluate.Median(r.vals)
	}
	r.cached = &st
	return st
}
