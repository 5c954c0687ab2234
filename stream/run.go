package stream

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/IBM/sarama"

	"github.com/hawkes-toolkit/hawkes/data"
)

// DefaultFitters is the number of fitters Run starts.
const DefaultFitters = 1

// Options configures a run of the whole pipeline in one process. Run sets
// the fields left at zero, and those of every role's options, to their
// defaults; Validate (options.go) holds the rules.
type Options struct {
	// Client reaches the brokers; with no Brokers an embedded broker is
	// started with Broker.
	Client Client
	Broker BrokerOptions
	Topics Topics
	Reader ReaderOptions
	Fitter FitterOptions
	// Fitters is the number of fitters started, each its own member of
	// the fitters' consumer group (default DefaultFitters).
	Fitters int
	Trainer TrainerOptions
	Alerts  AlertsOptions
	// Watch, when set, is handed what a Watcher (of the default group)
	// reads, as hawkes stream --http does for its dashboard; the drain
	// then also waits for the watcher to have read every output.
	Watch Sink
	// Progress, when set, is called about once a second while the run
	// drains, with the summary so far.
	Progress func(Summary)
	Log      *slog.Logger
	// Metrics, when set, are shared by every role of the run.
	Metrics *Metrics
}

// Run replays cascades through every role, drains (every cascade finished
// and predicted on every window, every sample trained on) and returns the
// summary. It stops early, with ctx's error, when ctx is done. With
// o.Reader.Resume and a broker that kept the state of a stopped run
// (BrokerOptions.StateDir, or a real cluster), it continues that run: the
// summary then covers both.
func Run(ctx context.Context, cascades []data.Cascade, o Options) (Summary, error) {
	o = o.WithDefaults()
	if err := o.Validate(); err != nil {
		return Summary{}, err
	}
	log := orDiscard(o.Log)
	if len(o.Client.Brokers) == 0 {
		b, err := StartBroker(o.Broker)
		if err != nil {
			return Summary{}, err
		}
		defer b.Close()
		o.Client.Brokers = b.Addrs()
		log.Info("embedded broker started", "addrs", b.Addrs(), "state_dir", o.Broker.StateDir)
	}
	if err := EnsureTopics(ctx, o.Client, o.Topics, log); err != nil {
		return Summary{}, err
	}
	if o.Metrics != nil {
		o.Fitter.Metrics, o.Trainer.Metrics, o.Alerts.Metrics, o.Reader.Metrics = o.Metrics, o.Metrics, o.Metrics, o.Metrics
	}
	o.Fitter.Log, o.Trainer.Log, o.Alerts.Log, o.Reader.Log = orLog(o.Fitter.Log, log), orLog(o.Trainer.Log, log), orLog(o.Alerts.Log, log), orLog(o.Reader.Log, log)
	fitters := make([]*Fitter, o.Fitters)
	for i := range fitters {
		fo := o.Fitter
		if o.Fitters > 1 {
			fo.ID = fmt.Sprintf("%s-%d", fo.ID, i)
		}
		f, err := NewFitter(o.Client, o.Topics, fo)
		if err != nil {
			return Summary{}, err
		}
		fitters[i] = f
	}
	windows := fitters[0].o.Windows
	trainer, err := NewTrainer(o.Client, o.Topics, o.Trainer)
	if err != nil {
		return Summary{}, err
	}
	// Given models first, so that the fitters start with them.
	if err := trainer.PublishModels(ctx); err != nil {
		return Summary{}, err
	}
	alerter, err := NewAlerter(o.Client, o.Topics, o.Alerts)
	if err != nil {
		return Summary{}, err
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	// A role's error names the role: see roleError.
	start := func(run func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(ctx); err != nil && ctx.Err() == nil {
				cancel(err)
			}
		}()
	}
	for _, f := range fitters {
		start(f.Run)
	}
	start(trainer.Run)
	start(alerter.Run)
	var watcher *Watcher
	if o.Watch != nil {
		watcher, err = NewWatcher(o.Client, o.Topics, WatchOptions{FitterGroup: fitters[0].o.Group, Log: log, Metrics: o.Metrics}, o.Watch)
		if err != nil {
			cancel(nil)
			wg.Wait()
			return Summary{}, err
		}
		start(watcher.Run)
	}
	col := newCollector()
	cl, err := connect(ctx, o.Client, log)
	if err != nil {
		cancel(nil)
		wg.Wait()
		return Summary{}, fmt.Errorf("stream: %w", err)
	}
	defer cl.Close()
	admin, err := sarama.NewClusterAdminFromClient(cl)
	if err != nil {
		cancel(nil)
		wg.Wait()
		return Summary{}, fmt.Errorf("stream: cluster admin: %w", err)
	}
	start(func(ctx context.Context) error { return roleError("summary", col.run(ctx, cl, o.Topics, log)) })

	stop := func(err error) (Summary, error) {
		cancel(nil)
		wg.Wait()
		return Summary{}, err
	}
	if err := waitAssigned(ctx, cl, o.Topics.Retweets, fitters, log); err != nil {
		return stop(err)
	}
	st, err := Replay(ctx, o.Client, o.Topics, cascades, o.Reader)
	if err != nil {
		if cause := failure(ctx); cause != nil {
			err = cause // a role failed, which stopped the replay
		}
		return stop(err)
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	lastProgress := time.Now()
	for {
		select {
		case <-ctx.Done():
			err := failure(ctx)
			if err == nil {
				err = ctx.Err()
			}
			return stop(err)
		case <-col.changed:
		case <-tick.C:
		}
		if o.Progress != nil && time.Since(lastProgress) >= time.Second {
			s := col.summary(windows)
			s.Events, s.Cascades = st.Events, st.Cascades
			o.Progress(s)
			lastProgress = time.Now()
		}
		if !col.statsComplete(st.Cascades, windows) {
			continue
		}
		done, err := drained(cl, admin, col, o.Topics, fitters[0].o.Group, trainer.o.Group, alerter.o.Group)
		if err != nil {
			log.Warn("checking the drain", "err", err)
		}
		if done && watcher != nil {
			done, err = watcher.caughtUp(cl)
			if err != nil {
				log.Warn("checking the drain", "err", err)
			}
		}
		if !done {
			continue
		}
		if watcher != nil {
			// The last status, drained: the watcher stops with the run.
			if st, err := watcher.status(cl, admin); err == nil {
				o.Watch.Status(st)
			}
		}
		cancel(nil)
		wg.Wait()
		s := col.summary(windows)
		s.Events, s.Cascades = st.Events, st.Cascades
		return s, nil
	}
}

// drained reports whether the fitters have committed the whole retweets
// topic (its end markers included: they commit past the last event once
// every cascade is finished), the trainer and the alerts role have handled
// every sample and prediction on the topics, and the collector has read
// every alert and model: the run is over once every stats record is in.
// It looks at the topics and committed offsets, not at this process's
// roles, so that it also holds after a restart (see Options.Reader.Resume).
func drained(cl sarama.Client, admin sarama.ClusterAdmin, col *collector, t Topics, fitterGroup, trainerGroup, alertsGroup string) (bool, error) {
	for _, g := range []struct{ group, topic string }{{fitterGroup, t.Retweets}, {trainerGroup, t.Samples}, {alertsGroup, t.Predictions}} {
		if ok, err := groupDone(cl, admin, g.group, g.topic); !ok || err != nil {
			return false, err
		}
	}
	for _, topic := range []string{t.Alerts, t.Models} {
		if ok, err := col.caughtUp(cl, topic); !ok || err != nil {
			return false, err
		}
	}
	return true, nil
}

func orLog(l, def *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return def
}

// assignTimeout bounds how long Run waits for the fitters to share the
// partitions before it starts the replay anyway.
const assignTimeout = 30 * time.Second

// waitAssigned waits until every fitter holds partitions and together they
// hold all of topic's, so that the replay does not start in the middle of
// the group's first rebalances (which would only cost replayed work).
func waitAssigned(ctx context.Context, cl sarama.Client, topic string, fitters []*Fitter, log *slog.Logger) error {
	parts, err := cl.Partitions(topic)
	if err != nil {
		return fmt.Errorf("stream: partitions of %s: %w", topic, err)
	}
	deadline := time.Now().Add(assignTimeout)
	for {
		total, all := int64(0), true
		for _, f := range fitters {
			n := f.parts.Load()
			total += n
			all = all && n > 0
		}
		if (all || len(fitters) > len(parts)) && total == int64(len(parts)) {
			return nil
		}
		if time.Now().After(deadline) {
			log.Warn("fitters not all assigned; replaying anyway", "partitions", len(parts), "assigned", total)
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
