package stream

import (
	"testing"

	"github.com/hawkes-toolkit/hawkes/convert"
)

// TestOrderer feeds events out of order and checks what comes out when:
// in time order once the newest time is the lateness past them, originals
// whatever their time, reposts older than the watermark refused.
func TestOrderer(t *testing.T) {
	type out struct {
		id  string
		at  float64
		seq int
	}
	ev := func(id string, start, at float64, orig, emb bool) convert.Event {
		return convert.Event{Cascade: id, Start: start, At: at, M: 1, Original: orig, Embedded: emb}
	}
	steps := []struct {
		e    convert.Event
		late bool
		out  []out // released after this push
	}{
		// A: its own post at 100. Held: the newest is 100, watermark 90.
		{ev("A", 100, 100, true, false), false, nil},
		// B: first seen through a repost at 104 of a post of time 5:
		// its original goes out at once (time 5 <= watermark 94).
		{ev("B", 5, 5, true, true), false, []out{{"B", 5, 0}}},
		{ev("B", 5, 104, false, false), false, nil},
		// A repost of A at 102 arrives after 104: still in time.
		{ev("A", 100, 102, false, false), false, nil},
		// 115: watermark 105, A's post (100), A's repost (102), B's (104) go.
		{ev("A", 100, 115, false, false), false, []out{{"A", 100, 0}, {"A", 102, 1}, {"B", 104, 1}}},
		// A repost at 104 now is late: the watermark is 105.
		{ev("B", 5, 104, false, false), true, nil},
		// An original's own post older than the watermark is not late.
		{ev("C", 50, 50, true, false), false, []out{{"C", 50, 0}}},
	}
	q := newOrderer(10)
	for i, s := range steps {
		_, late := q.push(s.e)
		if late != s.late {
			t.Fatalf("step %d: late %v, want %v", i, late, s.late)
		}
		var got []out
		for {
			e, seq, ok := q.pop(false)
			if !ok {
				break
			}
			got = append(got, out{e.Cascade, e.At, seq})
		}
		if len(got) != len(s.out) {
			t.Fatalf("step %d: released %v, want %v", i, got, s.out)
		}
		for k := range got {
			if got[k] != s.out[k] {
				t.Fatalf("step %d: released %v, want %v", i, got, s.out)
			}
		}
	}
	// The end releases the rest: A's repost at 115.
	e, seq, ok := q.pop(true)
	if !ok || e.At != 115 || seq != 2 {
		t.Errorf("at the end: %+v seq %d %v", e, seq, ok)
	}
	if _, _, ok := q.pop(true); ok {
		t.Error("more held than pushed")
	}
}

func TestLiveOptions(t *testing.T) {
	o := LiveOptions{}.WithDefaults()
	if o.Lateness != DefaultLateness || o.WatermarkEvery != DefaultWatermarkEvery || o.Validate() != nil {
		t.Errorf("defaults %+v: %v", o, o.Validate())
	}
	if o := (LiveOptions{NoLateness: true}).WithDefaults(); o.Lateness != 0 {
		t.Errorf("NoLateness: %v", o.Lateness)
	}
	for _, bad := range []LiveOptions{{Lateness: -1, WatermarkEvery: 1}, {Lateness: 1, WatermarkEvery: MaxWatermarkEvery + 1}} {
		if bad.Validate() == nil {
			t.Errorf("%+v: valid", bad)
		}
	}
}
