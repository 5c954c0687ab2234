package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"runtime"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/evaluate"
	"github.com/hawkes-toolkit/hawkes/evaluate/boxplot"
	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/internal/atomicfile"
	"github.com/hawkes-toolkit/hawkes/pipeline"
	"github.com/hawkes-toolkit/hawkes/predict"
	"github.com/hawkes-toolkit/hawkes/train"
)

// plotDefault is the value --plot takes when given without a file name: the
// plot then goes to are-<window>s.png in the current folder.
const plotDefault = "auto"

// EvaluateOptions are the options of hawkes evaluate.
type EvaluateOptions struct {
	IO *ioStreams

	DataDir string          // data set directory (data.csv and index.csv)
	Window  float64         // observation window T in seconds, > 0
	Model   string          // model file; cross-validation when empty
	CV      int             // folds, >= 2, when Model is empty
	Plot    string          // plot file (.png or .svg), plotDefault, or "" for none
	Format  evaluate.Format // output format of the report
	Seed    uint64          // seed of the fits, the folds and the forest
	Workers int             // cascades fitted, and folds and trees trained, at once, >= 1
	Quiet   bool            // no summary lines
	Cache   string          // fit cache folder; "" for none
}

// newEvaluateCmd returns the evaluate command. It only parses and checks the
// flags and then calls runF, or runEvaluate when runF is nil.
func newEvaluateCmd(ios *ioStreams, runF func(context.Context, *EvaluateOptions) error) *cobra.Command {
	opts := &EvaluateOptions{IO: ios}
	var format string
	cmd := &cobra.Command{
		Use:   "evaluate --data DIR --window SECONDS [--model FILE | --cv K] [flags]",
		Short: "Measure the error of the predicted final sizes beside the baselines",
		Long: `Fit every cascade of a data set on its first --window seconds and score four
predictions of its final size with the absolute relative error
ARE = |N - N_hat| / N, overall and per decile of the true size N:

  hawkes     the model alone, n + A1/(1-n*) (w = 1)
  forest     the random forest's correction
  seismic    the SEISMIC predictor (Zhao et al., KDD 2015)
  loglinear  log N = a + log n, fitted on the training cascades
  boost      gradient-boosted trees (hawkes train --learner boost)

With --cv K (the default, K = 5) the cascades are split into K folds and each
fold is predicted by a forest, boosted trees and a loglinear baseline trained
on the others. With --model the model of that file (from hawkes train, on the
same window) predicts every cascade, reported as forest or boost after its
learner; loglinear is then fitted on the data set itself.

Where a method has no prediction (hawkes: a fit that is neither ok nor
unbounded; seismic: a cascade it predicts unbounded) the loglinear
prediction is used instead; the number of such fallbacks is written to
standard error. The same --seed gives the same numbers.

Where the forest's models carry prediction intervals (those of hawkes train
do, at level 0.8), the report adds their coverage, the fraction of true
sizes N inside [lo, hi], and their median relative width (hi - lo) / N_hat,
overall and per decile: a last table, the columns level, coverage and
median_rel_width in CSV, and the keys level, coverage and median_rel_width
in JSON. Under --cv each cascade's interval comes from the fold's model
that did not see it.`,
		Example: `  # 5-fold cross-validation on the first hour, with a box plot in are-3600s.png
  hawkes evaluate --data ../shared/data/seismic_subset --window 3600 --plot

  # Score a trained model, as CSV, with the plot as SVG
  hawkes evaluate --data ../shared/data/smh_cascades --window 600 --model m600.hkrf --format csv --plot=are.svg`,
		Args: noArgs,
		RunE: runE(opts, func(cmd *cobra.Command, _ []string) error { return opts.validate(cmd.Flags(), format) }, runF, runEvaluate),
	}
	f := cmd.Flags()
	f.StringVar(&opts.DataDir, "data", "", "data set `DIR` holding data.csv and index.csv (required)")
	f.Float64Var(&opts.Window, "window", 0, "observation window in `SECONDS` after the original tweet (required, > 0)")
	f.StringVar(&opts.Model, "model", "", "score the model `FILE` written by hawkes train instead of cross-validating")
	f.IntVar(&opts.CV, "cv", pipeline.DefaultFolds, "cross-validate with `K` folds")
	f.StringVar(&opts.Plot, "plot", "", "draw the errors as box plots in `FILE` (.png or .svg); bare --plot (or --plot=auto) writes are-<window>s.png in the current folder")
	f.Lookup("plot").NoOptDefVal = plotDefault
	f.StringVar(&format, "format", string(evaluate.Table), "report `FORMAT`: table, csv or json")
	f.Uint64Var(&opts.Seed, "seed", 1, "seed of the fits, the folds and the forest: the same seed gives the same numbers")
	f.IntVar(&opts.Workers, "workers", runtime.NumCPU(), "cascades fitted, and folds and trees trained, at once, one per CPU by default; the numbers do not depend on it")
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "no summary lines on standard error")
	addCacheFlags(cmd, &opts.Cache)
	return cmd
}

// validate checks the flags: those required or exclusive, then the values
// with the rules of packages fit, pipeline, evaluate and boxplot, whose
// errors become usage errors. It sets opts.Format from format, and opts.CV
// to 0 with --model.
func (opts *EvaluateOptions) validate(f *pflag.FlagSet, format string) error {
	switch {
	case opts.DataDir == "":
		return flagErrorf("required flag --data not set")
	case !f.Changed("window"):
		return flagErrorf("required flag --window not set")
	case opts.Model != "" && f.Changed("cv"):
		return flagErrorf("--model and --cv cannot be used together")
	}
	if err := fit.CheckWindow(opts.Window); err != nil {
		return &flagError{err}
	}
	if opts.Model != "" {
		opts.CV = 0
	} else if err := opts.cvOptions().Validate(); err != nil {
		return &flagError{err}
	}
	if err := opts.batchOptions().Validate(); err != nil {
		return &flagError{err}
	}
	fm, err := evaluate.ParseFormat(format)
	if err != nil {
		return &flagError{err}
	}
	opts.Format = fm
	if opts.Plot != "" && opts.Plot != plotDefault {
		if _, err := boxplot.Format(opts.Plot); err != nil {
			return &flagError{err}
		}
	}
	return nil
}

// cvOptions returns the options of the cross-validation: the forest has the
// defaults of train.Config but for its seed and workers, the boosted trees
// those of train.BoostConfig but for the seed.
func (opts *EvaluateOptions) cvOptions() pipeline.CVOptions {
	forest := train.Config{}.WithDefaults()
	forest.Seed, forest.Workers = opts.Seed, opts.Workers
	boost := train.BoostConfig{Seed: opts.Seed, Workers: opts.Workers}.WithDefaults()
	return pipeline.CVOptions{Folds: opts.CV, Seed: opts.Seed, Target: predict.DefaultTarget, Forest: forest, Boost: &boost}
}

// batchOptions returns the options of the fits.
func (opts *EvaluateOptions) batchOptions() fit.BatchOptions {
	return fit.BatchOptions{Options: fit.Options{Seed: opts.Seed}.WithDefaults(), Workers: opts.Workers}
}

// runEvaluate loads the data set, computes the features once and scores the
// methods with pipeline.CrossValidate or pipeline.Predict.
func runEvaluate(ctx context.Context, opts *EvaluateOptions) error {
	plotPath := opts.Plot
	if plotPath == plotDefault {
		plotPath = fmt.Sprintf("are-%ss.png", formatSeconds(opts.Window))
	}
	if plotPath != "" {
		if err := atomicfile.Check(plotPath); err != nil {
			return err
		}
	}
	var model *train.Model
	if opts.Model != "" {
		m, err := loadModel(opts.Model, opts.Window)
		if err != nil {
			return err
		}
		model = m
	}
	cascades, err := data.LoadDir(ctx, opts.DataDir)
	if err != nil {
		return err
	}
	rows, hit, err := fitCache(opts.Cache, opts.IO, "evaluate").Rows(ctx, opts.DataDir, cascades, opts.Window, opts.batchOptions())
	if err != nil {
		return err
	}
	if hit && !opts.Quiet {
		fmt.Fprintf(opts.IO.ErrOut, "evaluate: fits read from the cache in %s\n", opts.Cache)
	}
	var (
		report *evaluate.Report
		stats  pipeline.Stats
	)
	if model != nil {
		report, stats, err = pipeline.Predict(model, rows, cascades)
	} else {
		report, stats, err = pipeline.CrossValidate(ctx, rows, cascades, opts.Window, opts.cvOptions())
	}
	if err != nil {
		return err
	}
	if err := report.Write(opts.IO.Out, opts.Format); err != nil {
		return err
	}
	if !opts.Quiet {
		fmt.Fprintln(opts.IO.ErrOut, evaluateSummary(stats))
		if stats.LogLinearRefit {
			fmt.Fprintf(opts.IO.ErrOut, "evaluate: model %s records no log-linear constant (retrain it to record one): the loglinear baseline was fitted on the evaluated cascades\n", opts.Model)
		}
	}
	if plotPath != "" {
		if err := boxplot.Save(report, plotPath); err != nil {
			return err // "boxplot: ..." or "write PATH: ..."
		}
		fmt.Fprintf(opts.IO.ErrOut, "evaluate: plot written to %s\n", plotPath)
	}
	return nil
}

// evaluateSummary formats the summary line of an evaluation, for example
// "evaluate: 508 cascades, 5 folds, forest target log_ratio; loglinear
// fallbacks: hawkes 120, forest 0, seismic 3".
func evaluateSummary(s pipeline.Stats) string {
	how := "model"
	if s.Folds > 0 {
		how = fmt.Sprintf("%d folds", s.Folds)
	}
	var fb []string
	for _, m := range pipeline.Methods() {
		if n, ok := s.Fallbacks[m]; ok && m != pipeline.MethodLogLinear {
			fb = append(fb, fmt.Sprintf("%s %d", m, n))
		}
	}
	return fmt.Sprintf("evaluate: %d cascades, %s, forest target %s; loglinear fallbacks: %s",
		s.Cascades, how, s.Target, strings.Join(fb, ", "))
}

// formatSeconds writes a window in the fewest digits, without exponent for
// whole numbers: 3600, 1.5.
func formatSeconds(T float64) string {
	if T == math.Trunc(T) && T < 1e15 {
		return fmt.Sprintf("%d", int64(T))
	}
	return fmt.Sprintf("%g", T)
}

// readFeatures reads a features CSV written by hawkes features; one that
// does not parse is bad input, named in the error.
func readFeatures(path string) ([]features.Row, error) {
	f, err := openInput(path, "features")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := features.Read(io.Reader(f))
	if err != nil {
		return nil, badInputf("read features %s: %w", path, err)
	}
	return rows, nil
}
