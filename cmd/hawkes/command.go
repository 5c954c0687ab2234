package main

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hawkes-toolkit/hawkes/stream"
)

// runE returns the RunE of a batch command: check reads and checks the
// flags (its error is returned as it is: a *flagError prints the usage),
// then runF(ctx, opts) runs, or run(ctx, opts) when runF is nil (tests
// give a runF). The usage is no longer printed once the flags pass: an
// error of the run is not a usage error.
func runE[O any](opts O, check func(*cobra.Command, []string) error, runF, run func(context.Context, O) error) func(*cobra.Command, []string) error {
	if runF == nil {
		runF = run
	}
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return err
		}
		cmd.SilenceUsage = true
		return runF(cmd.Context(), opts)
	}
}

// usage returns err, from an options struct's Validate, as a usage error,
// and nil for nil.
func usage(err error) error {
	if err == nil {
		return nil
	}
	return &flagError{err}
}

// formatWindows writes windows as a flag takes them: "600,3600".
func formatWindows(ws []float64) string {
	s := make([]string, len(ws))
	for i, w := range ws {
		s[i] = stream.WindowKey(w)
	}
	return strings.Join(s, ",")
}
