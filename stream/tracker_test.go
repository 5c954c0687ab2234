package stream

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// recorder is a tracker's hooks that writes what happens as lines.
type recorder struct {
	tr  *tracker
	log []string
}

func (r *recorder) window(c *cascade, w int) error {
	r.log = append(r.log, fmt.Sprintf("predict %s w%d n=%d at=%v", c.id, w, len(c.times), r.tr.wm))
	return nil
}

func (r *recorder) finish(c *cascade) error {
	what := "finish"
	if c.evicted {
		what = "evict"
	}
	r.log = append(r.log, fmt.Sprintf("%s %s n=%d", what, c.id, len(c.times)))
	return nil
}

func ev(id string, seq int, start, t float64) Retweet {
	return Retweet{V: 1, Kind: KindEvent, ID: id, Seq: seq, Start: start, T: t, M: 10}
}

func wm(t float64) Retweet { return Retweet{V: 1, Kind: KindWatermark, Time: t} }

func TestTracker(t *testing.T) {
	cfg := trackerConfig{windows: []float64{10, 100}, terminated: 50}
	tests := []struct {
		name    string
		cfg     trackerConfig
		msgs    []Retweet
		want    []string
		commit  int64 // commitOffset after the last message
		wantErr error
	}{{
		name: "windows pass, then silence finishes",
		msgs: []Retweet{ev("a", 0, 0, 0), ev("a", 1, 0, 5), ev("a", 2, 0, 10), wm(10.5), ev("a", 3, 0, 59), wm(100), wm(100.5), wm(111)},
		want: []string{"predict a w0 n=3 at=10.5", "predict a w1 n=4 at=100.5", "finish a n=4"},
		// a is finished: everything may be committed.
		commit: 8,
	}, {
		name:   "a quiet cascade is predicted by watermarks alone",
		msgs:   []Retweet{ev("a", 0, 0, 0), wm(30), wm(200)},
		want:   []string{"predict a w0 n=1 at=30", "predict a w1 n=1 at=200", "finish a n=1"},
		commit: 3,
	}, {
		name: "finish before a window passes predicts it then",
		cfg:  trackerConfig{windows: []float64{10, 1000}, terminated: 50},
		msgs: []Retweet{ev("a", 0, 0, 0), ev("a", 1, 0, 20), wm(70)},
		// The window of 10 s holds one event: it is predicted when the
		// event at 20 shows that time passed, before that event is added.
		want:   []string{"predict a w0 n=1 at=20", "predict a w1 n=2 at=70", "finish a n=2"},
		commit: 3,
	}, {
		name: "an open cascade holds the commit at its first event",
		msgs: []Retweet{ev("a", 0, 0, 0), ev("b", 0, 30, 0), wm(60), ev("b", 1, 30, 40)},
		want: []string{"predict a w0 n=1 at=30", "predict b w0 n=1 at=60", "predict a w1 n=1 at=60", "finish a n=1"},
		// a (last event at 0) is finished at 50; b (first at offset 1,
		// last at 70) is open.
		commit: 1,
	}, {
		name:   "orphans and duplicates are skipped",
		msgs:   []Retweet{ev("x", 3, 0, 1), ev("a", 0, 0, 0), ev("a", 0, 0, 0), ev("a", 1, 0, 2)},
		want:   nil,
		commit: 1,
	}, {
		name:   "the least recently active cascade is evicted at max-open",
		cfg:    trackerConfig{windows: []float64{10, 100}, terminated: 50, maxOpen: 2},
		msgs:   []Retweet{ev("a", 0, 0, 0), ev("b", 0, 1, 0), ev("a", 1, 0, 2), ev("c", 0, 3, 0)},
		want:   []string{"predict b w0 n=1 at=3", "predict b w1 n=1 at=3", "evict b n=1"},
		commit: 0,
	}, {
		name: "the end marker finishes every cascade",
		msgs: []Retweet{ev("a", 0, 0, 0), ev("b", 0, 1, 0), {V: 1, Kind: KindEnd, Time: 2}},
		want: []string{"predict a w0 n=1 at=2", "predict a w1 n=1 at=2", "finish a n=1",
			"predict b w0 n=1 at=2", "predict b w1 n=1 at=2", "finish b n=1"},
		commit: 3,
	}, {
		name:    "time going backwards in a cascade is refused",
		msgs:    []Retweet{ev("a", 0, 0, 5), ev("a", 1, 0, 4)},
		wantErr: errBackwards,
	}, {
		name:    "an event with another start than its cascade's is refused",
		msgs:    []Retweet{ev("a", 0, 0, 0), ev("a", 1, 0, 20), ev("a", 2, 30, 0)},
		wantErr: errStart,
	}, {
		name: "a message within max-skew of the clock moves it",
		cfg:  trackerConfig{windows: []float64{10, 100}, terminated: 50, maxSkew: 1000},
		msgs: []Retweet{ev("a", 0, 0, 0), wm(1000), ev("b", 0, 2000, 0)},
		want: []string{"predict a w0 n=1 at=1000", "predict a w1 n=1 at=1000", "finish a n=1"},
		// b is open.
		commit: 2,
	}, {
		name: "the first message sets the clock",
		cfg:  trackerConfig{windows: []float64{10, 100}, terminated: 5000, maxSkew: 1000},
		msgs: []Retweet{ev("a", 0, 1e9, 0), ev("a", 1, 1e9, 900)},
		want: []string{"predict a w0 n=1 at=1.0000009e+09", "predict a w1 n=1 at=1.0000009e+09"},
	}, {
		name:    "an event further ahead than max-skew is refused",
		cfg:     trackerConfig{windows: []float64{10, 100}, terminated: 50, maxSkew: 1000},
		msgs:    []Retweet{ev("a", 0, 0, 0), ev("b", 0, 1e15, 0)},
		wantErr: errSkew,
	}, {
		name:    "an event of an open cascade further ahead than max-skew is refused",
		cfg:     trackerConfig{windows: []float64{10, 100}, terminated: 50, maxSkew: 1000},
		msgs:    []Retweet{ev("a", 0, 0, 0), ev("a", 1, 0, 1001)},
		wantErr: errSkew,
	}, {
		name:    "a watermark further ahead than max-skew is refused",
		cfg:     trackerConfig{windows: []float64{10, 100}, terminated: 50, maxSkew: 1000},
		msgs:    []Retweet{ev("a", 0, 0, 0), wm(1e300)},
		wantErr: errSkew,
	}, {
		name:    "an end marker further ahead than max-skew is refused",
		cfg:     trackerConfig{windows: []float64{10, 100}, terminated: 50, maxSkew: 1000},
		msgs:    []Retweet{ev("a", 0, 0, 0), {V: 1, Kind: KindEnd, Time: 5000}},
		wantErr: errSkew,
	}, {
		name: "a replay after an end marker starts a new clock",
		cfg:  trackerConfig{windows: []float64{10, 100}, terminated: 50, maxSkew: 1000},
		msgs: []Retweet{ev("a", 0, 5000, 0), {V: 1, Kind: KindEnd, Time: 5001},
			ev("b", 0, 0, 0), ev("b", 1, 0, 20), wm(200)},
		want: []string{"predict a w0 n=1 at=5001", "predict a w1 n=1 at=5001", "finish a n=1",
			"predict b w0 n=1 at=20", "predict b w1 n=2 at=200", "finish b n=2"},
		commit: 5,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.cfg
			if c.windows == nil {
				c = cfg
			}
			r := &recorder{}
			tr := newTracker(c, r)
			r.tr = tr
			var err error
			for i := range tt.msgs {
				if err = tr.handle(&tt.msgs[i], int64(i)); err != nil {
					break
				}
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !errors.Is(err, ErrInvalid) {
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.log, tt.want) {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(r.log, "\n  "), strings.Join(tt.want, "\n  "))
			}
			if got := tr.commitOffset(); got != tt.commit {
				t.Errorf("commit offset %d, want %d", got, tt.commit)
			}
		})
	}
}

// checker is a tracker's hooks that checks what the fitter relies on: each
// window of a cascade is predicted once, before its finish, on times in
// order; each cascade is finished once.
type checker struct {
	t        *testing.T
	windows  map[*cascade][]bool
	finished map[*cascade]bool
}

func (k *checker) window(c *cascade, w int) error {
	if k.finished[c] {
		k.t.Fatalf("cascade %q predicted after its finish", c.id)
	}
	if k.windows[c] == nil {
		k.windows[c] = make([]bool, len(c.done))
	}
	if k.windows[c][w] {
		k.t.Fatalf("cascade %q window %d predicted twice", c.id, w)
	}
	k.windows[c][w] = true
	if !slices.IsSorted(c.times) {
		k.t.Fatalf("cascade %q predicted on times out of order %v", c.id, c.times)
	}
	return nil
}

func (k *checker) finish(c *cascade) error {
	if k.finished[c] {
		k.t.Fatalf("cascade %q finished twice", c.id)
	}
	k.finished[c] = true
	for w, done := range k.windows[c] {
		if !done {
			k.t.Fatalf("cascade %q finished before window %d was predicted", c.id, w)
		}
	}
	if len(k.windows[c]) == 0 {
		k.t.Fatalf("cascade %q finished without a prediction", c.id)
	}
	return nil
}

// FuzzTracker feeds a tracker with max-skew any sequence of events,
// watermarks and end markers, absurd times and foreign starts included:
// it refuses messages with ErrInvalid only, and never predicts a window
// twice, after its cascade's finish, or on times out of order.
func FuzzTracker(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 10, 1, 0, 0, 1, 0, 1, 60, 2, 0, 0, 0, 0, 90, 0, 0, 0, 0, 0})
	f.Add([]byte{0, 1, 0, 0, 0, 0, 0, 1, 0, 255, 255, 0, 2, 0, 0, 0, 200, 1, 0, 0, 0, 0, 3, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		k := &checker{t: t, windows: map[*cascade][]bool{}, finished: map[*cascade]bool{}}
		tr := newTracker(trackerConfig{windows: []float64{10, 100}, terminated: 50, maxOpen: 3, maxSkew: 1000}, k)
		for i := 0; i+4 <= len(b); i += 4 {
			// kind, cascade, seq, time: a byte each.
			var r Retweet
			at := float64(b[i+3]) * 20
			if b[i+3] == 255 {
				at = 1e15
			}
			switch b[i] % 4 {
			case 0, 1:
				start := float64(b[i+1]/8) * 100 // cascades share starts or not
				r = ev(fmt.Sprint("c", b[i+1]%4), int(b[i+2]%6), start, max(at-start, 0))
			case 2:
				r = wm(at)
			case 3:
				r = Retweet{V: 1, Kind: KindEnd, Time: at}
			}
			if err := tr.handle(&r, int64(i/4)); err != nil && !errors.Is(err, ErrInvalid) {
				t.Fatalf("message %+v: %v", r, err)
			}
			if c := tr.commitOffset(); c > tr.next || c < 0 {
				t.Fatalf("commit offset %d after offset %d", c, i/4)
			}
		}
	})
}
