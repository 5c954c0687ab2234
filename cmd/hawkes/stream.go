package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/stream"
	"github.com/hawkes-toolkit/hawkes/train"
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

// StreamOptions are the options of hawkes stream (every role in one
// process).
type StreamOptions struct {
	IO   *ioStreams
	Conn *ConnOptions

	DataDir  string
	StateDir string // embedded broker state; "" keeps it in memory
	Summary  string // also write the summary JSON to this file
	Fitters  int
	Reader   stream.ReaderOptions
	Fitter   stream.FitterOptions
	Trainer  stream.TrainerOptions
	Alerts   stream.AlertsOptions
}

// BrokerOptions are the options of hawkes stream broker.
type BrokerOptions struct {
	IO     *ioStreams
	Conn   *ConnOptions
	Broker stream.BrokerOptions
}

// ReaderOptions are the options of hawkes stream reader.
type ReaderOptions struct {
	IO      *ioStreams
	Conn    *ConnOptions
	DataDir string
	Reader  stream.ReaderOptions
}

// FitterOptions are the options of hawkes stream fitter.
type FitterOptions struct {
	IO     *ioStreams
	Conn   *ConnOptions
	Fitter stream.FitterOptions
}

// TrainerOptions are the options of hawkes stream trainer.
type TrainerOptions struct {
	IO      *ioStreams
	Conn    *ConnOptions
	Trainer stream.TrainerOptions
}

// AlertsOptions are the options of hawkes stream alerts.
type AlertsOptions struct {
	IO     *ioStreams
	Conn   *ConnOptions
	Alerts stream.AlertsOptions
}

// streamRunners holds the functions the stream commands call once their
// flags are checked; nil fields run the real ones. Tests replace them.
type streamRunners struct {
	all     func(context.Context, *StreamOptions) error
	broker  func(context.Context, *BrokerOptions) error
	reader  func(context.Context, *ReaderOptions) error
	fitter  func(context.Context, *FitterOptions) error
	trainer func(context.Context, *TrainerOptions) error
	alerts  func(context.Context, *AlertsOptions) error
}

const streamLong = `Run the streaming pipeline on Kafka. With no --brokers, hawkes stream starts
an embedded Kafka-protocol broker on 127.0.0.1, creates the topics and runs
every role in this process: the reader replays --data as live retweets, the
fitter predicts each cascade once per --window, the trainer learns a forest
per window from finished cascades and publishes it to the fitters, and the
alerts role prints one line on standard output per cascade and window whose
predicted size is at least --threshold. When the replay ends, the pipeline
drains (every cascade finished and predicted on every window) and a summary
is written to standard error (and, with --summary FILE, as one JSON object).

With --brokers host:port,... every role talks to that Kafka cluster instead,
and each role also runs on its own (hawkes stream reader|fitter|trainer|
alerts), so that fitters started on several machines share the partitions
of the retweets topic in one consumer group. hawkes stream broker runs the
embedded broker alone for such roles. Topics, messages and policies are
documented in the stream package (go doc github.com/hawkes-toolkit/hawkes/stream).

Ctrl-C stops everything cleanly: hawkes stream and the reader exit 130; the
broker, fitter, trainer and alerts roles, which run until stopped, exit 0.`

// newStreamCmd returns the stream command and its role subcommands.
func newStreamCmd(ios *ioStreams, r streamRunners) *cobra.Command {
	conn := &ConnOptions{Topics: stream.DefaultTopics()}
	opts := &StreamOptions{IO: ios, Conn: conn}
	cmd := &cobra.Command{
		Use:   "stream --data DIR [flags]",
		Short: "Run the Kafka streaming pipeline (embedded broker by default), or one of its roles",
		Long:  streamLong,
		Example: `  # The whole pipeline on one machine, on the embedded broker, as fast as possible
  hawkes stream --data ../shared/data/seismic_subset --window 600,3600 --summary summary.json

  # Replay at 1000 times real time, alerts as JSON lines, state kept on disk
  hawkes stream --data ../shared/data/smh_cascades --speed 1000 --threshold 150 \
      --format jsonl --state-dir /tmp/hawkes-state

  # Keep the broker's state on disk: run it again after Ctrl-C and it continues
  hawkes stream --data ../shared/data/seismic_subset --state-dir /tmp/hawkes-state

  # The same roles in separate processes, sharing one embedded broker
  hawkes stream broker --ports 9092 &
  hawkes stream fitter --brokers 127.0.0.1:9092 &      # start several: they share the partitions
  hawkes stream trainer --brokers 127.0.0.1:9092 &
  hawkes stream alerts --brokers 127.0.0.1:9092 --threshold 5000 &
  hawkes stream reader --brokers 127.0.0.1:9092 --data ../shared/data/seismic_subset`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkConn(conn); err != nil {
				return err
			}
			switch {
			case opts.DataDir == "":
				return flagErrorf("required flag --data not set")
			case opts.Fitters < 1:
				return flagErrorf("--fitters must be at least 1, got %d", opts.Fitters)
			case opts.StateDir != "" && len(conn.Client.Brokers) > 0:
				return flagErrorf("--state-dir is for the embedded broker: it cannot be used with --brokers")
			}
			for _, check := range []func() error{
				func() error { return checkReader(&opts.Reader) },
				func() error { return checkFitter(&opts.Fitter) },
				func() error { return checkTrainer(&opts.Trainer) },
				func() error { return checkAlerts(&opts.Alerts) },
			} {
				if err := check(); err != nil {
					return err
				}
			}
			if opts.Summary != "" {
				if err := checkWritable(opts.Summary); err != nil {
					return err
				}
			}
			run := r.all
			if run == nil {
				run = runStream
			}
			return run(cmd.Context(), opts)
		},
	}
	addConnFlags(cmd.PersistentFlags(), conn)
	f := cmd.Flags()
	f.StringVar(&opts.DataDir, "data", "", "data set `DIR` to replay, holding data.csv and index.csv (required)")
	f.StringVar(&opts.StateDir, "state-dir", "", "keep the embedded broker's topics and offsets in `DIR` across restarts")
	f.StringVar(&opts.Summary, "summary", "", "also write the summary as one JSON object to `FILE`")
	f.IntVar(&opts.Fitters, "fitters", 1, "fitters started in this process, members of one consumer group")
	addReaderFlags(f, &opts.Reader)
	addFitterFlags(f, &opts.Fitter)
	addTrainerFlags(f, &opts.Trainer)
	addAlertsFlags(f, &opts.Alerts)
	cmd.AddCommand(
		newStreamBrokerCmd(ios, conn, r.broker),
		newStreamReaderCmd(ios, conn, r.reader),
		newStreamFitterCmd(ios, conn, r.fitter),
		newStreamTrainerCmd(ios, conn, r.trainer),
		newStreamAlertsCmd(ios, conn, r.alerts),
	)
	return cmd
}

func newStreamBrokerCmd(ios *ioStreams, conn *ConnOptions, runF func(context.Context, *BrokerOptions) error) *cobra.Command {
	opts := &BrokerOptions{IO: ios, Conn: conn}
	cmd := &cobra.Command{
		Use:   "broker [--ports 9092,9093,9094] [--state-dir DIR]",
		Short: "Run the embedded Kafka-protocol broker alone (one to three brokers), with the topics created",
		Long: `Run the embedded Kafka-protocol broker (github.com/twmb/franz-go/pkg/kfake)
on 127.0.0.1 until stopped, with one broker per --ports entry (free ports
when none is given; then --brokers-count brokers), and create the pipeline's
topics on it. Its addresses are written to standard output as one line,
host:port,..., ready for the --brokers flag of the roles. With --state-dir
the topics and committed offsets survive a restart.`,
		Example: `  hawkes stream broker --ports 9092,9093,9094 --state-dir /tmp/hawkes-broker`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkConn(conn); err != nil {
				return err
			}
			if len(conn.Client.Brokers) > 0 {
				return flagErrorf("the broker command starts brokers: --brokers cannot be used with it")
			}
			if n := len(opts.Broker.Ports); n > 3 || (n == 0 && (opts.Broker.Brokers < 1 || opts.Broker.Brokers > 3)) {
				return flagErrorf("one to three brokers: got --ports %v, --brokers-count %d", opts.Broker.Ports, opts.Broker.Brokers)
			}
			for _, p := range opts.Broker.Ports {
				if p < 1 || p > 65535 {
					return flagErrorf("--ports: %d is not a TCP port", p)
				}
			}
			if runF == nil {
				runF = runStreamBroker
			}
			return runF(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.IntSliceVar(&opts.Broker.Ports, "ports", nil, "TCP `PORTS` on 127.0.0.1, one broker each, comma-separated (default: free ports)")
	f.IntVar(&opts.Broker.Brokers, "brokers-count", 1, "brokers to start on free ports when --ports is not given (1 to 3)")
	f.StringVar(&opts.Broker.StateDir, "state-dir", "", "keep topics and committed offsets in `DIR` across restarts")
	return cmd
}

func newStreamReaderCmd(ios *ioStreams, conn *ConnOptions, runF func(context.Context, *ReaderOptions) error) *cobra.Command {
	opts := &ReaderOptions{IO: ios, Conn: conn}
	cmd := &cobra.Command{
		Use:   "reader --brokers HOST:PORT,... --data DIR [flags]",
		Short: "Replay a data set as a live stream of retweets",
		Long: `Replay the cascades of --data on the retweets topic as one live stream,
merged in global time order, keyed by cascade id, paced by --speed. A
cascade starts at its index's post_time_day where there is one; else cascade
i (in index order) starts at i times --spacing seconds. Quiet partitions get
watermarks so that fitters see time pass; the end of the replay is marked on
every partition. A summary line goes to standard error.`,
		Example: `  hawkes stream reader --brokers 127.0.0.1:9092 --data ../shared/data/seismic_subset --speed 0`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkRole(conn); err != nil {
				return err
			}
			if opts.DataDir == "" {
				return flagErrorf("required flag --data not set")
			}
			if err := checkReader(&opts.Reader); err != nil {
				return err
			}
			if runF == nil {
				runF = runStreamReader
			}
			return runF(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.DataDir, "data", "", "data set `DIR` to replay, holding data.csv and index.csv (required)")
	cmd.Flags().BoolVar(&opts.Reader.Resume, "resume", false, "continue a replay of the same data set that was stopped, without sending its events again")
	addReaderFlags(cmd.Flags(), &opts.Reader)
	return cmd
}

func newStreamFitterCmd(ios *ioStreams, conn *ConnOptions, runF func(context.Context, *FitterOptions) error) *cobra.Command {
	opts := &FitterOptions{IO: ios, Conn: conn}
	cmd := &cobra.Command{
		Use:   "fitter --brokers HOST:PORT,... [flags]",
		Short: "Fit cascades as they stream and publish a prediction per window",
		Long: `Consume the retweets topic as a member of the fitters' consumer group
(--group): fitters started several times, on one or many machines, share
its partitions. Each cascade is fitted once per --window when the stream's
event time passes its start plus the window, the newest forest of that
window corrects the prediction (w = 1 until one exists), and a cascade with
no retweet for --terminated seconds is finished: its training samples and
its stats (the ARE of each window's prediction) are published. Runs until
stopped.`,
		Example: `  hawkes stream fitter --brokers kafka-1:9092,kafka-2:9092 --window 600,3600 --max-open 50000`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkRole(conn); err != nil {
				return err
			}
			if err := checkFitter(&opts.Fitter); err != nil {
				return err
			}
			if runF == nil {
				runF = runStreamFitter
			}
			return runF(cmd.Context(), opts)
		},
	}
	addFitterFlags(cmd.Flags(), &opts.Fitter)
	cmd.Flags().StringVar(&opts.Fitter.ID, "id", "", "name of this fitter in its predictions (default host-pid)")
	return cmd
}

func newStreamTrainerCmd(ios *ioStreams, conn *ConnOptions, runF func(context.Context, *TrainerOptions) error) *cobra.Command {
	opts := &TrainerOptions{IO: ios, Conn: conn}
	cmd := &cobra.Command{
		Use:   "trainer --brokers HOST:PORT,... [flags]",
		Short: "Learn a forest per window from finished cascades and publish it",
		Long: `Consume the samples topic, keep the newest --max-samples samples of each
window, grow that window's forest again every --retrain-every new samples,
and publish it on the models topic (one partition; the newest version per
window wins; a forest too large for one message is grown with fewer trees).
Runs until stopped.`,
		Example: `  hawkes stream trainer --brokers 127.0.0.1:9092 --retrain-every 200 --max-samples 10000`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkRole(conn); err != nil {
				return err
			}
			if err := checkTrainer(&opts.Trainer); err != nil {
				return err
			}
			if runF == nil {
				runF = runStreamTrainer
			}
			return runF(cmd.Context(), opts)
		},
	}
	addTrainerFlags(cmd.Flags(), &opts.Trainer)
	return cmd
}

func newStreamAlertsCmd(ios *ioStreams, conn *ConnOptions, runF func(context.Context, *AlertsOptions) error) *cobra.Command {
	opts := &AlertsOptions{IO: ios, Conn: conn}
	cmd := &cobra.Command{
		Use:   "alerts --brokers HOST:PORT,... [--threshold N] [--format text|jsonl]",
		Short: "Print and publish the cascades predicted to reach a size",
		Long: `Consume the predictions topic and, for each cascade and window whose
predicted size is at least --threshold, write one line on standard output
and publish it on the alerts topic, once per cascade and window. A jsonl
line holds "id", "window", "nhat", "n", "model_version", "source", "time"
and "threshold". Runs until stopped.`,
		Example: `  hawkes stream alerts --brokers 127.0.0.1:9092 --threshold 10000 --format jsonl | jq .id`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkRole(conn); err != nil {
				return err
			}
			if err := checkAlerts(&opts.Alerts); err != nil {
				return err
			}
			if runF == nil {
				runF = runStreamAlerts
			}
			return runF(cmd.Context(), opts)
		},
	}
	addAlertsFlags(cmd.Flags(), &opts.Alerts)
	return cmd
}

// addConnFlags adds the connection, topic and logging flags.
func addConnFlags(f *pflag.FlagSet, c *ConnOptions) {
	f.StringSliceVar(&c.Client.Brokers, "brokers", nil, "Kafka brokers `HOST:PORT,...` (default: an embedded broker, for hawkes stream only)")
	f.StringVar(&c.Client.ClientID, "client-id", "hawkes", "client id sent to the brokers")
	f.DurationVar(&c.Client.ConnectTimeout, "connect-timeout", stream.DefaultConnectTimeout, "keep retrying to reach the brokers at start for this long")
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
	f.StringVar(&c.MetricsAddr, "metrics-addr", "", "serve Prometheus metrics at http://`HOST:PORT`/metrics (e.g. :9100; default: none)")
	f.StringVar(&c.LogFormat, "log-format", "text", "log format on standard error: text or json")
	f.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
}

func addReaderFlags(f *pflag.FlagSet, o *stream.ReaderOptions) {
	f.Float64Var(&o.Speed, "speed", 0, "replay at `X` times real time (0: as fast as possible)")
	f.Float64Var(&o.Spacing, "spacing", stream.DefaultSpacing, "`SECONDS` between the starts of cascades whose index has no post_time_day")
	f.Float64Var(&o.WatermarkEvery, "watermark-every", stream.DefaultWatermarkEvery, "event-time `SECONDS` after which a quiet partition gets a watermark")
}

func addFitterFlags(f *pflag.FlagSet, o *stream.FitterOptions) {
	o.Windows = slices.Clone(stream.DefaultWindows)
	f.Float64SliceVar(&o.Windows, "window", o.Windows, "observation windows in `SECONDS`, comma-separated")
	f.Float64Var(&o.Terminated, "terminated", stream.DefaultTerminated, "a cascade with no retweet for this many `SECONDS` of event time is finished")
	f.IntVar(&o.MaxOpen, "max-open", stream.DefaultMaxOpen, "open cascades kept per fitter process; beyond, the least recently active is closed early")
	f.StringVar(&o.Group, "group", stream.DefaultFitterGroup, "consumer group of the fitters")
	f.IntVar(&o.Fit.Starts, "starts", fit.DefaultStarts, "random starting points per fit")
	f.Uint64Var(&o.Fit.Seed, "seed", 1, "seed of the fits' starting points")
	f.BoolVar(&o.SkipFit, "no-fit", false, "do not fit (every fit failed, prediction = observed size): measures the ingest rate")
}

func addTrainerFlags(f *pflag.FlagSet, o *stream.TrainerOptions) {
	f.IntVar(&o.RetrainEvery, "retrain-every", stream.DefaultRetrainEvery, "grow a window's forest again every `K` new samples of it")
	f.IntVar(&o.MaxSamples, "max-samples", stream.DefaultMaxSamples, "training set of each window: the newest `N` samples")
	f.IntVar(&o.Forest.Trees, "trees", stream.DefaultTrainerTrees, "trees of each forest")
	f.IntVar(&o.Forest.MinLeaf, "min-leaf", train.DefaultMinLeaf, "fewest bootstrap draws in a leaf")
	f.StringVar(&o.Group, "trainer-group", stream.DefaultTrainerGroup, "consumer group of the trainer")
}

func addAlertsFlags(f *pflag.FlagSet, o *stream.AlertsOptions) {
	f.Float64Var(&o.Threshold, "threshold", stream.DefaultThreshold, "alert when the predicted size is at least `N`")
	f.StringVar(&o.Format, "format", stream.FormatText, "alert lines on standard output: text or jsonl")
	f.StringVar(&o.Group, "alerts-group", stream.DefaultAlertsGroup, "consumer group of the alerts role")
}

// checkConn checks the shared flags and fills the SASL password from the
// environment.
func checkConn(c *ConnOptions) error {
	for _, b := range c.Client.Brokers {
		if i := strings.LastIndexByte(b, ':'); i <= 0 || i == len(b)-1 {
			return flagErrorf("--brokers: %q is not host:port", b)
		}
	}
	switch strings.ToUpper(c.Client.SASLMechanism) {
	case "", stream.SASLPlain, stream.SASLScramSHA256, stream.SASLScramSHA512:
	default:
		return flagErrorf("--sasl-mechanism must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, got %q", c.Client.SASLMechanism)
	}
	if c.Client.SASLMechanism != "" && c.Client.SASLUser == "" {
		return flagErrorf("--sasl-mechanism needs --sasl-user")
	}
	if c.Client.SASLPassword == "" {
		c.Client.SASLPassword = os.Getenv("HAWKES_SASL_PASSWORD")
	}
	if (c.Client.TLSCert == "") != (c.Client.TLSKey == "") {
		return flagErrorf("--tls-cert and --tls-key go together")
	}
	if c.Client.ConnectTimeout <= 0 {
		return flagErrorf("--connect-timeout must be positive, got %v", c.Client.ConnectTimeout)
	}
	if err := c.Topics.Validate(); err != nil {
		return flagErrorf("%v", err)
	}
	if _, err := parseLogLevel(c.LogLevel); err != nil {
		return err
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return flagErrorf("--log-format must be text or json, got %q", c.LogFormat)
	}
	return nil
}

// checkRole checks the shared flags of a role, which needs --brokers.
func checkRole(c *ConnOptions) error {
	if err := checkConn(c); err != nil {
		return err
	}
	if len(c.Client.Brokers) == 0 {
		return flagErrorf("required flag --brokers not set (start a broker with hawkes stream broker, or run hawkes stream for everything in one process)")
	}
	return nil
}

func checkReader(o *stream.ReaderOptions) error {
	switch {
	case !(o.Speed >= 0) || math.IsInf(o.Speed, 1):
		return flagErrorf("--speed must be 0 (as fast as possible) or a positive factor, got %v", o.Speed)
	case !(o.Spacing > 0) || math.IsInf(o.Spacing, 1):
		return flagErrorf("--spacing must be a positive number of seconds, got %v", o.Spacing)
	case !(o.WatermarkEvery > 0) || math.IsInf(o.WatermarkEvery, 1):
		return flagErrorf("--watermark-every must be a positive number of seconds, got %v", o.WatermarkEvery)
	}
	return nil
}

func checkFitter(o *stream.FitterOptions) error {
	if len(o.Windows) == 0 {
		return flagErrorf("--window needs at least one window")
	}
	for i, w := range o.Windows {
		if !(w > 0) || math.IsInf(w, 1) {
			return flagErrorf("--window must be positive numbers of seconds, got %v", w)
		}
		if slices.Contains(o.Windows[:i], w) {
			return flagErrorf("--window %v given twice", w)
		}
	}
	switch {
	case !(o.Terminated > 0) || math.IsInf(o.Terminated, 1):
		return flagErrorf("--terminated must be a positive number of seconds, got %v", o.Terminated)
	case o.MaxOpen < 1:
		return flagErrorf("--max-open must be at least 1, got %d", o.MaxOpen)
	case o.Fit.Starts < 1:
		return flagErrorf("--starts must be at least 1, got %d", o.Fit.Starts)
	case o.Group == "":
		return flagErrorf("--group must not be empty")
	}
	return nil
}

func checkTrainer(o *stream.TrainerOptions) error {
	switch {
	case o.RetrainEvery < 1:
		return flagErrorf("--retrain-every must be at least 1, got %d", o.RetrainEvery)
	case o.MaxSamples < 1:
		return flagErrorf("--max-samples must be at least 1, got %d", o.MaxSamples)
	case o.Forest.Trees < 1:
		return flagErrorf("--trees must be at least 1, got %d", o.Forest.Trees)
	case o.Forest.MinLeaf < 1:
		return flagErrorf("--min-leaf must be at least 1, got %d", o.Forest.MinLeaf)
	}
	return nil
}

func checkAlerts(o *stream.AlertsOptions) error {
	switch {
	case !(o.Threshold > 0) || math.IsInf(o.Threshold, 1):
		return flagErrorf("--threshold must be a positive size, got %v", o.Threshold)
	case o.Format != stream.FormatText && o.Format != stream.FormatJSONL:
		return flagErrorf("--format must be text or jsonl, got %q", o.Format)
	}
	return nil
}

// checkWritable fails with a usage error when path's folder does not exist.
func checkWritable(path string) error {
	dir := path[:strings.LastIndexByte(path, '/')+1]
	if dir == "" {
		return nil
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return flagErrorf("--summary %s: folder %s does not exist", path, dir)
	}
	return nil
}

func parseLogLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, flagErrorf("--log-level must be debug, info, warn or error, got %q", s)
	}
	return l, nil
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
	level, _ := parseLogLevel(c.LogLevel) // checked by checkConn
	ho := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, ho))
	}
	return slog.New(slog.NewTextHandler(w, ho))
}

// runStream runs every role in this process with stream.Run.
func runStream(ctx context.Context, opts *StreamOptions) error {
	log := opts.Conn.logger(opts.IO.ErrOut)
	cascades, err := data.LoadDir(ctx, opts.DataDir)
	if err != nil {
		return err
	}
	log.Info("data set loaded", "data", opts.DataDir, "cascades", len(cascades))
	m, err := opts.Conn.metrics(ctx, log)
	if err != nil {
		return err
	}
	o := stream.Options{
		Metrics: m,
		Client:  opts.Conn.Client,
		Broker:  stream.BrokerOptions{StateDir: opts.StateDir},
		Topics:  opts.Conn.Topics,
		Reader:  opts.Reader,
		Fitter:  opts.Fitter,
		Fitters: opts.Fitters,
		Trainer: opts.Trainer,
		Alerts:  opts.Alerts,
		Log:     log,
		Progress: func(s stream.Summary) {
			log.Info("progress", "predictions", s.Predictions, "alerts", s.Alerts)
		},
	}
	o.Alerts.Out = opts.IO.Out
	o.Reader.Progress = readerProgress(log)
	// With its state on disk, a second run continues the first one.
	o.Reader.Resume = opts.StateDir != ""
	began := time.Now()
	sum, err := stream.Run(ctx, cascades, o)
	if err != nil {
		return err
	}
	writeStreamSummary(opts.IO.ErrOut, sum, opts.Fitter.Windows, time.Since(began))
	if opts.Summary != "" {
		b, err := json.Marshal(sum)
		if err != nil {
			return err
		}
		if err := os.WriteFile(opts.Summary, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("write summary: %w", err)
		}
	}
	return nil
}

// readerProgress logs the replay's progress.
func readerProgress(log *slog.Logger) func(sent, total int) {
	last := time.Time{}
	return func(sent, total int) {
		if time.Since(last) < 2*time.Second && sent < total {
			return
		}
		last = time.Now()
		log.Info("replaying", "events", sent, "of", total)
	}
}

// writeStreamSummary writes the human summary of a run.
func writeStreamSummary(w io.Writer, s stream.Summary, windows []float64, elapsed time.Duration) {
	fmt.Fprintf(w, "stream: %d events of %d cascades in %.1fs (%.0f events/s); %d alerts; %d models trained\n",
		s.Events, s.Cascades, elapsed.Seconds(), float64(s.Events)/elapsed.Seconds(), s.Alerts, s.Models)
	ws := slices.Clone(windows)
	slices.Sort(ws)
	for _, win := range ws {
		k := stream.WindowKey(win)
		a := s.ARE[k]
		fmt.Fprintf(w, "stream: window %ss: %d predictions; ARE mean %.3f, median %.3f over %d cascades\n",
			k, s.Predictions[k], a.Mean, a.Median, a.Count)
	}
	if s.Evicted > 0 || s.DeadLetters > 0 {
		fmt.Fprintf(w, "stream: %d cascades evicted at --max-open, %d messages dead-lettered\n", s.Evicted, s.DeadLetters)
	}
}

// runStreamBroker runs the embedded broker until ctx is done.
func runStreamBroker(ctx context.Context, opts *BrokerOptions) error {
	log := opts.Conn.logger(opts.IO.ErrOut)
	b, err := stream.StartBroker(opts.Broker)
	if err != nil {
		return err
	}
	defer b.Close()
	c := opts.Conn.Client
	c.Brokers = b.Addrs()
	if err := stream.EnsureTopics(ctx, c, opts.Conn.Topics, log); err != nil {
		return err
	}
	fmt.Fprintln(opts.IO.Out, strings.Join(b.Addrs(), ","))
	log.Info("embedded broker ready", "addrs", b.Addrs(), "state_dir", opts.Broker.StateDir)
	<-ctx.Done()
	log.Info("embedded broker stopping")
	return nil
}

// runStreamReader replays the data set.
func runStreamReader(ctx context.Context, opts *ReaderOptions) error {
	log := opts.Conn.logger(opts.IO.ErrOut)
	cascades, err := data.LoadDir(ctx, opts.DataDir)
	if err != nil {
		return err
	}
	if err := stream.EnsureTopics(ctx, opts.Conn.Client, opts.Conn.Topics, log); err != nil {
		return err
	}
	o := opts.Reader
	o.Log = log
	o.Progress = readerProgress(log)
	if o.Metrics, err = opts.Conn.metrics(ctx, log); err != nil {
		return err
	}
	st, err := stream.Replay(ctx, opts.Conn.Client, opts.Conn.Topics, cascades, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "reader: %d events of %d cascades in %.1fs (%.0f events/s)\n",
		st.Events, st.Cascades, st.Elapsed.Seconds(), float64(st.Events)/st.Elapsed.Seconds())
	return nil
}

// runRole runs a role until ctx is done; being stopped is its normal end.
func runRole(ctx context.Context, conn *ConnOptions, log *slog.Logger, run func(context.Context) error) error {
	if err := stream.EnsureTopics(ctx, conn.Client, conn.Topics, log); err != nil {
		if errors.Is(err, context.Canceled) {
			return nil
		}
		return err
	}
	err := run(ctx)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func runStreamFitter(ctx context.Context, opts *FitterOptions) error {
	log := opts.Conn.logger(opts.IO.ErrOut)
	o := opts.Fitter
	o.Log = log
	m, err := opts.Conn.metrics(ctx, log)
	if err != nil {
		return err
	}
	o.Metrics = m
	f, err := stream.NewFitter(opts.Conn.Client, opts.Conn.Topics, o)
	if err != nil {
		return err
	}
	err = runRole(ctx, opts.Conn, log, f.Run)
	c := f.Counts()
	fmt.Fprintf(opts.IO.ErrOut, "fitter: %d events, %d cascades, %d fits, %d predictions, %d samples, %d evicted, %d dead letters\n",
		c.Events, c.Cascades, c.Fits, c.Predictions, c.Samples, c.Evicted, c.DeadLetters)
	return err
}

func runStreamTrainer(ctx context.Context, opts *TrainerOptions) error {
	log := opts.Conn.logger(opts.IO.ErrOut)
	o := opts.Trainer
	o.Log = log
	o.Forest.Workers = runtime.NumCPU()
	m, err := opts.Conn.metrics(ctx, log)
	if err != nil {
		return err
	}
	o.Metrics = m
	t, err := stream.NewTrainer(opts.Conn.Client, opts.Conn.Topics, o)
	if err != nil {
		return err
	}
	err = runRole(ctx, opts.Conn, log, t.Run)
	fmt.Fprintf(opts.IO.ErrOut, "trainer: %d samples, %d models\n", t.Consumed(), t.Models())
	return err
}

func runStreamAlerts(ctx context.Context, opts *AlertsOptions) error {
	log := opts.Conn.logger(opts.IO.ErrOut)
	o := opts.Alerts
	o.Log = log
	o.Out = opts.IO.Out
	m, err := opts.Conn.metrics(ctx, log)
	if err != nil {
		return err
	}
	o.Metrics = m
	a, err := stream.NewAlerter(opts.Conn.Client, opts.Conn.Topics, o)
	if err != nil {
		return err
	}
	err = runRole(ctx, opts.Conn, log, a.Run)
	fmt.Fprintf(opts.IO.ErrOut, "alerts: %d predictions, %d alerts\n", a.Predictions(), a.Alerts())
	return err
}
