package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// run executes the hawkes command line args (without the program name),
// prints an error once on ios.ErrOut as "hawkes: <error>", with the usage of
// the command after a usage error, and returns the exit code.
func run(ctx context.Context, args []string, ios *ioStreams) int {
	return execute(ctx, newRootCmd(ios), args, ios)
}

// execute runs root on args; see run.
func execute(ctx context.Context, root *cobra.Command, args []string, ios *ioStreams) int {
	if args == nil {
		args = []string{} // cobra reads os.Args when args is nil
	}
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	code := exitCode(err)
	switch code {
	case exitOK:
	case exitInterrupted:
		fmt.Fprintln(ios.ErrOut, "hawkes: interrupted")
	case exitUsage:
		fmt.Fprintf(ios.ErrOut, "hawkes: %v\n\n%s", err, cmd.UsageString())
	default:
		fmt.Fprintf(ios.ErrOut, "hawkes: %v\n", err)
	}
	return code
}

// newRootCmd returns the hawkes command with all its subcommands.
func newRootCmd(ios *ioStreams) *cobra.Command {
	root := newBareRootCmd(ios)
	root.AddCommand(
		newFitCmd(ios, nil),
		newConvertCmd(ios, nil),
		newFeaturesCmd(ios, nil),
		newSimulateCmd(ios, nil),
		newTrainCmd(ios, nil),
		newEvaluateCmd(ios, nil),
		newPredictCmd(ios, nil),
		newStreamCmd(ios, streamRunners{}),
		newDiagnoseCmd(ios, nil),
		newPlotCmd(ios, nil),
	)
	return root
}

// newBareRootCmd returns the hawkes command without subcommands. Errors are
// neither printed nor followed by usage by cobra: execute does both.
func newBareRootCmd(ios *ioStreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "hawkes <command> [flags]",
		Short: "Fit a marked Hawkes process to retweet cascades and predict their final size",
		Long: `hawkes fits a marked Hawkes process with a power-law kernel to retweet
cascades and predicts the final size of each cascade from its first seconds.
It reads data sets in the two-file layout (data.csv with one row per event,
index.csv with one row per cascade), builds them from raw Twitter or Bluesky
posts (hawkes convert), and simulates such data sets.

Exit codes:
  0    success
  1    runtime failure
  2    usage error: unknown command or flag, or an invalid flag value
  3    bad input data: a malformed data set, features file or model file, or
       an input that does not exist or is a folder
  4    an output cannot be written: its folder is missing or not writable,
       it names a folder, or the disk is full; a file it would replace is
       left as it was
  130  interrupted by SIGINT or SIGTERM (output written so far is well-formed;
       a file it would replace is left as it was)`,
		Example: `  # Fit every cascade on its first hour and write one CSV row per cascade
  hawkes fit --data ../shared/data/smh_cascades --window 3600 > fits.csv

  # Simulate 200 cascades with random parameters, then fit them
  hawkes simulate --out /tmp/sim --cascades 200 --random
  hawkes fit --data /tmp/sim --window 600 --format jsonl

  # Train a model, then predict other cascades with it, in batch and in the stream
  hawkes train --data ../shared/data/seismic_subset --window 600 --model m600.hkrf
  hawkes predict --data /tmp/sim --window 600 --model m600.hkrf
  hawkes stream --data /tmp/sim --window 600 --model m600.hkrf`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += "; did you mean " + strings.Join(s, " or ") + "?"
			}
			return flagErrorf("%s", msg)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
		SilenceErrors: true,
		SilenceUsage:  true,

		SuggestionsMinimumDistance: 2,
	}
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &flagError{err}
	})
	root.CompletionOptions.HiddenDefaultCmd = true
	return root
}

// noArgs rejects positional arguments with a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return flagErrorf("%s takes no arguments, got %q", cmd.CommandPath(), args)
	}
	return nil
}
