package convert

import (
	"strconv"
	"testing"
)

// TestBuilderForget checks that a live builder forgets, at its sweeps,
// the cascades without an event for Options.Forget seconds and the old
// post ids, and opens a forgotten cascade again under a new Gen.
func TestBuilderForget(t *testing.T) {
	b := NewBuilder(Options{Forget: 100}, false)
	var evs []Event
	add := func(p Post) {
		evs = b.Add(&p, evs[:0])
		evs = b.sweep(evs)
	}
	orig := Original{ID: "X", Time: 0, HasTime: true}
	add(Post{Kind: KindPost, ID: "X", Time: 0})
	add(Post{Kind: KindRepost, ID: "r1", Time: 10, Orig: orig})
	gen := evs[0].Gen
	var forgot []Event
	for i := range sweepEvery {
		add(Post{Kind: KindPost, ID: "p" + strconv.Itoa(i), Time: 1000})
		for _, e := range evs {
			if e.Forget {
				forgot = append(forgot, e)
			}
		}
	}
	if len(forgot) != 1 || forgot[0].Cascade != "X" || forgot[0].Gen != gen {
		t.Fatalf("forgotten: %+v", forgot)
	}
	if _, ok := b.seen["r1"]; ok {
		t.Error("an old post id is still remembered")
	}
	if len(b.casc) != sweepEvery || b.Summary.Forgotten != 1 {
		t.Errorf("%d cascades held, %d forgotten", len(b.casc), b.Summary.Forgotten)
	}
	// r1 delivered again counts again; X opens again, under a new Gen.
	add(Post{Kind: KindRepost, ID: "r1", Time: 1010, Orig: orig})
	if len(evs) != 2 || !evs[0].Original || evs[0].Cascade != "X" || evs[0].Gen == gen || evs[1].Gen != evs[0].Gen || evs[1].At != 1010 {
		t.Errorf("events after forgetting: %+v", evs)
	}
	if b.Summary.Duplicates != 0 {
		t.Errorf("duplicates %d", b.Summary.Duplicates)
	}
}
