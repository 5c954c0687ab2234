package features

import (
	"context"
	"math"
	"slices"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/fit"
)

// GrowthFraction is the trailing fraction of the window over which Growth
// counts events: the events of (1-GrowthFraction)T < t <= T.
const GrowthFraction = 0.2

// Row holds the features of one cascade observed on its first Window
// seconds, with the model's prediction and the target of the forest. The
// gocsv tags give the CSV columns, in the order of Columns. Optional fields
// are empty in CSV where they do not apply; no field is ever NaN or Inf.
type Row struct {
	ID     string     `csv:"id"`
	Window Num        `csv:"window"` // observation window T in seconds
	Status fit.Status `csv:"status"` // status of the fit
	N      int        `csv:"n"`      // events observed with time <= T
	Size   int        `csv:"size"`   // final size N of the cascade (data.Cascade.Len)

	// The prototype's four features. C and Theta apply when the fit has
	// power-law parameters (fit.Result.HasPowerLaw); A1 and NStar when it
	// has a fit (fit.Result.HasFit).
	C     Opt `csv:"c"`
	Theta Opt `csv:"theta"`
	A1    Opt `csv:"a1"`
	NStar Opt `csv:"nstar"`

	Beta Opt `csv:"beta"` // exponent of the magnitudes (HasFit)
	Rate Opt `csv:"rate"` // fit.Result.Rate, theta/c or the exponential limit's rate (HasFit)
	// LogLikPerEvent is the maximised log-likelihood divided by N (HasFit
	// and N > 0).
	LogLikPerEvent Opt `csv:"loglik_per_event"`
	LogN           Opt `csv:"log_n"` // log N, when N > 0
	// Growth is the fraction of the N observed events whose time t lies in
	// the last GrowthFraction of the window, (1-GrowthFraction)T < t <= T;
	// it applies when N > 0.
	Growth Opt `csv:"growth"`
	// The followers (magnitudes) of the events observed on [0, T]
	// (Followers), when N > 0: log(1 + m) of the original poster's m, and
	// of the sum and the largest of the retweeters' (events after the
	// first), and the largest's share of that sum (0 when it is 0).
	LogPosterFollowers Opt `csv:"log_poster_followers"`
	LogFollowersSum    Opt `csv:"log_followers_sum"`
	LogFollowersMax    Opt `csv:"log_followers_max"`
	FollowersTopShare  Opt `csv:"followers_top_share"`
	// NHat is the model-only prediction n + A1/(1-n*)
	// (fit.Result.HasPrediction).
	NHat Opt `csv:"nhat"`
	// W is the target of the forest, w = (Size-N)(1-NStar)/A1, defined when
	// Status is ok or unbounded, A1 > 0 and NStar < 1.
	W Opt `csv:"w"`
}

// columns are the CSV columns of Row, in order.
var columns = [...]string{"id", "window", "status", "n", "size", "c", "theta", "a1", "nstar",
	"beta", "rate", "loglik_per_event", "log_n", "growth",
	"log_poster_followers", "log_followers_sum", "log_followers_max", "followers_top_share", "nhat", "w"}

// Columns returns the CSV columns of Row, in order; the slice is a new copy
// on each call.
func Columns() []string { return slices.Clone(columns[:]) }

// Build returns the row of cascade c observed on [0, T] and fitted with
// result r (fit.Fit of c on T). Every result gives a row, failed fits
// included; the fields that do not apply are left unset (Opt.OK false).
func Build(c *data.Cascade, T float64, r fit.Result) Row {
	n := c.Window(T)
	row := Row{ID: c.ID, Window: Num(T), Status: r.Status, N: n, Size: c.Len()}
	if r.HasPowerLaw() {
		row.C, row.Theta = some(r.C), some(r.Theta)
	}
	if r.HasFit() {
		row.A1, row.NStar = some(r.A1), some(r.NStar)
		row.Beta, row.Rate = some(r.Beta), some(r.Rate)
		if n > 0 {
			row.LogLikPerEvent = some(r.LogLik / float64(n))
		}
	}
	if n > 0 {
		row.LogN = some(math.Log(float64(n)))
		row.Growth = some(Growth(c.Times[:n], T))
		f := Followers(c.Mags[:n])
		row.LogPosterFollowers = some(math.Log1p(f.Poster))
		row.LogFollowersSum = some(math.Log1p(f.Sum))
		row.LogFollowersMax = some(math.Log1p(f.Max))
		row.FollowersTopShare = some(f.TopShare())
	}
	if r.HasPrediction() {
		row.NHat = some(r.NHat)
	}
	if wApplies(r.Status, r.A1, r.NStar) {
		row.W = some(float64(row.Size-n) * (1 - r.NStar) / r.A1)
	}
	return row
}

// wApplies is the one statement of where the target w of SPEC section 4 is
// defined: a fit with a prediction (ok or unbounded), A1 > 0 and n* < 1.
func wApplies(st fit.Status, a1, nstar float64) bool {
	return (st == fit.StatusOK || st == fit.StatusUnbounded) && a1 > 0 && nstar < 1
}

// WScale returns A1/(1-n*), the factor that turns w into a prediction
// N_hat = n + w·A1/(1-n*), and whether w applies to r (see Row.W).
func (r *Row) WScale() (float64, bool) {
	if !r.A1.OK || !r.NStar.OK || !wApplies(r.Status, r.A1.V, r.NStar.V) {
		return 0, false
	}
	return r.A1.V / (1 - r.NStar.V), true
}

// Growth returns the fraction of the events times (those observed on
// [0, T], sorted) with time t > (1-GrowthFraction)T, or 0 when times is
// empty.
func Growth(times []float64, T float64) float64 {
	if len(times) == 0 {
		return 0
	}
	cut := (1 - GrowthFraction) * T
	k := 0
	for _, t := range times {
		if t > cut && t <= T {
			k++
		}
	}
	return float64(k) / float64(len(times))
}

// FollowerStats are the followers of a cascade's observed events: those of
// the original poster, and the sum and largest of the retweeters'.
type FollowerStats struct {
	Poster, Sum, Max float64
}

// TopShare returns Max/Sum, the share of the retweeters' followers that the
// one with the most holds, or 0 when Sum is 0.
func (f FollowerStats) TopShare() float64 {
	if f.Sum > 0 {
		return f.Max / f.Sum
	}
	return 0
}

// Followers returns the follower statistics of the magnitudes mags of a
// cascade's observed events, mags[0] being the original tweet's. mags must
// not be empty.
func Followers(mags []float64) FollowerStats {
	f := FollowerStats{Poster: mags[0]}
	for _, m := range mags[1:] {
		f.Sum += m
		f.Max = max(f.Max, m)
	}
	return f
}

// some returns v as a set Opt when it is finite, and an unset one otherwise.
func some(v float64) Opt {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return Opt{}
	}
	return Opt{V: v, OK: true}
}

// Compute fits every cascade on each window with fit.Batch (one call per
// window, with opts) and calls emit with the row of each cascade: windows in
// the given order and, within a window, cascades in input order (only the
// first opts.Limit when it is positive). It stops at the first error of emit
// or of the fits, or when ctx is done. Each window must pass fit.CheckWindow,
// which Compute checks before any fit.
func Compute(ctx context.Context, cascades []data.Cascade, windows []float64, opts fit.BatchOptions, emit func(Row) error) error {
	for _, T := range windows {
		if err := fit.CheckWindow(T); err != nil {
			return err
		}
	}
	for _, T := range windows {
		_, err := fit.Batch(ctx, cascades, T, opts, func(c *data.Cascade, r fit.Result) error {
			return emit(Build(c, T, r))
		})
		if err != nil {
			return err
		}
	}
	return nil
}
