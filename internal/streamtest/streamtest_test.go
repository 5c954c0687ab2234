package streamtest_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/hawkes-toolkit/hawkes/internal/streamtest"
	"github.com/hawkes-toolkit/hawkes/stream"
)

// TestTopicHelpers publishes keyed messages on a three-partition topic of
// an embedded broker and reads them back with ReadAll and a Watch, then
// commits them for a group, as CommittedAll sees it.
func TestTopicHelpers(t *testing.T) {
	b := streamtest.StartBroker(t, stream.StartBroker, stream.BrokerOptions{})
	const topic, n = "harness", 30
	admin := streamtest.Admin(t, b.Addrs())
	if err := admin.CreateTopic(topic, &sarama.TopicDetail{NumPartitions: 3, ReplicationFactor: 1}, false); err != nil {
		t.Fatal(err)
	}
	cl := streamtest.Client(t, b.Addrs())
	w := streamtest.WatchTopics(t, cl, topic)[0]
	p := streamtest.Producer(t, b.Addrs())
	sent := map[string]int32{}
	for i := range n {
		k := fmt.Sprint("key", i)
		part, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(k), Value: sarama.StringEncoder(k)})
		if err != nil {
			t.Fatal(err)
		}
		sent[k] = part
	}

	msgs := streamtest.ReadAll(t, b.Addrs(), topic)
	if len(msgs) != n {
		t.Fatalf("ReadAll: %d messages, want %d", len(msgs), n)
	}
	for i, m := range msgs {
		if m.Partition != sent[string(m.Key)] || string(m.Value) != string(m.Key) {
			t.Errorf("message %d: %s on partition %d, sent to %d", i, m.Key, m.Partition, sent[string(m.Key)])
		}
		if i > 0 && (m.Partition < msgs[i-1].Partition || m.Partition == msgs[i-1].Partition && m.Offset <= msgs[i-1].Offset) {
			t.Errorf("message %d (%d/%d) out of order", i, m.Partition, m.Offset)
		}
	}
	hw := streamtest.HighWaterMarks(t, cl, topic)
	total := int64(0)
	for _, hi := range hw {
		total += hi
	}
	if len(hw) != 3 || total != n {
		t.Errorf("high water marks %v, want 3 partitions holding %d", hw, n)
	}

	streamtest.Wait(t, 10*time.Second, "the watch to read every message", func() bool { return w.CaughtUp(t, cl) })
	if got := len(w.Messages()); got != n {
		t.Errorf("the watch read %d messages, want %d", got, n)
	}

	const group = "harness-group"
	if streamtest.CommittedAll(t, cl, admin, group, topic) {
		t.Error("CommittedAll before any commit")
	}
	// A commit outside any group generation, as a standalone consumer
	// makes.
	coord, err := cl.Coordinator(group)
	if err != nil {
		t.Fatal(err)
	}
	req := &sarama.OffsetCommitRequest{Version: 2, ConsumerGroup: group, ConsumerGroupGeneration: -1, RetentionTime: -1}
	for part, hi := range hw {
		req.AddBlock(topic, part, hi, 0, "")
	}
	res, err := coord.CommitOffset(req)
	if err != nil {
		t.Fatal(err)
	}
	for part := range hw {
		if kerr := res.Errors[topic][part]; kerr != sarama.ErrNoError {
			t.Fatalf("commit %s partition %d: %v", topic, part, kerr)
		}
	}
	if !streamtest.CommittedAll(t, cl, admin, group, topic) {
		t.Error("CommittedAll false after committing every partition to its end")
	}
}

// TestEventually checks that a wait wakes on its channel, polls without
// one, and gives up at its deadline.
func TestEventually(t *testing.T) {
	changed := make(chan struct{}, 1)
	var done atomic.Bool
	time.AfterFunc(20*time.Millisecond, func() {
		done.Store(true)
		changed <- struct{}{}
	})
	if !streamtest.Eventually(10*time.Second, changed, done.Load) {
		t.Error("Eventually missed the signal")
	}
	calls := 0
	if !streamtest.Eventually(10*time.Second, nil, func() bool { calls++; return calls == 5 }) {
		t.Error("Eventually gave up on a condition that holds at the fifth check")
	}
	began := time.Now()
	if streamtest.Eventually(50*time.Millisecond, nil, func() bool { return false }) {
		t.Error("Eventually reported a condition that never holds")
	}
	if d := time.Since(began); d < 50*time.Millisecond || d > 5*time.Second {
		t.Errorf("gave up after %v, want 50ms", d)
	}
}
