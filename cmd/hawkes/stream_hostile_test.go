package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/internal/shared"
	"github.com/hawkes-toolkit/hawkes/internal/streamtest"
	"github.com/hawkes-toolkit/hawkes/stream"
)

// The TestHostile* tests of this file run the stream's roles as separate
// hawkes processes on an embedded broker, as TestStreamFitterCrash does,
// feed hostile messages to the topics they consume, and check that no role
// stops, that each hostile message is dead-lettered and committed past, and
// that every cascade of smh_cascades is still predicted, finished and
// counted once per window. Package stream tests each hostile input in one
// process; these check it across processes, as deployed.

// hostilePipeline is a broker process and the roles started on it.
type hostilePipeline struct {
	t       *testing.T
	addr    string
	topics  stream.Topics
	cl      sarama.Client
	admin   sarama.ClusterAdmin
	prod    sarama.SyncProducer
	dir     string
	roles   []*child
	watches map[string]*streamtest.Watch
}

// hostileTopicFlags give every process the same, smaller, retweets topic:
// each partition then holds several cascades.
var hostileTopicFlags = []string{"--partitions-retweets", "8"}

// startHostilePipeline starts a broker process and the named roles
// ("fitter", "trainer", "alerts") as processes, and waits for the fitter to
// hold the retweets partitions.
func startHostilePipeline(t *testing.T, roles ...string) *hostilePipeline {
	t.Helper()
	p := &hostilePipeline{t: t, topics: stream.DefaultTopics(), dir: shared.Path(t, "smh_cascades"), watches: map[string]*streamtest.Watch{}}
	p.topics.RetweetsPartitions = 8
	broker := startChild(t, "broker", slices.Concat([]string{"stream", "broker", "--log-level", "warn"}, hostileTopicFlags)...)
	wait(t, 20*time.Second, "the broker's address", broker.stdout.changed, broker.exited, func() bool {
		return strings.Contains(broker.stdout.String(), "\n")
	})
	p.addr = strings.TrimSpace(broker.stdout.String())
	p.cl = streamtest.Client(t, []string{p.addr})
	p.admin = streamtest.Admin(t, []string{p.addr})
	p.prod = streamtest.Producer(t, []string{p.addr})
	watched := []string{p.topics.Predictions, p.topics.Stats, p.topics.DeadLetters}
	for i, w := range streamtest.WatchTopics(t, p.cl, watched...) {
		p.watches[watched[i]] = w
	}
	for _, name := range roles {
		var args []string
		switch name {
		case "fitter":
			args = p.role("fitter", "--window", crashWindowsFlag, "--terminated", "21600", "--starts", "4")
		case "trainer", "alerts":
			args = p.role(name, "--log-level", "warn")
		default:
			t.Fatalf("unknown role %s", name)
		}
		p.roles = append(p.roles, startChild(t, name, args...))
	}
	t.Cleanup(func() { stopAll(t, 10*time.Second, broker) })
	wait(t, 30*time.Second, "the fitter to be assigned the partitions", nil, nil, func() bool {
		p.checkRunning()
		gs, err := p.admin.DescribeConsumerGroups([]string{stream.DefaultFitterGroup})
		if err != nil {
			t.Fatalf("describe group %s: %v", stream.DefaultFitterGroup, err)
		}
		return len(gs) == 1 && gs[0].State == "Stable" && len(gs[0].Members) == 1
	})
	return p
}

// role returns the arguments of a role process on the pipeline's broker.
func (p *hostilePipeline) role(name string, args ...string) []string {
	return slices.Concat([]string{"stream", name, "--brokers", p.addr}, args, hostileTopicFlags)
}

// checkRunning fails the test when a role process has ended.
func (p *hostilePipeline) checkRunning() {
	p.t.Helper()
	for _, c := range p.roles {
		if c.done() {
			p.t.Fatalf("%s exited (code %d); standard error:\n%s", c.name, c.cmd.ProcessState.ExitCode(), c.stderr)
		}
	}
}

// send publishes value on topic with key and returns its partition and
// offset.
func (p *hostilePipeline) send(topic, key string, value []byte) deadOrigin {
	p.t.Helper()
	part, off, err := p.prod.SendMessage(&sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(key), Value: sarama.ByteEncoder(value)})
	if err != nil {
		p.t.Fatalf("send %d bytes to %s: %v", len(value), topic, err)
	}
	return deadOrigin{topic, part, off}
}

// replay runs the reader process on smh_cascades, two days apart, and
// waits until the roles have consumed every message (and the fitter,
// which publishes before it commits, has published every output).
func (p *hostilePipeline) replay() {
	p.t.Helper()
	reader := startChild(p.t, "reader", p.role("reader", "--data", p.dir, "--spacing", "172800", "--log-level", "warn")...)
	groups := map[string]string{stream.DefaultFitterGroup: p.topics.Retweets}
	for _, c := range p.roles {
		switch c.name {
		case "trainer":
			groups[stream.DefaultTrainerGroup] = p.topics.Samples
		case "alerts":
			groups[stream.DefaultAlertsGroup] = p.topics.Predictions
		}
	}
	wait(p.t, 90*time.Second, "the pipeline to drain", nil, nil, func() bool {
		p.checkRunning()
		if !reader.done() {
			return false
		}
		for g, topic := range groups {
			if !streamtest.CommittedAll(p.t, p.cl, p.admin, g, topic) {
				return false
			}
		}
		return true
	})
	if code := reader.cmd.ProcessState.ExitCode(); code != 0 {
		p.t.Fatalf("reader exit code %d, stderr:\n%s", code, reader.stderr)
	}
	wait(p.t, 10*time.Second, "every output read", nil, nil, func() bool {
		for _, w := range p.watches {
			if !w.CaughtUp(p.t, p.cl) {
				return false
			}
		}
		return true
	})
}

// stop interrupts the roles and checks that each exits with 0.
func (p *hostilePipeline) stop() {
	p.t.Helper()
	p.checkRunning()
	stopAll(p.t, 15*time.Second, p.roles...)
}

// deadOrigin is where a message was on its topic.
type deadOrigin struct {
	topic     string
	partition int32
	offset    int64
}

// deadLetters returns the dead letters read, by where their messages were.
func (p *hostilePipeline) deadLetters() map[deadOrigin]stream.DeadLetter {
	p.t.Helper()
	out := map[deadOrigin]stream.DeadLetter{}
	for _, m := range p.watches[p.topics.DeadLetters].Messages() {
		var d stream.DeadLetter
		if err := json.Unmarshal(m.Value, &d); err != nil {
			p.t.Fatalf("dead letter %.200s: %v", m.Value, err)
		}
		out[deadOrigin{d.Topic, d.Partition, d.Offset}] = d
	}
	return out
}

// checkCascades checks that every cascade of smh_cascades, and those of
// extra, has its predictions and stats on every window, and returns the
// first prediction and stat of each pair on the topics, of any id.
func (p *hostilePipeline) checkCascades(extra ...pair) (map[pair]stream.Prediction, map[pair]stream.Stat) {
	p.t.Helper()
	cascades, err := data.LoadDir(context.Background(), p.dir)
	if err != nil {
		p.t.Fatal(err)
	}
	want := slices.Clone(extra)
	for _, c := range cascades {
		for _, w := range crashWindows {
			want = append(want, pair{c.ID, w})
		}
	}
	preds := map[pair]stream.Prediction{}
	for _, m := range p.watches[p.topics.Predictions].Messages() {
		if pr, err := stream.DecodePrediction(m.Value); err == nil {
			if _, ok := preds[pair{pr.ID, pr.Window}]; !ok {
				preds[pair{pr.ID, pr.Window}] = pr
			}
		}
	}
	stats := map[pair]stream.Stat{}
	for _, m := range p.watches[p.topics.Stats].Messages() {
		if s, err := stream.DecodeStat(m.Value); err == nil {
			if _, ok := stats[pair{s.ID, s.Window}]; !ok {
				stats[pair{s.ID, s.Window}] = s
			}
		}
	}
	for _, k := range want {
		if _, ok := preds[k]; !ok {
			p.t.Errorf("no prediction of %v", k)
		}
		if _, ok := stats[k]; !ok {
			p.t.Errorf("no stat of %v", k)
		}
	}
	return preds, stats
}

// Hostile: 740 KB of junk and 800 KB of JSON on the retweets topic, 800 KB on the predictions and samples topics, 950 KB on the models topic, with the broker, fitter, trainer, alerts and reader each in its own process -> each dead-lettered with its payload truncated and committed past; no process stops and every cascade of smh_cascades is predicted and finished
func TestHostileOversizedMessageMultiProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts hawkes processes and replays smh_cascades")
	}
	p := startHostilePipeline(t, "fitter", "trainer", "alerts")
	pad := func(n int, head string) []byte {
		b := []byte(head + `,"pad":"`)
		b = append(b, bytes.Repeat([]byte{'x'}, n-len(b)-2)...)
		return append(b, `"}`...)
	}
	event := strings.TrimSuffix(string(stream.AppendEvent(nil, "huge", 0, 0, 0, 1)), "}")
	sizes := map[deadOrigin]int{
		p.send(p.topics.Retweets, "junk", bytes.Repeat([]byte{'x'}, 740_000)):                                                                   740_000,
		p.send(p.topics.Retweets, "huge", pad(800_000, event)):                                                                                  800_000,
		p.send(p.topics.Predictions, "p", pad(800_000, `{"v":1,"id":"p","window":600,"time":5,"n":3,"nhat":9,"source":"hawkes","status":"ok"`)): 800_000,
		p.send(p.topics.Samples, "s", pad(800_000, `{"v":1,"id":"s","window":600,"status":"ok","n":1,"size":3`)):                                800_000,
		p.send(p.topics.Models, "600", pad(950_000, `{"v":1,"window":600,"version":1,"model":"AAAA"`)):                                          950_000,
	}
	p.replay()
	dead := p.deadLetters()
	for o, size := range sizes {
		d, ok := dead[o]
		switch {
		case !ok:
			t.Errorf("%v: no dead letter", o)
		case !strings.Contains(d.Reason, "over the bound"):
			t.Errorf("%v: reason %q", o, d.Reason)
		case !d.Truncated || d.ValueSize != size || len(d.Value) != stream.MaxDeadLetterValueBytes:
			t.Errorf("%v: dead letter of %d bytes: truncated %v, value_size %d, holding %d bytes", o, size, d.Truncated, d.ValueSize, len(d.Value))
		}
	}
	if len(dead) != len(sizes) {
		t.Errorf("%d dead letters, want %d", len(dead), len(sizes))
	}
	preds, _ := p.checkCascades()
	for k := range preds {
		if k.id == "huge" {
			t.Errorf("the oversized event was predicted: %v", k)
		}
	}
	p.stop()
}

// Hostile: a retweets event and a watermark at absurd but finite times (1e12 and 1e15 s) on the partition of an open cascade, with the broker, fitter, alerts and reader each in its own process -> dead-lettered; the open cascade keeps its true size, every cascade of smh_cascades is predicted at its own event time, and the fitter keeps running
func TestHostileAbsurdEventTimeMultiProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts hawkes processes and replays smh_cascades")
	}
	p := startHostilePipeline(t, "fitter", "alerts")
	// A cascade of five events, open when the absurd messages arrive on
	// its partition: 4 events in 600 s, 5 in 3600 s.
	const probe = "probe"
	var at deadOrigin
	for i, tt := range []float64{0, 100, 400} {
		at = p.send(p.topics.Retweets, probe, stream.AppendEvent(nil, probe, i, 0, tt, 10))
	}
	// Keys that sarama's hash partitioner, the reader's, sends to the
	// probe's partition.
	onProbe := func(prefix string) string {
		hp := sarama.NewHashPartitioner(p.topics.Retweets)
		for i := 0; i < 1000; i++ {
			k := fmt.Sprint(prefix, i)
			if q, err := hp.Partition(&sarama.ProducerMessage{Key: sarama.StringEncoder(k)}, p.topics.RetweetsPartitions); err == nil && q == at.partition {
				return k
			}
		}
		t.Fatalf("no key %s<n> on partition %d", prefix, at.partition)
		return ""
	}
	absurd := onProbe("absurd")
	hostile := []deadOrigin{
		p.send(p.topics.Retweets, absurd, stream.AppendEvent(nil, absurd, 0, 1e12, 0, 10)),
		p.send(p.topics.Retweets, onProbe("wm"), stream.AppendWatermark(nil, 1e15)),
	}
	for _, o := range hostile {
		if o.partition != at.partition {
			t.Fatalf("hostile message on partition %d, the probe on %d", o.partition, at.partition)
		}
	}
	p.send(p.topics.Retweets, probe, stream.AppendEvent(nil, probe, 3, 0, 500, 10))
	p.send(p.topics.Retweets, probe, stream.AppendEvent(nil, probe, 4, 0, 3000, 10))
	p.replay()

	dead := p.deadLetters()
	for _, o := range hostile {
		if d, ok := dead[o]; !ok || !strings.Contains(d.Reason, "ahead of the partition's clock") {
			t.Errorf("%v: dead letter %+v, want one for a time too far ahead", o, d)
		}
	}
	if len(dead) != len(hostile) {
		t.Errorf("%d dead letters, want %d", len(dead), len(hostile))
	}
	preds, stats := p.checkCascades(pair{probe, 600}, pair{probe, 3600})
	for k, pr := range preds {
		// smh_cascades' last cascade starts at 19 × 2 days.
		if k.id == absurd || pr.Time > 50*86400 {
			t.Errorf("%v predicted at event time %v", k, pr.Time)
		}
	}
	for w, n := range map[float64]int{600: 4, 3600: 5} {
		if pr, s := preds[pair{probe, w}], stats[pair{probe, w}]; pr.N != n || s.Size != 5 {
			t.Errorf("probe on %v s: predicted on %d events, size %d; want %d and 5", w, pr.N, s.Size, n)
		}
	}
	p.stop()
}
