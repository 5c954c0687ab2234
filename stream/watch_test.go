package stream

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/hawkes-toolkit/hawkes/internal/streamtest"
)

// recordSink records what a Watcher hands it.
type recordSink struct {
	mu          sync.Mutex
	predictions []Prediction
	alerts      []Alert
	stats       []Stat
	models      []ModelMessage
	status      Status
}

func (s *recordSink) Prediction(p Prediction) {
	s.mu.Lock()
	s.predictions = append(s.predictions, p)
	s.mu.Unlock()
}
func (s *recordSink) Alert(a Alert) { s.mu.Lock(); s.alerts = append(s.alerts, a); s.mu.Unlock() }
func (s *recordSink) Stat(st Stat)  { s.mu.Lock(); s.stats = append(s.stats, st); s.mu.Unlock() }
func (s *recordSink) Model(m ModelMessage) {
	s.mu.Lock()
	s.models = append(s.models, m)
	s.mu.Unlock()
}
func (s *recordSink) Status(st Status) { s.mu.Lock(); s.status = st; s.mu.Unlock() }

func (s *recordSink) counts() (preds, alerts, stats, models int, st Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.predictions), len(s.alerts), len(s.stats), len(s.models), s.status
}

// TestWatcher checks, over TCP on the embedded broker, that a watcher reads
// the outputs written before it started, skips what is invalid, counts the
// retweet events written after it joined (not the watermarks), reports the
// fitters' lag and the dead letters, and that a watcher started again in
// the same group reads everything again.
func TestWatcher(t *testing.T) {
	b := streamtest.StartBroker(t, StartBroker, BrokerOptions{})
	client := Client{Brokers: b.Addrs()}
	topics := testTopics()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	log := streamtest.Logger(t)
	if err := EnsureTopics(ctx, client, topics, log); err != nil {
		t.Fatal(err)
	}
	prod := streamtest.Producer(t, client.Brokers)
	send := func(topic, key string, v any) {
		t.Helper()
		var b []byte
		if s, ok := v.(string); ok {
			b = []byte(s)
		} else {
			var err error
			if b, err = json.Marshal(v); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := prod.SendMessage(&sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(key), Value: sarama.ByteEncoder(b)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"a", "b", "c"} {
		send(topics.Predictions, id, Prediction{V: 1, ID: id, Window: 600, Time: 700, N: 3, NHat: 9, Source: SourceHawkes, Status: "ok",
			Start: 100, Curve: [][2]float64{{0, 1}, {50, 3}}})
	}
	send(topics.Predictions, "bad", `{"v":1,"id":"bad","window":600}`)
	send(topics.Stats, "a", Stat{V: 1, ID: "a", Window: 600, N: 3, Size: 10, NHat: 9, ARE: 0.1, Source: SourceHawkes})
	send(topics.Alerts, "b", Alert{V: 1, ID: "b", Window: 600, NHat: 9, Threshold: 5, Source: SourceHawkes})
	send(topics.Models, "600", ModelMessage{V: 1, Window: 600, Version: 2, Model: []byte("forest")})
	send(topics.DeadLetters, "", DeadLetter{V: 1, Topic: topics.Predictions, Role: "alerts", Reason: "test"})

	start := func(sink *recordSink) (*Watcher, func()) {
		w, err := NewWatcher(client, topics, WatchOptions{Every: 50 * time.Millisecond, Log: log}, sink)
		if err != nil {
			t.Fatal(err)
		}
		wctx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- w.Run(wctx) }()
		return w, func() {
			stop()
			if err := <-done; err != nil {
				t.Errorf("watcher: %v", err)
			}
		}
	}
	sink := &recordSink{}
	w, stop := start(sink)
	streamtest.Wait(t, 30*time.Second, "the outputs written before the watcher", func() bool {
		p, a, s, m, _ := sink.counts()
		return p == 3 && a == 1 && s == 1 && m == 1
	})
	if caught, err := w.CaughtUp(ctx); err != nil || !caught {
		t.Errorf("CaughtUp = %v, %v; want true", caught, err)
	}
	sink.mu.Lock()
	if got := sink.predictions[0]; got.Start != 100 || len(got.Curve) != 2 {
		t.Errorf("prediction %+v, want its start and curve", got)
	}
	if m := sink.models[0]; m.Version != 2 || m.Model != nil {
		t.Errorf("model %+v, want version 2 without the forest", m)
	}
	sink.mu.Unlock()

	// Retweets now: two events and a watermark. The watcher counts the
	// events once it holds the retweets partitions (it starts from their
	// newest offsets): send until it has counted some, then two more.
	sent := 0
	streamtest.Wait(t, 30*time.Second, "the watcher to count events", func() bool {
		sent++
		send(topics.Retweets, "x", string(AppendEvent(nil, "x", 0, 0, 0, 1)))
		time.Sleep(100 * time.Millisecond)
		_, _, _, _, st := sink.counts()
		return st.Events > 0
	})
	_, _, _, _, before := sink.counts()
	send(topics.Retweets, "y", string(AppendEvent(nil, "y", 0, 5, 0, 1)))
	send(topics.Retweets, "y", string(AppendWatermark(nil, 10)))
	send(topics.Retweets, "z", string(AppendEvent(nil, "z", 0, 6, 0, 1)))
	hw := int64(0)
	for _, h := range streamtest.HighWaterMarks(t, streamtest.Client(t, client.Brokers), topics.Retweets) {
		hw += h
	}
	streamtest.Wait(t, 30*time.Second, "the status", func() bool {
		_, _, _, _, st := sink.counts()
		return st.Events >= before.Events+2 && st.Lag == hw && st.DeadLetters == 1
	})
	if n := w.events.Load(); n > int64(sent+2) {
		t.Errorf("%d events counted, %d sent: a watermark was counted", n, sent+2)
	}
	stop()

	// A watcher started again in the group reads the outputs again.
	again := &recordSink{}
	_, stop = start(again)
	defer stop()
	streamtest.Wait(t, 30*time.Second, "the outputs read again", func() bool {
		p, a, s, m, _ := again.counts()
		return p == 3 && a == 1 && s == 1 && m == 1
	})
}

func TestWatchOptions(t *testing.T) {
	if _, err := NewWatcher(Client{Brokers: []string{"k:1"}}, DefaultTopics(), WatchOptions{}, nil); err == nil {
		t.Error("no sink: no error")
	}
	for _, o := range []WatchOptions{{Group: ""}, {Group: "g", FitterGroup: ""}, {Group: "g", FitterGroup: "f", Every: -time.Second}} {
		if err := o.Validate(); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	if err := (WatchOptions{}).WithDefaults().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
}
