package stream

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/internal/shared"
	"github.com/hawkes-toolkit/hawkes/internal/streamtest"
)

// loadSMH loads the real smh_cascades set or skips.
func loadSMH(t testing.TB) []data.Cascade {
	t.Helper()
	cs, err := data.LoadDir(context.Background(), shared.Path(t, "smh_cascades"))
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// testTopics are the default topics with fewer partitions, so that quiet
// partitions (and watermarks) are part of every run.
func testTopics() Topics {
	t := DefaultTopics()
	t.RetweetsPartitions = 8
	t.PredictionsPartitions, t.SamplesPartitions, t.AlertsPartitions, t.StatsPartitions = 3, 3, 2, 2
	return t
}

// TestPipelineEndToEnd runs every role in one process on the embedded
// broker over TCP with the real smh_cascades, paced so that models trained
// on the first finished cascades reach the fitter before later windows.
func TestPipelineEndToEnd(t *testing.T) {
	cascades := loadSMH(t)
	b := streamtest.StartBroker(t, StartBroker, BrokerOptions{})
	for _, a := range b.Addrs() {
		if !strings.HasPrefix(a, "127.0.0.1:") {
			t.Fatalf("broker listens on %s, want 127.0.0.1", a)
		}
	}
	var alerts bytes.Buffer
	const threshold = 120
	topics := testTopics()
	windows := []float64{600, 3600}
	o := Options{
		Client: Client{Brokers: b.Addrs()},
		Topics: topics,
		// Cascades start two days apart and finish after 6 h of silence:
		// the first ones finish long before the last ones start.
		Reader:  ReaderOptions{Spacing: 2 * 86400, Speed: 2e6},
		Fitter:  FitterOptions{Windows: windows, Terminated: 6 * 3600, Fit: fitOpts()},
		Trainer: TrainerOptions{RetrainEvery: 3},
		Alerts:  AlertsOptions{Threshold: threshold, Format: FormatJSONL, Out: &alerts},
		Log:     streamtest.Logger(t),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	sum, err := Run(ctx, cascades, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("summary: %+v", sum)
	events := 0
	for i := range cascades {
		events += cascades[i].Len()
	}
	if sum.Events != events || sum.Cascades != len(cascades) {
		t.Errorf("summary: %d events of %d cascades, want %d of %d", sum.Events, sum.Cascades, events, len(cascades))
	}

	// Every cascade has exactly one prediction per window.
	preds := checkPredictions(t, b.Addrs(), topics.Predictions, cascades, windows)
	usedModel := false
	for _, p := range preds {
		if p.ModelVersion > 0 {
			usedModel = true
			if p.Source != SourceForest {
				t.Errorf("prediction %+v has a model version but source %s", p, p.Source)
			}
		}
	}
	for _, w := range windows {
		if got := sum.Predictions[WindowKey(w)]; got != len(cascades) {
			t.Errorf("summary: %d predictions on window %v, want %d", got, w, len(cascades))
		}
	}

	// Samples reached the trainer, which published models, used later.
	samples := streamtest.ReadAll(t, b.Addrs(), topics.Samples)
	if len(samples) != len(cascades)*len(windows) {
		t.Errorf("%d samples, want %d", len(samples), len(cascades)*len(windows))
	}
	models := streamtest.ReadAll(t, b.Addrs(), topics.Models)
	if len(models) == 0 || sum.Models != len(models) {
		t.Errorf("%d models on the topic, summary says %d; want equal and > 0", len(models), sum.Models)
	}
	if !usedModel {
		t.Error("no prediction used a forest")
	}

	// The alerts are exactly the predictions at or above the threshold.
	type key = predKey
	want := map[key]bool{}
	for k, p := range preds {
		if p.NHat >= threshold {
			want[k] = true
		}
	}
	got := map[key]bool{}
	for _, line := range strings.Split(strings.TrimSpace(alerts.String()), "\n") {
		if line == "" {
			continue
		}
		var a map[string]any
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatalf("alert line %q: %v", line, err)
		}
		for _, f := range []string{"id", "window", "nhat", "n", "model_version"} {
			if _, ok := a[f]; !ok {
				t.Errorf("alert line %q has no %q", line, f)
			}
		}
		got[key{a["id"].(string), a["window"].(float64)}] = true
	}
	if len(want) == 0 || len(want) == len(preds) {
		t.Errorf("threshold %v selects %d of %d predictions: the test needs some on each side", float64(threshold), len(want), len(preds))
	}
	for k := range want {
		if !got[k] {
			t.Errorf("no alert for %v (nhat %v)", k, preds[k].NHat)
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("alert for %v below the threshold (nhat %v)", k, preds[k].NHat)
		}
	}
	if n := len(streamtest.ReadAll(t, b.Addrs(), topics.Alerts)); n != len(want) || sum.Alerts != len(want) {
		t.Errorf("%d alerts on the topic, summary %d, want %d", n, sum.Alerts, len(want))
	}
	for _, w := range windows {
		a := sum.ARE[WindowKey(w)]
		if a.Count != len(cascades) || !(a.Median > 0) || !(a.Mean >= 0) {
			t.Errorf("ARE on window %v: %+v", w, a)
		}
	}
	if os.Getenv("HAWKES_DEBUG") != "" {
		t.Log(alerts.String())
	}
}

// fitOpts are the fit settings of the tests: fewer starts, faster.
func fitOpts() fit.Options { return fit.Options{Starts: 4} }

// predKey names the prediction of one cascade on one window.
type predKey struct {
	id string
	w  float64
}

// checkPredictions reads the predictions topic and checks that every
// cascade has exactly one prediction per window, and nothing else.
func checkPredictions(t *testing.T, brokers []string, topic string, cascades []data.Cascade, windows []float64) map[predKey]Prediction {
	return checkPredictionsSkipping(t, brokers, topic, cascades, windows, 0)
}

// checkPredictionsSkipping is checkPredictions on a topic that also holds
// skip invalid messages.
func checkPredictionsSkipping(t *testing.T, brokers []string, topic string, cascades []data.Cascade, windows []float64, skip int) map[predKey]Prediction {
	t.Helper()
	preds := map[predKey]Prediction{}
	for _, m := range streamtest.ReadAll(t, brokers, topic) {
		p, err := DecodePrediction(m.Value)
		if err != nil && skip > 0 {
			skip--
			continue
		}
		if err != nil {
			t.Fatalf("prediction at offset %d: %v", m.Offset, err)
		}
		k := predKey{p.ID, p.Window}
		if _, dup := preds[k]; dup {
			t.Errorf("cascade %s window %v predicted twice", p.ID, p.Window)
		}
		preds[k] = p
	}
	for _, c := range cascades {
		for _, w := range windows {
			if _, ok := preds[predKey{c.ID, w}]; !ok {
				t.Errorf("cascade %s window %v: no prediction", c.ID, w)
			}
		}
	}
	if len(preds) != len(cascades)*len(windows) {
		t.Errorf("%d predictions, want %d", len(preds), len(cascades)*len(windows))
	}
	return preds
}

// TestFittersSharePartitions runs three fitters, members of one consumer
// group, against a three-broker embedded cluster: each holds some of the
// partitions and every cascade is still predicted once per window.
func TestFittersSharePartitions(t *testing.T) {
	cascades := loadSMH(t)
	b := streamtest.StartBroker(t, StartBroker, BrokerOptions{Brokers: 3})
	if n := len(b.Addrs()); n != 3 {
		t.Fatalf("%d brokers, want 3", n)
	}
	topics := testTopics()
	topics.RetweetsPartitions = 12
	windows := []float64{600, 3600}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	sum, err := Run(ctx, cascades, Options{
		Client:  Client{Brokers: b.Addrs()},
		Topics:  topics,
		Reader:  ReaderOptions{Spacing: 600},
		Fitter:  FitterOptions{Windows: windows, Terminated: 6 * 3600, Fit: fitOpts(), ID: "f"},
		Fitters: 3,
		Log:     streamtest.Logger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	preds := checkPredictions(t, b.Addrs(), topics.Predictions, cascades, windows)
	by := map[string]int{}
	for _, p := range preds {
		by[p.Fitter]++
	}
	t.Logf("predictions per fitter: %v", by)
	if len(by) != 3 {
		t.Errorf("predictions came from %d fitters (%v), want 3", len(by), by)
	}
	for _, w := range windows {
		if got := sum.Predictions[WindowKey(w)]; got != len(cascades) {
			t.Errorf("summary: %d predictions on window %v, want %d", got, w, len(cascades))
		}
	}
	// The partitions' leaders are spread over several brokers. kfake picks
	// each partition's leader at random, so all three lead some of the 12
	// with probability 0.977 only; more than one leads with probability
	// 1 - 3^-11, so that is what is checked.
	cl := streamtest.Client(t, b.Addrs())
	leaders := map[int32]bool{}
	for p := range topics.RetweetsPartitions {
		l, err := cl.Leader(topics.Retweets, p)
		if err != nil {
			t.Fatal(err)
		}
		leaders[l.ID()] = true
	}
	if len(leaders) < 2 {
		t.Errorf("retweets partitions all led by one broker, want several")
	}
}
