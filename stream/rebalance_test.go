package stream

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hawkes-toolkit/hawkes/internal/streamtest"
)

// TestRebalanceMidReplay adds a fitter to the group while the replay runs,
// then stops the first one: the partitions change hands twice, and still
// every cascade has its stats and samples once per window (after
// deduplication) and every alert is raised exactly once.
func TestRebalanceMidReplay(t *testing.T) {
	cascades := loadSMH(t)
	b := streamtest.StartBroker(t, StartBroker, BrokerOptions{})
	client := Client{Brokers: b.Addrs()}
	topics := testTopics()
	windows := []float64{600, 3600}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	log := streamtest.Logger(t)
	if err := EnsureTopics(ctx, client, topics, log); err != nil {
		t.Fatal(err)
	}
	fo := FitterOptions{Windows: windows, Terminated: 6 * 3600, Fit: fitOpts(), Log: log}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	start := func(ctx context.Context, run func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(ctx); err != nil && ctx.Err() == nil {
				errs <- err
			}
		}()
	}
	newFitter := func(id string) *Fitter {
		o := fo
		o.ID = id
		f, err := NewFitter(client, topics, o)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	const threshold = 15
	al, err := NewAlerter(client, topics, AlertsOptions{Threshold: threshold, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	start(ctx, al.Run)
	fa, fb := newFitter("a"), newFitter("b")
	actx, stopA := context.WithCancel(ctx)
	start(actx, fa.Run)
	streamtest.Wait(t, time.Minute, "fitter a to hold the partitions", func() bool { return fa.parts.Load() > 0 })

	m := NewMetrics()
	total := 0
	for i := range cascades {
		total += cascades[i].Len()
	}
	start(ctx, func(ctx context.Context) error {
		_, err := Replay(ctx, client, topics, cascades, ReaderOptions{Spacing: 2 * 86400, Speed: 1e6, Metrics: m})
		return err
	})
	waitEvents := func(n float64) {
		t.Helper()
		streamtest.Wait(t, time.Minute, fmt.Sprintf("%v events replayed", n), func() bool { return testutil.ToFloat64(m.ReplayedEvents) >= n })
	}
	waitEvents(float64(total) / 3)
	start(ctx, fb.Run) // joins: the partitions are shared
	waitEvents(2 * float64(total) / 3)
	stopA() // leaves: b takes every partition
	if n := fa.Counts().Predictions; n == 0 {
		t.Error("fitter a made no prediction before it left")
	}

	var stats, samples map[predKey]int
	if !streamtest.Eventually(90*time.Second, nil, func() bool {
		select {
		case err := <-errs:
			t.Fatal(err)
		default:
		}
		stats, samples = map[predKey]int{}, map[predKey]int{}
		for _, msg := range streamtest.ReadAll(t, client.Brokers, topics.Stats) {
			if s, err := DecodeStat(msg.Value); err == nil {
				stats[predKey{s.ID, s.Window}]++
			}
		}
		for _, msg := range streamtest.ReadAll(t, client.Brokers, topics.Samples) {
			if s, err := DecodeSample(msg.Value); err == nil {
				samples[predKey{s.ID, s.Window}]++
			}
		}
		return len(stats) == len(cascades)*len(windows) && len(samples) == len(stats) && al.Predictions() == int64(len(stats))
	}) {
		t.Fatalf("after 90 s: %d stats, %d samples, alerts role saw %d predictions; want %d each",
			len(stats), len(samples), al.Predictions(), len(cascades)*len(windows))
	}
	if n := fb.Counts().Predictions; n == 0 {
		t.Error("fitter b made no prediction")
	}
	// Alerts: the first prediction of each pair at or above the threshold,
	// once each.
	first := map[predKey]Prediction{}
	dups := 0
	for _, msg := range streamtest.ReadAll(t, client.Brokers, topics.Predictions) {
		p, err := DecodePrediction(msg.Value)
		if err != nil {
			t.Fatal(err)
		}
		k := predKey{p.ID, p.Window}
		if _, ok := first[k]; ok {
			dups++
			continue
		}
		first[k] = p
	}
	t.Logf("duplicate predictions on the topic after two rebalances: %d", dups)
	want := map[predKey]bool{}
	for k, p := range first {
		if p.NHat >= threshold {
			want[k] = true
		}
	}
	got := map[predKey]int{}
	for _, msg := range streamtest.ReadAll(t, client.Brokers, topics.Alerts) {
		a, err := DecodeAlert(msg.Value)
		if err != nil {
			t.Fatal(err)
		}
		got[predKey{a.ID, a.Window}]++
	}
	for k, n := range got {
		if n != 1 || !want[k] {
			t.Errorf("alert %v raised %d times (wanted: %v)", k, n, want[k])
		}
	}
	if len(got) != len(want) || len(want) == 0 {
		t.Errorf("%d alerts, want %d (> 0)", len(got), len(want))
	}
	cancel()
	wg.Wait()
}
