package stream

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"

	"github.com/IBM/sarama"
	"gonum.org/v1/gonum/stat"

	"github.com/hawkes-toolkit/hawkes/evaluate"
	"github.com/hawkes-toolkit/hawkes/internal/seen"
)

// Summary is what a run of the whole pipeline did; `hawkes stream
// --summary FILE` writes it as one JSON object.
type Summary struct {
	Events      int                `json:"events"`
	Cascades    int                `json:"cascades"`
	Predictions map[string]int     `json:"predictions"` // per window
	Alerts      int                `json:"alerts"`
	Models      int                `json:"models"`
	ARE         map[string]AREStat `json:"are"` // per window, from the stats records
	// Evicted counts the cascades closed early at --max-open (left out of
	// the ARE); DeadLetters the messages set aside.
	Evicted     int `json:"evicted"`
	DeadLetters int `json:"dead_letters"`
}

// AREStat is the mean and median ARE of one window.
type AREStat struct {
	Mean   float64 `json:"mean"`
	Median float64 `json:"median"`
	Count  int     `json:"count"`
}

// collector reads the predictions, stats, alerts, models and dead-letters
// topics from their oldest messages and counts them, once per (cascade,
// window), or (window, version) for models.
type collector struct {
	mu          sync.Mutex
	predictions map[float64]int
	stats       map[float64][]float64 // ARE of each non-evicted cascade
	statCount   map[float64]int
	evicted     map[string]bool
	alerts      int
	models      map[seen.Key]bool
	dead        int
	seenPred    *seen.Set
	seenStat    *seen.Set
	seenAlert   *seen.Set
	next        map[topicPartition]int64 // offset after the last message read
	changed     chan struct{}
}

type topicPartition struct {
	topic     string
	partition int32
}

func newCollector() *collector {
	return &collector{predictions: map[float64]int{}, stats: map[float64][]float64{}, statCount: map[float64]int{},
		evicted: map[string]bool{}, models: map[seen.Key]bool{}, seenPred: seen.New(MaxRemembered),
		seenStat: seen.New(MaxRemembered), seenAlert: seen.New(MaxRemembered),
		next: map[topicPartition]int64{}, changed: make(chan struct{}, 1)}
}

// collectorTopics are the topics a collector reads.
func collectorTopics(t Topics) []string {
	return []string{t.Predictions, t.Stats, t.Alerts, t.Models, t.DeadLetters}
}

// run consumes until ctx is done.
func (c *collector) run(ctx context.Context, cl sarama.Client, t Topics, log *slog.Logger) error {
	cons, err := sarama.NewConsumerFromClient(cl)
	if err != nil {
		return fmt.Errorf("consumer: %w", err)
	}
	defer cons.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	for _, topic := range collectorTopics(t) {
		parts, err := cl.Partitions(topic)
		if err != nil {
			return fmt.Errorf("partitions of %s: %w", topic, err)
		}
		for _, p := range parts {
			pc, err := cons.ConsumePartition(topic, p, sarama.OffsetOldest)
			if err != nil {
				return fmt.Errorf("consume %s/%d: %w", topic, p, err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer pc.AsyncClose()
				for {
					select {
					case <-ctx.Done():
						return
					case m, ok := <-pc.Messages():
						if !ok {
							return
						}
						c.add(t, m, log)
					}
				}
			}()
		}
	}
	<-ctx.Done()
	return nil
}

func (c *collector) add(t Topics, m *sarama.ConsumerMessage, log *slog.Logger) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.next[topicPartition{m.Topic, m.Partition}] = m.Offset + 1
	limit := MaxMessageBytes
	if m.Topic == t.Models {
		limit = MaxModelMessageBytes
	}
	topic := m.Topic
	if m.Topic != t.DeadLetters && checkSize(m, limit) != nil {
		topic = "" // dead-lettered by the role that consumes it
	}
	switch topic {
	case t.Predictions:
		p, err := DecodePrediction(m.Value)
		if err != nil {
			log.Debug("summary: invalid prediction", "err", err)
			break
		}
		if c.seenPred.Add(p.ID, p.Window) {
			c.predictions[p.Window]++
		}
	case t.Stats:
		s, err := DecodeStat(m.Value)
		if err != nil {
			log.Debug("summary: invalid stat", "err", err)
			break
		}
		if !c.seenStat.Add(s.ID, s.Window) {
			break
		}
		c.statCount[s.Window]++
		if s.Evicted {
			c.evicted[s.ID] = true
		} else {
			c.stats[s.Window] = append(c.stats[s.Window], s.ARE)
		}
	case t.Alerts:
		if a, err := DecodeAlert(m.Value); err == nil && c.seenAlert.Add(a.ID, a.Window) {
			c.alerts++
		}
	case t.Models:
		if mm, err := DecodeModel(m.Value); err == nil {
			c.models[seen.Key{ID: WindowKey(mm.Window), Window: float64(mm.Version)}] = true
		}
	case t.DeadLetters:
		c.dead++
	}
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

// statsComplete reports whether every one of cascades has a stats record
// on every window.
func (c *collector) statsComplete(cascades int, windows []float64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, w := range windows {
		if c.statCount[w] < cascades {
			return false
		}
	}
	return true
}

// newestOffsets returns the offset after the newest message of each
// partition of topic.
func newestOffsets(cl sarama.Client, topic string) (map[int32]int64, error) {
	parts, err := cl.Partitions(topic)
	if err != nil {
		return nil, err
	}
	hi := make(map[int32]int64, len(parts))
	for _, p := range parts {
		if hi[p], err = cl.GetOffset(topic, p, sarama.OffsetNewest); err != nil {
			return nil, err
		}
	}
	return hi, nil
}

// caughtUp reports whether the collector has read topic up to its newest
// offsets.
func (c *collector) caughtUp(cl sarama.Client, topic string) (bool, error) {
	hi, err := newestOffsets(cl, topic)
	if err != nil {
		return false, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for p, h := range hi {
		if c.next[topicPartition{topic, p}] < h {
			return false, nil
		}
	}
	return true, nil
}

// groupDone reports whether consumer group has committed every partition
// of topic up to its newest offset: it has handled every message.
func groupDone(cl sarama.Client, admin sarama.ClusterAdmin, group, topic string) (bool, error) {
	hi, err := newestOffsets(cl, topic)
	if err != nil {
		return false, err
	}
	parts := make([]int32, 0, len(hi))
	for p := range hi {
		parts = append(parts, p)
	}
	resp, err := admin.ListConsumerGroupOffsets(group, map[string][]int32{topic: parts})
	if err != nil {
		return false, err
	}
	for p, h := range hi {
		if h == 0 {
			continue
		}
		b := resp.GetBlock(topic, p)
		if b == nil || b.Err != sarama.ErrNoError || b.Offset < h {
			return false, nil
		}
	}
	return true, nil
}

// summary returns the counts so far.
func (c *collector) summary(windows []float64) Summary {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := Summary{Predictions: map[string]int{}, ARE: map[string]AREStat{}, Evicted: len(c.evicted), DeadLetters: c.dead,
		Alerts: c.alerts, Models: len(c.models)}
	for _, w := range windows {
		k := WindowKey(w)
		s.Predictions[k] = c.predictions[w]
		a := slices.Clone(c.stats[w])
		st := AREStat{Count: len(a)}
		if len(a) > 0 {
			st.Mean = stat.Mean(a, nil)
			st.Median = evaluate.Median(a)
		}
		s.ARE[k] = st
	}
	return s
}
