package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/evaluate"
	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/internal/atomicfile"
	"github.com/hawkes-toolkit/hawkes/pipeline"
	"github.com/hawkes-toolkit/hawkes/predict"
	"github.com/hawkes-toolkit/hawkes/train"
)

// TrainOptions are the options of hawkes train.
type TrainOptions struct {
	IO *ioStreams

	DataDir    string  // data set directory; or Features
	Features   string  // features CSV from hawkes features; or DataDir
	Window     float64 // observation window T in seconds, > 0; 0 with Features: the file's only window
	Model      string  // model file to write
	Learner    string  // train.LearnerForest or train.LearnerBoost
	Trees      int     // trees of the forest, >= 1
	MaxDepth   int     // largest depth of a leaf, 0 for unlimited
	MinLeaf    int     // fewest bootstrap draws in a leaf, >= 1
	Seed       uint64  // seed of the fits, the forest and the folds
	CV         int     // also cross-validate with CV folds when >= 2; 0 for none
	Importance bool    // also write the permutation importance of each feature on held-out folds
	Workers    int     // cascades fitted and trees grown at once, >= 1
	Cache      string  // fit cache folder; "" for none
}

// newTrainCmd returns the train command. It only parses and checks the flags
// and then calls runF, or runTrain when runF is nil.
func newTrainCmd(ios *ioStreams, runF func(context.Context, *TrainOptions) error) *cobra.Command {
	opts := &TrainOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "train (--data DIR | --features FILE) --window SECONDS --model FILE [flags]",
		Short: "Train the random forest on every cascade of a data set and write the model",
		Long: `Train the random forest that corrects the Hawkes model's prediction on every
cascade of a data set observed for --window seconds, and write it to --model
with its feature names, window, target and settings. With --learner boost
gradient-boosted trees are trained instead (depth and number of rounds chosen
by inner validation splits of the training cascades; --trees, --max-depth
and --min-leaf apply to the forest only). The model learns
log(N/n), the log of the ratio of the final size to the events observed,
which is defined for every cascade whatever its fit; it predicts n·exp of
that plus a shift, chosen on the training cascades' out-of-bag predictions
to minimise their mean relative error, and kept in the model. The features come from
fitting the data set (--data) or from a file written by hawkes features
(--features; --window picks a window, and may be left out when the file has
only one). The size of the encoded model is written to standard error.

With --cv K the forest and the boosted trees are also cross-validated with K
folds and the ARE table of hawkes evaluate written to standard output
(without seismic when the features come from a file).

With --importance the permutation importance of each feature is written to
standard output: for each of the --cv folds (5 by default), a model of
--learner trained on the other folds predicts the fold with the feature's values shuffled
among its cascades; the table gives the mean rise of the fold's mean ARE
and its standard deviation over the folds, most important first.`,
		Example: `  # Train on the first 10 minutes of every cascade
  hawkes train --data ../shared/data/seismic_subset --window 600 --model m600.hkrf

  # Train from precomputed features, and print the cross-validated errors
  hawkes features --data ../shared/data/seismic_subset --window 600,3600 --out f.csv
  hawkes train --features f.csv --window 3600 --model m3600.hkrf --cv 5

  # Gradient-boosted trees instead of the forest
  hawkes train --features f.csv --window 3600 --model b3600.hkrf --learner boost

  # What the model relies on
  hawkes train --features f.csv --window 3600 --model m3600.hkrf --importance`,
		Args: noArgs,
		RunE: runE(opts, func(cmd *cobra.Command, _ []string) error { return opts.validate(cmd.Flags()) }, runF, runTrain),
	}
	f := cmd.Flags()
	f.StringVar(&opts.DataDir, "data", "", "data set `DIR` holding data.csv and index.csv")
	f.StringVar(&opts.Features, "features", "", "features `FILE` written by hawkes features, instead of --data")
	f.Float64Var(&opts.Window, "window", 0, "observation window in `SECONDS` after the original tweet (> 0)")
	f.StringVarP(&opts.Model, "model", "m", "", "write the model to `FILE` (required)")
	f.StringVar(&opts.Learner, "learner", predict.DefaultLearner, "`LEARNER` to train: forest (random forest) or boost (gradient-boosted trees)")
	f.IntVar(&opts.Trees, "trees", train.DefaultTrees, "trees of the forest")
	f.IntVar(&opts.MaxDepth, "max-depth", 0, "largest depth of a leaf (0: unlimited)")
	f.IntVar(&opts.MinLeaf, "min-leaf", train.DefaultMinLeaf, "fewest bootstrap draws in a leaf; raise it for a smaller model")
	f.Uint64Var(&opts.Seed, "seed", 1, "seed of the fits, the forest and the folds: the same seed gives the same model")
	f.IntVar(&opts.CV, "cv", 0, "also cross-validate with `K` folds and write the error table")
	f.BoolVar(&opts.Importance, "importance", false, "also write the permutation importance of each feature on held-out folds")
	f.IntVar(&opts.Workers, "workers", runtime.NumCPU(), "cascades fitted and trees grown at once, one per CPU by default")
	addCacheFlags(cmd, &opts.Cache)
	return cmd
}

// validate checks the flags: those required or exclusive, then the values
// with the rules of packages fit, train and pipeline, whose errors become
// usage errors.
func (opts *TrainOptions) validate(f *pflag.FlagSet) error {
	switch {
	case opts.DataDir == "" && opts.Features == "":
		return flagErrorf("one of --data or --features is required")
	case opts.DataDir != "" && opts.Features != "":
		return flagErrorf("--data and --features cannot be used together")
	case opts.DataDir != "" && !f.Changed("window"):
		return flagErrorf("required flag --window not set")
	case opts.Model == "":
		return flagErrorf("required flag --model not set")
	}
	if f.Changed("window") {
		if err := fit.CheckWindow(opts.Window); err != nil {
			return &flagError{err}
		}
	}
	if err := predict.ValidateLearner(opts.Learner); err != nil {
		return &flagError{err}
	}
	if err := opts.forestConfig().Validate(); err != nil {
		return &flagError{err}
	}
	if f.Changed("cv") {
		if err := opts.cvOptions().Validate(); err != nil {
			return &flagError{err}
		}
	}
	if err := opts.batchOptions().Validate(); err != nil {
		return &flagError{err}
	}
	return nil
}

// forestConfig returns the settings of the forest: the flags', and the
// defaults of train.Config for the others.
func (opts *TrainOptions) forestConfig() train.Config {
	cfg := train.Config{}.WithDefaults()
	cfg.Trees, cfg.MaxDepth, cfg.MinLeaf, cfg.Seed, cfg.Workers = opts.Trees, opts.MaxDepth, opts.MinLeaf, opts.Seed, opts.Workers
	return cfg
}

// boostConfig returns the settings of the boosted trees: the defaults of
// train.BoostConfig with the seed of --seed.
func (opts *TrainOptions) boostConfig() train.BoostConfig {
	return train.BoostConfig{Seed: opts.Seed, Workers: opts.Workers}.WithDefaults()
}

// learner returns the learner of --learner with its settings.
func (opts *TrainOptions) learner() predict.Learner {
	return predict.Learner{Name: opts.Learner, Forest: opts.forestConfig(), Boost: opts.boostConfig()}
}

// cvOptions returns the options of the cross-validation of --cv, which
// scores both learners.
func (opts *TrainOptions) cvOptions() pipeline.CVOptions {
	b := opts.boostConfig()
	return pipeline.CVOptions{Folds: opts.CV, Seed: opts.Seed, Target: predict.DefaultTarget, Forest: opts.forestConfig(), Boost: &b}
}

// batchOptions returns the options of the fits of --data.
func (opts *TrainOptions) batchOptions() fit.BatchOptions {
	return fit.BatchOptions{Options: fit.Options{Seed: opts.Seed}.WithDefaults(), Workers: opts.Workers}
}

// runTrain gets the feature rows, trains the model with predict.Train and
// writes it; with --cv it also writes the table of pipeline.CrossValidate.
func runTrain(ctx context.Context, opts *TrainOptions) error {
	if err := atomicfile.Check(opts.Model); err != nil {
		return err
	}
	var (
		rows     []features.Row
		cascades []data.Cascade
		T        = opts.Window
	)
	if opts.DataDir != "" {
		cs, err := data.LoadDir(ctx, opts.DataDir)
		if err != nil {
			return err
		}
		rows, _, err = fitCache(opts.Cache, opts.IO, "train").Rows(ctx, opts.DataDir, cs, T, opts.batchOptions())
		if err != nil {
			return err
		}
		cascades = cs
	} else {
		all, err := readFeatures(opts.Features)
		if err != nil {
			return err
		}
		if T == 0 {
			ws := map[float64]bool{}
			for _, r := range all {
				ws[float64(r.Window)] = true
			}
			if len(ws) != 1 {
				return fmt.Errorf("features %s hold %d windows: choose one with --window", opts.Features, len(ws))
			}
			T = float64(all[0].Window)
		}
		rows = pipeline.WindowRows(all, T)
		if len(rows) == 0 {
			return fmt.Errorf("features %s have no row on window %v", opts.Features, T)
		}
	}
	model, err := predict.TrainLearner(ctx, rows, predict.DefaultTarget, opts.learner())
	if err != nil {
		return err
	}
	model.Created = time.Now()
	size, err := writeModel(opts.Model, model)
	if err != nil {
		return err
	}
	what := "model"
	if model.Forest.Sum {
		what = "boosted model"
	}
	fmt.Fprintf(opts.IO.ErrOut, "train: %s of %d trees, %d nodes on %d cascades, window %vs, target %s: %s, %d bytes\n",
		what, len(model.Forest.Trees), model.Forest.NumNodes(), model.TrainedOn, T, model.Target, opts.Model, size)
	if opts.CV != 0 {
		report, stats, err := pipeline.CrossValidate(ctx, rows, cascades, T, opts.cvOptions())
		if err != nil {
			return err
		}
		if err := report.Write(opts.IO.Out, evaluate.Table); err != nil {
			return err
		}
		fmt.Fprintln(opts.IO.ErrOut, evaluateSummary(stats))
	}
	if !opts.Importance {
		return nil
	}
	io := opts.cvOptions()
	if opts.Learner != train.LearnerBoost {
		io.Boost = nil
	}
	imp, err := pipeline.Importance(ctx, rows, io.WithDefaults())
	if err != nil {
		return err
	}
	pipeline.SortImportance(imp)
	return writeImportance(opts.IO.Out, imp)
}

// writeImportance writes the permutation importances as an aligned table.
func writeImportance(w io.Writer, imp []pipeline.FeatureImportance) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "feature\tmean ARE rise\tsd\t")
	for _, fi := range imp {
		fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t\n", fi.Feature, fi.Increase, fi.SD)
	}
	return tw.Flush()
}

// writeModel writes m to path with atomicfile.WriteFile and returns its
// size.
func writeModel(path string, m *train.Model) (int, error) {
	b, err := m.MarshalBinary()
	if err != nil {
		return 0, err // "train: write model: ..."
	}
	if err := atomicfile.WriteFile(path, b); err != nil {
		return 0, err
	}
	return len(b), nil
}
