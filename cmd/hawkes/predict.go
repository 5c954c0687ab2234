package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/predict"
	"github.com/hawkes-toolkit/hawkes/train"
)

// PredictOptions are the options of hawkes predict.
type PredictOptions struct {
	IO *ioStreams

	DataDir string             // data set directory (data.csv and index.csv)
	Windows []float64          // observation windows T in seconds
	Models  map[float64]string // model file of each window
	Format  string             // fit.FormatCSV or fit.FormatJSONL
	Workers int                // cascades fitted at once
	Starts  int                // starting points per fit
	Seed    uint64             // seed of the starting points
	Limit   int                // only the first Limit cascades when > 0
	Quiet   bool               // no summary line
}

// validate checks the options: the flags required, then the values with
// the rules of packages fit and predict, whose errors become usage errors.
func (o *PredictOptions) validate() error {
	switch {
	case o.DataDir == "":
		return flagErrorf("required flag --data not set")
	case len(o.Windows) == 0:
		return flagErrorf("required flag --window not set")
	case len(o.Models) == 0:
		return flagErrorf("required flag --model not set")
	}
	for i, T := range o.Windows {
		if err := fit.CheckWindow(T); err != nil {
			return &flagError{err}
		}
		if slices.Contains(o.Windows[:i], T) {
			return flagErrorf("--window lists %v twice", T)
		}
		if _, ok := o.Models[T]; !ok {
			return flagErrorf("--model gives no model for window %v", T)
		}
	}
	for T := range o.Models {
		if !slices.Contains(o.Windows, T) {
			return flagErrorf("--model gives a model for window %v, which --window does not list", T)
		}
	}
	if err := o.batchOptions().Validate(); err != nil {
		return &flagError{err}
	}
	// predict.NewWriter is where the formats are known.
	if _, err := predict.NewWriter(io.Discard, o.Format); err != nil {
		return &flagError{err}
	}
	return nil
}

// batchOptions returns the fit options of predict.Batch.
func (o *PredictOptions) batchOptions() fit.BatchOptions {
	return fit.BatchOptions{
		Options: fit.Options{Starts: o.Starts, Seed: o.Seed},
		Workers: o.Workers,
		Limit:   o.Limit,
	}
}

// newPredictCmd returns the predict command. It only parses and checks the
// flags and then calls runF, or runPredict when runF is nil.
func newPredictCmd(ios *ioStreams, runF func(context.Context, *PredictOptions) error) *cobra.Command {
	opts := &PredictOptions{IO: ios}
	var model string
	cmd := &cobra.Command{
		Use:   "predict --data DIR --window SECONDS[,SECONDS...] --model FILE|T=FILE,... [flags]",
		Short: "Predict the final size of every cascade of a data set with trained models",
		Long: `Fit every cascade of a data set on its first --window seconds and apply the
model trained for that window by hawkes train: one row per cascade and
window on standard output, windows in the order given and, within a window,
cascades in the order of the index. The stream's fitters apply models through
the same code, so the same cascade, window, model and seed give the same
prediction in both.

--model is one FILE when there is one window, or T=FILE for every window
(--window 600,3600 --model 600=m600.hkrf,3600=m3600.hkrf). A model trained
for another window or another feature set is refused, naming the file
(exit 3).

Columns (CSV header; JSON lines use the same keys in this order):
  id       cascade id
  window   observation window T in seconds
  n        events observed up to T
  size     final size of the cascade in the data set, to score nhat with
  nhat     predicted final size
  lo, hi   the model's 80% prediction interval (empty where the prediction
           has none)
  source   which predictor gave nhat:
           forest     the trained model
           loglinear  the model's log-linear fallback (n e^a with the constant
                      a of its training set), where the forest has none
           hawkes     the fit alone, n + a1/(1-n*)
           observed   n, where nothing else applies
  status   status of the fit (ok, supercritical, unbounded or failed, as in
           hawkes fit)`,
		Example: `  # Train on one data set, predict another
  hawkes train --data ../shared/data/seismic_subset --window 600 --model m600.hkrf
  hawkes predict --data ../shared/data/smh_cascades --window 600 --model m600.hkrf

  # Two windows at once, as JSON lines
  hawkes predict --data ../shared/data/smh_cascades --window 600,3600 \
      --model 600=m600.hkrf,3600=m3600.hkrf --format jsonl`,
		Args: noArgs,
		RunE: runE(opts, func(cmd *cobra.Command, _ []string) error {
			// A --model list is read against the windows: without them,
			// Validate says --window is missing.
			if cmd.Flags().Changed("model") && len(opts.Windows) > 0 {
				m, err := parseModelFlag(model, opts.Windows)
				if err != nil {
					return &flagError{err}
				}
				opts.Models = m
			}
			return opts.validate()
		}, runF, runPredict),
	}
	f := cmd.Flags()
	f.StringVar(&opts.DataDir, "data", "", "data set `DIR` holding data.csv and index.csv (required)")
	f.Float64SliceVar(&opts.Windows, "window", nil, "observation windows in `SECONDS`, comma-separated (required)")
	f.Lookup("window").DefValue = ""
	f.StringVar(&model, "model", "", "model `FILE` of hawkes train, or T=FILE for each window, comma-separated (required)")
	f.StringVar(&opts.Format, "format", fit.FormatCSV, "output format: csv or jsonl")
	f.IntVar(&opts.Workers, "workers", runtime.NumCPU(), "cascades fitted at once, one per CPU by default")
	f.IntVar(&opts.Starts, "starts", fit.DefaultStarts, "random starting points per fit; the best optimum is kept")
	f.Uint64Var(&opts.Seed, "seed", 1, "seed of the starting points: the same seed gives the same output")
	f.IntVar(&opts.Limit, "limit", 0, "only the first `K` cascades (0: all)")
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "no summary line on standard error")
	return cmd
}

// runPredict reads and checks the models, loads the data set and writes the
// rows of predict.Batch as they come.
func runPredict(ctx context.Context, opts *PredictOptions) error {
	models := make(map[float64]*train.Model, len(opts.Models))
	for _, T := range opts.Windows {
		m, err := loadModel(opts.Models[T], T)
		if err != nil {
			return err
		}
		models[T] = m
	}
	cascades, err := data.LoadDir(ctx, opts.DataDir)
	if err != nil {
		return err
	}
	out, err := predict.NewWriter(opts.IO.Out, opts.Format)
	if err != nil {
		return err
	}
	bopts := opts.batchOptions()
	start := time.Now()
	sources := map[predict.Source]int{}
	rows := 0
	err = predict.Batch(ctx, cascades, opts.Windows, models, bopts, func(r predict.Result) error {
		rows++
		sources[r.Source]++
		return out.Write(r)
	})
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if !opts.Quiet && (err == nil || rows > 0) {
		fmt.Fprintln(opts.IO.ErrOut, predictSummary(rows, opts.Windows, sources, time.Since(start)))
	}
	return err
}

// predictSummary formats the summary line of a predict run, for example
// "predict: 40 rows (20 cascades on 600, 3600 s; forest 38, loglinear 2) in 1.2s".
func predictSummary(rows int, windows []float64, sources map[predict.Source]int, elapsed time.Duration) string {
	var by []string
	for _, s := range []predict.Source{predict.SourceForest, predict.SourceLogLinear, predict.SourceHawkes, predict.SourceObserved} {
		if n := sources[s]; n > 0 {
			by = append(by, fmt.Sprintf("%s %d", s, n))
		}
	}
	ws := make([]string, len(windows))
	for i, T := range windows {
		ws[i] = formatSeconds(T)
	}
	return fmt.Sprintf("predict: %d rows (%d cascades on %s s; %s) in %.1fs",
		rows, rows/max(len(windows), 1), strings.Join(ws, ", "), strings.Join(by, ", "), elapsed.Seconds())
}
