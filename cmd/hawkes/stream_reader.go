package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hawkes-toolkit/hawkes/convert"
	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/stream"
)

// ReaderOptions are the options of hawkes stream reader.
type ReaderOptions struct {
	IO      *ioStreams
	Conn    *ConnOptions
	DataDir string
	Reader  stream.ReaderOptions

	// A live feed instead of --data: its format, and standard input
	// (Stdin, the argument "-") or a file followed like tail -f.
	From    string
	Stdin   bool
	Follow  string
	Live    stream.LiveOptions
	Convert convert.Options
	// Followers is the --followers file of the conversion.
	Followers string
}

// newStreamReaderCmd returns hawkes stream reader; runF, when not nil,
// replaces runStreamReader.
func newStreamReaderCmd(ios *ioStreams, conn *ConnOptions, runF func(context.Context, *ReaderOptions) error) *cobra.Command {
	opts := &ReaderOptions{IO: ios, Conn: conn}
	cmd := &cobra.Command{
		Use:   "reader --brokers HOST:PORT,... (--data DIR | --from FORMAT (- | --follow FILE)) [flags]",
		Short: "Replay a data set, or convert a live feed of posts, as a live stream of retweets",
		Long: `Replay the cascades of --data on the retweets topic as one live stream,
merged in global time order, keyed by cascade id, paced by --speed. A
cascade starts at its index's start time (post_time_day, or post_time in
seconds) where there is one; else cascade i (in index order) starts at i
times --spacing seconds. Quiet partitions get watermarks so that fitters see
time pass; the end of the replay is marked on every partition. A summary
line goes to standard error.

With --from FORMAT (twitter-v1, twitter-v2 or bluesky; see hawkes convert)
the reader converts raw posts read from standard input ("-") or from a file
it follows as tail -f does (--follow FILE), with the rules of hawkes
convert, into the same stream, live: event times are the posts' own times.
Events are held and sent in time order within --lateness seconds of event
time; the watermarks are the newest time seen minus --lateness, and a
repost that arrives later than that is sent to the dead-letters topic with
the reason. An original is sent whatever its time: a cascade first seen
through a repost begins at its original's time, before the feed. At the end
of standard input the held events are sent and the end is marked on every
partition; a followed file has no end (stop it with Ctrl-C). An event dated
more than 10 minutes after the wall clock is dead-lettered, with the rest of
its cascade when it is an original. The reader forgets a cascade after
--forget seconds of event time without a post (and post ids that old), so
that its memory holds a day of the feed by default. Malformed lines
are reported, counted and skipped (--strict: exit code 3 at the first), and
a summary of the conversion goes to standard error at the end.`,
		Example: `  hawkes stream reader --brokers 127.0.0.1:9092 --data ../shared/data/seismic_subset --speed 0

  # The Twitter sample file, as a live feed
  zcat ../shared/data/twitter_sample_v1/statuses.jsonl.gz | hawkes stream reader --brokers 127.0.0.1:9092 --from twitter-v1 -

  # Twitter API v2, live from twarc2
  twarc2 stream | hawkes stream reader --brokers 127.0.0.1:9092 --from twitter-v2 -

  # Bluesky reposts, from a file another program appends Jetstream events to
  hawkes stream reader --brokers 127.0.0.1:9092 --from bluesky --follow jetstream.jsonl --followers followers.csv`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 && args[0] == "-" {
				opts.Stdin = true
				return nil
			}
			if len(args) > 0 {
				return flagErrorf("%s takes no argument but - (standard input, with --from), got %q", cmd.CommandPath(), args)
			}
			return nil
		},
		RunE: streamRunE(opts, runF, runStreamReader),
	}
	cmd.Flags().StringVar(&opts.DataDir, "data", "", "data set `DIR` to replay, holding data.csv and index.csv (required)")
	cmd.Flags().BoolVar(&opts.Reader.Resume, "resume", false, "continue a replay of the same data set that was stopped, without sending its events again")
	addReaderFlags(cmd.Flags(), &opts.Reader)
	f := cmd.Flags()
	f.StringVar(&opts.From, "from", "", "convert a live feed of raw posts in `FORMAT` (twitter-v1, twitter-v2, bluesky) instead of replaying --data")
	f.StringVar(&opts.Follow, "follow", "", "with --from, read `FILE` as tail -f does, instead of standard input")
	f.Float64Var(&opts.Live.Lateness, "lateness", stream.DefaultLateness, "with --from, event-time `SECONDS` within which events are put back in order; later reposts are dead-lettered")
	f.StringVar(&opts.Followers, "followers", "", "with --from, CSV `FILE` of account,count rows: follower counts where the posts give none")
	f.Float64Var(&opts.Convert.DefaultMagnitude, "default-magnitude", convert.DefaultMagnitude, "with --from, magnitude `M` of events whose follower count is unknown")
	f.BoolVar(&opts.Convert.Strict, "strict", false, "with --from, stop at the first malformed line (exit code 3)")
	f.Float64Var(&opts.Convert.Forget, "forget", stream.DefaultTerminated, "with --from, forget a cascade after `SECONDS` of event time without a post, and post ids that old (0: never; keep it >= the fitters' --terminated)")
	return cmd
}

// addReaderFlags adds the flags of the reader options, which start at their
// defaults; hawkes stream adds them all.
func addReaderFlags(f *pflag.FlagSet, o *stream.ReaderOptions) {
	f.Float64Var(&o.Speed, "speed", 0, "replay at `X` times real time (0: as fast as possible)")
	f.Float64Var(&o.Spacing, "spacing", stream.DefaultSpacing, "`SECONDS` between the starts of cascades whose index has no post_time_day")
	f.Float64Var(&o.WatermarkEvery, "watermark-every", stream.DefaultWatermarkEvery, "event-time `SECONDS` after which a quiet partition gets a watermark (at most 43200)")
	f.DurationVar(&o.OutageTimeout, "outage-timeout", stream.DefaultOutageTimeout, "with --data, how long a running replay rides out brokers that fail it (a cluster restarted), resuming once they answer")
}

// Validate checks the flags; package stream holds the rules of the
// reader's options.
func (o *ReaderOptions) Validate() error {
	if err := o.Conn.validateRole(); err != nil {
		return err
	}
	if o.From == "" {
		switch {
		case o.Stdin || o.Follow != "":
			return errors.New("- and --follow read a live feed: they need --from FORMAT")
		case o.DataDir == "":
			return errors.New("required flag --data not set (or --from FORMAT for a live feed)")
		}
		return o.Reader.Validate()
	}
	if _, err := convert.ParseFormat(o.From); err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	switch {
	case o.DataDir != "":
		return errors.New("--data and --from exclude each other")
	case o.Stdin == (o.Follow != ""):
		return errors.New("--from reads standard input (-) or --follow FILE: give one")
	case o.Reader.Resume || o.Reader.Speed != 0:
		return errors.New("--resume and --speed are for --data: a live feed is sent as it comes")
	}
	if err := o.liveOptions().Validate(); err != nil {
		return err
	}
	return o.Convert.Validate()
}

// liveOptions returns the options of the live reader the flags give:
// --lateness 0 holds nothing back, --watermark-every is the replay's.
func (o *ReaderOptions) liveOptions() stream.LiveOptions {
	lo := o.Live
	lo.NoLateness = lo.Lateness == 0
	lo.WatermarkEvery = o.Reader.WatermarkEvery
	return lo
}

// runStreamReader replays the data set.
func runStreamReader(ctx context.Context, opts *ReaderOptions) error {
	if opts.From != "" {
		return runLiveReader(ctx, opts)
	}
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

// runLiveReader converts the live feed of opts into the retweets topic.
func runLiveReader(ctx context.Context, opts *ReaderOptions) error {
	log := opts.Conn.logger(opts.IO.ErrOut)
	format, _ := convert.ParseFormat(opts.From)
	co := opts.Convert
	if opts.Followers != "" {
		m, err := readFollowers(opts.Followers)
		if err != nil {
			return err
		}
		co.Followers = m
	}
	co.Report = reportMalformed(opts.IO.ErrOut, "reader")
	in := convert.Input{Name: "standard input", R: opts.IO.In}
	if opts.Follow != "" {
		f, err := openInput(opts.Follow, "feed")
		if err != nil {
			return err
		}
		defer f.Close()
		in = convert.Input{Name: opts.Follow, R: convert.Follow(ctx, f, convert.DefaultPoll)}
	}
	if err := stream.EnsureTopics(ctx, opts.Conn.client(), opts.Conn.Topics, log); err != nil {
		return err
	}
	lo := opts.liveOptions()
	lo.Log = log
	var err error
	if lo.Metrics, err = opts.Conn.metrics(ctx, log); err != nil {
		return err
	}
	b := convert.NewBuilder(co, false)
	r := convert.NewReader(format, b, co)
	var (
		mu      sync.Mutex
		sum     *convert.Summary
		srcDone = make(chan struct{})
	)
	src := func(ctx context.Context, emit func(convert.Event) error) error {
		defer close(srcDone)
		err := r.Run(ctx, in, emit)
		mu.Lock()
		s := b.Summary
		sum = &s
		mu.Unlock()
		return err
	}
	st, err := stream.Live(ctx, opts.Conn.client(), opts.Conn.Topics, src, lo)
	// The summary of the conversion, also after Ctrl-C when the source
	// stops in time (a followed file does; a blocked standard input not).
	select {
	case <-srcDone:
	case <-time.After(time.Second):
	}
	mu.Lock()
	if sum != nil {
		fmt.Fprintf(opts.IO.ErrOut, "reader: %s\n", sum.String())
	}
	mu.Unlock()
	fmt.Fprintf(opts.IO.ErrOut, "reader: %d events of %d cascades sent, %d late reposts dead-lettered, %d events dated after the wall clock dead-lettered, in %.1fs\n",
		st.Events, st.Cascades, st.Late, st.Refused, st.Elapsed.Seconds())
	if le := (*convert.LineError)(nil); errors.As(err, &le) {
		return &badInputError{err}
	}
	return err
}
