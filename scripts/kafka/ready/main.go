// Command ready waits until a Kafka cluster answers a metadata request
// listing every one of its brokers, for scripts/kafka-cluster.sh:
//
//	go run ./scripts/kafka/ready -brokers 127.0.0.1:9092,127.0.0.1:9093 -count 2 -timeout 2m
//
// It exits 0 once the cluster does, 1 when the timeout passes first (with
// the last error on standard error). It asks through sarama, the client the
// stream uses, so a cluster it calls ready is one the stream can talk to.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"time"

	"github.com/IBM/sarama"
)

func main() {
	brokers := flag.String("brokers", "", "bootstrap servers `HOST:PORT,...`")
	count := flag.Int("count", 1, "brokers the metadata must list")
	timeout := flag.Duration("timeout", 2*time.Minute, "give up after this long")
	flag.Parse()
	log.SetFlags(0)
	if *brokers == "" || *count < 1 {
		log.Fatal("ready: -brokers and a -count >= 1 are required")
	}
	if err := wait(strings.Split(*brokers, ","), *count, *timeout); err != nil {
		log.Fatalf("ready: %v", err)
	}
}

// wait asks each address in turn for the cluster's metadata until one
// answers with count brokers and a controller.
func wait(addrs []string, count int, timeout time.Duration) error {
	sarama.Logger = log.New(io.Discard, "", 0)
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V2_8_0_0
	cfg.ClientID = "hawkes-kafka-ready"
	cfg.Net.DialTimeout = 2 * time.Second
	cfg.Net.ReadTimeout = 5 * time.Second
	deadline := time.Now().Add(timeout)
	var last error = errors.New("no answer yet")
	for time.Now().Before(deadline) {
		for _, a := range addrs {
			n, err := brokersSeen(a, cfg)
			switch {
			case err != nil:
				last = fmt.Errorf("%s: %w", a, err)
			case n < count:
				last = fmt.Errorf("%s lists %d of %d brokers", a, n, count)
			default:
				return nil
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	fmt.Fprintln(os.Stderr, "ready: last answer:", last)
	return fmt.Errorf("the cluster at %s did not list %d brokers within %v", strings.Join(addrs, ","), count, timeout)
}

// brokersSeen returns how many brokers the metadata of the broker at addr
// lists, 0 while it has no controller yet.
func brokersSeen(addr string, cfg *sarama.Config) (int, error) {
	b := sarama.NewBroker(addr)
	if err := b.Open(cfg); err != nil {
		return 0, err
	}
	defer b.Close()
	res, err := b.GetMetadata(sarama.NewMetadataRequest(cfg.Version, nil))
	if err != nil {
		return 0, err
	}
	if res.ControllerID < 0 {
		return 0, nil
	}
	return len(res.Brokers), nil
}
