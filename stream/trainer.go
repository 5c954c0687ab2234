package stream

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"

	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/internal/seen"
	"github.com/hawkes-toolkit/hawkes/predict"
	"github.com/hawkes-toolkit/hawkes/train"
)

// Trainer defaults.
const (
	DefaultTrainerGroup = "hawkes-trainer"
	// DefaultRetrainEvery is the number of new samples of a window after
	// which its forest is grown again.
	DefaultRetrainEvery = 100
	// NoRetrain as TrainerOptions.RetrainEvery turns online retraining
	// off: the trainer publishes the models it was given and consumes the
	// samples without training.
	NoRetrain = -1
	// DefaultMaxSamples bounds the training set of each window: the newest
	// samples are kept.
	DefaultMaxSamples = 5000
	// DefaultTrainerTrees is the number of trees of a streamed forest.
	DefaultTrainerTrees = 100
	// MaxModelMessageBytes bounds a models message. Kafka's default limit
	// is about 1 MB; a forest whose message would exceed this is grown
	// again with half the trees. On seismic_subset a 200-tree forest with
	// its quantile section is about 170 KB.
	MaxModelMessageBytes = 900 << 10
)

// TrainerOptions configures the trainer. NewTrainer sets the fields left at
// zero to their defaults; Validate (options.go) holds the rules.
type TrainerOptions struct {
	Group string // consumer group (default DefaultTrainerGroup)
	// RetrainEvery is the number of new samples of a window after which
	// its forest is grown again (default DefaultRetrainEvery); NoRetrain
	// turns retraining off.
	RetrainEvery int
	// Models are the first models of their windows, trained in batch
	// (`hawkes train`); each must pass predict.Check on its window. A
	// window's model is published as version 1 when the models topic holds
	// none of that window (see PublishModels), so that fitters use it from
	// the first cascade; retraining continues from there.
	Models map[float64]*train.Model
	// Samples seed the training sets, by window: feature rows of
	// `hawkes features` on cascades whose final size is known. They are
	// kept besides the newest MaxSamples samples of the stream, so a model
	// retrained in the stream learns from the batch data and the stream's
	// own samples, never from fewer rows than it started with.
	Samples    []features.Row
	MaxSamples int // default DefaultMaxSamples
	// Learner is the learner grown: train.LearnerForest or
	// train.LearnerBoost (default predict.DefaultLearner, as hawkes
	// train's), with predict.TrainLearner's interval calibration.
	Learner string
	// Forest configures the forests: Trees defaults to
	// DefaultTrainerTrees, MinLeaf to train.DefaultMinLeaf, the other
	// fields to train's defaults (Workers: every CPU).
	Forest train.Config
	// Boost configures the boosted trees (train.BoostConfig WithDefaults
	// for its zeros).
	Boost   train.BoostConfig
	Log     *slog.Logger
	Metrics *Metrics // nil keeps unexported ones
}

// Trainer is the trainer role: it learns a model per window from the
// samples topic and publishes it on the models topic.
type Trainer struct {
	client Client
	topics Topics
	o      TrainerOptions
	log    *slog.Logger

	mu      sync.Mutex
	windows map[float64]*trainingSet
	seen    *seen.Set // samples already used: a fitter's replay repeats some

	consumed, models, dead atomic.Int64
}

// trainingSet is the bounded training set of one window.
type trainingSet struct {
	base    []features.Row // TrainerOptions.Samples of the window, always kept
	rows    []features.Row // ring of the newest samples
	next    int            // where the next sample goes once full
	seen    int            // samples consumed
	since   int            // samples since the last training
	version int            // newest version published
}

// NewTrainer returns a trainer; Run starts it. Fields of c and o left at
// zero take their defaults; the results must pass Validate, as t must.
func NewTrainer(c Client, t Topics, o TrainerOptions) (*Trainer, error) {
	o = o.WithDefaults()
	if err := validate(c, t, o); err != nil {
		return nil, err
	}
	windows := map[float64]*trainingSet{}
	for _, r := range o.Samples {
		w := float64(r.Window)
		if windows[w] == nil {
			windows[w] = &trainingSet{}
		}
		windows[w].base = append(windows[w].base, r)
	}
	o.Metrics = orMetrics(o.Metrics)
	return &Trainer{client: c, topics: t, o: o, log: orDiscard(o.Log).With("role", "trainer"),
		windows: windows, seen: seen.New(MaxRemembered)}, nil
}

// Consumed returns the number of valid samples consumed so far.
func (t *Trainer) Consumed() int64 { return t.consumed.Load() }

// Models returns the number of models published so far.
func (t *Trainer) Models() int64 { return t.models.Load() }

// Run consumes samples until ctx is done.
func (t *Trainer) Run(ctx context.Context) error { return roleError("trainer", t.run(ctx)) }

func (t *Trainer) run(ctx context.Context) error {
	cl, out, err := t.start(ctx)
	if err != nil {
		return err
	}
	defer cl.Close()
	defer out.close()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	err = runGroup(ctx, cl, t.o.Group, []string{t.topics.Samples}, &eachHandler{t.o.Metrics, t.o.Group, cancel, (&trainerHandler{t: t, out: out}).handle}, t.log)
	if err != nil {
		return err
	}
	return failure(ctx)
}

// PublishModels publishes each of TrainerOptions.Models as version 1 of its
// window unless the models topic already holds a model of that window, and
// returns once they are written. Run does it too; calling it before the
// fitters start, as the pipeline of Run does, lets them use the models from
// the first cascade.
func (t *Trainer) PublishModels(ctx context.Context) error {
	if len(t.o.Models) == 0 {
		return nil
	}
	cl, out, err := t.start(ctx)
	if err != nil {
		return roleError("trainer", err)
	}
	out.close()
	cl.Close()
	return nil
}

// start connects, continues the versions of the models topic and publishes
// the given models there; the caller closes the client and the output.
func (t *Trainer) start(ctx context.Context) (sarama.Client, *output, error) {
	cl, err := connect(ctx, t.client, t.log)
	if err != nil {
		return nil, nil, err
	}
	if err := t.resumeVersions(ctx, cl); err != nil {
		cl.Close()
		return nil, nil, err
	}
	out, err := newOutput(ctx, t.client, "trainer", t.topics.DeadLetters, t.log, t.o.Metrics)
	if err != nil {
		cl.Close()
		return nil, nil, err
	}
	if err := t.publishModels(out); err != nil {
		out.close()
		cl.Close()
		return nil, nil, err
	}
	return cl, out, nil
}

// publishModels publishes the given models of the windows that have no
// version yet (resumeVersions has read the topic).
func (t *Trainer) publishModels(out *output) error {
	ws := slices.Sorted(maps.Keys(t.o.Models))
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, w := range ws {
		ts := t.set(w)
		if ts.version > 0 {
			t.log.Info("given model not published: the models topic holds a newer one", "window", w, "version", ts.version)
			continue
		}
		m := t.o.Models[w]
		b, err := m.MarshalBinary()
		if err != nil {
			return fmt.Errorf("encode model of window %v: %w", w, err)
		}
		mm := ModelMessage{V: SchemaVersion, Window: w, Version: 1, Trained: m.TrainedOn, Created: m.Created, Model: b}
		msg := jsonMessage(t.topics.Models, WindowKey(w), mm)
		if size := msg.Value.Length(); size > MaxModelMessageBytes {
			return fmt.Errorf("model of window %v takes %d bytes in a message, over %d: train it with fewer trees", w, size, MaxModelMessageBytes)
		}
		if err := out.send(msg); err != nil {
			return err
		}
		ts.version = 1
		t.models.Add(1)
		t.log.Info("given model published", "window", w, "version", 1, "trained_on", m.TrainedOn, "bytes", msg.Value.Length())
	}
	return nil
}

// resumeVersions reads the models topic so that versions continue from the
// newest published one after a restart.
func (t *Trainer) resumeVersions(ctx context.Context, cl sarama.Client) error {
	newest, err := getOffset(ctx, cl, t.topics.Models, 0, sarama.OffsetNewest)
	if err != nil {
		return fmt.Errorf("offsets of %s: %w", t.topics.Models, err)
	}
	oldest, err := getOffset(ctx, cl, t.topics.Models, 0, sarama.OffsetOldest)
	if err != nil || oldest >= newest {
		return err
	}
	c, err := sarama.NewConsumerFromClient(cl)
	if err != nil {
		return err
	}
	defer c.Close()
	pc, err := c.ConsumePartition(t.topics.Models, 0, oldest)
	if err != nil {
		return fmt.Errorf("read %s: %w", t.topics.Models, err)
	}
	defer pc.AsyncClose()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case m := <-pc.Messages():
			if mm, err := decodeMessage(m, MaxModelMessageBytes, DecodeModel); err == nil {
				t.mu.Lock()
				ts := t.set(mm.Window)
				if err := checkModelVersion(ts.version, mm.Version); err != nil {
					t.log.Warn("models message ignored: new versions do not follow it", "offset", m.Offset, "window", mm.Window, "reason", err)
				} else {
					ts.version = max(ts.version, mm.Version)
				}
				t.mu.Unlock()
			}
			if m.Offset+1 >= newest {
				return nil
			}
		case <-timeout:
			return fmt.Errorf("reading %s timed out", t.topics.Models)
		}
	}
}

// set returns the training set of window w, made on first use. t.mu must
// be held.
func (t *Trainer) set(w float64) *trainingSet {
	ts := t.windows[w]
	if ts == nil {
		ts = &trainingSet{}
		t.windows[w] = ts
	}
	return ts
}

// trainerHandler handles the samples of one run of the trainer.
type trainerHandler struct {
	t   *Trainer
	out *output
}

// handle adds one sample and trains when it is time.
func (h *trainerHandler) handle(ctx context.Context, m *sarama.ConsumerMessage) error {
	t := h.t
	smp, err := decodeMessage(m, MaxMessageBytes, DecodeSample)
	if err != nil {
		t.dead.Add(1)
		return h.out.deadLetter(ctx, m, err)
	}
	// Claims of several partitions run at once: one training at a time.
	t.mu.Lock()
	defer t.mu.Unlock()
	ts := t.set(smp.Window)
	if !t.seen.Add(smp.ID, smp.Window) {
		return nil // replayed by a restarted fitter (see the package doc)
	}
	t.o.Metrics.SamplesUsed.Inc()
	row := smp.Row()
	if len(ts.rows) < t.o.MaxSamples {
		ts.rows = append(ts.rows, row)
	} else {
		ts.rows[ts.next] = row
		ts.next = (ts.next + 1) % t.o.MaxSamples
	}
	ts.seen++
	ts.since++
	// Counted once the sample is fully handled, training included, so that
	// a drained run counts every model.
	defer t.consumed.Add(1)
	if t.o.RetrainEvery == NoRetrain || ts.since < t.o.RetrainEvery {
		return nil
	}
	ts.since = 0
	msg, err := t.grow(ctx, smp.Window, ts)
	if err != nil {
		return err
	}
	if err := h.out.send(msg); err != nil {
		return err
	}
	ts.version++
	t.models.Add(1)
	t.o.Metrics.ModelsTrained.WithLabelValues(WindowKey(smp.Window)).Inc()
	return nil
}

// grow trains the learner of window w on ts and returns its message; a
// forest too large for one message is grown again with half the trees
// (boosted trees, a few KB, have no such fallback).
func (t *Trainer) grow(ctx context.Context, w float64, ts *trainingSet) (*sarama.ProducerMessage, error) {
	cfg := t.o.Forest
	for {
		began := time.Now()
		rows := ts.rows
		if len(ts.base) > 0 {
			rows = slices.Concat(ts.base, ts.rows)
		}
		m, err := predict.TrainLearner(ctx, rows, predict.DefaultTarget, predict.Learner{Name: t.o.Learner, Forest: cfg, Boost: t.o.Boost})
		if err != nil {
			return nil, fmt.Errorf("window %v: %w", w, err)
		}
		m.Created = time.Now().UTC()
		b, err := m.MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("encode model: %w", err)
		}
		mm := ModelMessage{V: SchemaVersion, Window: w, Version: ts.version + 1, Trained: m.TrainedOn, Seen: ts.seen, Created: m.Created, Model: b}
		msg := jsonMessage(t.topics.Models, WindowKey(w), mm)
		if size := msg.Value.Length(); size > MaxModelMessageBytes {
			if t.o.Learner != train.LearnerForest {
				return nil, fmt.Errorf("window %v: %s model takes %d bytes in a message, over %d", w, t.o.Learner, size, MaxModelMessageBytes)
			}
			if cfg.Trees <= 1 {
				return nil, fmt.Errorf("a one-tree forest takes %d bytes, over %d", size, MaxModelMessageBytes)
			}
			t.log.Warn("model too large for one message, halving the trees", "bytes", size, "trees", cfg.Trees)
			cfg.Trees /= 2
			continue
		}
		t.log.Info("model trained", "window", w, "version", mm.Version, "samples", len(rows),
			"trained_on", m.TrainedOn, "bytes", msg.Value.Length(), "took", time.Since(began).Round(time.Millisecond))
		return msg, nil
	}
}
