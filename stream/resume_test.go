package stream

import (
	"context"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hawkes-toolkit/hawkes/internal/streamtest"
)

// TestSeqsAdd checks the set of the events of a cascade read back from the
// topic: a prefix, and the seqs beyond a gap.
func TestSeqsAdd(t *testing.T) {
	for _, tc := range []struct {
		name   string
		add    []int
		prefix int
		holds  []int
		not    []int
	}{
		{"empty", nil, 0, nil, []int{0, 1}},
		{"prefix", []int{0, 1, 2}, 3, []int{0, 2}, []int{3}},
		{"gap", []int{0, 1, 4, 5}, 2, []int{0, 1, 4, 5}, []int{2, 3, 6}},
		{"gap filled", []int{0, 2, 3, 1}, 4, []int{0, 1, 2, 3}, []int{4}},
		{"duplicates", []int{0, 0, 1, 3, 3}, 2, []int{0, 1, 3}, []int{2}},
		{"no first event", []int{1, 2}, 0, []int{1, 2}, []int{0, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &resumeState{cascades: map[string]*seqs{"c": {}}}
			for _, i := range tc.add {
				r.cascades["c"].add(i)
			}
			if p := r.cascades["c"].prefix; p != tc.prefix {
				t.Errorf("prefix %d, want %d", p, tc.prefix)
			}
			for _, i := range tc.holds {
				if !r.holds("c", i) {
					t.Errorf("holds(%d) false, want true", i)
				}
			}
			for _, i := range tc.not {
				if r.holds("c", i) {
					t.Errorf("holds(%d) true, want false", i)
				}
			}
			if r.holds("other", 0) {
				t.Error("holds an event of a cascade it never saw")
			}
		})
	}
}

// TestResumeSendsWhatIsMissing replays into a topic that holds part of a
// replay, as a stopped or interrupted reader leaves it, and checks that
// Resume sends exactly what is missing: a partition that held a prefix of
// its messages ends with all of them in replay order (watermarks
// included, so that a fitter's clock never jumps further than a fresh
// replay's), and one left with a gap gets the events of the gap after the
// messages it held.
func TestResumeSendsWhatIsMissing(t *testing.T) {
	cascades := loadSMH(t)[:12]
	b, err := StartBroker(BrokerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	addrs := b.Addrs()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	client := Client{Brokers: addrs}
	ro := ReaderOptions{Spacing: 86400, WatermarkEvery: 3600}
	topics := func(name string) Topics {
		tp := testTopics()
		tp.Retweets, tp.RetweetsPartitions = name, 4 // each partition is read back: fewer is faster
		if err := EnsureTopics(ctx, client, tp, nil); err != nil {
			t.Fatal(err)
		}
		return tp
	}
	full, err := Replay(ctx, client, topics("full"), cascades, ro)
	if err != nil {
		t.Fatal(err)
	}
	want := byPartition(streamtest.ReadAll(t, addrs, "full"))
	np := int32(len(want))

	cfg := streamtest.Config()
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	cfg.Producer.Return.Successes = true
	p, err := sarama.NewSyncProducer(addrs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })

	// Each case keeps, of partition q's messages (end marker last), those
	// keep(q, i, n) says; -short runs those marked short.
	for _, tc := range []struct {
		name  string
		keep  func(q int32, i, n int) bool
		gap   int32 // the partition left with a gap, -1 for none
		short bool
	}{
		{"nothing sent", func(int32, int, int) bool { return false }, -1, false},
		{"prefixes", func(q int32, i, n int) bool { return i < int(q)*(n-1)/int(np) }, -1, true},
		{"some ended", func(q int32, i, n int) bool { return q%2 == 0 || i < (n-1)/3 }, -1, true},
		{"all ended", func(int32, int, int) bool { return true }, -1, false},
		{"gap", func(q int32, i, n int) bool {
			if q == 3 {
				return i < (n-1)/3 || i >= (n-1)/2 && i < 2*(n-1)/3
			}
			return i < (n-1)/2
		}, 3, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if testing.Short() && !tc.short {
				t.Skip("-short runs the prefixes, some ended and gap cases")
			}
			name := "resume-" + tc.name
			tp := topics(name)
			held := map[int32][]string{}
			var msgs []*sarama.ProducerMessage
			for q := range np {
				n := len(want[q])
				for i, v := range want[q] {
					if !tc.keep(q, i, n) {
						continue
					}
					held[q] = append(held[q], v)
					msgs = append(msgs, &sarama.ProducerMessage{Topic: name, Partition: q, Value: sarama.StringEncoder(v)})
				}
			}
			if len(msgs) > 0 {
				if err := p.SendMessages(msgs); err != nil {
					t.Fatal(err)
				}
			}
			o := ro
			o.Resume = true
			st, err := Replay(ctx, client, tp, cascades, o)
			if err != nil {
				t.Fatal(err)
			}
			if st.Events != full.Events || st.Cascades != full.Cascades {
				t.Errorf("resumed replay: %d events of %d cascades, want %d of %d", st.Events, st.Cascades, full.Events, full.Cascades)
			}
			got := byPartition(streamtest.ReadAll(t, addrs, name))
			for q := range np {
				if q != tc.gap {
					if !slices.Equal(got[q], want[q]) {
						t.Errorf("partition %d: %d messages after the resume, not the %d of a whole replay in order:\n got %q\nwant %q",
							q, len(got[q]), len(want[q]), got[q], want[q])
					}
					continue
				}
				// The gap's events come after the messages held, in replay
				// order; its watermarks are not sent again.
				latest := 0.0
				for _, v := range held[q] {
					r, err := DecodeRetweet([]byte(v))
					if err != nil {
						t.Fatal(err)
					}
					latest = max(latest, r.Time, r.At())
				}
				exp := slices.Clone(held[q])
				for _, v := range want[q] {
					r, _ := DecodeRetweet([]byte(v))
					if !slices.Contains(held[q], v) && (r.Kind != KindWatermark || r.Time > latest) {
						exp = append(exp, v)
					}
				}
				if !slices.Equal(got[q], exp) {
					t.Errorf("partition %d, left with a gap: got after the resume\n%q\nwant\n%q", q, got[q], exp)
				}
			}
		})
	}
}

// byPartition returns the values of msgs per partition, in offset order.
func byPartition(msgs []*sarama.ConsumerMessage) map[int32][]string {
	out := map[int32][]string{}
	for _, m := range msgs {
		out[m.Partition] = append(out[m.Partition], string(m.Value))
	}
	return out
}

// TestReplayRidesOutBrokerRestart stops the embedded broker in the middle
// of a paced replay and starts it again on its state and its ports 10 s
// later (longer than sarama's metadata retries, which fail a message at
// once): the replay ends without an error, and every event is on the
// retweets topic, each cascade's in seq order without a gap. (Without
// patientClient the replay resumes in the process; before either, it
// ended with an error.)
func TestReplayRidesOutBrokerRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("a broker stopped for 10 s in a replay of about 10 s")
	}
	cascades := loadSMH(t)[:10]
	dir := t.TempDir()
	ports := make([]int, 1)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ports[i] = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	bo := BrokerOptions{Ports: ports, StateDir: dir}
	b, err := StartBroker(bo)
	if err != nil {
		t.Fatal(err)
	}
	addrs := b.Addrs()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	client := Client{Brokers: addrs}
	topics := testTopics()
	if err := EnsureTopics(ctx, client, topics, nil); err != nil {
		t.Fatal(err)
	}
	m := NewMetrics()
	done := make(chan error, 1)
	var st ReplayStats
	go func() {
		var err error
		// 10 cascades one day apart at 100 000x: about 9 s.
		st, err = Replay(ctx, client, topics, cascades, ReaderOptions{Spacing: 86400, Speed: 1e5, Metrics: m, Log: streamtest.Logger(t)})
		done <- err
	}()
	streamtest.Wait(t, 30*time.Second, "200 events sent", func() bool { return testutil.ToFloat64(m.ReplayedEvents) >= 200 })
	b.Close()
	time.Sleep(10 * time.Second)
	if b, err = StartBroker(bo); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	if err := <-done; err != nil {
		t.Fatalf("the replay did not ride out the restart: %v", err)
	}
	events := 0
	for i := range cascades {
		events += cascades[i].Len()
	}
	if st.Events != events {
		t.Errorf("replay: %d events, want %d", st.Events, events)
	}
	next := map[string]int{}
	for _, msg := range streamtest.ReadAll(t, addrs, topics.Retweets) {
		r, err := DecodeRetweet(msg.Value)
		if err != nil || r.Kind != KindEvent {
			continue
		}
		if r.Seq != next[r.ID] {
			t.Fatalf("cascade %s: event %d after %d events on the topic (partition %d offset %d)", r.ID, r.Seq, next[r.ID], msg.Partition, msg.Offset)
		}
		next[r.ID]++
	}
	for i := range cascades {
		if c := &cascades[i]; next[c.ID] != c.Len() {
			t.Errorf("cascade %s: %d events on the topic, want %d", c.ID, next[c.ID], c.Len())
		}
	}
}
