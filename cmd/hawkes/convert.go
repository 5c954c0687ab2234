package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hawkes-toolkit/hawkes/convert"
	"github.com/hawkes-toolkit/hawkes/data"
)

// ConvertOptions are the options of hawkes convert.
type ConvertOptions struct {
	IO *ioStreams

	From      string   // input format
	Out       string   // output folder
	Inputs    []string // files, or "-" for standard input
	Followers string   // followers file, account,count
	Convert   convert.Options
}

// maxReported bounds the malformed lines hawkes convert and the live
// reader report one by one; all are counted in the summary.
const maxReported = 100

func newConvertCmd(ios *ioStreams, runF func(context.Context, *ConvertOptions) error) *cobra.Command {
	opts := &ConvertOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "convert --from twitter-v1|twitter-v2|bluesky --out DIR [FILE ...|-]",
		Short: "Build cascades from raw Twitter or Bluesky JSON posts",
		Long: `Read raw posts, one JSON object per line, and write the cascades they form to
--out in the two-file layout (data.csv, index.csv) that hawkes fit reads.
The formats:
  twitter-v1  Twitter API v1.1 statuses (with delete and other notices), as
              the v1.1 streaming and REST APIs delivered them
  twitter-v2  Twitter API v2 responses as twarc2 writes them (search pages
              or stream responses with their includes), or tweets flattened
              by twarc2 flatten
  bluesky     Bluesky Jetstream events (commits of app.bsky.feed.post and
              app.bsky.feed.repost records)
Inputs are files, plain or gzip-compressed, or standard input ("-", also
when no FILE is given), read in the order given.

A cascade is an original post and its reposts: time 0 is the original's
creation time, each repost an event at its own time after it (whole
seconds), the magnitude the poster's follower count; its id is the
original's id, and the index's post_time column its creation time in Unix
seconds. Posts delivered twice count once; delete notices are counted, not
applied; replies and quotes start cascades of their own. Bluesky events
carry no follower counts: they come from --followers FILE (CSV rows
account,count), else --default-magnitude. The rules in full: go doc
github.com/hawkes-toolkit/hawkes/convert.

A line that cannot be used (not JSON, a field missing or of the wrong type,
longer than 16 MiB) is reported with its file and line number on standard
error, counted, and skipped (the first 100 are reported one by one); with
--strict the first one stops the run with exit code 3. A summary goes to
standard error: lines read, posts, reposts, duplicates, what was skipped
and why, cascades written. The two files are written together, so a failed
or interrupted run leaves DIR as it was.`,
		Example: `  # The ten minutes of the Twitter sample stream, cascades of at least 2 events
  hawkes convert --from twitter-v1 --min-size 2 --out /tmp/sample \
      ../shared/data/twitter_sample_v1/statuses.jsonl.gz
  hawkes fit --data /tmp/sample --window 600

  # A twarc2 collection
  twarc2 search --archive blacklivesmatter tweets.jsonl
  hawkes convert --from twitter-v2 --out /tmp/blm tweets.jsonl

  # Bluesky reposts from Jetstream, with follower counts from a file
  websocat 'wss://jetstream2.us-east.bsky.network/subscribe?wantedCollections=app.bsky.feed.post&wantedCollections=app.bsky.feed.repost' \
      | head -n 100000 | hawkes convert --from bluesky --followers followers.csv --out /tmp/bsky -`,
		RunE: runE(opts, func(_ *cobra.Command, args []string) error {
			opts.Inputs = args
			return usage(opts.Validate())
		}, runF, runConvert),
	}
	f := cmd.Flags()
	f.StringVar(&opts.From, "from", "", "input `FORMAT`: twitter-v1, twitter-v2 or bluesky (required)")
	f.StringVar(&opts.Out, "out", "", "output `DIR`, created if needed (required)")
	f.IntVar(&opts.Convert.MinSize, "min-size", 1, "keep the cascades of at least `N` events, the original included")
	f.StringVar(&opts.Followers, "followers", "", "CSV `FILE` of account,count rows: follower counts where the posts give none (Bluesky)")
	f.Float64Var(&opts.Convert.DefaultMagnitude, "default-magnitude", convert.DefaultMagnitude, "magnitude `M` of events whose follower count is unknown")
	f.BoolVar(&opts.Convert.Strict, "strict", false, "stop at the first malformed line (exit code 3) instead of skipping it")
	return cmd
}

// Validate checks the flags; package convert holds the rules of its
// options.
func (o *ConvertOptions) Validate() error {
	if o.From == "" {
		return errors.New("required flag --from not set")
	}
	if _, err := convert.ParseFormat(o.From); err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	if o.Out == "" {
		return errors.New("required flag --out not set")
	}
	stdin := 0
	for _, in := range o.Inputs {
		if in == "-" {
			stdin++
		}
		if in == "" {
			return errors.New("an empty input name")
		}
	}
	if stdin > 1 {
		return errors.New(`standard input ("-") given twice`)
	}
	if o.Convert.MinSize < 1 {
		return fmt.Errorf("--min-size %d: want at least 1", o.Convert.MinSize)
	}
	return o.Convert.Validate()
}

// runConvert converts the inputs and writes the cascades.
func runConvert(ctx context.Context, opts *ConvertOptions) error {
	format, _ := convert.ParseFormat(opts.From)
	o := opts.Convert
	if opts.Followers != "" {
		m, err := readFollowers(opts.Followers)
		if err != nil {
			return err
		}
		o.Followers = m
	}
	o.Report = reportMalformed(opts.IO.ErrOut, "convert")
	names := opts.Inputs
	if len(names) == 0 {
		names = []string{"-"}
	}
	var inputs []convert.Input
	for _, name := range names {
		if name == "-" {
			inputs = append(inputs, convert.Input{Name: "standard input", R: opts.IO.In})
			continue
		}
		f, err := openInput(name, "input")
		if err != nil {
			return err
		}
		defer f.Close()
		inputs = append(inputs, convert.Input{Name: name, R: f})
	}
	cs, sum, err := convert.Convert(ctx, format, inputs, o)
	if err != nil {
		if le := (*convert.LineError)(nil); errors.As(err, &le) {
			return &badInputError{fmt.Errorf("convert: %w", err)}
		}
		return err
	}
	if err := data.WriteDirOptions(opts.Out, cs, data.WriteOptions{StartSeconds: true}); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "convert: %s\n", sum.String())
	fmt.Fprintf(opts.IO.ErrOut, "convert: %d cascades of at least %d events (%d events) written to %s\n",
		len(cs), o.MinSize, events(cs), opts.Out)
	return nil
}

func events(cs []data.Cascade) int {
	n := 0
	for i := range cs {
		n += cs[i].Len()
	}
	return n
}

// readFollowers reads a --followers file; a file that cannot be used is bad
// input.
func readFollowers(path string) (map[string]float64, error) {
	f, err := openInput(path, "followers")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := convert.ReadFollowers(f, path)
	if err != nil {
		return nil, &badInputError{err}
	}
	return m, nil
}

// reportMalformed returns the report of malformed lines: one line each on
// w, for the first maxReported, then one line saying the rest are counted
// only.
func reportMalformed(w io.Writer, role string) func(*convert.LineError) {
	n := 0
	return func(e *convert.LineError) {
		n++
		switch {
		case n <= maxReported:
			fmt.Fprintf(w, "%s: skipped %s\n", role, strings.TrimSpace(e.Error()))
		case n == maxReported+1:
			fmt.Fprintf(w, "%s: more malformed lines: counted in the summary, not reported\n", role)
		}
	}
}
