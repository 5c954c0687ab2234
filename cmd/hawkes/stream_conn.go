package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hawkes-toolkit/hawkes/stream"
)

// ConnOptions are the flags every stream command shares: how to reach the
// brokers, the topics, and logging.
type ConnOptions struct {
	Client      stream.Client
	Topics      stream.Topics
	LogFormat   string // text or json
	LogLevel    string // debug, info, warn, error
	MetricsAddr string // serve Prometheus metrics there; "" for none
}

// addConnFlags adds the connection, topic and logging flags.
func addConnFlags(f *pflag.FlagSet, c *ConnOptions) {
	f.StringSliceVar(&c.Client.Brokers, "brokers", nil, "Kafka brokers `HOST:PORT,...` (default: an embedded broker, for hawkes stream only)")
	f.StringVar(&c.Client.ClientID, "client-id", stream.DefaultClientID, "client id sent to the brokers")
	f.DurationVar(&c.Client.ConnectTimeout, "connect-timeout", stream.DefaultConnectTimeout, "keep retrying to reach the brokers at start for this long")
	f.StringVar(&c.Client.KafkaVersion, "kafka-version", stream.DefaultKafkaVersion, "oldest Kafka `VERSION` of the brokers: the protocol spoken (e.g. 2.1.0 to 4.1.0)")
	f.BoolVar(&c.Client.TLS, "tls", false, "connect to the brokers with TLS")
	f.StringVar(&c.Client.TLSCA, "tls-ca", "", "PEM `FILE` of the CAs to trust (default: the system's)")
	f.StringVar(&c.Client.TLSCert, "tls-cert", "", "PEM client certificate `FILE`, for mutual TLS")
	f.StringVar(&c.Client.TLSKey, "tls-key", "", "PEM key `FILE` of --tls-cert")
	f.BoolVar(&c.Client.TLSInsecure, "tls-insecure", false, "do not verify the brokers' certificates (testing only)")
	f.StringVar(&c.Client.SASLMechanism, "sasl-mechanism", "", "SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (default: none)")
	f.StringVar(&c.Client.SASLUser, "sasl-user", "", "SASL user")
	f.StringVar(&c.Client.SASLPassword, "sasl-password", "", "SASL password (default: $HAWKES_SASL_PASSWORD)")
	t := &c.Topics
	f.StringVar(&t.Retweets, "topic-retweets", t.Retweets, "topic of the retweet events")
	f.StringVar(&t.Predictions, "topic-predictions", t.Predictions, "topic of the predictions")
	f.StringVar(&t.Samples, "topic-samples", t.Samples, "topic of the training samples")
	f.StringVar(&t.Models, "topic-models", t.Models, "topic of the forests (one partition)")
	f.StringVar(&t.Alerts, "topic-alerts", t.Alerts, "topic of the alerts")
	f.StringVar(&t.Stats, "topic-stats", t.Stats, "topic of the per-cascade errors")
	f.StringVar(&t.DeadLetters, "topic-deadletters", t.DeadLetters, "topic of the messages set aside")
	f.Int32Var(&t.RetweetsPartitions, "partitions-retweets", t.RetweetsPartitions, "partitions of the retweets topic when it is created")
	f.Int32Var(&t.PredictionsPartitions, "partitions-predictions", t.PredictionsPartitions, "partitions of the predictions topic when it is created")
	f.Int32Var(&t.SamplesPartitions, "partitions-samples", t.SamplesPartitions, "partitions of the samples topic when it is created")
	f.Int32Var(&t.AlertsPartitions, "partitions-alerts", t.AlertsPartitions, "partitions of the alerts topic when it is created")
	f.Int32Var(&t.StatsPartitions, "partitions-stats", t.StatsPartitions, "partitions of the stats topic when it is created")
	f.Int16Var(&t.Replication, "replication", t.Replication, "replication factor of the topics created")
	f.Int16Var(&t.MinInsyncReplicas, "min-insync-replicas", t.MinInsyncReplicas, "min.insync.replicas of the topics created (default 0: the cluster's)")
	f.StringVar(&c.MetricsAddr, "metrics-addr", "", "serve Prometheus metrics at http://`HOST:PORT`/metrics (e.g. :9100; default: none)")
	f.StringVar(&c.LogFormat, "log-format", "text", "log format on standard error: text or json")
	f.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
}

// Validate checks the shared flags: the client's and the topics' options
// (package stream holds their rules) and the logging flags.
func (c *ConnOptions) Validate() error {
	if err := c.Client.Validate(); err != nil {
		return err
	}
	if err := c.Topics.Validate(); err != nil {
		return err
	}
	if _, err := parseLogLevel(c.LogLevel); err != nil {
		return err
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("--log-format must be text or json, got %q", c.LogFormat)
	}
	return nil
}

// validateRole is Validate for a role run on its own, which needs --brokers.
func (c *ConnOptions) validateRole() error {
	if err := c.Validate(); err != nil {
		return err
	}
	if len(c.Client.Brokers) == 0 {
		return errors.New("required flag --brokers not set (start a broker with hawkes stream broker, or run hawkes stream for everything in one process)")
	}
	return nil
}

// client returns the client the flags give, its SASL password taken from
// $HAWKES_SASL_PASSWORD when --sasl-password is not set.
func (c *ConnOptions) client() stream.Client {
	cl := c.Client
	if cl.SASLPassword == "" {
		cl.SASLPassword = os.Getenv("HAWKES_SASL_PASSWORD")
	}
	return cl
}

func parseLogLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level must be debug, info, warn or error, got %q", s)
	}
	return l, nil
}

// streamRunE returns the RunE of a stream command: a usage error when
// opts.Validate fails, else runF(ctx, opts), or run(ctx, opts) when runF is
// nil (tests give a runF).
func streamRunE[O interface{ Validate() error }](opts O, runF, run func(context.Context, O) error) func(*cobra.Command, []string) error {
	return runE(opts, func(*cobra.Command, []string) error {
		if err := opts.Validate(); err != nil {
			return streamUsageError(err)
		}
		return nil
	}, runF, run)
}

// streamUsageError returns err, from a Validate method, as a usage error.
// An option of package stream is named by its flag.
func streamUsageError(err error) error {
	var oe *stream.OptionError
	if !errors.As(err, &oe) {
		return &flagError{err}
	}
	return flagErrorf("%s", oe.Message(func(option string) string {
		switch oe.Role + " " + option {
		case "trainer group":
			return "--trainer-group"
		case "alerts group":
			return "--alerts-group"
		case "watch group":
			return "--dashboard-group"
		case "broker brokers":
			return "--brokers-count"
		}
		return "--" + option
	}))
}

// metrics returns the metrics of this process, served on --metrics-addr
// until ctx is done when it is set.
func (c *ConnOptions) metrics(ctx context.Context, log *slog.Logger) (*stream.Metrics, error) {
	m := stream.NewMetrics()
	if c.MetricsAddr == "" {
		return m, nil
	}
	addr, err := stream.ServeMetrics(ctx, c.MetricsAddr, m)
	if err != nil {
		return nil, err
	}
	log.Info("serving metrics", "url", "http://"+addr+"/metrics")
	return m, nil
}

// logger returns the logger the flags ask for, on w.
func (c *ConnOptions) logger(w io.Writer) *slog.Logger {
	if os.Getenv("HAWKES_KAFKA_DEBUG") != "" {
		stream.DebugKafka(w)
	}
	level, _ := parseLogLevel(c.LogLevel) // checked by Validate
	ho := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, ho))
	}
	return slog.New(slog.NewTextHandler(w, ho))
}

// role is a stream role that works until it is stopped: *stream.Fitter,
// *stream.Trainer or *stream.Alerter.
type role interface {
	Run(context.Context) error
}

// runRole runs one role on its own, as the fitter, trainer and alerts
// commands do: it sets up the logger and the metrics conn asks for, builds
// the role with newRole, creates the topics that do not exist yet, runs the
// role until ctx is done and writes the line summary returns on ios.ErrOut.
// Being stopped is a role's normal end: it returns nil then.
func runRole[R role](ctx context.Context, ios *ioStreams, conn *ConnOptions,
	newRole func(*slog.Logger, *stream.Metrics) (R, error), summary func(R) string) error {
	log := conn.logger(ios.ErrOut)
	m, err := conn.metrics(ctx, log)
	if err != nil {
		return err
	}
	r, err := newRole(log, m)
	if err != nil {
		return err
	}
	err = stream.EnsureTopics(ctx, conn.client(), conn.Topics, log)
	if err == nil {
		err = r.Run(ctx)
	}
	fmt.Fprintln(ios.ErrOut, summary(r))
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
