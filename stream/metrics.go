package stream

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the Prometheus metrics of the roles of one process, all named
// hawkes_*. Roles given no Metrics keep their own, unexported.
type Metrics struct {
	Registry *prometheus.Registry

	ReplayedEvents prometheus.Counter     // events the reader sent
	Events         prometheus.Counter     // events the fitters consumed
	Ignored        prometheus.Counter     // events of cascades not open, and duplicates
	OpenCascades   prometheus.Gauge       // cascades open in the fitters
	Evicted        prometheus.Counter     // cascades closed early at max-open
	Fits           *prometheus.CounterVec // by window and status
	FitSeconds     *prometheus.HistogramVec
	Predictions    *prometheus.CounterVec // by window and source
	Samples        prometheus.Counter     // samples the fitters published
	SamplesUsed    prometheus.Counter     // samples the trainer consumed
	ModelsTrained  *prometheus.CounterVec // by window
	ModelVersion   *prometheus.GaugeVec   // version in use by the fitters, by window
	Alerts         prometheus.Counter
	DeadLetters    *prometheus.CounterVec // by role and source topic
	// DeadLettersLost counts, by role and source topic, the dead letters
	// that could not be published: their messages were skipped without one.
	DeadLettersLost *prometheus.CounterVec
	Lag             *prometheus.GaugeVec // by group, topic and partition
}

// NewMetrics returns the metrics registered on a new registry, with the Go
// runtime and process collectors.
func NewMetrics() *Metrics {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	f := func(c prometheus.Collector) { r.MustRegister(c) }
	m := &Metrics{
		Registry: r,
		ReplayedEvents: prometheus.NewCounter(prometheus.CounterOpts{Name: "hawkes_replayed_events_total",
			Help: "Retweet events the reader published."}),
		Events: prometheus.NewCounter(prometheus.CounterOpts{Name: "hawkes_events_consumed_total",
			Help: "Retweet events the fitters consumed (duplicates and orphans excluded)."}),
		Ignored: prometheus.NewCounter(prometheus.CounterOpts{Name: "hawkes_events_ignored_total",
			Help: "Retweet events the fitters ignored: of cascades already finished or whose start they never saw, and duplicates."}),
		OpenCascades: prometheus.NewGauge(prometheus.GaugeOpts{Name: "hawkes_open_cascades",
			Help: "Cascades open in the fitters of this process."}),
		Evicted: prometheus.NewCounter(prometheus.CounterOpts{Name: "hawkes_cascades_evicted_total",
			Help: "Cascades closed early because a fitter reached --max-open."}),
		Fits: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hawkes_fits_total",
			Help: "Hawkes fits by window and status (ok, supercritical, unbounded, failed)."}, []string{"window", "status"}),
		FitSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "hawkes_fit_seconds",
			Help:    "Duration of one Hawkes fit, by window.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 9)}, []string{"window"}),
		Predictions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hawkes_predictions_total",
			Help: "Predictions published, by window and source (forest, hawkes, observed)."}, []string{"window", "source"}),
		Samples: prometheus.NewCounter(prometheus.CounterOpts{Name: "hawkes_samples_total",
			Help: "Training samples the fitters published."}),
		SamplesUsed: prometheus.NewCounter(prometheus.CounterOpts{Name: "hawkes_samples_consumed_total",
			Help: "Training samples the trainer consumed (duplicates excluded)."}),
		ModelsTrained: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hawkes_models_trained_total",
			Help: "Forests the trainer published, by window."}, []string{"window"}),
		ModelVersion: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "hawkes_model_version",
			Help: "Version of the forest the fitters use, by window (0: none yet)."}, []string{"window"}),
		Alerts: prometheus.NewCounter(prometheus.CounterOpts{Name: "hawkes_alerts_total",
			Help: "Alerts raised (once per cascade and window)."}),
		DeadLetters: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hawkes_dead_letters_total",
			Help: "Messages set aside on the dead-letters topic, by role and source topic."}, []string{"role", "topic"}),
		DeadLettersLost: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hawkes_dead_letters_lost_total",
			Help: "Messages skipped without a dead letter, which could not be published (see the role's log), by role and source topic."}, []string{"role", "topic"}),
		Lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "hawkes_consumer_lag",
			Help: "Messages behind the partition's newest offset, by consumer group, topic and partition."},
			[]string{"group", "topic", "partition"}),
	}
	for _, c := range []prometheus.Collector{m.ReplayedEvents, m.Events, m.Ignored, m.OpenCascades, m.Evicted, m.Fits, m.FitSeconds,
		m.Predictions, m.Samples, m.SamplesUsed, m.ModelsTrained, m.ModelVersion, m.Alerts, m.DeadLetters, m.DeadLettersLost, m.Lag} {
		f(c)
	}
	return m
}

func orMetrics(m *Metrics) *Metrics {
	if m == nil {
		return NewMetrics()
	}
	return m
}

// lagGauge is the lag series of one partition, for a consumer to keep.
func (m *Metrics) lagGauge(group, topic string, partition int32) prometheus.Gauge {
	return m.Lag.WithLabelValues(group, topic, strconv.Itoa(int(partition)))
}

// ServeMetrics serves the registry on addr (host:port; port 0 picks one) at
// /metrics until ctx is done, and returns the address it listens on.
func ServeMetrics(ctx context.Context, addr string, m *Metrics) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("stream: metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	go srv.Serve(ln) //nolint:errcheck // ErrServerClosed at shutdown; a scrape that fails is the caller's signal
	return ln.Addr().String(), nil
}
