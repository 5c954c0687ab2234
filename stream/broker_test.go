package stream

import (
	"context"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hawkes-toolkit/hawkes/internal/streamtest"
)

// freePort returns a TCP port nothing listens on at the moment.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestConnectRetries starts the roles before the broker: they retry until
// it is up, then work; with no broker at all they give up after the
// connect timeout with a clear error.
func TestConnectRetries(t *testing.T) {
	port := freePort(t)
	client := Client{Brokers: []string{net.JoinHostPort("127.0.0.1", itoa(port))}, ConnectTimeout: 20 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	topics := testTopics()
	errc := make(chan error, 1)
	retries := retryCounter{Handler: streamtest.Logger(t).Handler(), n: new(atomic.Int64)}
	go func() { errc <- EnsureTopics(ctx, client, topics, slog.New(retries)) }()
	streamtest.Wait(t, 10*time.Second, "a retry", func() bool { return retries.n.Load() > 0 })
	select {
	case err := <-errc:
		t.Fatalf("EnsureTopics returned %v before the broker was up", err)
	default:
	}
	b, err := StartBroker(BrokerOptions{Ports: []int{port}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := <-errc; err != nil {
		t.Fatalf("after the broker came up: %v", err)
	}

	began := time.Now()
	err = EnsureTopics(ctx, Client{Brokers: []string{net.JoinHostPort("127.0.0.1", itoa(freePort(t)))}, ConnectTimeout: 500 * time.Millisecond}, topics, nil)
	if err == nil || !strings.Contains(err.Error(), "gave up after 500ms") {
		t.Fatalf("no broker: error %v, want a give-up after 500ms", err)
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("gave up after %v", d)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// retryCounter is a log handler that counts the connection retries logged
// and passes every record on.
type retryCounter struct {
	slog.Handler
	n *atomic.Int64
}

func (h retryCounter) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "brokers unreachable, retrying" {
		h.n.Add(1)
	}
	return h.Handler.Handle(ctx, r)
}

// TestBrokerStateDir restarts the embedded broker with a state folder: the
// topics and the fitters' committed offsets survive, so a fitter started
// again resumes where it stopped instead of predicting everything again.
func TestBrokerStateDir(t *testing.T) {
	cascades := loadSMH(t)[:8]
	dir := t.TempDir()
	topics := testTopics()
	windows := []float64{600, 3600}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	log := streamtest.Logger(t)

	b, err := StartBroker(BrokerOptions{StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	client := Client{Brokers: b.Addrs()}
	if err := EnsureTopics(ctx, client, topics, log); err != nil {
		t.Fatal(err)
	}
	st, err := Replay(ctx, client, topics, cascades, ReaderOptions{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	fo := FitterOptions{Windows: windows, Terminated: 6 * 3600, Fit: fitOpts(), Log: log}
	// runUntil runs a fitter until done holds of it.
	runUntil := func(client Client, what string, done func(*Fitter) bool) *Fitter {
		t.Helper()
		f, err := NewFitter(client, topics, fo)
		if err != nil {
			t.Fatal(err)
		}
		fctx, fcancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f.Run(fctx); err != nil {
				t.Error(err)
			}
		}()
		streamtest.Wait(t, 90*time.Second, what, func() bool { return done(f) })
		fcancel()
		wg.Wait()
		return f
	}
	// The first fitter finishes every cascade and commits the whole topic
	// (offsets are committed every 200 ms).
	cl, admin := streamtest.Client(t, client.Brokers), streamtest.Admin(t, client.Brokers)
	first := runUntil(client, "the first fitter to finish every cascade and commit", func(f *Fitter) bool {
		return f.Counts().Stats == int64(len(cascades)*len(windows)) &&
			streamtest.CommittedAll(t, cl, admin, DefaultFitterGroup, topics.Retweets)
	})
	if c := first.Counts(); c.Events+c.Orphans != int64(st.Events) {
		t.Fatalf("first fitter consumed %d events (%d ignored), want %d", c.Events, c.Orphans, st.Events)
	}
	b.Close()

	b, err = StartBroker(BrokerOptions{StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	client = Client{Brokers: b.Addrs()}
	if n := len(streamtest.ReadAll(t, client.Brokers, topics.Predictions)); n != len(cascades)*len(windows) {
		t.Fatalf("after the restart the predictions topic holds %d messages, want %d", n, len(cascades)*len(windows))
	}
	// The second fitter finds the committed offsets: nothing to do. It
	// holds the partitions for a second, time to consume what it would.
	var assigned time.Time
	second := runUntil(client, "the second fitter to hold the partitions for a second", func(f *Fitter) bool {
		if c := f.Counts(); c.Events+c.Orphans > 0 {
			return true // it consumed: fails below
		}
		if f.parts.Load() == 0 {
			return false
		}
		if assigned.IsZero() {
			assigned = time.Now()
		}
		return time.Since(assigned) >= time.Second
	})
	if c := second.Counts(); c.Events+c.Orphans != 0 || c.Predictions != 0 {
		t.Errorf("after the restart the fitter consumed %d events and made %d predictions, want none", c.Events, c.Predictions)
	}
}

// TestResumeAfterRestart stops a whole run in the middle, restarts the
// embedded broker from its state folder and runs again with Resume: every
// event is on the retweets topic exactly once, and the summary counts every
// cascade once per window across both runs.
func TestResumeAfterRestart(t *testing.T) {
	cascades := loadSMH(t)
	dir := t.TempDir()
	topics := testTopics()
	windows := []float64{600, 3600}
	o := Options{
		Broker:  BrokerOptions{StateDir: dir},
		Topics:  topics,
		Reader:  ReaderOptions{Spacing: 86400, Speed: 1e6, Resume: true},
		Fitter:  FitterOptions{Windows: windows, Terminated: 6 * 3600, Fit: fitOpts()},
		Trainer: TrainerOptions{RetrainEvery: 4},
		Log:     streamtest.Logger(t),
	}
	// Stop the first run once the reader has sent 500 events.
	o.Metrics = NewMetrics()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	go func() {
		defer cancel()
		streamtest.Eventually(time.Minute, ctx.Done(), func() bool {
			return ctx.Err() != nil || testutil.ToFloat64(o.Metrics.ReplayedEvents) >= 500
		})
	}()
	_, err := Run(ctx, cascades, o)
	cancel()
	o.Metrics = nil
	if err == nil {
		t.Fatal("the first run finished: it should have been stopped in the middle")
	}
	events := 0
	for i := range cascades {
		events += cascades[i].Len()
	}
	countEvents := func() int {
		b, err := StartBroker(BrokerOptions{StateDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		n := 0
		for _, m := range streamtest.ReadAll(t, b.Addrs(), topics.Retweets) {
			if r, err := DecodeRetweet(m.Value); err == nil && r.Kind == KindEvent {
				n++
			}
		}
		return n
	}
	if n := countEvents(); n == 0 || n == events {
		t.Fatalf("the first run left %d of %d events on the topic: it should stop in the middle of the replay", n, events)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := Run(ctx, cascades, o)
	if err != nil {
		t.Fatal(err)
	}
	if s.Events != events || s.Cascades != len(cascades) {
		t.Errorf("summary: %d events of %d cascades, want %d of %d", s.Events, s.Cascades, events, len(cascades))
	}
	for _, w := range windows {
		if got := s.Predictions[WindowKey(w)]; got != len(cascades) {
			t.Errorf("summary: %d predictions on window %v, want %d", got, w, len(cascades))
		}
		if a := s.ARE[WindowKey(w)]; a.Count != len(cascades) {
			t.Errorf("summary: ARE of window %v over %d cascades, want %d", w, a.Count, len(cascades))
		}
	}

	// Every event is on the topic exactly once.
	b, err := StartBroker(BrokerOptions{StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	seen := map[string][]int{}
	for _, m := range streamtest.ReadAll(t, b.Addrs(), topics.Retweets) {
		r, err := DecodeRetweet(m.Value)
		if err != nil {
			t.Fatal(err)
		}
		if r.Kind == KindEvent {
			seen[r.ID] = append(seen[r.ID], r.Seq)
		}
	}
	for _, c := range cascades {
		seqs := seen[c.ID]
		ok := len(seqs) == c.Len()
		for i := 0; ok && i < len(seqs); i++ {
			ok = seqs[i] == i
		}
		if !ok {
			t.Errorf("cascade %s: events %v on the topic, want 0..%d once each", c.ID, seqs, c.Len()-1)
		}
	}
}
