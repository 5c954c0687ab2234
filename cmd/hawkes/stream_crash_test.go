package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/internal/shared"
	"github.com/hawkes-toolkit/hawkes/internal/streamtest"
	"github.com/hawkes-toolkit/hawkes/stream"
)

// TestStreamFitterCrash runs the stream roles as separate processes on an
// embedded broker, kills the fitter with SIGKILL while the replay is being
// predicted, starts a new fitter in the same consumer group, and checks the
// crash-safety promise of the stream package doc: the new fitter replays
// from the committed offsets, so every cascade gets its prediction, sample
// and stat on every window; the duplicates this replay may publish on the
// predictions, samples and stats topics are counted once by the alerts role
// and by anyone deduplicating by (id, window). Each kill point (a number of
// the 40 expected predictions seen on the predictions topic) runs on a
// fresh broker.
func TestStreamFitterCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts hawkes processes and replays smh_cascades three times")
	}
	dir := shared.Path(t, "smh_cascades")
	cascades, err := data.LoadDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	// Most of a run is spent waiting for the broker to expire the killed
	// fitter's session (10 s), so the runs overlap, whatever -parallel says
	// (t.Run may be called from several goroutines at once).
	var wg sync.WaitGroup
	for _, tc := range []struct {
		name   string
		killAt int // distinct (id, window) predictions seen before the kill
	}{
		{"early", 6},
		{"middle", 18},
		{"late", 28},
	} {
		wg.Go(func() {
			t.Run(tc.name, func(t *testing.T) { testFitterCrash(t, dir, cascades, tc.killAt) })
		})
	}
	wg.Wait()
}

// crashWindows are the fitters' observation windows (crashWindowsFlag as
// the --window flag), and crashThreshold the alert threshold: 14 of the 40
// predictions of smh_cascades on these windows are at or above it, none
// between 13 and 16 (from a run of hawkes stream with the same flags; the
// fits are seeded).
var crashWindows = []float64{600, 3600}

const (
	crashWindowsFlag = "600,3600"
	crashThreshold   = 15
)

func testFitterCrash(t *testing.T, dir string, cascades []data.Cascade, killAt int) {
	topics := stream.DefaultTopics()
	// Fewer retweets partitions than the default 100, on every process:
	// each fitter partition then holds a few cascades, and the offsets it
	// commits lag behind the cascades it finished.
	topicFlags := []string{"--partitions-retweets", "8"}
	var wantPairs []pair // in data set order, for messages in a stable order
	want := map[pair]bool{}
	for _, c := range cascades {
		for _, w := range crashWindows {
			wantPairs = append(wantPairs, pair{c.ID, w})
			want[pair{c.ID, w}] = true
		}
	}

	// The broker prints its address (a free port) once the topics exist.
	broker := startChild(t, "broker", slices.Concat([]string{"stream", "broker", "--log-level", "warn"}, topicFlags)...)
	wait(t, 20*time.Second, "the broker's address", broker.stdout.changed, broker.exited, func() bool {
		return strings.Contains(broker.stdout.String(), "\n")
	})
	addr := strings.TrimSpace(broker.stdout.String())
	role := func(name string, args ...string) []string {
		return slices.Concat([]string{"stream", name, "--brokers", addr}, args, topicFlags)
	}
	cl := streamtest.Client(t, []string{addr})
	watches := streamtest.WatchTopics(t, cl, topics.Predictions, topics.Stats, topics.Samples, topics.Alerts, topics.DeadLetters)
	preds, stats, samples, alertMsgs, dead := watches[0], watches[1], watches[2], watches[3], watches[4]

	// A cascade is finished after 6 hours without a retweet, well before
	// the next one starts (--spacing below: two days), so that cascades
	// finish, and offsets are committed, all along the replay.
	fitterArgs := func(id string) []string {
		return role("fitter", "--id", id, "--window", crashWindowsFlag, "--terminated", "21600", "--starts", "4")
	}
	fitter1 := startChild(t, "fitter 1", fitterArgs("crash-fitter-1")...)
	trainer := startChild(t, "trainer", role("trainer", "--log-level", "warn")...)
	alerts := startChild(t, "alerts", role("alerts", "--threshold", fmt.Sprint(crashThreshold),
		"--format", "jsonl", "--log-level", "warn")...)
	// The replay starts once the fitter holds the partitions, so that the
	// kill falls in the middle of it rather than in a backlog.
	admin := streamtest.Admin(t, []string{addr})
	wait(t, 30*time.Second, "fitter 1 to be assigned the partitions", nil, fitter1.exited, func() bool {
		gs, err := admin.DescribeConsumerGroups([]string{stream.DefaultFitterGroup})
		if err != nil {
			t.Fatalf("describe group %s: %v", stream.DefaultFitterGroup, err)
		}
		return len(gs) == 1 && gs[0].State == "Stable" && len(gs[0].Members) == 1
	})
	began := time.Now()
	// The replay lasts about 2 s of wall time (20 cascades two days apart
	// at 2e6 times real time); the fitter, fitting, lags behind it.
	reader := startChild(t, "reader", role("reader", "--data", dir,
		"--spacing", "172800", "--speed", "2000000", "--log-level", "warn")...)

	wait(t, 30*time.Second, fmt.Sprintf("%d predictions", killAt), preds.Changed, fitter1.exited, func() bool {
		return len(pairs(t, preds.Messages(), predictionKey)) >= killAt
	})
	if err := fitter1.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill fitter 1: %v", err)
	}
	<-fitter1.exited
	seenAtKill := len(pairs(t, preds.Messages(), predictionKey))
	t.Logf("fitter 1 killed %.1fs into the replay, %d of %d predictions seen", time.Since(began).Seconds(), seenAtKill, len(want))
	fitter2 := startChild(t, "fitter 2", fitterArgs("crash-fitter-2")...)

	// Fitter 2 waits for the broker to expire fitter 1's session (10 s)
	// before it is given the partitions. The pipeline has drained when the
	// reader has sent everything, the fitters have committed every retweet
	// (the end markers included, which finish every cascade; a fitter
	// publishes before it commits) and then the alerts role every
	// prediction. Waiting for this rather than for a stat of every pair
	// lets a lost output be reported below instead of timing out.
	wait(t, 60*time.Second, "the pipeline to drain", nil, fitter2.exited, func() bool {
		return reader.done() &&
			streamtest.CommittedAll(t, cl, admin, stream.DefaultFitterGroup, topics.Retweets) &&
			streamtest.CommittedAll(t, cl, admin, stream.DefaultAlertsGroup, topics.Predictions)
	})
	if code := reader.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("reader exit code %d, stderr:\n%s", code, reader.stderr)
	}
	stopAll(t, 15*time.Second, fitter2, alerts, trainer)
	t.Logf("pipeline drained %.1fs into the replay", time.Since(began).Seconds())
	wait(t, 10*time.Second, "every output read", nil, nil, func() bool {
		for _, w := range watches {
			if !w.CaughtUp(t, cl) {
				return false
			}
		}
		return true
	})

	// Predictions: every pair at least once; fitter 1 made some and fitter
	// 2 was needed for others; a replayed prediction has the first one's n
	// and, made with the same forest, its nhat (the fits are seeded). The
	// first on the topic, by offset, is the one the alerts role used: both
	// are keyed by cascade id, on one partition.
	first := map[pair]stream.Prediction{}
	byFitter1 := map[pair]bool{}
	dups := 0
	for _, m := range preds.Messages() {
		p, err := stream.DecodePrediction(m.Value)
		if err != nil {
			t.Fatalf("predictions offset %d/%d: %v", m.Partition, m.Offset, err)
		}
		k := pair{p.ID, p.Window}
		if !want[k] {
			t.Errorf("prediction of an unknown cascade or window: %+v", p)
		}
		if p.Fitter == "crash-fitter-1" {
			byFitter1[k] = true
		}
		f, ok := first[k]
		if !ok {
			first[k] = p
			continue
		}
		dups++
		if p.N != f.N || (p.ModelVersion == f.ModelVersion && math.Abs(p.NHat-f.NHat) > 1e-9*math.Max(1, f.NHat)) {
			t.Errorf("replayed prediction %+v differs from the first %+v", p, f)
		}
	}
	onlyAfter := 0
	for _, k := range wantPairs {
		switch _, ok := first[k]; {
		case !ok:
			t.Errorf("no prediction of %v", k)
		case !byFitter1[k]:
			onlyAfter++
		}
	}
	if len(byFitter1) == 0 || onlyAfter == 0 {
		t.Errorf("fitter 1 predicted %d pairs before it was killed, fitter 2 alone %d: the kill did not fall in the replay",
			len(byFitter1), onlyAfter)
	}
	t.Logf("predictions: %d pairs, %d by fitter 1, %d only after the restart, %d duplicates on the topic",
		len(first), len(byFitter1), onlyAfter, dups)

	// Stats and samples: every pair; replays agree.
	checkFinished(t, stats, wantPairs, func(b []byte) (pair, [2]int, error) {
		s, err := stream.DecodeStat(b)
		return pair{s.ID, s.Window}, [2]int{s.N, s.Size}, err
	})
	checkFinished(t, samples, wantPairs, func(b []byte) (pair, [2]int, error) {
		s, err := stream.DecodeSample(b)
		return pair{s.ID, s.Window}, [2]int{s.N, s.Size}, err
	})

	// Alerts: exactly the first predictions at or above the threshold,
	// each once, and the alerts role counted each pair once (its summary
	// line on standard error).
	wantAlerts := map[pair]bool{}
	for k, p := range first {
		if p.NHat >= crashThreshold {
			wantAlerts[k] = true
		}
	}
	if len(wantAlerts) == 0 || len(wantAlerts) == len(want) {
		t.Errorf("%d of %d predictions at or above %d: the threshold does not split them", len(wantAlerts), len(want), crashThreshold)
	}
	gotAlerts := map[pair]bool{}
	for _, m := range alertMsgs.Messages() {
		a, err := stream.DecodeAlert(m.Value)
		if err != nil {
			t.Fatalf("alerts offset %d/%d: %v", m.Partition, m.Offset, err)
		}
		k := pair{a.ID, a.Window}
		if gotAlerts[k] {
			t.Errorf("alert %v published twice", k)
		}
		gotAlerts[k] = true
		if !wantAlerts[k] {
			t.Errorf("alert %+v: not a first prediction at or above %d", a, crashThreshold)
		}
	}
	for _, k := range wantPairs {
		if wantAlerts[k] && !gotAlerts[k] {
			t.Errorf("no alert for %v (nhat %v)", k, first[k].NHat)
		}
	}
	t.Logf("%s: %d alerts, %d pairs", topics.Alerts, len(alertMsgs.Messages()), len(gotAlerts))
	var nPred, nAlerts int
	if _, err := fmt.Sscanf(lineWith(alerts.stderr.String(), "alerts: "), "alerts: %d predictions, %d alerts", &nPred, &nAlerts); err != nil {
		t.Errorf("alerts role summary: %v; stderr:\n%s", err, alerts.stderr)
	} else if nPred != len(want) || nAlerts != len(wantAlerts) {
		t.Errorf("alerts role counted %d predictions and %d alerts, want %d and %d", nPred, nAlerts, len(want), len(wantAlerts))
	}
	if n := len(dead.Messages()); n != 0 {
		t.Errorf("%d dead letters", n)
	}
	stopAll(t, 10*time.Second, broker)
}

// pair is a cascade and a window, the unit consumers deduplicate by.
type pair struct {
	id     string
	window float64
}

// checkFinished checks a topic written when cascades finish (stats,
// samples): every pair of want is there, no other, and a replayed message
// has the same n and size as the first.
func checkFinished(t *testing.T, w *streamtest.Watch, want []pair, decode func([]byte) (pair, [2]int, error)) {
	t.Helper()
	topic := w.Topic
	first := map[pair][2]int{}
	dups := 0
	for _, m := range w.Messages() {
		k, ns, err := decode(m.Value)
		if err != nil {
			t.Fatalf("%s offset %d/%d: %v", topic, m.Partition, m.Offset, err)
		}
		if !slices.Contains(want, k) {
			t.Errorf("%s: unknown cascade or window %v", topic, k)
		}
		f, ok := first[k]
		if !ok {
			first[k] = ns
			continue
		}
		dups++
		if ns != f {
			t.Errorf("%s: replayed %v has n, size %v, the first %v", topic, k, ns, f)
		}
	}
	for _, k := range want {
		if _, ok := first[k]; !ok {
			t.Errorf("%s: nothing for %v", topic, k)
		}
	}
	t.Logf("%s: %d pairs, %d duplicates on the topic", topic, len(first), dups)
}

// lineWith returns the last line of s that starts with prefix, or "".
func lineWith(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], prefix) {
			return lines[i]
		}
	}
	return ""
}

// child is a hawkes process: this test binary run with execEnv set.
type child struct {
	name           string
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	exited         chan struct{} // closed when the process has ended
}

// startChild starts hawkes with args. The process is killed, if still
// running, when the test ends; its standard error is logged when the test
// failed, and a data race it reports fails the test.
func startChild(t *testing.T, name string, args ...string) *child {
	t.Helper()
	c := &child{name: name, stdout: newSyncBuffer(), stderr: newSyncBuffer(), exited: make(chan struct{})}
	c.cmd = exec.Command(os.Args[0], args...)
	c.cmd.Env = append(os.Environ(), execEnv+"=1")
	c.cmd.Stdout, c.cmd.Stderr = c.stdout, c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		c.cmd.Wait() // the exit status is read from ProcessState
		close(c.exited)
	}()
	t.Cleanup(func() {
		if !c.done() {
			c.cmd.Process.Kill()
			<-c.exited
		}
		if strings.Contains(c.stderr.String(), "DATA RACE") {
			t.Errorf("%s reported a data race:\n%s", name, c.stderr)
		} else if t.Failed() {
			t.Logf("%s (%s) standard error:\n%s", name, strings.Join(args, " "), c.stderr)
		}
	})
	return c
}

func (c *child) done() bool {
	select {
	case <-c.exited:
		return true
	default:
		return false
	}
}

// stopAll interrupts the processes, as Ctrl-C does, and checks that each
// exits with 0 within timeout.
func stopAll(t *testing.T, timeout time.Duration, cs ...*child) {
	t.Helper()
	for _, c := range cs {
		if err := c.cmd.Process.Signal(os.Interrupt); err != nil && !c.done() {
			t.Fatalf("interrupt %s: %v", c.name, err)
		}
	}
	deadline := time.After(timeout)
	for _, c := range cs {
		select {
		case <-c.exited:
		case <-deadline:
			t.Fatalf("%s did not stop within %v of SIGINT", c.name, timeout)
		}
		if code := c.cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("%s exit code %d after SIGINT, want 0", c.name, code)
		}
	}
}

// wait returns when cond holds, checking it whenever changed (which may be
// nil) receives and at least every 100 ms. It fails the test after timeout,
// or as soon as the process whose exited channel is given (which may be
// nil) has ended without cond holding.
func wait(t *testing.T, timeout time.Duration, what string, changed <-chan struct{}, exited <-chan struct{}, cond func() bool) {
	t.Helper()
	ended := false
	held := streamtest.Eventually(timeout, changed, func() bool {
		if cond() {
			return true
		}
		select {
		case <-exited:
			ended = true
			return true // stop waiting: cond cannot hold any more
		default:
			return false
		}
	})
	switch {
	case ended:
		t.Fatalf("waiting for %s: the process ended", what)
	case !held:
		t.Fatalf("waiting for %s: gave up after %v", what, timeout)
	}
}

// syncBuffer is a buffer safe for concurrent use that signals on changed
// after every write.
type syncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{}
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{changed: make(chan struct{}, 1)} }

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	n, err := b.b.Write(p)
	b.mu.Unlock()
	select {
	case b.changed <- struct{}{}:
	default:
	}
	return n, err
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// pairs returns the distinct pairs of msgs, which key decodes.
func pairs(t *testing.T, msgs []*sarama.ConsumerMessage, key func([]byte) (pair, error)) map[pair]bool {
	t.Helper()
	seen := map[pair]bool{}
	for _, m := range msgs {
		k, err := key(m.Value)
		if err != nil {
			t.Fatalf("%s offset %d/%d: %v", m.Topic, m.Partition, m.Offset, err)
		}
		seen[k] = true
	}
	return seen
}

func predictionKey(b []byte) (pair, error) {
	p, err := stream.DecodePrediction(b)
	return pair{p.ID, p.Window}, err
}
