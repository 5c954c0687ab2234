package fit_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/fit"
	"github.com/hawkes-toolkit/hawkes/sim"
)

// medianAndSE returns the median of xs and a robust estimate of its standard
// error: for a sample of size M from a roughly normal distribution the
// median's standard error is sqrt(pi/2) sigma/sqrt(M), with sigma estimated
// by 1.4826 times the median absolute deviation.
func medianAndSE(xs []float64) (med, se float64) {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	med = median(s)
	dev := make([]float64, len(s))
	for i, x := range s {
		dev[i] = math.Abs(x - med)
	}
	sort.Float64s(dev)
	sigma := 1.4826 * median(dev)
	return med, math.Sqrt(math.Pi/2) * sigma / math.Sqrt(float64(len(s)))
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// Parameter recovery: cascades simulated with known parameters are fitted
// one by one, and the median of each fitted parameter over the cascades lies
// within 4 standard errors of the truth (a two-sided 4-sigma band: a
// correct fitter fails it with probability about 6e-5 per parameter, and the
// simulation is seeded, so the outcome is fixed). Each cascade starts from an
// original tweet with 50 000 followers so that it has a few hundred events
// in its day of observation, enough for the maximum-likelihood estimate to
// be close to its asymptotic, unbiased regime.
func TestParameterRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("fits 40 simulated cascades; skipped under -short")
	}
	const (
		M      = 40
		T      = 86400.0
		m0     = 5e4
		nstar  = 0.7
		beta   = 0.5
		c      = 60.0
		theta  = 0.8
		seed   = 2026
		maxEvt = 20000
	)
	truth := fit.Params{Kappa: fit.KappaFor(nstar, beta, c, theta), Beta: beta, C: c, Theta: theta}
	cs := make([]data.Cascade, M)
	power := sim.PowerLaw(fit.Alpha)
	for i := range cs {
		first := true
		mags := func(r *rand.Rand) float64 {
			if first {
				first = false
				return m0
			}
			return power(r)
		}
		times, ms, err := sim.Cascade(rand.New(rand.NewPCG(seed, uint64(i))), truth, mags, T, maxEvt)
		if err != nil {
			t.Fatal(err)
		}
		cs[i] = data.Cascade{ID: fmt.Sprint(i), Times: times, Mags: ms}
	}
	var ns, betas, cs_, thetas []float64
	statuses := map[fit.Status]int{}
	events := 0
	_, err := fit.Batch(context.Background(), cs, T, fit.BatchOptions{}, func(c *data.Cascade, r fit.Result) error {
		statuses[r.Status]++
		events += r.N
		if r.Status == fit.StatusOK {
			ns = append(ns, r.NStar)
			betas = append(betas, r.Beta)
			cs_ = append(cs_, math.Log(r.C))
			thetas = append(thetas, math.Log(r.Theta))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d cascades, %d events, statuses %v", M, events, statuses)
	// A correct fit of cascades this size finds a finite subcritical
	// optimum for the great majority of them.
	if statuses[fit.StatusOK] < M*3/4 {
		t.Errorf("only %d of %d fits ok: %v", statuses[fit.StatusOK], M, statuses)
	}
	for _, p := range []struct {
		name  string
		xs    []float64
		truth float64
	}{
		{"n*", ns, nstar},
		{"beta", betas, beta},
		{"log c", cs_, math.Log(c)},
		{"log theta", thetas, math.Log(theta)},
	} {
		med, se := medianAndSE(p.xs)
		t.Logf("%s: median %.4f, standard error %.4f, truth %.4f", p.name, med, se, p.truth)
		if math.Abs(med-p.truth) > 4*se {
			t.Errorf("%s: median %.4f is %.1f standard errors from the truth %.4f", p.name, med, math.Abs(med-p.truth)/se, p.truth)
		}
	}
}
