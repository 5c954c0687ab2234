package stream

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/hawkes-toolkit/hawkes/convert"
	"github.com/hawkes-toolkit/hawkes/internal/streamtest"
)

// TestOrderer feeds events out of order and checks what comes out when:
// in time order once the newest time is the lateness past them, originals
// whatever their time, reposts older than the watermark refused, events
// dated after the wall clock refused with the rest of their cascade, and a
// cascade forgotten and opened again numbered from 0.
func TestOrderer(t *testing.T) {
	type out struct {
		id  string
		at  float64
		seq int
	}
	ev := func(id string, gen int, start, at float64, orig, emb bool) convert.Event {
		return convert.Event{Cascade: id, Gen: gen, Start: start, At: at, M: 1, Original: orig, Embedded: emb}
	}
	steps := []struct {
		e      convert.Event
		refuse string // in the reason, when refused
		out    []out  // released after this push
	}{
		// A: its own post at 100. Held: the newest is 100, watermark 90.
		{ev("A", 0, 100, 100, true, false), "", nil},
		// B: first seen through a repost at 104 of a post of time 5:
		// its original goes out at once (time 5 <= watermark 94).
		{ev("B", 1, 5, 5, true, true), "", []out{{"B", 5, 0}}},
		{ev("B", 1, 5, 104, false, false), "", nil},
		// A repost of A at 102 arrives after 104: still in time.
		{ev("A", 0, 100, 102, false, false), "", nil},
		// 115: watermark 105, A's post (100), A's repost (102), B's (104) go.
		{ev("A", 0, 100, 115, false, false), "", []out{{"A", 100, 0}, {"A", 102, 1}, {"B", 104, 1}}},
		// A repost at 104 now is late: the watermark is 105.
		{ev("B", 1, 5, 104, false, false), "late event", nil},
		// An original's own post older than the watermark is not late.
		{ev("C", 2, 50, 50, true, false), "", []out{{"C", 50, 0}}},
		// D dated after the wall clock (1000 + MaxAhead): refused, and so is its repost.
		{ev("D", 3, 2000, 2000, true, true), "after the wall clock", nil},
		{ev("D", 3, 2000, 2000, false, false), "its original was refused", nil},
		// C forgotten, opened again: numbered from 0.
		{convert.Event{Cascade: "C", Gen: 2, Forget: true}, "", nil},
		{ev("C", 4, 50, 50, true, true), "", []out{{"C", 50, 0}}},
		{ev("C", 4, 50, 130, false, false), "", []out{{"A", 115, 2}}},
	}
	q := newOrderer(10, func() float64 { return 1000 })
	for i, s := range steps {
		if s.e.Forget {
			q.forget(s.e)
			if _, ok := q.open[genKey{"C", 2}]; ok {
				t.Fatalf("step %d: forgotten cascade still held", i)
			}
			continue
		}
		why, _ := q.push(s.e)
		if (why == "") != (s.refuse == "") || !strings.Contains(why, s.refuse) {
			t.Fatalf("step %d: refused %q, want %q", i, why, s.refuse)
		}
		var got []out
		for {
			e, seq, ok := q.pop(false)
			if !ok {
				break
			}
			got = append(got, out{e.Cascade, e.At, seq})
		}
		if !slices.Equal(got, s.out) {
			t.Fatalf("step %d: released %v, want %v", i, got, s.out)
		}
	}
	// The end releases the rest: C's repost at 130.
	e, seq, ok := q.pop(true)
	if !ok || e.At != 130 || seq != 1 {
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

// Hostile: a live feed with a repost later than the lateness and a post dated in 2096 -> both dead-lettered with the reason (late; after the wall clock), the watermark unmoved, the other events sent in time order
// TestLive runs Live on the embedded broker with a feed holding one late
// repost and one post from the future, and reads what it published.
func TestLive(t *testing.T) {
	b := streamtest.StartBroker(t, StartBroker, BrokerOptions{})
	topics := DefaultTopics()
	topics.RetweetsPartitions = 4
	c := Client{Brokers: b.Addrs()}
	ctx := context.Background()
	if err := EnsureTopics(ctx, c, topics, nil); err != nil {
		t.Fatal(err)
	}
	ev := func(id string, start, at float64, orig, emb bool) convert.Event {
		gen := map[string]int{"A": 0, "B": 1, "E": 2}[id]
		return convert.Event{Cascade: id, Gen: gen, Start: start, At: at, M: 2, Original: orig, Embedded: emb}
	}
	feed := []convert.Event{
		ev("A", 1000, 1000, true, false),
		ev("B", 10, 10, true, true), // B's original, from a repost
		ev("B", 10, 1020, false, false),
		ev("A", 1000, 1015, false, false), // out of order, within the lateness
		ev("A", 1000, 1050, false, false),
		ev("B", 10, 1019, false, false), // late: the watermark is 1030
		ev("E", 4e9, 4e9, true, false),  // in 2096: after the wall clock
	}
	src := func(ctx context.Context, emit func(convert.Event) error) error {
		for _, e := range feed {
			if err := emit(e); err != nil {
				return err
			}
		}
		return nil
	}
	st, err := Live(ctx, c, topics, src, LiveOptions{Lateness: 20, Log: streamtest.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != 5 || st.Cascades != 2 || st.Late != 1 || st.Refused != 1 {
		t.Errorf("stats %+v", st)
	}
	type ev2 struct {
		seq   int
		t, at float64
	}
	events := map[string][]ev2{}
	watermarks, ends := 0, 0
	for _, m := range streamtest.ReadAll(t, b.Addrs(), topics.Retweets) {
		r, err := DecodeRetweet(m.Value)
		if err != nil {
			t.Fatal(err)
		}
		switch r.Kind {
		case KindEvent:
			events[r.ID] = append(events[r.ID], ev2{r.Seq, r.T, r.At()})
		case KindWatermark:
			watermarks++
			if r.Time != 1030 && r.Time != 980 {
				t.Errorf("watermark at %v", r.Time)
			}
		case KindEnd:
			ends++
			if r.Events != 5 || r.Cascades != 2 || r.Time != 1051 {
				t.Errorf("end marker %+v", r)
			}
		}
	}
	wantA := []ev2{{0, 0, 1000}, {1, 15, 1015}, {2, 50, 1050}}
	wantB := []ev2{{0, 0, 10}, {1, 1010, 1020}}
	if !slices.Equal(events["A"], wantA) || !slices.Equal(events["B"], wantB) {
		t.Errorf("events %v, want A %v, B %v", events, wantA, wantB)
	}
	if watermarks < 4 || ends != 4 {
		t.Errorf("%d watermarks, %d end markers on 4 partitions", watermarks, ends)
	}
	dead := streamtest.ReadAll(t, b.Addrs(), topics.DeadLetters)
	if len(dead) != 2 {
		t.Fatalf("%d dead letters", len(dead))
	}
	var d DeadLetter
	if err := json.Unmarshal(dead[0].Value, &d); err != nil {
		t.Fatal(err)
	}
	if d.Role != "reader" || d.Topic != topics.Retweets || !strings.Contains(d.Reason, `late event: cascade "B" repost at 1019 is 11 s before the watermark 1030`) {
		t.Errorf("dead letter %+v", d)
	}
}
