// Package streamtest is the test harness of the streaming pipeline, for
// the tests of package stream and of the hawkes command: an embedded broker
// closed when the test ends, sarama clients of it, a topic read to its end
// or followed as it grows, a test logger, and waits with a deadline. Only
// _test.go files import it.
//
// It does not import package stream, whose own tests use it: a test starts
// its broker with the function it gives, stream.StartBroker.
package streamtest

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// A Broker is an embedded Kafka-protocol broker (*stream.Broker is one).
type Broker interface {
	Addrs() []string
	Close()
}

// StartBroker starts a broker with start(o), fails the test when it cannot,
// and closes the broker when the test ends:
//
//	b := streamtest.StartBroker(t, stream.StartBroker, stream.BrokerOptions{})
func StartBroker[O any, B Broker](t testing.TB, start func(O) (B, error), o O) B {
	t.Helper()
	b, err := start(o)
	if err != nil {
		t.Fatalf("start the broker: %v", err)
	}
	t.Cleanup(b.Close)
	return b
}

// Config returns the configuration of the harness's clients: Kafka 2.8,
// fetches that wait 50 ms at most, and synchronous producers.
func Config() *sarama.Config {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V2_8_0_0
	cfg.ClientID = "hawkes-test"
	cfg.Consumer.MaxWaitTime = 50 * time.Millisecond
	cfg.Consumer.Return.Errors = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Return.Successes = true
	return cfg
}

// Client returns a client of the brokers at addrs, closed when the test
// ends.
func Client(t testing.TB, addrs []string) sarama.Client {
	t.Helper()
	cl, err := sarama.NewClient(addrs, Config())
	if err != nil {
		t.Fatalf("client of %v: %v", addrs, err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

// Admin returns a cluster admin of the brokers at addrs, closed when the
// test ends.
func Admin(t testing.TB, addrs []string) sarama.ClusterAdmin {
	t.Helper()
	a, err := sarama.NewClusterAdmin(addrs, Config())
	if err != nil {
		t.Fatalf("cluster admin of %v: %v", addrs, err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// Producer returns a synchronous producer to the brokers at addrs, closed
// when the test ends. Keyed messages go to the partition sarama's hash
// partitioner picks, as package stream's producers do.
func Producer(t testing.TB, addrs []string) sarama.SyncProducer {
	t.Helper()
	p, err := sarama.NewSyncProducer(addrs, Config())
	if err != nil {
		t.Fatalf("producer to %v: %v", addrs, err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// Logger returns a logger that writes to the test's log: warnings and
// errors, and info with go test -v.
func Logger(t testing.TB) *slog.Logger {
	level := slog.LevelWarn
	if testing.Verbose() {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: level}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}
