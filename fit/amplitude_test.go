package fit

import (
	"math"
	"testing"

	"github.com/hawkes-toolkit/hawkes/data"
)

// profileKernels are the likelihoods split by terms, each with model points
// p = (n*, beta, t...) to evaluate them at; smooth is set where the value
// is smooth enough in the rest for central differences (the fast
// likelihood chooses its grid of rates at each point).
var profileKernels = []struct {
	name   string
	terms  func(cs *cascade, p []float64) (terms, bool)
	points [][]float64
	smooth bool
}{
	{"exact power law", func(cs *cascade, p []float64) (terms, bool) {
		return cs.exactTerms(normalized{p[0], p[1], p[2], p[3]}), true
	}, [][]float64{{0.5, 0.6, 50, 0.7}, {2, 0.05, 0.5, 3}, {0.9, 0.95, 400, 0.15}}, true},
	{"fast, rough", func(cs *cascade, p []float64) (terms, bool) {
		return cs.fastTerms(normalized{p[0], p[1], p[2], p[3]}, rough)
	}, [][]float64{{0.5, 0.6, 50, 0.7}, {2, 0.05, 0.5, 3}, {0.9, 0.95, 400, 0.15}}, false},
	{"fast, precise", func(cs *cascade, p []float64) (terms, bool) {
		return cs.fastTerms(normalized{p[0], p[1], p[2], p[3]}, precise)
	}, [][]float64{{0.5, 0.6, 50, 0.7}, {2, 0.05, 0.5, 3}, {0.9, 0.95, 400, 0.15}}, false},
	{"exponential", func(cs *cascade, p []float64) (terms, bool) {
		return cs.exponentialTerms(exponential{p[0], p[1], p[2]}), true
	}, [][]float64{{0.5, 0.3, 0.01}, {0.95, 0.9, 0.5}, {1.4, 0.01, 1e-4}}, true},
}

// The profile of each likelihood: its n* is the best for the rest (10 %
// either side does worse, and the derivative in log n* vanishes there),
// its value and its gradient in the rest are the likelihood's at that n*,
// and that gradient is the profile value's (central differences).
func TestProfileIsTheBestNStar(t *testing.T) {
	for _, tc := range testCascades {
		for _, k := range profileKernels {
			cs := newCascade(tc.times, tc.mags, tc.T)
			if cs.explained() == 0 {
				continue // no n* is best: Fit reports these as failed
			}
			for _, p := range k.points {
				tm, ok := k.terms(cs, p)
				if !ok {
					t.Fatalf("%s %s %v: the fast grid does not cover the point", tc.name, k.name, p)
				}
				d := len(p)
				g := make([]float64, d)
				nstar, ll := tm.profile(g)
				if !(nstar > 0) || math.IsInf(ll, 0) || math.IsNaN(ll) {
					t.Fatalf("%s %s %v: profile n* = %g, log-likelihood %g", tc.name, k.name, p, nstar, ll)
				}
				scale := math.Max(1, math.Abs(ll))
				for _, f := range []float64{0.9, 1.1} {
					if v := tm.at(f*nstar, nil); !(v < ll) {
						t.Errorf("%s %s %v: %g at %g n*, not below the profile's %g", tc.name, k.name, p, v, f, ll)
					}
				}
				gAt := make([]float64, d)
				if v := tm.at(nstar, gAt); math.Abs(v-ll) > 1e-12*scale {
					t.Errorf("%s %s %v: %.15g at the profile's n*, profile %.15g", tc.name, k.name, p, v, ll)
				}
				if dlog := gAt[0] * nstar; math.Abs(dlog) > 1e-9*float64(cs.explained()) {
					t.Errorf("%s %s %v: dL/dlog n* = %g at the profile's n*", tc.name, k.name, p, dlog)
				}
				for i := 1; i < d; i++ {
					if math.Abs(g[i]-gAt[i]) > 1e-9*math.Max(1, math.Abs(gAt[i])) {
						t.Errorf("%s %s %v: profile dL/dx%d = %g, %g at its n*", tc.name, k.name, p, i, g[i], gAt[i])
					}
				}
				if !k.smooth {
					continue
				}
				prof := func(rest []float64) float64 {
					tm, _ := k.terms(cs, append([]float64{1}, rest...))
					_, v := tm.profile(nil)
					return v
				}
				want := centralGradient(prof, p[1:])
				for i, w := range want {
					if math.Abs(g[1+i]-w) > 1e-6*math.Max(1, math.Abs(w)) {
						t.Errorf("%s %s %v: profile dL/dx%d = %.10g, finite differences %.10g", tc.name, k.name, p, i+1, g[1+i], w)
					}
				}
			}
		}
	}
}

// A likelihood that vanishes at an event has no profile n*: -Inf passes
// through, and a compensator that is not positive gives NaN (outside the
// domain) rather than an infinite n*.
func TestProfileDegenerate(t *testing.T) {
	tm := terms{ne: 3, S: math.Inf(-1), C: 1}
	if _, ll := tm.profile(nil); !math.IsInf(ll, -1) {
		t.Errorf("S = -Inf: profile %g, want -Inf", ll)
	}
	for _, C := range []float64{0, -1, math.Inf(1), math.NaN()} {
		tm := terms{ne: 3, S: -2, C: C}
		if nstar, ll := tm.profile(nil); !math.IsNaN(ll) || !math.IsNaN(nstar) {
			t.Errorf("C = %g: profile n* %g, log-likelihood %g, want NaN", C, nstar, ll)
		}
	}
}

// Maximising the profile likelihood (profileNStar) makes no fit worse
// than maximising over n* with the rest: a status differs only where the
// profile's fit is better, and the log-likelihood is no lower (1e-7
// relative), on the fragile cascades of the search's shortcuts (see
// TestSearchShortcutsKeepFits and TestPathJoinsKeepFits) and RT868 at
// 3600 s, where the profile found a better supercritical optimum than the
// limit the full fit reported. It also costs fewer evaluations in all.
// Under -short RT1933 and RT757.
func TestProfileKeepsFits(t *testing.T) {
	cases := []fitAt{{"RT1933", 600}, {"RT757", 600}, {"RT5", 600}, {"RT2539", 600}, {"RT495", 600}, {"RT1653", 600}, {"RT2260", 600}, {"RT1044", 3600}, {"RT859", 600}, {"RT1339", 3600}, {"RT1510", 21600}, {"RT1057", 3600}, {"RT868", 3600}}
	if testing.Short() {
		cases = cases[:2]
	}
	off := func() func() {
		profileNStar = false
		return func() { profileNStar = true }
	}
	with, without := 0, 0
	fitsWithout(t, cases, off, func(c *data.Cascade, T float64, prof, full Result) {
		worse := prof.LogLik < full.LogLik-1e-7*math.Abs(full.LogLik)
		if worse || prof.Status != full.Status && !(prof.LogLik > full.LogLik) {
			t.Errorf("%s T=%g: %s %.12g with the profile, %s %.12g without", c.ID, T, prof.Status, prof.LogLik, full.Status, full.LogLik)
		}
		t.Logf("%s T=%g: %s, %d evaluations with the profile; %s, %d without", c.ID, T, prof.Status, prof.Evals, full.Status, full.Evals)
		with += prof.Evals
		without += full.Evals
	})
	if with >= without {
		t.Errorf("%d evaluations with the profile, %d without", with, without)
	}
}
