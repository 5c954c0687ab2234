package fit

import (
	"context"
	"flag"
	"fmt"
	"math"
	"testing"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/internal/shared"
)

var fullAccuracy = flag.Bool("full", false, "check the fast likelihood on every cascade of seismic_subset (slow)")

// termScales returns the sum of the magnitudes of the terms that make up
// the log-likelihood (one per distinct time, plus the compensator) and, for
// each gradient component with respect to (n*, beta, c, theta), the same
// for its terms, computed exactly. A gradient is near zero at an optimum,
// so the fast gradient's error is measured against these scales.
func termScales(cs *cascade, q normalized) (llScale float64, sc [4]float64) {
	nstar, beta, c, theta := q.NStar, q.Beta, q.C, q.Theta
	cs.marks(beta)
	_, dlogE := meanMarkLog(beta)
	logE, _ := meanMarkLog(beta)
	D := math.Exp(math.Log(nstar) - logE)
	ne := float64(cs.explained())
	llScale = ne * math.Abs(math.Log(nstar)-logE+math.Log(theta/c))
	sc[0] = ne / nstar
	sc[1] = ne * dlogE
	sc[2] = ne / c
	sc[3] = ne / theta
	for k := 1; k < len(cs.u); k++ {
		var S, Sb, Sc, St float64
		for l := 0; l < k; l++ {
			tau := cs.u[k] - cs.u[l]
			y := math.Log1p(tau / c)
			w := math.Exp(-(1 + theta) * y)
			S += cs.MML[l][0] * w
			Sb += cs.MML[l][1] * w
			Sc += cs.MML[l][0] * w * tau / (c + tau)
			St += cs.MML[l][0] * w * y
		}
		nk := cs.count(k)
		llScale += nk * math.Abs(math.Log(S))
		sc[1] += nk * math.Abs(Sb/S)
		sc[2] += nk * (1 + theta) / c * Sc / S
		sc[3] += nk * St / S
	}
	C, Cb, Cc, Ct := cs.compensator(c, theta)
	sc[0] += C * D / nstar
	sc[1] += D * (math.Abs(Cb) + dlogE*C)
	sc[2] += D * theta / c * Cc
	sc[3] += D * Ct
	llScale += D * C
	return llScale, sc
}

// reference is the exact log-likelihood and gradient at one point with the
// scales of their terms (termScales): the yardstick both accuracies of the
// fast likelihood are measured against. Both are O(U^2), so a sweep computes
// them once per point. underflow is true when the exact log-likelihood is
// -Inf (the kernel underflows float64 across a gap in the events); the
// scales are not computed then.
type reference struct {
	ll        float64
	grad      [4]float64
	llScale   float64
	scale     [4]float64
	underflow bool
}

func exactReference(cs *cascade, q normalized) reference {
	var ref reference
	ref.ll = cs.exactPowerLaw(q, ref.grad[:])
	if math.IsInf(ref.ll, -1) {
		ref.underflow = true
		return ref
	}
	ref.llScale, ref.scale = termScales(cs, q)
	return ref
}

// fastErrors returns the error of the fast log-likelihood at q, evaluated
// at the accuracy acc (rough or precise), relative to the exact one ref and to
// its term scale, and the largest error of its gradient components relative
// to their term scales. ok is false when the point is outside the fast
// range; underflow is true when both paths return -Inf.
func fastErrors(cs *cascade, q normalized, ref reference, acc accuracy) (llErr, llScaleErr, gradErr float64, ok, underflow bool) {
	gf := make([]float64, 4)
	lf, ok := cs.fastPowerLaw(q, acc, gf)
	if !ok {
		return 0, 0, 0, false, false
	}
	if ref.underflow {
		if math.IsInf(lf, -1) {
			return 0, 0, 0, true, true
		}
		// Only the exact path underflows: an infinite error.
		return math.Inf(1), math.Inf(1), math.Inf(1), true, false
	}
	le := ref.ll
	llErr = math.Abs(lf-le) / math.Abs(le)
	llScaleErr = math.Abs(lf-le) / ref.llScale
	for i, ge := range ref.grad {
		gradErr = math.Max(gradErr, math.Abs(gf[i]-ge)/ref.scale[i])
	}
	return llErr, llScaleErr, gradErr, true, false
}

// Parameter points spread over the feasible region: n* from 0.05 to 0.99,
// beta from 0.01 to 1.01, c from 0.1 s to 1e4 s, theta from 0.02 to 500.
var accuracyPoints = []normalized{
	{0.5, 0.5, 60, 0.8},
	{0.99, 1.01, 0.1, 0.02},
	{0.05, 0.01, 1e4, 0.1},
	{0.7, 0.3, 3, 5},
	{0.3, 0.8, 2000, 500},
	{0.9, 0.6, 300, 0.3},
}

// The fast likelihood agrees with the exact one on real cascades, with
// their ties, magnitude-0 events and spans of days, to FastAccuracy at the
// points above and at the fitted optimum; the rough accuracy to roughError. By default a deterministic
// sample of the cascades is checked (every 32nd, every 128th at 21600 s, and
// the largest at each window, about 40 s); -full checks all 508 at the three
// windows (about 25 minutes). Under -short only every 128th cascade at 600 s
// is checked (4 cascades, 24 comparisons).
func TestFastMatchesExactOnRealCascades(t *testing.T) {
	cascades, err := data.LoadDir(context.Background(), shared.Path(t, "seismic_subset"))
	if err != nil {
		t.Fatal(err)
	}
	short := testing.Short() && !*fullAccuracy
	windows := []float64{600, 3600, 21600}
	if short {
		windows = windows[:1]
	}
	sampled := func(i, largest int, T float64) bool {
		switch {
		case *fullAccuracy:
			return true
		case short:
			return i%128 == 0
		case T == 21600:
			return i%128 == 0 || i == largest
		default:
			return i%32 == 0 || i == largest
		}
	}
	var worstLL, worstGrad, worstRough float64
	var where, whereRough string
	// checked counts the (cascade, window, point) comparisons; underflows
	// those where both paths return -Inf: at theta = 500 and c = 2000 the
	// kernel (1+tau/c)^-501 underflows float64 for lags above about 6 900 s,
	// so an event that follows a longer quiet gap has intensity 0 in
	// floating point, in the exact path as in the fast one. A fit never
	// stops at such a point.
	checked, underflows := 0, 0
	for _, T := range windows {
		largest := 0
		for i := range cascades {
			if cascades[i].Window(T) > cascades[largest].Window(T) {
				largest = i
			}
		}
		for i := range cascades {
			if !sampled(i, largest, T) {
				continue
			}
			c := &cascades[i]
			cs := newCascade(c.Times, c.Mags, T)
			if cs.explained() == 0 {
				continue
			}
			points := append([]normalized(nil), accuracyPoints...)
			r, err := Fit(context.Background(), c.Times, c.Mags, T, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.HasPowerLaw() {
				points = append(points, normalized{r.NStar, r.Beta, r.C, r.Theta})
				// The reported log-likelihood is that of the reported
				// parameters, never the loose search's rough value. (Not
				// checkable where kappa overflows float64 and is reported
				// as 0 with LogKappa.)
				if r.Kappa > 0 {
					if ex := LogLik(c.Times, c.Mags, T, r.Params, nil); math.Abs(r.LogLik-ex) > FastAccuracy*math.Abs(ex) {
						t.Errorf("%s T=%g: reported log-likelihood %.12g, exact at the reported parameters %.12g", c.ID, T, r.LogLik, ex)
					}
				}
			}
			for _, q := range points {
				ref := exactReference(cs, q)
				llErr, _, gErr, ok, under := fastErrors(cs, q, ref, precise)
				if !ok {
					t.Errorf("%s T=%g %+v: outside the fast range", c.ID, T, q)
					continue
				}
				if under {
					underflows++
					continue
				}
				checked++
				if llErr > worstLL {
					worstLL = llErr
					where = fmt.Sprintf("%s T=%g %+v", c.ID, T, q)
				}
				worstGrad = math.Max(worstGrad, gErr)
				if llErr > FastAccuracy || gErr > FastAccuracy {
					t.Errorf("%s T=%g %+v: log-likelihood error %.2e, gradient error %.2e (relative to term scale)", c.ID, T, q, llErr, gErr)
				}
				// The rough accuracy of the loose search, compensator
				// included, is good to roughError of the terms' scale.
				// (Relative to the log-likelihood itself it can be worse
				// where its terms cancel: RT3097 at 600 s and
				// {0.9, 0.6, 300, 0.3} sums 2 695 terms to -20.2, and the
				// rough error is 4.4e-4 of that.)
				_, llErr, gErr, _, _ = fastErrors(cs, q, ref, rough)
				if e := math.Max(llErr, gErr); e > worstRough {
					worstRough = e
					whereRough = fmt.Sprintf("%s T=%g %+v", c.ID, T, q)
				}
				if !(llErr <= roughError && gErr <= roughError) {
					t.Errorf("%s T=%g %+v: rough log-likelihood error %.2e, gradient error %.2e (relative to term scale)", c.ID, T, q, llErr, gErr)
				}
			}
		}
	}
	t.Logf("%d (cascade, window, point) checks: worst log-likelihood error %.2e (at %s), worst gradient error %.2e; rough: worst error %.2e (at %s); %d points where both paths give -Inf", checked, worstLL, where, worstGrad, worstRough, whereRough, underflows)
}

// The fast likelihood keeps its accuracy on cascades spanning days (the
// smh_cascades run to 16 days: decay factors over 1e6 s, rates down to the
// grid's lower end), with ties and magnitude-0 events (the small cascades of
// testCascades), at the points spread over the feasible region.
func TestFastMatchesExactOverDays(t *testing.T) {
	cascades, err := data.LoadDir(context.Background(), shared.Path(t, "smh_cascades"))
	if err != nil {
		t.Fatal(err)
	}
	type tcase struct {
		name        string
		times, mags []float64
		T           float64
	}
	var cases []tcase
	for _, c := range cascades {
		for _, T := range []float64{86400, 2e6} {
			cases = append(cases, tcase{fmt.Sprintf("%s T=%g", c.ID, T), c.Times, c.Mags, T})
		}
	}
	for _, tc := range testCascades {
		cases = append(cases, tcase{tc.name, tc.times, tc.mags, tc.T})
	}
	var worstLL, worstGrad float64
	checked, underflows, longest := 0, 0, 0.0
	for _, tc := range cases {
		cs := newCascade(tc.times, tc.mags, tc.T)
		if cs.explained() == 0 {
			continue
		}
		longest = math.Max(longest, cs.u[len(cs.u)-1]-cs.u[0])
		for _, q := range accuracyPoints {
			llErr, _, gErr, ok, under := fastErrors(cs, q, exactReference(cs, q), precise)
			switch {
			case !ok:
				t.Errorf("%s %+v: outside the fast range", tc.name, q)
			case under:
				underflows++
			default:
				checked++
				worstLL, worstGrad = math.Max(worstLL, llErr), math.Max(worstGrad, gErr)
				if llErr > FastAccuracy || gErr > FastAccuracy {
					t.Errorf("%s %+v: log-likelihood error %.2e, gradient error %.2e (relative to term scale)", tc.name, q, llErr, gErr)
				}
			}
		}
	}
	if checked < len(cases) {
		t.Errorf("only %d of %d cascades' points compared", checked, len(cases)*len(accuracyPoints))
	}
	t.Logf("%d checks, longest span %.0f s: worst log-likelihood error %.2e, worst gradient error %.2e; %d points where both paths give -Inf", checked, longest, worstLL, worstGrad, underflows)
}

// Fits with the fast path reach the same optimum as with the exact path.
// Under -short only three cascades are fitted: SMH-cascade-1, -2 and -9,
// whose fits at 3600 s are ok, supercritical and unbounded.
func TestFastFitMatchesExactFit(t *testing.T) {
	cascades, err := data.LoadDir(context.Background(), shared.Path(t, "smh_cascades"))
	if err != nil {
		t.Fatal(err)
	}
	if testing.Short() {
		cascades = []data.Cascade{cascades[1], cascades[2], cascades[9]}
	}
	for i := range cascades {
		c := &cascades[i]
		for _, T := range []float64{3600, 86400} {
			fast, err := Fit(context.Background(), c.Times, c.Mags, T, Options{})
			if err != nil {
				t.Fatal(err)
			}
			exact, err := Fit(context.Background(), c.Times, c.Mags, T, Options{Exact: true})
			if err != nil {
				t.Fatal(err)
			}
			if fast.Status != exact.Status {
				t.Errorf("%s T=%g: status %s fast, %s exact", c.ID, T, fast.Status, exact.Status)
				continue
			}
			// 1e-4 relative; beta may sit on its boundary 0, where only
			// its distance from 0 (below 1e-6) is meaningful.
			for _, p := range []struct {
				name  string
				f, e  float64
				floor float64 // absolute tolerance floor
			}{
				{"loglik", fast.LogLik, exact.LogLik, 0}, {"n*", fast.NStar, exact.NStar, 0}, {"beta", fast.Beta, exact.Beta, 1e-6},
				{"c", fast.C, exact.C, 0}, {"theta", fast.Theta, exact.Theta, 0}, {"rate", fast.Rate, exact.Rate, 0}, {"nhat", fast.NHat, exact.NHat, 0},
			} {
				if math.Abs(p.f-p.e) > math.Max(1e-4*math.Abs(p.e), p.floor) {
					t.Errorf("%s T=%g %s: %s fast %.8g, exact %.8g", c.ID, T, fast.Status, p.name, p.f, p.e)
				}
			}
		}
	}
}

// BenchmarkFastLikelihood measures one evaluation of the fast likelihood
// with its gradient at both accuracies, at a point typical of the loose
// search (c = 5 s, theta = 0.5: about 30 rough and 100 precise rates, of
// which the Taylor tail takes the lowest), on synthetic cascades of
// whole-second times over an hour.
func BenchmarkFastLikelihood(b *testing.B) {
	q := normalized{NStar: 0.8, Beta: 0.6, C: 5, Theta: 0.5}
	for _, n := range []int{1000, 10000} {
		times, mags := synthetic(n, 3600, 1)
		cs := newCascade(times, mags, 3600)
		g := make([]float64, 4)
		for _, acc := range []accuracy{rough, precise} {
			b.Run(fmt.Sprintf("acc=%d/n=%d", acc, n), func(b *testing.B) {
				cs.fastPowerLaw(q, acc, g) // the decay factors are computed once
				for range b.N {
					cs.markBeta = math.NaN() // as in a search, where beta moves
					cs.fastPowerLaw(q, acc, g)
				}
			})
		}
	}
}
