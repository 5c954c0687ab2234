package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/IBM/sarama"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/evaluate"
	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/predict"
	"github.com/hawkes-toolkit/hawkes/train"
)

// Fitter defaults.
const (
	DefaultFitterGroup = "hawkes-fitter"
	// DefaultTerminated is the event time without a retweet after which a
	// cascade is finished: one day.
	DefaultTerminated = 86400.0
	// DefaultMaxOpen bounds the open cascades of one fitter process.
	DefaultMaxOpen = 100000
	// DefaultMaxSkew is how far ahead of its partition's clock, in event
	// time, a message may be by default: seven days.
	DefaultMaxSkew = 7 * 86400.0
	// MinMaxSkew is the smallest MaxSkew: two days, more than the reader
	// ever leaves between two messages of a partition (less than
	// 2·MaxWatermarkEvery, one day, and a second).
	MinMaxSkew = 4 * MaxWatermarkEvery
)

// DefaultWindows returns the observation windows of a fitter by default,
// 600 and 3600 s, as a new slice on each call.
func DefaultWindows() []float64 { return []float64{600, 3600} }

// FitterOptions configures a fitter. NewFitter sets the fields left at zero
// to their defaults; Validate (options.go) holds the rules.
type FitterOptions struct {
	// Windows are the observation windows in seconds (default
	// DefaultWindows).
	Windows []float64
	// Terminated: a cascade with no retweet for this many seconds of event
	// time is finished (default DefaultTerminated).
	Terminated float64
	// MaxOpen bounds the open cascades of this process (default
	// DefaultMaxOpen), shared evenly by the partitions it holds; when a
	// partition is at its share, a new cascade evicts the partition's least
	// recently active one (see the package doc).
	MaxOpen int
	// MaxSkew bounds, in seconds of event time, how far ahead of its
	// partition's clock (the latest time the partition has shown) a
	// message may be (default DefaultMaxSkew, at least MinMaxSkew): an
	// event, watermark or end marker further ahead is dead-lettered rather
	// than allowed to close the partition's open cascades early and hold
	// back the predictions of those that follow. The first message of a
	// partition, or of a replay after an end marker, sets the clock.
	MaxSkew float64
	// Group is the consumer group of the fitters (default
	// DefaultFitterGroup); fitters in one group share the partitions.
	Group string
	// ID names this fitter in its predictions (default host-pid).
	ID string
	// Fit configures the fits (Starts defaults to fit.DefaultStarts).
	Fit fit.Options
	// SkipFit replaces every fit by a failed one: the pipeline runs with
	// fitting excluded, to measure its ingest rate.
	SkipFit bool
	// NoCurve leaves out the growth curve (Prediction.Curve) of every
	// prediction, some 500 bytes each.
	NoCurve bool
	Log     *slog.Logger
	Metrics *Metrics // nil keeps unexported ones
}

// FitterCounts counts what a fitter did.
type FitterCounts struct {
	Events, Cascades, Fits, Predictions, Samples, Stats, Evicted, Orphans, DeadLetters int64
}

// Fitter is the fitter role: it keeps the open cascades of the partitions of
// the retweets topic it is assigned, predicts each cascade once per window
// and publishes samples and stats when the cascade is finished.
type Fitter struct {
	client Client
	topics Topics
	o      FitterOptions
	log    *slog.Logger
	models modelStore
	sem    chan struct{} // bounds concurrent fits to the CPUs
	parts  atomic.Int64  // partitions held

	events, cascades, fits, predictions, samples, stats, evicted, orphans, dead atomic.Int64
}

// NewFitter returns a fitter; Run starts it. Fields of c and o left at zero
// take their defaults; the results must pass Validate, as t must.
func NewFitter(c Client, t Topics, o FitterOptions) (*Fitter, error) {
	o = o.WithDefaults()
	if err := validate(c, t, o); err != nil {
		return nil, err
	}
	o.Windows = slices.Clone(o.Windows)
	slices.Sort(o.Windows)
	o.Metrics = orMetrics(o.Metrics)
	return &Fitter{client: c, topics: t, o: o, log: orDiscard(o.Log).With("role", "fitter", "id", o.ID),
		sem: make(chan struct{}, runtime.GOMAXPROCS(0))}, nil
}

// Counts returns what the fitter did so far.
func (f *Fitter) Counts() FitterCounts {
	return FitterCounts{Events: f.events.Load(), Cascades: f.cascades.Load(), Fits: f.fits.Load(),
		Predictions: f.predictions.Load(), Samples: f.samples.Load(), Stats: f.stats.Load(),
		Evicted: f.evicted.Load(), Orphans: f.orphans.Load(), DeadLetters: f.dead.Load()}
}

// ModelVersion returns the version of the forest the fitter uses for window
// w, 0 when it has none.
func (f *Fitter) ModelVersion(w float64) int {
	if m := f.models.get(w); m != nil {
		return m.version
	}
	return 0
}

// Run consumes until ctx is done or a publication fails.
func (f *Fitter) Run(ctx context.Context) error { return roleError("fitter", f.run(ctx)) }

func (f *Fitter) run(ctx context.Context) error {
	cl, err := connect(ctx, f.client, f.log)
	if err != nil {
		return err
	}
	defer cl.Close()
	out, err := newOutput(ctx, f.client, "fitter", f.topics.DeadLetters, f.log, f.o.Metrics)
	if err != nil {
		return err
	}
	defer out.close()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	wg.Add(1)
	ready := make(chan struct{})
	go func() {
		defer wg.Done()
		if err := watchModels(ctx, cl, f.topics.Models, &f.models, ready, out, f.log, f.o.Metrics); err != nil {
			cancel(err)
		}
	}()
	// The models published before the fitter started are in use before its
	// first prediction: a deployment that starts from batch-trained models
	// predicts with them from the first cascade.
	select {
	case <-ready:
	case <-ctx.Done():
		wg.Wait()
		return failure(ctx)
	}
	h := &fitterHandler{f: f, out: out, fail: cancel}
	err = runGroup(ctx, cl, f.o.Group, []string{f.topics.Retweets}, h, f.log)
	cancel(nil)
	wg.Wait()
	if err != nil {
		return err
	}
	return failure(ctx)
}

// fitterHandler consumes the claimed partitions, one tracker each.
type fitterHandler struct {
	f    *Fitter
	out  *output
	fail context.CancelCauseFunc
}

func (h *fitterHandler) Setup(s sarama.ConsumerGroupSession) error {
	n := 0
	for _, ps := range s.Claims() {
		n += len(ps)
	}
	h.f.parts.Store(int64(n))
	h.f.log.Info("partitions assigned", "partitions", n, "generation", s.GenerationID())
	return nil
}

func (h *fitterHandler) Cleanup(sarama.ConsumerGroupSession) error {
	h.f.parts.Store(0)
	return nil
}

func (h *fitterHandler) ConsumeClaim(s sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	f := h.f
	maxOpen := f.o.MaxOpen
	if n := int(f.parts.Load()); n > 1 {
		maxOpen = max(1, maxOpen/n)
	}
	ph := &partitionHooks{h: h, ctx: s.Context()}
	tr := newTracker(trackerConfig{windows: f.o.Windows, terminated: f.o.Terminated, maxOpen: maxOpen, maxSkew: f.o.MaxSkew}, ph)
	ph.tr = tr
	var before trackerCounts
	m := f.o.Metrics
	defer func() { m.OpenCascades.Sub(float64(len(tr.open))) }() // the partition's state goes with it
	// Marked up to the oldest open cascade's first event, not past each
	// message: see commitOffset.
	return consumeMarked(s, claim, m, f.o.Group, h.fail, func(ctx context.Context, msg *sarama.ConsumerMessage) (int64, error) {
		if err := h.handle(ctx, tr, msg); err != nil {
			return 0, err
		}
		c := tr.counts
		if c.epochs > before.epochs {
			f.log.Info("a new replay after an end marker: the partition's clock starts again", "partition", msg.Partition, "offset", msg.Offset)
		}
		f.events.Add(int64(c.events - before.events))
		f.cascades.Add(int64(c.opened - before.opened))
		f.evicted.Add(int64(c.evicted - before.evicted))
		f.orphans.Add(int64(c.orphans - before.orphans))
		m.Events.Add(float64(c.events - before.events))
		m.Ignored.Add(float64(c.orphans - before.orphans + c.duplicates - before.duplicates))
		m.Evicted.Add(float64(c.evicted - before.evicted))
		m.OpenCascades.Add(float64((c.opened - before.opened) - (c.finished - before.finished) - (c.evicted - before.evicted)))
		before = c
		return tr.commitOffset(), nil
	})
}

// handle applies one message; a message that is not valid goes to the dead
// letters.
func (h *fitterHandler) handle(ctx context.Context, tr *tracker, m *sarama.ConsumerMessage) error {
	r, err := decodeMessage(m, MaxMessageBytes, DecodeRetweet)
	if err == nil {
		err = tr.handle(&r, m.Offset)
	}
	if err != nil && errors.Is(err, ErrInvalid) {
		tr.next = m.Offset + 1
		h.f.dead.Add(1)
		return h.out.deadLetter(ctx, m, err)
	}
	return err
}

// partitionHooks fits and publishes for one partition's tracker.
type partitionHooks struct {
	h   *fitterHandler
	tr  *tracker
	ctx context.Context
}

// outcome is what a window's prediction leaves for the finish.
type outcome struct {
	res  fit.Result
	pred Prediction
}

func (p *partitionHooks) window(c *cascade, w int) error {
	f := p.h.f
	oc, err := f.predict(p.ctx, c, w, p.tr.wm)
	if err != nil {
		return err
	}
	c.outcomes[w] = oc
	f.predictions.Add(1)
	f.o.Metrics.Predictions.WithLabelValues(WindowKey(oc.pred.Window), oc.pred.Source).Inc()
	return p.h.out.send(jsonMessage(f.topics.Predictions, c.id, oc.pred))
}

func (p *partitionHooks) finish(c *cascade) error {
	f := p.h.f
	dc := data.Cascade{ID: c.id, Times: c.times, Mags: c.mags}
	size := dc.Len()
	var msgs []*sarama.ProducerMessage
	var curve [][2]float64
	if !f.o.NoCurve {
		curve = GrowthCurve(c.times)
	}
	for w, W := range f.o.Windows {
		oc := c.outcomes[w]
		st := Stat{V: SchemaVersion, ID: c.id, Window: W, N: oc.pred.N, Size: size, NHat: oc.pred.NHat,
			ARE: evaluate.ARE(float64(size), oc.pred.NHat), ModelVersion: oc.pred.ModelVersion,
			Source: oc.pred.Source, Evicted: c.evicted, Curve: curve}
		msgs = append(msgs, jsonMessage(f.topics.Stats, c.id, st))
		if !c.evicted {
			row := features.Build(&dc, W, oc.res)
			msgs = append(msgs, jsonMessage(f.topics.Samples, c.id, NewSample(&row)))
		}
	}
	if err := p.h.out.send(msgs...); err != nil {
		return err
	}
	f.stats.Add(int64(len(f.o.Windows)))
	if !c.evicted {
		f.samples.Add(int64(len(f.o.Windows)))
		f.o.Metrics.Samples.Add(float64(len(f.o.Windows)))
	}
	c.times, c.mags, c.outcomes = nil, nil, nil
	return nil
}

// predict fits window w of c and applies the newest forest of that window.
func (f *Fitter) predict(ctx context.Context, c *cascade, w int, now float64) (*outcome, error) {
	W := f.o.Windows[w]
	dc := data.Cascade{ID: c.id, Times: c.times, Mags: c.mags}
	n := dc.Window(W)
	var res fit.Result
	if f.o.SkipFit {
		res = fit.Result{N: n, Status: fit.StatusFailed, Reason: "fitting skipped"}
	} else {
		select {
		case f.sem <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		var err error
		began := time.Now()
		res, err = fit.Fit(ctx, c.times[:n], c.mags[:n], W, f.o.Fit)
		<-f.sem
		if err != nil {
			return nil, fmt.Errorf("fit cascade %q on %v s: %w", c.id, W, err)
		}
		f.fits.Add(1)
		f.o.Metrics.FitSeconds.WithLabelValues(WindowKey(W)).Observe(time.Since(began).Seconds())
		f.o.Metrics.Fits.WithLabelValues(WindowKey(W), string(res.Status)).Inc()
	}
	pred := Prediction{V: SchemaVersion, ID: c.id, Window: W, Time: now, N: n, Status: string(res.Status),
		Evicted: c.evicted, Fitter: f.o.ID, Start: c.start}
	if !f.o.NoCurve {
		pred.Curve = GrowthCurve(c.times[:n])
	}
	if res.HasFit() {
		v := res.NStar
		pred.NStar = &v
	}
	if res.HasPrediction() {
		v := res.NHat
		pred.NHatHawkes = &v
	}
	row := features.Build(&dc, W, res)
	var model *train.Model
	lm := f.models.get(W)
	if lm != nil {
		model = lm.model
	}
	p := predict.Apply(model, &row, nil)
	pred.NHat, pred.Source = p.NHat, string(p.Source)
	if p.Interval {
		pred.Lo, pred.Hi = &p.Lo, &p.Hi
	}
	if lm != nil && (p.Source == predict.SourceForest || p.Source == predict.SourceLogLinear) {
		pred.ModelVersion = lm.version
	}
	return &outcome{res: res, pred: pred}, nil
}

// liveModel is a forest in use.
type liveModel struct {
	version int
	model   *train.Model
}

// modelStore holds the newest forest per window.
type modelStore struct {
	mu sync.RWMutex
	m  map[float64]*liveModel
}

func (s *modelStore) get(w float64) *liveModel {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.m[w]
}

// version returns the version held for window w, 0 when none.
func (s *modelStore) version(w float64) int {
	if lm := s.get(w); lm != nil {
		return lm.version
	}
	return 0
}

// put keeps lm for window w if it is newer than the one held, and returns
// the version held before (0 when none).
func (s *modelStore) put(w float64, lm *liveModel) (held int, kept bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[float64]*liveModel{}
	}
	if old := s.m[w]; old != nil {
		held = old.version
	}
	if held >= lm.version {
		return held, false
	}
	s.m[w] = lm
	return held, true
}

// errModel wraps the reasons a model message is refused.
var errModel = fmt.Errorf("%w: model", ErrInvalid)

// decodeLiveModel decodes and checks a models message and its forest.
func decodeLiveModel(msg *sarama.ConsumerMessage) (float64, *liveModel, error) {
	mm, err := decodeMessage(msg, MaxModelMessageBytes, DecodeModel)
	if err != nil {
		return 0, nil, err
	}
	lm, err := newLiveModel(&mm)
	return mm.Window, lm, err
}

// MaxModelVersionStep bounds how far beyond the newest version a role
// holds of a window (0 when it holds none) the version of a models message
// may be: a trainer that grows a forest every 100 samples takes 100
// million samples of one window to go that far. A version further ahead,
// which no trainer made, is refused (checkModelVersion): taken up, it would
// pin the fitters to it and make them ignore every later model.
const MaxModelVersionStep = 1_000_000

// checkModelVersion refuses version v of a window of which held is the
// newest version held, when v is more than MaxModelVersionStep beyond.
func checkModelVersion(held, v int) error {
	if v-held > MaxModelVersionStep {
		return fmt.Errorf("%w: version %d is more than %d beyond version %d held", errModel, v, MaxModelVersionStep, held)
	}
	return nil
}

// newLiveModel decodes and checks the forest of mm.
func newLiveModel(mm *ModelMessage) (*liveModel, error) {
	var m train.Model
	if err := m.UnmarshalBinary(mm.Model); err != nil {
		return nil, fmt.Errorf("%w: window %v version %d: %v", errModel, mm.Window, mm.Version, err)
	}
	if err := predict.Check(&m, mm.Window); err != nil {
		return nil, fmt.Errorf("%w: window %v version %d: %v", errModel, mm.Window, mm.Version, err)
	}
	return &liveModel{version: mm.Version, model: &m}, nil
}

// watchModels keeps store up to date with the models topic (one
// partition, read from its oldest message by every fitter) until ctx is
// done. It closes ready once it has read every message that the topic held
// when it started.
func watchModels(ctx context.Context, cl sarama.Client, topic string, store *modelStore, ready chan<- struct{}, out *output, log *slog.Logger, met *Metrics) error {
	newest, err := getOffset(ctx, cl, topic, 0, sarama.OffsetNewest)
	if err != nil {
		return fmt.Errorf("offsets of %s: %w", topic, err)
	}
	oldest, err := getOffset(ctx, cl, topic, 0, sarama.OffsetOldest)
	if err != nil {
		return fmt.Errorf("offsets of %s: %w", topic, err)
	}
	caughtUp := func() {
		if ready != nil {
			close(ready)
			ready = nil
		}
	}
	if oldest >= newest {
		caughtUp()
	}
	c, err := sarama.NewConsumerFromClient(cl)
	if err != nil {
		return fmt.Errorf("models consumer: %w", err)
	}
	defer c.Close()
	pc, err := c.ConsumePartition(topic, 0, sarama.OffsetOldest)
	if err != nil {
		return fmt.Errorf("consume %s: %w", topic, err)
	}
	defer pc.AsyncClose()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-pc.Errors():
			if ok {
				log.Warn("models consumer", "err", e)
			}
		case m, ok := <-pc.Messages():
			if !ok {
				return nil
			}
			mm, err := decodeMessage(m, MaxModelMessageBytes, DecodeModel)
			if err == nil {
				err = checkModelVersion(store.version(mm.Window), mm.Version)
			}
			var lm *liveModel
			if err == nil {
				lm, err = newLiveModel(&mm)
			}
			if err != nil {
				if out.deadLetter(ctx, m, err) != nil {
					return nil // ctx is done
				}
			} else if held, kept := store.put(mm.Window, lm); kept {
				met.ModelVersion.WithLabelValues(WindowKey(mm.Window)).Set(float64(lm.version))
				log.Info("model in use", "window", mm.Window, "version", lm.version, "trained_on", lm.model.TrainedOn, "offset", m.Offset)
			} else {
				log.Debug("model ignored", "window", mm.Window, "version", lm.version, "offset", m.Offset,
					"why", fmt.Sprintf("version %d in use is as new or newer", held))
			}
			if m.Offset+1 >= newest {
				caughtUp()
			}
		}
	}
}

// defaultFitterID names a fitter by host and process.
func defaultFitterID() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}
