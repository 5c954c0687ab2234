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
