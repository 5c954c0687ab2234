package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/diagnose"
	"github.com/hawkes-toolkit/hawkes/diagnose/figure"
	"github.com/hawkes-toolkit/hawkes/features"
	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/predict"
)

// PlotOptions are the options of hawkes plot.
type PlotOptions struct {
	IO *ioStreams

	DataDir string  // data set directory
	ID      string  // the cascade to draw
	Window  float64 // observation window T in seconds, > 0
	Model   string  // trained model file ("" for none)
	Out     string  // image file, .png or .svg
	Starts  int     // starting points of the fit, >= 1
	Seed    uint64  // seed of the starting points
}

// newPlotCmd returns the plot command. It only parses the flags, checks them
// with Validate and calls runF, or runPlot when runF is nil.
func newPlotCmd(ios *ioStreams, runF func(context.Context, *PlotOptions) error) *cobra.Command {
	opts := &PlotOptions{IO: ios}
	cmd := &cobra.Command{
		Use:   "plot --data DIR --id ID --window SECONDS [--model FILE] [--out FILE.png|FILE.svg]",
		Short: "Draw one cascade with its fitted model, forecast and predicted final size",
		Long: `Draw one cascade on logarithmic axes: its cumulative number of events
against time, the observation window, the expected count under the model
fitted on the window (the events tied with the original tweet plus the
compensator) and the model's forecast after it, the model's predicted final
size n + A1/(1-n*) and the true final size. With --model, the trained
model's prediction too, and its interval when the model has one. The
forecast and the model's prediction exist only where the fit has a
prediction (status ok or unbounded). Times below 1 s are drawn at 1 s.`,
		Example: `  # Cascade 1 of seismic_subset fitted on its first hour
  hawkes plot --data ../shared/data/seismic_subset --id 1 --window 3600 --out c1.png

  # With the prediction of a trained model and its interval, as SVG
  hawkes train --data ../shared/data/seismic_subset --window 600 --model m600.hkrf
  hawkes plot --data ../shared/data/seismic_subset --id 1 --window 600 --model m600.hkrf --out c1.svg`,
		Args: noArgs,
		RunE: runE(opts, func(cmd *cobra.Command, _ []string) error { return usage(opts.Validate()) }, runF, runPlot),
	}
	f := cmd.Flags()
	f.StringVar(&opts.DataDir, "data", "", "data set `DIR` holding data.csv and index.csv (required)")
	f.StringVar(&opts.ID, "id", "", "`ID` of the cascade to draw (required)")
	f.Float64Var(&opts.Window, "window", 0, "observation window in `SECONDS` after the original tweet (required, > 0)")
	f.StringVar(&opts.Model, "model", "", "trained model `FILE` (hawkes train) whose prediction to draw")
	f.StringVar(&opts.Out, "out", "cascade.png", "image `FILE`; the extension .png or .svg picks the format")
	f.IntVar(&opts.Starts, "starts", fit.DefaultStarts, "random starting points of the fit")
	f.Uint64Var(&opts.Seed, "seed", 1, "seed of the starting points")
	return cmd
}

// Validate checks the options: the flags required, then the values with the
// rules of packages fit and figure.
func (opts *PlotOptions) Validate() error {
	switch {
	case opts.DataDir == "":
		return fmt.Errorf("required flag --data not set")
	case opts.ID == "":
		return fmt.Errorf("required flag --id not set")
	case opts.Window == 0:
		return fmt.Errorf("required flag --window not set")
	}
	if err := fit.CheckWindow(opts.Window); err != nil {
		return err
	}
	if err := opts.fitOptions().Validate(); err != nil {
		return err
	}
	if _, err := figure.Format(opts.Out); err != nil {
		return err
	}
	return nil
}

func (opts *PlotOptions) fitOptions() fit.Options {
	return fit.Options{Starts: opts.Starts, Seed: opts.Seed}
}

// runPlot loads the model (first, so that a bad file stops the run before
// the data set is read) and the data set, fits the cascade, and draws it.
func runPlot(ctx context.Context, opts *PlotOptions) error {
	var learned func(c *data.Cascade, r fit.Result) *diagnose.Learned
	if opts.Model != "" {
		m, err := loadModel(opts.Model, opts.Window)
		if err != nil {
			return err
		}
		learned = func(c *data.Cascade, r fit.Result) *diagnose.Learned {
			row := features.Build(c, opts.Window, r)
			p := predict.Apply(m, &row, nil)
			return &diagnose.Learned{NHat: p.NHat, Lo: p.Lo, Hi: p.Hi, Interval: p.Interval, Source: string(p.Source)}
		}
	}
	cascades, err := data.LoadDir(ctx, opts.DataDir)
	if err != nil {
		return err
	}
	idx, err := selectCascades(cascades, []string{opts.ID})
	if err != nil {
		return err
	}
	c := &cascades[idx[0]]
	r, err := fit.Fit(ctx, c.Times, c.Mags, opts.Window, opts.fitOptions())
	if err != nil {
		return err
	}
	pic := diagnose.NewPicture(c, opts.Window, r)
	if learned != nil {
		pic.Learned = learned(c, r)
	}
	p, err := figure.Cascade(&pic)
	if err != nil {
		return err
	}
	if err := figure.Save(opts.Out, p, figure.CascadeWidth, figure.CascadeHigh); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "plot: cascade %s (fit %s) drawn in %s\n", c.ID, r.Status, opts.Out)
	return nil
}
