package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/stream"
)

// ReaderOptions are the options of hawkes stream reader.
type ReaderOptions struct {
	IO      *ioStreams
	Conn    *ConnOptions
	DataDir string
	Reader  stream.ReaderOptions
}

// newStreamReaderCmd returns hawkes stream reader; runF, when not nil,
// replaces runStreamReader.
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
		RunE:    streamRunE(opts, runF, runStreamReader),
	}
	cmd.Flags().StringVar(&opts.DataDir, "data", "", "data set `DIR` to replay, holding data.csv and index.csv (required)")
	cmd.Flags().BoolVar(&opts.Reader.Resume, "resume", false, "continue a replay of the same data set that was stopped, without sending its events again")
	addReaderFlags(cmd.Flags(), &opts.Reader)
	return cmd
}

// addReaderFlags adds the flags of the reader options, which start at their
// defaults; hawkes stream adds them all.
func addReaderFlags(f *pflag.FlagSet, o *stream.ReaderOptions) {
	f.Float64Var(&o.Speed, "speed", 0, "replay at `X` times real time (0: as fast as possible)")
	f.Float64Var(&o.Spacing, "spacing", stream.DefaultSpacing, "`SECONDS` between the starts of cascades whose index has no post_time_day")
	f.Float64Var(&o.WatermarkEvery, "watermark-every", stream.DefaultWatermarkEvery, "event-time `SECONDS` after which a quiet partition gets a watermark (at most 43200)")
}

// Validate checks the flags; package stream holds the rules of the
// reader's options.
func (o *ReaderOptions) Validate() error {
	if err := o.Conn.validateRole(); err != nil {
		return err
	}
	if o.DataDir == "" {
		return errors.New("required flag --data not set")
	}
	return o.Reader.Validate()
}

// runStreamReader replays the data set.
func runStreamReader(ctx context.Context, opts *ReaderOptions) error {
	log := opts.Conn.logger(opts.IO.ErrOut)
	cascades, err := data.LoadDir(ctx, opts.DataDir)
	if err != nil {
		return err
	}
	if err := stream.EnsureTopics(ctx, opts.Conn.client(), opts.Conn.Topics, log); err != nil {
		return err
	}
	o := opts.Reader
	o.Log = log
	o.Progress = readerProgress(log)
	if o.Metrics, err = opts.Conn.metrics(ctx, log); err != nil {
		return err
	}
	st, err := stream.Replay(ctx, opts.Conn.client(), opts.Conn.Topics, cascades, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "reader: %d events of %d cascades in %.1fs (%.0f events/s)\n",
		st.Events, st.Cascades, st.Elapsed.Seconds(), float64(st.Events)/st.Elapsed.Seconds())
	return nil
}
