package stream

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/IBM/sarama"

	"github.com/hawkes-toolkit/hawkes/convert"
)

// DefaultLateness is how long, in event time, the live reader holds
// events to put them back in order (LiveOptions.Lateness, hawkes stream
// reader --lateness): 30 s. The platforms' streams deliver posts within
// seconds of their time, a little out of order; the whole-second times
// of Twitter's v1.1 statuses arrive up to a second apart from their
// timestamp_ms order. An event later than this is dead-lettered.
const DefaultLateness = 30.0

// LiveOptions configures a live reader (Live).
type LiveOptions struct {
	// Lateness: events are held until the newest time seen is Lateness
	// seconds past theirs, and sent in time order; the watermarks are the
	// newest time seen minus Lateness, and a repost older than the
	// watermark when it arrives is dead-lettered (default
	// DefaultLateness; 0 holds nothing back).
	Lateness float64
	// NoLateness makes a zero Lateness a value rather than the default.
	NoLateness bool
	// WatermarkEvery: a partition that received no message for this many
	// seconds of event time gets a watermark (default
	// DefaultWatermarkEvery, at most MaxWatermarkEvery), as in a replay.
	WatermarkEvery float64
	Log            *slog.Logger
	Metrics        *Metrics // nil keeps unexported ones
}

// WithDefaults returns o with its zero fields set to their defaults.
func (o LiveOptions) WithDefaults() LiveOptions {
	if o.Lateness == 0 && !o.NoLateness {
		o.Lateness = DefaultLateness
	}
	if o.WatermarkEvery == 0 {
		o.WatermarkEvery = DefaultWatermarkEvery
	}
	return o
}

// Validate checks o: Lateness finite and not negative, WatermarkEvery
// positive and at most MaxWatermarkEvery.
func (o LiveOptions) Validate() error {
	switch {
	case !(o.Lateness >= 0) || math.IsInf(o.Lateness, 1):
		return optionErrorf("reader", "%s must be a number of seconds >= 0, got %v", optionName("lateness"), o.Lateness)
	case !finitePositive(o.WatermarkEvery) || o.WatermarkEvery > MaxWatermarkEvery:
		return optionErrorf("reader", "%s must be a positive number of seconds, at most %v, got %v",
			optionName("watermark-every"), MaxWatermarkEvery, o.WatermarkEvery)
	}
	return nil
}

// LiveSource is a live feed: it calls emit with each event in the order
// it arrives (package convert's Reader.Run is one), and returns nil at the
// feed's end, or the error that stopped it. It runs in a goroutine of its
// own.
type LiveSource func(ctx context.Context, emit func(convert.Event) error) error

// LiveStats is what a live reader sent.
type LiveStats struct {
	Events   int // events sent
	Cascades int // cascades begun (original events sent)
	Late     int // reposts dead-lettered as later than the watermark
	Refused  int // events dead-lettered for a date after the wall clock (MaxAhead), theirs or their original's
	Elapsed  time.Duration
}

// Live publishes the events of a live feed on the retweets topic, as
// Replay does a data set: keyed by cascade id, numbered per cascade (seq 0
// the original), with watermarks, and an end marker on every partition
// when the feed ends. Events are put in time order within o.Lateness: an
// event is held until the newest time seen is Lateness past its own, and
// the watermark is the newest time seen minus Lateness. A repost older
// than the watermark when it arrives is dead-lettered (role reader, the
// event as it would have been sent, with seq -1 since it was never
// numbered, and offset -1) with the reason. An
// original is never late: it is sent whatever its time, since nothing
// else can open its cascade; a cascade first seen through a repost has
// an original from long before (its windows that have passed are
// predicted from what was seen). Before the first event, every partition
// gets a watermark, so that no fitter takes an original's old time for
// the stream's clock.
//
// Live returns when the feed ends and every message is on the brokers,
// or when ctx is done (without an end marker: the fitters keep their
// open cascades for a reader started again). A source blocked in a read
// that cannot be interrupted (standard input) is left behind then.
func Live(ctx context.Context, c Client, topics Topics, src LiveSource, o LiveOptions) (LiveStats, error) {
	o = o.WithDefaults()
	if err := validate(c, topics, o); err != nil {
		return LiveStats{}, err
	}
	st, err := publishLive(ctx, c, topics, src, o)
	return st, roleError("reader", err)
}

func publishLive(ctx context.Context, c Client, topics Topics, src LiveSource, o LiveOptions) (LiveStats, error) {
	log := orDiscard(o.Log)
	o.Metrics = orMetrics(o.Metrics)
	cl, err := connect(ctx, c, log, func(cfg *sarama.Config) {
		cfg.Producer.Flush.Frequency = 20 * time.Millisecond
		cfg.Producer.Flush.Bytes = 1 << 20
	})
	if err != nil {
		return LiveStats{}, err
	}
	defer cl.Close()
	parts, err := cl.Partitions(topics.Retweets)
	if err != nil {
		return LiveStats{}, fmt.Errorf("partitions of %s: %w", topics.Retweets, err)
	}
	p, err := sarama.NewAsyncProducerFromClient(cl)
	if err != nil {
		return LiveStats{}, fmt.Errorf("producer: %w", err)
	}
	pub, ctx := newPublisher(ctx, p, nil)
	l := newLiveSender(pub, topics, int32(len(parts)), o, log)
	st, err := l.run(ctx, src)
	if err := pub.close(ctx, err); err != nil {
		return st, err
	}
	log.Info("live feed done", "events", st.Events, "cascades", st.Cascades, "late", st.Late, "elapsed", st.Elapsed.Round(time.Millisecond))
	return st, nil
}

// liveSender turns events into messages: the orderer's output, numbered,
// with watermarks and dead letters.
type liveSender struct {
	pub      *publisher
	topics   Topics
	np       int32
	o        LiveOptions
	log      *slog.Logger
	q        *orderer
	lastSent []float64 // per partition, the event time of its last message
	started  bool
	sweep    float64 // watermark of the last sweep
	st       LiveStats
	ctx      context.Context
}

func newLiveSender(pub *publisher, topics Topics, np int32, o LiveOptions, log *slog.Logger) *liveSender {
	now := func() float64 { return float64(time.Now().UnixNano()) / 1e9 }
	return &liveSender{pub: pub, topics: topics, np: np, o: o, log: log, q: newOrderer(o.Lateness, now), lastSent: make([]float64, np)}
}

func (l *liveSender) run(ctx context.Context, src LiveSource) (LiveStats, error) {
	began := time.Now()
	l.ctx = ctx
	events := make(chan convert.Event, 1024)
	srcErr := make(chan error, 1)
	go func() {
		defer close(events)
		srcErr <- src(ctx, func(e convert.Event) error {
			select {
			case events <- e:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	for {
		select {
		case <-ctx.Done():
			l.st.Elapsed = time.Since(began)
			return l.st, ctx.Err()
		case e, ok := <-events:
			if !ok {
				if err := <-srcErr; err != nil {
					l.st.Elapsed = time.Since(began)
					return l.st, err
				}
				err := l.finish()
				l.st.Elapsed = time.Since(began)
				return l.st, err
			}
			if err := l.add(e); err != nil {
				l.st.Elapsed = time.Since(began)
				return l.st, err
			}
		}
	}
}

func (l *liveSender) send(m *sarama.ProducerMessage) error {
	return l.pub.send(l.ctx, m)
}

// add takes one event of the feed: it is dead-lettered if late, else
// held; then what is ready goes out.
func (l *liveSender) add(e convert.Event) error {
	if e.Forget {
		l.q.forget(e)
		return nil
	}
	if why, late := l.q.push(e); why != "" {
		if late {
			l.st.Late++
		} else {
			l.st.Refused++
		}
		q := partitionOf(e.Cascade, l.np)
		reason := errors.New(why)
		cm := &sarama.ConsumerMessage{Topic: l.topics.Retweets, Partition: q, Offset: -1, Key: []byte(e.Cascade),
			Value: AppendEvent(nil, e.Cascade, -1, e.Start, e.T(), e.M)}
		l.log.Warn("dead letter", "reason", reason)
		l.o.Metrics.DeadLetters.WithLabelValues("reader", l.topics.Retweets).Inc()
		return l.send(jsonMessage(l.topics.DeadLetters, e.Cascade, newDeadLetter("reader", cm, reason)))
	}
	return l.release(false)
}

// release sends the events the orderer holds that are ready (all of them
// with all), and the watermarks due.
func (l *liveSender) release(all bool) error {
	wm := l.q.watermark()
	if all {
		wm = l.q.newest
	}
	for {
		e, seq, ok := l.q.pop(all)
		if !ok {
			break
		}
		if !l.started {
			// Every partition learns the stream's time first.
			l.started, l.sweep = true, wm
			for q := range l.np {
				if err := l.send(l.watermarkMsg(q, wm)); err != nil {
					return err
				}
				l.lastSent[q] = wm
			}
		}
		q := partitionOf(e.Cascade, l.np)
		m := &sarama.ProducerMessage{Topic: l.topics.Retweets, Key: sarama.StringEncoder(e.Cascade), Partition: q, Metadata: manualPartition{},
			Value: sarama.ByteEncoder(AppendEvent(make([]byte, 0, 128), e.Cascade, seq, e.Start, e.T(), e.M))}
		if err := l.send(m); err != nil {
			return err
		}
		l.lastSent[q] = max(l.lastSent[q], e.At)
		l.st.Events++
		if seq == 0 {
			l.st.Cascades++
		}
		l.o.Metrics.ReplayedEvents.Inc()
	}
	if !l.started {
		return nil
	}
	for wm-l.sweep >= l.o.WatermarkEvery {
		at := min(wm, l.sweep+MaxWatermarkEvery)
		for q := range l.np {
			if l.lastSent[q] <= l.sweep {
				if err := l.send(l.watermarkMsg(q, at)); err != nil {
					return err
				}
				l.lastSent[q] = at
			}
		}
		l.sweep = at
	}
	return nil
}

func (l *liveSender) watermarkMsg(q int32, at float64) *sarama.ProducerMessage {
	return &sarama.ProducerMessage{Topic: l.topics.Retweets, Partition: q, Metadata: manualPartition{},
		Value: sarama.ByteEncoder(AppendWatermark(make([]byte, 0, 48), at))}
}

// finish sends what is held and an end marker on every partition.
func (l *liveSender) finish() error {
	if l.q.pending.Len() == 0 && !l.started {
		return nil // nothing was ever sent: no end either
	}
	if err := l.release(true); err != nil {
		return err
	}
	end := Retweet{V: SchemaVersion, Kind: KindEnd, Time: max(l.q.newest, l.sweep) + 1, Events: l.st.Events, Cascades: l.st.Cascades}
	for q := range l.np {
		if err := l.send(control(l.topics.Retweets, q, end)); err != nil {
			return err
		}
	}
	return nil
}

// MaxAhead bounds how far after the wall clock an event of a live feed
// may be dated: the platforms date posts on their servers, so an event
// more than 10 minutes in the future is a bad date (a client-made record
// key, say), which would otherwise move the watermark past every event
// to come and make all of them late. It is dead-lettered, with the rest
// of its cascade when it is an original.
const MaxAhead = 600.0

// orderer holds the events of a live feed until they are ready, and gives
// them out in time order, numbered per cascade. It is the live reader's
// logic without Kafka.
type orderer struct {
	lateness float64
	now      func() float64 // wall clock, Unix seconds
	newest   float64        // newest time of an event delivered by the feed
	pending  pendingHeap
	arrivals int
	open     map[genKey]*genState
}

// genKey names one opening of a cascade by the conversion.
type genKey struct {
	id  string
	gen int
}

type genState struct {
	next      int  // next seq
	pending   int  // events held
	refused   bool // its original was refused: so are its events
	forgotten bool // the conversion forgot it: drop the state once nothing is held
}

func newOrderer(lateness float64, now func() float64) *orderer {
	return &orderer{lateness: lateness, now: now, newest: math.Inf(-1), open: map[genKey]*genState{}}
}

// watermark is the newest time seen minus the lateness.
func (q *orderer) watermark() float64 { return q.newest - q.lateness }

// push holds e, or says why it is refused: a repost older than the
// watermark (late), an event dated more than MaxAhead after the wall
// clock, or an event of a cascade whose original was refused. The times
// of originals built from a repost (Embedded) are not deliveries: they do
// not move the newest time.
func (q *orderer) push(e convert.Event) (reason string, late bool) {
	k := genKey{e.Cascade, e.Gen}
	st := q.open[k]
	if e.Original {
		if st != nil {
			return fmt.Sprintf("cascade %q opened twice (generation %d)", e.Cascade, e.Gen), false
		}
		st = &genState{}
		q.open[k] = st
	} else if st == nil || st.refused {
		return fmt.Sprintf("cascade %q: its original was refused", e.Cascade), false
	}
	if now := q.now(); e.At > now+MaxAhead {
		st.refused = e.Original || st.refused
		return fmt.Sprintf("event of cascade %q at %v is %.6g s after the wall clock %v (at most %v)",
			e.Cascade, e.At, e.At-now, math.Round(now), MaxAhead), false
	}
	if wm := q.watermark(); !e.Original && e.At < wm {
		return fmt.Sprintf("late event: cascade %q repost at %v is %.6g s before the watermark %v (lateness %v s)",
			e.Cascade, e.At, wm-e.At, wm, q.lateness), true
	}
	if !e.Embedded && e.At > q.newest {
		q.newest = e.At
	}
	heap.Push(&q.pending, pending{e: e, n: q.arrivals})
	q.arrivals++
	st.pending++
	return "", false
}

// forget drops the state of a cascade the conversion forgot, once none of
// its events is held.
func (q *orderer) forget(e convert.Event) {
	k := genKey{e.Cascade, e.Gen}
	st := q.open[k]
	switch {
	case st == nil:
	case st.pending == 0:
		delete(q.open, k)
	default:
		st.forgotten = true
	}
}

// pop returns the next event whose time is at or before the watermark
// (any, with all), and its seq.
func (q *orderer) pop(all bool) (convert.Event, int, bool) {
	if q.pending.Len() == 0 || (!all && q.pending[0].e.At > q.watermark()) {
		return convert.Event{}, 0, false
	}
	e := heap.Pop(&q.pending).(pending).e
	k := genKey{e.Cascade, e.Gen}
	st := q.open[k]
	s := st.next
	st.next++
	if st.pending--; st.pending == 0 && st.forgotten {
		delete(q.open, k)
	}
	return e, s, true
}

// pending is a held event; n orders arrivals.
type pending struct {
	e convert.Event
	n int
}

// pendingHeap orders events by time, an original before the reposts of
// its time, then by arrival.
type pendingHeap []pending

func (h pendingHeap) Len() int { return len(h) }
func (h pendingHeap) Less(i, j int) bool {
	a, b := &h[i], &h[j]
	if a.e.At != b.e.At {
		return a.e.At < b.e.At
	}
	if a.e.Original != b.e.Original {
		return a.e.Original
	}
	return a.n < b.n
}
func (h pendingHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *pendingHeap) Push(x any)   { *h = append(*h, x.(pending)) }
func (h *pendingHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
