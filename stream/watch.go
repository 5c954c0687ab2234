package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"
)

// Watch defaults.
const (
	DefaultWatchGroup = "hawkes-dashboard"
	// DefaultWatchEvery is how often a watcher reports the Status.
	DefaultWatchEvery = time.Second
)

// Sink receives what a Watcher reads: every valid message of the
// predictions, alerts, stats and models topics as it arrives (replays
// included: the sink counts each (id, window) once), and the Status about
// once every WatchOptions.Every. Its methods are called from several
// goroutines.
type Sink interface {
	Prediction(Prediction)
	Alert(Alert)
	Stat(Stat)
	Model(ModelMessage)
	Status(Status)
}

// Status is the state of the pipeline a Watcher sees on the brokers, apart
// from the outputs: how fast retweets come, how far behind the fitters are
// and how many messages were set aside.
type Status struct {
	// Events counts the retweet events the watcher has read since it
	// started (it reads the retweets topic from its newest messages, and
	// counts the events, not the watermarks).
	Events int64 `json:"events"`
	// EventsPerSecond is how fast Events grew since the last Status.
	EventsPerSecond float64 `json:"events_per_second"`
	// Lag is how many messages of the retweets topic the fitters' group
	// has not committed yet: those of their open cascades count, as a
	// fitter commits only up to its oldest open cascade (see the package
	// doc).
	Lag int64 `json:"lag"`
	// DeadLetters is the number of messages on the dead-letters topic.
	DeadLetters int64 `json:"dead_letters"`
}

// WatchOptions configures a Watcher. NewWatcher sets the fields left at
// zero to their defaults; Validate holds the rules.
type WatchOptions struct {
	Group       string        // its consumer group (default DefaultWatchGroup)
	FitterGroup string        // the fitters' group, whose lag Status reports (default DefaultFitterGroup)
	Every       time.Duration // how often Status is reported (default DefaultWatchEvery)
	Log         *slog.Logger
	Metrics     *Metrics // nil keeps unexported ones
}

// WithDefaults returns o with its zero fields set to their defaults.
func (o WatchOptions) WithDefaults() WatchOptions {
	if o.Group == "" {
		o.Group = DefaultWatchGroup
	}
	if o.FitterGroup == "" {
		o.FitterGroup = DefaultFitterGroup
	}
	if o.Every == 0 {
		o.Every = DefaultWatchEvery
	}
	return o
}

// Validate checks o: consumer groups, a positive Every.
func (o WatchOptions) Validate() error {
	switch {
	case o.Group == "":
		return optionErrorf("watch", "%s must not be empty", optionName("group"))
	case o.FitterGroup == "":
		return optionErrorf("watch", "%s must not be empty", optionName("fitter-group"))
	case o.Every <= 0:
		return optionErrorf("watch", "%s must be positive, got %v", optionName("every"), o.Every)
	}
	return nil
}

// Watcher reads the pipeline's outputs for a live view (hawkes stream
// dashboard) and hands them to a Sink. It is a member of its own consumer
// group, so that it takes nothing from the alerts role, and reads every
// partition of the outputs from its oldest message the first time it holds
// it in a process, so that the view is rebuilt at each start: run one
// watcher per group (a second one in the same group would see only its
// share of the partitions). It also reads the retweets topic from its
// newest messages, to count the events (Status): it fetches every retweet
// the fitters do, and decodes it. It writes nothing but its group's
// offsets.
type Watcher struct {
	client Client
	topics Topics
	o      WatchOptions
	sink   Sink
	log    *slog.Logger

	events  atomic.Int64
	mu      sync.Mutex
	rewound map[topicPartition]bool
	next    map[topicPartition]int64 // offset after the last message read
}

// NewWatcher returns a watcher handing what it reads to sink; Run starts
// it.
func NewWatcher(c Client, t Topics, o WatchOptions, sink Sink) (*Watcher, error) {
	o = o.WithDefaults()
	if err := validate(c, t, o); err != nil {
		return nil, err
	}
	if sink == nil {
		return nil, fmt.Errorf("stream: watch: no sink")
	}
	o.Metrics = orMetrics(o.Metrics)
	return &Watcher{client: c, topics: t, o: o, sink: sink, log: orDiscard(o.Log).With("role", "watch"),
		rewound: map[topicPartition]bool{}, next: map[topicPartition]int64{}}, nil
}

// Run reads until ctx is done.
func (w *Watcher) Run(ctx context.Context) error { return roleError("watch", w.run(ctx)) }

func (w *Watcher) topicsRead() []string {
	return []string{w.topics.Predictions, w.topics.Alerts, w.topics.Stats, w.topics.Models}
}

func (w *Watcher) run(ctx context.Context) error {
	cl, err := connect(ctx, w.client, w.log)
	if err != nil {
		return err
	}
	defer cl.Close()
	// The status has its own connection: on the consumer's, each of its
	// requests would wait for a fetch to end (up to 100 ms).
	scl, err := connect(ctx, w.client, w.log)
	if err != nil {
		return err
	}
	defer scl.Close()
	admin, err := sarama.NewClusterAdminFromClient(scl)
	if err != nil {
		return fmt.Errorf("cluster admin: %w", err)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		w.poll(ctx, scl, admin)
	}()
	h := &watchHandler{w: w, cl: cl}
	h.eachHandler = eachHandler{w.o.Metrics, w.o.Group, cancel, h.handle}
	err = runGroup(ctx, cl, w.o.Group, append(w.topicsRead(), w.topics.Retweets), h, w.log)
	cancel(nil)
	wg.Wait()
	if err != nil {
		return err
	}
	return failure(ctx)
}

// poll reports the Status every o.Every until ctx is done.
func (w *Watcher) poll(ctx context.Context, cl sarama.Client, admin sarama.ClusterAdmin) {
	tick := time.NewTicker(w.o.Every)
	defer tick.Stop()
	var last Status
	var lastAt time.Time
	for {
		st, err := w.status(cl, admin)
		now := time.Now()
		if err != nil {
			w.log.Debug("watch: status", "err", err)
		} else {
			if !lastAt.IsZero() {
				st.EventsPerSecond = float64(st.Events-last.Events) / now.Sub(lastAt).Seconds()
			}
			last, lastAt = st, now
			w.sink.Status(st)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// status reads the offsets behind a Status.
func (w *Watcher) status(cl sarama.Client, admin sarama.ClusterAdmin) (Status, error) {
	st := Status{Events: w.events.Load()}
	hi, err := newestOffsets(cl, w.topics.Retweets)
	if err != nil {
		return st, err
	}
	parts := make([]int32, 0, len(hi))
	for p := range hi {
		parts = append(parts, p)
	}
	dead, err := newestOffsets(cl, w.topics.DeadLetters)
	if err != nil {
		return st, err
	}
	for _, h := range dead {
		st.DeadLetters += h
	}
	resp, err := admin.ListConsumerGroupOffsets(w.o.FitterGroup, map[string][]int32{w.topics.Retweets: parts})
	if err != nil && !errors.Is(err, sarama.ErrGroupIDNotFound) {
		return st, err
	}
	for p, h := range hi {
		committed := int64(0) // none yet: no fitter has committed
		if resp != nil {
			if b := resp.GetBlock(w.topics.Retweets, p); b != nil && b.Err == sarama.ErrNoError && b.Offset > 0 {
				committed = b.Offset
			}
		}
		st.Lag += max(h-committed, 0)
	}
	return st, nil
}

// CaughtUp reports whether the watcher has read its topics up to their
// newest offsets.
func (w *Watcher) CaughtUp(ctx context.Context) (bool, error) {
	cl, err := connect(ctx, w.client, w.log)
	if err != nil {
		return false, err
	}
	defer cl.Close()
	return w.caughtUp(cl)
}

func (w *Watcher) caughtUp(cl sarama.Client) (bool, error) {
	for _, topic := range w.topicsRead() {
		hi, err := newestOffsets(cl, topic)
		if err != nil {
			return false, err
		}
		w.mu.Lock()
		for p, h := range hi {
			if w.next[topicPartition{topic, p}] < h {
				w.mu.Unlock()
				return false, nil
			}
		}
		w.mu.Unlock()
	}
	return true, nil
}

// watchHandler consumes messages one by one like eachHandler, whose
// Setup it replaces to rewind the partitions it is given.
type watchHandler struct {
	eachHandler
	w  *Watcher
	cl sarama.Client
}

// Setup moves the partitions this process has not read yet to their
// oldest messages, those of the retweets topic to their newest.
func (h *watchHandler) Setup(s sarama.ConsumerGroupSession) error {
	w := h.w
	w.mu.Lock()
	defer w.mu.Unlock()
	for topic, parts := range s.Claims() {
		for _, p := range parts {
			tp := topicPartition{topic, p}
			if w.rewound[tp] {
				continue
			}
			at := sarama.OffsetOldest
			if topic == w.topics.Retweets {
				at = sarama.OffsetNewest
			}
			off, err := h.cl.GetOffset(topic, p, at)
			if err != nil {
				return fmt.Errorf("offset of %s/%d: %w", topic, p, err)
			}
			if at == sarama.OffsetNewest {
				s.MarkOffset(topic, p, off, "")
			} else {
				s.ResetOffset(topic, p, off, "")
			}
			w.rewound[tp] = true
		}
	}
	return nil
}

// handle hands m to the sink when it is valid; an invalid message is left
// to the role that consumes its topic, which dead-letters it.
func (h *watchHandler) handle(_ context.Context, m *sarama.ConsumerMessage) error {
	w := h.w
	t := w.topics
	var err error
	switch m.Topic {
	case t.Retweets:
		var r Retweet
		if r, err = decodeMessage(m, MaxMessageBytes, DecodeRetweet); err == nil && r.Kind == KindEvent {
			w.events.Add(1)
		}
		return nil // the fitters dead-letter what is invalid
	case t.Predictions:
		var p Prediction
		if p, err = decodeMessage(m, MaxMessageBytes, DecodePrediction); err == nil {
			w.sink.Prediction(p)
		}
	case t.Alerts:
		var a Alert
		if a, err = decodeMessage(m, MaxMessageBytes, DecodeAlert); err == nil {
			w.sink.Alert(a)
		}
	case t.Stats:
		var st Stat
		if st, err = decodeMessage(m, MaxMessageBytes, DecodeStat); err == nil {
			w.sink.Stat(st)
		}
	case t.Models:
		var mm ModelMessage
		if mm, err = decodeMessage(m, MaxModelMessageBytes, DecodeModel); err == nil {
			mm.Model = nil // the view needs the version, not the forest
			w.sink.Model(mm)
		}
	}
	if err != nil {
		w.log.Debug("watch: message ignored", "topic", m.Topic, "partition", m.Partition, "offset", m.Offset, "err", err)
	}
	w.mu.Lock()
	w.next[topicPartition{m.Topic, m.Partition}] = m.Offset + 1
	w.mu.Unlock()
	return nil
}
