package stream

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
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
	go func() { errc <- EnsureTopics(ctx, client, topics, testLog(t)) }()
	time.Sleep(700 * time.Millisecond)
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
	log := testLog(t)

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
	runUntil := func(client Client, done func(*Fitter) bool) *Fitter {
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
		for !done(f) && ctx.Err() == nil {
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(500 * time.Millisecond) // let the offsets be committed (every 200 ms)
		fcancel()
		wg.Wait()
		return f
	}
	first := runUntil(client, func(f *Fitter) bool { return f.Counts().Stats == int64(len(cascades)*len(windows)) })
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
	if n := len(readAll(t, client.Brokers, topics.Predictions)); n != len(cascades)*len(windows) {
		t.Fatalf("after the restart the predictions topic holds %d messages, want %d", n, len(cascades)*len(windows))
	}
	// The second fitter finds the committed offsets: nothing to do.
	second := runUntil(client, func(f *Fitter) bool { return f.parts.Load() > 0 })
	time.Sleep(time.Second)
	if c := second.Counts(); c.Events+c.Orphans != 0 || c.Predictions != 0 {
		t.Errorf("after the restart the fitter consumed %d events and made %d predictions, want none", c.Events, c.Predictions)
	}
}
