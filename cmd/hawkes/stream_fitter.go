package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/stream"
)

// FitterOptions are the options of hawkes stream fitter.
type FitterOptions struct {
	IO     *ioStreams
	Conn   *ConnOptions
	Fitter stream.FitterOptions
}

// newStreamFitterCmd returns hawkes stream fitter; runF, when not nil,
// replaces runStreamFitter.
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
its stats (the ARE of each window's prediction) are published. A message
more than --max-skew seconds of event time ahead of the latest its
partition has shown goes to the dead-letters topic instead of moving the
partition's clock; a replay after an end marker starts the clock again.
Runs until stopped.`,
		Example: `  hawkes stream fitter --brokers kafka-1:9092,kafka-2:9092 --window 600,3600 --max-open 50000`,
		Args:    noArgs,
		RunE:    streamRunE(opts, runF, runStreamFitter),
	}
	addFitterFlags(cmd.Flags(), &opts.Fitter)
	cmd.Flags().StringVar(&opts.Fitter.ID, "id", "", "name of this fitter in its predictions (default host-pid)")
	return cmd
}

// addFitterFlags adds the flags of the fitter options, which start at their
// defaults; hawkes stream adds them all.
func addFitterFlags(f *pflag.FlagSet, o *stream.FitterOptions) {
	o.Windows = stream.DefaultWindows()
	f.Float64SliceVar(&o.Windows, "window", o.Windows, "observation windows in `SECONDS`, comma-separated")
	f.Lookup("window").DefValue = formatWindows(o.Windows) // not "[600.000000,3600.000000]"
	f.Float64Var(&o.Terminated, "terminated", stream.DefaultTerminated, "a cascade with no retweet for this many `SECONDS` of event time is finished")
	f.IntVar(&o.MaxOpen, "max-open", stream.DefaultMaxOpen, "open cascades kept per fitter process; beyond, the least recently active is closed early")
	f.Float64Var(&o.MaxSkew, "max-skew", stream.DefaultMaxSkew, "dead-letter a retweets message more than `SECONDS` of event time ahead of its partition's clock (at least 172800)")
	f.StringVar(&o.Group, "group", stream.DefaultFitterGroup, "consumer group of the fitters")
	f.IntVar(&o.Fit.Starts, "starts", fit.DefaultStarts, "random starting points per fit")
	f.Uint64Var(&o.Fit.Seed, "seed", 1, "seed of the fits' starting points")
	f.BoolVar(&o.NoCurve, "no-curve", false, "leave the growth curve (for the dashboard) out of the predictions")
	f.BoolVar(&o.SkipFit, "no-fit", false, "do not fit (every fit failed, prediction = observed size): measures the ingest rate")
}

// Validate checks the flags; package stream holds the rules of the
// fitter's options.
func (o *FitterOptions) Validate() error {
	if err := o.Conn.validateRole(); err != nil {
		return err
	}
	return o.Fitter.Validate()
}

// runStreamFitter runs a fitter until ctx is done.
func runStreamFitter(ctx context.Context, opts *FitterOptions) error {
	return runRole(ctx, opts.IO, opts.Conn, func(log *slog.Logger, m *stream.Metrics) (*stream.Fitter, error) {
		o := opts.Fitter
		o.Log, o.Metrics = log, m
		return stream.NewFitter(opts.Conn.client(), opts.Conn.Topics, o)
	}, func(f *stream.Fitter) string {
		c := f.Counts()
		return fmt.Sprintf("fitter: %d events, %d cascades, %d fits, %d predictions, %d samples, %d evicted, %d dead letters",
			c.Events, c.Cascades, c.Fits, c.Predictions, c.Samples, c.Evicted, c.DeadLetters)
	})
}
