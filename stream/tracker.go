package stream

import (
	"container/heap"
	"fmt"
	"math"
)

// cascade is the fitter's state of one open cascade.
type cascade struct {
	id          string
	start       float64   // absolute start time
	times, mags []float64 // events so far, times relative to start
	last        float64   // absolute time of the newest event
	firstOffset int64     // offset of its first event in the partition
	done        []bool    // per window: the prediction was made
	closed      bool
	evicted     bool
	// Per window, set by the fitter when it predicts: what it needs again
	// when the cascade finishes.
	outcomes []*outcome
}

// hooks is what a tracker calls as the stream's event time advances. The
// fitter fits and publishes there; tests record.
type hooks interface {
	// window is called once per cascade and window, when the window has
	// passed (or when the cascade is finished or evicted first).
	window(c *cascade, w int) error
	// finish is called once per cascade, after window has been called for
	// every window, when the cascade is finished (no event for the
	// termination time), evicted, or the stream has ended.
	finish(c *cascade) error
}

// trackerConfig sets a tracker's windows and policies.
type trackerConfig struct {
	windows    []float64 // observation windows, seconds, ascending
	terminated float64   // seconds of silence after which a cascade is finished
	maxOpen    int       // bound on open cascades; 0 means none
	// maxSkew bounds how far ahead of the clock a message may be (see
	// FitterOptions.MaxSkew); 0 means no bound.
	maxSkew float64
}

// tracker holds the open cascades of one partition of the retweets topic
// and turns its messages into calls of hooks. It is not safe for concurrent
// use: each partition is consumed by one goroutine.
type tracker struct {
	cfg   trackerConfig
	hooks hooks
	open  map[string]*cascade
	// byOffset lists cascades in the order they opened, which is the order
	// of their first offsets; closed ones are dropped from its front.
	byOffset []*cascade
	wm       float64 // every event with an earlier time has been seen
	due      deadlines
	idle     deadlines // last+terminated per cascade, refreshed lazily
	next     int64     // offset after the last message handled
	ended    bool      // an end marker was the last message
	counts   trackerCounts
}

// trackerCounts counts what a tracker did.
type trackerCounts struct {
	events, opened, finished, evicted int
	orphans, duplicates, gaps         int
	epochs                            int // replays begun after an end marker
}

func newTracker(cfg trackerConfig, h hooks) *tracker {
	return &tracker{cfg: cfg, hooks: h, open: map[string]*cascade{}, wm: math.Inf(-1), next: -1}
}

// Errors of messages a tracker refuses.
var (
	// errBackwards: an event earlier than one already seen of its cascade.
	errBackwards = fmt.Errorf("%w: time goes backwards", ErrInvalid)
	// errSkew: a message too far ahead of the partition's clock.
	errSkew = fmt.Errorf("%w: time too far ahead", ErrInvalid)
	// errStart: an event whose start is not its cascade's.
	errStart = fmt.Errorf("%w: start differs from the cascade's", ErrInvalid)
)

// handle applies one decoded message found at offset. A message after an
// end marker begins a new replay: the partition's clock starts again from
// it (see the package doc).
func (t *tracker) handle(r *Retweet, offset int64) error {
	t.next = offset + 1
	if t.ended {
		t.ended = false
		t.wm = math.Inf(-1)
		t.counts.epochs++
	}
	at := r.Time
	if r.Kind == KindEvent {
		at = r.At()
	}
	if t.cfg.maxSkew > 0 && !math.IsInf(t.wm, -1) && at-t.wm > t.cfg.maxSkew {
		return fmt.Errorf("%w: %s at %v is %.6g s ahead of the partition's clock %v (max-skew %v)",
			errSkew, r.Kind, at, at-t.wm, t.wm, t.cfg.maxSkew)
	}
	switch r.Kind {
	case KindWatermark:
		return t.advance(r.Time)
	case KindEnd:
		if err := t.advance(r.Time); err != nil {
			return err
		}
		t.ended = true
		for _, c := range t.byOffset {
			if !c.closed {
				if err := t.close(c, false); err != nil {
					return err
				}
			}
		}
		t.byOffset = t.byOffset[:0]
		t.due, t.idle = nil, nil // every cascade is closed
		return nil
	}
	if c, ok := t.open[r.ID]; ok {
		switch {
		case r.Start != c.start:
			// Its time relative to the cascade's start would be wrong, and
			// the cascade's times out of order.
			return fmt.Errorf("%w: cascade %q event %d starts at %v, the cascade at %v", errStart, r.ID, r.Seq, r.Start, c.start)
		case at < c.last:
			return fmt.Errorf("%w: cascade %q event %d at %v, after one at %v", errBackwards, r.ID, r.Seq, at, c.last)
		}
	}
	if at > t.wm {
		if err := t.advance(at); err != nil {
			return err
		}
	}
	c, ok := t.open[r.ID]
	if !ok {
		if r.Seq != 0 {
			// Its start is not in this stream (before the committed offset,
			// or the cascade was finished or evicted): nothing to do.
			t.counts.orphans++
			return nil
		}
		if t.cfg.maxOpen > 0 && len(t.open) >= t.cfg.maxOpen {
			if err := t.evict(); err != nil {
				return err
			}
		}
		c = &cascade{id: r.ID, start: r.Start, firstOffset: offset, last: at,
			done: make([]bool, len(t.cfg.windows)), outcomes: make([]*outcome, len(t.cfg.windows))}
		t.open[r.ID] = c
		t.byOffset = append(t.byOffset, c)
		for w, W := range t.cfg.windows {
			heap.Push(&t.due, deadline{at: c.start + W, c: c, w: w})
		}
		heap.Push(&t.idle, deadline{at: at + t.cfg.terminated, c: c})
		t.counts.opened++
	}
	switch {
	case r.Seq < len(c.times):
		t.counts.duplicates++
		return nil
	case r.Seq > len(c.times):
		t.counts.gaps++
	}
	c.times = append(c.times, r.T)
	c.mags = append(c.mags, r.M)
	c.last = at
	t.counts.events++
	return nil
}

// advance moves the watermark to wm: windows that have passed are
// predicted, cascades silent for the termination time are finished.
func (t *tracker) advance(wm float64) error {
	if wm <= t.wm {
		return nil
	}
	t.wm = wm
	for t.due.Len() > 0 && t.due[0].at < wm {
		d := heap.Pop(&t.due).(deadline)
		if d.c.closed || d.c.done[d.w] {
			continue
		}
		if err := t.predict(d.c, d.w); err != nil {
			return err
		}
	}
	for {
		c := t.popIdle(wm)
		if c == nil {
			break
		}
		if err := t.close(c, false); err != nil {
			return err
		}
	}
	t.compact()
	return nil
}

// evict closes the least recently active open cascade to make room.
func (t *tracker) evict() error {
	c := t.popIdle(math.Inf(1))
	if c == nil {
		return nil
	}
	err := t.close(c, true)
	t.compact()
	return err
}

// popIdle removes and returns the open cascade silent the longest, if its
// silence ends (last event + terminated) at or before until; else nil. The
// heap's entries are refreshed lazily: an entry older than its cascade's
// last event goes back with the current time.
func (t *tracker) popIdle(until float64) *cascade {
	for t.idle.Len() > 0 && t.idle[0].at <= until {
		d := heap.Pop(&t.idle).(deadline)
		c := d.c
		if c.closed {
			continue
		}
		if at := c.last + t.cfg.terminated; at > d.at {
			heap.Push(&t.idle, deadline{at: at, c: c})
			continue
		}
		return c
	}
	return nil
}

func (t *tracker) predict(c *cascade, w int) error {
	c.done[w] = true
	return t.hooks.window(c, w)
}

// close predicts the windows of c not yet predicted, then finishes it.
func (t *tracker) close(c *cascade, evicted bool) error {
	c.evicted = evicted
	for w := range t.cfg.windows {
		if !c.done[w] {
			if err := t.predict(c, w); err != nil {
				return err
			}
		}
	}
	c.closed = true
	delete(t.open, c.id)
	if evicted {
		t.counts.evicted++
	} else {
		t.counts.finished++
	}
	return t.hooks.finish(c)
}

// compact drops closed cascades from the front of byOffset.
func (t *tracker) compact() {
	i := 0
	for i < len(t.byOffset) && t.byOffset[i].closed {
		t.byOffset[i] = nil
		i++
	}
	if i > 0 {
		t.byOffset = t.byOffset[i:]
	}
}

// commitOffset is the offset up to which the partition may be committed:
// the first event of the oldest open cascade, so that a restart from there
// rebuilds every open cascade, or after the last message when none is open.
func (t *tracker) commitOffset() int64 {
	for _, c := range t.byOffset {
		if !c.closed {
			return c.firstOffset
		}
	}
	return t.next
}

// deadline is an entry of a min-heap of times.
type deadline struct {
	at float64
	c  *cascade
	w  int
}

type deadlines []deadline

func (h deadlines) Len() int           { return len(h) }
func (h deadlines) Less(i, j int) bool { return h[i].at < h[j].at }
func (h deadlines) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *deadlines) Push(x any)        { *h = append(*h, x.(deadline)) }
func (h *deadlines) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = deadline{}
	*h = old[:len(old)-1]
	return x
}
