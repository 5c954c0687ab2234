package streamtest

import (
	"errors"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// readTimeout bounds how long ReadAll waits for the next message of a
// partition it knows holds more.
const readTimeout = 30 * time.Second

// notConnectedTries bounds how often consumePartition tries again a
// partition whose leader's connection is still being opened.
const notConnectedTries = 50

// consumePartition consumes partition p of topic from its oldest message.
// A fresh client used from several goroutines at once can fail a request
// with sarama.ErrNotConnected while another goroutine is still opening the
// broker's connection (Broker.Open marks the broker opened before it takes
// the lock its dial holds); that request is tried again shortly after.
func consumePartition(cons sarama.Consumer, topic string, p int32) (sarama.PartitionConsumer, error) {
	for try := 1; ; try++ {
		pc, err := cons.ConsumePartition(topic, p, sarama.OffsetOldest)
		if !errors.Is(err, sarama.ErrNotConnected) || try == notConnectedTries {
			return pc, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ReadAll returns every message of topic, partition by partition in
// ascending order, each in offset order, up to the newest offsets at the
// time of the call.
func ReadAll(t testing.TB, addrs []string, topic string) []*sarama.ConsumerMessage {
	t.Helper()
	cl, err := sarama.NewClient(addrs, Config())
	if err != nil {
		t.Fatalf("client of %v: %v", addrs, err)
	}
	defer cl.Close()
	cons, err := sarama.NewConsumerFromClient(cl)
	if err != nil {
		t.Fatalf("consumer of %v: %v", addrs, err)
	}
	defer cons.Close()
	hw := HighWaterMarks(t, cl, topic)
	var out []*sarama.ConsumerMessage
	for _, p := range slices.Sorted(maps.Keys(hw)) {
		if hw[p] == 0 {
			continue
		}
		pc, err := consumePartition(cons, topic, p)
		if err != nil {
			t.Fatalf("consume %s partition %d: %v", topic, p, err)
		}
		for next := int64(0); next < hw[p]; {
			select {
			case m := <-pc.Messages():
				out = append(out, m)
				next = m.Offset + 1
			case err := <-pc.Errors():
				pc.Close()
				t.Fatalf("read %s partition %d: %v", topic, p, err)
			case <-time.After(readTimeout):
				pc.Close()
				t.Fatalf("read %s partition %d: nothing after offset %d for %v, its end is %d", topic, p, next-1, readTimeout, hw[p])
			}
		}
		pc.Close()
	}
	return out
}

// HighWaterMarks returns the offset after the newest message of each
// partition of topic, asked in one request per broker (sarama's GetOffset
// asks once per partition).
func HighWaterMarks(t testing.TB, cl sarama.Client, topic string) map[int32]int64 {
	t.Helper()
	parts, err := cl.Partitions(topic)
	if err != nil {
		t.Fatalf("partitions of %s: %v", topic, err)
	}
	reqs := map[*sarama.Broker]*sarama.OffsetRequest{}
	for _, p := range parts {
		b, err := cl.Leader(topic, p)
		if err != nil {
			t.Fatalf("leader of %s partition %d: %v", topic, p, err)
		}
		if reqs[b] == nil {
			reqs[b] = &sarama.OffsetRequest{Version: 1}
		}
		reqs[b].AddBlock(topic, p, sarama.OffsetNewest, 1)
	}
	hw := map[int32]int64{}
	for b, req := range reqs {
		res, err := b.GetAvailableOffsets(req)
		if err != nil {
			t.Fatalf("offsets of %s: %v", topic, err)
		}
		for _, p := range parts {
			if blk := res.GetBlock(topic, p); blk != nil {
				if blk.Err != sarama.ErrNoError {
					t.Fatalf("offset of %s partition %d: %v", topic, p, blk.Err)
				}
				hw[p] = blk.Offset
			}
		}
	}
	if len(hw) != len(parts) {
		t.Fatalf("offsets of %s: %d of %d partitions answered", topic, len(hw), len(parts))
	}
	return hw
}

// CommittedAll reports whether group has committed every partition of
// topic up to its newest message (false for a group the brokers do not
// know yet).
func CommittedAll(t testing.TB, cl sarama.Client, admin sarama.ClusterAdmin, group, topic string) bool {
	t.Helper()
	hw := HighWaterMarks(t, cl, topic)
	res, err := admin.ListConsumerGroupOffsets(group, map[string][]int32{topic: slices.Collect(maps.Keys(hw))})
	if errors.Is(err, sarama.ErrGroupIDNotFound) {
		return false // nothing committed yet
	}
	if err != nil {
		t.Fatalf("offsets of group %s: %v", group, err)
	}
	for p, hi := range hw {
		b := res.GetBlock(topic, p)
		if hi > 0 && (b == nil || b.Offset < hi) {
			return false
		}
	}
	return true
}

// A Watch collects the messages of a topic as they are published, from its
// oldest one.
type Watch struct {
	Topic string
	// Changed receives after each message (it holds one signal at most).
	Changed <-chan struct{}

	changed chan struct{}
	parts   []int32
	cons    sarama.Consumer
	pcs     []sarama.PartitionConsumer
	wg      sync.WaitGroup

	mu   sync.Mutex
	msgs map[int32][]*sarama.ConsumerMessage // per partition, in offset order
	next map[int32]int64                     // offset after the newest message read
}

// WatchTopics follows every partition of each topic from its oldest
// message until the test ends. The topics start at once: a partition
// consumer asks for two offsets before it starts.
func WatchTopics(t testing.TB, cl sarama.Client, topics ...string) []*Watch {
	t.Helper()
	ws := make([]*Watch, len(topics))
	errs := make([]error, len(topics))
	var wg sync.WaitGroup
	for i, topic := range topics {
		wg.Go(func() { ws[i], errs[i] = watch(cl, topic) })
	}
	wg.Wait()
	for _, w := range ws {
		t.Cleanup(w.close)
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return ws
}

// watch starts a Watch of topic. On error, the Watch is to be closed still.
func watch(cl sarama.Client, topic string) (*Watch, error) {
	ch := make(chan struct{}, 1)
	w := &Watch{Topic: topic, Changed: ch, changed: ch,
		msgs: map[int32][]*sarama.ConsumerMessage{}, next: map[int32]int64{}}
	var err error
	if w.parts, err = cl.Partitions(topic); err != nil {
		return w, err
	}
	if w.cons, err = sarama.NewConsumerFromClient(cl); err != nil {
		return w, err
	}
	w.pcs = make([]sarama.PartitionConsumer, len(w.parts))
	errs := make([]error, len(w.parts))
	var started sync.WaitGroup
	for i, p := range w.parts {
		started.Go(func() { w.pcs[i], errs[i] = consumePartition(w.cons, topic, p) })
	}
	started.Wait()
	if err := errors.Join(errs...); err != nil {
		return w, err
	}
	for _, pc := range w.pcs {
		w.wg.Go(func() {
			for range pc.Errors() {
			}
		})
		w.wg.Go(func() {
			for m := range pc.Messages() {
				w.mu.Lock()
				w.msgs[m.Partition] = append(w.msgs[m.Partition], m)
				w.next[m.Partition] = m.Offset + 1
				w.mu.Unlock()
				select {
				case w.changed <- struct{}{}:
				default:
				}
			}
		})
	}
	return w, nil
}

// close stops following the topic.
func (w *Watch) close() {
	for _, pc := range w.pcs {
		if pc != nil {
			pc.AsyncClose() // closes its channels, ending the goroutines
		}
	}
	w.wg.Wait()
	if w.cons != nil {
		w.cons.Close()
	}
}

// Messages returns the messages read so far, partition by partition, each
// in offset order.
func (w *Watch) Messages() []*sarama.ConsumerMessage {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []*sarama.ConsumerMessage
	for _, p := range w.parts {
		out = append(out, w.msgs[p]...)
	}
	return out
}

// CaughtUp reports whether every message now on the topic has been read.
func (w *Watch) CaughtUp(t testing.TB, cl sarama.Client) bool {
	t.Helper()
	hw := HighWaterMarks(t, cl, w.Topic)
	w.mu.Lock()
	defer w.mu.Unlock()
	for p, hi := range hw {
		if w.next[p] < hi {
			return false
		}
	}
	return true
}
