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

// TestLive runs Live on the embedded broker with a feed holding one late
// repost, and reads what it published.
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
		return convert.Event{Cascade: id, Start: start, At: at, M: 2, Original: orig, Embedded: emb}
	}
	feed := []convert.Event{
		ev("A", 1000, 1000, true, false),
		ev("B", 10, 10, true, true), // B's original, from a repost
		ev("B", 10, 1020, false, false),
		ev("A", 1000, 1015, false, false), // out of order, within the lateness
		ev("A", 1000, 1050, false, false),
		ev("B", 10, 1019, false, false), // late: the watermark is 1030
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
	if st.Events != 5 || st.Cascades != 2 || st.Late != 1 {
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
	if len(dead) != 1 {
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
