package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/internal/atomicfile"
	"github.com/hawkes-toolkit/hawkes/stream"
)

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
	Inputs   trainerInputs // the trainer's given models and samples
	Alerts   stream.AlertsOptions
	// Dashboard, with its HTTP address set, serves the dashboard during
	// the run and after it until interrupted.
	Dashboard DashboardFlags
}

// streamRunners holds the functions the stream commands call once their
// flags are checked; nil fields run the real ones. Tests replace them.
type streamRunners struct {
	all       func(context.Context, *StreamOptions) error
	broker    func(context.Context, *BrokerOptions) error
	reader    func(context.Context, *ReaderOptions) error
	fitter    func(context.Context, *FitterOptions) error
	trainer   func(context.Context, *TrainerOptions) error
	alerts    func(context.Context, *AlertsOptions) error
	dashboard func(context.Context, *DashboardOptions) error
}

const streamLong = `Run the streaming pipeline on Kafka. With no --brokers, hawkes stream starts
an embedded Kafka-protocol broker on 127.0.0.1, creates the topics and runs
every role in this process: the reader replays --data as live retweets, the
fitter predicts each cascade once per --window, the trainer learns a forest
per window from finished cascades and publishes it to the fitters (or starts
from the models of hawkes train given with --model), and the
alerts role prints one line on standard output per cascade and window whose
predicted size is at least --threshold. When the replay ends, the pipeline
drains (every cascade finished and predicted on every window) and a summary
is written to standard error (and, with --summary FILE, as one JSON object).
With --http HOST:PORT, a live dashboard of the run is served there (see
hawkes stream dashboard --help; no authentication, 127.0.0.1 when no host is
given), and hawkes stream keeps serving it after the drain, until
interrupted (Ctrl-C then exits 0).

With --brokers host:port,... every role talks to that Kafka cluster instead,
and each role also runs on its own (hawkes stream reader|fitter|trainer|
alerts|dashboard), so that fitters started on several machines share the partitions
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

  # Predict with batch-trained models from the first cascade, no retraining
  hawkes stream --data ../shared/data/seismic_subset --model 600=m600.hkrf,3600=m3600.hkrf --retrain-every 0

  # Watch it live at http://127.0.0.1:8080/ (served until Ctrl-C)
  hawkes stream --data ../shared/data/smh_cascades --speed 20000 --threshold 150 --http 127.0.0.1:8080

  # Keep the broker's state on disk: run it again after Ctrl-C and it continues
  hawkes stream --data ../shared/data/seismic_subset --state-dir /tmp/hawkes-state

  # The same roles in separate processes, sharing one embedded broker
  hawkes stream broker --ports 9092 &
  hawkes stream fitter --brokers 127.0.0.1:9092 &      # start several: they share the partitions
  hawkes stream trainer --brokers 127.0.0.1:9092 &
  hawkes stream alerts --brokers 127.0.0.1:9092 --threshold 5000 &
  hawkes stream dashboard --brokers 127.0.0.1:9092 --http 127.0.0.1:8080 &
  hawkes stream reader --brokers 127.0.0.1:9092 --data ../shared/data/seismic_subset`,
		Args: noArgs,
		RunE: streamRunE(opts, r.all, runStream),
	}
	addConnFlags(cmd.PersistentFlags(), conn)
	f := cmd.Flags()
	f.StringVar(&opts.DataDir, "data", "", "data set `DIR` to replay, holding data.csv and index.csv (required)")
	f.StringVar(&opts.StateDir, "state-dir", "", "keep the embedded broker's topics and offsets in `DIR` across restarts")
	f.StringVar(&opts.Summary, "summary", "", "also write the summary as one JSON object to `FILE`")
	f.IntVar(&opts.Fitters, "fitters", stream.DefaultFitters, "fitters started in this process, members of one consumer group")
	addReaderFlags(f, &opts.Reader)
	addFitterFlags(f, &opts.Fitter)
	addTrainerFlags(f, &opts.Trainer, &opts.Inputs)
	addAlertsFlags(f, &opts.Alerts)
	addDashboardFlags(f, &opts.Dashboard, "", "serve a live dashboard at `HOST:PORT` (no host: 127.0.0.1), and keep serving it after the drain until interrupted")
	cmd.AddCommand(
		newStreamBrokerCmd(ios, conn, r.broker),
		newStreamReaderCmd(ios, conn, r.reader),
		newStreamFitterCmd(ios, conn, r.fitter),
		newStreamTrainerCmd(ios, conn, r.trainer),
		newStreamAlertsCmd(ios, conn, r.alerts),
		newStreamDashboardCmd(ios, conn, r.dashboard),
	)
	return cmd
}

// Validate checks the flags; package stream holds the rules of the options
// of the run.
func (o *StreamOptions) Validate() error {
	if err := o.Conn.Validate(); err != nil {
		return err
	}
	if o.DataDir == "" {
		return errors.New("required flag --data not set")
	}
	if err := o.Inputs.validate(); err != nil {
		return err
	}
	if err := o.options().Validate(); err != nil {
		return err
	}
	if err := o.Dashboard.validate(); err != nil {
		return err
	}
	if o.Summary == "" {
		return nil
	}
	if dir := o.Summary[:strings.LastIndexByte(o.Summary, '/')+1]; dir != "" {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return fmt.Errorf("--summary %s: folder %s does not exist", o.Summary, dir)
		}
	}
	return nil
}

// options returns the options of stream.Run the flags give, without the
// logger, metrics and writers runStream adds.
func (o *StreamOptions) options() stream.Options {
	r := stream.Options{
		Client:  o.Conn.client(),
		Broker:  stream.BrokerOptions{Brokers: stream.DefaultBrokers, StateDir: o.StateDir},
		Topics:  o.Conn.Topics,
		Reader:  o.Reader,
		Fitter:  o.Fitter,
		Fitters: o.Fitters,
		Trainer: o.Trainer,
		Alerts:  o.Alerts,
	}
	// With its state on disk, a second run continues the first one.
	r.Reader.Resume = o.StateDir != ""
	return r
}

// runStream runs every role in this process with stream.Run.
func runStream(ctx context.Context, opts *StreamOptions) error {
	log := opts.Conn.logger(opts.IO.ErrOut)
	// The given models and samples first: a file that cannot be used stops
	// the run before the data set is loaded.
	o := opts.options()
	if err := opts.Inputs.load(&o.Trainer); err != nil {
		return err
	}
	for T := range o.Trainer.Models {
		if !slices.Contains(o.Fitter.Windows, T) {
			return badInputf("--model gives a model of window %v, which the fitters' --window %v does not list", T, o.Fitter.Windows)
		}
	}
	cascades, err := data.LoadDir(ctx, opts.DataDir)
	if err != nil {
		return err
	}
	log.Info("data set loaded", "data", opts.DataDir, "cascades", len(cascades))
	m, err := opts.Conn.metrics(ctx, log)
	if err != nil {
		return err
	}
	o.Metrics, o.Log = m, log
	if opts.Dashboard.HTTP != "" {
		if o.Watch, err = opts.Dashboard.serve(ctx, log); err != nil {
			return err
		}
	}
	o.Progress = func(s stream.Summary) {
		log.Info("progress", "predictions", s.Predictions, "alerts", s.Alerts)
	}
	o.Alerts.Out = opts.IO.Out
	o.Reader.Progress = readerProgress(log)
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
		if err := atomicfile.WriteFile(opts.Summary, append(b, '\n')); err != nil {
			return fmt.Errorf("write summary: %w", err)
		}
	}
	if opts.Dashboard.HTTP != "" {
		log.Info("the run is over; serving the dashboard until interrupted")
		<-ctx.Done()
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
	fmt.Fprintf(w, "stream: %d events of %d cascades in %.1fs (%.0f events/s); %d alerts; %d models published\n",
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
