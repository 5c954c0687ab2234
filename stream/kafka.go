package stream

import (
	"context"
	"errors"
	"fmt"
	"io"
	stdlog "log"
	"log/slog"
	"strings"
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
			return nil, fmt.Errorf("connect to %v: gave up after %v: %w", c.Brokers, timeout, explain(err, c))
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

// offsetRetryTimeout bounds how long getOffset retries.
const offsetRetryTimeout = 30 * time.Second

// getOffset is cl.GetOffset, tried again with backoff (and fresh metadata)
// for up to offsetRetryTimeout: just after a cluster has started, or a
// broker has died, a partition's leader may be moving, and the broker asked
// answers that it is not the leader.
func getOffset(ctx context.Context, cl sarama.Client, topic string, partition int32, at int64) (int64, error) {
	deadline := time.Now().Add(offsetRetryTimeout)
	backoff := 100 * time.Millisecond
	for {
		off, err := cl.GetOffset(topic, partition, at)
		if err == nil || ctx.Err() != nil || time.Now().Add(backoff).After(deadline) {
			return off, err
		}
		select {
		case <-ctx.Done():
			return off, err
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
		cl.RefreshMetadata(topic) //nolint:errcheck // the next try says what fails
	}
}

// readPartition calls each on the messages of partition q of topic, from
// the oldest to the newest there when it is called, until each returns
// false.
func readPartition(ctx context.Context, cl sarama.Client, topic string, q int32, each func(*sarama.ConsumerMessage) bool) error {
	hi, err := getOffset(ctx, cl, topic, q, sarama.OffsetNewest)
	if err != nil {
		return fmt.Errorf("offsets of %s/%d: %w", topic, q, err)
	}
	lo, err := getOffset(ctx, cl, topic, q, sarama.OffsetOldest)
	if err != nil {
		return fmt.Errorf("offsets of %s/%d: %w", topic, q, err)
	}
	if hi <= lo {
		return nil
	}
	cons, err := sarama.NewConsumerFromClient(cl)
	if err != nil {
		return err
	}
	defer cons.Close()
	pc, err := cons.ConsumePartition(topic, q, lo)
	if err != nil {
		return fmt.Errorf("read %s/%d: %w", topic, q, err)
	}
	defer pc.Close()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-pc.Errors():
			return fmt.Errorf("read %s/%d: %w", topic, q, err)
		case m := <-pc.Messages():
			if !each(m) || m.Offset+1 >= hi {
				return nil
			}
		}
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
		return fmt.Errorf("stream: %w", explain(err, c))
	}
	return nil
}

// explain adds to err, when the brokers closed the connection without a
// word (io.EOF), the likely reasons: Apache Kafka closes it on a request
// version it does not serve (Kafka 4 serves those of 2.1 and newer), and a
// TLS or SASL listener on a client that does not speak TLS or SASL.
func explain(err error, c Client) error {
	var done *explained
	if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &done) {
		return err
	}
	c = c.WithDefaults()
	return &explained{fmt.Errorf("%w (the brokers closed the connection: do they serve the protocol of Kafka %s, and do TLS %v and SASL %q match their listener?)",
		err, c.KafkaVersion, c.TLS, c.SASLMechanism)}
}

// explained is an error explain has explained already.
type explained struct{ error }

func (e *explained) Unwrap() error { return e.error }

func ensureTopics(ctx context.Context, c Client, t Topics, log *slog.Logger) error {
	c = c.WithDefaults()
	cl, err := connect(ctx, c, log)
	if err != nil {
		return err
	}
	defer cl.Close()
	// The admin requests go to one broker the metadata names, which may
	// have just died (Apache Kafka lists a broker killed without a word
	// until its session times out, 9 s by default): they are tried again
	// with backoff for ConnectTimeout, as connecting is.
	deadline := time.Now().Add(c.ConnectTimeout)
	backoff := 100 * time.Millisecond
	for {
		err := createTopics(ctx, cl, t, log)
		if err == nil || ctx.Err() != nil {
			return err
		}
		if time.Now().Add(backoff).After(deadline) {
			return fmt.Errorf("gave up after %v: %w", c.ConnectTimeout, err)
		}
		log.Warn("topics not created, retrying", "in", backoff, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
		cl.RefreshController() //nolint:errcheck // the next try says what fails
	}
}

// createTopics creates the topics of t that do not exist yet.
func createTopics(ctx context.Context, cl sarama.Client, t Topics, log *slog.Logger) error {
	admin, err := sarama.NewClusterAdminFromClient(cl)
	if err != nil {
		return fmt.Errorf("cluster admin: %w", err)
	}
	existing, err := admin.ListTopics()
	if err != nil {
		return fmt.Errorf("list topics: %w", err)
	}
	var created []topicSpec
	for _, s := range t.list() {
		if d, ok := existing[s.name]; ok {
			if d.NumPartitions != s.partitions {
				log.Warn("topic exists with another partition count", "topic", s.name, "partitions", d.NumPartitions, "want", s.partitions)
			}
			continue
		}
		detail := &sarama.TopicDetail{NumPartitions: s.partitions, ReplicationFactor: t.Replication,
			ConfigEntries: map[string]*string{}}
		if s.name == t.Models {
			// The newest forest per window (the key) is all a fitter needs.
			mb, compact := fmt.Sprint(MaxModelMessageBytes+64<<10), "compact"
			detail.ConfigEntries["max.message.bytes"], detail.ConfigEntries["cleanup.policy"] = &mb, &compact
		}
		if t.MinInsyncReplicas > 0 {
			isr := fmt.Sprint(t.MinInsyncReplicas)
			detail.ConfigEntries["min.insync.replicas"] = &isr
		}
		err := admin.CreateTopic(s.name, detail, false)
		if err != nil && !errors.Is(err, sarama.ErrTopicAlreadyExists) {
			return fmt.Errorf("create topic %s: %w", s.name, err)
		}
		log.Debug("topic created", "topic", s.name, "partitions", s.partitions)
		created = append(created, s)
	}
	return waitTopics(ctx, cl, created, log)
}

// topicsVisibleTimeout bounds how long EnsureTopics waits for the topics it
// created to be known to every broker.
const topicsVisibleTimeout = 30 * time.Second

// waitTopics waits until every broker's metadata holds the topics with
// their partitions, each with a leader. Apache Kafka answers CreateTopics
// once its controller has the topic; the brokers learn of it a little
// later, and a role asking one of them for the topic's offsets meanwhile
// is told it does not exist (the embedded broker has no such delay).
func waitTopics(ctx context.Context, cl sarama.Client, topics []topicSpec, log *slog.Logger) error {
	if len(topics) == 0 {
		return nil
	}
	names := make([]string, len(topics))
	want := map[string]int{}
	for i, s := range topics {
		names[i], want[s.name] = s.name, int(s.partitions)
	}
	deadline := time.Now().Add(topicsVisibleTimeout)
	for {
		missing := topicsMissing(cl, names, want)
		if missing == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("topics created, but %s after %v", missing, topicsVisibleTimeout)
		}
		log.Debug("waiting for the brokers to know the topics", "missing", missing)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// topicsMissing returns "" when every broker of cl knows every topic of
// names with want[name] partitions, each with a leader, else what is
// missing where.
func topicsMissing(cl sarama.Client, names []string, want map[string]int) string {
	if err := cl.RefreshMetadata(); err != nil {
		return fmt.Sprintf("metadata: %v", err)
	}
	for _, b := range cl.Brokers() {
		if ok, _ := b.Connected(); !ok {
			if err := b.Open(cl.Config()); err != nil && !errors.Is(err, sarama.ErrAlreadyConnected) {
				return fmt.Sprintf("broker %s: %v", b.Addr(), err)
			}
		}
		md, err := b.GetMetadata(&sarama.MetadataRequest{Version: 5, Topics: names})
		if err != nil {
			return fmt.Sprintf("broker %s: metadata: %v", b.Addr(), err)
		}
		for _, tm := range md.Topics {
			if tm.Err != sarama.ErrNoError {
				return fmt.Sprintf("broker %s: topic %s: %v", b.Addr(), tm.Name, tm.Err)
			}
			if len(tm.Partitions) != want[tm.Name] {
				return fmt.Sprintf("broker %s: topic %s has %d of %d partitions", b.Addr(), tm.Name, len(tm.Partitions), want[tm.Name])
			}
			for _, p := range tm.Partitions {
				if p.Err != sarama.ErrNoError || p.Leader < 0 {
					return fmt.Sprintf("broker %s: topic %s partition %d has no leader", b.Addr(), tm.Name, p.ID)
				}
			}
		}
		if len(md.Topics) != len(names) {
			return fmt.Sprintf("broker %s: %d of %d topics", b.Addr(), len(md.Topics), len(names))
		}
	}
	return ""
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

// eachHandler is the consumer group handler of a role that consumes
// messages one by one (the alerts role, the trainer): handle is called on
// each message of a claim in turn, through consumeMarked, and each handled
// message is marked.
type eachHandler struct {
	metrics *Metrics
	group   string
	fail    context.CancelCauseFunc
	handle  func(context.Context, *sarama.ConsumerMessage) error
}

func (h *eachHandler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *eachHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (h *eachHandler) ConsumeClaim(s sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	return consumeMarked(s, claim, h.metrics, h.group, h.fail, func(ctx context.Context, m *sarama.ConsumerMessage) (int64, error) {
		return m.Offset + 1, h.handle(ctx, m)
	})
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
// not use, with why and where it came from. It holds the message's key and
// value up to MaxKeyBytes and MaxDeadLetterValueBytes: beyond, they are cut,
// Truncated is set, and KeySize and ValueSize give the original sizes.
type DeadLetter struct {
	V         int    `json:"v"`
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	Role      string `json:"role"`
	Reason    string `json:"reason"`
	Key       []byte `json:"key,omitempty"`   // base64 in JSON
	Value     []byte `json:"value,omitempty"` // base64 in JSON
	KeySize   int    `json:"key_size,omitempty"`
	ValueSize int    `json:"value_size"`
	Truncated bool   `json:"truncated,omitempty"`
}

// Bounds on the messages the roles consume, checked before a message is
// decoded (checkSize), and on what a dead letter keeps of one.
const (
	// MaxMessageBytes bounds the value of a message on every topic but the
	// models topic, whose bound is MaxModelMessageBytes. The largest
	// message the roles write, a sample, takes under 1 KiB.
	MaxMessageBytes = 64 << 10
	// MaxKeyBytes bounds the key of a message on every topic; the roles'
	// keys are cascade ids (MaxIDBytes) and windows.
	MaxKeyBytes = 1 << 10
	// MaxDeadLetterValueBytes bounds the part of a message's value that a
	// dead letter keeps. A dead letter then takes less than 400 KiB
	// (base64 and the reason included): under the producers' limit and
	// Kafka's default message limit (1 MB), whatever message it is about.
	MaxDeadLetterValueBytes = 256 << 10
	// maxReasonBytes bounds a dead letter's reason.
	maxReasonBytes = 2 << 10
)

// checkSize refuses, with an error wrapping ErrInvalid, a message whose key
// is longer than MaxKeyBytes or whose value is longer than max.
func checkSize(m *sarama.ConsumerMessage, max int) error {
	switch {
	case len(m.Key) > MaxKeyBytes:
		return invalid("key of %d bytes, over the bound of %d", len(m.Key), MaxKeyBytes)
	case len(m.Value) > max:
		return invalid("message of %d bytes, over the bound of %d", len(m.Value), max)
	}
	return nil
}

// decodeMessage checks the size of m against max (checkSize), then decodes
// its value: no decoder sees a message over its topic's bound.
func decodeMessage[T any](m *sarama.ConsumerMessage, max int, decode func([]byte) (T, error)) (T, error) {
	if err := checkSize(m, max); err != nil {
		var zero T
		return zero, err
	}
	return decode(m.Value)
}

// newDeadLetter returns the dead letter of m, which role refused for
// reason, holding no more of m than the bounds allow.
func newDeadLetter(role string, m *sarama.ConsumerMessage, reason error) DeadLetter {
	d := DeadLetter{V: SchemaVersion, Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Role: role,
		Reason: reason.Error(), Key: m.Key, Value: m.Value, KeySize: len(m.Key), ValueSize: len(m.Value)}
	if len(d.Reason) > maxReasonBytes {
		d.Reason = strings.ToValidUTF8(d.Reason[:maxReasonBytes], "") + " [cut]"
	}
	if len(d.Key) > MaxKeyBytes {
		d.Key, d.Truncated = d.Key[:MaxKeyBytes], true
	}
	if len(d.Value) > MaxDeadLetterValueBytes {
		d.Value, d.Truncated = d.Value[:MaxDeadLetterValueBytes], true
	}
	return d
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
	err := o.p.SendMessages(msgs)
	var perrs sarama.ProducerErrors
	if errors.As(err, &perrs) && len(perrs) > 0 {
		// Its message counts the failures; the first says why.
		err = fmt.Errorf("%d of %d messages: %w", len(perrs), len(msgs), perrs[0].Err)
	}
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	return nil
}

// deadLetterAttempts is how many times a role tries to publish a dead
// letter, deadLetterBackoff the wait before the second try (it quadruples).
const (
	deadLetterAttempts = 3
	deadLetterBackoff  = 100 * time.Millisecond
)

// deadLetter publishes m, which failed with reason, to the dead-letters
// topic and logs it. A dead letter that cannot be published is tried again,
// then logged and counted as lost (Metrics.DeadLettersLost): it returns nil
// then too, so that the role goes past the message rather than stopping on
// it. It returns an error only when ctx is done first: the message is then
// not to be marked consumed.
func (o *output) deadLetter(ctx context.Context, m *sarama.ConsumerMessage, reason error) error {
	o.log.Warn("dead letter", "topic", m.Topic, "partition", m.Partition, "offset", m.Offset, "bytes", len(m.Value), "reason", reason)
	o.m.DeadLetters.WithLabelValues(o.role, m.Topic).Inc()
	msg := jsonMessage(o.dead, fmt.Sprintf("%s/%d/%d", m.Topic, m.Partition, m.Offset), newDeadLetter(o.role, m, reason))
	backoff := deadLetterBackoff
	var err error
	for attempt := 1; ; attempt++ {
		if err = o.send(msg); err == nil {
			return nil
		}
		if attempt == deadLetterAttempts {
			break
		}
		o.log.Warn("dead letter not published, retrying", "topic", m.Topic, "partition", m.Partition, "offset", m.Offset,
			"attempt", attempt, "in", backoff, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff *= 4
	}
	o.log.Error("dead letter lost: the message is skipped without one", "topic", m.Topic, "partition", m.Partition,
		"offset", m.Offset, "attempts", deadLetterAttempts, "err", err)
	o.m.DeadLettersLost.WithLabelValues(o.role, m.Topic).Inc()
	return nil
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
