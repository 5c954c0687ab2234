package stream

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/hawkes-toolkit/hawkes/internal/streamtest"
)

// scrape reads the metrics at addr and returns the families by name.
func scrape(addr string) (map[string]*dto.MetricFamily, error) {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(resp.Body)
}

// sum adds the values of every series of a counter or gauge family whose
// labels include match.
func sum(fams map[string]*dto.MetricFamily, name string, match map[string]string) float64 {
	f, ok := fams[name]
	if !ok {
		return -1
	}
	total := 0.0
series:
	for _, m := range f.Metric {
		for k, v := range match {
			found := false
			for _, l := range m.Label {
				if l.GetName() == k && l.GetValue() == v {
					found = true
				}
			}
			if !found {
				continue series
			}
		}
		switch {
		case m.Counter != nil:
			total += m.Counter.GetValue()
		case m.Gauge != nil:
			total += m.Gauge.GetValue()
		case m.Histogram != nil:
			total += float64(m.Histogram.GetSampleCount())
		}
	}
	return total
}

// TestMetrics scrapes /metrics during a run of the whole pipeline on
// smh_cascades and checks the counters against the run's totals.
func TestMetrics(t *testing.T) {
	cascades := loadSMH(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	m := NewMetrics()
	addr, err := ServeMetrics(ctx, "127.0.0.1:0", m)
	if err != nil {
		t.Fatal(err)
	}
	events := 0
	for i := range cascades {
		events += cascades[i].Len()
	}
	// Scrape while the pipeline runs.
	var during atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			fams, err := scrape(addr)
			if err == nil {
				if v := sum(fams, "hawkes_events_consumed_total", nil); v > 0 && v < float64(events) {
					during.Add(1)
				}
			}
			select {
			case <-ctx.Done():
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	windows := []float64{600, 3600}
	s, err := Run(ctx, cascades, Options{
		Topics:  testTopics(),
		Reader:  ReaderOptions{Spacing: 86400, Speed: 1e6},
		Fitter:  FitterOptions{Windows: windows, Terminated: 6 * 3600, Fit: fitOpts()},
		Trainer: TrainerOptions{RetrainEvery: 4},
		Alerts:  AlertsOptions{Threshold: 100},
		Metrics: m,
		Log:     streamtest.Logger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	fams, err := scrape(addr)
	cancel()
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if during.Load() == 0 {
		t.Error("no scrape saw the run in progress")
	}
	n := float64(len(cascades))
	checks := []struct {
		name  string
		match map[string]string
		want  float64
	}{
		{"hawkes_replayed_events_total", nil, float64(events)},

		{"hawkes_open_cascades", nil, 0},
		{"hawkes_predictions_total", nil, n * 2},
		{"hawkes_predictions_total", map[string]string{"window": "600"}, n},
		{"hawkes_fits_total", map[string]string{"window": "3600"}, n},
		{"hawkes_fit_seconds", nil, n * 2},
		{"hawkes_samples_total", nil, n * 2},
		{"hawkes_samples_consumed_total", nil, n * 2},
		{"hawkes_models_trained_total", nil, float64(s.Models)},
		{"hawkes_alerts_total", nil, float64(s.Alerts)},
		{"hawkes_dead_letters_total", nil, 0},
		{"hawkes_cascades_evicted_total", nil, 0},
	}
	for _, c := range checks {
		got := sum(fams, c.name, c.match)
		if c.name == "hawkes_dead_letters_total" && got == -1 {
			got = 0 // a vector with no series is not exposed
		}
		if got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.match, got, c.want)
		}
	}
	// Cascades silent for 6 h are finished: their later events are ignored.
	consumed, ignored := sum(fams, "hawkes_events_consumed_total", nil), sum(fams, "hawkes_events_ignored_total", nil)
	if consumed+ignored != float64(events) || consumed < float64(events)/2 {
		t.Errorf("events consumed %v + ignored %v, want %d in all", consumed, ignored, events)
	}
	if s.Models == 0 || s.Alerts == 0 {
		t.Errorf("summary %+v: the run should train models and raise alerts", s)
	}
	if v := sum(fams, "hawkes_model_version", map[string]string{"window": "600"}); v < 1 {
		t.Errorf("hawkes_model_version{window=600} = %v, want >= 1", v)
	}
	if _, ok := fams["hawkes_consumer_lag"]; !ok {
		t.Error("no hawkes_consumer_lag series")
	}
}
