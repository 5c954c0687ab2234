package main

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"

	"github.com/spf13/cobra"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/diagnose"
	"github.com/hawkes-toolkit/hawkes/diagnose/figure"
	"github.com/hawkes-toolkit/hawkes/fit"
)

// DiagnoseOptions are the options of hawkes diagnose.
type DiagnoseOptions struct {
	IO *ioStreams

	DataDir    string   // data set directory
	Window     float64  // observation window T in seconds, > 0
	IDs        []string // cascades to diagnose (all when empty)
	Format     string   // diagnose.FormatTable, FormatCSV or FormatJSONL
	Gaps       bool     // add the rescaled gaps to each JSON line
	PlotDir    string   // folder of the Q-Q plots ("" for none)
	PlotFormat string   // png or svg
	Tick       float64  // resolution of the recorded times, seconds
	Workers    int      // cascades diagnosed at once, >= 1
	Starts     int      // starting points per fit, >= 1
	Seed       uint64   // seed of the starting points and of the draws within a tick
	Quiet      bool     // no summary line
}

// newDiagnoseCmd returns the diagnose command. It only parses the flags,
// checks them with Validate and calls runF, or runDiagnose when runF is nil.
func newDiagnoseCmd(ios *ioStreams, runF func(context.Context, *DiagnoseOptions) error) *cobra.Command {
	opts := &DiagnoseOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "diagnose --data DIR --window SECONDS [flags]",
		Short: "Check how well the fitted model describes each cascade (time-rescaling KS test, power law against exponential)",
		Long: `Fit each cascade on its first --window seconds, as hawkes fit does, and
check the fit. Under the fitted model the compensator (the integral of the
intensity) turns the event times into a unit-rate Poisson process, so the
gaps between the rescaled times must look like independent unit
exponentials: the Kolmogorov-Smirnov test measures how far they are. The
exponential kernel, the limit of the power law, is fitted too, and the two
are compared by their log-likelihood and AIC. Recorded times are whole
seconds (--tick 1): the events of one second are spread uniformly over its
rescaled length. The fit's parameters are estimated from the same events,
which makes the test conservative (it rejects a true model less often than 5 %).

Columns (table and CSV header; JSONL uses the same keys):
  id, n          cascade id, events observed up to the window
  status         status of the power-law fit (see hawkes fit --help)
  kernel         kernel of the rescaling: power_law, or exponential where the
                 fit is the exponential limit
  gaps           rescaled gaps tested (events after the original's second)
  ks_d, ks_p     KS distance of the gaps to Exp(1), and its p-value
  reject         true when ks_p < 0.05
  ll_pl, ll_exp  log-likelihood per observed event, power law and exponential
  aic_pl, aic_exp  AIC of each (4 and 3 parameters)
  better         the kernel with the lower AIC
With --format jsonl --gaps each line also holds "rescaled_gaps", the gaps
themselves in event order.
A value that does not apply is "-" in the table, empty in CSV, null in JSONL.
A summary line on standard error gives the share of cascades the test rejects
and how often each kernel wins.`,
		Example: `  # Diagnose every cascade of seismic_subset on its first 10 minutes
  hawkes diagnose --data ../shared/data/seismic_subset --window 600

  # Two cascades, as CSV, with a Q-Q plot of each in qq/ (the folder must exist)
  mkdir -p qq
  hawkes diagnose --data ../shared/data/seismic_subset --window 3600 --id 1 --id 2 --format csv --plot qq

  # Simulated cascades with exact (not whole-second) times
  hawkes simulate --out /tmp/sim --cascades 100
  hawkes diagnose --data /tmp/sim --window 86400 --tick 0 --format jsonl --gaps`,
		Args: noArgs,
		RunE: runE(opts, func(cmd *cobra.Command, _ []string) error { return usage(opts.Validate()) }, runF, runDiagnose),
	}
	f := cmd.Flags()
	f.StringVar(&opts.DataDir, "data", "", "data set `DIR` holding data.csv and index.csv (required)")
	f.Float64Var(&opts.Window, "window", 0, "observation window in `SECONDS` after the original tweet (required, > 0)")
	f.StringArrayVar(&opts.IDs, "id", nil, "diagnose only the cascade with this `ID` (repeat for several)")
	f.StringVar(&opts.Format, "format", diagnose.FormatTable, "output format: table, csv or jsonl")
	f.BoolVar(&opts.Gaps, "gaps", false, "add each cascade's rescaled gaps to its JSON line as \"rescaled_gaps\" (--format jsonl only)")
	f.StringVar(&opts.PlotDir, "plot", "", "write a Q-Q plot of each cascade's rescaled gaps into the existing folder `DIR`")
	f.StringVar(&opts.PlotFormat, "plot-format", "png", "format of the Q-Q plots: png or svg")
	f.Float64Var(&opts.Tick, "tick", diagnose.DefaultTick, "resolution of the recorded times in `SECONDS` (0: exact times)")
	f.IntVar(&opts.Workers, "workers", runtime.NumCPU(), "cascades diagnosed at once, one per CPU by default")
	f.IntVar(&opts.Starts, "starts", fit.DefaultStarts, "random starting points per fit")
	f.Uint64Var(&opts.Seed, "seed", 1, "seed of the starting points and of the draws within a tick")
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "no summary line on standard error")
	return cmd
}

// Validate checks the options: the flags required, then the values with the
// rules of packages fit, diagnose and figure.
func (opts *DiagnoseOptions) Validate() error {
	switch {
	case opts.DataDir == "":
		return fmt.Errorf("required flag --data not set")
	case opts.Window == 0:
		return fmt.Errorf("required flag --window not set")
	}
	if err := fit.CheckWindow(opts.Window); err != nil {
		return err
	}
	if err := opts.batchOptions().Validate(); err != nil {
		return err
	}
	if _, err := diagnose.NewWriter(nil, opts.Format); err != nil {
		return err
	}
	if opts.Gaps && opts.Format != diagnose.FormatJSONL {
		return fmt.Errorf("--gaps needs --format jsonl, not %s", opts.Format)
	}
	if !slices.Contains(figure.Formats, opts.PlotFormat) {
		return fmt.Errorf("--plot-format %q: want png or svg", opts.PlotFormat)
	}
	return nil
}

func (opts *DiagnoseOptions) batchOptions() diagnose.BatchOptions {
	return diagnose.BatchOptions{
		Options: diagnose.Options{Fit: fit.Options{Starts: opts.Starts, Seed: opts.Seed}, Tick: opts.Tick, Seed: opts.Seed},
		Workers: opts.Workers,
	}
}

// runDiagnose loads the data set, diagnoses the cascades asked for with
// diagnose.Batch, writes a row for each and, with --plot, its Q-Q plot.
func runDiagnose(ctx context.Context, opts *DiagnoseOptions) error {
	cascades, err := data.LoadDir(ctx, opts.DataDir)
	if err != nil {
		return err
	}
	idx, err := selectCascades(cascades, opts.IDs)
	if err != nil {
		return err
	}
	out, err := diagnose.NewWriter(opts.IO.Out, opts.Format)
	if err != nil {
		return err
	}
	out.Gaps = opts.Gaps
	sum, err := diagnose.Batch(ctx, cascades, idx, opts.Window, opts.batchOptions(), func(c *data.Cascade, i int, r *diagnose.Result) error {
		if err := out.Write(c.ID, r); err != nil {
			return err
		}
		if opts.PlotDir == "" || !r.Tested() {
			return nil
		}
		p, err := figure.QQ(c.ID, r.Gaps)
		if err != nil {
			return err
		}
		return figure.Save(filepath.Join(opts.PlotDir, plotName(c.ID, i)+"."+opts.PlotFormat), p, figure.QQSize, figure.QQSize)
	})
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if !opts.Quiet && (err == nil || sum.Cascades > 0) {
		fmt.Fprintf(opts.IO.ErrOut, "diagnose (T = %s s): %s\n", formatSeconds(opts.Window), sum)
	}
	return err
}

// selectCascades returns the indices of the cascades with the given ids, in
// the order given, or nil for all when ids is empty. An id the data set does
// not have is bad input.
func selectCascades(cascades []data.Cascade, ids []string) ([]int, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	at := make(map[string]int, len(cascades))
	for i := range cascades {
		if _, dup := at[cascades[i].ID]; !dup {
			at[cascades[i].ID] = i
		}
	}
	idx := make([]int, len(ids))
	for k, id := range ids {
		i, ok := at[id]
		if !ok {
			return nil, badInputf("no cascade with id %q in the data set", id)
		}
		idx[k] = i
	}
	return idx, nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]`)

// plotName returns the file name (without extension) of the plot of the
// cascade with this id, index i in the data set: "qq-ID", or
// "qq-ID-i" with the characters other than letters, digits, '.', '_' and
// '-' replaced by '_' when the id has any, so that no id can name a path
// outside the folder or collide with another's.
func plotName(id string, i int) string {
	safe := unsafeName.ReplaceAllString(id, "_")
	if safe != id || id == "" || id[0] == '.' {
		return fmt.Sprintf("qq-%s-%d", safe, i+1)
	}
	return "qq-" + id
}
