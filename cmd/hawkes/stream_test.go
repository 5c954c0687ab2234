package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/spf13/cobra"

	"github.com/hawkes-toolkit/hawkes/internal/shared"
	"github.com/hawkes-toolkit/hawkes/internal/streamtest"
	"github.com/hawkes-toolkit/hawkes/stream"
)

func TestStreamFlags(t *testing.T) {
	newCmd := func(ios *ioStreams, runF func(context.Context, *StreamOptions) error) *cobra.Command {
		return newStreamCmd(ios, streamRunners{all: runF})
	}
	tests := []struct {
		name    string
		argv    []string
		check   func(t *testing.T, o *StreamOptions)
		wantErr string
	}{
		{"defaults", []string{"--data", "d"}, func(t *testing.T, o *StreamOptions) {
			if len(o.Conn.Client.Brokers) != 0 || o.Fitters != 1 || o.Reader.Speed != 0 ||
				!slices.Equal(o.Fitter.Windows, stream.DefaultWindows()) || o.Fitter.Terminated != stream.DefaultTerminated ||
				o.Fitter.MaxSkew != stream.DefaultMaxSkew ||
				o.Alerts.Threshold != stream.DefaultThreshold || o.Alerts.Format != "text" ||
				o.Conn.Topics != stream.DefaultTopics() || o.Trainer.RetrainEvery != stream.DefaultRetrainEvery {
				t.Errorf("defaults: %+v %+v", o, o.Conn)
			}
		}, ""},
		{"every role's flags", []string{"--data", "d", "--window", "300,1200", "--speed", "100", "--spacing", "5",
			"--terminated", "7200", "--max-open", "10", "--max-skew", "1e6", "--retrain-every", "7", "--max-samples", "70", "--trees", "9",
			"--threshold", "42", "--format", "jsonl", "--fitters", "3", "--partitions-retweets", "12", "--topic-models", "m",
			"--summary", "s.json", "--state-dir", "st"}, func(t *testing.T, o *StreamOptions) {
			if !slices.Equal(o.Fitter.Windows, []float64{300, 1200}) || o.Reader.Speed != 100 || o.Reader.Spacing != 5 ||
				o.Fitter.Terminated != 7200 || o.Fitter.MaxOpen != 10 || o.Fitter.MaxSkew != 1e6 || o.Trainer.RetrainEvery != 7 ||
				o.Trainer.MaxSamples != 70 || o.Trainer.Forest.Trees != 9 || o.Alerts.Threshold != 42 ||
				o.Alerts.Format != "jsonl" || o.Fitters != 3 || o.Conn.Topics.RetweetsPartitions != 12 ||
				o.Conn.Topics.Models != "m" || o.Summary != "s.json" || o.StateDir != "st" {
				t.Errorf("options: %+v", o)
			}
		}, ""},
		{"brokers and sasl", []string{"--data", "d", "--brokers", "k1:9092,k2:9092", "--sasl-mechanism", "SCRAM-SHA-512", "--sasl-user", "u", "--tls"},
			func(t *testing.T, o *StreamOptions) {
				c := o.Conn.Client
				if !slices.Equal(c.Brokers, []string{"k1:9092", "k2:9092"}) || c.SASLMechanism != "SCRAM-SHA-512" || c.SASLUser != "u" || !c.TLS {
					t.Errorf("client: %+v", c)
				}
			}, ""},
		{"no data", nil, nil, "--data not set"},
		{"bad broker", []string{"--data", "d", "--brokers", "k1"}, nil, `"k1" is not host:port`},
		{"state dir with brokers", []string{"--data", "d", "--brokers", "k:1", "--state-dir", "s"}, nil, "--state-dir is for the embedded broker"},
		{"negative speed", []string{"--data", "d", "--speed", "-1"}, nil, "--speed must be"},
		{"zero window", []string{"--data", "d", "--window", "0"}, nil, "--window must be positive"},
		{"window twice", []string{"--data", "d", "--window", "600,600"}, nil, "--window 600 given twice"},
		{"zero terminated", []string{"--data", "d", "--terminated", "0"}, nil, "--terminated must be"},
		{"zero max open", []string{"--data", "d", "--max-open", "0"}, nil, "--max-open must be at least 1"},
		{"small max skew", []string{"--data", "d", "--max-skew", "3600"}, nil, "--max-skew must be a number of seconds of at least 172800"},
		{"watermarks a day apart", []string{"--data", "d", "--watermark-every", "86400"}, nil, "--watermark-every must be a positive number of seconds, at most 43200"},
		{"retraining off", []string{"--data", "d", "--retrain-every", "0", "--model", "600=a.hkrf,b.hkrf", "--samples", "f.csv", "--learned-only"},
			func(t *testing.T, o *StreamOptions) {
				if o.Trainer.RetrainEvery != stream.NoRetrain || o.Inputs.Models != "600=a.hkrf,b.hkrf" || o.Inputs.Samples != "f.csv" || !o.Alerts.LearnedOnly {
					t.Errorf("options: %+v %+v", o.Trainer, o.Inputs)
				}
			}, ""},
		{"negative retrain", []string{"--data", "d", "--retrain-every", "-2"}, nil, "--retrain-every must be at least 1"},
		{"retrain not a number", []string{"--data", "d", "--retrain-every", "x"}, nil, `"x" is not a whole number`},
		{"model pair without file", []string{"--data", "d", "--model", "600="}, nil, "want T=FILE"},
		{"model bad window", []string{"--data", "d", "--model", "ten=a"}, nil, "is not a positive number of seconds"},
		{"model empty item", []string{"--data", "d", "--model", "a,,b"}, nil, "empty item"},
		{"zero threshold", []string{"--data", "d", "--threshold", "0"}, nil, "--threshold must be"},
		{"format", []string{"--data", "d", "--format", "xml"}, nil, "--format must be text or jsonl"},
		{"sasl mechanism", []string{"--data", "d", "--sasl-mechanism", "KERBEROS"}, nil, "--sasl-mechanism must be"},
		{"sasl without user", []string{"--data", "d", "--sasl-mechanism", "PLAIN"}, nil, "needs --sasl-user"},
		{"tls cert without key", []string{"--data", "d", "--tls-cert", "c.pem"}, nil, "go together"},
		{"log level", []string{"--data", "d", "--log-level", "loud"}, nil, "--log-level must be"},
		{"partitions", []string{"--data", "d", "--partitions-retweets", "0"}, nil, "0 partitions"},
		{"summary folder", []string{"--data", "d", "--summary", "/no/such/dir/s.json"}, nil, "does not exist"},
		{"zero fitters", []string{"--data", "d", "--fitters", "0"}, nil, "--fitters must be at least 1"},
		// A typed 0 or empty value is refused where it means nothing; the
		// library takes a zero field for its default (stream/options.go).
		{"negative max open", []string{"--data", "d", "--max-open", "-3"}, nil, "--max-open must be at least 1, got -3"},
		{"empty group", []string{"--data", "d", "--group", ""}, nil, "--group must not be empty"},
		{"empty trainer group", []string{"--data", "d", "--trainer-group", ""}, nil, "--trainer-group must not be empty"},
		{"empty alerts group", []string{"--data", "d", "--alerts-group", ""}, nil, "--alerts-group must not be empty"},
		{"dashboard", []string{"--data", "d", "--http", ":8081", "--max-cascades", "7"}, func(t *testing.T, o *StreamOptions) {
			if o.Dashboard.HTTP != ":8081" || o.Dashboard.MaxCascades != 7 {
				t.Errorf("dashboard %+v", o.Dashboard)
			}
		}, ""},
		{"no dashboard by default", []string{"--data", "d"}, func(t *testing.T, o *StreamOptions) {
			if o.Dashboard.HTTP != "" {
				t.Errorf("dashboard %+v", o.Dashboard)
			}
		}, ""},
		{"dashboard address", []string{"--data", "d", "--http", "x"}, nil, "--http must be HOST:PORT"},
		{"zero connect timeout", []string{"--data", "d", "--connect-timeout", "0s"}, nil, "--connect-timeout must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseFlags(t, "stream", newCmd, tt.argv, tt.wantErr)
			if got != nil && tt.check != nil {
				tt.check(t, got)
			}
		})
	}
}

func TestStreamRoleFlags(t *testing.T) {
	var ran string
	r := streamRunners{
		broker:  func(context.Context, *BrokerOptions) error { ran = "broker"; return nil },
		reader:  func(context.Context, *ReaderOptions) error { ran = "reader"; return nil },
		fitter:  func(context.Context, *FitterOptions) error { ran = "fitter"; return nil },
		trainer: func(context.Context, *TrainerOptions) error { ran = "trainer"; return nil },
		alerts:  func(context.Context, *AlertsOptions) error { ran = "alerts"; return nil },
		dashboard: func(_ context.Context, o *DashboardOptions) error {
			ran = "dashboard " + o.Flags.HTTP + " " + o.Watch.Group + " " + o.Watch.FitterGroup + " " + fmt.Sprint(o.Flags.MaxCascades)
			return nil
		},
	}
	tests := []struct {
		argv    []string
		wantRan string
		wantErr string
	}{
		{[]string{"broker"}, "broker", ""},
		{[]string{"broker", "--ports", "9092,9093,9094", "--state-dir", "s"}, "broker", ""},
		{[]string{"broker", "--ports", "1,2,3,4"}, "", "one to three brokers"},
		{[]string{"broker", "--brokers-count", "4"}, "", "one to three brokers"},
		{[]string{"broker", "--brokers", "k:1"}, "", "cannot be used with it"},
		{[]string{"broker", "--brokers-count", "0"}, "", "one to three brokers: got --ports [], --brokers-count 0"},
		{[]string{"broker", "--ports", "70000"}, "", "--ports: 70000 is not a TCP port"},
		{[]string{"reader", "--brokers", "k:1", "--data", "d", "--speed", "10"}, "reader", ""},
		{[]string{"reader", "--data", "d"}, "", "--brokers not set"},
		{[]string{"reader", "--brokers", "k:1"}, "", "--data not set"},
		{[]string{"fitter", "--brokers", "k:1", "--window", "60", "--group", "g", "--id", "f1"}, "fitter", ""},
		{[]string{"fitter", "--brokers", "k:1", "--starts", "0"}, "", "--starts must be at least 1"},
		{[]string{"trainer", "--brokers", "k:1", "--retrain-every", "5"}, "trainer", ""},
		{[]string{"trainer", "--brokers", "k:1", "--max-samples", "0"}, "", "--max-samples must be"},
		{[]string{"alerts", "--brokers", "k:1", "--threshold", "10", "--format", "jsonl"}, "alerts", ""},
		{[]string{"alerts", "--brokers", "k:1", "--threshold", "-1"}, "", "--threshold must be"},
		{[]string{"dashboard", "--brokers", "k:1"}, "dashboard 127.0.0.1:8080 hawkes-dashboard hawkes-fitter 10000", ""},
		{[]string{"dashboard", "--brokers", "k:1", "--http", ":9000", "--dashboard-group", "d", "--fitter-group", "f", "--max-cascades", "5"},
			"dashboard :9000 d f 5", ""},
		{[]string{"dashboard"}, "", "--brokers not set"},
		{[]string{"dashboard", "--brokers", "k:1", "--http", "localhost"}, "", "--http must be HOST:PORT"},
		{[]string{"dashboard", "--brokers", "k:1", "--max-cascades", "0"}, "", "--max-cascades must be at least 1"},
		{[]string{"dashboard", "--brokers", "k:1", "--dashboard-group", ""}, "", "--dashboard-group must not be empty"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.argv, " "), func(t *testing.T) {
			ran = ""
			ios, _, stderr := testStreams()
			code := execSub(t, ios, newStreamCmd(ios, r), append([]string{"stream"}, tt.argv...)...)
			if tt.wantErr != "" {
				if code != exitUsage || !strings.Contains(stderr.String(), tt.wantErr) || ran != "" {
					t.Errorf("exit %d, ran %q, stderr %q; want usage error %q", code, ran, stderr, tt.wantErr)
				}
				return
			}
			if code != exitOK || ran != tt.wantRan {
				t.Errorf("exit %d, ran %q, stderr %q; want %s", code, ran, stderr, tt.wantRan)
			}
		})
	}
}

// TestStreamCommand runs hawkes stream on the real smh_cascades with the
// embedded broker: alerts on stdout, summary on stderr and in --summary.
func TestStreamCommand(t *testing.T) {
	dir := shared.Path(t, "smh_cascades")
	sum := filepath.Join(t.TempDir(), "summary.json")
	ios, stdout, stderr := testStreams()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code := execute(ctx, newRootCmd(ios), []string{"stream", "--data", dir, "--threshold", "100", "--format", "jsonl",
		"--starts", "4", "--partitions-retweets", "8", "--summary", sum, "--log-level", "warn"}, ios)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	b, err := os.ReadFile(sum)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("summary %s: %v", b, err)
	}
	for _, k := range []string{"events", "cascades", "predictions", "alerts", "models", "are"} {
		if _, ok := s[k]; !ok {
			t.Errorf("summary has no %q: %s", k, b)
		}
	}
	if s["events"].(float64) != 2104 || s["cascades"].(float64) != 20 {
		t.Errorf("summary %s: want 2104 events of 20 cascades", b)
	}
	preds := s["predictions"].(map[string]any)
	if preds["600"].(float64) != 20 || preds["3600"].(float64) != 20 {
		t.Errorf("predictions %v, want 20 per window", preds)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if int(s["alerts"].(float64)) != len(lines) || len(lines) == 0 {
		t.Errorf("%d alert lines on stdout, summary says %v", len(lines), s["alerts"])
	}
	for _, l := range lines {
		var a stream.Alert
		if err := json.Unmarshal([]byte(l), &a); err != nil || a.NHat < 100 {
			t.Errorf("alert line %q: %v", l, err)
		}
	}
	if !strings.Contains(stderr.String(), "stream: window 600s: 20 predictions") {
		t.Errorf("stderr has no summary: %s", stderr)
	}
}

// TestStreamInterrupted stops hawkes stream in the middle of a paced
// replay, as Ctrl-C does: it exits 130 promptly.
func TestStreamInterrupted(t *testing.T) {
	dir := shared.Path(t, "smh_cascades")
	ios, _, stderr := testStreams()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(1500*time.Millisecond, cancel)
	began := time.Now()
	code := execute(ctx, newRootCmd(ios), []string{"stream", "--data", dir, "--speed", "100", "--starts", "2",
		"--partitions-retweets", "4", "--log-level", "warn"}, ios)
	if code != exitInterrupted {
		t.Fatalf("exit %d, want %d; stderr %s", code, exitInterrupted, stderr)
	}
	if d := time.Since(began); d > 20*time.Second {
		t.Errorf("took %v to stop", d)
	}
}

// failingWriter fails every write, as a full disk does.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestStreamErrors runs the stream commands into real failures and checks
// the exit code and the one error line: each layer says what it knows
// once ("hawkes: stream: <role>: ..."), without repeating a prefix.
func TestStreamErrors(t *testing.T) {
	b := streamtest.StartBroker(t, stream.StartBroker, stream.BrokerOptions{})
	addr := strings.Join(b.Addrs(), ",")
	topics := stream.DefaultTopics()
	topics.RetweetsPartitions, topics.PredictionsPartitions = 2, 1
	topicFlags := []string{"--partitions-retweets", "2", "--partitions-predictions", "1"}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := stream.EnsureTopics(ctx, stream.Client{Brokers: b.Addrs()}, topics, nil); err != nil {
		t.Fatal(err)
	}
	pred, err := json.Marshal(stream.Prediction{V: stream.SchemaVersion, ID: "a", Window: 600, N: 3, NHat: 50, Source: stream.SourceHawkes})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := streamtest.Producer(t, b.Addrs()).SendMessage(&sarama.ProducerMessage{
		Topic: topics.Predictions, Key: sarama.StringEncoder("a"), Value: sarama.ByteEncoder(pred)}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		argv     []string
		out      io.Writer // standard output; nil: a buffer
		wantCode int
		wantErr  string // the error line's start
	}{
		{"no broker", []string{"stream", "fitter", "--brokers", "127.0.0.1:1", "--connect-timeout", "300ms"}, nil, exitError,
			"hawkes: stream: connect to [127.0.0.1:1]: gave up after 300ms: "},
		{"alerts cannot write", slices.Concat([]string{"stream", "alerts", "--brokers", addr, "--threshold", "10"}, topicFlags), failingWriter{}, exitError,
			"hawkes: stream: alerts: " + topics.Predictions + " partition 0 offset 0: write alert: disk full"},
		{"no data", []string{"stream", "reader", "--brokers", addr, "--data", filepath.Join(t.TempDir(), "none")}, nil, exitBadInput,
			"hawkes: load cascades: "},
		{"bad tls ca", []string{"stream", "--data", shared.Path(t, "smh_cascades"), "--tls", "--tls-ca", filepath.Join(t.TempDir(), "ca.pem")}, nil, exitBadInput,
			"hawkes: stream: TLS CA: open "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, stderr := testStreams()
			if tt.out != nil {
				ios.Out = tt.out
			}
			code := execute(ctx, newRootCmd(ios), append(tt.argv, "--log-level", "error"), ios)
			line := lineWith(stderr.String(), "hawkes: ")
			if code != tt.wantCode || !strings.HasPrefix(line, tt.wantErr) {
				t.Fatalf("exit %d, error %q; want %d and an error starting %q\nstderr:\n%s", code, line, tt.wantCode, tt.wantErr, stderr)
			}
			if s := stutter(line); s != "" {
				t.Errorf("%q stutters: %q", line, s)
			}
			// A prefix repeated further on, as in "alerts: stream: alerts:".
			for _, p := range []string{"hawkes:", "stream:", "alerts:", "fitter:", "connect to", "write"} {
				if n := strings.Count(line, p); n > 1 {
					t.Errorf("%q appears %d times in %q", p, n, line)
				}
			}
		})
	}
}
