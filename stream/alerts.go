package stream

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/IBM/sarama"

	"github.com/hawkes-toolkit/hawkes/internal/seen"
)

// Alerts defaults.
const (
	DefaultAlertsGroup = "hawkes-alerts"
	// DefaultThreshold is the predicted size at and above which a cascade
	// raises an alert.
	DefaultThreshold = 5000
	// MaxRemembered bounds the (cascade, window) pairs a deduplicating
	// consumer remembers; the oldest are forgotten first.
	MaxRemembered = 1 << 20
)

// Output formats of the alerts role.
const (
	FormatText  = "text"
	FormatJSONL = "jsonl"
)

// AlertsOptions configures the alerts role. NewAlerter sets the fields left
// at zero to their defaults; Validate (options.go) holds the rules.
type AlertsOptions struct {
	Group     string  // consumer group (default DefaultAlertsGroup)
	Threshold float64 // default DefaultThreshold
	Format    string  // FormatText (default) or FormatJSONL
	// LearnedOnly raises alerts only from predictions of a learned model
	// (source forest), not from the fit alone or a fallback.
	LearnedOnly bool
	Out         io.Writer // where the alert lines go (default: nowhere)
	Log         *slog.Logger
	Metrics     *Metrics // nil keeps unexported ones
}

// Alerter is the alerts role: it reads the predictions and prints and
// publishes those at or above the threshold, once per cascade and window.
type Alerter struct {
	client Client
	topics Topics
	o      AlertsOptions
	log    *slog.Logger

	mu     sync.Mutex
	seen   *seen.Set
	unsure map[seen.Key]bool // pairs whose alert failed to send, which may have landed

	predictions, alerts, dead atomic.Int64
}

// NewAlerter returns an alerts role; Run starts it. Fields of c and o left
// at zero take their defaults; the results must pass Validate, as t must.
func NewAlerter(c Client, t Topics, o AlertsOptions) (*Alerter, error) {
	o = o.WithDefaults()
	if err := validate(c, t, o); err != nil {
		return nil, err
	}
	o.Metrics = orMetrics(o.Metrics)
	return &Alerter{client: c, topics: t, o: o, log: orDiscard(o.Log).With("role", "alerts"), seen: seen.New(MaxRemembered),
		unsure: map[seen.Key]bool{}}, nil
}

// Predictions returns the distinct (cascade, window) predictions read.
func (a *Alerter) Predictions() int64 { return a.predictions.Load() }

// Alerts returns the alerts raised.
func (a *Alerter) Alerts() int64 { return a.alerts.Load() }

// Run consumes predictions until ctx is done.
func (a *Alerter) Run(ctx context.Context) error { return roleError("alerts", a.run(ctx)) }

func (a *Alerter) run(ctx context.Context) error {
	cl, err := connect(ctx, a.client, a.log)
	if err != nil {
		return err
	}
	defer cl.Close()
	out, err := newOutput(ctx, a.client, "alerts", a.topics.DeadLetters, a.log, a.o.Metrics)
	if err != nil {
		return err
	}
	defer out.close()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	h := &alertsHandler{a: a, cl: cl, out: out}
	err = runGroup(ctx, cl, a.o.Group, []string{a.topics.Predictions}, &eachHandler{a.o.Metrics, a.o.Group, cancel, h.handle}, a.log)
	if err != nil {
		return err
	}
	return failure(ctx)
}

// alertsHandler handles the predictions of one run of the alerts role.
type alertsHandler struct {
	a   *Alerter
	cl  sarama.Client
	out *output
}

func (h *alertsHandler) handle(ctx context.Context, m *sarama.ConsumerMessage) error {
	a := h.a
	p, err := decodeMessage(m, MaxMessageBytes, DecodePrediction)
	if err != nil {
		a.dead.Add(1)
		return h.out.deadLetter(ctx, m, err)
	}
	a.mu.Lock()
	again := a.seen.Has(p.ID, p.Window)
	a.mu.Unlock()
	if again {
		return nil // a replayed prediction (see the package doc)
	}
	al, ok := a.alert(&p)
	if ok {
		// The pair is remembered once its alert is out: when the brokers
		// fail the send while the group's session is ending (a whole
		// cluster stopped), the error ends only the session, and the
		// prediction, read again, must raise its alert then. A failed
		// send may have landed all the same: the alerts topic is read
		// for it before it is sent again.
		k := seen.Key{ID: p.ID, Window: p.Window}
		a.mu.Lock()
		unsure := a.unsure[k]
		a.mu.Unlock()
		out := false
		if unsure {
			var err error
			if out, err = alertOnTopic(ctx, h.cl, a.topics.Alerts, &al); err != nil {
				return err
			}
		}
		if !out {
			if err := h.out.send(jsonMessage(a.topics.Alerts, p.ID, al)); err != nil {
				a.mu.Lock()
				a.unsure[k] = true
				a.mu.Unlock()
				return err
			}
		}
		a.mu.Lock()
		delete(a.unsure, k)
		a.mu.Unlock()
	}
	a.mu.Lock()
	a.seen.Add(p.ID, p.Window)
	a.mu.Unlock()
	a.predictions.Add(1)
	if !ok {
		return nil
	}
	a.alerts.Add(1)
	a.o.Metrics.Alerts.Inc()
	return a.print(&al)
}

// alert returns the alert that prediction p raises, if it raises one: its
// NHat is at or above the threshold and, with LearnedOnly, a learned model
// made it.
func (a *Alerter) alert(p *Prediction) (Alert, bool) {
	if p.NHat < a.o.Threshold || (a.o.LearnedOnly && p.Source != SourceForest) {
		return Alert{}, false
	}
	return Alert{V: SchemaVersion, ID: p.ID, Window: p.Window, NHat: p.NHat, N: p.N, ModelVersion: p.ModelVersion,
		Source: p.Source, Time: p.Time, Threshold: a.o.Threshold, Lo: p.Lo, Hi: p.Hi}, true
}

// print writes one line for al.
func (a *Alerter) print(al *Alert) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	var err error
	if a.o.Format == FormatJSONL {
		var b []byte
		b, err = json.Marshal(al)
		if err == nil {
			_, err = a.o.Out.Write(append(b, '\n'))
		}
	} else {
		interval := ""
		if al.Lo != nil && al.Hi != nil {
			interval = fmt.Sprintf(" lo=%.0f hi=%.0f", *al.Lo, *al.Hi)
		}
		_, err = fmt.Fprintf(a.o.Out, "ALERT id=%s window=%ss nhat=%.0f%s n=%d model_version=%d source=%s\n",
			textField(al.ID), WindowKey(al.Window), al.NHat, interval, al.N, al.ModelVersion, textField(al.Source))
	}
	if err != nil {
		return fmt.Errorf("write alert: %w", err)
	}
	return nil
}

// textField returns s as a field of a text line: as it is when it is made
// of printable characters other than space, quote and backslash, else
// quoted as Go does (strconv.Quote), so that a value from the stream can
// neither end the line, nor forge a field, nor send a terminal escape.
func textField(s string) string {
	for _, r := range s {
		if r == ' ' || r == '"' || r == '\\' || r == utf8.RuneError || !unicode.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	if s == "" {
		return `""`
	}
	return s
}

// alertOnTopic says whether the alerts topic holds an alert of al's
// cascade and window, reading the partition its key goes to.
func alertOnTopic(ctx context.Context, cl sarama.Client, topic string, al *Alert) (bool, error) {
	parts, err := cl.Partitions(topic)
	if err != nil {
		return false, fmt.Errorf("partitions of %s: %w", topic, err)
	}
	q, err := newPartitioner(topic).Partition(&sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(al.ID)}, int32(len(parts)))
	if err != nil {
		return false, err
	}
	found := false
	err = readPartition(ctx, cl, topic, q, func(m *sarama.ConsumerMessage) bool {
		if b, err := decodeMessage(m, MaxMessageBytes, DecodeAlert); err == nil && b.ID == al.ID && b.Window == al.Window {
			found = true
		}
		return !found
	})
	return found, err
}
