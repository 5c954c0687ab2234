package stream

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/IBM/sarama"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/internal/streamtest"
	"github.com/hawkes-toolkit/hawkes/predict"
	"github.com/hawkes-toolkit/hawkes/train"
)

// The tests named TestHostile* each feed the pipeline one kind of hostile
// input; the line above each, "// Hostile: <input> -> <how it is handled>",
// is what the README's table of hostile inputs is made of. Those that
// need a broker run in parallel with one another: most of their time is
// spent waiting for consumer groups and fetches, not computing.

// rig is an embedded broker with the test topics, a producer of hostile
// messages, and the roles a test starts on it.
type rig struct {
	t      *testing.T
	client Client
	topics Topics
	prod   sarama.SyncProducer
	ctx    context.Context
	log    *slog.Logger
	wg     sync.WaitGroup
	errs   chan error
}

// newRig starts a broker with topics (created before the roles start), or
// testTopics with four retweets partitions when topics is nil.
func newRig(t *testing.T, topics *Topics) *rig {
	t.Helper()
	b := streamtest.StartBroker(t, StartBroker, BrokerOptions{})
	r := &rig{t: t, client: Client{Brokers: b.Addrs()}, log: streamtest.Logger(t), errs: make(chan error, 8)}
	if topics != nil {
		r.topics = *topics
	} else {
		r.topics = testTopics()
		r.topics.RetweetsPartitions = 4
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	r.ctx = ctx
	t.Cleanup(func() {
		cancel()
		r.wg.Wait()
	})
	if err := EnsureTopics(ctx, r.client, r.topics, r.log); err != nil {
		t.Fatal(err)
	}
	r.prod = streamtest.Producer(t, r.client.Brokers)
	return r
}

// start runs each role until the test ends; a role that stops before
// fails the test at its next wait.
func (r *rig) start(runs ...func(context.Context) error) {
	for _, run := range runs {
		r.wg.Go(func() {
			if err := run(r.ctx); err != nil && r.ctx.Err() == nil {
				r.errs <- err
			}
		})
	}
}

// fitter returns a fitter of the rig with the test windows and o's other
// fields.
func (r *rig) fitter(o FitterOptions) *Fitter {
	r.t.Helper()
	o.Windows, o.Terminated, o.Fit, o.Log = hostileWindows, 6*3600, fitOpts(), r.log
	f, err := NewFitter(r.client, r.topics, o)
	if err != nil {
		r.t.Fatal(err)
	}
	return f
}

// hostileWindows are the fitters' windows in the hostile tests.
var hostileWindows = []float64{600, 3600}

// send publishes value with key (none when empty) on topic, to partition
// when it is not negative, and returns where it went.
func (r *rig) send(topic, key string, value []byte, partition int32) (int32, int64) {
	r.t.Helper()
	m := &sarama.ProducerMessage{Topic: topic, Value: sarama.ByteEncoder(value)}
	if key != "" {
		m.Key = sarama.StringEncoder(key)
	}
	if partition >= 0 {
		// The test producer's hash partitioner is sarama's; a fixed
		// partition is asked for through a key that lands there.
		m.Key = sarama.StringEncoder(keyFor(partition, r.partitions(topic), key))
	}
	p, off, err := r.prod.SendMessage(m)
	if err != nil {
		r.t.Fatalf("send %d bytes to %s: %v", len(value), topic, err)
	}
	return p, off
}

// partitions returns the partition count of topic.
func (r *rig) partitions(topic string) int32 {
	for _, s := range r.topics.list() {
		if s.name == topic {
			return s.partitions
		}
	}
	r.t.Fatalf("unknown topic %s", topic)
	return 0
}

// keyFor returns prefix, or prefix followed by a number, whichever comes
// first that partitionOf sends to partition p of n.
func keyFor(p, n int32, prefix string) string {
	for i := 0; ; i++ {
		k := prefix
		if i > 0 {
			k = fmt.Sprint(prefix, i)
		}
		if partitionOf(k, n) == p {
			return k
		}
	}
}

// replay replays cascades (two days apart) and fails the test on error.
func (r *rig) replay(cascades []data.Cascade) {
	r.t.Helper()
	if _, err := Replay(r.ctx, r.client, r.topics, cascades, ReaderOptions{Spacing: 2 * 86400, Log: r.log}); err != nil {
		r.t.Fatal(err)
	}
}

// wait waits for cond, failing the test when a role stops first.
func (r *rig) wait(what string, cond func() bool) {
	r.t.Helper()
	streamtest.Wait(r.t, 90*time.Second, what, func() bool {
		select {
		case err := <-r.errs:
			r.t.Fatalf("waiting for %s: a role stopped: %v", what, err)
		default:
		}
		return cond()
	})
}

// deadLetters returns the dead letters on the topic, by where their
// messages came from.
func (r *rig) deadLetters() map[origin]DeadLetter {
	r.t.Helper()
	got := map[origin]DeadLetter{}
	for _, m := range streamtest.ReadAll(r.t, r.client.Brokers, r.topics.DeadLetters) {
		var d DeadLetter
		if err := json.Unmarshal(m.Value, &d); err != nil {
			r.t.Fatalf("dead letter %.200s: %v", m.Value, err)
		}
		if len(m.Value) > maxDeadLetterBytes {
			r.t.Errorf("dead letter of %s/%d/%d takes %d bytes, over %d", d.Topic, d.Partition, d.Offset, len(m.Value), maxDeadLetterBytes)
		}
		got[origin{d.Topic, d.Partition, d.Offset}] = d
	}
	return got
}

// origin is where a message was on its topic.
type origin struct {
	topic     string
	partition int32
	offset    int64
}

// stats returns the stats on the topic by cascade and window.
func (r *rig) stats() map[predKey]Stat {
	r.t.Helper()
	out := map[predKey]Stat{}
	for _, m := range streamtest.ReadAll(r.t, r.client.Brokers, r.topics.Stats) {
		if s, err := DecodeStat(m.Value); err == nil {
			out[predKey{s.ID, s.Window}] = s
		}
	}
	return out
}

// committed reports whether group has committed every message of topic.
func (r *rig) committed(group, topic string) bool {
	r.t.Helper()
	cl := streamtest.Client(r.t, r.client.Brokers)
	return streamtest.CommittedAll(r.t, cl, streamtest.Admin(r.t, r.client.Brokers), group, topic)
}

// checkPredictions checks that every one of cascades has exactly one
// prediction per window, and that the predictions topic holds nothing else
// but predictions of the ids others.
func (r *rig) checkPredictions(cascades []data.Cascade, others ...string) map[predKey]Prediction {
	r.t.Helper()
	preds := map[predKey]Prediction{}
	for _, m := range streamtest.ReadAll(r.t, r.client.Brokers, r.topics.Predictions) {
		p, err := DecodePrediction(m.Value)
		if err != nil || slices.Contains(others, p.ID) {
			continue
		}
		k := predKey{p.ID, p.Window}
		if _, dup := preds[k]; dup {
			r.t.Errorf("cascade %q window %v predicted twice", p.ID, p.Window)
		}
		preds[k] = p
	}
	for _, c := range cascades {
		for _, w := range hostileWindows {
			if _, ok := preds[predKey{c.ID, w}]; !ok {
				r.t.Errorf("cascade %q window %v: no prediction", c.ID, w)
			}
		}
	}
	if len(preds) != len(cascades)*len(hostileWindows) {
		r.t.Errorf("%d predictions, want %d", len(preds), len(cascades)*len(hostileWindows))
	}
	return preds
}

// maxDeadLetterBytes is the size no dead letter exceeds (see
// MaxDeadLetterValueBytes).
const maxDeadLetterBytes = 400 << 10

// Hostile: a dead letter for a message with a key and a value of any size and a reason of any length -> it keeps at most MaxKeyBytes of the key and MaxDeadLetterValueBytes of the value, says "truncated" with the original sizes, and stays under 400 KiB
func TestHostileOversizedDeadLetterBound(t *testing.T) {
	for _, tt := range []struct {
		key, value int
		reason     string
		truncated  bool
	}{
		{0, 0, "empty", false},
		{MaxKeyBytes, MaxDeadLetterValueBytes, "at the bounds", false},
		{MaxKeyBytes + 1, 10, "long key", true},
		{10, 800 << 10, "a message over 735 KB", true},
		{5 << 20, 5 << 20, strings.Repeat("\x01", 1<<20), true},
	} {
		m := &sarama.ConsumerMessage{Topic: strings.Repeat("t", 249), Partition: 7, Offset: 1 << 40,
			Key: bytes.Repeat([]byte{0xff}, tt.key), Value: bytes.Repeat([]byte{'"'}, tt.value)}
		if tt.key == 0 {
			m.Key = nil
		}
		b := jsonMessage("dead", "k", newDeadLetter("fitter", m, fmt.Errorf("%s", tt.reason)))
		n := b.Value.Length()
		if n > maxDeadLetterBytes || n > sarama.NewConfig().Producer.MaxMessageBytes {
			t.Errorf("key %d, value %d: dead letter of %d bytes", tt.key, tt.value, n)
		}
		raw, _ := b.Value.Encode()
		var d DeadLetter
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatal(err)
		}
		if d.Truncated != tt.truncated || d.KeySize != tt.key || d.ValueSize != tt.value ||
			!bytes.Equal(d.Key, m.Key[:min(tt.key, MaxKeyBytes)]) || !bytes.Equal(d.Value, m.Value[:min(tt.value, MaxDeadLetterValueBytes)]) {
			t.Errorf("key %d, value %d: dead letter truncated %v, sizes %d and %d, holding %d and %d bytes",
				tt.key, tt.value, d.Truncated, d.KeySize, d.ValueSize, len(d.Key), len(d.Value))
		}
	}
}

// Hostile: a message over its topic's size bound on each topic the roles consume: 740 KB of junk or 800 KB of JSON on the retweets, predictions or samples topic, 950 KB on the models topic, a 2 KiB key -> dead-lettered unread with its payload truncated; every role goes on, commits past it and predicts every cascade
func TestHostileOversizedMessage(t *testing.T) {
	t.Parallel()
	cascades := loadSMH(t)[:3]
	r := newRig(t, nil)
	f := r.fitter(FitterOptions{})
	tr, err := NewTrainer(r.client, r.topics, TrainerOptions{RetrainEvery: NoRetrain, Log: r.log})
	if err != nil {
		t.Fatal(err)
	}
	al, err := NewAlerter(r.client, r.topics, AlertsOptions{Threshold: 1, Log: r.log})
	if err != nil {
		t.Fatal(err)
	}
	// Each oversized value is valid JSON of its topic but for its size, as
	// a message that passed the broker's limit would be.
	pad := func(n int, head string) []byte {
		b := []byte(head + `,"pad":"`)
		b = append(b, bytes.Repeat([]byte{'x'}, n-len(b)-2)...)
		return append(b, `"}`...)
	}
	type sizes struct{ key, value int }
	want := map[origin]sizes{}
	add := func(topic, key string, value []byte) {
		p, off := r.send(topic, key, value, -1)
		want[origin{topic, p, off}] = sizes{len(key), len(value)}
	}
	// The case of the issue: 740 KB of junk, whose dead letter in full
	// (base64) was over the producer's limit.
	add(r.topics.Retweets, "junk", bytes.Repeat([]byte{'x'}, 740_000))
	event := string(AppendEvent(nil, "huge", 0, 0, 0, 1))
	add(r.topics.Retweets, "huge", pad(800_000, strings.TrimSuffix(event, "}")))
	add(r.topics.Predictions, "p", pad(800_000, `{"v":1,"id":"p","window":600,"time":5,"n":3,"nhat":9,"source":"hawkes","status":"ok"`))
	add(r.topics.Samples, "s", pad(800_000, `{"v":1,"id":"s","window":600,"status":"ok","n":1,"size":3`))
	add(r.topics.Models, "600", pad(950_000, `{"v":1,"window":600,"version":1,"model":"AAAA"`))
	add(r.topics.Predictions, strings.Repeat("k", 2048), []byte(`{"v":1,"id":"p2","window":600,"time":5,"n":3,"nhat":9,"source":"hawkes","status":"ok"}`))

	r.start(f.Run, tr.Run, al.Run)
	r.replay(cascades)
	var dead map[origin]DeadLetter
	r.wait("every cascade's stats and the dead letters", func() bool {
		dead = r.deadLetters()
		return len(r.stats()) == len(cascades)*len(hostileWindows) && len(dead) >= len(want)
	})
	for o, size := range want {
		d, ok := dead[o]
		switch {
		case !ok:
			t.Errorf("%v: no dead letter", o)
		case !strings.Contains(d.Reason, "over the bound"):
			t.Errorf("%v: reason %q", o, d.Reason)
		case d.KeySize != size.key || d.ValueSize != size.value || len(d.Value) != min(size.value, MaxDeadLetterValueBytes) ||
			d.Truncated != (size.value > MaxDeadLetterValueBytes || size.key > MaxKeyBytes):
			t.Errorf("%v: dead letter of a %d-byte key and a %d-byte value: key_size %d, value_size %d, truncated %v, holding %d bytes",
				o, size.key, size.value, d.KeySize, d.ValueSize, d.Truncated, len(d.Value))
		}
	}
	if len(dead) != len(want) {
		t.Errorf("%d dead letters, want %d", len(dead), len(want))
	}
	// Every role has gone past its poison: a restart does not read it
	// again.
	r.wait("the roles to commit every message", func() bool {
		return r.committed(DefaultFitterGroup, r.topics.Retweets) && r.committed(DefaultTrainerGroup, r.topics.Samples) &&
			r.committed(DefaultAlertsGroup, r.topics.Predictions)
	})
	r.checkPredictions(cascades, "p", "p2")
}

// Hostile: a dead-letters topic that refuses every dead letter (max.message.bytes 64) -> each dead letter is tried three times, then logged and counted as lost (hawkes_dead_letters_lost_total); the role goes on and commits past the message
func TestHostileDeadLetterRefused(t *testing.T) {
	t.Parallel()
	cascades := loadSMH(t)[:2]
	topics := testTopics()
	topics.RetweetsPartitions = 4
	r := newRig(t, &topics)
	small := "64"
	if err := streamtest.Admin(t, r.client.Brokers).AlterConfig(sarama.TopicResource, topics.DeadLetters,
		map[string]*string{"max.message.bytes": &small}, false); err != nil {
		t.Fatal(err)
	}
	m := NewMetrics()
	f := r.fitter(FitterOptions{Metrics: m})
	for _, v := range []string{`junk`, `{"v":1,"kind":"event","id":"n","seq":0,"start":0,"t":-1,"m":1}`} {
		r.send(topics.Retweets, "poison", []byte(v), -1)
	}
	r.start(f.Run)
	r.replay(cascades)
	r.wait("every cascade's stats", func() bool { return len(r.stats()) == len(cascades)*len(hostileWindows) })
	r.wait("the fitter to commit every message", func() bool { return r.committed(DefaultFitterGroup, topics.Retweets) })
	if n := testutil.ToFloat64(m.DeadLettersLost.WithLabelValues("fitter", topics.Retweets)); n != 2 {
		t.Errorf("%v dead letters counted lost, want 2", n)
	}
	if n := len(r.deadLetters()); n != 0 {
		t.Errorf("%d dead letters on a topic that refuses them", n)
	}
	if c := f.Counts(); c.DeadLetters != 2 {
		t.Errorf("the fitter counted %d dead letters, want 2", c.DeadLetters)
	}
}

// Hostile: a retweets event and a watermark at absurd but finite times (1e12 and 1e15 s) on the partition of an open cascade -> dead-lettered as more than --max-skew ahead of the partition's clock; the open cascade keeps its true size and later cascades are predicted at their own event time
func TestHostileAbsurdEventTime(t *testing.T) {
	t.Parallel()
	cascades := loadSMH(t)[:3]
	r := newRig(t, nil)
	f := r.fitter(FitterOptions{})
	n := r.topics.RetweetsPartitions
	// A cascade of five events on one partition, open when the absurd
	// messages arrive there: predicted with 4 events on 600 s and 5 on
	// 3600 s, finished with 5.
	probe := "probe"
	p := partitionOf(probe, n)
	absurd := keyFor(p, n, "absurd")
	event := func(id string, seq int, start, t float64) {
		r.send(r.topics.Retweets, id, AppendEvent(nil, id, seq, start, t, 10), -1)
	}
	var want []origin
	for i, tt := range []float64{0, 100, 400} {
		event(probe, i, 0, tt)
	}
	at, off := r.send(r.topics.Retweets, absurd, AppendEvent(nil, absurd, 0, 1e12, 0, 10), -1)
	want = append(want, origin{r.topics.Retweets, at, off})
	at, off = r.send(r.topics.Retweets, "", AppendWatermark(nil, 1e15), p)
	want = append(want, origin{r.topics.Retweets, at, off})
	event(probe, 3, 0, 500)
	event(probe, 4, 0, 3000)

	r.start(f.Run)
	r.replay(cascades)
	all := append([]data.Cascade{{ID: probe, Times: []float64{0, 100, 400, 500, 3000}}}, cascades...)
	// The fitter publishes a cascade's outputs before it commits past it.
	r.wait("the fitter to commit every retweet", func() bool { return r.committed(DefaultFitterGroup, r.topics.Retweets) })
	dead := r.deadLetters()
	for _, o := range want {
		if d, ok := dead[o]; !ok || !strings.Contains(d.Reason, "ahead of the partition's clock") {
			t.Errorf("%v: dead letter %+v, want one for a time too far ahead", o, d)
		}
	}
	if len(dead) != len(want) {
		t.Errorf("%d dead letters, want %d", len(dead), len(want))
	}
	preds := r.checkPredictions(all)
	stats := r.stats()
	// The replay's last event is before 50 days; its end marker a second
	// later.
	for k, pr := range preds {
		if pr.Time > 50*86400 {
			t.Errorf("cascade %q window %v predicted at event time %v", k.id, k.w, pr.Time)
		}
	}
	for w, wantN := range map[float64]int{600: 4, 3600: 5} {
		if pr, s := preds[predKey{probe, w}], stats[predKey{probe, w}]; pr.N != wantN || s.Size != 5 {
			t.Errorf("probe on %v s: predicted on %d events, size %d; want %d and 5", w, pr.N, s.Size, wantN)
		}
	}
}

// Hostile: a second replay on the retweets topic after a first one's end markers -> a new epoch: each partition's clock starts again and the new cascades are predicted (the fitter logs it), not dropped in silence
func TestHostileReplayAfterEndMarker(t *testing.T) {
	t.Parallel()
	cascades := loadSMH(t)[:4]
	r := newRig(t, nil)
	f := r.fitter(FitterOptions{})
	r.start(f.Run)
	// Both replays start at event time 0, long before where the first
	// ended.
	r.replay(cascades[:2])
	r.wait("the first replay's stats", func() bool { return len(r.stats()) == 2*len(hostileWindows) })
	r.replay(cascades[2:])
	// The fitter publishes a cascade's outputs before it commits past it.
	r.wait("the fitter to commit every retweet", func() bool { return r.committed(DefaultFitterGroup, r.topics.Retweets) })
	r.checkPredictions(cascades)
	if n := len(r.stats()); n != len(cascades)*len(hostileWindows) {
		t.Errorf("%d stats, want %d", n, len(cascades)*len(hostileWindows))
	}
	if n := len(r.deadLetters()); n != 0 {
		t.Errorf("%d dead letters", n)
	}
}

// TestReplayAcrossLongGap replays two cascades 30 days apart: the reader
// steps its watermarks across the gap, no two messages of a partition are
// more than 2·MaxWatermarkEvery + 1 s apart, and a fitter with the least
// MaxSkew takes every message.
func TestReplayAcrossLongGap(t *testing.T) {
	t.Parallel()
	cascades := []data.Cascade{
		{ID: "first", Times: []float64{0, 10, 700}, Mags: []float64{5, 5, 5}, HasStart: true, Start: 1e9},
		{ID: "second", Times: []float64{0, 20}, Mags: []float64{5, 5}, HasStart: true, Start: 1e9 + 30*86400},
	}
	r := newRig(t, nil)
	f := r.fitter(FitterOptions{MaxSkew: MinMaxSkew})
	r.start(f.Run)
	r.replay(cascades)
	r.wait("both cascades' stats", func() bool { return len(r.stats()) == len(cascades)*len(hostileWindows) })
	r.checkPredictions(cascades)
	if n := len(r.deadLetters()); n != 0 {
		t.Errorf("%d dead letters", n)
	}
	last := map[int32]float64{}
	for _, m := range streamtest.ReadAll(t, r.client.Brokers, r.topics.Retweets) {
		msg, err := DecodeRetweet(m.Value)
		if err != nil {
			t.Fatal(err)
		}
		at := msg.Time
		if msg.Kind == KindEvent {
			at = msg.At()
		}
		if prev, ok := last[m.Partition]; ok && at-prev > 2*MaxWatermarkEvery+1 {
			t.Errorf("partition %d: %s at %v, %v s after the previous message", m.Partition, msg.Kind, at, at-prev)
		}
		last[m.Partition] = at
	}
}

// logRecorder is a slog handler that keeps every record, debug included,
// and passes those at warn and above to next.
type logRecorder struct {
	next  slog.Handler
	mu    *sync.Mutex
	lines *[]string
	attrs []slog.Attr
}

func newLogRecorder(next slog.Handler) *logRecorder {
	return &logRecorder{next: next, mu: &sync.Mutex{}, lines: new([]string)}
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (h *logRecorder) Handle(ctx context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	for _, a := range h.attrs {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
	}
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	h.mu.Lock()
	*h.lines = append(*h.lines, b.String())
	h.mu.Unlock()
	if r.Level >= slog.LevelWarn {
		return h.next.Handle(ctx, r)
	}
	return nil
}

func (h *logRecorder) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(slices.Clip(h.attrs), as...)
	c.next = h.next.WithAttrs(as)
	return &c
}

func (h *logRecorder) WithGroup(string) slog.Handler { return h } // unused by the roles

// find returns the first line recorded that holds every one of parts.
func (h *logRecorder) find(parts ...string) (string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, l := range *h.lines {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(l, p)
		}
		if all {
			return l, true
		}
	}
	return "", false
}

// testModel returns a small forest of window w in its binary form.
func testModel(t *testing.T, w float64) []byte {
	t.Helper()
	rows := make([]features.Row, 8)
	for i := range rows {
		rows[i] = features.Row{ID: fmt.Sprint("s", i), Window: features.Num(w), Status: fit.StatusFailed, N: i + 1, Size: 3 * (i + 1)}
	}
	m, err := predict.Train(context.Background(), rows, predict.DefaultTarget, train.Config{Trees: 2, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Hostile: a models message with an absurd version (5000000, none held) -> dead-lettered as more than MaxModelVersionStep beyond the version held; later versions are taken up, older or equal ones ignored with a debug line saying why, and a starting trainer does not number its versions after it
func TestHostileAbsurdModelVersion(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	rec := newLogRecorder(r.log.Handler())
	log := slog.New(rec)
	f, err := NewFitter(r.client, r.topics, FitterOptions{Windows: hostileWindows, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	model := testModel(t, 600)
	publish := func(version int) origin {
		b, err := json.Marshal(ModelMessage{V: SchemaVersion, Window: 600, Version: version, Model: model})
		if err != nil {
			t.Fatal(err)
		}
		p, off := r.send(r.topics.Models, WindowKey(600), b, -1)
		return origin{r.topics.Models, p, off}
	}
	absurd := publish(5_000_000)
	publish(2)
	r.start(f.Run)
	r.wait("a model in use", func() bool { return f.ModelVersion(600) != 0 })
	if v := f.ModelVersion(600); v != 2 {
		t.Fatalf("version %d in use, want 2", v)
	}
	publish(1)
	publish(2)
	publish(3)
	r.wait("version 3 in use", func() bool { return f.ModelVersion(600) == 3 })
	for _, v := range []string{"version=1", "version=2"} {
		if _, ok := rec.find("model ignored", "window=600", v, "why=version 2 in use is as new or newer"); !ok {
			t.Errorf("no debug line for the ignored %s", v)
		}
	}
	for _, v := range []string{"version=2", "version=3"} {
		if _, ok := rec.find("model in use", "window=600", v); !ok {
			t.Errorf("no line for the %s taken up", v)
		}
	}
	dead := r.deadLetters()
	if d, ok := dead[absurd]; !ok || !strings.Contains(d.Reason, "version 5000000 is more than 1000000 beyond version 0 held") {
		t.Errorf("absurd version: dead letter %+v", d)
	}
	if len(dead) != 1 {
		t.Errorf("%d dead letters, want 1", len(dead))
	}

	// A trainer started now continues from version 3.
	tr, err := NewTrainer(r.client, r.topics, TrainerOptions{Log: r.log})
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.resumeVersions(t.Context(), streamtest.Client(t, r.client.Brokers)); err != nil {
		t.Fatal(err)
	}
	if v := tr.windows[600].version; v != 3 {
		t.Errorf("the trainer resumes from version %d, want 3", v)
	}
}

// syncBuffer is a bytes.Buffer safe for a role to write while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Hostile: cascade ids that would forge alert lines: a line break and a fake ALERT line on the retweets or predictions topic, spaces and fake fields, terminal escapes -> an id with a line break is dead-lettered by the fitter or the alerts role; the others are alerted on with the id quoted, one printable line per alert
func TestHostileForgedAlertID(t *testing.T) {
	t.Parallel()
	cascades := loadSMH(t)[:1]
	r := newRig(t, nil)
	f := r.fitter(FitterOptions{})
	var out syncBuffer
	al, err := NewAlerter(r.client, r.topics, AlertsOptions{Threshold: 1, Out: &out, Log: r.log})
	if err != nil {
		t.Fatal(err)
	}
	const forged = "ALERT id=RT1 window=600s nhat=99999 n=1 model_version=0 source=forest"
	escape, fields := "\x1b[2J\x1b[31mowned", "x window=1s nhat=99999"
	var dead []origin
	event := func(id string) origin {
		b, err := json.Marshal(Retweet{V: SchemaVersion, Kind: KindEvent, ID: id, M: 10})
		if err != nil {
			t.Fatal(err)
		}
		p, off := r.send(r.topics.Retweets, "k", b, -1)
		return origin{r.topics.Retweets, p, off}
	}
	dead = append(dead, event("a\n"+forged), event("b\r"+forged))
	event(escape)
	prediction := func(id string) origin {
		b, err := json.Marshal(Prediction{V: SchemaVersion, ID: id, Window: 600, NHat: 99999, N: 1, Source: SourceForest, Status: "ok"})
		if err != nil {
			t.Fatal(err)
		}
		p, off := r.send(r.topics.Predictions, "k", b, -1)
		return origin{r.topics.Predictions, p, off}
	}
	dead = append(dead, prediction("c\n"+forged))
	prediction(fields)

	r.start(f.Run, al.Run)
	r.replay(cascades)
	// Its end markers finish every cascade: each has its alerts.
	r.wait("every retweet and prediction consumed", func() bool {
		return r.committed(DefaultFitterGroup, r.topics.Retweets) && r.committed(DefaultAlertsGroup, r.topics.Predictions)
	})
	got := r.deadLetters()
	for _, o := range dead {
		if d, ok := got[o]; !ok || !strings.Contains(d.Reason, "holds a line break") {
			t.Errorf("%v: dead letter %+v, want one for a line break", o, d)
		}
	}
	if len(got) != len(dead) {
		t.Errorf("%d dead letters, want %d", len(got), len(dead))
	}
	text := out.String()
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if int64(len(lines)) != al.Alerts() {
		t.Errorf("%d lines for %d alerts:\n%s", len(lines), al.Alerts(), text)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "ALERT id=") || strings.Count(l, "ALERT") != 1 || strings.ContainsFunc(l, func(r rune) bool { return !unicode.IsPrint(r) }) {
			t.Errorf("alert line %q", l)
		}
	}
	for _, id := range []string{escape, fields} {
		if want := "ALERT id=" + strconv.Quote(id) + " window=600s "; !strings.Contains(text, want) {
			t.Errorf("no line starting %q in\n%s", want, text)
		}
	}
}
