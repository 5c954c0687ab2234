package stream

import (
	"context"
	"errors"
	"fmt"
	"io"
	stdlog "log"
	"log/slog"
	"time"

	"github.com/IBM/sarama"
)

// DefaultConnectTimeout is how long a role retries to reach the brokers at
// start by default (Client.ConnectTimeout).
const DefaultConnectTimeout = 30 * time.Second

// connect returns a sarama client, retrying with exponential backoff (and
// a log line per failure) until the brokers answer or c.ConnectTimeout
// has passed. tune, when given, adjusts the configuration.
func connect(ctx context.Context, c Client, log *slog.Logger, tune ...func(*sarama.Config)) (sarama.Client, error) {
	c = c.WithDefaults()
	cfg, err := c.config()
	if err != nil {
		return nil, err
	}
	for _, f := range tune {
		f(cfg)
	}
	timeout := c.ConnectTimeout
	deadline := time.Now().Add(timeout)
	backoff := 100 * time.Millisecond
	for {
		cl, err := sarama.NewClient(c.Brokers, cfg)
		if err == nil {
			return cl, nil
		}
		if time.Now().Add(backoff).After(deadline) {
			return nil, fmt.Errorf("connect to %v: gave up after %v: %w", c.Brokers, timeout, err)
		}
		log.Warn("brokers unreachable, retrying", "brokers", c.Brokers, "in", backoff, "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// EnsureTopics creates the topics that do not exist yet; existing ones are
// left as they are (a partition count that differs is logged).
func EnsureTopics(ctx context.Context, c Client, t Topics, log *slog.Logger) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if err := c.WithDefaults().Validate(); err != nil {
		return err
	}
	if err := ensureTopics(ctx, c, t, orDiscard(log)); err != nil {
		return fmt.Errorf("stream: %w", err)
	}
	return nil
}

func ensureTopics(ctx context.Context, c Client, t Topics, log *slog.Logger) error {
	cl, err := connect(ctx, c, log)
	if err != nil {
		return err
	}
	defer cl.Close()
	admin, err := sarama.NewClusterAdminFromClient(cl)
	if err != nil {
		return fmt.Errorf("cluster admin: %w", err)
	}
	existing, err := admin.ListTopics()
	if err != nil {
		return fmt.Errorf("list topics: %w", err)
	}
	for _, s := range t.list() {
		if d, ok := existing[s.name]; ok {
			if d.NumPartitions != s.partitions {
				log.Warn("topic exists with another partition count", "topic", s.name, "partitions", d.NumPartitions, "want", s.partitions)
			}
			continue
		}
		detail := &sarama.TopicDetail{NumPartitions: s.partitions, ReplicationFactor: t.Replication}
		if s.name == t.Models {
			// The newest forest per window (the key) is all a fitter needs.
			mb, compact := fmt.Sprint(MaxModelMessageBytes+64<<10), "compact"
			detail.ConfigEntries = map[string]*string{"max.message.bytes": &mb, "cleanup.policy": &compact}
		}
		err := admin.CreateTopic(s.name, detail, false)
		if err != nil && !errors.Is(err, sarama.ErrTopicAlreadyExists) {
			return fmt.Errorf("create topic %s: %w", s.name, err)
		}
		log.Debug("topic created", "topic", s.name, "partitions", s.partitions)
	}
	return nil
}

// runGroup consumes topics as a member of group with handler until ctx is
// done, rejoining after every rebalance.
func runGroup(ctx context.Context, cl sarama.Client, group string, topics []string, h sarama.ConsumerGroupHandler, log *slog.Logger) error {
	g, err := sarama.NewConsumerGroupFromClient(group, cl)
	if err != nil {
		return fmt.Errorf("consumer group %s: %w", group, err)
	}
	defer g.Close()
	go func() {
		// One line a second at most: a lost broker fails every partition
		// at once, and again at every retry.
		var last time.Time
		suppressed := 0
		for err := range g.Errors() {
			if time.Since(last) < time.Second {
				suppressed++
				continue
			}
			log.Warn("consumer group error", "group", group, "err", err, "similar_errors_not_logged", suppressed)
			last, suppressed = time.Now(), 0
		}
	}()
	for ctx.Err() == nil {
		if err := g.Consume(ctx, topics, h); err != nil {
			if errors.Is(err, sarama.ErrClosedConsumerGroup) || ctx.Err() != nil {
				break
			}
			log.Warn("consume", "group", group, "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
	return nil
}

// consumeMarked hands each message of claim to handle and, once handled,
// marks the partition consumed up to the offset handle returns, until the
// session ends. An error of handle, which the message's place then
// prefixes, ends the role (through fail) unless the session was already
// ending.
func consumeMarked(s sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim, m *Metrics, group string,
	fail context.CancelCauseFunc, handle func(context.Context, *sarama.ConsumerMessage) (next int64, err error)) error {
	lag := m.lagGauge(group, claim.Topic(), claim.Partition())
	for {
		select {
		case <-s.Context().Done():
			return nil
		case msg, ok := <-claim.Messages():
			if !ok {
				return nil
			}
			next, err := handle(s.Context(), msg)
			if err != nil {
				err = fmt.Errorf("%s partition %d offset %d: %w", msg.Topic, msg.Partition, msg.Offset, err)
				if s.Context().Err() == nil {
					fail(err)
				}
				return err
			}
			s.MarkOffset(msg.Topic, msg.Partition, next, "")
			lag.Set(float64(max(claim.HighWaterMarkOffset()-msg.Offset-1, 0)))
		}
	}
}

// afterEach adapts a handler that consumes messages one by one to
// consumeMarked: each handled message is marked.
func afterEach(handle func(context.Context, *sarama.ConsumerMessage) error) func(context.Context, *sarama.ConsumerMessage) (int64, error) {
	return func(ctx context.Context, m *sarama.ConsumerMessage) (int64, error) {
		return m.Offset + 1, handle(ctx, m)
	}
}

// roleError returns err, from the Run of role, prefixed with the package
// and the role: the one place a role's errors get their prefix, so that
// its helpers leave it out.
func roleError(role string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("stream: %s: %w", role, err)
}

// failure returns the cause with which ctx was cancelled, or nil when it
// was plainly cancelled (or not at all): a role's own error, as opposed to
// being stopped.
func failure(ctx context.Context) error {
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return nil
}

// DeadLetter is a message of the dead-letters topic: a message a role could
// not use, with why and where it came from.
type DeadLetter struct {
	V         int    `json:"v"`
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	Role      string `json:"role"`
	Reason    string `json:"reason"`
	Key       []byte `json:"key,omitempty"`   // base64 in JSON
	Value     []byte `json:"value,omitempty"` // base64 in JSON
}

// output publishes a role's messages, synchronously: a message is on the
// brokers when send returns, so a role commits its input only after its
// output is safe.
type output struct {
	cl   sarama.Client
	p    sarama.SyncProducer
	role string
	dead string // dead-letters topic
	log  *slog.Logger
	m    *Metrics
}

// newOutput connects a producer of its own: on the consumer's client its
// produce requests would queue behind the long-polling fetches on the same
// broker connection (one request in flight), up to Consumer.MaxWaitTime
// each. (A fitter finishing cascades at the end of seismic_subset's replay
// took 4 s that way for what takes well under one on its own connection.)
func newOutput(ctx context.Context, c Client, role, dead string, log *slog.Logger, m *Metrics) (*output, error) {
	cl, err := connect(ctx, c, log)
	if err != nil {
		return nil, err
	}
	p, err := sarama.NewSyncProducerFromClient(cl)
	if err != nil {
		cl.Close()
		return nil, fmt.Errorf("producer: %w", err)
	}
	return &output{cl: cl, p: p, role: role, dead: dead, log: log, m: m}, nil
}

// send publishes the messages.
func (o *output) send(msgs ...*sarama.ProducerMessage) error {
	if len(msgs) == 0 {
		return nil
	}
	if err := o.p.SendMessages(msgs); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	return nil
}

// deadLetter publishes m, which failed with reason, to the dead-letters
// topic and logs it.
func (o *output) deadLetter(m *sarama.ConsumerMessage, reason error) error {
	o.log.Warn("dead letter", "topic", m.Topic, "partition", m.Partition, "offset", m.Offset, "reason", reason)
	o.m.DeadLetters.WithLabelValues(o.role, m.Topic).Inc()
	d := DeadLetter{V: SchemaVersion, Topic: m.Topic, Partition: m.Partition, Offset: m.Offset,
		Role: o.role, Reason: reason.Error(), Key: m.Key, Value: m.Value}
	return o.send(jsonMessage(o.dead, fmt.Sprintf("%s/%d/%d", m.Topic, m.Partition, m.Offset), d))
}

func (o *output) close() error {
	err := o.p.Close()
	if cerr := o.cl.Close(); err == nil {
		err = cerr
	}
	return err
}

func orDiscard(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return log
}

// DebugKafka sends sarama's own protocol-level log lines to w (nil turns
// them off). hawkes turns it on with HAWKES_KAFKA_DEBUG=1.
func DebugKafka(w io.Writer) {
	if w == nil {
		sarama.Logger = stdlog.New(io.Discard, "", 0)
		return
	}
	sarama.Logger = stdlog.New(w, "[sarama] ", stdlog.LstdFlags|stdlog.Lmicroseconds)
}
