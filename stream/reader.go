package stream

import (
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/IBM/sarama"

	"github.com/hawkes-toolkit/hawkes/data"
)

// Reader defaults.
const (
	// DefaultSpacing is the time between the starts of consecutive
	// cascades of a data set whose index gives no start time.
	DefaultSpacing = 60.0
	// DefaultWatermarkEvery is the event time after which a partition
	// that received nothing gets a watermark. It is also how late, in event
	// time, a prediction on a quiet partition may be published (its content
	// does not depend on it). Every 30 s, seismic_subset's replay sent more
	// watermarks than events (its cascades' tails leave most of the 100
	// partitions quiet for days).
	DefaultWatermarkEvery = 300.0
	// MaxWatermarkEvery bounds ReaderOptions.WatermarkEvery, and is the
	// longest step of event time the reader's watermarks take across a
	// gap in the data: two messages of a partition are never more than
	// 2·MaxWatermarkEvery + 1 s apart in event time, so that fitters can
	// refuse messages further ahead (FitterOptions.MaxSkew).
	MaxWatermarkEvery = 43200.0
	// DefaultOutageTimeout is ReaderOptions.OutageTimeout's default: a
	// 3-broker Apache Kafka cluster stopped and started again on its data
	// answered again within about a minute on a loaded 2-core machine.
	DefaultOutageTimeout = 5 * time.Minute
)

// ErrNoData is returned by Replay for a data set without a cascade.
var ErrNoData = errors.New("stream: no cascade to replay")

// ReaderOptions configures a replay. Replay sets the fields left at zero to
// their defaults; Validate (options.go) holds the rules.
type ReaderOptions struct {
	// Speed is the pace: X times real time; 0 replays as fast as possible.
	Speed float64
	// Spacing is the arrival process of cascades whose index has no start
	// time (data.Cascade.HasStart false): cascade i (0-based, index order)
	// starts at i·Spacing seconds. Default DefaultSpacing.
	Spacing float64
	// WatermarkEvery: a partition that received no message for this many
	// seconds of event time gets a watermark (default
	// DefaultWatermarkEvery, at most MaxWatermarkEvery), so that fitters
	// see time pass on quiet partitions. Across a longer gap between two
	// events, the watermarks step MaxWatermarkEvery at a time.
	WatermarkEvery float64
	// Progress, when set, is called about once a second with the events
	// sent so far.
	Progress func(sent, total int)
	// Resume continues a replay of the same data set that was stopped: the
	// messages already on the retweets topic are not sent again (events
	// known by cascade and seq, watermarks by partition and time, end
	// markers by partition), and a replay that already ended sends
	// nothing. See resumeState for what a partition left with a gap gets.
	Resume bool
	// OutageTimeout is how long a replay rides out brokers that fail it
	// (a cluster stopped and started again, leaders moving), default
	// DefaultOutageTimeout. Its producer waits that long for the
	// partitions' leaders (patientClient), which keeps each partition's
	// messages in order. If the producer fails all the same, a replay that
	// has had a message acknowledged stops sending, waits for every
	// message it sent to be answered, and tries again with backoff (1 s
	// doubling to 5 s, each try reconnecting for up to
	// Client.ConnectTimeout), resuming as Resume does, until the brokers
	// have failed it for this long. A replay whose first try never had a
	// message acknowledged (brokers unreachable, refused credentials or
	// protocol) fails at once.
	OutageTimeout time.Duration
	Log           *slog.Logger
	Metrics       *Metrics // nil keeps unexported ones
}

// ReplayStats is what a replay sent.
type ReplayStats struct {
	Events   int
	Cascades int
	Elapsed  time.Duration
}

// Replay publishes the events of cascades on the retweets topic as one live
// stream, merged in global time order (start + t), keyed by cascade id, with
// watermarks on quiet partitions, then an end marker on every partition. It
// returns when every message is on the brokers.
func Replay(ctx context.Context, c Client, topics Topics, cascades []data.Cascade, o ReaderOptions) (ReplayStats, error) {
	if len(cascades) == 0 {
		return ReplayStats{}, ErrNoData
	}
	o = o.WithDefaults()
	if err := validate(c, topics, o); err != nil {
		return ReplayStats{}, err
	}
	// Fitters dead-letter an event whose id is not valid on the stream:
	// such a data set is refused before anything is sent.
	for i := range cascades {
		if why := badID(cascades[i].ID); why != "" {
			return ReplayStats{}, roleError("reader", fmt.Errorf("cascade %d: %s", i+1, why))
		}
	}
	st, err := publishReplay(ctx, c, topics, cascades, o)
	return st, roleError("reader", err)
}

// publishReplay is Replay once its arguments are checked: tries of
// replayOnce, the later ones resuming, while the brokers fail a replay that
// was running for less than o.OutageTimeout.
func publishReplay(ctx context.Context, c Client, topics Topics, cascades []data.Cascade, o ReaderOptions) (ReplayStats, error) {
	log := orDiscard(o.Log)
	o.Metrics = orMetrics(o.Metrics)
	var (
		outage  time.Time // when the brokers began failing the replay
		backoff = time.Second
		ran     bool // a try had a message acknowledged
	)
	for {
		st, acked, err := replayOnce(ctx, c, topics, cascades, o)
		if err == nil || ctx.Err() != nil {
			return st, err
		}
		ran = ran || acked
		if !ran || fatal(err) {
			return st, err
		}
		if acked || outage.IsZero() {
			outage, backoff = time.Now(), time.Second
		}
		if time.Since(outage) >= o.OutageTimeout {
			return st, fmt.Errorf("the brokers failed the replay for %v (outage timeout): %w", o.OutageTimeout.Round(time.Second), err)
		}
		log.Warn("replay interrupted, resuming once the brokers answer", "in", backoff, "err", err)
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
		o.Resume = true
	}
}

// fatal tells the errors a replay does not ride out: options, refused
// credentials, permissions or protocol, a message too large, a topic that
// lost the beginning of the replay.
func fatal(err error) bool {
	var oe *OptionError
	return errors.As(err, &oe) || errors.Is(err, errRetention) ||
		errors.Is(err, sarama.ErrSASLAuthenticationFailed) || errors.Is(err, sarama.ErrTopicAuthorizationFailed) ||
		errors.Is(err, sarama.ErrClusterAuthorizationFailed) || errors.Is(err, sarama.ErrUnsupportedVersion) ||
		errors.Is(err, sarama.ErrMessageSizeTooLarge) || errors.Is(err, sarama.ErrInvalidMessage)
}

// replayOnce connects, reads what the topic holds when o.Resume, and
// replays; acked says whether a message was acknowledged.
func replayOnce(ctx context.Context, c Client, topics Topics, cascades []data.Cascade, o ReaderOptions) (st ReplayStats, acked bool, err error) {
	log := orDiscard(o.Log)
	// One producer: its produce requests are ordered and idempotent. (Four
	// producers on their own connections, each holding a share of the
	// partitions, replayed seismic_subset slower, not faster, on 2 cores.)
	cl, err := connect(ctx, c, log, func(cfg *sarama.Config) {
		cfg.Producer.Flush.Frequency = 20 * time.Millisecond
		cfg.Producer.Flush.Bytes = 1 << 20
	})
	if err != nil {
		return ReplayStats{}, false, err
	}
	defer cl.Close()
	parts, err := cl.Partitions(topics.Retweets)
	if err != nil {
		return ReplayStats{}, false, fmt.Errorf("partitions of %s: %w", topics.Retweets, err)
	}
	np := int32(len(parts))
	var on *resumeState
	if o.Resume {
		if on, err = onTopic(ctx, cl, topics.Retweets, np); err != nil {
			return ReplayStats{}, false, err
		}
		if on.final != nil {
			log.Info("replay already complete", "events", on.final.Events, "cascades", on.final.Cascades)
			return ReplayStats{Events: on.final.Events, Cascades: on.final.Cascades}, false, nil
		}
		log.Info("resuming replay", "events_on_topic", on.events)
	}
	// The producer waits for leaders through an outage (patientClient);
	// at its first error all the same, the client is closed (newPublisher).
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	p, err := sarama.NewAsyncProducerFromClient(patientClient{Client: cl, ctx: pctx, timeout: o.OutageTimeout})
	if err != nil {
		return ReplayStats{}, false, fmt.Errorf("producer: %w", err)
	}
	pub, ctx := newPublisher(ctx, p, func() { cl.Close() })
	st, err = replay(ctx, pub, topics.Retweets, np, cascades, o, on)
	err = pub.close(ctx, err)
	if err != nil {
		return st, pub.acked.Load() > 0, err
	}
	log.Info("replay done", "events", st.Events, "cascades", st.Cascades, "elapsed", st.Elapsed.Round(time.Millisecond))
	return st, true, nil
}

// cursor is the next event of one cascade in the merge.
type cursor struct {
	c     *data.Cascade
	start float64
	i     int
}

type cursors []*cursor

func (h cursors) Len() int { return len(h) }
func (h cursors) Less(i, j int) bool {
	a, b := h[i], h[j]
	ta, tb := a.start+a.c.Times[a.i], b.start+b.c.Times[b.i]
	if ta != tb {
		return ta < tb
	}
	return a.c.ID < b.c.ID
}
func (h cursors) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *cursors) Push(x any)   { *h = append(*h, x.(*cursor)) }
func (h *cursors) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// replay merges and sends; it is Replay without the connection. on, when
// not nil, is what the topic holds already: the replay then makes the same
// messages in the same order, and sends only those on does not hold.
func replay(ctx context.Context, pub *publisher, topic string, np int32, cascades []data.Cascade, o ReaderOptions, on *resumeState) (ReplayStats, error) {
	h := make(cursors, 0, len(cascades))
	total := 0
	for i := range cascades {
		c := &cascades[i]
		if c.Len() == 0 {
			continue
		}
		start := float64(i) * o.Spacing
		if c.HasStart {
			start = c.Start
		}
		h = append(h, &cursor{c: c, start: start})
		total += c.Len()
	}
	heap.Init(&h)
	st := ReplayStats{Cascades: len(h)}
	began := time.Now()
	lastSent := make([]float64, np) // event time of the last message per partition
	partition := make(map[*data.Cascade]int32, len(h))
	var first, now, lastSweep float64
	paced := false // pacing starts at the first event sent
	behind := 0    // events sent again behind later ones of their partition
	if len(h) > 0 {
		first = h[0].start + h[0].c.Times[h[0].i]
		lastSweep = first
		for i := range lastSent {
			lastSent[i] = first
		}
	}
	nextProgress := began.Add(time.Second)
	send := func(m *sarama.ProducerMessage) error { return pub.send(ctx, m) }
	for h.Len() > 0 {
		cur := h[0]
		c := cur.c
		now = cur.start + c.Times[cur.i]
		q, ok := partition[c]
		if !ok {
			q = partitionOf(c.ID, np)
			partition[c] = q
		}
		held := on.holds(c.ID, cur.i)
		if !held && !paced {
			paced, first, began = true, now, time.Now()
		}
		if !held && o.Speed > 0 {
			due := began.Add(time.Duration((now - first) / o.Speed * float64(time.Second)))
			if d := time.Until(due); d > time.Millisecond {
				t := time.NewTimer(d)
				select {
				case <-ctx.Done():
					t.Stop()
					return st, ctx.Err()
				case <-t.C:
				}
			}
		}
		for now-lastSweep >= o.WatermarkEvery {
			// Partitions quiet since the last sweep learn that time passed,
			// by steps of MaxWatermarkEvery at most, which the fitters'
			// MaxSkew allows.
			at := min(now, lastSweep+MaxWatermarkEvery)
			for q := range lastSent {
				if lastSent[q] <= lastSweep {
					if !on.passed(int32(q), at) {
						m := &sarama.ProducerMessage{Topic: topic, Partition: int32(q), Metadata: manualPartition{},
							Value: sarama.ByteEncoder(AppendWatermark(make([]byte, 0, 48), at))}
						if err := send(m); err != nil {
							return st, err
						}
					}
					lastSent[q] = at
				}
			}
			lastSweep = at
		}
		if !held {
			if on != nil && now < on.latest[q] {
				behind++
			}
			m := &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(c.ID), Partition: q, Metadata: manualPartition{},
				Value: sarama.ByteEncoder(AppendEvent(make([]byte, 0, 96), c.ID, cur.i, cur.start, c.Times[cur.i], c.Mags[cur.i]))}
			if err := send(m); err != nil {
				return st, err
			}
			o.Metrics.ReplayedEvents.Inc()
		}
		lastSent[q] = now
		st.Events++
		cur.i++
		if cur.i == c.Len() {
			heap.Pop(&h)
		} else {
			heap.Fix(&h, 0)
		}
		if o.Progress != nil && st.Events&1023 == 0 && time.Now().After(nextProgress) {
			o.Progress(st.Events, total)
			nextProgress = time.Now().Add(time.Second)
		}
	}
	if behind > 0 {
		orDiscard(o.Log).Warn("events sent again behind later messages of their partition, which an outage left with a gap: fitters that read the later ones dead-letter them (out of order)", "events", behind)
	}
	end := Retweet{V: SchemaVersion, Kind: KindEnd, Time: now + 1, Events: st.Events, Cascades: st.Cascades}
	for q := range np {
		if on.ended(q) {
			continue
		}
		if err := send(control(topic, q, end)); err != nil {
			return st, err
		}
	}
	if o.Progress != nil {
		o.Progress(st.Events, total)
	}
	st.Elapsed = time.Since(began)
	return st, nil
}

// resumeState is what the retweets topic holds of a replay that was
// stopped or interrupted. A replay makes the same messages in the same
// order each time: resuming sends those the topic does not hold.
//
// A partition normally holds a prefix of its messages (production is
// ordered and idempotent). A whole-cluster outage can leave a gap: the
// producer fails the batches it cannot find a leader for at once, and a
// later batch of the same partition lands when the leader is back. The
// events of the gap are then sent after the later ones: a fitter that
// read those dead-letters them (out of order), and the reader logs how
// many it sent so. The watermarks of the gap are not sent again (the
// partition's clock has passed them).
type resumeState struct {
	cascades map[string]*seqs
	latest   []float64 // per partition, the latest event time of its messages (-Inf: none)
	end      []bool    // per partition, whether it holds an end marker
	events   int
	// final is the end marker when every partition holds one.
	final *Retweet
}

// seqs is the set of the events of a cascade on the topic: 0..prefix-1,
// and those in more.
type seqs struct {
	prefix int
	more   map[int]bool
}

func (s *seqs) add(i int) bool {
	switch {
	case i < s.prefix || s.more[i]:
		return false
	case i > s.prefix:
		if s.more == nil {
			s.more = map[int]bool{}
		}
		s.more[i] = true
		return true
	}
	s.prefix++
	for s.more[s.prefix] {
		delete(s.more, s.prefix)
		s.prefix++
	}
	return true
}

// holds says whether event seq of cascade id is on the topic (false on a
// nil state: a fresh replay).
func (r *resumeState) holds(id string, seq int) bool {
	if r == nil {
		return false
	}
	s := r.cascades[id]
	return s != nil && (seq < s.prefix || s.more[seq])
}

// passed says whether partition q holds a message at time at or later.
func (r *resumeState) passed(q int32, at float64) bool { return r != nil && at <= r.latest[q] }

// ended says whether partition q holds an end marker.
func (r *resumeState) ended(q int32) bool { return r != nil && r.end[q] }

// errRetention: the topic lost the beginning of the replay.
var errRetention = errors.New("no longer holds its first messages (retention): cannot resume")

// onTopic reads the retweets topic: the events it holds, the latest time
// and end marker of each partition.
func onTopic(ctx context.Context, cl sarama.Client, topic string, np int32) (*resumeState, error) {
	r := &resumeState{cascades: map[string]*seqs{}, latest: make([]float64, np), end: make([]bool, np)}
	ended := 0
	for q := range np {
		r.latest[q] = math.Inf(-1)
		lo, err := getOffset(ctx, cl, topic, q, sarama.OffsetOldest)
		if err != nil {
			return nil, fmt.Errorf("resume: offsets of %s/%d: %w", topic, q, err)
		}
		if lo > 0 {
			return nil, fmt.Errorf("resume: %s/%d %w", topic, q, errRetention)
		}
		err = readPartition(ctx, cl, topic, q, func(m *sarama.ConsumerMessage) bool {
			e, err := decodeMessage(m, MaxMessageBytes, DecodeRetweet)
			if err != nil {
				return true
			}
			switch e.Kind {
			case KindEvent:
				s := r.cascades[e.ID]
				if s == nil {
					s = &seqs{}
					r.cascades[e.ID] = s
				}
				if s.add(e.Seq) {
					r.events++
				}
				r.latest[q] = max(r.latest[q], e.At())
			case KindWatermark:
				r.latest[q] = max(r.latest[q], e.Time)
			case KindEnd:
				r.end[q], r.final = true, &e
			}
			return true
		})
		if err != nil {
			return nil, fmt.Errorf("resume: %w", err)
		}
		if r.end[q] {
			ended++
		}
	}
	if ended < int(np) {
		r.final = nil
	}
	return r, nil
}

// control is a watermark or end marker for partition q.
func control(topic string, q int32, r Retweet) *sarama.ProducerMessage {
	b, _ := json.Marshal(r) // a Retweet always marshals
	return &sarama.ProducerMessage{Topic: topic, Partition: q, Metadata: manualPartition{}, Value: sarama.ByteEncoder(b)}
}

// jsonMessage is a message with value v as JSON, keyed by key.
func jsonMessage(topic, key string, v any) *sarama.ProducerMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("stream: marshal %T: %v", v, err)) // only this package's own types
	}
	return &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(key), Value: sarama.ByteEncoder(b)}
}
