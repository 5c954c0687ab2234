package stream

import (
	"fmt"
	"os"

	"github.com/twmb/franz-go/pkg/kfake"
)

// DefaultBrokers is the number of brokers of an embedded cluster.
const DefaultBrokers = 1

// BrokerOptions configures the embedded broker. StartBroker sets the fields
// left at zero to their defaults; Validate (options.go) holds the rules.
type BrokerOptions struct {
	// Brokers is the number of brokers of the cluster, 1 to 3 (default
	// DefaultBrokers).
	// Ignored when Ports is set: one broker per port.
	Brokers int
	// Ports to listen on, on 127.0.0.1; empty picks free ports.
	Ports []int
	// StateDir, when set, keeps the topics and the committed offsets on
	// disk there across restarts.
	StateDir string
}

// Broker is an embedded Kafka-protocol cluster (github.com/twmb/franz-go/
// pkg/kfake) listening on 127.0.0.1: it speaks the real wire protocol, so
// roles reach it over TCP exactly as they reach a real cluster.
type Broker struct {
	c *kfake.Cluster
}

// StartBroker starts an embedded cluster.
func StartBroker(o BrokerOptions) (*Broker, error) {
	o = o.WithDefaults()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	n := o.Brokers
	if len(o.Ports) > 0 {
		n = len(o.Ports)
	}
	opts := []kfake.Opt{kfake.NumBrokers(n), kfake.DefaultNumPartitions(1),
		kfake.BrokerConfigs(map[string]string{"message.max.bytes": fmt.Sprint(MaxModelMessageBytes + 64<<10)})}
	if len(o.Ports) > 0 {
		opts = append(opts, kfake.Ports(o.Ports...))
	}
	if o.StateDir != "" {
		if err := os.MkdirAll(o.StateDir, 0o755); err != nil {
			return nil, fmt.Errorf("stream: embedded broker state: %w", err)
		}
		opts = append(opts, kfake.DataDir(o.StateDir))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("stream: embedded broker: %w", err)
	}
	return &Broker{c: c}, nil
}

// Addrs returns the host:port of each broker.
func (b *Broker) Addrs() []string { return b.c.ListenAddrs() }

// Close stops the brokers (and writes their state, with StateDir).
func (b *Broker) Close() {
	if b != nil && b.c != nil {
		b.c.Close()
	}
}
