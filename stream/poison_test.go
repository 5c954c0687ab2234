package stream

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/hawkes-toolkit/hawkes/internal/streamtest"
)

// TestPoisonMessages injects malformed and schema-violating messages on
// every topic a role consumes and checks that each lands on the dead-letter
// topic with its reason and origin, while every valid cascade is still
// predicted once per window.
func TestPoisonMessages(t *testing.T) {
	cascades := loadSMH(t)[:6]
	b := streamtest.StartBroker(t, StartBroker, BrokerOptions{})
	client := Client{Brokers: b.Addrs()}
	topics := testTopics()
	topics.RetweetsPartitions = 4
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	log := streamtest.Logger(t)
	if err := EnsureTopics(ctx, client, topics, log); err != nil {
		t.Fatal(err)
	}

	prod := streamtest.Producer(t, client.Brokers)
	type origin struct {
		topic     string
		partition int32
		offset    int64
	}
	want := map[origin]string{} // where each poison went, and a word of its reason
	send := func(topic, key, value, reason string) {
		t.Helper()
		m := &sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder(value)}
		if key != "" {
			m.Key = sarama.StringEncoder(key)
		}
		p, off, err := prod.SendMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		if reason != "" {
			want[origin{topic, p, off}] = reason
		}
	}
	send(topics.Retweets, "junk", `hello`, "invalid character")
	send(topics.Retweets, "x", `{"v":1,"kind":"event","id":"x","seq":"one","start":0,"t":0,"m":1}`, "cannot unmarshal")
	send(topics.Retweets, "neg", `{"v":1,"kind":"event","id":"neg","seq":0,"start":0,"t":-5,"m":1}`, "t -5 is negative")
	send(topics.Retweets, "bw", string(AppendEvent(nil, "bw", 0, 0, 100, 10)), "")
	send(topics.Retweets, "bw", string(AppendEvent(nil, "bw", 1, 0, 50, 10)), "time goes backwards")
	send(topics.Retweets, "v9", `{"v":9,"kind":"event","id":"v9","seq":0,"start":0,"t":0,"m":1}`, "schema version 9")
	send(topics.Models, "600", `{"v":2,"window":600,"version":5,"model":"AAAA"}`, "schema version 2")
	send(topics.Models, "600", `{"v":1,"window":600,"version":0,"model":"AAAA"}`, "model version 0")
	send(topics.Models, "600", `{"v":1,"window":600,"version":1,"model":"AAAA"}`, "window 600 version 1")
	send(topics.Samples, "s", `{"v":1,"id":"s","window":600,"status":"ok","n":5,"size":3}`, "want 0 <= n <= size")
	send(topics.Predictions, "p", `{"v":1,"id":"p","window":600}`, "unknown source")

	windows := []float64{600, 3600}
	f, err := NewFitter(client, topics, FitterOptions{Windows: windows, Terminated: 6 * 3600, Fit: fitOpts(), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewTrainer(client, topics, TrainerOptions{RetrainEvery: 3, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	al, err := NewAlerter(client, topics, AlertsOptions{Threshold: 100, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for _, run := range []func(context.Context) error{f.Run, tr.Run, al.Run} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(ctx); err != nil {
				errs <- err
			}
		}()
	}
	if _, err := Replay(ctx, client, topics, cascades, ReaderOptions{Log: log}); err != nil {
		t.Fatal(err)
	}

	// The six cascades and "bw" (its first event is valid) are predicted.
	valid := append(cascades[:len(cascades):len(cascades)], cascades[0])
	valid[len(valid)-1].ID = "bw"
	var stats map[predKey]bool
	var dead []*sarama.ConsumerMessage
	if !streamtest.Eventually(90*time.Second, nil, func() bool {
		select {
		case err := <-errs:
			t.Fatalf("a role stopped: %v", err)
		default:
		}
		stats = map[predKey]bool{}
		for _, m := range streamtest.ReadAll(t, client.Brokers, topics.Stats) {
			if s, err := DecodeStat(m.Value); err == nil {
				stats[predKey{s.ID, s.Window}] = true
			}
		}
		dead = streamtest.ReadAll(t, client.Brokers, topics.DeadLetters)
		return len(stats) == len(valid)*len(windows) && len(dead) >= len(want)
	}) {
		t.Fatalf("after 90 s: %d stats of %d, %d dead letters of %d", len(stats), len(valid)*len(windows), len(dead), len(want))
	}
	cancel()
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatalf("a role stopped: %v", err)
	default:
	}
	checkPredictionsSkipping(t, client.Brokers, topics.Predictions, valid, windows, 1)

	dead = streamtest.ReadAll(t, client.Brokers, topics.DeadLetters)
	got := map[origin]DeadLetter{}
	for _, m := range dead {
		var d DeadLetter
		if err := json.Unmarshal(m.Value, &d); err != nil {
			t.Fatalf("dead letter %s: %v", m.Value, err)
		}
		o := origin{d.Topic, d.Partition, d.Offset}
		if _, dup := got[o]; dup {
			t.Errorf("%v dead-lettered twice", o)
		}
		got[o] = d
	}
	for o, reason := range want {
		d, ok := got[o]
		switch {
		case !ok:
			t.Errorf("poison at %v (%s) not dead-lettered", o, reason)
		case !strings.Contains(d.Reason, reason):
			t.Errorf("poison at %v: reason %q, want it to hold %q", o, d.Reason, reason)
		case d.Role == "" || len(d.Value) == 0:
			t.Errorf("poison at %v: dead letter without role or value: %+v", o, d)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d dead letters, want %d: %v", len(got), len(want), fmt.Sprint(got))
	}
	if c := f.Counts(); c.DeadLetters != 5 {
		t.Errorf("the fitter counted %d dead retweets, want 5", c.DeadLetters)
	}
}
