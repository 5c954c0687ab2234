package stream

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"strings"
	"time"

	"github.com/IBM/sarama"
	"github.com/xdg-go/scram"
)

// Topics names the topics of the pipeline and their partition counts.
type Topics struct {
	Retweets    string
	Predictions string
	Samples     string
	Models      string // always one partition
	Alerts      string
	Stats       string
	DeadLetters string

	RetweetsPartitions    int32
	PredictionsPartitions int32
	SamplesPartitions     int32
	AlertsPartitions      int32
	StatsPartitions       int32
	DeadLettersPartitions int32
	// Replication is the replication factor of the topics this package
	// creates (1 on the embedded broker).
	Replication int16
	// MinInsyncReplicas, when above 0, is the min.insync.replicas of the
	// topics this package creates: with acks from all in-sync replicas (the
	// producers' setting), a write succeeds only once that many replicas
	// hold it. 0 leaves the cluster's default.
	MinInsyncReplicas int16
}

// DefaultTopics returns the default topic names and partition counts. The
// retweets and alerts counts are the prototype's (SPEC section 6).
func DefaultTopics() Topics {
	return Topics{
		Retweets: "hawkes.retweets", Predictions: "hawkes.predictions", Samples: "hawkes.samples",
		Models: "hawkes.models", Alerts: "hawkes.alerts", Stats: "hawkes.stats", DeadLetters: "hawkes.deadletters",
		RetweetsPartitions: 100, PredictionsPartitions: 10, SamplesPartitions: 10,
		AlertsPartitions: 20, StatsPartitions: 10, DeadLettersPartitions: 1,
		Replication: 1,
	}
}

// list returns every topic with its partition count.
func (t Topics) list() []topicSpec {
	return []topicSpec{
		{t.Retweets, t.RetweetsPartitions}, {t.Predictions, t.PredictionsPartitions},
		{t.Samples, t.SamplesPartitions}, {t.Models, 1}, {t.Alerts, t.AlertsPartitions},
		{t.Stats, t.StatsPartitions}, {t.DeadLetters, t.DeadLettersPartitions},
	}
}

type topicSpec struct {
	name       string
	partitions int32
}

// Validate checks names and counts.
func (t Topics) Validate() error {
	seen := map[string]bool{}
	for _, s := range t.list() {
		if s.name == "" {
			return errors.New("stream: empty topic name")
		}
		if seen[s.name] {
			return fmt.Errorf("stream: topic %q named twice", s.name)
		}
		seen[s.name] = true
		if s.partitions < 1 {
			return fmt.Errorf("stream: topic %q: %d partitions, want >= 1", s.name, s.partitions)
		}
	}
	if t.Replication < 1 {
		return fmt.Errorf("stream: replication %d, want >= 1", t.Replication)
	}
	if t.MinInsyncReplicas < 0 || t.MinInsyncReplicas > t.Replication {
		return fmt.Errorf("stream: min.insync.replicas %d, want 0 (the cluster's default) to the replication %d", t.MinInsyncReplicas, t.Replication)
	}
	return nil
}

// SASL mechanisms.
const (
	SASLPlain       = "PLAIN"
	SASLScramSHA256 = "SCRAM-SHA-256"
	SASLScramSHA512 = "SCRAM-SHA-512"
)

// DefaultClientID is the name a process gives itself to the brokers.
const DefaultClientID = "hawkes"

// Client says how to reach the brokers. A role's connection sets the fields
// left at zero to their defaults; Validate (options.go) holds the rules.
type Client struct {
	Brokers []string // host:port of each
	// ClientID names this process to the brokers (default
	// DefaultClientID).
	ClientID string

	TLS         bool   // connect with TLS
	TLSCA       string // PEM file of the CAs to trust (default: the system's)
	TLSCert     string // PEM client certificate, for mutual TLS
	TLSKey      string // its key
	TLSInsecure bool   // do not verify the brokers' certificates

	SASLMechanism string // "", SASLPlain, SASLScramSHA256 or SASLScramSHA512
	SASLUser      string
	SASLPassword  string

	// ConnectTimeout bounds how long a role keeps retrying to reach the
	// brokers at start (default DefaultConnectTimeout).
	ConnectTimeout time.Duration
	// KafkaVersion is the oldest Kafka version the brokers run, which
	// chooses the protocol versions the client speaks (default
	// DefaultKafkaVersion).
	KafkaVersion string
}

// DefaultKafkaVersion is the protocol the clients speak by default: Kafka
// 2.8's, which brokers from 2.8 to 4.x (Kafka 4 dropped the request
// versions older than 2.1's) and the embedded broker all serve. A cluster
// older than 2.8 needs its version given (Client.KafkaVersion, hawkes
// stream --kafka-version).
const DefaultKafkaVersion = "2.8.0"

// config returns a sarama configuration for c with this package's
// defaults (its errors are to be prefixed by the caller, except an
// *OptionError, which the entry points have reported already): the protocol of c.KafkaVersion, acks from all in-sync replicas, idempotent
// ordered production, consumers starting at the oldest offset.
func (c Client) config() (*sarama.Config, error) {
	c = c.WithDefaults()
	err := c.Validate()
	if err != nil {
		return nil, err
	}
	if len(c.Brokers) == 0 {
		return nil, errors.New("no brokers")
	}
	cfg := sarama.NewConfig()
	if cfg.Version, err = sarama.ParseKafkaVersion(c.KafkaVersion); err != nil {
		return nil, err // checked by Validate
	}
	cfg.ClientID = c.ClientID
	cfg.Net.MaxOpenRequests = 1
	cfg.Net.DialTimeout = 5 * time.Second
	cfg.Metadata.Retry.Max = 10
	cfg.Metadata.Retry.Backoff = 200 * time.Millisecond
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Idempotent = true
	// A produce request fails over while a partition's leader moves: on
	// Apache Kafka that waits for the cluster to notice the old leader is
	// gone (broker.session.timeout.ms, 9 s by default) when it died without
	// a word. The producers ride through it: 30 retries, waiting 100 ms
	// doubling up to 2 s, about 55 s in all. (With 10 retries 100 ms apart
	// the reader failed when a broker of three was killed with SIGKILL.)
	cfg.Producer.Retry.Max = producerRetries
	cfg.Producer.Retry.BackoffFunc = retryBackoff
	cfg.Producer.MaxMessageBytes = MaxModelMessageBytes + 32<<10 // below the broker limit EnsureTopics and StartBroker set
	cfg.Producer.Return.Errors = true
	cfg.Producer.Return.Successes = true // the reader counts them too, to close its producer once all are in
	cfg.Producer.Partitioner = newPartitioner
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.Offsets.AutoCommit.Interval = 200 * time.Millisecond
	cfg.Consumer.MaxWaitTime = 100 * time.Millisecond
	// Bounded buffering: at most 1 MiB fetched per partition, 16 MiB per
	// response and 1024 messages queued per partition, so that a
	// consumer's memory does not grow with the backlog it catches up on.
	// Smaller fetches cost throughput: a fitter catching up on
	// seismic_subset took 123 s with 64 KiB, 22 s with 256 KiB and 18-19 s
	// with 1 MiB and 1024 queued messages (peak RSS ~580 MiB, against ~250
	// MiB at 256 KiB and 256 messages).
	cfg.Consumer.Fetch.Default = 1 << 20
	// A fetch waits (MaxWaitTime at most) for 256 KiB: fewer, fuller
	// responses cut the ingest's CPU by about a quarter on seismic_subset
	// (user+sys of hawkes stream --no-fit, 21 -> 16 s with the reader's
	// larger batches); a quiet topic's messages wait up to 100 ms more.
	cfg.Consumer.Fetch.Min = 256 << 10
	cfg.Consumer.Fetch.Max = MaxModelMessageBytes + 64<<10
	cfg.Consumer.Fetch.MaxBytes = 16 << 20
	cfg.Consumer.Return.Errors = true
	cfg.ChannelBufferSize = 1024
	cfg.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{sarama.NewBalanceStrategyRoundRobin()}
	cfg.Consumer.Group.Session.Timeout = 10 * time.Second
	cfg.Consumer.Group.Heartbeat.Interval = time.Second
	if c.TLS {
		tc, err := c.tlsConfig()
		if err != nil {
			return nil, err
		}
		cfg.Net.TLS.Enable = true
		cfg.Net.TLS.Config = tc
	}
	switch strings.ToUpper(c.SASLMechanism) { // checked by Validate
	case SASLPlain:
		cfg.Net.SASL.Mechanism = sarama.SASLTypePlaintext
	case SASLScramSHA256:
		cfg.Net.SASL.Mechanism = sarama.SASLTypeSCRAMSHA256
		cfg.Net.SASL.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return &scramClient{gen: scram.SHA256} }
	case SASLScramSHA512:
		cfg.Net.SASL.Mechanism = sarama.SASLTypeSCRAMSHA512
		cfg.Net.SASL.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return &scramClient{gen: scram.SHA512} }
	}
	if c.SASLMechanism != "" {
		cfg.Net.SASL.Enable = true
		cfg.Net.SASL.Handshake = true
		cfg.Net.SASL.User = c.SASLUser
		cfg.Net.SASL.Password = c.SASLPassword
	}
	if err := cfg.Validate(); err != nil {
		return nil, err // "kafka: invalid configuration (...)"
	}
	return cfg, nil
}

// producerRetries is how many times a producer tries a message again.
const producerRetries = 30

// retryBackoff is the wait before retry number retries (from 1): 100 ms,
// doubling, at most 2 s.
func retryBackoff(retries, _ int) time.Duration {
	if retries > 5 {
		return 2 * time.Second
	}
	return min(100*time.Millisecond<<max(retries-1, 0), 2*time.Second)
}

func (c Client) tlsConfig() (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: c.TLSInsecure} //nolint:gosec // asked for by --tls-insecure
	if c.TLSCA != "" {
		pem, err := os.ReadFile(c.TLSCA)
		if err != nil {
			return nil, fmt.Errorf("TLS CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("TLS CA %s: no PEM certificate", c.TLSCA)
		}
		tc.RootCAs = pool
	}
	if c.TLSCert != "" { // with TLSKey: see Validate
		cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("TLS client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// scramClient adapts github.com/xdg-go/scram to sarama.SCRAMClient.
type scramClient struct {
	gen  scram.HashGeneratorFcn
	conv *scram.ClientConversation
}

func (s *scramClient) Begin(user, password, authzID string) error {
	cl, err := s.gen.NewClient(user, password, authzID)
	if err != nil {
		return err
	}
	s.conv = cl.NewConversation()
	return nil
}

func (s *scramClient) Step(challenge string) (string, error) { return s.conv.Step(challenge) }
func (s *scramClient) Done() bool                            { return s.conv.Done() }

// partitionOf returns the partition of key among n: FNV-1a, as sarama's
// hash partitioner, so a cascade's events always share one partition.
func partitionOf(key string, n int32) int32 {
	h := fnv.New32a()
	h.Write([]byte(key))
	p := int32(h.Sum32()) % n
	if p < 0 {
		p = -p
	}
	return p
}

// partitioner sends a message to the partition the producer set
// (ProducerMessage.Partition, with Metadata manualPartition) and keyed
// messages by partitionOf.
type partitioner struct{ random sarama.Partitioner }

// manualPartition marks a message whose Partition field is to be kept.
type manualPartition struct{}

func newPartitioner(topic string) sarama.Partitioner {
	return partitioner{random: sarama.NewRandomPartitioner(topic)}
}

func (p partitioner) Partition(m *sarama.ProducerMessage, n int32) (int32, error) {
	if _, ok := m.Metadata.(manualPartition); ok {
		if m.Partition < 0 || m.Partition >= n {
			return -1, fmt.Errorf("partition %d of a topic of %d", m.Partition, n)
		}
		return m.Partition, nil
	}
	if m.Key == nil {
		return p.random.Partition(m, n)
	}
	k, err := m.Key.Encode()
	if err != nil {
		return -1, err
	}
	return partitionOf(string(k), n), nil
}

func (p partitioner) RequiresConsistency() bool { return true }
