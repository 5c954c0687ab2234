package features

import (
	"fmt"
	"slices"

	"github.com/hawkes-toolkit/hawkes/fit"
)

// Missing is the value Vector gives a feature that does not apply to the
// row; the indicator features say which ones those are.
const Missing = 0

// names are the names of the features written by Row.Vector, in order.
var names = [NumFeatures]string{
	"c", "theta", "a1", "nstar", "beta", "rate", "loglik_per_event", "log_n", "growth",
	"has_power_law", "status_ok", "status_supercritical", "status_unbounded", "status_failed",
	"log_poster_followers", "log_followers_sum", "log_followers_max", "followers_top_share",
}

// NumFeatures is the number of features of a row, len(Names()).
const NumFeatures = 18

// Names returns the names of the features written by Row.Vector, in order:
// the numeric columns of Row up to growth, then indicators (1 or 0):
// has_power_law (C and Theta apply) and a one-hot code of the status, then
// the follower statistics. A feature that does not apply is Missing: c and
// theta when has_power_law is 0; a1, nstar, beta, rate and loglik_per_event
// when the status is failed; log_n, growth and the follower statistics when
// no event was observed. The first 14 are the features of models trained
// before the follower statistics, which Index maps back. The slice is a new
// copy on each call.
func Names() []string {
	return slices.Clone(names[:])
}

// Vector writes the features of r named by Names into dst and returns it.
// dst must be nil, in which case it is allocated, or have length
// NumFeatures; Vector panics otherwise. Every value is finite.
func (r *Row) Vector(dst []float64) []float64 {
	if dst == nil {
		dst = make([]float64, NumFeatures)
	}
	if len(dst) != NumFeatures {
		panic("features: Vector: len(dst) != NumFeatures")
	}
	for i, o := range []Opt{r.C, r.Theta, r.A1, r.NStar, r.Beta, r.Rate, r.LogLikPerEvent, r.LogN, r.Growth} {
		dst[i] = o.Or(Missing)
	}
	dst[9] = indicator(r.C.OK && r.Theta.OK)
	dst[10] = indicator(r.Status == fit.StatusOK)
	dst[11] = indicator(r.Status == fit.StatusSupercritical)
	dst[12] = indicator(r.Status == fit.StatusUnbounded)
	dst[13] = indicator(r.Status == fit.StatusFailed)
	for i, o := range []Opt{r.LogPosterFollowers, r.LogFollowersSum, r.LogFollowersMax, r.FollowersTopShare} {
		dst[14+i] = o.Or(Missing)
	}
	return dst
}

// Index returns, for each feature name of want, its position in Names, or
// an error naming the first that this build does not compute. A model
// records the names of its features; Index lets a model trained on another
// subset or order of them (an older build's) read its vector from Vector's.
func Index(want []string) ([]int, error) {
	idx := make([]int, len(want))
	for i, w := range want {
		k := slices.Index(names[:], w)
		if k < 0 {
			return nil, fmt.Errorf("feature %q is not computed by this build", w)
		}
		idx[i] = k
	}
	return idx, nil
}

func indicator(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
