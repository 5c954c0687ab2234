package stream

import (
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
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
	// events already on the retweets topic, counted per partition, are not
	// sent again (a partition holds a prefix of its events in replay
	// order, since production is ordered and idempotent), and a replay that
	// already ended sends nothing.
	Resume  bool
	Log     *slog.Logger
	Metrics *Metrics // nil keeps unexported ones
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

// publishReplay is Replay once its arguments are checked.
func publishReplay(ctx context.Context, c Client, topics Topics, cascades []data.Cascade, o ReaderOptions) (ReplayStats, error) {
	log := orDiscard(o.Log)
	o.Metrics = orMetrics(o.Metrics)
	// One producer: its produce requests are ordered and idempotent. (Four
	// producers on their own connections, each holding a share of the
	// partitions, replayed seismic_subset slower, not faster, on 2 cores.)
	cl, err := connect(ctx, c, log, func(cfg *sarama.Config) {
		cfg.Producer.Flush.Frequency = 20 * time.Millisecond
		cfg.Producer.Flush.Bytes = 1 << 20
	})
	if err != nil {
		return ReplayStats{}, err
	}
	defer cl.Close()
	parts, err := cl.Partitions(topics.Retweets)
	if err != nil {
		return ReplayStats{}, fmt.Errorf("partitions of %s: %w", topics.Retweets, err)
	}
	np := int32(len(parts))
	p, err := sarama.NewAsyncProducerFromClient(cl)
	if err != nil {
		return ReplayStats{}, fmt.Errorf("producer: %w", err)
	}
	var skip []int
	if o.Resume {
		var end *Retweet
		skip, end, err = onTopic(ctx, cl, topics.Retweets, np)
		if err != nil {
			p.Close()
			return ReplayStats{}, err
		}
		if end != nil {
			p.Close()
			log.Info("replay already complete", "events", end.Events, "cascades", end.Cascades)
			return ReplayStats{Events: end.Events, Cascades: end.Cascades}, nil
		}
		n := 0
		for _, k := range skip {
			n += k
		}
		log.Info("resuming replay", "events_on_topic", n)
	}
	pub, ctx := newPublisher(ctx, p)
	st, err := replay(ctx, pub, topics.Retweets, np, cascades, o, skip)
	if err := pub.close(ctx, err); err != nil {
		return st, err
	}
	log.Info("replay done", "events", st.Events, "cascades", st.Cascades, "elapsed", st.Elapsed.Round(time.Millisecond))
	return st, nil
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

// replay merges and sends; it is Replay without the connection. skip, when
// not nil, is the number of events of each partition already on the topic,
// which are counted but not sent.
func replay(ctx context.Context, pub *publisher, topic string, np int32, cascades []data.Cascade, o ReaderOptions, skip []int) (ReplayStats, error) {
	if skip == nil {
		skip = make([]int, np)
	}
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
		if skip[q] > 0 {
			skip[q]--
			st.Events++
			lastSent[q] = now
			if cur.i++; cur.i == c.Len() {
				heap.Pop(&h)
			} else {
				heap.Fix(&h, 0)
			}
			continue
		}
		if !paced {
			paced, first, began = true, now, time.Now()
		}
		if o.Speed > 0 {
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
				if lastSent[q] <= lastSweep && skip[q] == 0 {
					m := &sarama.ProducerMessage{Topic: topic, Partition: int32(q), Metadata: manualPartition{},
						Value: sarama.ByteEncoder(AppendWatermark(make([]byte, 0, 48), at))}
					if err := send(m); err != nil {
						return st, err
					}
					lastSent[q] = at
				}
			}
			lastSweep = at
		}
		m := &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(c.ID), Partition: q, Metadata: manualPartition{},
			Value: sarama.ByteEncoder(AppendEvent(make([]byte, 0, 96), c.ID, cur.i, cur.start, c.Times[cur.i], c.Mags[cur.i]))}
		if err := send(m); err != nil {
			return st, err
		}
		lastSent[q] = now
		st.Events++
		o.Metrics.ReplayedEvents.Inc()
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
	end := Retweet{V: SchemaVersion, Kind: KindEnd, Time: now + 1, Events: st.Events, Cascades: st.Cascades}
	for q := range np {
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

// onTopic reads the retweets topic and returns the events each partition
// holds, and the end marker when every partition has one.
func onTopic(ctx context.Context, cl sarama.Client, topic string, np int32) ([]int, *Retweet, error) {
	cons, err := sarama.NewConsumerFromClient(cl)
	if err != nil {
		return nil, nil, fmt.Errorf("resume: %w", err)
	}
	defer cons.Close()
	counts := make([]int, np)
	var end *Retweet
	ended := 0
	for q := range np {
		hi, err := getOffset(ctx, cl, topic, q, sarama.OffsetNewest)
		if err != nil {
			return nil, nil, fmt.Errorf("resume: offsets of %s/%d: %w", topic, q, err)
		}
		lo, err := getOffset(ctx, cl, topic, q, sarama.OffsetOldest)
		if err != nil {
			return nil, nil, fmt.Errorf("resume: offsets of %s/%d: %w", topic, q, err)
		}
		if lo > 0 {
			return nil, nil, fmt.Errorf("resume: %s/%d no longer holds its first messages (retention): cannot resume", topic, q)
		}
		if hi == 0 {
			continue
		}
		pc, err := cons.ConsumePartition(topic, q, sarama.OffsetOldest)
		if err != nil {
			return nil, nil, fmt.Errorf("resume: %w", err)
		}
		seen := false
		for done := false; !done; {
			select {
			case <-ctx.Done():
				pc.Close()
				return nil, nil, ctx.Err()
			case m := <-pc.Messages():
				if r, err := decodeMessage(m, MaxMessageBytes, DecodeRetweet); err == nil {
					switch r.Kind {
					case KindEvent:
						counts[q]++
					case KindEnd:
						seen, end = true, &r
					}
				}
				done = m.Offset+1 >= hi
			}
		}
		pc.Close()
		if seen {
			ended++
		}
	}
	if ended < int(np) {
		end = nil
	}
	return counts, end, nil
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
